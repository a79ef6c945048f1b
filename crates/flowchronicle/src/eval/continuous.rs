//! Metrics on the continuous features: PCD (correlation structure) and EMD
//! (per-feature value distributions).

use super::table::EncodedTable;

/// Scales two samples of one feature together to `[0, 1]` by the minimum
/// and maximum of both. A constant feature becomes all zeros.
fn joint_min_max(real: &[f64], synthetic: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in real.iter().chain(synthetic) {
        low = low.min(v);
        high = high.max(v);
    }
    let range = high - low;
    let scale = |values: &[f64]| -> Vec<f64> {
        values
            .iter()
            .map(|&v| if range > 0.0 { (v - low) / range } else { 0.0 })
            .collect()
    };
    (scale(real), scale(synthetic))
}

/// Returns the Pearson correlation matrix of the columns, row-major, with
/// 0 where a column is constant (where the coefficient is undefined).
pub fn correlation_matrix(columns: &[Vec<f64>]) -> Vec<f64> {
    let width = columns.len();
    let rows = columns.first().map_or(0, Vec::len);

    let means: Vec<f64> = columns
        .iter()
        .map(|c| c.iter().sum::<f64>() / rows as f64)
        .collect();
    let mut matrix = vec![0.0; width * width];
    for i in 0..width {
        for j in i..width {
            let (mut cross, mut square_i, mut square_j) = (0.0, 0.0, 0.0);
            for (x, y) in columns[i].iter().zip(&columns[j]) {
                let a = x - means[i];
                let b = y - means[j];
                cross += a * b;
                square_i += a * a;
                square_j += b * b;
            }
            let coefficient = cross / (square_i * square_j).sqrt();
            let coefficient = if coefficient.is_finite() {
                coefficient
            } else {
                0.0
            };
            matrix[i * width + j] = coefficient;
            matrix[j * width + i] = coefficient;
        }
    }
    matrix
}

/// PCD: the Frobenius norm of the difference between the Pearson
/// correlation matrices of the real and the synthetic continuous features,
/// after joint min-max scaling. Undefined coefficients count as 0. Scaling
/// does not change Pearson coefficients; it is kept so the figure is
/// computed on the same values as EMD.
pub fn pcd(real: &EncodedTable, synthetic: &EncodedTable) -> f64 {
    let (scaled_real, scaled_synthetic): (Vec<_>, Vec<_>) = real
        .continuous
        .iter()
        .zip(&synthetic.continuous)
        .map(|(r, s)| joint_min_max(r, s))
        .unzip();
    let a = correlation_matrix(&scaled_real);
    let b = correlation_matrix(&scaled_synthetic);
    a.iter()
        .zip(&b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// Returns the 1-D Wasserstein-1 distance `integral |F_a(t) - F_b(t)| dt`
/// between two weighted samples. Each sample is a list of `(value, weight)`
/// sorted by value; weights of one sample must add up to 1.
fn wasserstein_sorted(a: &[(f64, f64)], b: &[(f64, f64)]) -> f64 {
    let (mut i, mut j) = (0, 0);
    let (mut cdf_a, mut cdf_b) = (0.0f64, 0.0f64);
    let mut previous: Option<f64> = None;
    let mut area = 0.0;
    while i < a.len() || j < b.len() {
        let take_a = j >= b.len() || (i < a.len() && a[i].0 <= b[j].0);
        let (value, weight) = if take_a { a[i] } else { b[j] };
        if let Some(p) = previous {
            area += (cdf_a - cdf_b).abs() * (value - p);
        }
        previous = Some(value);
        if take_a {
            cdf_a += weight;
            i += 1;
        } else {
            cdf_b += weight;
            j += 1;
        }
    }
    area
}

/// Returns the Wasserstein-1 distance between the empirical distributions
/// of two samples, each value weighing `1 / len`. Returns NaN when either
/// sample is empty.
pub fn wasserstein1(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return f64::NAN;
    }
    let weighted = |values: &[f64]| {
        let mut sorted = values.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let weight = 1.0 / values.len() as f64;
        sorted.into_iter().map(|v| (v, weight)).collect::<Vec<_>>()
    };
    wasserstein_sorted(&weighted(a), &weighted(b))
}

/// Returns the `q`-quantile of sorted values with linear interpolation
/// between the closest ranks.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let lower = position.floor() as usize;
    let upper = position.ceil() as usize;
    sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower as f64)
}

