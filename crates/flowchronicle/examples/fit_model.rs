//! Fits a model on flow files and saves it, for benchmarks run before the
//! command-line tool has a `fit` subcommand.
//!
//! Run with `cargo run --release -p flowchronicle --example fit_model --
//! MODEL.json SECONDS INPUT...`: the search stops after SECONDS seconds and
//! keeps the best model so far.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use flowchronicle::dataset::{Dataset, EncodeConfig, Schema};
use flowchronicle::fit::{fit, RunInfo};
use flowchronicle::io::{read_flows, ReadOptions};
use flowchronicle::search::SearchConfig;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: fit_model MODEL.json SECONDS INPUT...");
        return ExitCode::FAILURE;
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let output = PathBuf::from(&args[0]);
    let seconds: u64 = args[1]
        .parse()
        .map_err(|_| format!("invalid time limit {:?}: expected whole seconds", args[1]))?;
    let inputs: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();
    let (table, _) = read_flows(&inputs, &ReadOptions::default()).map_err(|e| e.to_string())?;
    let encoding = EncodeConfig::default();
    let data = Dataset::encode(&table, Schema::default_features(), &encoding)
        .map_err(|e| e.to_string())?;
    let config = SearchConfig {
        time_limit: Some(Duration::from_secs(seconds)),
        ..SearchConfig::default()
    };
    let info = RunInfo {
        inputs: args[2..].to_vec(),
        seed: 0,
        encoding,
    };
    let report = fit(&data, config, info, &|_| {}).map_err(|e| e.to_string())?;
    eprintln!(
        "{} rows, {} patterns, {:.0} -> {:.0} bits",
        data.rows(),
        report.model.patterns.len(),
        report.initial_bits,
        report.final_bits
    );
    report.model.save(&output).map_err(|e| e.to_string())
}
