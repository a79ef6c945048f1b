//! Merging unidirectional NetFlow records into bidirectional sessions.
//!
//! NetFlow exports (CIDDS-001, UGR'16, nfdump) hold one record per
//! direction and split long conversations into several records. Records
//! are grouped by protocol and the unordered pair of endpoints
//! {(address, port), (address, port)}, so both directions fall together.
//! Within a group, sorted by start time, a new session starts when the
//! idle time between the latest end (start + duration) seen so far in the
//! session and the next record's start reaches the timeout. Each session,
//! including one made of a single record, becomes one [`Flow`]:
//! - `ts` is the earliest start and `duration` the latest end minus it;
//! - forward counters sum the records sent by the first record's source,
//!   backward counters those sent by its destination;
//! - `flags` is the union of the records' TCP flags;
//! - when the first record's source port is lower than its destination
//!   port, the sides and their counters are swapped, because the lower
//!   port is taken to be the responder's service port. ICMP and ICMPv6
//!   records are never swapped, because nfdump stores the ICMP type and
//!   code in their destination port and 0 in their source port.
//!
//! NOTE: sessions carry no extra columns, so per-record attributes such as
//! the label or ToS of NetFlow input are not kept.

use std::collections::HashMap;

use crate::flow::{Flow, Host, Micros, MICROS_PER_SECOND};
use crate::io::format_flag_mask;

/// One direction of a conversation, with interned addresses and protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniRecord {
    /// First packet, microseconds since the Unix epoch.
    pub start: Micros,
    /// Last packet, at or after `start`.
    pub end: Micros,
    /// Index into [`UniRecords::hosts`].
    pub src: u32,
    pub src_port: u16,
    /// Index into [`UniRecords::hosts`].
    pub dst: u32,
    pub dst_port: u16,
    /// Index into [`UniRecords::protocols`].
    pub proto: u16,
    /// TCP flag bits (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32).
    pub flags: u8,
    pub packets: u64,
    pub bytes: u64,
}

/// Unidirectional records in input order, with their address and protocol
/// tables. Interning keeps the records small and their grouping key an
/// integer.
#[derive(Debug, Clone, Default)]
pub struct UniRecords {
    pub records: Vec<UniRecord>,
    pub hosts: Vec<Host>,
    pub protocols: Vec<String>,
    /// Whether the source had a flags column; without one, sessions get
    /// empty flags.
    pub has_flags: bool,
    host_ids: HashMap<Host, u32>,
    protocol_ids: HashMap<String, u16>,
}

/// An interning table ran out of ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("more than {limit} distinct {kind} in unidirectional input")]
pub struct TooManyDistinct {
    /// The kind of value, such as "addresses".
    pub kind: &'static str,
    pub limit: u64,
}

impl UniRecords {
    /// Returns the number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Returns whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Returns the id of a host, adding it when new.
    pub fn host_id(&mut self, host: Host) -> Result<u32, TooManyDistinct> {
        if let Some(&id) = self.host_ids.get(&host) {
            return Ok(id);
        }
        let id = u32::try_from(self.hosts.len()).map_err(|_| TooManyDistinct {
            kind: "addresses",
            limit: u64::from(u32::MAX),
        })?;
        self.hosts.push(host.clone());
        self.host_ids.insert(host, id);
        Ok(id)
    }

    /// Returns the id of a protocol name, adding it when new.
    pub fn protocol_id(&mut self, name: &str) -> Result<u16, TooManyDistinct> {
        if let Some(&id) = self.protocol_ids.get(name) {
            return Ok(id);
        }
        let id = u16::try_from(self.protocols.len()).map_err(|_| TooManyDistinct {
            kind: "protocols",
            limit: u64::from(u16::MAX),
        })?;
        self.protocols.push(name.to_string());
        self.protocol_ids.insert(name.to_string(), id);
        Ok(id)
    }
}

/// Packs protocol and the unordered endpoint pair into one sortable key.
fn group_key(record: &UniRecord) -> u128 {
    let a = (record.src, record.src_port);
    let b = (record.dst, record.dst_port);
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    (u128::from(record.proto) << 96)
        | (u128::from(low.0) << 64)
        | (u128::from(low.1) << 48)
        | (u128::from(high.0) << 16)
        | u128::from(high.1)
}

