//! Code lengths for the minimum description length (MDL) score, all in
//! bits (base-2 logarithms).
//!
//! - [`universal_integer_bits`]: Rissanen's universal code for positive
//!   integers (Rissanen 1983, "A universal prior for integers and
//!   estimation by minimum description length").
//! - [`log2_binomial`], [`log2_gamma`]: logarithms of binomial
//!   coefficients and of the gamma function.
//! - [`kt_bits`]: the prequential Krichevsky–Trofimov code length of a
//!   sequence of symbols, given how often each symbol occurs (Krichevsky
//!   and Trofimov 1981, "The performance of universal encoding").

use std::f64::consts::LN_2;

/// Normalising constant `c0` of Rissanen's universal integer code, chosen so
/// that the code lengths satisfy the Kraft equality.
pub const RISSANEN_C0: f64 = 2.865064;

/// Pseudo-count of the Krichevsky–Trofimov estimator: every symbol of the
/// alphabet starts with this count before the first observation.
pub const KT_EPSILON: f64 = 0.5;

/// Returns Rissanen's universal code length of a positive integer:
/// `L_N(n) = log2(c0) + log2(n) + log2(log2(n)) + ...`, summing only the
/// positive terms, with `c0 = 2.865064` (Rissanen 1983).
///
/// `n` must be at least 1. For `n = 0` the code is undefined: debug builds
/// panic, release builds return `f64::INFINITY`.
pub fn universal_integer_bits(n: u64) -> f64 {
    debug_assert!(n >= 1, "the universal integer code is defined for n >= 1");
    if n == 0 {
        return f64::INFINITY;
    }
    let mut bits = RISSANEN_C0.log2();
    let mut term = (n as f64).log2();
    while term > 0.0 {
        bits += term;
        term = term.log2();
    }
    bits
}

/// Returns `log2 Γ(x)` for `x > 0`.
///
/// For non-positive `x` the result is `log2 |Γ(x)|`, or infinity at the
/// poles, which callers of this module never need.
pub fn log2_gamma(x: f64) -> f64 {
    libm::lgamma(x) / LN_2
}

/// Returns `log2 C(n, k)`, computed with log-gamma as
/// `log2 Γ(n+1) - log2 Γ(k+1) - log2 Γ(n-k+1)`.
///
/// `k` must not exceed `n`: `C(n, k)` is then 0, which has no code length.
/// Debug builds panic on it, release builds return `f64::NEG_INFINITY`.
pub fn log2_binomial(n: u64, k: u64) -> f64 {
    debug_assert!(k <= n, "log2_binomial needs k <= n, got n = {n}, k = {k}");
    if k > n {
        return f64::NEG_INFINITY;
    }
    if k == 0 || k == n {
        return 0.0;
    }
    let bits =
        log2_gamma(n as f64 + 1.0) - log2_gamma(k as f64 + 1.0) - log2_gamma((n - k) as f64 + 1.0);
    bits.max(0.0)
}

