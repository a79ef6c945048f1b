//! End-to-end tests of `flowchronicle evaluate` on small canonical CSV files.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

const HEADER: &str = "ts,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,bwd_packets,fwd_bytes,bwd_bytes,duration,flags\n";

/// Rows of four services whose counters grow with the service number, so
/// that the continuous columns are correlated with each other and with the
/// discrete ones. A small linear congruential generator keeps it
/// deterministic.
fn rows(count: usize) -> Vec<[String; 12]> {
    let services = [
        ("TCP", 80, ".AP.SF"),
        ("UDP", 53, "......"),
        ("TCP", 443, ".AP.SF"),
        ("TCP", 22, ".AP.S."),
    ];
    let mut state: u64 = 12345;
    let mut next = |modulus: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % modulus
    };
    (0..count)
        .map(|i| {
            let s = next(4) as usize;
            let (proto, port, flags) = services[s];
            let packets = 1 + 4 * s as u64 + next(3);
            [
                format!("2016-04-11T00:{:02}:{:02}.000000Z", i / 60, i % 60),
                proto.to_string(),
                format!("10.0.0.{}", 1 + s),
                (40000 + i).to_string(),
                format!("10.0.1.{}", 1 + s * 2 + next(2) as usize),
                port.to_string(),
                packets.to_string(),
                (packets * 2).to_string(),
                (packets * 70 + next(30)).to_string(),
                (packets * 400).to_string(),
                format!("{:.3}", packets as f64 * 0.05),
                flags.to_string(),
            ]
        })
        .collect()
}

fn write_csv(path: &Path, rows: &[[String; 12]]) {
    let mut text = HEADER.to_string();
    for row in rows {
        writeln!(text, "{}", row.join(",")).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// Shuffles each column independently (Fisher–Yates with its own stream).
fn shuffle_columns(rows: &[[String; 12]]) -> Vec<[String; 12]> {
    let mut out = rows.to_vec();
    let mut state: u64 = 99;
    for column in 1..12 {
        for i in (1..out.len()).rev() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let j = ((state >> 33) % (i as u64 + 1)) as usize;
            let value = out[j][column].clone();
            out[j][column] = std::mem::replace(&mut out[i][column], value);
        }
    }
    out
}

fn evaluate_json(args: &[&Path]) -> serde_json::Value {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flowchronicle"));
    command.args([
        "-q",
        "evaluate",
        "--format",
        "json",
        "--sample-size",
        "1000",
        "--repeats",
        "2",
        "--seed",
        "3",
    ]);
    command
        .arg("--real")
        .arg(args[0])
        .arg("--synthetic")
        .args(&args[1..]);
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn mean(value: &serde_json::Value, metric: &str) -> f64 {
    value["metrics"][metric]["mean"].as_f64().unwrap()
}

#[test]
fn file_against_itself() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.csv");
    write_csv(&real, &rows(300));
    let result = evaluate_json(&[&real, &real]);
    let file = &result[0];
    assert_eq!(file["synthetic"], real.display().to_string());
    for metric in ["cmd", "pcd", "emd", "jsd"] {
        assert_eq!(mean(file, metric), 0.0, "{metric}");
    }
    assert_eq!(mean(file, "coverage"), 1.0);
    assert!(file["metrics"]["md"].is_null());
    assert_eq!(file["dkc_rules"]["rules"].as_array().unwrap().len(), 21);
}

#[test]
fn shuffled_copy_scores_worse() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.csv");
    let shuffled = dir.path().join("shuffled.csv");
    let table = rows(300);
    write_csv(&real, &table);
    write_csv(&shuffled, &shuffle_columns(&table));
    let result = evaluate_json(&[&real, &real, &shuffled]);
    let (same, mixed) = (&result[0], &result[1]);
    assert!(mean(mixed, "cmd") > mean(same, "cmd") + 0.05, "{mixed}");
    assert!(mean(mixed, "pcd") > mean(same, "pcd") + 0.5, "{mixed}");
    assert!(mean(mixed, "coverage") < 1.0);
}

#[test]
fn holdout_enables_md_and_tables_render() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.csv");
    write_csv(&real, &rows(200));
    let output = Command::new(env!("CARGO_BIN_EXE_flowchronicle"))
        .args(["-q", "evaluate", "--repeats", "2", "--format", "markdown"])
        .arg("--real")
        .arg(&real)
        .arg("--holdout")
        .arg(&real)
        .arg("--synthetic")
        .arg(&real)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("| Density ↑"), "{text}");
    assert!(text.contains("fwd_packets"), "{text}");
    assert!(text.contains("TCP to a UDP service port"), "{text}");
    let md_cell = text
        .lines()
        .nth(4)
        .unwrap()
        .rsplit('|')
        .nth(1)
        .unwrap()
        .trim();
    assert!(md_cell.contains('±'), "MD missing: {text}");
}

#[test]
fn missing_file_reports_path() {
    let output = Command::new(env!("CARGO_BIN_EXE_flowchronicle"))
        .args([
            "evaluate",
            "--real",
            "/nonexistent/real.csv",
            "--synthetic",
            "/nonexistent/syn.csv",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/real.csv"), "{stderr}");
}
