//! `flowchronicle fit`: mine the pattern set of real flows, or fit one of
//! the baselines, and save the model.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use flowchronicle::baseline::{self, BaselineReport};
use flowchronicle::dataset::{Dataset, EncodeConfig, Role, Schema};
use flowchronicle::fit::{fit, FitReport, RunInfo};
use flowchronicle::output::check_writable;
use flowchronicle::search::{SearchConfig, SearchStatus, StopReason};

use crate::input_args::InputArgs;
use crate::units::parse_duration;

/// Arguments of `fit`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// Model file to write (JSON), replaced atomically.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,

    /// Model to fit: flowchronicle (mined flow patterns), independent-bn
    /// (one Bayesian network per flow, flows independent) or sequence-bn
    /// (one Bayesian network over windows of consecutive flows).
    #[arg(long, value_enum, default_value_t = FitMethod::Flowchronicle)]
    method: FitMethod,

    /// Number of consecutive flows per window of --method sequence-bn
    /// [default: 5].
    #[arg(long, value_name = "N")]
    window: Option<usize>,

    /// Seed of every random choice, stored in the model.
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// Worker threads (default: one per core). The model does not depend
    /// on this number.
    #[arg(long, value_name = "N", value_parser = crate::units::parse_positive)]
    threads: Option<usize>,

    /// Maximum number of non-zero bins per numeric column.
    #[arg(long, default_value_t = 40, value_name = "N", value_parser = parse_bins)]
    bins: usize,

    /// Length of one time tick in seconds.
    #[arg(long, default_value_t = 0.01, value_name = "SECONDS")]
    time_resolution: f64,

    /// Extra column to mine, as NAME:ROLE with ROLE categorical, ip or
    /// numeric (repeatable), e.g. --feature service:categorical.
    #[arg(long = "feature", value_name = "NAME:ROLE")]
    features: Vec<String>,

    /// Stop after this many patterns.
    #[arg(long, value_name = "N")]
    max_patterns: Option<usize>,

    /// Stop after this long (e.g. 90s, 10m, 2h) and save the best model so
    /// far.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    time_limit: Option<Duration>,

    /// Maximum time between the first and last flow of a pattern
    /// occurrence (e.g. 30s); default: no limit.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    max_span: Option<Duration>,
}

/// The model `fit` builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FitMethod {
    Flowchronicle,
    IndependentBn,
    SequenceBn,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    check_options(&args)?;
    check_writable(&args.output)?;
    if !(args.time_resolution > 0.0 && args.time_resolution.is_finite()) {
        bail!(
            "invalid --time-resolution {}: must be a positive number of seconds",
            args.time_resolution
        );
    }
    let pool = thread_pool(args.threads)?;

    let table = args.input.read()?;
    let mut schema = Schema::default_features();
    for spec in &args.features {
        let (name, role) = spec.split_once(':').with_context(|| {
            format!("invalid --feature {spec:?}: expected NAME:ROLE, e.g. service:categorical")
        })?;
        let role: Role = role.parse().map_err(anyhow::Error::msg)?;
        schema.add_extra(name, role)?;
    }
    let encoding = EncodeConfig {
        bins: args.bins,
        time_resolution: (args.time_resolution * 1e6).round() as i64,
    };
    let data = Dataset::encode(&table, schema, &encoding).context("failed to encode the flows")?;
    drop(table);
    log::info!(
        "encoded {} flows over {} features, span {} ticks",
        data.rows(),
        data.schema.len(),
        data.span()
    );

    let info = RunInfo {
        inputs: args
            .input
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        seed: args.seed,
        encoding: encoding.clone(),
    };
    let baseline = match args.method {
        FitMethod::Flowchronicle => None,
        FitMethod::IndependentBn => Some(pool.install(|| baseline::independent_bn(&data, &info))?),
        FitMethod::SequenceBn => {
            let window = args.window.unwrap_or(baseline::DEFAULT_WINDOW);
            Some(pool.install(|| baseline::sequence_bn(&data, window, &info))?)
        }
    };
    if let Some(report) = baseline {
        report.model.save(&args.output)?;
        print_baseline_summary(&report, &args.output, started.elapsed());
        return Ok(());
    }

    let resolution = encoding.time_resolution as f64 / 1e6;
    let config = SearchConfig {
        max_patterns: args.max_patterns,
        time_limit: args.time_limit,
        max_span: args
            .max_span
            .map(|d| (d.as_secs_f64() / resolution).round() as u64),
        ..SearchConfig::default()
    };
    let bar = crate::progress::spinner("mining patterns");
    let last_logged = AtomicUsize::new(0);
    let report_progress = |status: &SearchStatus| {
        bar.set_message(format!(
            "iteration {}, mode {}, {} patterns, {:.0} bits, {} candidates tested",
            status.iteration, status.mode, status.patterns, status.total_bits, status.tested
        ));
        if last_logged.swap(status.patterns, Ordering::Relaxed) != status.patterns {
            log::debug!(
                "iteration {}: {} patterns, {:.1} bits",
                status.iteration,
                status.patterns,
                status.total_bits
            );
        }
    };
    let report = pool.install(|| fit(&data, config, info, &report_progress))?;
    bar.finish_and_clear();

    report.model.save(&args.output)?;
    print_summary(&report, &args.output, started.elapsed());
    Ok(())
}

