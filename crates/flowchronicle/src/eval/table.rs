//! Column-wise integer and float encoding of flow tables, and seeded row
//! sampling.

use std::collections::HashMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::flow::{FlowTable, Host, Micros};

/// Names of the discrete features, in the order of [`EncodedTable::discrete`].
pub const DISCRETE: [&str; 5] = ["proto", "src_ip", "dst_ip", "dst_port", "flags"];

/// Names of the continuous features, in the order of
/// [`EncodedTable::continuous`].
pub const CONTINUOUS: [&str; 5] = [
    "fwd_packets",
    "bwd_packets",
    "fwd_bytes",
    "bwd_bytes",
    "duration",
];

/// Value dictionaries shared by every table of one evaluation, so that equal
/// values get equal codes in the real and the synthetic tables.
#[derive(Debug, Default)]
pub struct Dictionaries {
    protocols: HashMap<String, u32>,
    hosts: HashMap<Host, u32>,
    flags: HashMap<String, u32>,
}

fn code_of<K: std::hash::Hash + Eq + Clone>(map: &mut HashMap<K, u32>, key: &K) -> u32 {
    if let Some(&code) = map.get(key) {
        return code;
    }
    let code = map.len() as u32;
    map.insert(key.clone(), code);
    code
}

/// A flow table stored by column: discrete features as integer codes,
/// continuous features as floats, start times in microseconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EncodedTable {
    /// Codes of `proto`, `src_ip`, `dst_ip`, `dst_port` and `flags`. Ports
    /// are their own code.
    pub discrete: [Vec<u32>; 5],
    /// `fwd_packets`, `bwd_packets`, `fwd_bytes`, `bwd_bytes` and `duration`
    /// (seconds).
    pub continuous: [Vec<f64>; 5],
    pub ts: Vec<Micros>,
}

impl EncodedTable {
    /// Encodes a table, adding unseen values to the dictionaries.
    pub fn encode(table: &FlowTable, dictionaries: &mut Dictionaries) -> EncodedTable {
        let mut encoded = EncodedTable::default();
        for flow in &table.flows {
            let codes = [
                code_of(&mut dictionaries.protocols, &flow.proto),
                code_of(&mut dictionaries.hosts, &flow.src_ip),
                code_of(&mut dictionaries.hosts, &flow.dst_ip),
                u32::from(flow.dst_port),
                code_of(&mut dictionaries.flags, &flow.flags),
            ];
            for (column, code) in encoded.discrete.iter_mut().zip(codes) {
                column.push(code);
            }
            let values = [
                flow.fwd_packets as f64,
                flow.bwd_packets as f64,
                flow.fwd_bytes as f64,
                flow.bwd_bytes as f64,
                flow.duration,
            ];
            for (column, value) in encoded.continuous.iter_mut().zip(values) {
                column.push(value);
            }
            encoded.ts.push(flow.ts);
        }
        encoded
    }

    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Subtracts the earliest start time from every start time, so that
    /// traces recorded or generated over different periods line up.
    pub fn align_start_to_zero(&mut self) {
        if let Some(&first) = self.ts.iter().min() {
            for t in &mut self.ts {
                *t -= first;
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Returns a table made of the given rows, in the given order.
    pub fn select(&self, rows: &[usize]) -> EncodedTable {
        EncodedTable {
            discrete: std::array::from_fn(|c| rows.iter().map(|&r| self.discrete[c][r]).collect()),
            continuous: std::array::from_fn(|c| {
                rows.iter().map(|&r| self.continuous[c][r]).collect()
            }),
            ts: rows.iter().map(|&r| self.ts[r]).collect(),
        }
    }
}

/// Random stream of one sampling purpose. Each stream and repeat gets its
/// own generator, so a sample never depends on the order or the thread in
/// which other samples are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Rows of the real table for density, coverage and the other metrics.
    Real,
    /// Training rows used as members by membership disclosure.
    Members,
    /// Holdout rows used as non-members by membership disclosure.
    NonMembers,
    /// Rows of the synthetic table with this index.
    Synthetic(usize),
    /// Rows of the synthetic table with this index for membership
    /// disclosure.
    SyntheticDisclosure(usize),
}

impl Stream {
    fn id(self) -> u64 {
        match self {
            Stream::Real => 0,
            Stream::Members => 1,
            Stream::NonMembers => 2,
            Stream::Synthetic(i) => 16 + 2 * i as u64,
            Stream::SyntheticDisclosure(i) => 17 + 2 * i as u64,
        }
    }
}

/// Applies the SplitMix64 mixing function, which derives independent seeds
/// from the user's seed.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Returns the generator of one stream in one repeat.
pub fn stream_rng(seed: u64, stream: Stream, repeat: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(mix(seed ^ mix(stream.id())) ^ repeat as u64))
}

/// Draws `size` distinct row indices out of `len`, without replacement and
/// in increasing order; every row when `size >= len`.
pub fn sample_rows(len: usize, size: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    if size >= len {
        return (0..len).collect();
    }
    let mut rows = rand::seq::index::sample(rng, len, size).into_vec();
    rows.sort_unstable();
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_rows_is_seeded_and_distinct() {
        let a = sample_rows(1000, 100, &mut stream_rng(7, Stream::Real, 3));
        let b = sample_rows(1000, 100, &mut stream_rng(7, Stream::Real, 3));
        let c = sample_rows(1000, 100, &mut stream_rng(7, Stream::Synthetic(0), 3));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 100);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            sample_rows(5, 10, &mut stream_rng(7, Stream::Real, 0)),
            vec![0, 1, 2, 3, 4]
        );
    }
}
