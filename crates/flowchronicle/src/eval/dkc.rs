//! DKC: protocol and domain-knowledge checks on single flows.
//!
//! The 21 rules are those of the FlowChronicle evaluation (Cüppers et al.,
//! CoNEXT 2024). `fwd` is the initiator side: the side with the higher port
//! after the unidirectional records were joined into one flow.

use serde::Serialize;

use crate::flow::{Flow, Host};

/// Number of rules.
pub const RULE_COUNT: usize = 21;

/// Ports of UDP services; a TCP flow to one of them breaks rule 1.
pub const UDP_SERVICE_PORTS: [u16; 11] = [0, 53, 67, 123, 137, 138, 1900, 3544, 3702, 5353, 8612];
/// Ports of TCP services; a UDP flow to one of them breaks rule 2.
pub const TCP_SERVICE_PORTS: [u16; 11] = [0, 25, 80, 84, 443, 445, 587, 993, 8000, 8080, 8088];
/// NetBIOS datagram and name ports and SSDP: broadcast, one-way services.
const BROADCAST_PORTS: [u16; 3] = [137, 138, 1900];
/// The anonymised name of the mDNS multicast address in CIDDS-001.
const CIDDS_MULTICAST: &str = "10008_251";

/// One line per rule, numbered from 1.
pub const RULES: [&str; RULE_COUNT] = [
    "TCP to a UDP service port",
    "UDP to a TCP service port",
    "destination port 0",
    "ICMP with forward bytes",
    "ICMP with forward packets",
    "IGMP with bytes",
    "NetBIOS/SSDP with backward bytes",
    "NetBIOS/SSDP with backward packets",
    "NetBIOS/SSDP not to a .255 broadcast address",
    "CIDDS-001: web or mail port to an internal 192.168.x.x host",
    "CIDDS-001: DHCP or IMAPS port to an external host",
    "CIDDS-001: DNS port to a host other than DNS",
    "CIDDS-001: mDNS port to a host other than the multicast address",
    "TCP flags on a non-TCP flow",
    "forward: fewer than 42 bytes per packet",
    "backward: fewer than 42 bytes per packet",
    "forward: more than 65,535 bytes per packet",
    "backward: more than 65,535 bytes per packet",
    "negative duration",
    "zero duration with more than one packet",
    "non-zero duration with exactly one packet",
];

/// Variant of the rules to check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DkcOptions {
    /// Rule 3 flags every flow to port 0, as the FlowChronicle authors'
    /// evaluation code does. When false (the default), ICMP and IGMP flows, which have no
    /// ports, are exempt.
    pub flag_every_port_zero: bool,
    /// Check rules 10 to 13, which describe the CIDDS-001 test network
    /// (its internal 192.168.0.0/16 range and anonymised host names).
    pub cidds_rules: bool,
}

impl DkcOptions {
    /// Returns whether rule `number` (1 to 21) is checked.
    pub fn is_checked(&self, number: usize) -> bool {
        self.cidds_rules || !(10..=13).contains(&number)
    }
}

fn is_internal(host: &Host) -> bool {
    match host {
        Host::V4(a) => a.octets()[0] == 192 && a.octets()[1] == 168,
        _ => false,
    }
}

/// Returns whether `bytes / packets` is below 42 (a packet with any bytes
/// but no packet never is).
fn too_small(packets: u64, bytes: u64) -> bool {
    packets > 0 && bytes < 42 * packets
}

/// Returns whether `bytes / packets` is above 65,535; bytes without any
/// packet count as infinitely many per packet.
fn too_large(packets: u64, bytes: u64) -> bool {
    bytes > 0 && u128::from(bytes) > 65_535 * u128::from(packets)
}

