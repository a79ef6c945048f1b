//! Generation from a model fitted on the planted DNS-then-HTTPS table:
//! determinism across thread counts, output span and order, valid values,
//! fixed cells respected and occurrence counts matching the rates.

#[path = "planted.rs"]
#[allow(dead_code)]
mod planted;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use flowchronicle::dataset::{Dataset, EncodeConfig, Schema};
use flowchronicle::fit::{fit, RunInfo};
use flowchronicle::flow::Flow;
use flowchronicle::generate::{EndCondition, GenerateConfig, Generator, Timing};
use flowchronicle::io::{flow_writer, read_flows, Format, OutputFormat, ReadOptions, WriteError};
use flowchronicle::model::{CellValue, Model};
use flowchronicle::search::SearchConfig;

const SECOND: i64 = 1_000_000;
const HOUR: i64 = 3600 * SECOND;

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let table = planted::planted_table(7);
        let data =
            Dataset::encode(&table, Schema::default_features(), &EncodeConfig::default()).unwrap();
        let info = RunInfo {
            inputs: vec!["planted".into()],
            seed: 7,
            encoding: EncodeConfig::default(),
        };
        fit(&data, SearchConfig::default(), info, &|_| {})
            .unwrap()
            .model
    })
}

fn config(seed: u64, duration: i64) -> GenerateConfig {
    GenerateConfig {
        start: model().time.start_micros + 5 * HOUR,
        end: EndCondition::Duration(duration),
        seed,
        timing: Timing::Profile,
        with_pattern_ids: true,
    }
}

/// Generates to CSV bytes on a pool of `threads` workers.
fn csv(config: &GenerateConfig, threads: usize) -> Vec<u8> {
    let generator = Generator::new(model(), config).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut bytes = Vec::new();
    pool.install(|| {
        let mut writer = flow_writer(OutputFormat::Csv, &generator.extra_columns(), &mut bytes);
        generator
            .run(&mut |flow: &Flow, _| writer.write_flow(flow))
            .unwrap();
        writer.finish().unwrap();
    });
    bytes
}

/// Generates into memory with pattern ids.
fn flows(config: &GenerateConfig) -> Vec<(Flow, usize)> {
    let generator = Generator::new(model(), config).unwrap();
    let mut out = Vec::new();
    generator
        .run(&mut |flow: &Flow, id| {
            out.push((flow.clone(), id));
            Ok::<_, WriteError>(())
        })
        .unwrap();
    out
}

#[test]
fn same_seed_same_bytes_any_threads() {
    let config = config(11, 3 * HOUR);
    let one = csv(&config, 1);
    let two = csv(&config, 2);
    assert!(one.len() > 1000, "only {} bytes", one.len());
    assert!(one == two, "output differs between 1 and 2 threads");
}

#[test]
fn different_seed_different_output() {
    assert_ne!(csv(&config(1, HOUR), 1), csv(&config(2, HOUR), 1));
}

#[test]
fn output_in_span_ordered_and_readable() {
    let config = config(3, 2 * HOUR + 17 * SECOND);
    let bytes = csv(&config, 2);
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("generated.csv");
    std::fs::write(&path, &bytes).unwrap();
    let options = ReadOptions {
        format: Some(Format::Canonical),
        ..ReadOptions::default()
    };
    let (table, summary) = read_flows(&[path], &options).unwrap();
    assert_eq!(
        summary.skipped_total(),
        0,
        "invalid rows: {:?}",
        summary.skipped
    );
    assert!(table.flows.len() > 1000, "only {} flows", table.flows.len());

    let end = config.start + 2 * HOUR + 17 * SECOND;
    let in_memory = flows(&config);
    assert_eq!(in_memory.len(), table.flows.len());
    for pair in in_memory.windows(2) {
        assert!(
            pair[0].0.ts <= pair[1].0.ts,
            "out of order at {}",
            pair[1].0.ts
        );
    }
    for (flow, _) in &in_memory {
        assert!(
            flow.ts >= config.start && flow.ts < end,
            "ts {} outside",
            flow.ts
        );
    }
}

#[test]
fn flow_count_end_condition() {
    let mut config = config(5, HOUR);
    config.end = EndCondition::Flows(12_345);
    let out = flows(&config);
    assert_eq!(out.len(), 12_345);
    assert!(out.windows(2).all(|p| p[0].0.ts <= p[1].0.ts));
}

#[test]
fn fixed_cells_respected() {
    let model = model();
    let out = flows(&config(9, 4 * HOUR));
    let mut checked = 0;
    for entry in &model.patterns {
        let ports: Vec<Option<&CellValue>> =
            entry.rows.iter().map(|row| row.get("dst_port")).collect();
        let fixed: Option<Vec<u16>> = ports
            .iter()
            .map(|cell| match cell {
                Some(CellValue::Fix(text)) => text.parse().ok(),
                _ => None,
            })
            .collect();
        let Some(fixed) = fixed else { continue };
        for (flow, _) in out.iter().filter(|(_, id)| *id == entry.id) {
            assert!(
                fixed.contains(&flow.dst_port),
                "pattern {} fixes ports {fixed:?} but produced {}",
                entry.id,
                flow.dst_port
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no pattern with fixed ports produced flows");
}

#[test]
fn use_cells_copy_set_values() {
    let model = model();
    let linked: Vec<usize> = model
        .patterns
        .iter()
        .filter(|p| {
            p.rows.len() == 2
                && matches!(
                    (p.rows[0].get("src_ip"), p.rows[1].get("src_ip")),
                    (Some(CellValue::Set(x)), Some(CellValue::Use(y))) if x == y
                )
        })
        .map(|p| p.id)
        .collect();
    assert!(!linked.is_empty());
    // Within a pattern the DNS row precedes its HTTPS row, so each
    // HTTPS source address must be an earlier DNS source address.
    let out = flows(&config(13, HOUR));
    for id in linked {
        let mut seen = std::collections::HashSet::new();
        for (flow, _) in out.iter().filter(|(_, p)| *p == id) {
            if flow.dst_port == 53 {
                seen.insert(flow.src_ip.clone());
            } else if flow.dst_port == 443 {
                assert!(
                    seen.contains(&flow.src_ip),
                    "pattern {id}: {} unbound",
                    flow.src_ip
                );
            }
        }
    }
}

#[test]
fn counts_follow_rates() {
    let config = config(17, 100 * HOUR);
    let generator = Generator::new(model(), &config).unwrap();
    let expected: BTreeMap<usize, f64> = generator
        .expected_flows(config.start, config.start + 100 * HOUR)
        .into_iter()
        .collect();
    let mut counts: BTreeMap<usize, f64> = BTreeMap::new();
    for (_, id) in flows(&config) {
        *counts.entry(id).or_default() += 1.0;
    }
    let mut checked = 0;
    for (id, &want) in &expected {
        let (usage, rows) = match id {
            0 => (model().base.usage, 1),
            id => {
                let entry = model().patterns.iter().find(|p| p.id == *id).unwrap();
                (entry.usage, entry.rows.len())
            }
        };
        // The usage over one training hour, scaled to 100 hours.
        assert!((want - (usage * 100 * rows as u64) as f64).abs() < 0.01 * want);
        // Below 1,000 occurrences a 10% deviation is under 3 Poisson
        // standard deviations, so the check could fail by chance.
        if want / (rows as f64) < 1000.0 {
            continue;
        }
        let got = counts.get(id).copied().unwrap_or(0.0);
        assert!(
            (got - want).abs() < 0.1 * want,
            "pattern {id}: {got} flows, expected {want:.0} (usage {usage})"
        );
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} patterns with enough flows");
}
