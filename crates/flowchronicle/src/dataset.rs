//! The encoded dataset the miner works on.
//!
//! Flows become a table of `n` rows (sorted by start time, ties in input
//! order) and `m` feature columns, each cell an integer id into that
//! column's [`Dictionary`], plus one integer time tick per row. Numeric
//! features are discretized first: the value 0 gets bin 0 and non-zero
//! values fall into at most `bins` equal-frequency bins numbered from 1,
//! whose edges are kept so that generation can map ids back to values.
//! The table is column-major because the miner scans and indexes one
//! column at a time.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::flow::{Flow, FlowTable, Micros};

/// Role of a feature in the miner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A categorical value (protocol, port, flags, an extra label).
    Categorical,
    /// A categorical host address that patterns may bind to placeholders.
    Ip,
    /// A number, binned before mining.
    Numeric,
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "categorical" => Ok(Role::Categorical),
            "ip" => Ok(Role::Ip),
            "numeric" => Ok(Role::Numeric),
            other => Err(format!(
                "unknown feature role {other:?} (expected categorical, ip or numeric)"
            )),
        }
    }
}

/// Source of a feature's value in a [`Flow`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Proto,
    SrcIp,
    DstIp,
    DstPort,
    FwdPackets,
    BwdPackets,
    FwdBytes,
    BwdBytes,
    Duration,
    Flags,
    /// An extra column, by name.
    Extra(String),
}

impl Field {
    /// Returns the canonical column name of this field.
    pub fn name(&self) -> &str {
        match self {
            Field::Proto => "proto",
            Field::SrcIp => "src_ip",
            Field::DstIp => "dst_ip",
            Field::DstPort => "dst_port",
            Field::FwdPackets => "fwd_packets",
            Field::BwdPackets => "bwd_packets",
            Field::FwdBytes => "fwd_bytes",
            Field::BwdBytes => "bwd_bytes",
            Field::Duration => "duration",
            Field::Flags => "flags",
            Field::Extra(name) => name,
        }
    }

    /// Returns whether values of this field are whole numbers (counters).
    fn is_integer(&self) -> bool {
        matches!(
            self,
            Field::FwdPackets | Field::BwdPackets | Field::FwdBytes | Field::BwdBytes
        )
    }
}

/// One mined column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feature {
    pub name: String,
    pub role: Role,
    pub field: Field,
}

/// The ordered list of mined features.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub features: Vec<Feature>,
}

impl Schema {
    /// Returns the ten default features: `proto`, `src_ip`, `dst_ip`,
    /// `dst_port`, the four counters, `duration` and `flags`.
    pub fn default_features() -> Schema {
        use Field::*;
        let fields = [
            (Proto, Role::Categorical),
            (SrcIp, Role::Ip),
            (DstIp, Role::Ip),
            (DstPort, Role::Categorical),
            (FwdPackets, Role::Numeric),
            (BwdPackets, Role::Numeric),
            (FwdBytes, Role::Numeric),
            (BwdBytes, Role::Numeric),
            (Duration, Role::Numeric),
            (Flags, Role::Categorical),
        ];
        Schema {
            features: fields
                .into_iter()
                .map(|(field, role)| Feature {
                    name: field.name().to_string(),
                    role,
                    field,
                })
                .collect(),
        }
    }

    /// Adds an extra column of the flow table as a feature.
    pub fn add_extra(&mut self, name: &str, role: Role) -> Result<(), DatasetError> {
        if self.index_of(name).is_some() {
            return Err(DatasetError::DuplicateFeature(name.to_string()));
        }
        self.features.push(Feature {
            name: name.to_string(),
            role,
            field: Field::Extra(name.to_string()),
        });
        Ok(())
    }

    /// Returns the column index of a feature by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.features.iter().position(|f| f.name == name)
    }

    /// Returns the number of features, `m`.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Returns whether the schema has no feature.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }
}

/// The values a column's ids stand for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Dictionary {
    /// Id `i` stands for `values[i]`, in order of first appearance.
    Categorical { values: Vec<String> },
    /// Id 0 stands for the value 0; id `i >= 1` for the interval
    /// `[edges[i-1], edges[i])`, the last interval closed on the right.
    /// When `edges` has a single value, id 1 stands for exactly it.
    Numeric {
        edges: Vec<f64>,
        integer: bool,
        /// For each non-zero bin (id `i` at position `i - 1`), the training
        /// values inside it at the quantiles 0, 1/16, ..., 1, so that
        /// generation can follow the distribution inside the bin. Empty
        /// when unknown, and then values are drawn uniformly in the bin.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        quantiles: Vec<Vec<f64>>,
    },
}

