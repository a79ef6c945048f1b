//! `flowchronicle generate` run as a user would, without a model file: the
//! built-in model must give a readable, ordered, reproducible output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flowchronicle::flow::{parse_timestamp, Micros};
use flowchronicle::io::{read_flows, ReadOptions};

const HOUR: Micros = 3_600_000_000;

fn flowchronicle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowchronicle"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `generate` with the built-in model and returns the output path and
/// the log.
fn generate(dir: &Path, name: &str, extra: &[&str]) -> (PathBuf, String) {
    let output = dir.join(name);
    let mut args = vec![
        "generate",
        "--duration",
        "1h",
        "-o",
        output.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let result = flowchronicle(&args);
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    assert!(result.status.success(), "{stderr}");
    (output, stderr)
}

/// Returns the start time the log reports (`starting at TIME,`).
fn logged_start(log: &str) -> Micros {
    let text = log
        .split("starting at ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_else(|| panic!("no start time in the log:\n{log}"));
    parse_timestamp(text).unwrap_or_else(|| panic!("invalid logged start {text:?}"))
}

/// Reads the flow start times back with the library's reader.
fn start_times(path: &Path) -> Vec<Micros> {
    let (table, _) = read_flows(&[path.to_path_buf()], &ReadOptions::default()).unwrap();
    table.flows.iter().map(|flow| flow.ts).collect()
}

fn assert_within_hour(times: &[Micros], start: Micros) {
    assert!(!times.is_empty(), "no flow generated");
    for &ts in times {
        assert!(ts >= start, "flow at {ts} before the start {start}");
        assert!(
            ts < start + HOUR,
            "flow at {ts} after the end {}",
            start + HOUR
        );
    }
}

#[test]
fn default_model_one_hour() {
    let dir = tempfile::tempdir().unwrap();
    let (output, log) = generate(dir.path(), "flows.csv", &[]);
    assert!(log.contains("using the built-in model"), "{log}");

    // Without --start the output begins where the training data ends.
    let start = logged_start(&log);
    let times = start_times(&output);
    assert_within_hour(&times, start);
    assert!(times.is_sorted(), "flows are not in time order");

    let converted = dir.path().join("converted.csv");
    let result = flowchronicle(&[
        "convert",
        output.to_str().unwrap(),
        "-o",
        converted.to_str().unwrap(),
    ]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

#[test]
fn default_model_given_start() {
    // A weekday morning, when the CIDDS-001 network is busy.
    let dir = tempfile::tempdir().unwrap();
    let start = "2017-04-12T09:00:00Z";
    let (output, log) = generate(dir.path(), "flows.csv", &["--start", start]);
    assert_eq!(logged_start(&log), parse_timestamp(start).unwrap());

    let times = start_times(&output);
    assert_within_hour(&times, parse_timestamp(start).unwrap());
    assert!(times.is_sorted(), "flows are not in time order");
}

#[test]
fn default_model_same_seed_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let common = ["--start", "2017-04-12T09:00:00Z", "--seed", "5"];
    let (first, _) = generate(
        dir.path(),
        "a.csv",
        &[&common[..], &["--threads", "1"]].concat(),
    );
    let (second, _) = generate(
        dir.path(),
        "b.csv",
        &[&common[..], &["--threads", "2"]].concat(),
    );
    let (other_seed, _) = generate(
        dir.path(),
        "c.csv",
        &["--start", "2017-04-12T09:00:00Z", "--seed", "6"],
    );

    let first = std::fs::read(first).unwrap();
    assert!(first.len() > 200, "output too small to compare");
    assert_eq!(first, std::fs::read(second).unwrap());
    assert_ne!(first, std::fs::read(other_seed).unwrap());
}

#[test]
fn missing_model_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let output = dir.path().join("flows.csv");
    let result = flowchronicle(&[
        "generate",
        "-m",
        missing.to_str().unwrap(),
        "--duration",
        "1h",
        "-o",
        output.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success());
    assert!(stderr.contains("cannot open model"), "{stderr}");
    assert!(stderr.contains("missing.json"), "{stderr}");
}