/// Rejects options that do not apply to the chosen method.
fn check_options(args: &Args) -> anyhow::Result<()> {
    if args.method != FitMethod::SequenceBn && args.window.is_some() {
        bail!("--window applies only to --method sequence-bn");
    }
    if let Some(window) = args.window {
        if !(2..=baseline::MAX_WINDOW).contains(&window) {
            bail!(baseline::BaselineError::InvalidWindow(window));
        }
    }
    if args.method != FitMethod::Flowchronicle {
        let search_options = [
            ("--max-patterns", args.max_patterns.is_some()),
            ("--time-limit", args.time_limit.is_some()),
            ("--max-span", args.max_span.is_some()),
        ];
        for (name, given) in search_options {
            if given {
                bail!("{name} applies only to --method flowchronicle: the baselines run no search");
            }
        }
    }
    Ok(())
}

fn parse_bins(text: &str) -> Result<usize, String> {
    match crate::units::parse_positive(text)? {
        n if n > 65535 => Err(format!("{n} is too many (at most 65535)")),
        n => Ok(n),
    }
}

fn thread_pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    if threads == Some(0) {
        bail!("invalid --threads 0: must be at least 1");
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    builder
        .build()
        .context("failed to start the worker threads")
}

fn print_summary(report: &FitReport, output: &std::path::Path, elapsed: Duration) {
    if report.stop_reason == StopReason::TimeLimit {
        log::warn!("the time limit stopped the search early; the model contains the best pattern set found so far");
    }
    let mut by_length: std::collections::BTreeMap<usize, usize> = Default::default();
    for p in &report.model.patterns {
        *by_length.entry(p.rows.len()).or_default() += 1;
    }
    let lengths: Vec<String> = by_length
        .iter()
        .map(|(k, n)| format!("{n} of length {k}"))
        .collect();
    log::info!(
        "search ended: {} after {:.1} s",
        report.stop_reason.describe(),
        elapsed.as_secs_f64()
    );
    log::info!(
        "initial description length: {:.1} bits",
        report.initial_bits
    );
    log::info!("final description length:   {:.1} bits", report.final_bits);
    log::info!(
        "compression ratio: {:.4} (final / initial)",
        report.final_bits / report.initial_bits
    );
    log::info!(
        "patterns: {} ({})",
        report.model.patterns.len(),
        if lengths.is_empty() {
            "none".to_string()
        } else {
            lengths.join(", ")
        }
    );
    log::info!(
        "rows covered by a pattern: {:.1}%",
        100.0 * report.covered_share
    );
    log::info!("model written to {}", output.display());
}

fn print_baseline_summary(report: &BaselineReport, output: &std::path::Path, elapsed: Duration) {
    let model = &report.model;
    log::info!("baseline fitted in {:.1} s", elapsed.as_secs_f64());
    for pattern in &model.patterns {
        log::info!(
            "window network: {} variables ({} flows of {} features), {} edges, {} windows",
            pattern.network.variables(),
            pattern.rows.len(),
            model.schema.len(),
            pattern.network.structure().edge_count(),
            pattern.usage
        );
    }
    log::info!(
        "flow network: {} variables, {} edges, {} flows",
        model.base.network.variables(),
        model.base.network.structure().edge_count(),
        model.base.usage
    );
    log::info!(
        "description length: {:.1} bits without edges, {:.1} bits with the learned networks",
        report.initial_bits,
        report.final_bits
    );
    log::info!("model written to {}", output.display());
}