impl Dictionary {
    /// Returns the number of distinct ids of this column.
    pub fn cardinality(&self) -> usize {
        match self {
            Dictionary::Categorical { values } => values.len(),
            Dictionary::Numeric { edges, .. } => 1 + nonzero_bin_count(edges),
        }
    }

    /// Returns a readable form of an id: the value itself, or the bin's
    /// interval (`0`, `[1, 2)`, `[40, 1500]`).
    pub fn label(&self, id: u32) -> String {
        match self {
            Dictionary::Categorical { values } => values
                .get(id as usize)
                .cloned()
                .unwrap_or_else(|| format!("#{id}")),
            Dictionary::Numeric { edges, .. } => match bin_interval(edges, id) {
                None => "0".to_string(),
                Some((lo, hi)) if lo == hi => format_number(lo),
                Some((lo, hi)) if id as usize == nonzero_bin_count(edges) => {
                    format!("[{}, {}]", format_number(lo), format_number(hi))
                }
                Some((lo, hi)) => format!("[{}, {})", format_number(lo), format_number(hi)),
            },
        }
    }

    /// Returns the id of a categorical value, if the dictionary has it.
    pub fn id_of(&self, value: &str) -> Option<u32> {
        match self {
            Dictionary::Categorical { values } => {
                values.iter().position(|v| v == value).map(|i| i as u32)
            }
            Dictionary::Numeric { .. } => None,
        }
    }
}

fn nonzero_bin_count(edges: &[f64]) -> usize {
    match edges.len() {
        0 => 0,
        1 => 1,
        n => n - 1,
    }
}

/// Returns the interval `[lo, hi]` of non-zero bin `id`, or `None` for the
/// zero bin (id 0) and for ids past the last bin.
pub fn bin_interval(edges: &[f64], id: u32) -> Option<(f64, f64)> {
    let id = id as usize;
    if id == 0 || id > nonzero_bin_count(edges) {
        return None;
    }
    if edges.len() == 1 {
        return Some((edges[0], edges[0]));
    }
    Some((edges[id - 1], edges[id]))
}

/// Returns the bin id of a value given the edges of its column.
pub fn bin_of(edges: &[f64], value: f64) -> u32 {
    if value == 0.0 || edges.is_empty() {
        return 0;
    }
    let bins = nonzero_bin_count(edges);
    let above = edges.partition_point(|&e| e <= value);
    above.clamp(1, bins) as u32
}

/// Computes equal-frequency bin edges over the non-zero values: the value
/// at each of the `bins + 1` quantile positions, duplicates merged.
pub fn quantile_edges(values: &[f64], bins: usize) -> Vec<f64> {
    let mut nonzero: Vec<f64> = values.iter().copied().filter(|&v| v != 0.0).collect();
    if nonzero.is_empty() || bins == 0 {
        return Vec::new();
    }
    nonzero.sort_by(f64::total_cmp);
    let n = nonzero.len();
    let mut edges: Vec<f64> = (0..bins)
        .map(|i| nonzero[i * n / bins])
        .chain(std::iter::once(nonzero[n - 1]))
        .collect();
    edges.dedup();
    edges
}

fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Settings of the encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncodeConfig {
    /// Maximum number of non-zero bins per numeric column.
    pub bins: usize,
    /// Length of one time tick in microseconds.
    pub time_resolution: Micros,
}

impl Default for EncodeConfig {
    fn default() -> Self {
        EncodeConfig {
            bins: 40,
            time_resolution: 10_000,
        }
    }
}

/// Errors of the encoding step.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("no flows to encode")]
    Empty,
    #[error("feature {0:?} is declared twice")]
    DuplicateFeature(String),
    #[error("feature {name:?} names no extra column of the input (extra columns: {available})")]
    MissingColumn { name: String, available: String },
    #[error("feature {name:?} is numeric but flow {row} has the value {value:?}; declare it categorical or fix the input")]
    NotNumeric {
        name: String,
        row: usize,
        value: String,
    },
    #[error("time resolution must be positive, got {0} microseconds")]
    BadResolution(Micros),
    #[error("bins must be between 1 and 65535, got {0}")]
    BadBins(usize),
}