/// Computes the paper-compatible EMD of one feature, as the FlowChronicle
/// authors did. Both samples are histogrammed on Freedman–Diaconis bins of
/// the real sample: bin width `2 IQR / n^(1/3)` over the real range, or one
/// bin when the width is 0, and values outside the range are dropped. Each
/// histogram becomes its cumulative distribution vector (`cumsum / count`).
/// The result is the Wasserstein-1 distance between the two vectors, each
/// entry of a vector taken as one equally weighted sample.
///
/// This is not a distance between the value distributions; it is offered
/// only to compare with published numbers. The vectors can have many
/// entries, so they are kept run-length encoded: each run of equal
/// cumulative values becomes one sample weighted by the run's length.
pub fn emd_paper_feature(real: &[f64], synthetic: &[f64]) -> f64 {
    if real.is_empty() || synthetic.is_empty() {
        return f64::NAN;
    }
    let mut sorted = real.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let (low, high) = (sorted[0], sorted[sorted.len() - 1]);
    let iqr = quantile(&sorted, 0.75) - quantile(&sorted, 0.25);
    let width = 2.0 * iqr / (sorted.len() as f64).cbrt();
    let bins = if width > 0.0 && high > low {
        ((high - low) / width).ceil().max(1.0)
    } else {
        1.0
    };
    let bin_of = |v: f64| -> Option<u64> {
        if v < low || v > high {
            return None;
        }
        if high == low {
            return Some(0);
        }
        let index = ((v - low) / (high - low) * bins).floor();
        Some(index.min(bins - 1.0) as u64)
    };
    // NOTE: each vector is divided by the number of values inside the real
    // range, and the edges follow numpy's `histogram` (last bin closed).
    // Neither was checked against the authors' outputs.
    let cdf_runs = |values: &[f64]| -> Vec<(f64, f64)> {
        let mut occupied: Vec<u64> = values.iter().filter_map(|&v| bin_of(v)).collect();
        occupied.sort_unstable();
        let total = occupied.len() as f64;
        let mut runs = Vec::new();
        let mut start = 0u64;
        let mut cumulative = 0usize;
        let mut k = 0;
        while k < occupied.len() {
            let bin = occupied[k];
            if bin > start {
                runs.push((cumulative as f64 / total, (bin - start) as f64 / bins));
            }
            while k < occupied.len() && occupied[k] == bin {
                cumulative += 1;
                k += 1;
            }
            let next = if k < occupied.len() {
                occupied[k]
            } else {
                bins as u64
            };
            runs.push((cumulative as f64 / total, (next - bin) as f64 / bins));
            start = next;
        }
        if runs.is_empty() {
            // No value inside the real range: the vector is all zeros.
            runs.push((0.0, 1.0));
        }
        runs
    };
    wasserstein_sorted(&cdf_runs(real), &cdf_runs(synthetic))
}

/// EMD by definition: the mean over the continuous features of the
/// Wasserstein-1 distance between the jointly min-max scaled real and
/// synthetic values.
pub fn emd(real: &EncodedTable, synthetic: &EncodedTable) -> f64 {
    let total: f64 = real
        .continuous
        .iter()
        .zip(&synthetic.continuous)
        .map(|(r, s)| {
            let (r, s) = joint_min_max(r, s);
            wasserstein1(&r, &s)
        })
        .sum();
    total / real.continuous.len() as f64
}

