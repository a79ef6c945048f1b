//! Reader and writer tests on small inline samples whose expected values
//! were worked out by hand.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::*;
use crate::flow::Host;

const SECOND: Micros = MICROS_PER_SECOND;

fn write_file(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn read_text(
    name: &str,
    content: &str,
    options: &ReadOptions,
) -> Result<(FlowTable, ReadSummary), ReadError> {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), name, content.as_bytes());
    read_flows(&[path], options)
}

fn read_ok(name: &str, content: &str) -> (FlowTable, ReadSummary) {
    read_text(name, content, &ReadOptions::default()).unwrap()
}

fn host(text: &str) -> Host {
    Host::parse(text).unwrap()
}

fn ts(text: &str) -> Micros {
    crate::flow::parse_timestamp(text).unwrap()
}

fn to_csv(table: &FlowTable) -> String {
    let mut out = Vec::new();
    let mut writer = flow_writer(OutputFormat::Csv, &table.extra_columns, &mut out);
    for flow in &table.flows {
        writer.write_flow(flow).unwrap();
    }
    writer.finish().unwrap();
    String::from_utf8(out).unwrap()
}

const CIDDS: &str = "\
Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,Bytes,Flows,Flags,Tos,class,attackType,attackID,attackDescription
2017-03-15 00:01:16.632,0.000,TCP  ,192.168.100.5,445,192.168.220.16,58844,1,108,1,.AP...,0,normal,---,---,---
2017-03-15 00:01:16.552,0.100,TCP  ,192.168.220.16,58844,192.168.100.5,445,2,1.2 M,1,.A..S.,0,normal,---,---,---
2017-03-15 00:01:17.000,0.000,ICMP ,192.168.220.14,0,DNS,3.3,1,596,1,......,0,normal,---,---,---
2017-03-15 00:01:18.000,1.000,TCP  ,16972_85,80,192.168.220.16,41413,4,6664,1,.AP..F,0,attacker,dos,1,x
";

#[test]
fn cidds_merges_and_filters_class() {
    let (table, summary) = read_ok("cidds.csv", CIDDS);
    assert_eq!(summary.records_read, 4);
    assert_eq!(summary.dropped_by_label.get("attacker"), Some(&1));
    assert_eq!(summary.unidirectional_records, 3);
    assert_eq!(table.flows.len(), 2);

    // The client's SYN record starts first; the reply follows 80 ms later.
    let tcp = &table.flows[0];
    assert_eq!(tcp.ts, ts("2017-03-15 00:01:16.552"));
    assert_eq!(tcp.proto, "TCP");
    assert_eq!(tcp.src_ip, host("192.168.220.16"));
    assert_eq!(tcp.src_port, 58844);
    assert_eq!(tcp.dst_ip, host("192.168.100.5"));
    assert_eq!(tcp.dst_port, 445);
    assert_eq!((tcp.fwd_packets, tcp.bwd_packets), (2, 1));
    assert_eq!((tcp.fwd_bytes, tcp.bwd_bytes), (1_200_000, 108));
    // Latest end 16.652 minus start 16.552.
    assert_eq!(tcp.duration, 0.1);
    assert_eq!(tcp.flags, ".AP.S.");

    // ICMP keeps its direction: its "ports" are type and code.
    let icmp = &table.flows[1];
    assert_eq!(icmp.proto, "ICMP");
    assert_eq!(icmp.src_ip, host("192.168.220.14"));
    assert_eq!(icmp.dst_ip, host("DNS"));
    assert_eq!(icmp.dst_port, 3 * 256 + 3);
    assert_eq!(icmp.fwd_bytes, 596);
}

#[test]
fn cidds_without_class_keeps_all() {
    let content = "\
Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,Bytes,Flows,Flags
2017-04-11 15:31:29.795,0.639,TCP,11529_47,80,192.168.220.14,41413,4,6664,1,.AP...
";
    let (table, summary) = read_ok("cidds.csv", content);
    assert_eq!(summary.dropped_total(), 0);
    assert_eq!(table.flows.len(), 1);
    // Source port 80 is lower than 41413, so the sides are swapped.
    let flow = &table.flows[0];
    assert_eq!(flow.src_ip, host("192.168.220.14"));
    assert_eq!(flow.dst_port, 80);
    assert_eq!((flow.fwd_bytes, flow.bwd_bytes), (0, 6664));
}

