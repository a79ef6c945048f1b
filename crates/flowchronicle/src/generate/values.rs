//! Filling a pattern's rows with values and turning value ids into flows.

use rand::Rng;

use crate::bn::BayesNet;
use crate::dataset::{bin_interval, Dictionary, Field, PacketSizes, Schema};
use crate::flow::{Flow, Host, Micros};
use crate::pattern::{Cell, Pattern};

/// The source of one cell's value id in a generated row.
#[derive(Debug, Clone, Copy)]
enum Source {
    Fixed(u32),
    /// The network variable with this index.
    Variable(usize),
}

/// The rows of a pattern as value sources, and its network.
#[derive(Debug, Clone)]
pub struct RowPlan {
    /// One source per row and column.
    rows: Vec<Vec<Source>>,
    network: BayesNet,
}

impl RowPlan {
    /// Plans a pattern: FIX cells are fixed ids, free and SET cells network
    /// variables in row-major order, USE cells the variable of the SET cell
    /// of their placeholder. Rejects a network whose values lie outside
    /// their column's dictionary (`cardinalities`, one per column).
    pub fn new(
        pattern: &Pattern,
        network: BayesNet,
        cardinalities: &[usize],
    ) -> Result<RowPlan, String> {
        let variables = pattern.variables();
        let variable_of = |j: usize, c: usize| variables.iter().position(|&v| v == (j, c));
        let mut rows = Vec::with_capacity(pattern.rows.len());
        for (j, row) in pattern.rows.iter().enumerate() {
            let mut sources = Vec::with_capacity(row.len());
            for (c, &cell) in row.iter().enumerate() {
                let source = match cell {
                    Cell::Fix(id) => Source::Fixed(id),
                    Cell::Free | Cell::Set(_) => Source::Variable(
                        variable_of(j, c).ok_or("a variable cell has no network variable")?,
                    ),
                    Cell::Use(x) => {
                        let (sj, sc) = pattern
                            .set_position(x)
                            .ok_or_else(|| format!("placeholder {x} is used but never set"))?;
                        Source::Variable(
                            variable_of(sj, sc).ok_or("a SET cell has no network variable")?,
                        )
                    }
                };
                sources.push(source);
            }
            rows.push(sources);
        }
        if network.variables() != variables.len() {
            return Err(format!(
                "the network has {} variables, the pattern {}",
                network.variables(),
                variables.len()
            ));
        }
        for (v, &(j, c)) in variables.iter().enumerate() {
            let largest = network.table(v).values.last().copied().unwrap_or(0);
            if largest as usize >= cardinalities[c] {
                return Err(format!(
                    "network variable {v} (row {}, column {c}) takes value id {largest}, \
                     but the column's dictionary has {} values",
                    j + 1,
                    cardinalities[c]
                ));
            }
        }
        Ok(RowPlan { rows, network })
    }

    /// Returns the number of rows of the pattern.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Samples the network once and writes the value ids of every row into
    /// `ids` (row-major, one slot per column). `scratch` receives the sampled
    /// variables.
    pub fn fill(&self, rng: &mut impl Rng, scratch: &mut Vec<u32>, ids: &mut Vec<u32>) {
        scratch.clear();
        scratch.resize(self.network.variables(), 0);
        self.network.sample_into(rng, scratch);
        ids.clear();
        for row in &self.rows {
            for source in row {
                ids.push(match *source {
                    Source::Fixed(id) => id,
                    Source::Variable(v) => scratch[v],
                });
            }
        }
    }
}

/// The conversion of one column's value id into a flow field.
#[derive(Debug, Clone)]
enum ColumnDecoder {
    Proto(Vec<String>),
    SrcIp(Vec<Host>),
    DstIp(Vec<Host>),
    DstPort(Vec<u16>),
    Flags(Vec<String>),
    /// A numeric field: bin edges, whether values are whole, the field.
    Number {
        edges: Vec<f64>,
        integer: bool,
        quantiles: Vec<Vec<f64>>,
        field: Field,
    },
    /// A categorical extra column at this position of `Flow::extra`.
    ExtraText(usize, Vec<String>),
    /// A numeric extra column at this position of `Flow::extra`.
    ExtraNumber {
        index: usize,
        edges: Vec<f64>,
        integer: bool,
        quantiles: Vec<Vec<f64>>,
    },
}

