//! The IndependentBN and SequenceBN baselines: model layout, save and load,
//! and generation from them.

use std::collections::{BTreeMap, BTreeSet};

use flowchronicle::baseline::{independent_bn, sequence_bn, BaselineError};
use flowchronicle::dataset::{Dataset, EncodeConfig, Schema};
use flowchronicle::fit::RunInfo;
use flowchronicle::flow::{Flow, FlowTable, Host};
use flowchronicle::generate::{EndCondition, GenerateConfig, Generator, Timing};
use flowchronicle::io::{read_flows, ReadOptions, WriteError};
use flowchronicle::model::{Method, Model};
use flowchronicle::testdata::shared_data;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const HOUR: i64 = 3_600_000_000;

/// Builds `n` flows over one hour: UDP DNS lookups (about a third) and
/// TCP connections to a few service ports, with random counters.
fn table(seed: u64, n: usize) -> FlowTable {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let ports = [22u16, 80, 443, 445];
    let flows = (0..n)
        .map(|_| {
            let dns = rng.random_bool(1.0 / 3.0);
            let packets = rng.random_range(1..20u64);
            Flow {
                ts: rng.random_range(0..HOUR),
                proto: if dns { "UDP" } else { "TCP" }.to_string(),
                src_ip: Host::parse(&format!("10.1.0.{}", rng.random_range(1..40))).unwrap(),
                src_port: rng.random_range(1024..65535),
                dst_ip: Host::parse(&format!("172.16.0.{}", rng.random_range(1..20))).unwrap(),
                dst_port: if dns {
                    53
                } else {
                    ports[rng.random_range(0..ports.len())]
                },
                fwd_packets: packets,
                bwd_packets: rng.random_range(0..20),
                fwd_bytes: packets * rng.random_range(40..1500),
                bwd_bytes: rng.random_range(0..30000),
                duration: rng.random_range(0.0..5.0),
                flags: if dns { "......" } else { ".AP.SF" }.to_string(),
                extra: vec![],
            }
        })
        .collect();
    FlowTable {
        extra_columns: vec![],
        flows,
    }
}

fn encode(table: &FlowTable) -> Dataset {
    Dataset::encode(table, Schema::default_features(), &EncodeConfig::default()).unwrap()
}

fn info() -> RunInfo {
    RunInfo {
        inputs: vec!["generated".into()],
        seed: 3,
        encoding: EncodeConfig::default(),
    }
}

/// Saves and reloads a model, checking that nothing changes, the bin
/// edges' floats included.
fn round_trip(model: &Model) -> Model {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("model.json");
    model.save(&path).unwrap();
    let loaded = Model::load(&path).unwrap();
    assert_eq!(loaded.method, model.method);
    assert_eq!(loaded.patterns, model.patterns);
    assert_eq!(loaded.base, model.base);
    assert_eq!(loaded.dictionaries, model.dictionaries);
    assert_eq!(&loaded, model);
    loaded
}

/// Generates `duration` microseconds from the training start, with
/// pattern ids.
fn generate(model: &Model, duration: i64, seed: u64) -> Vec<(Flow, usize)> {
    let config = GenerateConfig {
        start: model.time.start_micros,
        end: EndCondition::Duration(duration),
        seed,
        timing: Timing::Profile,
        with_pattern_ids: true,
        within_bin: Default::default(),
    };
    let generator = Generator::new(model, &config).unwrap();
    let mut out = Vec::new();
    generator
        .run(&mut |flow: &Flow, id| {
            out.push((flow.clone(), id));
            Ok::<_, WriteError>(())
        })
        .unwrap();
    out
}

fn share_of(flows: &[&Flow], proto: &str) -> f64 {
    flows.iter().filter(|f| f.proto == proto).count() as f64 / flows.len() as f64
}

fn assert_in_time_order(flows: &[(Flow, usize)], start: i64, duration: i64) {
    assert!(flows.windows(2).all(|pair| pair[0].0.ts <= pair[1].0.ts));
    assert!(flows
        .iter()
        .all(|(f, _)| f.ts >= start && f.ts < start + duration));
}

#[test]
fn independent_bn_layout() {
    let table = table(11, 3000);
    let data = encode(&table);
    let report = independent_bn(&data, &info()).unwrap();
    let model = round_trip(&report.model);

    assert_eq!(model.method, Method::IndependentBn);
    assert!(model.patterns.is_empty());
    assert_eq!(model.base.usage, data.rows() as u64);
    assert_eq!(model.base.start_ticks, data.ticks);
    assert_eq!(model.base.network.variables(), data.schema.len());
    assert!(report.final_bits < report.initial_bits);
}