const NFDUMP: &str = "\
te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,lable
2016-04-11 00:01:43,0.0,42.219.153.165,194.233.75.86,80,37938,TCP,.A...F,0,0,1,52,background
2016-04-11 00:01:43,0.168,194.233.75.86,42.219.153.165,37938,80,TCP,.A...F,0,0,2,104,background
2016-04-11 00:04:00,0.5,194.233.75.86,42.219.153.165,37938,80,TCP,....S.,0,0,1,40,background
2016-04-11 00:05:00,1.0,10.0.0.1,10.0.0.2,5000,53,UDP,......,0,0,1,60,blacklist
Summary
flows,bytes,packets,avg_bps,avg_pps,avg_bpp
4,256,5,0,0,0
";

#[test]
fn nfdump_end_time_and_timeout_split() {
    let (table, summary) = read_ok("ugr.csv", NFDUMP);
    assert_eq!(summary.records_read, 4);
    assert_eq!(summary.dropped_by_label.get("blacklist"), Some(&1));
    assert_eq!(summary.sessions_built, 2);
    assert_eq!(table.flows.len(), 2);

    // Starts: 00:01:42.832 (client) and 00:01:43 (server); the first record
    // is the client's, so no swap.
    let first = &table.flows[0];
    assert_eq!(first.ts, ts("2016-04-11 00:01:42.832"));
    assert_eq!(first.src_ip, host("194.233.75.86"));
    assert_eq!(first.src_port, 37938);
    assert_eq!(first.dst_port, 80);
    assert_eq!((first.fwd_packets, first.bwd_packets), (2, 1));
    assert_eq!((first.fwd_bytes, first.bwd_bytes), (104, 52));
    assert_eq!(first.duration, 0.168);
    assert_eq!(first.flags, ".A...F");

    // Starts 00:03:59.5, 136.5 s after the latest end: a new session.
    let second = &table.flows[1];
    assert_eq!(second.ts, ts("2016-04-11 00:03:59.5"));
    assert_eq!((second.fwd_packets, second.bwd_packets), (1, 0));
    assert_eq!(second.flags, "....S.");
}

#[test]
fn nfdump_longer_timeout_merges() {
    let options = ReadOptions {
        session_timeout_secs: 200.0,
        ..ReadOptions::default()
    };
    let (table, _) = read_text("ugr.csv", NFDUMP, &options).unwrap();
    assert_eq!(table.flows.len(), 1);
    let flow = &table.flows[0];
    assert_eq!((flow.fwd_packets, flow.bwd_packets), (3, 1));
    assert_eq!((flow.fwd_bytes, flow.bwd_bytes), (144, 52));
    assert_eq!(flow.flags, ".A..SF");
    // From 00:01:42.832 to 00:04:00.
    assert_eq!(flow.duration, 137.168);
}

#[test]
fn keep_label_overrides_default() {
    let options = ReadOptions {
        keep_labels: Some(vec!["BlackList".to_string()]),
        ..ReadOptions::default()
    };
    let (table, summary) = read_text("ugr.csv", NFDUMP, &options).unwrap();
    assert_eq!(table.flows.len(), 1);
    assert_eq!(table.flows[0].proto, "UDP");
    assert_eq!(summary.dropped_by_label.get("background"), Some(&3));
}

const ZEEK: &str = "#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tconn
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tlabel
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tstring\tcount\tcount\tcount\tcount\tset[string]\tstring
1655071198.444458\tCHLX\t147.32.81.167\t62771\t40.74.108.123\t443\ttcp\tssl\t1.135424\t1596\t4039\tSF\tShADdaFf\t14\t1016\t16\t1226\t(empty)\tBenign
1379288848.201008\tCem2\t2001:db8::1\t3\t2001:db8::2\t3\ticmp\t-\t-\t-\t-\tOTH\t-\t1\t72\t0\t0\t(empty)\tMalicious
#close\t2022-06-17-00-00-07
";

