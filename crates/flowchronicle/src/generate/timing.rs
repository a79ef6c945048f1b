//! When occurrences start and how far apart their rows are.
//!
//! Everything here is derived at load time from what the model file stores:
//! each pattern's training start ticks, its delays per gap, and the
//! training time axis.

use rand::Rng;

use crate::flow::Micros;

/// Microseconds in one hour, day and week.
pub const HOUR: Micros = 3_600_000_000;
pub const DAY: Micros = 24 * HOUR;
pub const WEEK: Micros = 7 * DAY;

/// Training span from which start times follow a weekly profile.
pub const WEEKLY_PROFILE_SPAN: Micros = 6 * DAY;

/// Bins of the histogram a kernel density over start times is tabulated on.
const KDE_BINS: usize = 2048;

/// A periodic, piecewise-constant intensity: occurrences per microsecond.
///
/// Bin `b` covers phases `[b * width, (b + 1) * width)` of the period, and
/// the phase of time `t` is `(t - anchor) mod period`.
#[derive(Debug, Clone)]
pub struct Intensity {
    pub period: Micros,
    pub anchor: Micros,
    /// Occurrences per microsecond in each bin.
    pub rates: Vec<f64>,
}

impl Intensity {
    fn width(&self) -> Micros {
        self.period / self.rates.len() as Micros
    }

    /// Draws the start times of the occurrences in `[from, to)`, unsorted:
    /// a Poisson count for each stretch of constant rate, each start
    /// uniform inside its stretch.
    pub fn draw_starts(&self, from: Micros, to: Micros, rng: &mut impl Rng, out: &mut Vec<Micros>) {
        for (start, end, rate) in self.stretches(from, to) {
            let count = poisson(rate * (end - start) as f64, rng);
            for _ in 0..count {
                out.push(rng.random_range(start..end));
            }
        }
    }

    /// Splits `[from, to)` into stretches of constant rate:
    /// `(start, end, rate)`, in time order.
    fn stretches(&self, from: Micros, to: Micros) -> Vec<(Micros, Micros, f64)> {
        let width = self.width();
        let mut out = Vec::new();
        let mut t = from;
        while t < to {
            let phase = (t - self.anchor).rem_euclid(self.period);
            let bin = ((phase / width) as usize).min(self.rates.len() - 1);
            let bin_end = if bin + 1 == self.rates.len() {
                t + (self.period - phase)
            } else {
                t + ((bin as Micros + 1) * width - phase)
            };
            let end = bin_end.min(to);
            out.push((t, end, self.rates[bin]));
            t = end;
        }
        out
    }

    /// Returns the expected number of occurrences in `[from, to)`.
    pub fn expected(&self, from: Micros, to: Micros) -> f64 {
        self.stretches(from, to)
            .into_iter()
            .map(|(start, end, rate)| rate * (end - start) as f64)
            .sum()
    }
}

/// The training time axis in microseconds.
#[derive(Debug, Clone, Copy)]
pub struct TrainingTime {
    pub start: Micros,
    pub resolution: Micros,
    /// Length of the training data, at least one tick.
    pub span: Micros,
}

/// Builds a daily (24 hourly bins) or, from 6 days of training on, a
/// weekly (168 hourly bins) intensity from the absolute start times, so
/// output at any time of day or week keeps the training rhythm. Each bin's
/// rate is its starts over the time the training span spent in that bin,
/// with half an occurrence added to every bin so a quiet hour in a short
/// training run does not become impossible. A week of capture measured
/// from the first to the last flow start falls a little short of 7 days,
/// so the weekly profile starts at 6 days. Hours of the week the training
/// span never covered take the mean rate of the same hour on covered days.
pub fn seasonal_intensity(starts: &[u64], usage: u64, time: TrainingTime) -> Intensity {
    let period = if time.span >= WEEKLY_PROFILE_SPAN {
        WEEK
    } else {
        DAY
    };
    let bins = (period / HOUR) as usize;
    let mut counts = vec![0.5f64; bins];
    // Phases are measured from the Unix epoch, so the bins are UTC hours.
    for &tick in starts {
        let t = time.start + tick as Micros * time.resolution;
        counts[(t.rem_euclid(period) / HOUR) as usize] += 1.0;
    }
    let mut exposure = vec![0f64; bins];
    let mut t = time.start;
    let end = time.start + time.span;
    while t < end {
        let phase = t.rem_euclid(period);
        let bin = (phase / HOUR) as usize;
        let next = (t - phase + (bin as Micros + 1) * HOUR).min(end);
        exposure[bin] += (next - t) as f64;
        t = next;
    }
    let mut rates: Vec<f64> = counts
        .iter()
        .zip(&exposure)
        .map(|(&c, &e)| if e > 0.0 { c / e } else { 0.0 })
        .collect();
    fill_uncovered_hours(&mut rates, &exposure);
    // Scale so the expected count over the training span equals the usage.
    let expected: f64 = rates.iter().zip(&exposure).map(|(r, e)| r * e).sum();
    if expected > 0.0 {
        let scale = usage as f64 / expected;
        rates.iter_mut().for_each(|r| *r *= scale);
    }
    Intensity {
        period,
        anchor: 0,
        rates,
    }
}

