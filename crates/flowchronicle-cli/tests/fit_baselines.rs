//! End-to-end tests of `flowchronicle fit --method independent-bn` and
//! `--method sequence-bn`: the model loads in `patterns` and `generate`,
//! and options that do not apply are rejected.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HEADER: &str = "ts,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,bwd_packets,fwd_bytes,bwd_bytes,duration,flags\n";

/// Writes 203 flows, one per second, cycling through DNS, HTTP and SSH
/// with counters that depend on the service.
fn write_flows(dir: &Path) -> PathBuf {
    let services = [
        ("UDP", 53, "......"),
        ("TCP", 80, ".AP.SF"),
        ("TCP", 22, ".AP.S."),
    ];
    let mut text = HEADER.to_string();
    for i in 0..203usize {
        let s = i % services.len();
        let (proto, port, flags) = services[s];
        let packets = 1 + 3 * s + i % 2;
        writeln!(
            text,
            "2016-04-11T00:{:02}:{:02}.000000Z,{proto},10.0.0.{},{},10.0.1.{},{port},{packets},{},{},{},{:.3},{flags}",
            i / 60,
            i % 60,
            1 + i % 7,
            40000 + i,
            1 + s,
            packets * 2,
            packets * 80,
            packets * 500,
            packets as f64 * 0.02,
        )
        .unwrap();
    }
    let path = dir.join("flows.csv");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowchronicle"))
        .arg("-q")
        .args(args)
        .output()
        .unwrap()
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn sequence_model_loads_and_generates() {
    let dir = tempfile::tempdir().unwrap();
    let flows = write_flows(dir.path());
    let model = dir.path().join("sbn.json");
    let fitted = run(&[
        "fit",
        text(&flows),
        "-o",
        text(&model),
        "--method",
        "sequence-bn",
        "--window",
        "4",
    ]);
    assert!(fitted.status.success(), "{fitted:?}");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(json["method"], "sequence-bn");
    assert_eq!(json["patterns"][0]["usage"], 50);
    assert_eq!(json["patterns"][0]["rows"].as_array().unwrap().len(), 4);
    assert_eq!(json["base"]["usage"], 3);

    let listed = run(&["patterns", text(&model)]);
    assert!(listed.status.success(), "{listed:?}");
    let listing = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listing.starts_with("patterns: 1; flows left to the base network: 3;"),
        "{listing}"
    );

    let output = dir.path().join("out.csv");
    let generated = run(&[
        "generate",
        "-m",
        text(&model),
        "-o",
        text(&output),
        "--flows",
        "100",
        "--seed",
        "2",
    ]);
    assert!(generated.status.success(), "{generated:?}");
    let csv = std::fs::read_to_string(&output).unwrap();
    let times: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap())
        .collect();
    assert_eq!(times.len(), 100);
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]));
}

#[test]
fn independent_model_loads_and_generates() {
    let dir = tempfile::tempdir().unwrap();
    let flows = write_flows(dir.path());
    let model = dir.path().join("ibn.json");
    let fitted = run(&[
        "fit",
        text(&flows),
        "-o",
        text(&model),
        "--method",
        "independent-bn",
    ]);
    assert!(fitted.status.success(), "{fitted:?}");

    let listed = run(&["patterns", text(&model)]);
    let listing = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listing.starts_with("patterns: 0; flows left to the base network: 203;"),
        "{listing}"
    );

    let output = dir.path().join("out.csv");
    let generated = run(&[
        "generate",
        "-m",
        text(&model),
        "-o",
        text(&output),
        "--flows",
        "50",
    ]);
    assert!(generated.status.success(), "{generated:?}");
}

#[test]
fn inapplicable_options_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let flows = write_flows(dir.path());
    let model = dir.path().join("model.json");
    let cases: [(&[&str], &str); 4] = [
        (
            &["--window", "5"],
            "--window applies only to --method sequence-bn",
        ),
        (
            &["--method", "independent-bn", "--time-limit", "1m"],
            "--time-limit applies only to --method flowchronicle",
        ),
        (
            &["--method", "sequence-bn", "--window", "1"],
            "invalid window length 1",
        ),
        (
            &[
                "--method",
                "sequence-bn",
                "--window",
                "64",
                "--max-patterns",
                "3",
            ],
            "--max-patterns applies only to --method flowchronicle",
        ),
    ];
    for (extra, message) in cases {
        let mut args = vec!["fit", text(&flows), "-o", text(&model)];
        args.extend_from_slice(extra);
        let output = run(&args);
        assert!(!output.status.success(), "{extra:?} succeeded");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
    }
    assert!(!model.exists());
}