#[test]
fn zeek_tsv_maps_fields() {
    let (table, summary) = read_ok("conn.log", ZEEK);
    assert_eq!(summary.records_read, 2);
    assert_eq!(
        table.extra_columns,
        [
            "service",
            "orig_bytes",
            "resp_bytes",
            "conn_state",
            "tunnel_parents",
            "label"
        ]
    );
    let icmp = &table.flows[0];
    assert_eq!(icmp.ts, 1_379_288_848_201_008);
    assert_eq!(icmp.proto, "ICMP");
    assert_eq!(icmp.src_ip, host("2001:db8::1"));
    assert_eq!((icmp.src_port, icmp.dst_port), (3, 3));
    assert_eq!(icmp.duration, 0.0);
    assert_eq!((icmp.fwd_packets, icmp.bwd_packets), (1, 0));
    assert_eq!((icmp.fwd_bytes, icmp.bwd_bytes), (72, 0));
    assert_eq!(icmp.flags, "......");
    assert_eq!(icmp.extra[0], None);
    assert_eq!(icmp.extra[4], Some(String::new()));

    let tcp = &table.flows[1];
    assert_eq!(tcp.ts, 1_655_071_198_444_458);
    assert_eq!(tcp.dst_port, 443);
    assert_eq!(tcp.duration, 1.135424);
    assert_eq!((tcp.fwd_packets, tcp.bwd_packets), (14, 16));
    // IP-level bytes, not the payload bytes.
    assert_eq!((tcp.fwd_bytes, tcp.bwd_bytes), (1016, 1226));
    assert_eq!(tcp.flags, ".AP.SF");
    assert_eq!(tcp.extra[0].as_deref(), Some("ssl"));
    assert_eq!(tcp.extra[1].as_deref(), Some("1596"));
    assert_eq!(tcp.extra[5].as_deref(), Some("Benign"));
}

#[test]
fn zeek_label_filter_when_requested() {
    let options = ReadOptions {
        keep_labels: Some(vec!["benign".to_string()]),
        ..ReadOptions::default()
    };
    let (table, summary) = read_text("conn.log", ZEEK, &options).unwrap();
    assert_eq!(table.flows.len(), 1);
    assert_eq!(summary.dropped_by_label.get("Malicious"), Some(&1));
}

#[test]
fn zeek_json_matches_tsv() {
    let content = r#"{"ts":1655071198.444458,"uid":"CHLX","id.orig_h":"147.32.81.167","id.orig_p":62771,"id.resp_h":"40.74.108.123","id.resp_p":443,"proto":"tcp","service":"ssl","duration":1.135424,"orig_bytes":1596,"resp_bytes":4039,"conn_state":"SF","local_orig":true,"history":"ShADdaFf","orig_pkts":14,"orig_ip_bytes":1016,"resp_pkts":16,"resp_ip_bytes":1226}
{"ts":"2013-09-15T23:47:28.201008Z","id.orig_h":"109.67.16.18","id.orig_p":3,"id.resp_h":"192.168.33.10","id.resp_p":3,"proto":"icmp","orig_pkts":1,"orig_ip_bytes":72,"resp_pkts":0,"resp_ip_bytes":0}
"#;
    let (table, summary) = read_ok("conn.json", content);
    assert_eq!(summary.files[0].1, Format::ZeekJson);
    assert_eq!(table.flows.len(), 2);
    let icmp = &table.flows[0];
    assert_eq!(icmp.ts, 1_379_288_848_201_008);
    assert_eq!(icmp.duration, 0.0);
    assert_eq!(icmp.flags, "");
    let tcp = &table.flows[1];
    assert_eq!(tcp.ts, 1_655_071_198_444_458);
    assert_eq!((tcp.fwd_bytes, tcp.bwd_bytes), (1016, 1226));
    assert_eq!(tcp.flags, ".AP.SF");
    let local_orig = table.extra_index("local_orig").unwrap();
    assert_eq!(tcp.extra[local_orig].as_deref(), Some("T"));
    assert_eq!(icmp.extra[local_orig], None);
    let orig_bytes = table.extra_index("orig_bytes").unwrap();
    assert_eq!(tcp.extra[orig_bytes].as_deref(), Some("1596"));
}

