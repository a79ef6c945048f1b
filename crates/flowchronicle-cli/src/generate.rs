//! `flowchronicle generate`: synthetic flows from a fitted model, written
//! in time order as the canonical CSV or a Zeek conn.log.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use flowchronicle::flow::{format_timestamp, parse_timestamp, Micros};
use flowchronicle::generate::{EndCondition, GenerateConfig, Generator, Timing};
use flowchronicle::io::{flow_writer, OutputFormat, WriteError};
use flowchronicle::model::Model;
use flowchronicle::output::{check_writable, write_atomically};

use crate::units::parse_duration;

/// Arguments of `generate`.
#[derive(clap::Args)]
pub struct Args {
    /// Model file written by `flowchronicle fit`.
    #[arg(short, long, value_name = "FILE")]
    model: PathBuf,

    /// Output file, replaced atomically.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,

    /// Output start: RFC 3339 (2016-04-11T00:00:00Z) or Unix seconds.
    /// Defaults to the end of the training data.
    #[arg(long, value_name = "TIME")]
    start: Option<String>,

    /// Length of the output span: a number with unit s, m, h or d (90s,
    /// 2h, 7d). Defaults to the length of the training data.
    #[arg(long, value_name = "DURATION", conflicts_with = "flows", value_parser = parse_duration)]
    duration: Option<Duration>,

    /// Number of flows to write instead of a duration.
    #[arg(long, value_name = "N")]
    flows: Option<u64>,

    /// Seed of every random choice; the same model, seed and options give
    /// the same bytes whatever the thread count.
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,

    /// Output format: csv (the canonical bidirectional CSV) or zeek (a Zeek
    /// conn.log).
    #[arg(long, value_name = "FORMAT", default_value = "csv")]
    to: OutputFormat,

    /// Add a pattern_id column: 0 for flows of the base network, otherwise
    /// the id of the pattern that generated the flow.
    #[arg(long)]
    pattern_ids: bool,

    /// Start times: profile (daily or weekly rhythm, any output span) or
    /// replay (the training period's density, shifted to the start).
    #[arg(long, value_name = "MODE", default_value = "profile", value_parser = parse_timing)]
    timing: Timing,
}

fn parse_timing(text: &str) -> Result<Timing, String> {
    match text {
        "profile" => Ok(Timing::Profile),
        "replay" => Ok(Timing::Replay),
        other => Err(format!(
            "unknown timing {other:?} (expected profile or replay)"
        )),
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    check_writable(&args.output)?;
    let model = Model::load(&args.model)?;
    let training_end =
        model.time.start_micros + model.time.span_ticks as Micros * model.time.resolution_micros;
    let start = match &args.start {
        Some(text) => parse_timestamp(text).with_context(|| {
            format!("invalid start time {text:?}: expected RFC 3339 (2016-04-11T00:00:00Z) or Unix seconds")
        })?,
        None => training_end,
    };
    let end = match (args.flows, &args.duration) {
        (Some(n), _) => EndCondition::Flows(n),
        (None, Some(duration)) => {
            let micros = Micros::try_from(duration.as_micros()).unwrap_or(Micros::MAX);
            if micros < 1 {
                bail!("invalid --duration: must be longer than 1 microsecond");
            }
            EndCondition::Duration(micros)
        }
        (None, None) => EndCondition::Duration(
            (model.time.span_ticks.max(1) as Micros) * model.time.resolution_micros,
        ),
    };
    let config = GenerateConfig {
        start,
        end,
        seed: args.seed,
        timing: args.timing,
        with_pattern_ids: args.pattern_ids,
    };
    let generator = Generator::new(&model, &config)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("failed to start the worker threads")?;
    log::info!(
        "generating from {} ({} patterns) starting at {}, seed {}",
        args.model.display(),
        model.patterns.len(),
        format_timestamp(start),
        args.seed
    );

    let spinner = crate::progress::spinner("generating flows");
    let extra_columns = generator.extra_columns();
    let summary = pool.install(|| {
        write_atomically(&args.output, |out| {
            let mut writer = flow_writer(args.to, &extra_columns, out);
            let summary = generator.run(&mut |flow, _| writer.write_flow(flow))?;
            writer.finish()?;
            Ok::<_, WriteError>(summary)
        })
    });
    spinner.finish_and_clear();
    let summary = summary.with_context(|| format!("failed to write {}", args.output.display()))?;

    let seconds = started.elapsed().as_secs_f64();
    log::info!(
        "wrote {} flows to {} ({}) in {:.2} s ({:.0} flows/s)",
        summary.flows,
        args.output.display(),
        args.to,
        seconds,
        summary.flows as f64 / seconds.max(1e-9)
    );
    for (id, flows) in &summary.flows_per_pattern {
        match id {
            0 => log::debug!("base network: {flows} flows"),
            id => log::debug!("pattern {id}: {flows} flows"),
        }
    }
    Ok(())
}