/// The integer-coded table the miner works on.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub schema: Schema,
    pub dictionaries: Vec<Dictionary>,
    /// `columns[c][r]` is the id of row `r` in feature `c`.
    pub columns: Vec<Vec<u32>>,
    /// Time tick of each row, non-decreasing.
    pub ticks: Vec<u64>,
    /// Start time of row 0, the origin of the ticks.
    pub start: Micros,
    /// Length of one tick in microseconds.
    pub resolution: Micros,
    /// Smallest and largest initiator port seen among ports of 1024 and
    /// above (all ports when none is that high); `None` for no flows.
    pub src_port_range: Option<(u16, u16)>,
    /// Range of bytes per packet seen in each direction.
    pub packet_sizes: PacketSizes,
}

/// Range of bytes per packet in training, per direction, over flows with
/// at least one packet in that direction. It runs from the 0.5th to the
/// 99.5th percentile, so that a few malformed records do not widen it, and
/// is `None` when no flow has a packet in that direction. Generation keeps drawn
/// byte counts inside this range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PacketSizes {
    pub forward: Option<(f64, f64)>,
    pub backward: Option<(f64, f64)>,
}

/// Share of packet sizes left out at each end of [`PacketSizes`].
const PACKET_SIZE_TAIL: f64 = 0.005;

impl PacketSizes {
    /// Measures the ranges over a list of flows.
    pub fn measure<'a>(flows: impl IntoIterator<Item = &'a Flow>) -> PacketSizes {
        let mut forward = Vec::new();
        let mut backward = Vec::new();
        for flow in flows {
            if flow.fwd_packets > 0 {
                forward.push(flow.fwd_bytes as f64 / flow.fwd_packets as f64);
            }
            if flow.bwd_packets > 0 {
                backward.push(flow.bwd_bytes as f64 / flow.bwd_packets as f64);
            }
        }
        PacketSizes {
            forward: central_range(&mut forward),
            backward: central_range(&mut backward),
        }
    }
}

