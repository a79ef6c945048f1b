//! MD: membership disclosure, how well an attacker holding real rows can
//! tell the rows a generator was trained on from rows it never saw, by
//! looking for close synthetic rows.

use super::table::EncodedTable;

/// Number of feature columns compared: the 5 discrete and the 5 continuous
/// features.
pub const FEATURES: usize = 10;

/// Number of radii, evenly spaced in `[0, 1]`.
pub const RADII: usize = 15;

/// Maximum number of non-zero bins per continuous feature.
pub const MAX_BINS: usize = 40;

/// Binning of the continuous features before rows are compared, so that
/// close counters match. 0 is bin 0. Non-zero values go into at most 40
/// equal-frequency bins of the training table's non-zero values, numbered
/// from 1 with duplicate edges merged, as the pattern miner bins them.
#[derive(Debug, Clone, PartialEq)]
pub struct Discretizer {
    /// Per continuous feature, upper edges of the non-zero bins except the
    /// last, increasing.
    edges: Vec<Vec<f64>>,
}

impl Discretizer {
    pub fn fit(training: &EncodedTable) -> Discretizer {
        let edges = training
            .continuous
            .iter()
            .map(|column| {
                let mut values: Vec<f64> = column.iter().copied().filter(|&v| v != 0.0).collect();
                values.sort_unstable_by(f64::total_cmp);
                let mut edges: Vec<f64> = (1..MAX_BINS)
                    .filter_map(|q| values.get(q * values.len() / MAX_BINS).copied())
                    .collect();
                edges.dedup();
                edges
            })
            .collect();
        Discretizer { edges }
    }

    fn bin(&self, feature: usize, value: f64) -> u64 {
        if value == 0.0 {
            return 0;
        }
        1 + self.edges[feature].partition_point(|&e| e <= value) as u64
    }

    /// Returns each row's 10 codes: the discrete codes, then the bins.
    pub fn rows(&self, table: &EncodedTable) -> Vec<[u64; FEATURES]> {
        (0..table.len())
            .map(|r| {
                let mut row = [0u64; FEATURES];
                for (c, column) in table.discrete.iter().enumerate() {
                    row[c] = u64::from(column[r]);
                }
                for (c, column) in table.continuous.iter().enumerate() {
                    row[table.discrete.len() + c] = self.bin(c, column[r]);
                }
                row
            })
            .collect()
    }
}

// NOTE: how the FlowChronicle authors compared counters in MD is not known
// here. Binning makes the score depend on the bins, while exact comparison
// would count nearly every byte counter as different.
fn differing(a: &[u64; FEATURES], b: &[u64; FEATURES]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x != y).count()
}

/// Returns the number of fields in which a row differs from its nearest
/// synthetic row, `FEATURES` when there is no synthetic row.
fn nearest_difference(row: &[u64; FEATURES], synthetic: &[[u64; FEATURES]]) -> usize {
    synthetic
        .iter()
        .map(|s| differing(row, s))
        .min()
        .unwrap_or(FEATURES)
}

/// Computes the MD score. A real row's distance is the normalised Hamming
/// distance to its nearest synthetic row (differing fields / 10). For each
/// radius `r = t / 14`, `t = 0..=14`, the real rows (members and
/// non-members) within `r` are flagged as members, and the F1 score of that
/// guess is taken. MD is the sum of the 15 scores, between 0 and 15. An F1
/// score with no true positive is 0.
pub fn membership_disclosure(
    members: &[[u64; FEATURES]],
    non_members: &[[u64; FEATURES]],
    synthetic: &[[u64; FEATURES]],
) -> f64 {
    let member_distances: Vec<usize> = members
        .iter()
        .map(|r| nearest_difference(r, synthetic))
        .collect();
    let other_distances: Vec<usize> = non_members
        .iter()
        .map(|r| nearest_difference(r, synthetic))
        .collect();
    let mut total = 0.0;
    for t in 0..RADII {
        // differing / 10 <= t / 14, in integers so that no rounding
        // decides a tie.
        let flagged = |d: &&usize| **d * (RADII - 1) <= t * FEATURES;
        let true_positives = member_distances.iter().filter(flagged).count();
        let false_positives = other_distances.iter().filter(flagged).count();
        let false_negatives = members.len() - true_positives;
        if true_positives > 0 {
            total += 2.0 * true_positives as f64
                / (2 * true_positives + false_positives + false_negatives) as f64;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: [u64; 3]) -> [u64; FEATURES] {
        let mut r = [0; FEATURES];
        r[..3].copy_from_slice(&values);
        r
    }

    #[test]
    fn md_hand_computed() {
        // Members m1 = (1,1,1), m2 = (2,2,2); non-member n1 = (3,3,3);
        // synthetic (1,1,1) and (2,2,9). Fields 4 to 10 are equal
        // everywhere. Nearest distances (differing fields / 10):
        // m1 0, m2 0.1, n1 0.3.
        // Radii t/14: t = 0 flags m1: TP 1, FP 0, FN 1: F1 = 2/3.
        // t = 1 (0.071): same, 2/3. t = 2..=4 (0.143 to 0.286) flag m1, m2:
        // F1 = 1, three times. t >= 5 (0.357 and up) flag all: TP 2, FP 1,
        // FN 0: F1 = 4/5, ten times.
        // MD = 2 * 2/3 + 3 + 10 * 4/5 = 12.333...
        let md = membership_disclosure(
            &[row([1, 1, 1]), row([2, 2, 2])],
            &[row([3, 3, 3])],
            &[row([1, 1, 1]), row([2, 2, 9])],
        );
        assert!((md - (4.0 / 3.0 + 3.0 + 8.0)).abs() < 1e-12, "{md}");
    }

    #[test]
    fn md_without_synthetic_rows() {
        // Every distance is 1, flagged only at t = 14: TP 1, FP 1, FN 0,
        // F1 = 2/3.
        let md = membership_disclosure(&[row([1, 0, 0])], &[row([2, 0, 0])], &[]);
        assert!((md - 2.0 / 3.0).abs() < 1e-12, "{md}");
    }

    #[test]
    fn discretizer_bins() {
        let table = EncodedTable {
            continuous: std::array::from_fn(|_| (0..100).map(f64::from).collect()),
            ..EncodedTable::default()
        };
        let discretizer = Discretizer::fit(&table);
        assert_eq!(discretizer.bin(0, 0.0), 0);
        assert_eq!(discretizer.bin(0, 1.0), 1);
        assert_eq!(discretizer.bin(0, 99.0), 40);
        assert_eq!(discretizer.bin(0, 1e9), 40);
    }
}