/// Turns value ids into flows.
#[derive(Debug, Clone)]
pub struct Decoder {
    columns: Vec<ColumnDecoder>,
    /// Names of the extra columns, in `Flow::extra` order.
    pub extra_columns: Vec<String>,
    src_ports: (u16, u16),
    packet_sizes: PacketSizes,
    /// Positions of the `src_ip` and `dst_ip` columns, when both exist.
    endpoint_columns: Option<(usize, usize)>,
}

/// Initiator ports drawn when the model stores no range: the IANA
/// dynamic range.
const DEFAULT_SRC_PORTS: (u16, u16) = (49152, 65535);

impl Decoder {
    /// Prepares every column's values, checking that IP and port values
    /// parse.
    pub fn new(
        schema: &Schema,
        dictionaries: &[Dictionary],
        src_ports: Option<(u16, u16)>,
        packet_sizes: PacketSizes,
        use_quantiles: bool,
    ) -> Result<Decoder, String> {
        let pick = |quantiles: &Vec<Vec<f64>>| {
            if use_quantiles {
                quantiles.clone()
            } else {
                Vec::new()
            }
        };
        let mut columns = Vec::with_capacity(schema.len());
        let mut extra_columns = Vec::new();
        for (feature, dictionary) in schema.features.iter().zip(dictionaries) {
            let decoder = match (dictionary, &feature.field) {
                (
                    Dictionary::Numeric {
                        edges,
                        integer,
                        quantiles,
                    },
                    Field::Extra(name),
                ) => {
                    extra_columns.push(name.clone());
                    ColumnDecoder::ExtraNumber {
                        index: extra_columns.len() - 1,
                        edges: edges.clone(),
                        integer: *integer,
                        quantiles: pick(quantiles),
                    }
                }
                (
                    Dictionary::Numeric {
                        edges,
                        integer,
                        quantiles,
                    },
                    field,
                ) => ColumnDecoder::Number {
                    edges: edges.clone(),
                    integer: *integer,
                    quantiles: pick(quantiles),
                    field: field.clone(),
                },
                (Dictionary::Categorical { values }, field) => match field {
                    Field::Proto => ColumnDecoder::Proto(values.clone()),
                    Field::Flags => ColumnDecoder::Flags(values.clone()),
                    Field::SrcIp => ColumnDecoder::SrcIp(parse_hosts(&feature.name, values)?),
                    Field::DstIp => ColumnDecoder::DstIp(parse_hosts(&feature.name, values)?),
                    Field::DstPort => ColumnDecoder::DstPort(
                        values
                            .iter()
                            .map(|v| {
                                v.parse().map_err(|_| {
                                    format!("dst_port value {v:?} is not a port number")
                                })
                            })
                            .collect::<Result<_, _>>()?,
                    ),
                    Field::Extra(name) => {
                        extra_columns.push(name.clone());
                        ColumnDecoder::ExtraText(extra_columns.len() - 1, values.clone())
                    }
                    other => {
                        return Err(format!(
                            "column {} is categorical but {} is a numeric field",
                            feature.name,
                            other.name()
                        ))
                    }
                },
            };
            columns.push(decoder);
        }
        let src_ports = match src_ports {
            Some((lo, hi)) if lo <= hi => (lo, hi),
            _ => DEFAULT_SRC_PORTS,
        };
        let position = |wanted: &Field| schema.features.iter().position(|f| &f.field == wanted);
        let endpoint_columns = position(&Field::SrcIp).zip(position(&Field::DstIp));
        Ok(Decoder {
            columns,
            extra_columns,
            src_ports,
            packet_sizes,
            endpoint_columns,
        })
    }

    /// Returns whether any row of an occurrence (`ids` row-major, `columns` per
    /// row) would go from a host to itself.
    pub fn has_self_flow(&self, ids: &[u32], columns: usize) -> bool {
        let Some((src, dst)) = self.endpoint_columns else {
            return false;
        };
        let (ColumnDecoder::SrcIp(sources), ColumnDecoder::DstIp(destinations)) =
            (&self.columns[src], &self.columns[dst])
        else {
            return false;
        };
        ids.chunks(columns.max(1)).any(|row| {
            let from = sources.get(row[src] as usize);
            from.is_some() && from == destinations.get(row[dst] as usize)
        })
    }