/// Returns the rules a flow breaks as a bit set: bit `n - 1` for rule `n`.
pub fn violations(flow: &Flow, options: DkcOptions) -> u32 {
    let proto = flow.proto.as_str();
    let port = flow.dst_port;
    let dst = flow.dst_ip.to_string();
    let broadcast_port = BROADCAST_PORTS.contains(&port);
    let packets = flow.fwd_packets + flow.bwd_packets;
    let checks: [bool; RULE_COUNT] = [
        proto == "TCP" && UDP_SERVICE_PORTS.contains(&port),
        proto == "UDP" && TCP_SERVICE_PORTS.contains(&port),
        port == 0 && (options.flag_every_port_zero || !matches!(proto, "ICMP" | "IGMP")),
        proto == "ICMP" && flow.fwd_bytes > 0,
        proto == "ICMP" && flow.fwd_packets > 0,
        proto == "IGMP" && (flow.fwd_bytes > 0 || flow.bwd_bytes > 0),
        broadcast_port && flow.bwd_bytes > 0,
        broadcast_port && flow.bwd_packets > 0,
        broadcast_port && !dst.ends_with(".255"),
        [25, 80, 443, 587, 8000].contains(&port) && is_internal(&flow.dst_ip),
        [67, 993].contains(&port) && !is_internal(&flow.dst_ip),
        port == 53 && dst != "DNS",
        port == 5353 && dst != CIDDS_MULTICAST,
        proto != "TCP" && flow.flags.bytes().any(|b| b != b'.'),
        too_small(flow.fwd_packets, flow.fwd_bytes),
        too_small(flow.bwd_packets, flow.bwd_bytes),
        too_large(flow.fwd_packets, flow.fwd_bytes),
        too_large(flow.bwd_packets, flow.bwd_bytes),
        flow.duration < 0.0,
        flow.duration == 0.0 && packets > 1,
        flow.duration != 0.0 && packets == 1,
    ];
    let mut bits = 0;
    for (i, &broken) in checks.iter().enumerate() {
        if broken && options.is_checked(i + 1) {
            bits |= 1 << i;
        }
    }
    bits
}

/// Violation counts over a set of flows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DkcCounts {
    pub flows: usize,
    /// Flows breaking each rule, rule 1 first.
    pub per_rule: [usize; RULE_COUNT],
    /// Flows breaking at least one rule.
    pub with_violation: usize,
}