/// Computes the paper-compatible EMD: the mean of [`emd_paper_feature`]
/// over the continuous features.
pub fn emd_paper(real: &EncodedTable, synthetic: &EncodedTable) -> f64 {
    let total: f64 = real
        .continuous
        .iter()
        .zip(&synthetic.continuous)
        .map(|(r, s)| emd_paper_feature(r, s))
        .sum();
    total / real.continuous.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn wasserstein_hand_computed() {
        // F_a steps by 1/2 at 0 and 1; F_b by 1/3 at 0, 2, 3.
        // On [0,1): |1/2 - 1/3| = 1/6; on [1,2): |1 - 1/3| = 2/3;
        // on [2,3): |1 - 2/3| = 1/3. Total 1/6 + 2/3 + 1/3 = 7/6.
        let d = wasserstein1(&[1.0, 0.0], &[3.0, 0.0, 2.0]);
        assert!(close(d, 7.0 / 6.0), "{d}");
        // A shift by c moves every unit of mass by c.
        assert!(close(wasserstein1(&[0.0, 1.0], &[0.5, 1.5]), 0.5));
        assert_eq!(wasserstein1(&[2.0, 1.0], &[1.0, 2.0]), 0.0);
    }

    #[test]
    fn emd_scaled_mean_over_features() {
        // Feature 0: real (0, 10), synthetic (10, 10): joint range [0, 10],
        // scaled real (0, 1), synthetic (1, 1): half the mass moves by 1,
        // W1 = 1/2. Other features are equal in both samples: 0.
        // Mean over 5 features = 0.1.
        let mut real = EncodedTable {
            continuous: std::array::from_fn(|_| vec![1.0, 2.0]),
            ..EncodedTable::default()
        };
        let mut synthetic = real.clone();
        real.continuous[0] = vec![0.0, 10.0];
        synthetic.continuous[0] = vec![10.0, 10.0];
        assert!(close(emd(&real, &synthetic), 0.1));
    }

    #[test]
    fn emd_paper_feature_hand_computed() {
        // Real 0,1,2,3: quartiles 0.75 and 2.25, IQR 1.5, n^(1/3) = 4^(1/3)
        // = 1.587, width 1.890, bins ceil(3 / 1.890) = 2: [0,1.5) [1.5,3].
        // Real histogram (2, 2), CDF vector (0.5, 1).
        // Synthetic 0, 0, 0, 3, 9: 9 is outside and dropped; histogram (3, 1),
        // CDF vector (0.75, 1).
        // W1 between samples {0.5, 1} and {0.75, 1}: F differs by 1/2 on
        // [0.5, 0.75): 0.125.
        let d = emd_paper_feature(&[0.0, 1.0, 2.0, 3.0], &[0.0, 0.0, 0.0, 3.0, 9.0]);
        assert!(close(d, 0.125), "{d}");
    }

    #[test]
    fn emd_paper_feature_long_runs() {
        // Real 0..=99 (n = 100, IQR 49.5, width 2*49.5/4.6416 = 21.33,
        // bins ceil(99 / 21.33) = 5, each of width 19.8): histogram
        // (20, 20, 20, 20, 20), CDF (0.2, 0.4, 0.6, 0.8, 1).
        // Synthetic: all 100 values 0: CDF (1, 1, 1, 1, 1).
        // W1 = mean of |cdf_real - 1| after sorting both = (0.8 + 0.6 + 0.4
        // + 0.2 + 0) / 5 = 0.4.
        let real: Vec<f64> = (0..100).map(f64::from).collect();
        let d = emd_paper_feature(&real, &[0.0; 100]);
        assert!(close(d, 0.4), "{d}");
    }

    #[test]
    fn pcd_three_rows() {
        // Real: fwd_packets (1, 2, 3), bwd_packets (1, 2, 3): r = 1.
        // Synthetic: fwd_packets (1, 2, 3), bwd_packets (3, 2, 1): r = -1.
        // Other features constant: their coefficients are undefined and
        // count as 0, diagonal included.
        // Matrices differ only at (0,1) and (1,0), by 2 each:
        // PCD = sqrt(4 + 4) = 2 sqrt 2.
        let mut real = EncodedTable {
            continuous: std::array::from_fn(|_| vec![5.0; 3]),
            ..EncodedTable::default()
        };
        let mut synthetic = real.clone();
        real.continuous[0] = vec![1.0, 2.0, 3.0];
        real.continuous[1] = vec![1.0, 2.0, 3.0];
        synthetic.continuous[0] = vec![1.0, 2.0, 3.0];
        synthetic.continuous[1] = vec![3.0, 2.0, 1.0];
        assert!(close(pcd(&real, &synthetic), 8f64.sqrt()));
        assert_eq!(pcd(&real, &real), 0.0);
    }
}
