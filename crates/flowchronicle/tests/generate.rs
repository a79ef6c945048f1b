//! Generation from a model fitted on the planted DNS-then-HTTPS table:
//! determinism across thread counts, output span and order, valid values,
//! fixed cells respected and occurrence counts matching the rates.

#[path = "planted.rs"]
#[allow(dead_code)]
mod planted;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use flowchronicle::bn::VariableTable;
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
        within_bin: Default::default(),
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

#[test]
fn values_come_from_dictionaries() {
    let model = model();
    let column = |name: &str| model.schema.index_of(name).unwrap();
    let known =
        |name: &str, value: String| model.dictionaries[column(name)].id_of(&value).is_some();
    for (flow, _) in flows(&config(19, HOUR)) {
        assert!(known("proto", flow.proto.clone()), "proto {}", flow.proto);
        assert!(
            known("src_ip", flow.src_ip.to_string()),
            "src_ip {}",
            flow.src_ip
        );
        assert!(
            known("dst_ip", flow.dst_ip.to_string()),
            "dst_ip {}",
            flow.dst_ip
        );
        assert!(
            known("dst_port", flow.dst_port.to_string()),
            "dst_port {}",
            flow.dst_port
        );
        assert!(known("flags", flow.flags.clone()), "flags {}", flow.flags);
        assert!(flow.duration >= 0.0, "duration {}", flow.duration);
    }
}

#[test]
fn pattern_without_variables_generated() {
    // Fix every cell of pattern 1's rows, leaving its network empty.
    let mut model = model().clone();
    let entry = &mut model.patterns[0];
    let id = entry.id;
    for row in &mut entry.rows {
        for (c, feature) in model.schema.features.iter().enumerate() {
            let label =
                model.dictionaries[c].label(1.min(model.dictionaries[c].cardinality() as u32 - 1));
            row.insert(feature.name.clone(), CellValue::Fix(label));
        }
    }
    entry.variables.clear();
    entry.network = flowchronicle::bn::BayesNet::from_tables(Vec::new()).unwrap();

    let config = config(23, 10 * HOUR);
    let generator = Generator::new(&model, &config).unwrap();
    let mut produced = 0;
    generator
        .run(&mut |_: &Flow, pattern| {
            if pattern == id {
                produced += 1;
            }
            Ok::<_, WriteError>(())
        })
        .unwrap();
    assert!(produced > 0, "pattern {id} produced no flows");
}

#[test]
fn replay_stays_in_span_and_repeats() {
    let mut config = config(29, 3 * HOUR);
    config.timing = Timing::Replay;
    let one = csv(&config, 1);
    assert!(
        one == csv(&config, 2),
        "replay differs between 1 and 2 threads"
    );
    let out = flows(&config);
    assert!(out.len() > 1000, "only {} flows", out.len());
    for (flow, _) in &out {
        assert!(flow.ts >= config.start && flow.ts < config.start + 3 * HOUR);
    }
}

#[test]
fn out_of_dictionary_network_rejected() {
    let mut model = model().clone();
    let entry = &mut model.patterns[0];
    entry.rows = vec![entry.rows[0].clone()];
    entry.rows[0].clear();
    for (c, feature) in model.schema.features.iter().enumerate() {
        if feature.name != "dst_port" {
            let label = model.dictionaries[c].label(0);
            entry.rows[0].insert(feature.name.clone(), CellValue::Fix(label));
        }
    }
    entry.delays.clear();
    entry.network = flowchronicle::bn::BayesNet::from_tables(vec![VariableTable {
        parents: vec![],
        values: vec![99_999],
        marginal: vec![1],
        conditionals: vec![],
    }])
    .unwrap();

    let error = Generator::new(&model, &config(1, HOUR))
        .err()
        .expect("accepted");
    let message = error.to_string();
    assert!(message.contains("99999"), "{message}");
}