/// Returns the prequential Krichevsky–Trofimov code length, in bits, of a
/// sequence over an alphabet of `alphabet` symbols in which symbol `v`
/// occurs `counts[v]` times.
///
/// Each symbol is coded with probability `(n_v + ε) / (n + r ε)`, where
/// `n_v` and `n` count the symbols seen so far, `r = alphabet` and
/// `ε = KT_EPSILON`. The product over the sequence does not depend on its
/// order and equals
/// `log2 Γ(N + rε) - log2 Γ(rε) - Σ_v [log2 Γ(n_v + ε) - log2 Γ(ε)]`
/// with `N = Σ_v n_v`. Zero counts contribute nothing, so `counts` may list
/// only the symbols that occur.
///
/// `alphabet` must be at least the number of non-zero counts. An empty
/// sequence costs 0 bits.
pub fn kt_bits(counts: impl IntoIterator<Item = u64>, alphabet: usize) -> f64 {
    let mut total: u64 = 0;
    let mut symbols_bits = 0.0;
    let mut distinct = 0usize;
    for count in counts {
        if count == 0 {
            continue;
        }
        total += count;
        distinct += 1;
        symbols_bits += log2_gamma(count as f64 + KT_EPSILON) - log2_gamma(KT_EPSILON);
    }
    debug_assert!(
        distinct <= alphabet,
        "kt_bits: {distinct} distinct symbols over an alphabet of {alphabet}"
    );
    if total == 0 || alphabet <= 1 {
        // A single-symbol alphabet predicts every symbol with probability 1.
        return 0.0;
    }
    let prior = alphabet as f64 * KT_EPSILON;
    let bits = log2_gamma(total as f64 + prior) - log2_gamma(prior) - symbols_bits;
    // The KT probability of a sequence never exceeds 1, so the true length
    // is non-negative; clamp the rounding error of the log-gamma terms.
    bits.max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TOLERANCE: f64 = 1e-9;

    /// KT code length by the explicit product of sequential predictions.
    fn kt_bits_by_loop(counts: &[u64], alphabet: usize) -> f64 {
        let prior = alphabet as f64 * KT_EPSILON;
        let total: u64 = counts.iter().sum();
        let mut bits = 0.0;
        for i in 0..total {
            bits += (i as f64 + prior).log2();
        }
        for &count in counts {
            for i in 0..count {
                bits -= (i as f64 + KT_EPSILON).log2();
            }
        }
        bits
    }

    #[test]
    fn universal_integer_one() {
        // L_N(1) = log2(2.865064) = ln(2.865064) / ln(2) ≈ 1.052591 / 0.693147
        // ≈ 1.518567; log2(1) = 0 is not positive, so nothing is added.
        assert!((universal_integer_bits(1) - 1.518567).abs() < 1e-6);
    }

    #[test]
    fn universal_integer_sixteen() {
        // log2 16 = 4, log2 4 = 2, log2 2 = 1 are added; the next term,
        // log2 1 = 0, is not. L_N(16) = log2(c0) + 4 + 2 + 1 ≈ 8.518567.
        let expected = 1.518567 + 7.0;
        assert!((universal_integer_bits(16) - expected).abs() < 1e-6);
    }

    #[test]
    fn universal_integer_three() {
        // log2 3 ≈ 1.584963, log2 1.584963 ≈ 0.664449,
        // log2 0.664449 < 0 stops the sum.
        let first = 3f64.log2();
        let expected = 2.865064f64.log2() + first + first.log2();
        assert!((universal_integer_bits(3) - expected).abs() < TOLERANCE);
    }

    #[test]
    fn universal_integer_increases() {
        let mut previous = universal_integer_bits(1);
        for n in 2..5000u64 {
            let bits = universal_integer_bits(n);
            assert!(
                bits >= previous,
                "L_N({n}) = {bits} < L_N({}) = {previous}",
                n - 1
            );
            previous = bits;
        }
    }

    #[test]
    fn log2_gamma_integers() {
        // Γ(n) = (n-1)!: Γ(1) = 1, Γ(5) = 24, Γ(11) = 3628800.
        assert!(log2_gamma(1.0).abs() < TOLERANCE);
        assert!((log2_gamma(5.0) - 24f64.log2()).abs() < TOLERANCE);
        assert!((log2_gamma(11.0) - 3628800f64.log2()).abs() < TOLERANCE);
    }

    #[test]
    fn log2_gamma_half() {
        // Γ(1/2) = sqrt(pi), so log2 Γ(1/2) = log2(pi) / 2 ≈ 0.825748.
        let expected = std::f64::consts::PI.log2() / 2.0;
        assert!((log2_gamma(0.5) - expected).abs() < TOLERANCE);
    }

    #[test]
    fn log2_binomial_small() {
        // C(5, 2) = 10, C(10, 3) = 120, C(7, 0) = C(7, 7) = 1.
        assert!((log2_binomial(5, 2) - 10f64.log2()).abs() < TOLERANCE);
        assert!((log2_binomial(10, 3) - 120f64.log2()).abs() < TOLERANCE);
        assert_eq!(log2_binomial(7, 0), 0.0);
        assert_eq!(log2_binomial(7, 7), 0.0);
    }

    #[test]
    fn log2_binomial_matches_product() {
        for n in 0..60u64 {
            for k in 0..=n {
                let mut expected = 0.0;
                for i in 0..k {
                    expected += ((n - i) as f64).log2() - ((i + 1) as f64).log2();
                }
                let bits = log2_binomial(n, k);
                assert!(
                    (bits - expected).abs() < 1e-8,
                    "C({n}, {k}): {bits} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn kt_two_distinct_symbols() {
        // Counts [1, 1] over r = 2 (rε = 1): the first symbol costs
        // -log2(0.5 / 1) = 1 bit, the second -log2(0.5 / 2) = 2 bits,
        // 3 bits in total. Product form: log2(1) + log2(2) - 2·log2(0.5) = 3.
        assert!((kt_bits([1, 1], 2) - 3.0).abs() < TOLERANCE);
    }

    #[test]
    fn kt_repeated_symbol() {
        // Counts [2] over r = 2: -log2(0.5/1) - log2(1.5/2) = 1 + 0.415037
        // = 1.415037 bits.
        let expected = 1.0 + (2.0f64 / 1.5).log2();
        assert!((kt_bits([2], 2) - expected).abs() < TOLERANCE);
        assert!((kt_bits([2, 0], 2) - expected).abs() < TOLERANCE);
    }

    #[test]
    fn kt_empty_and_single_symbol_alphabet() {
        assert_eq!(kt_bits(std::iter::empty(), 5), 0.0);
        assert_eq!(kt_bits([0, 0], 2), 0.0);
        assert_eq!(kt_bits([17], 1), 0.0);
    }

    #[test]
    fn kt_matches_loop_small_cases() {
        let cases: &[(&[u64], usize)] = &[
            (&[1], 1),
            (&[3], 4),
            (&[1, 2, 3], 3),
            (&[5, 0, 1], 3),
            (&[10, 10], 7),
            (&[100, 1, 1, 1], 50),
        ];
        for &(counts, alphabet) in cases {
            let expected = kt_bits_by_loop(counts, alphabet);
            let bits = kt_bits(counts.iter().copied(), alphabet);
            assert!(
                (bits - expected).abs() < 1e-8,
                "{counts:?} over {alphabet}: {bits} vs {expected}"
            );
        }
    }

    proptest! {
        #[test]
        fn kt_equals_loop(counts in prop::collection::vec(0u64..40, 0..6), extra in 0usize..20) {
            let alphabet = counts.len().max(1) + extra;
            let expected = kt_bits_by_loop(&counts, alphabet);
            let bits = kt_bits(counts.iter().copied(), alphabet);
            prop_assert!((bits - expected).abs() < 1e-7, "{} vs {}", bits, expected);
        }

        #[test]
        fn code_lengths_non_negative(n in 1u64..1_000_000, k in 0u64..1000, counts in prop::collection::vec(0u64..1000, 0..10)) {
            prop_assert!(universal_integer_bits(n) > 0.0);
            let k = k.min(n);
            prop_assert!(log2_binomial(n, k) >= 0.0);
            let alphabet = counts.len().max(1);
            prop_assert!(kt_bits(counts.iter().copied(), alphabet) >= 0.0);
        }
    }
}
