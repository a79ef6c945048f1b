//! End-to-end tests of `flowchronicle fit` and `flowchronicle patterns` on
//! real CIDDS-001 flows, and of the model loader's errors.

use std::path::Path;
use std::process::{Command, Output};

use flowchronicle::testdata::shared_data;

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

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn fit_same_file_with_one_and_two_threads() {
    let Some(input) = shared_data("cidds-001/cidds_wk3_1k.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.json");
    let two = dir.path().join("two.json");
    for (threads, path) in [("1", &one), ("2", &two)] {
        let fitted = run(&["fit", text(&input), "-o", text(path), "--threads", threads]);
        assert!(fitted.status.success(), "{}", stderr(&fitted));
    }
    let first = std::fs::read(&one).unwrap();
    let second = std::fs::read(&two).unwrap();
    assert!(
        first == second,
        "model files differ between 1 and 2 threads"
    );
}

#[test]
fn patterns_json_has_cells_by_kind() {
    let Some(input) = shared_data("cidds-001/cidds_wk3_1k.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let fitted = run(&["fit", text(&input), "-o", text(&model)]);
    assert!(fitted.status.success(), "{}", stderr(&fitted));

    let listed = run(&["patterns", text(&model), "--format", "json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let json: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let patterns = json.as_array().unwrap();
    assert!(!patterns.is_empty(), "no pattern mined");
    let mut previous_bits = f64::INFINITY;
    for pattern in patterns {
        assert!(pattern["id"].is_u64());
        assert!(pattern["usage"].as_u64().unwrap() >= 1);
        let bits = pattern["bits_saved"].as_f64().unwrap();
        assert!(bits <= previous_bits, "patterns not sorted by bits saved");
        previous_bits = bits;
        for row in pattern["rows"].as_array().unwrap() {
            for (_, cell) in row.as_object().unwrap() {
                let cell = cell.as_object().unwrap();
                assert_eq!(cell.len(), 1);
                let kind = cell.keys().next().unwrap();
                assert!(["fix", "set", "use"].contains(&kind.as_str()), "{kind}");
            }
        }
    }

    let table = run(&["patterns", text(&model), "--top", "1"]);
    assert!(table.status.success());
    let out = String::from_utf8_lossy(&table.stdout);
    assert!(out.contains("pattern "), "{out}");
    assert!(out.contains("bits saved"), "{out}");
}

#[test]
fn model_loader_rejects_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "foreign.json",
            "{\"name\": \"something else\"}",
            "not a flowchronicle model",
        ),
        (
            "truncated.json",
            "{\"format\": \"flowchronicle-model\", \"vers",
            "not a valid model file",
        ),
        (
            "newer.json",
            "{\"format\": \"flowchronicle-model\", \"version\": 99}",
            "version 99",
        ),
        ("empty.json", "", "not a valid model file"),
    ];
    for (name, content, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let listed = run(&["patterns", text(&path)]);
        assert!(!listed.status.success(), "{name} was accepted");
        let message = stderr(&listed);
        assert!(message.contains(expected), "{name}: {message}");
        assert!(message.contains(name), "{name}: {message}");
    }
    let missing = run(&["patterns", text(&dir.path().join("absent.json"))]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("cannot open model"));
}