#[test]
fn canonical_accepts_float_integers() {
    let content = "\
ts,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,bwd_packets,fwd_bytes,bwd_bytes,duration,flags,service
1460332903.5,tcp,10.0.0.1,40000.0,10.0.0.2,80.0,3.0,2,300,2000.0,1.25,,http
2016-04-11T00:01:43Z,UDP,fe80::1,53,fe80::2,53,1,1,60,120,0,.A..S.,
";
    let (table, _) = read_ok("flows.csv", content);
    assert_eq!(table.extra_columns, ["service"]);
    let first = &table.flows[0];
    assert_eq!(first.ts, 1_460_332_903_000_000);
    assert_eq!(first.proto, "UDP");
    assert_eq!(first.extra, vec![None]);
    let second = &table.flows[1];
    assert_eq!(second.ts, 1_460_332_903_500_000);
    assert_eq!(second.proto, "TCP");
    assert_eq!((second.src_port, second.dst_port), (40000, 80));
    assert_eq!((second.fwd_packets, second.bwd_bytes), (3, 2000));
    assert_eq!(second.duration, 1.25);
    assert_eq!(second.flags, "");
    assert_eq!(second.extra, vec![Some("http".to_string())]);
}

#[test]
fn canonical_csv_text_is_exact() {
    let (table, _) = read_ok("ugr.csv", NFDUMP);
    let expected = "\
ts,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,bwd_packets,fwd_bytes,bwd_bytes,duration,flags
2016-04-11T00:01:42.832000Z,TCP,194.233.75.86,37938,42.219.153.165,80,2,1,104,52,0.168,.A...F
2016-04-11T00:03:59.500000Z,TCP,194.233.75.86,37938,42.219.153.165,80,1,0,40,0,0.5,....S.
";
    assert_eq!(to_csv(&table), expected);
}

#[test]
fn csv_round_trip_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [("c.csv", CIDDS), ("u.csv", NFDUMP), ("z.log", ZEEK)] {
        let input = write_file(dir.path(), name, content.as_bytes());
        let (table, _) = read_flows(&[input], &ReadOptions::default()).unwrap();
        let first = dir.path().join(format!("{name}.1.csv"));
        write_flows(&first, OutputFormat::Csv, &table).unwrap();
        let (again, _) = read_flows(std::slice::from_ref(&first), &ReadOptions::default()).unwrap();
        let second = dir.path().join(format!("{name}.2.csv"));
        write_flows(&second, OutputFormat::Csv, &again).unwrap();
        assert_eq!(
            std::fs::read(&first).unwrap(),
            std::fs::read(&second).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn zeek_output_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(dir.path(), "z.log", ZEEK.as_bytes());
    let (table, _) = read_flows(&[input], &ReadOptions::default()).unwrap();
    let zeek = dir.path().join("out.log");
    write_flows(&zeek, OutputFormat::Zeek, &table).unwrap();
    let (again, summary) = read_flows(&[zeek], &ReadOptions::default()).unwrap();
    assert_eq!(summary.files[0].1, Format::ZeekTsv);
    assert_eq!(again, table);
}

#[test]
fn gzip_and_folder_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("logs");
    std::fs::create_dir(&folder).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(NFDUMP.as_bytes()).unwrap();
    write_file(&folder, "b.csv.gz", &encoder.finish().unwrap());
    write_file(&folder, "a.log", ZEEK.as_bytes());
    write_file(&folder, ".hidden", b"not flows");
    let (table, summary) = read_flows(&[folder], &ReadOptions::default()).unwrap();
    let formats: Vec<Format> = summary.files.iter().map(|(_, f)| *f).collect();
    assert_eq!(formats, [Format::ZeekTsv, Format::Nfdump]);
    assert_eq!(table.flows.len(), 4);
    // Sessions carry no Zeek extras.
    assert!(table.flows.iter().all(|f| f.extra.len() == 6));
    let times: Vec<Micros> = table.flows.iter().map(|f| f.ts).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
}

#[test]
fn explicit_format_skips_detection() {
    let options = ReadOptions {
        format: Some(Format::Nfdump),
        ..ReadOptions::default()
    };
    let (table, _) = read_text("x.txt", NFDUMP, &options).unwrap();
    assert_eq!(table.flows.len(), 2);
    let wrong = ReadOptions {
        format: Some(Format::Canonical),
        ..ReadOptions::default()
    };
    let error = read_text("x.txt", NFDUMP, &wrong).unwrap_err();
    assert!(matches!(error, ReadError::MissingColumn { .. }), "{error}");
}