/// Gives every hour bin without exposure the mean rate of the bins of the
/// same hour of day that have exposure.
fn fill_uncovered_hours(rates: &mut [f64], exposure: &[f64]) {
    let per_day = (DAY / HOUR) as usize;
    for hour in 0..per_day.min(rates.len()) {
        let covered: Vec<f64> = (hour..rates.len())
            .step_by(per_day)
            .filter(|&b| exposure[b] > 0.0)
            .map(|b| rates[b])
            .collect();
        if covered.is_empty() {
            continue;
        }
        let mean = covered.iter().sum::<f64>() / covered.len() as f64;
        for b in (hour..rates.len()).step_by(per_day) {
            if exposure[b] <= 0.0 {
                rates[b] = mean;
            }
        }
    }
}

/// Builds an intensity with the training span as its period from a
/// Gaussian kernel density over the start ticks (Silverman's bandwidth),
/// tabulated on a histogram. With `wrap`, kernel mass that leaves the span
/// re-enters from the other side, as in a periodic density. Without it,
/// each kernel is cut at the span edges and renormalised. Phase 0 is
/// placed at `anchor`, the output start, so the output replays the
/// training period from its beginning.
pub fn kde_intensity(
    starts: &[u64],
    usage: u64,
    time: TrainingTime,
    anchor: Micros,
    wrap: bool,
) -> Intensity {
    let period = time.span;
    let bins = (period as usize).clamp(1, KDE_BINS);
    let width = period as f64 / bins as f64;
    let mut histogram = vec![0f64; bins];
    let mut positions = Vec::with_capacity(starts.len());
    for &tick in starts {
        let t = (tick as Micros * time.resolution) as f64;
        positions.push(t);
        histogram[((t / width) as usize).min(bins - 1)] += 1.0;
    }
    let bandwidth = silverman(&positions);
    let smoothed = if bandwidth > width / 2.0 {
        convolve(&histogram, bandwidth / width, wrap)
    } else {
        histogram
    };
    let total: f64 = smoothed.iter().sum();
    let bin_micros = period / bins as Micros;
    let rates = if total > 0.0 {
        let per_bin = bin_micros as f64;
        smoothed
            .iter()
            .map(|m| usage as f64 * m / total / per_bin)
            .collect()
    } else {
        vec![usage as f64 / (bin_micros * bins as Micros) as f64; bins]
    };
    Intensity {
        period: bin_micros * bins as Micros,
        anchor,
        rates,
    }
}

/// Smooths a histogram with a Gaussian of `sigma` bins, cut at 4 sigma.
fn convolve(histogram: &[f64], sigma: f64, wrap: bool) -> Vec<f64> {
    let n = histogram.len() as isize;
    let reach = ((4.0 * sigma).ceil() as isize).min(n);
    let kernel: Vec<f64> = (-reach..=reach)
        .map(|k| (-0.5 * (k as f64 / sigma).powi(2)).exp())
        .collect();
    let mut out = vec![0f64; histogram.len()];
    for (i, &mass) in histogram.iter().enumerate() {
        if mass == 0.0 {
            continue;
        }
        // Normalise over the kernel positions that land, so a kernel cut
        // at the span edge keeps its mass inside when wrapping is off.
        let mut landed = Vec::with_capacity(kernel.len());
        for (k, &w) in (-reach..=reach).zip(&kernel) {
            let j = i as isize + k;
            let j = if wrap {
                j.rem_euclid(n)
            } else if (0..n).contains(&j) {
                j
            } else {
                continue;
            };
            landed.push((j as usize, w));
        }
        let norm: f64 = landed.iter().map(|&(_, w)| w).sum();
        for (j, w) in landed {
            out[j] += mass * w / norm;
        }
    }
    out
}

/// Returns Silverman's rule-of-thumb bandwidth,
/// `0.9 * min(sd, IQR / 1.34) * n^(-1/5)`, or 0 for fewer than two values
/// or no spread.
pub fn silverman(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = variance.sqrt();
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        let position = q * (n - 1) as f64;
        let low = position.floor() as usize;
        let high = position.ceil() as usize;
        sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
    };
    let iqr = quantile(0.75) - quantile(0.25);
    let spread = if iqr > 0.0 { sd.min(iqr / 1.34) } else { sd };
    0.9 * spread * (n as f64).powf(-0.2)
}

