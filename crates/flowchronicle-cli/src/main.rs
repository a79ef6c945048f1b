//! The `flowchronicle` command: one subcommand per stage of the pipeline.
//! Each subcommand lives in its own module with its clap arguments, turns
//! them into the library's checked configuration and reports to stderr.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod convert;
mod evaluate;
mod fit;
mod generate;
mod input_args;
mod patterns;
mod progress;
mod units;

/// Learn flow patterns from real network traffic and generate synthetic
/// flows that behave the same way.
#[derive(Parser)]
#[command(name = "flowchronicle", version, about, max_term_width = 100)]
struct Cli {
    /// Log more (-v: debug, -vv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    /// Log only errors and hide progress bars.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read flow records and write them as canonical bidirectional flows.
    Convert(convert::Args),
    /// Mine flow patterns from real flows, or fit a baseline, and save the
    /// model.
    Fit(fit::Args),
    /// Print the patterns of a model, most useful first.
    Patterns(patterns::Args),
    /// Compare synthetic flows with real flows: realism, diversity,
    /// novelty and protocol compliance.
    Evaluate(evaluate::Args),
    /// Generate synthetic flows from a fitted model, in time order.
    Generate(generate::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    progress::init_logging(cli.verbose, cli.quiet);

    let result = match cli.command {
        Command::Convert(args) => convert::run(args),
        Command::Fit(args) => fit::run(args),
        Command::Patterns(args) => patterns::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Generate(args) => generate::run(args),
    };

    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}