/// Bad inputs and the start of the message each must give.
#[test]
fn bad_inputs_give_located_errors() {
    let nfdump_header = "te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,lable\n";
    let good =
        "2016-04-11 00:01:43,0.168,10.0.0.1,10.0.0.2,37938,80,TCP,.A...F,0,0,2,104,background\n";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "missing column",
            "te,td,sa,da,sp,dp,pr,flg,pkt,lable\n".to_string(),
            "missing required column \"byt\"",
        ),
        (
            "unparsable number",
            format!("{nfdump_header}{good}2016-04-11 00:01:43,0.x,10.0.0.1,10.0.0.2,1,80,TCP,.A...F,0,0,2,104,background\n"),
            ":3: column \"td\": invalid number \"0.x\" (expected non-negative seconds, e.g. 0.168)",
        ),
        (
            "invalid address",
            format!("{nfdump_header}2016-04-11 00:01:43,0.1,10.0.0.300,10.0.0.2,1,80,TCP,.A...F,0,0,2,104,background\n"),
            ":2: column \"sa\": invalid IP address \"10.0.0.300\"",
        ),
        (
            "wrong field count",
            format!("{nfdump_header}{good}2016-04-11 00:01:43,0.1,10.0.0.1\n"),
            ":3: 3 fields, but the header has 13",
        ),
        ("empty file", String::new(), "the file is empty"),
        ("blank file", "\n\n".to_string(), "the file is empty"),
        (
            "unknown format",
            "a,b,c\n1,2,3\n".to_string(),
            "cannot detect the format from the first line \"a,b,c\"",
        ),
        (
            "zeek without fields",
            "#separator \\x09\n1.0\t10.0.0.1\n".to_string(),
            ":2: invalid header: a data line comes before the #fields line",
        ),
        (
            "zeek missing ts",
            "#fields\tid.orig_h\n".to_string(),
            "missing required column \"ts\"",
        ),
        (
            "bad json",
            "{\"ts\": 1.0, \"proto\": \"udp\"}\n".to_string(),
            ":1: column \"id.orig_h\": missing value",
        ),
        (
            "invalid json",
            "{\"ts\": 1.0, \"proto\": \"udp\", \"id.orig_h\": \"10.0.0.1\", \"id.resp_h\": \"10.0.0.2\"}\n{not json\n".to_string(),
            ":2: invalid JSON: key must be a string",
        ),
        (
            "canonical bad flags",
            "ts,proto,src_ip,dst_ip,dst_port,fwd_packets,bwd_packets,fwd_bytes,bwd_bytes,duration,flags\n0,TCP,10.0.0.1,10.0.0.2,80,1,1,1,1,0,XYZ\n".to_string(),
            ":2: column \"flags\": invalid TCP flags \"XYZ\"",
        ),
        (
            "canonical negative counter",
            "ts,proto,src_ip,dst_ip,dst_port,fwd_packets,bwd_packets,fwd_bytes,bwd_bytes,duration\n0,TCP,10.0.0.1,10.0.0.2,80,-1,1,1,1,0\n".to_string(),
            ":2: column \"fwd_packets\": invalid number \"-1\"",
        ),
    ];
    for (kind, content, expected) in cases {
        let error = read_text("bad.csv", &content, &ReadOptions::default()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(expected), "{kind}: {message}");
        assert!(message.contains("bad.csv"), "{kind}: {message}");
    }
}

#[test]
fn non_utf8_field_is_located() {
    let mut content = b"te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,lable\n".to_vec();
    content.extend_from_slice(
        b"2016-04-11 00:01:43,0.1,10.0.0.1,10.0.0.2,1,80,T\xffP,.A...F,0,0,2,104,background\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "bad.csv", &content);
    let error = read_flows(&[path], &ReadOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}:2: invalid UTF-8 in column \"pr\" (expected UTF-8 text)",
            dir.path().join("bad.csv").display()
        )
    );
}

#[test]
fn truncated_gzip_is_an_error() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(b"te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,lable\n")
        .unwrap();
    for i in 0..5000 {
        let line = format!(
            "2016-04-11 00:01:43,0.1,10.0.{}.{},10.0.0.2,{i},80,TCP,.A...F,0,0,2,{i},background\n",
            i % 256,
            i / 256
        );
        encoder.write_all(line.as_bytes()).unwrap();
    }
    let compressed = encoder.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "cut.csv.gz",
        &compressed[..compressed.len() / 2],
    );
    let error = read_flows(&[path], &ReadOptions::default()).unwrap_err();
    assert!(matches!(error, ReadError::Io { .. }), "{error}");
    assert!(error.to_string().contains("cut.csv.gz:"), "{error}");
}