/// A session being accumulated.
struct Session {
    first: usize,
    start: Micros,
    end: Micros,
    fwd_packets: u64,
    bwd_packets: u64,
    fwd_bytes: u64,
    bwd_bytes: u64,
    flags: u8,
}

impl Session {
    fn open(index: usize, record: &UniRecord) -> Self {
        Session {
            first: index,
            start: record.start,
            end: record.end,
            fwd_packets: record.packets,
            bwd_packets: 0,
            fwd_bytes: record.bytes,
            bwd_bytes: 0,
            flags: record.flags,
        }
    }

    fn add(&mut self, first: &UniRecord, record: &UniRecord) {
        let forward = record.src == first.src && record.src_port == first.src_port;
        if forward {
            self.fwd_packets = self.fwd_packets.saturating_add(record.packets);
            self.fwd_bytes = self.fwd_bytes.saturating_add(record.bytes);
        } else {
            self.bwd_packets = self.bwd_packets.saturating_add(record.packets);
            self.bwd_bytes = self.bwd_bytes.saturating_add(record.bytes);
        }
        self.end = self.end.max(record.end);
        self.flags |= record.flags;
    }

    fn into_flow(self, input: &UniRecords) -> Flow {
        let first = &input.records[self.first];
        let mut flow = Flow {
            ts: self.start,
            proto: input.protocols[usize::from(first.proto)].clone(),
            src_ip: input.hosts[first.src as usize].clone(),
            src_port: first.src_port,
            dst_ip: input.hosts[first.dst as usize].clone(),
            dst_port: first.dst_port,
            fwd_packets: self.fwd_packets,
            bwd_packets: self.bwd_packets,
            fwd_bytes: self.fwd_bytes,
            bwd_bytes: self.bwd_bytes,
            duration: (self.end - self.start) as f64 / MICROS_PER_SECOND as f64,
            flags: if input.has_flags {
                format_flag_mask(self.flags)
            } else {
                String::new()
            },
            extra: Vec::new(),
        };
        let icmp = crate::io::is_icmp_protocol(&flow.proto);
        if first.src_port < first.dst_port && !icmp {
            std::mem::swap(&mut flow.src_ip, &mut flow.dst_ip);
            std::mem::swap(&mut flow.src_port, &mut flow.dst_port);
            std::mem::swap(&mut flow.fwd_packets, &mut flow.bwd_packets);
            std::mem::swap(&mut flow.fwd_bytes, &mut flow.bwd_bytes);
        }
        flow
    }
}