#[test]
fn independent_bn_matches_proto_marginal() {
    let table = table(11, 3000);
    let data = encode(&table);
    let model = independent_bn(&data, &info()).unwrap().model;

    // Generate four training spans' worth of flows, so the sampled share
    // has a standard error near 0.004.
    let flows = generate(&model, 4 * HOUR, 5);
    assert_in_time_order(&flows, model.time.start_micros, 4 * HOUR);
    assert!(flows.iter().all(|(_, id)| *id == 0));
    let expected = 4.0 * data.rows() as f64;
    let count = flows.len() as f64;
    assert!(
        (count - expected).abs() < 5.0 * expected.sqrt(),
        "{count} flows generated, about {expected} expected"
    );

    let real: Vec<&Flow> = table.flows.iter().collect();
    let synthetic: Vec<&Flow> = flows.iter().map(|(f, _)| f).collect();
    for proto in ["TCP", "UDP"] {
        let (want, got) = (share_of(&real, proto), share_of(&synthetic, proto));
        assert!(
            (want - got).abs() < 0.02,
            "{proto}: training share {want:.3}, sampled share {got:.3}"
        );
    }

    let real_ports: BTreeSet<u16> = table.flows.iter().map(|f| f.dst_port).collect();
    assert!(synthetic.iter().all(|f| real_ports.contains(&f.dst_port)));
}

#[test]
fn sequence_bn_layout() {
    let table = table(12, 1203);
    let data = encode(&table);
    let rows = data.rows();
    let m = data.schema.len();
    let model = round_trip(&sequence_bn(&data, 5, &info()).unwrap().model);

    assert_eq!(model.method, Method::SequenceBn);
    assert_eq!(model.patterns.len(), 1);
    let entry = &model.patterns[0];
    assert_eq!(entry.rows.len(), 5);
    assert!(entry.rows.iter().all(BTreeMap::is_empty));
    assert_eq!(entry.network.variables(), 5 * m);
    assert_eq!(entry.variables.len(), 5 * m);
    let first = &data.schema.features[0].name;
    let last = &data.schema.features[m - 1].name;
    assert_eq!(entry.variables[0], format!("row 1 {first}"));
    assert_eq!(entry.variables[5 * m - 1], format!("row 5 {last}"));

    assert_eq!(entry.usage, (rows / 5) as u64);
    assert_eq!(entry.start_ticks.len(), rows / 5);
    assert_eq!(entry.start_ticks[1], data.ticks[5]);
    assert_eq!(entry.delays.len(), 4);
    assert!(entry.delays.iter().all(|d| d.len() == rows / 5));
    assert_eq!(entry.delays[0][0], data.ticks[1] - data.ticks[0]);

    assert_eq!(model.base.usage, (rows % 5) as u64);
    assert_eq!(model.base.start_ticks, data.ticks[rows - rows % 5..]);
}

#[test]
fn sequence_bn_generates_windows() {
    let table = table(12, 1203);
    let data = encode(&table);
    let model = sequence_bn(&data, 5, &info()).unwrap().model;

    let flows = generate(&model, 2 * HOUR, 9);
    assert_in_time_order(&flows, model.time.start_micros, 2 * HOUR);
    let from_windows = flows.iter().filter(|(_, id)| *id == 1).count();
    assert!(from_windows > 0);
    let real_protos: BTreeSet<&str> = table.flows.iter().map(|f| f.proto.as_str()).collect();
    assert!(flows
        .iter()
        .all(|(f, _)| real_protos.contains(f.proto.as_str())));
}

#[test]
fn sequence_bn_without_leftover_rows() {
    let table = table(13, 600);
    let data = encode(&table);
    let model = round_trip(&sequence_bn(&data, 4, &info()).unwrap().model);

    assert_eq!(model.patterns[0].usage, 150);
    assert_eq!(model.patterns[0].rows.len(), 4);
    assert_eq!(model.base.usage, 0);
    assert!(model.base.start_ticks.is_empty());
    assert_eq!(model.base.network.variables(), data.schema.len());
}

#[test]
fn sequence_bn_rejects_bad_windows() {
    let table = table(14, 7);
    let data = encode(&table);
    assert!(matches!(
        sequence_bn(&data, 1, &info()),
        Err(BaselineError::InvalidWindow(1))
    ));
    assert!(matches!(
        sequence_bn(&data, 8, &info()),
        Err(BaselineError::TooFewRows { rows: 7, window: 8 })
    ));
}

#[test]
fn baselines_on_cidds_sample() {
    let Some(path) = shared_data("cidds-001/cidds_wk3_1k.csv") else {
        return;
    };
    let (table, _) = read_flows(&[path], &ReadOptions::default()).unwrap();
    let data = encode(&table);
    let day = 24 * HOUR;
    for model in [
        independent_bn(&data, &info()).unwrap().model,
        sequence_bn(&data, 5, &info()).unwrap().model,
    ] {
        let model = round_trip(&model);
        let flows = generate(&model, day, 1);
        assert_in_time_order(&flows, model.time.start_micros, day);
        assert!(!flows.is_empty(), "{:?} generated no flow", model.method);
    }
}