/// A kernel density over one gap's training delays, reflected at 0 so a
/// drawn delay is never negative.
#[derive(Debug, Clone)]
pub struct DelayDensity {
    /// Training delays in microseconds.
    delays: Vec<f64>,
    /// Silverman's bandwidth in microseconds. When the delays have no
    /// spread it is half a tick, the rounding error of a stored delay.
    bandwidth: f64,
}

impl DelayDensity {
    pub fn new(ticks: &[u64], resolution: Micros) -> DelayDensity {
        let delays: Vec<f64> = ticks
            .iter()
            .map(|&d| (d as Micros * resolution) as f64)
            .collect();
        let bandwidth = silverman(&delays);
        let bandwidth = if bandwidth > 0.0 {
            bandwidth
        } else {
            resolution as f64 / 2.0
        };
        DelayDensity { delays, bandwidth }
    }

    /// Draws a delay in microseconds, 0 when there were no training delays.
    pub fn draw(&self, rng: &mut impl Rng) -> Micros {
        if self.delays.is_empty() {
            return 0;
        }
        let centre = self.delays[rng.random_range(0..self.delays.len())];
        let delay = (centre + self.bandwidth * standard_normal(rng)).abs();
        delay.round() as Micros
    }
}

/// Draws a standard normal variate (Box-Muller).
fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Draws from a Poisson distribution: by multiplying uniforms for small
/// means, by Hörmann's transformed rejection (PTRS, 1993) from 10 on.
pub fn poisson(mean: f64, rng: &mut impl Rng) -> u64 {
    if mean <= 0.0 || !mean.is_finite() {
        return 0;
    }
    if mean < 10.0 {
        let limit = (-mean).exp();
        let mut product: f64 = rng.random();
        let mut count = 0;
        while product > limit {
            product *= rng.random::<f64>();
            count += 1;
        }
        return count;
    }
    let root = mean.sqrt();
    let log_mean = mean.ln();
    let b = 0.931 + 2.53 * root;
    let a = -0.059 + 0.02483 * b;
    let inverse_alpha = 1.1239 + 1.1328 / (b - 3.4);
    let v_r = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u: f64 = rng.random::<f64>() - 0.5;
        let v: f64 = rng.random();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + mean + 0.43).floor();
        if us >= 0.07 && v <= v_r {
            return k as u64;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        let left = v.ln() + inverse_alpha.ln() - (a / (us * us) + b).ln();
        let right = -mean + k * log_mean - libm::lgamma(k + 1.0);
        if left <= right {
            return k as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn poisson_mean_and_variance() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for mean in [0.5, 4.0, 25.0, 1000.0] {
            let draws: Vec<f64> = (0..20_000)
                .map(|_| poisson(mean, &mut rng) as f64)
                .collect();
            let m = draws.iter().sum::<f64>() / draws.len() as f64;
            let var = draws.iter().map(|d| (d - m).powi(2)).sum::<f64>() / draws.len() as f64;
            assert!((m - mean).abs() < 0.05 * mean + 0.05, "mean {m} for {mean}");
            assert!(
                (var - mean).abs() < 0.1 * mean + 0.1,
                "variance {var} for {mean}"
            );
        }
    }

    #[test]
    fn delays_never_negative() {
        let density = DelayDensity::new(&[0, 0, 1, 2, 0], 10_000);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        assert!((0..10_000).all(|_| density.draw(&mut rng) >= 0));
    }

    #[test]
    fn seasonal_follows_hours() {
        // Two days of training, every start between 10:00 and 11:00 UTC.
        let time = TrainingTime {
            start: 0,
            resolution: 1_000_000,
            span: 2 * DAY,
        };
        let starts: Vec<u64> = (0..200).map(|i| (10 * 3600 + i * 10) as u64).collect();
        let intensity = seasonal_intensity(&starts, 200, time);
        let busy = intensity.expected(10 * HOUR + 5 * DAY, 11 * HOUR + 5 * DAY);
        let quiet = intensity.expected(3 * HOUR + 5 * DAY, 4 * HOUR + 5 * DAY);
        assert!(busy > 50.0 * quiet, "busy {busy}, quiet {quiet}");
        let total = intensity.expected(0, 2 * DAY);
        assert!((total - 200.0).abs() < 1e-6, "total {total}");
    }

    #[test]
    fn kde_keeps_usage() {
        let time = TrainingTime {
            start: 0,
            resolution: 10_000,
            span: 3_600_000_000,
        };
        let starts: Vec<u64> = (0..100).map(|i| i * 3000).collect();
        for wrap in [false, true] {
            let intensity = kde_intensity(&starts, 100, time, 0, wrap);
            let total = intensity.expected(0, intensity.period);
            assert!((total - 100.0).abs() < 1e-6, "total {total}");
        }
    }
}