    /// Builds a flow at `ts` from one row's value ids. Fields the schema
    /// does not cover keep these defaults: protocol `TCP`, addresses
    /// `0.0.0.0`, port, counters and duration 0, no flags.
    pub fn flow(&self, ts: Micros, ids: &[u32], extra_slots: usize, rng: &mut impl Rng) -> Flow {
        let unspecified = Host::V4(std::net::Ipv4Addr::UNSPECIFIED);
        let mut flow = Flow {
            ts,
            proto: String::new(),
            src_ip: unspecified.clone(),
            src_port: rng.random_range(self.src_ports.0..=self.src_ports.1),
            dst_ip: unspecified,
            dst_port: 0,
            fwd_packets: 0,
            bwd_packets: 0,
            fwd_bytes: 0,
            bwd_bytes: 0,
            duration: 0.0,
            flags: String::new(),
            extra: vec![None; extra_slots],
        };

        let mut has_proto = false;
        let mut byte_bins: [Option<(&[f64], u32, bool)>; 2] = [None, None];
        for (decoder, &id) in self.columns.iter().zip(ids) {
            let i = id as usize;
            match decoder {
                ColumnDecoder::Proto(values) => {
                    flow.proto = values[i].clone();
                    has_proto = true;
                }
                ColumnDecoder::SrcIp(hosts) => flow.src_ip = hosts[i].clone(),
                ColumnDecoder::DstIp(hosts) => flow.dst_ip = hosts[i].clone(),
                ColumnDecoder::DstPort(ports) => flow.dst_port = ports[i],
                ColumnDecoder::Flags(values) => flow.flags = values[i].clone(),
                ColumnDecoder::Number {
                    edges,
                    integer,
                    quantiles,
                    field,
                } => {
                    let value = draw_value(edges, *integer, quantiles, id, rng);
                    match field {
                        Field::FwdPackets => flow.fwd_packets = value as u64,
                        Field::BwdPackets => flow.bwd_packets = value as u64,
                        Field::FwdBytes => {
                            flow.fwd_bytes = value as u64;
                            byte_bins[0] = Some((edges, id, *integer));
                        }
                        Field::BwdBytes => {
                            flow.bwd_bytes = value as u64;
                            byte_bins[1] = Some((edges, id, *integer));
                        }
                        Field::Duration => flow.duration = value,
                        _ => {}
                    }
                }
                ColumnDecoder::ExtraText(index, values) => {
                    flow.extra[*index] = Some(values[i].clone())
                }
                ColumnDecoder::ExtraNumber {
                    index,
                    edges,
                    integer,
                    quantiles,
                } => {
                    let value = draw_value(edges, *integer, quantiles, id, rng);
                    flow.extra[*index] = Some(if *integer {
                        format!("{}", value as i64)
                    } else {
                        format!("{value}")
                    });
                }
            }
        }
        if !has_proto {
            flow.proto = "TCP".to_string();
        }

        self.keep_plausible(&mut flow, byte_bins, rng);
        flow
    }

    /// Applies what every real flow obeys and the per-column draws do not:
    /// no initiator port for port-less protocols, zero duration for a
    /// single packet, and byte counts within the training packet sizes.
    fn keep_plausible(
        &self,
        flow: &mut Flow,
        byte_bins: [Option<(&[f64], u32, bool)>; 2],
        rng: &mut impl Rng,
    ) {
        if !has_ports(&flow.proto) {
            flow.src_port = 0;
        }

        // Duration runs from the first to the last packet, so a flow of
        // one packet lasts 0 seconds.
        if flow.fwd_packets + flow.bwd_packets == 1 {
            flow.duration = 0.0;
        }
        if let Some((edges, id, integer)) = byte_bins[0] {
            let range = self.packet_sizes.forward;
            flow.fwd_bytes = fit_packet_sizes(
                flow.fwd_bytes,
                flow.fwd_packets,
                range,
                edges,
                id,
                integer,
                rng,
            );
        }
        if let Some((edges, id, integer)) = byte_bins[1] {
            let range = self.packet_sizes.backward;
            flow.bwd_bytes = fit_packet_sizes(
                flow.bwd_bytes,
                flow.bwd_packets,
                range,
                edges,
                id,
                integer,
                rng,
            );
        }
    }
}