#[test]
fn skip_invalid_counts_reasons() {
    let content = format!(
        "{}{}{}{}",
        "te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,lable\n",
        "2016-04-11 00:01:43,0.x,10.0.0.1,10.0.0.2,1,80,TCP,.A...F,0,0,2,104,background\n",
        "2016-04-11 00:01:43,0.1,10.0.0.1\n",
        "2016-04-11 00:01:43,0.1,10.0.0.1,10.0.0.2,40000,80,TCP,.A...F,0,0,2,104,background\n",
    );
    let options = ReadOptions {
        skip_invalid: true,
        ..ReadOptions::default()
    };
    let (table, summary) = read_text("ugr.csv", &content, &options).unwrap();
    assert_eq!(table.flows.len(), 1);
    assert_eq!(summary.records_read, 3);
    assert_eq!(
        summary.skipped.get("invalid number in column \"td\""),
        Some(&1)
    );
    assert_eq!(summary.skipped.get("wrong field count"), Some(&1));
    let text = summary.to_string();
    assert!(text.contains("records skipped: 2"), "{text}");
}

#[test]
fn invalid_timeout_is_rejected() {
    let options = ReadOptions {
        session_timeout_secs: -1.0,
        ..ReadOptions::default()
    };
    let error = read_text("ugr.csv", NFDUMP, &options).unwrap_err();
    assert!(matches!(error, ReadError::InvalidTimeout { .. }));
}

#[test]
fn format_names_round_trip() {
    for format in Format::ALL {
        assert_eq!(format.name().parse::<Format>(), Ok(format));
    }
    assert!("netflow".parse::<Format>().is_err());
    assert_eq!("zeek".parse::<OutputFormat>(), Ok(OutputFormat::Zeek));
}

#[test]
fn summary_display_lists_counts() {
    let (_, summary) = read_ok("ugr.csv", NFDUMP);
    let text = summary.to_string();
    assert!(text.contains("files read: 1 (nfdump: 1)"), "{text}");
    assert!(text.contains("records read: 4"), "{text}");
    assert!(
        text.contains("records dropped by label: 1 (blacklist: 1)"),
        "{text}"
    );
    assert!(
        text.contains("merged: 3 into 2 bidirectional sessions"),
        "{text}"
    );
    assert!(
        text.contains("time span: 2016-04-11T00:01:42.832000Z"),
        "{text}"
    );
    let _ = SECOND;
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    fn read_bytes(format: Option<Format>, bytes: &[u8]) {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "input", bytes);
        for skip_invalid in [false, true] {
            let options = ReadOptions {
                format,
                skip_invalid,
                ..ReadOptions::default()
            };
            let _ = read_flows(std::slice::from_ref(&path), &options);
        }
    }

    const HEADERS: [&str; 5] = [
        "Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,Bytes,Flows,Flags,class\n",
        "te,td,sa,da,sp,dp,pr,flg,fwd,stos,pkt,byt,lable\n",
        "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\torig_pkts\tresp_pkts\torig_ip_bytes\tresp_ip_bytes\thistory\n",
        "{\"ts\":1.5,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2,\"proto\":\"tcp\"}\n",
        "ts,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,bwd_packets,fwd_bytes,bwd_bytes,duration,flags\n",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            read_bytes(None, &bytes);
            for format in Format::ALL {
                read_bytes(Some(format), &bytes);
            }
        }

        #[test]
        fn random_lines_after_header(
            header in 0usize..5,
            lines in proptest::collection::vec("[-0-9a-zA-Z.:,\t {}\"_ ]{0,80}", 0..6),
        ) {
            let mut content = HEADERS[header].to_string();
            for line in lines {
                content.push_str(&line);
                content.push('\n');
            }
            read_bytes(None, content.as_bytes());
            read_bytes(Some(Format::ALL[header]), content.as_bytes());
        }

        #[test]
        fn mutated_valid_records(position in 0usize..400, byte in any::<u8>(), sample in 0usize..3) {
            let mut content = [CIDDS, NFDUMP, ZEEK][sample].as_bytes().to_vec();
            let position = position % content.len();
            content[position] = byte;
            read_bytes(None, &content);
        }
    }
}
