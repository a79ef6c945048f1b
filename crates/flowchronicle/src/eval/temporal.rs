//! Temporal autocorrelation error of the continuous features.
//!
//! Each feature becomes a time series by summing its values per 1-second
//! bin, from the first to the last flow start of the trace (real and
//! synthetic each over their own span). The autocorrelation functions of
//! the two series are compared at the lags where the real one is
//! significant.

use serde::Serialize;

use crate::flow::{Micros, MICROS_PER_SECOND};

/// Largest lag compared, in seconds.
pub const MAX_LAG: usize = 60;

/// Maximum series length in 1-second bins (about 116 days). A longer trace
/// is reported as too long instead of allocating the series.
pub const MAX_BINS: i64 = 10_000_000;

/// Returns the per-second sums of `values`, bin 0 starting at the earliest
/// time, or `None` when the trace is empty or spans more than [`MAX_BINS`]
/// seconds.
pub fn per_second_sums(times: &[Micros], values: &[f64]) -> Option<Vec<f64>> {
    let first = *times.iter().min()?;
    let last = *times.iter().max()?;
    let bins = (last - first) / MICROS_PER_SECOND + 1;
    if bins > MAX_BINS {
        return None;
    }
    let mut series = vec![0.0; bins as usize];
    for (&t, &v) in times.iter().zip(values) {
        series[((t - first) / MICROS_PER_SECOND) as usize] += v;
    }
    Some(series)
}

/// Returns the sample autocorrelation `rho_0..=rho_max_lag`,
/// `rho_k = sum_{t < n-k} (x_t - m)(x_{t+k} - m) / sum_t (x_t - m)^2`, or
/// `None` for a constant or empty series.
pub fn autocorrelation(series: &[f64], max_lag: usize) -> Option<Vec<f64>> {
    let n = series.len();
    if n == 0 {
        return None;
    }
    let mean = series.iter().sum::<f64>() / n as f64;
    let centred: Vec<f64> = series.iter().map(|x| x - mean).collect();
    let variance: f64 = centred.iter().map(|x| x * x).sum();
    if variance <= 0.0 {
        return None;
    }
    let lags = max_lag.min(n - 1);
    Some(
        (0..=lags)
            .map(|k| {
                let cross: f64 = centred[..n - k]
                    .iter()
                    .zip(&centred[k..])
                    .map(|(a, b)| a * b)
                    .sum();
                cross / variance
            })
            .collect(),
    )
}

/// Returns the lags `k >= 1` at which `|rho_k|` lies outside the 95% band of
/// Bartlett's formula for a series of length `n`:
/// `1.96 * sqrt((1 + 2 * sum_{j=1}^{k-1} rho_j^2) / n)`.
pub fn significant_lags(acf: &[f64], n: usize) -> Vec<usize> {
    let mut lags = Vec::new();
    let mut sum_squares = 0.0;
    for (k, &rho) in acf.iter().enumerate().skip(1) {
        let band = 1.96 * ((1.0 + 2.0 * sum_squares) / n as f64).sqrt();
        if rho.abs() > band {
            lags.push(k);
        }
        sum_squares += rho * rho;
    }
    lags
}

/// Result of the autocorrelation comparison of one feature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutocorrelationError {
    pub feature: &'static str,
    /// Mean absolute difference of the two autocorrelation functions at the
    /// significant lags; `None` when it cannot be computed (see `note`).
    pub value: Option<f64>,
    /// Lags at which the real autocorrelation is significant.
    pub significant_lags: Vec<usize>,
    /// Reason for a missing `value`; empty when `value` is set.
    pub note: String,
}

/// Compares the autocorrelation of one feature in two traces. The largest
/// lag is `min(MAX_LAG, n / 4)` with `n` the shorter series' length.
pub fn autocorrelation_error(
    feature: &'static str,
    real: (&[Micros], &[f64]),
    synthetic: (&[Micros], &[f64]),
) -> AutocorrelationError {
    let missing = |note: &str| AutocorrelationError {
        feature,
        value: None,
        significant_lags: Vec::new(),
        note: note.to_string(),
    };

    let Some(real_series) = per_second_sums(real.0, real.1) else {
        return missing("real trace empty or too long");
    };
    let Some(synthetic_series) = per_second_sums(synthetic.0, synthetic.1) else {
        return missing("synthetic trace empty or too long");
    };

    let max_lag = MAX_LAG.min(real_series.len().min(synthetic_series.len()) / 4);
    if max_lag == 0 {
        return missing("traces shorter than 4 seconds");
    }
    let Some(real_acf) = autocorrelation(&real_series, max_lag) else {
        return missing("real series is constant");
    };

    let lags = significant_lags(&real_acf, real_series.len());
    if lags.is_empty() {
        return missing("no significant lag in the real series");
    }

    // A constant synthetic series has no autocorrelation, so count it as 0.
    let synthetic_acf =
        autocorrelation(&synthetic_series, max_lag).unwrap_or_else(|| vec![0.0; max_lag + 1]);
    let total: f64 = lags
        .iter()
        .map(|&k| (real_acf[k] - synthetic_acf[k]).abs())
        .sum();
    AutocorrelationError {
        feature,
        value: Some(total / lags.len() as f64),
        significant_lags: lags,
        note: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autocorrelation_known_series() {
        // x = 1, 2, 3, 4: mean 2.5, centred -1.5 -0.5 0.5 1.5, sum of
        // squares 5.
        // rho_1 = (0.75 - 0.25 + 0.75) / 5 = 0.25;
        // rho_2 = (-0.75 - 0.75) / 5 = -0.3; rho_3 = -2.25 / 5 = -0.45.
        let acf = autocorrelation(&[1.0, 2.0, 3.0, 4.0], 3).unwrap();
        let expected = [1.0, 0.25, -0.3, -0.45];
        for (a, b) in acf.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{acf:?}");
        }
        assert!(autocorrelation(&[2.0; 5], 3).is_none());
    }

    #[test]
    fn alternating_series_lags_significant() {
        // x = 1, -1, 1, -1, ... (n = 100): rho_k = (-1)^k (n - k) / n.
        // Band at lag 1: 1.96 / 10 = 0.196 < 0.99: significant. Lag 2:
        // 1.96 * sqrt((1 + 2 * 0.98) / 100) = 0.337 < 0.98: significant.
        let series: Vec<f64> = (0..100)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let acf = autocorrelation(&series, 2).unwrap();
        assert!((acf[1] + 0.99).abs() < 1e-12);
        assert!((acf[2] - 0.98).abs() < 1e-12);
        assert_eq!(significant_lags(&acf, 100), vec![1, 2]);
    }

    #[test]
    fn per_second_sums_bins() {
        let s = per_second_sums(&[5_000_000, 5_400_000, 7_999_999], &[1.0, 2.0, 4.0]).unwrap();
        assert_eq!(s, vec![3.0, 0.0, 4.0]);
    }

    #[test]
    fn identical_traces_have_zero_error() {
        let times: Vec<Micros> = (0..400).map(|i| i * MICROS_PER_SECOND).collect();
        let values: Vec<f64> = (0..400).map(|i| f64::from(i % 7)).collect();
        let result = autocorrelation_error("fwd_bytes", (&times, &values), (&times, &values));
        assert_eq!(result.value, Some(0.0));
        assert!(!result.significant_lags.is_empty());
    }
}