/// Returns the values at the [`PACKET_SIZE_TAIL`] and
/// `1 - PACKET_SIZE_TAIL` quantiles, or `None` for no value.
fn central_range(values: &mut [f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let last = values.len() - 1;
    let at = |q: f64| values[((last as f64) * q).round() as usize];
    Some((at(PACKET_SIZE_TAIL), at(1.0 - PACKET_SIZE_TAIL)))
}

impl Dataset {
    /// Encodes a flow table under a schema.
    pub fn encode(
        table: &FlowTable,
        schema: Schema,
        config: &EncodeConfig,
    ) -> Result<Dataset, DatasetError> {
        if config.time_resolution <= 0 {
            return Err(DatasetError::BadResolution(config.time_resolution));
        }
        if config.bins == 0 || config.bins > 65535 {
            return Err(DatasetError::BadBins(config.bins));
        }
        if table.flows.is_empty() {
            return Err(DatasetError::Empty);
        }

        let mut order: Vec<usize> = (0..table.flows.len()).collect();
        order.sort_by_key(|&i| table.flows[i].ts);
        let flows: Vec<&Flow> = order.iter().map(|&i| &table.flows[i]).collect();

        let mut dictionaries = Vec::with_capacity(schema.len());
        let mut columns = Vec::with_capacity(schema.len());
        for feature in &schema.features {
            let extra =
                match &feature.field {
                    Field::Extra(name) => Some(table.extra_index(name).ok_or_else(|| {
                        DatasetError::MissingColumn {
                            name: name.clone(),
                            available: if table.extra_columns.is_empty() {
                                "none beyond the canonical flow fields".to_string()
                            } else {
                                table.extra_columns.join(", ")
                            },
                        }
                    })?),
                    _ => None,
                };
            let (dictionary, column) = match feature.role {
                Role::Numeric => encode_numeric(feature, extra, &flows, config.bins)?,
                Role::Categorical | Role::Ip => encode_categorical(&feature.field, extra, &flows),
            };
            dictionaries.push(dictionary);
            columns.push(column);
        }

        let start = flows[0].ts;
        let ticks = flows
            .iter()
            .map(|f| tick_of(f.ts - start, config.time_resolution))
            .collect();

        Ok(Dataset {
            schema,
            dictionaries,
            columns,
            ticks,
            start,
            resolution: config.time_resolution,
            src_port_range: ephemeral_range(&flows),
            packet_sizes: PacketSizes::measure(flows.iter().copied()),
        })
    }

    /// Returns the number of rows, `n`.
    pub fn rows(&self) -> usize {
        self.ticks.len()
    }

    /// Returns the time span `T` in ticks: last tick minus first tick.
    pub fn span(&self) -> u64 {
        match (self.ticks.first(), self.ticks.last()) {
            (Some(first), Some(last)) => last - first,
            _ => 0,
        }
    }

    /// Returns the dictionary size of each column.
    pub fn cardinalities(&self) -> Vec<usize> {
        self.dictionaries
            .iter()
            .map(Dictionary::cardinality)
            .collect()
    }
}

/// Rounds an offset in microseconds to the nearest tick.
fn tick_of(offset: Micros, resolution: Micros) -> u64 {
    let offset = offset.max(0) as u128;
    let resolution = resolution as u128;
    ((offset + resolution / 2) / resolution) as u64
}

fn categorical_text(flow: &Flow, field: &Field, extra: Option<usize>) -> String {
    match field {
        Field::Proto => flow.proto.clone(),
        Field::SrcIp => flow.src_ip.to_string(),
        Field::DstIp => flow.dst_ip.to_string(),
        Field::DstPort => flow.dst_port.to_string(),
        Field::Flags => flow.flags.clone(),
        Field::FwdPackets => flow.fwd_packets.to_string(),
        Field::BwdPackets => flow.bwd_packets.to_string(),
        Field::FwdBytes => flow.fwd_bytes.to_string(),
        Field::BwdBytes => flow.bwd_bytes.to_string(),
        Field::Duration => flow.duration.to_string(),
        Field::Extra(_) => extra
            .and_then(|i| flow.extra.get(i).cloned().flatten())
            .unwrap_or_else(|| "-".to_string()),
    }
}

fn encode_categorical(
    field: &Field,
    extra: Option<usize>,
    flows: &[&Flow],
) -> (Dictionary, Vec<u32>) {
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut values = Vec::new();
    let column = flows
        .iter()
        .map(|flow| {
            let text = categorical_text(flow, field, extra);
            *ids.entry(text).or_insert_with_key(|text| {
                values.push(text.clone());
                (values.len() - 1) as u32
            })
        })
        .collect();
    (Dictionary::Categorical { values }, column)
}

fn encode_numeric(
    feature: &Feature,
    extra: Option<usize>,
    flows: &[&Flow],
    bins: usize,
) -> Result<(Dictionary, Vec<u32>), DatasetError> {
    let mut values = Vec::with_capacity(flows.len());
    for (row, flow) in flows.iter().enumerate() {
        let value = match &feature.field {
            Field::FwdPackets => flow.fwd_packets as f64,
            Field::BwdPackets => flow.bwd_packets as f64,
            Field::FwdBytes => flow.fwd_bytes as f64,
            Field::BwdBytes => flow.bwd_bytes as f64,
            Field::Duration => flow.duration,
            field => {
                let text = categorical_text(flow, field, extra);
                text.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| DatasetError::NotNumeric {
                        name: feature.name.clone(),
                        row,
                        value: text,
                    })?
            }
        };
        values.push(value);
    }
    let edges = quantile_edges(&values, bins);
    let column: Vec<u32> = values.iter().map(|&v| bin_of(&edges, v)).collect();
    let integer = feature.field.is_integer()
        || values.iter().all(|v| v.fract() == 0.0) && !matches!(feature.field, Field::Duration);
    let quantiles = bin_quantiles(&values, &column, nonzero_bin_count(&edges));
    Ok((
        Dictionary::Numeric {
            edges,
            integer,
            quantiles,
        },
        column,
    ))
}

/// Number of intervals between the stored quantiles of a bin.
pub const BIN_QUANTILE_STEPS: usize = 16;

/// Returns, for bins `1..=bins`, the values at the quantiles
/// `0, 1/16, ..., 1` of the training values inside each bin.
fn bin_quantiles(values: &[f64], ids: &[u32], bins: usize) -> Vec<Vec<f64>> {
    let mut members: Vec<Vec<f64>> = vec![Vec::new(); bins];
    for (&value, &id) in values.iter().zip(ids) {
        if id > 0 {
            members[id as usize - 1].push(value);
        }
    }
    members
        .into_iter()
        .map(|mut inside| {
            if inside.is_empty() {
                return Vec::new();
            }
            inside.sort_by(f64::total_cmp);
            let last = inside.len() - 1;
            (0..=BIN_QUANTILE_STEPS)
                .map(|i| inside[(i * last + BIN_QUANTILE_STEPS / 2) / BIN_QUANTILE_STEPS])
                .collect()
        })
        .collect()
}

