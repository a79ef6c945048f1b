//! `flowchronicle convert` run as a user would: exit status, output file and
//! the located error message for each kind of bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NFDUMP_HEADER: &str = "te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,lable\n";
const NFDUMP_ROW: &str =
    "2016-04-11 00:01:43,0.168,10.0.0.1,10.0.0.2,37938,80,TCP,.A...F,0,0,2,104,background\n";

fn convert(args: &[&Path], extra: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flowchronicle"));
    command.arg("convert").args(args).args(extra);
    command.output().unwrap()
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn gzip(content: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(content).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn convert_writes_canonical_csv() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "ugr.csv.gz",
        &gzip(format!("{NFDUMP_HEADER}{NFDUMP_ROW}").as_bytes()),
    );
    let output = dir.path().join("out.csv");
    let result = convert(&[&input], &["-o", output.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    assert!(stderr.contains("records read: 1"), "{stderr}");
    assert!(stderr.contains("into 1 bidirectional sessions"), "{stderr}");
    let text = std::fs::read_to_string(&output).unwrap();
    assert_eq!(
        text,
        "ts,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,bwd_packets,fwd_bytes,bwd_bytes,duration,flags\n\
         2016-04-11T00:01:42.832000Z,TCP,10.0.0.1,37938,10.0.0.2,80,2,0,104,0,0.168,.A...F\n"
    );
}

#[test]
fn convert_to_zeek() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "ugr.csv",
        format!("{NFDUMP_HEADER}{NFDUMP_ROW}").as_bytes(),
    );
    let output = dir.path().join("conn.log");
    let result = convert(&[&input], &["-o", output.to_str().unwrap(), "--to", "zeek"]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let text = std::fs::read_to_string(&output).unwrap();
    assert!(text.starts_with("#separator \\x09\n"), "{text}");
    assert!(
        text.ends_with("1460332902.832000\t10.0.0.1\t37938\t10.0.0.2\t80\ttcp\t0.168000\t2\t0\t104\t0\t.A...F\n"),
        "{text}"
    );
}

#[test]
fn skip_invalid_continues() {
    let dir = tempfile::tempdir().unwrap();
    let content = format!("{NFDUMP_HEADER}{NFDUMP_ROW}2016-04-11 00:01:43,0.x,10.0.0.1,10.0.0.2,1,80,TCP,.A...F,0,0,2,104,background\n");
    let input = write(dir.path(), "ugr.csv", content.as_bytes());
    let output = dir.path().join("out.csv");
    let failed = convert(&[&input], &["-o", output.to_str().unwrap()]);
    assert!(!failed.status.success());
    assert!(!output.exists());
    let result = convert(
        &[&input],
        &["-o", output.to_str().unwrap(), "--skip-invalid"],
    );
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    assert!(
        stderr.contains("records skipped: 1 (invalid number in column \"td\": 1)"),
        "{stderr}"
    );
    assert!(output.exists());
}

/// Each bad input, and text its error message must contain.
#[test]
fn bad_inputs_fail_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let mut truncated = gzip(format!("{NFDUMP_HEADER}{}", NFDUMP_ROW.repeat(2000)).as_bytes());
    truncated.truncate(truncated.len() / 2);
    let mut non_utf8 = NFDUMP_HEADER.as_bytes().to_vec();
    non_utf8.extend_from_slice(
        b"2016-04-11 00:01:43,0.1,10.0.0.1,10.0.0.2,1,80,T\xffP,.A...F,0,0,2,104,background\n",
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "missing.csv",
            b"te,td,sa,da,sp,dp,pr,flg,pkt,lable\n".to_vec(),
            "missing.csv: missing required column \"byt\"",
        ),
        (
            "number.csv",
            format!("{NFDUMP_HEADER}2016-04-11 00:01:43,0.x,10.0.0.1,10.0.0.2,1,80,TCP,.A...F,0,0,2,104,background\n").into_bytes(),
            "number.csv:2: column \"td\": invalid number \"0.x\" (expected non-negative seconds, e.g. 0.168)",
        ),
        (
            "address.csv",
            format!("{NFDUMP_HEADER}2016-04-11 00:01:43,0.1,10.0.0.1,10.0.0.999,1,80,TCP,.A...F,0,0,2,104,background\n").into_bytes(),
            "address.csv:2: column \"da\": invalid IP address \"10.0.0.999\"",
        ),
        (
            "count.csv",
            format!("{NFDUMP_HEADER}{NFDUMP_ROW}{NFDUMP_ROW}2016-04-11 00:01:43,0.1\n").into_bytes(),
            "count.csv:4: 2 fields, but the header has 13",
        ),
        ("empty.csv", Vec::new(), "empty.csv: the file is empty"),
        ("truncated.csv.gz", truncated, "truncated.csv.gz:"),
        (
            "utf8.csv",
            non_utf8,
            "utf8.csv:2: invalid UTF-8 in column \"pr\"",
        ),
    ];
    for (name, content, expected) in cases {
        let input = write(dir.path(), name, &content);
        let output = dir.path().join("out.csv");
        let result = convert(&[&input], &["-o", output.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(!result.status.success(), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(!output.exists(), "{name}");
    }
}

#[test]
fn missing_input_fails() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.csv");
    let output = dir.path().join("out.csv");
    let result = convert(&[&missing], &["-o", output.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success());
    assert!(stderr.contains("absent.csv"), "{stderr}");
}
