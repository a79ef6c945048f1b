//! `flowchronicle convert`: read flow records, build bidirectional flows
//! and write them as the canonical CSV or a Zeek conn.log.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use flowchronicle::io::{write_flows, OutputFormat, WriteError};
use flowchronicle::output::check_writable;

use crate::input_args::InputArgs;

/// Arguments of `convert`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// Output file, replaced atomically.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,

    /// Output format: csv (the canonical bidirectional CSV) or zeek (a Zeek
    /// conn.log).
    #[arg(long, value_name = "FORMAT", default_value = "csv")]
    to: OutputFormat,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    check_writable(&args.output)?;
    let table = args.input.read()?;
    let spinner = crate::progress::spinner("writing flows");
    let written = write_flows(&args.output, args.to, &table);
    spinner.finish_and_clear();
    // An output error already names the file.
    match written {
        Err(WriteError::Output(error)) => return Err(error.into()),
        other => other.with_context(|| format!("failed to write {}", args.output.display()))?,
    }
    log::info!(
        "wrote {} flows to {} ({}) in {:.2} s in total",
        table.flows.len(),
        args.output.display(),
        args.to,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