/// Returns whether a protocol carries port numbers. Flow exporters write
/// initiator port 0 for the others (ICMP, GRE, ESP, ...), and so does generation.
fn has_ports(proto: &str) -> bool {
    ["TCP", "UDP", "SCTP", "UDPLITE", "DCCP"]
        .iter()
        .any(|p| p.eq_ignore_ascii_case(proto))
}

/// Keeps a drawn byte count within the training range of bytes per packet.
/// When `bytes / packets` falls outside `[lo, hi]`, the count is drawn
/// again uniformly inside the part of its bin that respects the range. When
/// no part of the bin does, it is set to the nearest bound of the range.
/// Counters are drawn per column, so without this a wide bytes bin beside
/// a small packet count gives impossible packet sizes.
fn fit_packet_sizes(
    bytes: u64,
    packets: u64,
    range: Option<(f64, f64)>,
    edges: &[f64],
    id: u32,
    integer: bool,
    rng: &mut impl Rng,
) -> u64 {
    let Some((lo, hi)) = range else {
        return bytes;
    };
    if packets == 0 {
        return bytes;
    }
    let (min, max) = (lo * packets as f64, hi * packets as f64);
    let value = bytes as f64;
    if value >= min && value <= max {
        return bytes;
    }
    let (bin_lo, bin_hi) = bin_interval(edges, id).unwrap_or((0.0, 0.0));
    let (from, to) = (bin_lo.max(min), bin_hi.min(max));
    let drawn = if from <= to {
        if to > from {
            rng.random_range(from..=to)
        } else {
            from
        }
    } else if value < min {
        min
    } else {
        max
    };
    let drawn = if integer { drawn.round() } else { drawn };
    drawn.clamp(min.ceil(), max.floor().max(min.ceil())) as u64
}

fn parse_hosts(column: &str, values: &[String]) -> Result<Vec<Host>, String> {
    values
        .iter()
        .map(|v| Host::parse(v).map_err(|e| format!("{column} value {v:?}: {e}")))
        .collect()
}

/// Draws a value inside numeric bin `id`, following the training values'
/// quantiles inside the bin when the model has them (linear between
/// consecutive quantiles, rounded for integer columns), and uniformly in
/// the bin otherwise ([`draw_in_bin`]).
pub fn draw_value(
    edges: &[f64],
    integer: bool,
    quantiles: &[Vec<f64>],
    id: u32,
    rng: &mut impl Rng,
) -> f64 {
    let points = match (id as usize).checked_sub(1).and_then(|b| quantiles.get(b)) {
        Some(points) if points.len() >= 2 => points,
        _ => return draw_in_bin(edges, integer, id, rng),
    };
    let position = rng.random::<f64>() * (points.len() - 1) as f64;
    let i = (position as usize).min(points.len() - 2);
    let fraction = position - i as f64;
    let value = points[i] + (points[i + 1] - points[i]) * fraction;
    if integer {
        value.round()
    } else {
        value
    }
}

