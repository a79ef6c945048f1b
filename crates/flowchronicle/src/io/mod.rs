//! Reading flow records. This build reads only the canonical CSV
//! (`ts,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,bwd_packets,fwd_bytes,bwd_bytes,duration,flags`
//! followed by any extra columns).

use std::fs::File;
use std::path::PathBuf;

use crate::flow::{parse_timestamp, Flow, FlowTable, Host};

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Cidds,
    Nfdump,
    ZeekTsv,
    ZeekJson,
    Canonical,
}

/// Options for [`read_flows`].
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Input format, detected from the header when `None`.
    pub format: Option<Format>,
    /// Skip invalid rows instead of failing.
    pub skip_invalid: bool,
    /// Label values whose rows are kept; all rows when `None`.
    pub keep_labels: Option<Vec<String>>,
    /// Idle time in seconds that ends a session.
    pub session_timeout_secs: f64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            skip_invalid: false,
            keep_labels: None,
            session_timeout_secs: 120.0,
        }
    }
}

/// Counts of what [`read_flows`] read and skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSummary {
    pub rows_read: usize,
    pub rows_skipped: usize,
}

/// An error while reading input, with the file and the row.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ReadError {
    pub path: PathBuf,
    pub message: String,
}

const CANONICAL: [&str; 12] = [
    "ts",
    "proto",
    "src_ip",
    "src_port",
    "dst_ip",
    "dst_port",
    "fwd_packets",
    "bwd_packets",
    "fwd_bytes",
    "bwd_bytes",
    "duration",
    "flags",
];

/// Reads flows from canonical CSV files into one table.
pub fn read_flows(
    inputs: &[PathBuf],
    options: &ReadOptions,
) -> Result<(FlowTable, ReadSummary), ReadError> {
    let mut table = FlowTable::default();
    let mut summary = ReadSummary::default();
    for path in inputs {
        let fail = |message: String| ReadError {
            path: path.clone(),
            message,
        };
        if !matches!(options.format, None | Some(Format::Canonical)) {
            return Err(fail(
                "only the canonical CSV format can be read by this build".into(),
            ));
        }
        let file = File::open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
        let mut reader = csv::Reader::from_reader(file);
        let header = reader
            .headers()
            .map_err(|e| fail(format!("cannot read the header: {e}")))?
            .clone();
        if header.len() < CANONICAL.len() || header.iter().zip(CANONICAL).any(|(a, b)| a != b) {
            return Err(fail(format!(
                "not a canonical flow CSV: the header must start with {}",
                CANONICAL.join(",")
            )));
        }
        let extra: Vec<String> = header
            .iter()
            .skip(CANONICAL.len())
            .map(String::from)
            .collect();
        if table.flows.is_empty() {
            table.extra_columns = extra;
        } else if table.extra_columns != extra {
            return Err(fail("extra columns differ from the first input's".into()));
        }
        for (index, record) in reader.records().enumerate() {
            let row = index + 2;
            let parsed = record
                .map_err(|e| e.to_string())
                .and_then(|r| parse_row(&r));
            match parsed {
                Ok(flow) => {
                    table.flows.push(flow);
                    summary.rows_read += 1;
                }
                Err(message) if options.skip_invalid => {
                    log::debug!("{}: row {row}: {message}", path.display());
                    summary.rows_skipped += 1;
                }
                Err(message) => return Err(fail(format!("row {row}: {message}"))),
            }
        }
    }
    Ok((table, summary))
}

fn parse_row(record: &csv::StringRecord) -> Result<Flow, String> {
    let field = |i: usize| record.get(i).unwrap_or("");
    fn number<T: std::str::FromStr>(text: &str, name: &str) -> Result<T, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("invalid {name} {text:?}"))
    }
    let host = |i: usize, name: &str| {
        Host::parse(field(i)).map_err(|e| format!("invalid {name} {:?}: {e}", field(i)))
    };
    Ok(Flow {
        ts: parse_timestamp(field(0)).ok_or_else(|| format!("invalid ts {:?}", field(0)))?,
        proto: field(1).trim().to_ascii_uppercase(),
        src_ip: host(2, "src_ip")?,
        src_port: number(field(3), "src_port")?,
        dst_ip: host(4, "dst_ip")?,
        dst_port: number(field(5), "dst_port")?,
        fwd_packets: number(field(6), "fwd_packets")?,
        bwd_packets: number(field(7), "bwd_packets")?,
        fwd_bytes: number(field(8), "fwd_bytes")?,
        bwd_bytes: number(field(9), "bwd_bytes")?,
        duration: number(field(10), "duration")?,
        flags: field(11).to_string(),
        extra: (12..record.len())
            .map(|i| Some(field(i).to_string()).filter(|v| !v.is_empty()))
            .collect(),
    })
}
