//! Metrics on the discrete features: CMD (contingency tables of pairs) and
//! JSD (value frequencies of single features).

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::table::EncodedTable;

/// A hash map with a fixed hasher, so that iteration order, and with it the
/// rounding of the sums below, is the same in every run.
type FixedMap<K, V> = HashMap<K, V, BuildHasherDefault<DefaultHasher>>;

/// Returns the Frobenius norm of the difference between the normalised
/// contingency tables of two columns in the real and the synthetic sample,
/// `sqrt(sum over (a, b) of (P_real(a, b) - P_syn(a, b))^2)`. The sum runs
/// over the union of the observed pairs, and each table is divided by its
/// row count. Returns NaN when either sample is empty.
pub fn contingency_distance(real: (&[u32], &[u32]), synthetic: (&[u32], &[u32])) -> f64 {
    let real_rows = real.0.len();
    let synthetic_rows = synthetic.0.len();
    if real_rows == 0 || synthetic_rows == 0 {
        return f64::NAN;
    }
    let mut counts: FixedMap<(u32, u32), (u32, u32)> = FixedMap::default();
    for (&a, &b) in real.0.iter().zip(real.1) {
        counts.entry((a, b)).or_default().0 += 1;
    }
    for (&a, &b) in synthetic.0.iter().zip(synthetic.1) {
        counts.entry((a, b)).or_default().1 += 1;
    }
    let squares: f64 = counts
        .values()
        .map(|&(r, s)| {
            let difference = f64::from(r) / real_rows as f64 - f64::from(s) / synthetic_rows as f64;
            difference * difference
        })
        .sum();
    squares.sqrt()
}

/// CMD: the mean of [`contingency_distance`] over the 10 pairs of the 5
/// discrete features.
pub fn cmd(real: &EncodedTable, synthetic: &EncodedTable) -> f64 {
    let columns = real.discrete.len();
    let mut total = 0.0;
    let mut pairs = 0;
    for a in 0..columns {
        for b in a + 1..columns {
            total += contingency_distance(
                (&real.discrete[a], &real.discrete[b]),
                (&synthetic.discrete[a], &synthetic.discrete[b]),
            );
            pairs += 1;
        }
    }
    total / f64::from(pairs)
}

/// Returns the Jensen–Shannon distance (natural logarithm) between the value
/// frequencies of two columns: `sqrt(KL(p || m) / 2 + KL(q || m) / 2)` with
/// `m = (p + q) / 2`, over the union of the observed values. It lies in
/// `[0, sqrt(ln 2)]`. Returns NaN when either column is empty.
pub fn js_distance(real: &[u32], synthetic: &[u32]) -> f64 {
    if real.is_empty() || synthetic.is_empty() {
        return f64::NAN;
    }
    let mut counts: FixedMap<u32, (u32, u32)> = FixedMap::default();
    for &v in real {
        counts.entry(v).or_default().0 += 1;
    }
    for &v in synthetic {
        counts.entry(v).or_default().1 += 1;
    }
    let mut divergence = 0.0;
    for &(r, s) in counts.values() {
        let p = f64::from(r) / real.len() as f64;
        let q = f64::from(s) / synthetic.len() as f64;
        let m = (p + q) / 2.0;
        if p > 0.0 {
            divergence += p * (p / m).ln() / 2.0;
        }
        if q > 0.0 {
            divergence += q * (q / m).ln() / 2.0;
        }
    }
    divergence.max(0.0).sqrt()
}

/// JSD: the mean of [`js_distance`] over the 5 discrete features.
pub fn jsd(real: &EncodedTable, synthetic: &EncodedTable) -> f64 {
    let total: f64 = real
        .discrete
        .iter()
        .zip(&synthetic.discrete)
        .map(|(r, s)| js_distance(r, s))
        .sum();
    total / real.discrete.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contingency_distance_three_by_two() {
        // Real rows (a, b): (0,0) (0,1) (1,0) (2,1): P = 1/4 at each pair.
        // Synthetic rows: (0,0) (0,0) (1,1) (2,1): P(0,0) = 1/2,
        // P(1,1) = 1/4, P(2,1) = 1/4.
        // Differences over the 3x2 union: (0,0) -1/4, (0,1) 1/4,
        // (1,0) 1/4, (1,1) -1/4, (2,0) 0, (2,1) 0.
        // Norm = sqrt(4 / 16) = 0.5.
        let real = ([0, 0, 1, 2], [0, 1, 0, 1]);
        let synthetic = ([0, 0, 1, 2], [0, 0, 1, 1]);
        let d = contingency_distance((&real.0, &real.1), (&synthetic.0, &synthetic.1));
        assert!((d - 0.5).abs() < 1e-12, "{d}");
    }

    #[test]
    fn contingency_distance_same_sample_is_zero() {
        let a = [3, 1, 4, 1, 5];
        let b = [9, 2, 6, 5, 3];
        assert_eq!(contingency_distance((&a, &b), (&a, &b)), 0.0);
    }

    #[test]
    fn js_distance_hand_computed() {
        // p = (1/2, 1/2, 0), q = (0, 1/2, 1/2), m = (1/4, 1/2, 1/4).
        // KL(p || m) = 1/2 ln 2 + 0 = ln 2 / 2, KL(q || m) = ln 2 / 2.
        // JS divergence = ln 2 / 2, distance = sqrt(ln 2 / 2).
        let d = js_distance(&[0, 1], &[1, 2]);
        let expected = (std::f64::consts::LN_2 / 2.0).sqrt();
        assert!((d - expected).abs() < 1e-12, "{d}");
    }

    #[test]
    fn js_distance_disjoint_and_equal() {
        let disjoint = js_distance(&[0, 0], &[1]);
        assert!((disjoint - std::f64::consts::LN_2.sqrt()).abs() < 1e-12);
        assert_eq!(js_distance(&[4, 5, 5], &[5, 4, 5]), 0.0);
    }
}