impl DkcCounts {
    /// Counts the violations of the flows with the given bit sets.
    pub fn from_violations<'a>(bit_sets: impl IntoIterator<Item = &'a u32>) -> DkcCounts {
        let mut counts = DkcCounts::default();
        for &bits in bit_sets {
            counts.flows += 1;
            if bits != 0 {
                counts.with_violation += 1;
            }
            for (rule, count) in counts.per_rule.iter_mut().enumerate() {
                *count += (bits >> rule & 1) as usize;
            }
        }
        counts
    }

    /// Returns the default DKC figure: the share of flows that break at
    /// least one rule.
    pub fn share_with_violation(&self) -> f64 {
        self.with_violation as f64 / self.flows as f64
    }

    /// Returns the FlowChronicle authors' figure: the sum of the 21
    /// per-rule violation shares divided by 20. A flow breaking several rules counts
    /// several times, so it can exceed 1.
    pub fn paper_figure(&self) -> f64 {
        let shares: f64 = self
            .per_rule
            .iter()
            .map(|&c| c as f64 / self.flows as f64)
            .sum();
        shares / 20.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(
        proto: &str,
        dst_ip: &str,
        dst_port: u16,
        counters: [u64; 4],
        duration: f64,
        flags: &str,
    ) -> Flow {
        Flow {
            ts: 0,
            proto: proto.into(),
            src_ip: Host::parse("192.168.1.10").unwrap(),
            src_port: 50000,
            dst_ip: Host::parse(dst_ip).unwrap(),
            dst_port,
            fwd_packets: counters[0],
            bwd_packets: counters[1],
            fwd_bytes: counters[2],
            bwd_bytes: counters[3],
            duration,
            flags: flags.into(),
            extra: Vec::new(),
        }
    }

    #[test]
    fn rules_violating_and_valid_flows() {
        let options = DkcOptions {
            flag_every_port_zero: true,
            cidds_rules: true,
        };
        // (rule, violating flow, valid flow). Counters are
        // [fwd_packets, bwd_packets, fwd_bytes, bwd_bytes].
        let web = [2, 2, 200, 200];
        let cases: Vec<(usize, Flow, Flow)> = vec![
            (
                1,
                flow("TCP", "8.8.8.8", 53, web, 1.0, ".AP.SF"),
                flow("TCP", "8.8.8.8", 22, web, 1.0, ".AP.SF"),
            ),
            (
                2,
                flow("UDP", "8.8.8.8", 443, web, 1.0, "......"),
                flow("UDP", "8.8.8.8", 4500, web, 1.0, "......"),
            ),
            (
                3,
                flow("ICMP", "8.8.8.8", 0, [0, 1, 0, 84], 0.0, "......"),
                flow("ICMP", "8.8.8.8", 771, [0, 1, 0, 84], 0.0, "......"),
            ),
            (
                4,
                flow("ICMP", "8.8.8.8", 771, [0, 1, 84, 84], 0.0, "......"),
                flow("ICMP", "8.8.8.8", 771, [0, 1, 0, 84], 0.0, "......"),
            ),
            (
                5,
                flow("ICMP", "8.8.8.8", 771, [1, 0, 0, 0], 0.0, "......"),
                flow("ICMP", "8.8.8.8", 771, [0, 1, 0, 84], 0.0, "......"),
            ),
            (
                6,
                flow("IGMP", "224.0.0.22", 1, [0, 1, 0, 46], 0.0, "......"),
                flow("IGMP", "224.0.0.22", 1, [0, 1, 0, 0], 0.0, "......"),
            ),
            (
                7,
                flow("UDP", "192.168.1.255", 137, [1, 0, 78, 1], 0.0, "......"),
                flow("UDP", "192.168.1.255", 137, [1, 0, 78, 0], 0.0, "......"),
            ),
            (
                8,
                flow("UDP", "192.168.1.255", 138, [1, 1, 200, 0], 0.0, "......"),
                flow("UDP", "192.168.1.255", 138, [1, 0, 200, 0], 0.0, "......"),
            ),
            (
                9,
                flow(
                    "UDP",
                    "239.255.255.250",
                    1900,
                    [1, 0, 200, 0],
                    0.0,
                    "......",
                ),
                flow("UDP", "192.168.1.255", 1900, [1, 0, 200, 0], 0.0, "......"),
            ),
            (
                10,
                flow("TCP", "192.168.1.1", 80, web, 1.0, ".AP.SF"),
                flow("TCP", "11529_47", 80, web, 1.0, ".AP.SF"),
            ),
            (
                11,
                flow("UDP", "11529_47", 67, [1, 1, 300, 300], 1.0, "......"),
                flow("UDP", "192.168.1.1", 67, [1, 1, 300, 300], 1.0, "......"),
            ),
            (
                12,
                flow("UDP", "192.168.1.1", 53, [1, 1, 60, 120], 1.0, "......"),
                flow("UDP", "DNS", 53, [1, 1, 60, 120], 1.0, "......"),
            ),
            (
                13,
                flow("UDP", "192.168.1.1", 5353, [1, 0, 87, 0], 0.0, "......"),
                flow("UDP", "10008_251", 5353, [1, 0, 87, 0], 0.0, "......"),
            ),
            (
                14,
                flow("UDP", "8.8.8.8", 4500, web, 1.0, ".A...."),
                flow("UDP", "8.8.8.8", 4500, web, 1.0, "......"),
            ),
            (
                15,
                flow("TCP", "8.8.8.8", 22, [2, 2, 80, 200], 1.0, ".AP.SF"),
                flow("TCP", "8.8.8.8", 22, [2, 2, 84, 200], 1.0, ".AP.SF"),
            ),
            (
                16,
                flow("TCP", "8.8.8.8", 22, [2, 2, 200, 83], 1.0, ".AP.SF"),
                flow("TCP", "8.8.8.8", 22, [2, 2, 200, 84], 1.0, ".AP.SF"),
            ),
            (
                17,
                flow("TCP", "8.8.8.8", 22, [1, 1, 65_536, 100], 1.0, ".AP.SF"),
                flow("TCP", "8.8.8.8", 22, [1, 1, 65_535, 100], 1.0, ".AP.SF"),
            ),
            (
                18,
                flow("TCP", "8.8.8.8", 22, [1, 0, 100, 70], 1.0, ".AP.SF"),
                flow("TCP", "8.8.8.8", 22, [1, 0, 100, 0], 1.0, ".AP.SF"),
            ),
            (
                19,
                flow("TCP", "8.8.8.8", 22, web, -1.0, ".AP.SF"),
                flow("TCP", "8.8.8.8", 22, web, 0.5, ".AP.SF"),
            ),
            (
                20,
                flow("TCP", "8.8.8.8", 22, web, 0.0, ".AP.SF"),
                flow("TCP", "8.8.8.8", 22, web, 0.1, ".AP.SF"),
            ),
            (
                21,
                flow("UDP", "8.8.8.8", 4500, [1, 0, 100, 0], 0.2, "......"),
                flow("UDP", "8.8.8.8", 4500, [1, 0, 100, 0], 0.0, "......"),
            ),
        ];
        for (rule, violating, valid) in &cases {
            let bit = 1 << (rule - 1);
            assert_ne!(
                violations(violating, options) & bit,
                0,
                "rule {rule} missed on {violating:?}"
            );
            assert_eq!(
                violations(valid, options) & bit,
                0,
                "rule {rule} raised on {valid:?}"
            );
        }
    }

    #[test]
    fn port_zero_exempts_icmp_by_default() {
        let icmp = flow("ICMP", "8.8.8.8", 0, [0, 1, 0, 84], 0.0, "......");
        assert_eq!(violations(&icmp, DkcOptions::default()) & 0b100, 0);
        let tcp = flow("TCP", "8.8.8.8", 0, [2, 2, 200, 200], 1.0, ".AP.SF");
        assert_ne!(violations(&tcp, DkcOptions::default()) & 0b100, 0);
    }

    #[test]
    fn cidds_rules_off_by_default() {
        let web = flow("TCP", "192.168.1.1", 80, [2, 2, 200, 200], 1.0, ".AP.SF");
        assert_eq!(violations(&web, DkcOptions::default()), 0);
    }

    /// Parses a CIDDS-001 byte count such as `1.2 M`.
    fn cidds_count(text: &str) -> u64 {
        let mut parts = text.split_whitespace();
        let value: f64 = parts.next().unwrap().parse().unwrap();
        let scale = match parts.next() {
            Some("K" | "k") => 1e3,
            Some("M") => 1e6,
            Some("G") => 1e9,
            _ => 1.0,
        };
        (value * scale) as u64
    }

    #[test]
    fn real_cidds_flows_mostly_comply() {
        let Some(path) = crate::testdata::shared_data("cidds-001/cidds_wk3_8k.csv") else {
            return;
        };
        let mut reader = csv::Reader::from_path(path).unwrap();
        let mut bits = Vec::new();
        for record in reader.records() {
            let r = record.unwrap();
            let (src_port, dst_port): (u16, u16) = (
                r[4].trim().parse::<f64>().unwrap() as u16,
                r[6].trim().parse::<f64>().unwrap() as u16,
            );
            let (packets, bytes) = (cidds_count(&r[7]), cidds_count(&r[8]));
            let proto = r[2].trim();
            let mut f = flow(
                proto,
                r[5].trim(),
                dst_port,
                [packets, 0, bytes, 0],
                r[1].trim().parse().unwrap(),
                r[10].trim(),
            );
            f.src_ip = Host::parse(r[3].trim()).unwrap();
            // The lower port is the service, and CIDDS-001 ICMP traffic is
            // counted on the responder side: both make this the backward
            // direction.
            if src_port < dst_port || proto == "ICMP" {
                std::mem::swap(&mut f.src_ip, &mut f.dst_ip);
                f.dst_port = src_port;
                f.bwd_packets = packets;
                f.bwd_bytes = bytes;
                f.fwd_packets = 0;
                f.fwd_bytes = 0;
            }
            bits.push(violations(
                &f,
                DkcOptions {
                    flag_every_port_zero: true,
                    cidds_rules: true,
                },
            ));
        }
        let counts = DkcCounts::from_violations(&bits);
        assert_eq!(counts.flows, 8192);
        // Real traffic breaks few rules: the published figure for a week of
        // CIDDS-001 is 0.00. Here most violations are two-packet flows with
        // zero duration (rule 20), from the millisecond time resolution.
        assert!(counts.paper_figure() < 0.01, "{counts:?}");
        assert_eq!(counts.per_rule[0], 0);
        assert_eq!(counts.per_rule[1], 0);
    }

    #[test]
    fn counts_and_figures() {
        // Flow 0 breaks rules 1 and 3, flow 1 breaks rule 3, flows 2 and 3
        // break none. Shares: rule 1 1/4, rule 3 2/4.
        // Paper figure = (1/4 + 2/4) / 20 = 0.0375; any rule: 2/4.
        let counts = DkcCounts::from_violations(&[0b101, 0b100, 0, 0]);
        assert_eq!(counts.per_rule[0], 1);
        assert_eq!(counts.per_rule[2], 2);
        assert_eq!(counts.with_violation, 2);
        assert!((counts.paper_figure() - 0.0375).abs() < 1e-12);
        assert_eq!(counts.share_with_violation(), 0.5);
    }
}
