//! Input options shared by every subcommand that reads flow records.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use flowchronicle::flow::FlowTable;
use flowchronicle::io::{read_flows, Format, ReadOptions, ReadSummary};

/// Input files and how to read them.
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// Input files or folders (a folder contributes its files in name
    /// order). Gzip-compressed files are decompressed on the fly.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Input format: cidds, nfdump, zeek, zeek-json or csv. Detected from
    /// each file's first line when not given.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Keep only records with this label (repeatable; ASCII case ignored).
    /// Default: the benign label of NetFlow inputs (CIDDS-001 "normal",
    /// UGR'16 "background") and every record of other inputs.
    #[arg(long = "keep-label", value_name = "LABEL")]
    pub keep_labels: Vec<String>,

    /// Idle time in seconds that ends a session when unidirectional NetFlow
    /// records are merged into bidirectional flows.
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0)]
    pub session_timeout: f64,

    /// Skip malformed records and count them by reason instead of stopping
    /// at the first one.
    #[arg(long)]
    pub skip_invalid: bool,
}

impl InputArgs {
    /// Returns the library options these arguments stand for.
    pub fn options(&self) -> ReadOptions {
        ReadOptions {
            format: self.format,
            skip_invalid: self.skip_invalid,
            keep_labels: (!self.keep_labels.is_empty()).then(|| self.keep_labels.clone()),
            session_timeout_secs: self.session_timeout,
        }
    }

    /// Reads the inputs, showing a spinner, and logs the summary.
    pub fn read(&self) -> anyhow::Result<FlowTable> {
        self.read_with_summary().map(|(table, _)| table)
    }

    /// Like [`InputArgs::read`], also returning the summary.
    pub fn read_with_summary(&self) -> anyhow::Result<(FlowTable, ReadSummary)> {
        let started = Instant::now();
        let spinner = crate::progress::spinner("reading flow records");
        let result = read_flows(&self.inputs, &self.options());
        spinner.finish_and_clear();
        let (table, summary) = result.context("failed to read the input")?;
        for line in summary.to_string().lines() {
            log::info!("{line}");
        }
        log::info!("read in {:.2} s", started.elapsed().as_secs_f64());
        Ok((table, summary))
    }
}
