//! Reading the real traffic samples: record counts, conservation of
//! packets and bytes through session building, and byte-identical round
//! trips. Expected sums are computed here by a plain line-by-line parse,
//! independent of the readers under test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use flowchronicle::flow::FlowTable;
use flowchronicle::io::{read_flows, write_flows, OutputFormat, ReadOptions};
use flowchronicle::testdata::shared_data;

fn read_default(path: &Path) -> (FlowTable, flowchronicle::io::ReadSummary) {
    read_flows(&[path.to_path_buf()], &ReadOptions::default()).unwrap()
}

fn packet_and_byte_sums(table: &FlowTable) -> (u64, u64) {
    let packets = table
        .flows
        .iter()
        .map(|f| f.fwd_packets + f.bwd_packets)
        .sum();
    let bytes = table.flows.iter().map(|f| f.fwd_bytes + f.bwd_bytes).sum();
    (packets, bytes)
}

#[test]
fn ugr16_sessions_conserve_counters() {
    let Some(path) = shared_data("ugr16/ugr16_day1_10hosts.csv.gz") else {
        return;
    };
    let decoder = flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap());
    let (mut rows, mut kept, mut packets, mut bytes) = (0u64, 0u64, 0u64, 0u64);
    for line in BufReader::new(decoder).lines().skip(1) {
        let line = line.unwrap();
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 13, "{line}");
        rows += 1;
        if fields[12] == "background" {
            kept += 1;
            packets += fields[10].parse::<u64>().unwrap();
            bytes += fields[11].parse::<u64>().unwrap();
        }
    }
    assert_eq!(rows, 130_773);

    let (table, summary) = read_default(&path);
    assert_eq!(summary.records_read, rows);
    assert_eq!(summary.unidirectional_records, kept);
    assert_eq!(summary.dropped_total(), rows - kept);
    assert_eq!(packet_and_byte_sums(&table), (packets, bytes));
    assert!(table.flows.len() < kept as usize);
    assert!(table.flows.windows(2).all(|w| w[0].ts <= w[1].ts));
}

#[test]
fn cidds_sample_conserves_counters() {
    let Some(path) = shared_data("cidds-001/cidds_wk3_8k.csv") else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let (mut packets, mut bytes) = (0u64, 0u64);
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        packets += fields[7].trim().parse::<u64>().unwrap();
        bytes += fields[8].trim().parse::<u64>().unwrap();
    }
    let (table, summary) = read_default(&path);
    assert_eq!(summary.records_read, 8_192);
    assert_eq!(summary.unidirectional_records, 8_192);
    assert_eq!(packet_and_byte_sums(&table), (packets, bytes));
}

#[test]
fn zeek_folder_keeps_every_record() {
    let Some(folder) = shared_data("zeek/rita-3days") else {
        return;
    };
    let (table, summary) = read_default(&folder);
    assert_eq!(summary.files.len(), 72);
    assert_eq!(summary.records_read, 105_918);
    assert_eq!(table.flows.len(), 105_918);
    assert_eq!(summary.sessions_built, 0);
    assert!(table.extra_index("_node_name").is_some());
}

#[test]
fn zeek_labeled_logs_read() {
    let Some(folder) = shared_data("zeek/ctu-normal") else {
        return;
    };
    let (table, _) = read_default(&folder);
    assert_eq!(table.flows.len(), 5_663 + 9_048);
    let label = table.extra_index("label").unwrap();
    let options = ReadOptions {
        keep_labels: Some(vec!["Benign".to_string()]),
        ..ReadOptions::default()
    };
    let (benign, summary) = read_flows(&[folder], &options).unwrap();
    assert!(benign
        .flows
        .iter()
        .all(|f| f.extra[label].as_deref() == Some("Benign")));
    assert_eq!(
        benign.flows.len() as u64 + summary.dropped_total(),
        table.flows.len() as u64
    );
}

fn assert_round_trip(input: PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (table, _) = read_default(&input);
    let first = dir.path().join("first.csv");
    write_flows(&first, OutputFormat::Csv, &table).unwrap();
    let (again, _) = read_default(&first);
    let second = dir.path().join("second.csv");
    write_flows(&second, OutputFormat::Csv, &again).unwrap();
    let first_bytes = std::fs::read(&first).unwrap();
    assert!(
        first_bytes == std::fs::read(&second).unwrap(),
        "{}",
        input.display()
    );
}

#[test]
fn real_data_round_trips() {
    for relative in [
        "ugr16/ugr16_day1_10hosts.csv.gz",
        "cidds-001/cidds_wk3_8k.csv",
        "zeek/zat/conn.log",
        "zeek/rita-3days",
    ] {
        if let Some(path) = shared_data(relative) {
            assert_round_trip(path);
        }
    }
}