/// Draws a value inside numeric bin `id`: 0 for the zero bin, otherwise
/// uniform in the bin's interval, and for integer columns a uniform whole
/// number among those the interval contains. Only the last bin includes
/// its upper edge.
///
/// NOTE: each counter is drawn on its own, so a row whose packet and byte
/// bins are both wide can come out with implausible packet sizes. The
/// quantile draw of [`draw_value`] and the packet-size bound of the decoder
/// narrow this but do not remove it.
pub fn draw_in_bin(edges: &[f64], integer: bool, id: u32, rng: &mut impl Rng) -> f64 {
    let Some((lo, hi)) = bin_interval(edges, id) else {
        return 0.0;
    };
    let last = id as usize + 1 >= edges.len();
    if integer {
        let low = lo.ceil();
        let high = if last || hi == lo {
            hi.floor()
        } else {
            hi.ceil() - 1.0
        };
        if high <= low {
            return low.max(lo.round());
        }
        return rng.random_range(low as i64..=high as i64) as f64;
    }
    if hi > lo {
        rng.random_range(lo..hi)
    } else {
        lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn self_flows_are_detected() {
        // src_ip ids: 0 = 10.0.0.1, 1 = 10.0.0.2; dst_ip ids: 0 = 10.0.0.2.
        let schema = Schema::default_features();
        let dictionaries: Vec<Dictionary> = schema
            .features
            .iter()
            .map(|f| match f.field {
                Field::SrcIp => Dictionary::Categorical {
                    values: vec!["10.0.0.1".into(), "10.0.0.2".into()],
                },
                Field::DstIp => Dictionary::Categorical {
                    values: vec!["10.0.0.2".into()],
                },
                Field::Proto => Dictionary::Categorical {
                    values: vec!["TCP".into()],
                },
                Field::DstPort => Dictionary::Categorical {
                    values: vec!["443".into()],
                },
                Field::Flags => Dictionary::Categorical {
                    values: vec![".A....".into()],
                },
                _ => Dictionary::Numeric {
                    edges: vec![],
                    integer: true,
                    quantiles: vec![],
                },
            })
            .collect();
        let decoder =
            Decoder::new(&schema, &dictionaries, None, PacketSizes::default(), false).unwrap();
        let m = schema.len();
        let src = schema.index_of("src_ip").unwrap();
        let mut ids = vec![0u32; 2 * m];
        assert!(!decoder.has_self_flow(&ids, m));
        // Second row from 10.0.0.2 to 10.0.0.2.
        ids[m + src] = 1;
        assert!(decoder.has_self_flow(&ids, m));
    }

    #[test]
    fn byte_counts_respect_packet_sizes() {
        // Training packets carry 40 to 1500 bytes. Bin 1 of the bytes
        // column spans [100, 100000]. With 2 packets the allowed bytes are
        // [80, 3000], so a draw of 50000 is redrawn inside [100, 3000].
        let edges = [100.0, 100000.0];
        let range = Some((40.0, 1500.0));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let bytes = fit_packet_sizes(50000, 2, range, &edges, 1, true, &mut rng);
            assert!((100..=3000).contains(&bytes), "{bytes}");
        }
        // A count already inside the range is kept.
        assert_eq!(
            fit_packet_sizes(900, 2, range, &edges, 1, true, &mut rng),
            900
        );
        // A bin entirely above the range gives the range's upper bound.
        let high = [10000.0, 20000.0];
        assert_eq!(
            fit_packet_sizes(15000, 2, range, &high, 1, true, &mut rng),
            3000
        );
        // No range, or no packet: unchanged.
        assert_eq!(
            fit_packet_sizes(50000, 2, None, &edges, 1, true, &mut rng),
            50000
        );
        assert_eq!(
            fit_packet_sizes(50000, 0, range, &edges, 1, true, &mut rng),
            50000
        );
    }

    #[test]
    fn quantile_draw_stays_between_points() {
        // Bin 1 spans [1, 1000] but its training values sit in 1..=3, so
        // every draw must land in [1, 3] and be whole.
        let edges = [1.0, 1000.0];
        let quantiles = vec![vec![1.0, 1.0, 2.0, 3.0, 3.0]];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..1000 {
            let v = draw_value(&edges, true, &quantiles, 1, &mut rng);
            assert!((1.0..=3.0).contains(&v), "{v}");
            assert_eq!(v.fract(), 0.0);
        }
        // Without quantiles the draw spans the whole bin.
        let wide = (0..1000)
            .map(|_| draw_value(&edges, true, &[], 1, &mut rng))
            .fold(0.0, f64::max);
        assert!(wide > 3.0);
    }

    #[test]
    fn integer_bin_draws_integers() {
        let edges = [1.0, 4.0, 10.0];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..1000 {
            let first = draw_in_bin(&edges, true, 1, &mut rng);
            assert!(
                first.fract() == 0.0 && (1.0..4.0).contains(&first),
                "{first}"
            );
            let last = draw_in_bin(&edges, true, 2, &mut rng);
            assert!(
                last.fract() == 0.0 && (4.0..=10.0).contains(&last),
                "{last}"
            );
        }
        assert_eq!(draw_in_bin(&edges, true, 0, &mut rng), 0.0);
    }

    #[test]
    fn single_edge_bin_is_exact() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        assert_eq!(draw_in_bin(&[7.0], true, 1, &mut rng), 7.0);
        assert_eq!(draw_in_bin(&[0.5], false, 1, &mut rng), 0.5);
    }
}