/// Merges unidirectional records into bidirectional sessions, one [`Flow`]
/// per session, sorted by start time. Sessions of equal start are ordered
/// by the input position of their first record. `timeout` is the idle time
/// in microseconds that ends a session.
pub fn build_sessions(input: &UniRecords, timeout: Micros) -> Vec<Flow> {
    let mut order: Vec<(u128, Micros, u32)> = input
        .records
        .iter()
        .enumerate()
        .map(|(i, r)| (group_key(r), r.start, i as u32))
        .collect();
    order.sort_unstable();

    let mut sessions: Vec<Session> = Vec::new();
    let mut current: Option<(u128, Session)> = None;
    for &(key, start, index) in &order {
        let index = index as usize;
        let record = &input.records[index];
        if let Some((current_key, session)) = &mut current {
            let idle = start.saturating_sub(session.end);
            if *current_key == key && idle < timeout {
                let first = &input.records[session.first];
                session.add(first, record);
                continue;
            }
        }
        if let Some((_, done)) = current.replace((key, Session::open(index, record))) {
            sessions.push(done);
        }
    }
    if let Some((_, done)) = current {
        sessions.push(done);
    }

    sessions.sort_unstable_by_key(|s| (s.start, s.first));
    sessions.into_iter().map(|s| s.into_flow(input)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(text: &str) -> Host {
        Host::parse(text).unwrap()
    }

    struct Rec<'a> {
        start_s: i64,
        duration_us: i64,
        src: &'a str,
        src_port: u16,
        dst: &'a str,
        dst_port: u16,
        packets: u64,
        bytes: u64,
        flags: u8,
    }

    fn records(list: &[Rec]) -> UniRecords {
        let mut table = UniRecords {
            has_flags: true,
            ..UniRecords::default()
        };
        let proto = table.protocol_id("TCP").unwrap();
        for r in list {
            let src = table.host_id(host(r.src)).unwrap();
            let dst = table.host_id(host(r.dst)).unwrap();
            let start = r.start_s * MICROS_PER_SECOND;
            table.records.push(UniRecord {
                start,
                end: start + r.duration_us,
                src,
                src_port: r.src_port,
                dst,
                dst_port: r.dst_port,
                proto,
                flags: r.flags,
                packets: r.packets,
                bytes: r.bytes,
            });
        }
        table
    }

    #[test]
    fn timeout_splits_and_sums_per_direction() {
        let input = records(&[
            // Client 10.0.0.1:40000 to server 10.0.0.2:80, then the reply.
            Rec {
                start_s: 100,
                duration_us: 2_000_000,
                src: "10.0.0.1",
                src_port: 40000,
                dst: "10.0.0.2",
                dst_port: 80,
                packets: 3,
                bytes: 300,
                flags: 0b000010,
            },
            Rec {
                start_s: 101,
                duration_us: 500_000,
                src: "10.0.0.2",
                src_port: 80,
                dst: "10.0.0.1",
                dst_port: 40000,
                packets: 2,
                bytes: 2000,
                flags: 0b010000,
            },
            // Starts 120 s after the latest end (102 s): a new session.
            Rec {
                start_s: 222,
                duration_us: 0,
                src: "10.0.0.1",
                src_port: 40000,
                dst: "10.0.0.2",
                dst_port: 80,
                packets: 1,
                bytes: 40,
                flags: 0b000001,
            },
        ]);
        let flows = build_sessions(&input, 120 * MICROS_PER_SECOND);
        assert_eq!(flows.len(), 2);
        let first = &flows[0];
        assert_eq!(first.ts, 100 * MICROS_PER_SECOND);
        assert_eq!(first.duration, 2.0);
        assert_eq!(first.src_ip, host("10.0.0.1"));
        assert_eq!(first.dst_port, 80);
        assert_eq!((first.fwd_packets, first.bwd_packets), (3, 2));
        assert_eq!((first.fwd_bytes, first.bwd_bytes), (300, 2000));
        assert_eq!(first.flags, ".A..S.");
        let second = &flows[1];
        assert_eq!(second.ts, 222 * MICROS_PER_SECOND);
        assert_eq!((second.fwd_packets, second.bwd_packets), (1, 0));
        assert_eq!(second.flags, ".....F");
    }

    #[test]
    fn idle_just_below_timeout_merges() {
        let input = records(&[
            Rec {
                start_s: 0,
                duration_us: 1_000_000,
                src: "10.0.0.1",
                src_port: 5000,
                dst: "10.0.0.2",
                dst_port: 53,
                packets: 1,
                bytes: 60,
                flags: 0,
            },
            Rec {
                start_s: 120,
                duration_us: 0,
                src: "10.0.0.1",
                src_port: 5000,
                dst: "10.0.0.2",
                dst_port: 53,
                packets: 1,
                bytes: 60,
                flags: 0,
            },
        ]);
        let flows = build_sessions(&input, 120 * MICROS_PER_SECOND);
        assert_eq!(flows.len(), 1);
        assert_eq!(flows[0].fwd_packets, 2);
        assert_eq!(flows[0].duration, 120.0);
    }

    #[test]
    fn lower_source_port_swaps_sides() {
        // The server's reply comes first: 10.0.0.2:80 -> 10.0.0.1:40000.
        let input = records(&[
            Rec {
                start_s: 10,
                duration_us: 0,
                src: "10.0.0.2",
                src_port: 80,
                dst: "10.0.0.1",
                dst_port: 40000,
                packets: 5,
                bytes: 5000,
                flags: 0b011000,
            },
            Rec {
                start_s: 11,
                duration_us: 0,
                src: "10.0.0.1",
                src_port: 40000,
                dst: "10.0.0.2",
                dst_port: 80,
                packets: 4,
                bytes: 400,
                flags: 0b010001,
            },
        ]);
        let flows = build_sessions(&input, 120 * MICROS_PER_SECOND);
        assert_eq!(flows.len(), 1);
        let flow = &flows[0];
        assert_eq!(flow.src_ip, host("10.0.0.1"));
        assert_eq!(flow.src_port, 40000);
        assert_eq!(flow.dst_ip, host("10.0.0.2"));
        assert_eq!(flow.dst_port, 80);
        assert_eq!((flow.fwd_packets, flow.bwd_packets), (4, 5));
        assert_eq!((flow.fwd_bytes, flow.bwd_bytes), (400, 5000));
        assert_eq!(flow.flags, ".AP..F");
        assert_eq!(flow.duration, 1.0);
    }

    #[test]
    fn icmp_is_never_swapped() {
        let mut input = records(&[Rec {
            start_s: 1,
            duration_us: 0,
            src: "10.0.0.1",
            src_port: 0,
            dst: "10.0.0.2",
            dst_port: 771,
            packets: 1,
            bytes: 56,
            flags: 0,
        }]);
        input.records[0].proto = input.protocol_id("ICMP").unwrap();
        let flows = build_sessions(&input, 120 * MICROS_PER_SECOND);
        assert_eq!(flows[0].src_ip, host("10.0.0.1"));
        assert_eq!(flows[0].dst_port, 771);
        assert_eq!(flows[0].fwd_bytes, 56);
    }

    #[test]
    fn single_records_become_sessions() {
        let input = records(&[
            Rec {
                start_s: 5,
                duration_us: 0,
                src: "10.0.0.3",
                src_port: 1234,
                dst: "10.0.0.4",
                dst_port: 443,
                packets: 1,
                bytes: 40,
                flags: 0,
            },
            Rec {
                start_s: 5,
                duration_us: 0,
                src: "10.0.0.5",
                src_port: 1234,
                dst: "10.0.0.4",
                dst_port: 443,
                packets: 1,
                bytes: 40,
                flags: 0,
            },
            Rec {
                start_s: 1,
                duration_us: 0,
                src: "10.0.0.3",
                src_port: 1235,
                dst: "10.0.0.4",
                dst_port: 443,
                packets: 1,
                bytes: 40,
                flags: 0,
            },
        ]);
        let flows = build_sessions(&input, 120 * MICROS_PER_SECOND);
        assert_eq!(flows.len(), 3);
        assert_eq!(flows[0].src_port, 1235);
        // Equal starts keep the input order.
        assert_eq!(flows[1].src_ip, host("10.0.0.3"));
        assert_eq!(flows[2].src_ip, host("10.0.0.5"));
    }

    #[test]
    fn overlapping_record_extends_running_end() {
        // The second record ends before the first; the third starts 100 s
        // after the second's end but only 50 s after the first's end.
        let input = records(&[
            Rec {
                start_s: 0,
                duration_us: 150_000_000,
                src: "10.0.0.1",
                src_port: 4000,
                dst: "10.0.0.2",
                dst_port: 22,
                packets: 10,
                bytes: 1000,
                flags: 0,
            },
            Rec {
                start_s: 10,
                duration_us: 90_000_000,
                src: "10.0.0.2",
                src_port: 22,
                dst: "10.0.0.1",
                dst_port: 4000,
                packets: 10,
                bytes: 1000,
                flags: 0,
            },
            Rec {
                start_s: 200,
                duration_us: 0,
                src: "10.0.0.1",
                src_port: 4000,
                dst: "10.0.0.2",
                dst_port: 22,
                packets: 1,
                bytes: 40,
                flags: 0,
            },
        ]);
        let flows = build_sessions(&input, 120 * MICROS_PER_SECOND);
        assert_eq!(flows.len(), 1);
        assert_eq!(flows[0].duration, 200.0);
    }
}
