//! Mining finds a sequence planted among unrelated flows: clients resolve a
//! name at one DNS server, then open an HTTPS connection from the same
//! address a few hundred milliseconds later.

use flowchronicle::dataset::{Dataset, EncodeConfig, Schema};
use flowchronicle::fit::{fit, RunInfo};
use flowchronicle::flow::{Flow, FlowTable, Host};
use flowchronicle::model::CellValue;
use flowchronicle::search::SearchConfig;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SECOND: i64 = 1_000_000;

fn flow(
    ts: i64,
    proto: &str,
    src: String,
    dst: String,
    dst_port: u16,
    rng: &mut ChaCha8Rng,
) -> Flow {
    let packets = rng.random_range(1..20u64);
    Flow {
        ts,
        proto: proto.to_string(),
        src_ip: Host::parse(&src).unwrap(),
        src_port: rng.random_range(1024..65535),
        dst_ip: Host::parse(&dst).unwrap(),
        dst_port,
        fwd_packets: packets,
        bwd_packets: rng.random_range(0..20),
        fwd_bytes: packets * rng.random_range(40..1500),
        bwd_bytes: rng.random_range(0..30000),
        duration: rng.random_range(0.0..5.0),
        flags: if proto == "TCP" {
            ".AP.SF".into()
        } else {
            "......".into()
        },
        extra: vec![],
    }
}

/// Builds 300 planted DNS-then-HTTPS sequences among 3,000 noise flows
/// spread over one hour.
pub fn planted_table(seed: u64) -> FlowTable {
    planted_table_sized(seed, 300, 3000)
}

/// Builds `plants` DNS-then-HTTPS sequences among `noise` unrelated flows.
pub fn planted_table_sized(seed: u64, plants: usize, noise: usize) -> FlowTable {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut flows = Vec::new();
    for _ in 0..plants {
        let t = rng.random_range(0..3600 * SECOND);
        let client = format!("10.1.0.{}", rng.random_range(1..60));
        let mut dns = flow(t, "UDP", client.clone(), "10.0.0.53".into(), 53, &mut rng);
        dns.fwd_packets = 1;
        dns.bwd_packets = 1;
        dns.fwd_bytes = 70;
        dns.bwd_bytes = 130;
        dns.duration = 0.001;
        flows.push(dns);
        let delay = rng.random_range(200_000..400_000);
        let server = format!(
            "93.184.{}.{}",
            rng.random_range(0..4),
            rng.random_range(1..250)
        );
        flows.push(flow(t + delay, "TCP", client, server, 443, &mut rng));
    }
    let ports = [22u16, 80, 123, 25, 8080, 3389, 445];
    for _ in 0..noise {
        let t = rng.random_range(0..3600 * SECOND);
        let src = format!(
            "10.2.{}.{}",
            rng.random_range(0..3),
            rng.random_range(1..250)
        );
        let dst = format!(
            "172.16.{}.{}",
            rng.random_range(0..3),
            rng.random_range(1..250)
        );
        let port = ports[rng.random_range(0..ports.len())];
        let proto = if port == 123 { "UDP" } else { "TCP" };
        flows.push(flow(t, proto, src, dst, port, &mut rng));
    }
    FlowTable {
        extra_columns: vec![],
        flows,
    }
}

#[test]
fn fit_finds_planted_dns_then_https() {
    let table = planted_table(7);
    let data =
        Dataset::encode(&table, Schema::default_features(), &EncodeConfig::default()).unwrap();
    let info = RunInfo {
        inputs: vec!["planted".into()],
        seed: 7,
        encoding: EncodeConfig::default(),
    };
    let report = fit(&data, SearchConfig::default(), info, &|_| {}).unwrap();
    assert!(report.final_bits < report.initial_bits);

    // Windows of the planted sequence may be split among patterns that fix
    // more cells of it; together they must cover most of the 300 plants.
    let linked: Vec<_> = report
        .model
        .patterns
        .iter()
        .filter(|p| {
            p.rows.len() == 2
                && p.rows[0].get("dst_port") == Some(&CellValue::Fix("53".into()))
                && p.rows[1].get("dst_port") == Some(&CellValue::Fix("443".into()))
                && matches!(
                    (p.rows[0].get("src_ip"), p.rows[1].get("src_ip")),
                    (Some(CellValue::Set(x)), Some(CellValue::Use(y))) if x == y
                )
        })
        .collect();
    let listing: Vec<String> = report
        .model
        .patterns
        .iter()
        .map(|p| format!("{:?} usage {}", p.rows, p.usage))
        .collect();
    assert!(
        !linked.is_empty(),
        "no DNS-then-HTTPS pattern among:\n{}",
        listing.join("\n")
    );
    let usage: u64 = linked.iter().map(|p| p.usage).sum();
    assert!(usage >= 200, "usage {usage} among:\n{}", listing.join("\n"));
}

fn fit_json(table: &FlowTable, threads: usize) -> (String, Vec<f64>) {
    let data =
        Dataset::encode(table, Schema::default_features(), &EncodeConfig::default()).unwrap();
    let info = RunInfo {
        inputs: vec!["planted".into()],
        seed: 1,
        encoding: EncodeConfig::default(),
    };
    let totals = std::sync::Mutex::new(Vec::new());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let report = pool
        .install(|| {
            fit(&data, SearchConfig::default(), info, &|status| {
                totals.lock().unwrap().push(status.total_bits);
            })
        })
        .unwrap();
    let mut totals = totals.into_inner().unwrap();
    totals.insert(0, report.initial_bits);
    totals.push(report.final_bits);
    (serde_json::to_string(&report.model).unwrap(), totals)
}

#[test]
fn same_model_with_one_and_two_threads() {
    let table = planted_table_sized(3, 80, 800);
    let (one, _) = fit_json(&table, 1);
    let (two, _) = fit_json(&table, 2);
    assert!(one == two, "models differ between 1 and 2 threads");
}

#[test]
fn description_length_never_grows() {
    let table = planted_table_sized(5, 80, 800);
    let (_, totals) = fit_json(&table, 2);
    assert!(totals.len() > 2, "no pattern was accepted");
    for pair in totals.windows(2) {
        assert!(
            pair[1] <= pair[0] + 1e-6,
            "length grew from {} to {}",
            pair[0],
            pair[1]
        );
        assert!(pair[1] >= 0.0);
    }
    assert!(totals[totals.len() - 1] < totals[0]);
}