fn ephemeral_range(flows: &[&Flow]) -> Option<(u16, u16)> {
    let high = flows.iter().map(|f| f.src_port).filter(|&p| p >= 1024);
    let range = high.fold(None, |acc: Option<(u16, u16)>, p| match acc {
        None => Some((p, p)),
        Some((lo, hi)) => Some((lo.min(p), hi.max(p))),
    });
    range.or_else(|| {
        let lo = flows.iter().map(|f| f.src_port).min()?;
        let hi = flows.iter().map(|f| f.src_port).max()?;
        Some((lo, hi))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Host;

    fn flow(ts: Micros, dst_port: u16, fwd_packets: u64) -> Flow {
        Flow {
            ts,
            proto: "TCP".into(),
            src_ip: Host::parse("10.0.0.1").unwrap(),
            src_port: 40000,
            dst_ip: Host::parse("10.0.0.2").unwrap(),
            dst_port,
            fwd_packets,
            bwd_packets: 0,
            fwd_bytes: fwd_packets * 60,
            bwd_bytes: 0,
            duration: 0.0,
            flags: ".A....".into(),
            extra: vec![],
        }
    }

    #[test]
    fn quantile_edges_merge_duplicates() {
        // Non-zero values 1,1,1,1,2,3,4,5 with 4 bins: quantile positions
        // 0,2,4,6 give 1,1,2,4 and the maximum 5; merged: [1, 2, 4, 5].
        let values = [0.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 0.0];
        let edges = quantile_edges(&values, 4);
        assert_eq!(edges, vec![1.0, 2.0, 4.0, 5.0]);
        assert_eq!(bin_of(&edges, 0.0), 0);
        assert_eq!(bin_of(&edges, 1.0), 1);
        assert_eq!(bin_of(&edges, 3.0), 2);
        assert_eq!(bin_of(&edges, 4.0), 3);
        assert_eq!(bin_of(&edges, 5.0), 3);
    }

    #[test]
    fn bin_quantiles_follow_values() {
        // One bin holding 1..=17: the 17 quantile positions 0, 1/16, ...,
        // 1 of 17 sorted values are the values themselves.
        let values: Vec<f64> = (1..=17).map(f64::from).collect();
        let ids = vec![1u32; 17];
        let quantiles = bin_quantiles(&values, &ids, 1);
        assert_eq!(quantiles, vec![values.clone()]);
        // A bin with no member has no quantiles.
        assert_eq!(bin_quantiles(&values, &ids, 2)[1], Vec::<f64>::new());
    }

    #[test]
    fn single_nonzero_value_gets_one_bin() {
        let edges = quantile_edges(&[0.0, 7.0, 7.0], 40);
        assert_eq!(edges, vec![7.0]);
        assert_eq!(bin_of(&edges, 7.0), 1);
        assert_eq!(bin_interval(&edges, 1), Some((7.0, 7.0)));
        let dict = Dictionary::Numeric {
            edges,
            integer: true,
            quantiles: Vec::new(),
        };
        assert_eq!(dict.cardinality(), 2);
        assert_eq!(dict.label(1), "7");
    }

    #[test]
    fn encode_sorts_and_ticks() {
        let table = FlowTable {
            extra_columns: vec![],
            flows: vec![flow(30_000, 443, 3), flow(0, 53, 1), flow(14_999, 53, 1)],
        };
        let data =
            Dataset::encode(&table, Schema::default_features(), &EncodeConfig::default()).unwrap();
        assert_eq!(data.rows(), 3);
        // 14,999 us at 10 ms ticks rounds to tick 1; 30,000 us is tick 3.
        assert_eq!(data.ticks, vec![0, 1, 3]);
        let port = data.schema.index_of("dst_port").unwrap();
        assert_eq!(data.columns[port], vec![0, 0, 1]);
        assert_eq!(data.dictionaries[port].label(1), "443");
        assert_eq!(data.span(), 3);
    }

    #[test]
    fn missing_extra_column_is_reported() {
        let table = FlowTable {
            extra_columns: vec!["service".into()],
            flows: vec![flow(0, 53, 1)],
        };
        let mut schema = Schema::default_features();
        schema.add_extra("vlan", Role::Categorical).unwrap();
        let err = Dataset::encode(&table, schema, &EncodeConfig::default()).unwrap_err();
        assert!(err.to_string().contains("\"vlan\""), "{err}");
        assert!(err.to_string().contains("service"), "{err}");
    }
}
