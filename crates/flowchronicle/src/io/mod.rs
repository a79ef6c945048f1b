//! Reading flow records from files and writing flows.
//!
//! [`read_flows`] takes files or folders and detects each file's format
//! from its first line, unless [`ReadOptions::format`] sets it. It
//! decompresses gzip transparently and parses records as a stream. Then it
//! filters them by label and turns unidirectional NetFlow records into
//! bidirectional sessions with [`crate::bidir`]. Zeek logs and the
//! canonical CSV are already bidirectional and pass through unchanged.
//!
//! [`flow_writer`] and [`write_flows`] write the canonical CSV or a Zeek
//! conn.log.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::bidir::{self, UniRecords};
use crate::flow::{format_timestamp, Flow, FlowTable, Micros, MICROS_PER_SECOND};

mod canonical;
mod error;
mod fields;
mod netflow;
mod source;
mod writer;
mod zeek;
mod zeek_json;

pub use error::{ReadError, WriteError};
pub(crate) use fields::format_flags as format_flag_mask;
pub(crate) use fields::is_icmp as is_icmp_protocol;
pub use writer::{flow_writer, write_flows, FlowWriter, OutputFormat};

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// CIDDS-001 CSV as exported by nfdump (`Date first seen,Duration,...`),
    /// unidirectional.
    Cidds,
    /// nfdump CSV with short column names (`te,td,sa,da,...`) as in UGR'16,
    /// unidirectional.
    Nfdump,
    /// Zeek conn.log in its tab-separated form with `#fields` header.
    ZeekTsv,
    /// Zeek conn.log written as one JSON object per line.
    ZeekJson,
    /// The canonical bidirectional CSV this crate writes.
    Canonical,
}

impl Format {
    /// All formats, in the order their names are listed in messages.
    pub const ALL: [Format; 5] = [
        Format::Cidds,
        Format::Nfdump,
        Format::ZeekTsv,
        Format::ZeekJson,
        Format::Canonical,
    ];

    /// Returns the name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Cidds => "cidds",
            Format::Nfdump => "nfdump",
            Format::ZeekTsv => "zeek",
            Format::ZeekJson => "zeek-json",
            Format::Canonical => "csv",
        }
    }

    /// Returns whether records are one direction of a conversation and need
    /// merging into sessions.
    pub fn is_unidirectional(self) -> bool {
        matches!(self, Format::Cidds | Format::Nfdump)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!("unknown input format {text:?} (expected cidds, nfdump, zeek, zeek-json or csv)")
            })
    }
}

/// Options of [`read_flows`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOptions {
    /// The format of every input; `None` detects it per file.
    pub format: Option<Format>,
    /// Skip malformed records and count them by reason, instead of stopping
    /// at the first one. Errors that concern a whole file (missing column,
    /// empty or truncated file) still stop the read.
    pub skip_invalid: bool,
    /// Labels to keep, compared without regard to ASCII case. `None` keeps
    /// the benign label of a NetFlow format (CIDDS-001 `normal`, UGR'16
    /// `background`) and everything in other formats. When set, it applies
    /// to every file with a label column. Files without one are kept whole.
    pub keep_labels: Option<Vec<String>>,
    /// Idle seconds after which a new session starts when NetFlow records
    /// are merged.
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

/// Counts of what [`read_flows`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadSummary {
    /// Every file read, with its format, in reading order.
    pub files: Vec<(PathBuf, Format)>,
    /// Data records met, including those skipped or dropped afterwards.
    pub records_read: u64,
    /// Malformed records skipped, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Records dropped by the label filter, by label.
    pub dropped_by_label: BTreeMap<String, u64>,
    /// Unidirectional records merged into sessions.
    pub unidirectional_records: u64,
    /// Bidirectional sessions built from them.
    pub sessions_built: u64,
    /// Flows returned.
    pub flows: u64,
    /// First and last start time of the flows returned.
    pub time_span: Option<(Micros, Micros)>,
}

impl ReadSummary {
    /// Returns the number of records skipped for any reason.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Returns the number of records dropped by the label filter.
    pub fn dropped_total(&self) -> u64 {
        self.dropped_by_label.values().sum()
    }
}

fn write_counts(f: &mut fmt::Formatter<'_>, counts: &BTreeMap<String, u64>) -> fmt::Result {
    let total: u64 = counts.values().sum();
    if total == 0 {
        return writeln!(f, "0");
    }
    let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    writeln!(f, "{total} ({})", parts.join(", "))
}

impl fmt::Display for ReadSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut per_format: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, format) in &self.files {
            *per_format.entry(format.name()).or_default() += 1;
        }
        let formats: Vec<String> = per_format
            .iter()
            .map(|(name, n)| format!("{name}: {n}"))
            .collect();
        writeln!(
            f,
            "files read: {} ({})",
            self.files.len(),
            formats.join(", ")
        )?;
        writeln!(f, "records read: {}", self.records_read)?;
        write!(f, "records skipped: ")?;
        write_counts(f, &self.skipped)?;
        write!(f, "records dropped by label: ")?;
        write_counts(f, &self.dropped_by_label)?;
        if self.unidirectional_records > 0 {
            writeln!(
                f,
                "unidirectional records merged: {} into {} bidirectional sessions",
                self.unidirectional_records, self.sessions_built
            )?;
        }
        writeln!(f, "flows: {}", self.flows)?;
        match self.time_span {
            Some((first, last)) => write!(
                f,
                "time span: {} to {} ({} s)",
                format_timestamp(first),
                format_timestamp(last),
                (last - first) as f64 / MICROS_PER_SECOND as f64
            ),
            None => write!(f, "time span: none"),
        }
    }
}

/// Reads flow records from files and folders (a folder contributes its
/// files in name order, hidden files excluded). Each file's format is
/// detected from its first line unless [`ReadOptions::format`] is set.
/// Records pass the label filter, unidirectional NetFlow records are merged
/// into bidirectional sessions, and the flows are returned sorted by start
/// time. Flows of equal start keep the order of the files and records they
/// came from, with sessions placed after pass-through flows.
pub fn read_flows(
    inputs: &[PathBuf],
    options: &ReadOptions,
) -> Result<(FlowTable, ReadSummary), ReadError> {
    let timeout = options.session_timeout_secs;
    if !timeout.is_finite() || timeout < 0.0 {
        return Err(ReadError::InvalidTimeout { seconds: timeout });
    }
    let files = source::expand_inputs(inputs)?;
    let mut state = ReadState::new(options);
    for path in &files {
        let mut input = source::open(path)?;
        let format = match options.format {
            Some(format) => format,
            None => source::detect(path, &mut input)?,
        };
        log::debug!("reading {} as {format}", path.display());
        match format {
            Format::Cidds => netflow::read(path, input, &netflow::CIDDS, &mut state)?,
            Format::Nfdump => netflow::read(path, input, &netflow::NFDUMP, &mut state)?,
            Format::ZeekTsv => zeek::read(path, input, &mut state)?,
            Format::ZeekJson => zeek_json::read(path, input, &mut state)?,
            Format::Canonical => canonical::read(path, input, &mut state)?,
        }
        state.summary.files.push((path.clone(), format));
    }
    Ok(state.finish(seconds_to_timeout(timeout)))
}

fn seconds_to_timeout(seconds: f64) -> Micros {
    (seconds * MICROS_PER_SECOND as f64).round() as Micros
}

/// The state the format readers fill: flows that pass through,
/// unidirectional records to merge, extra column names and the summary.
pub(crate) struct ReadState<'o> {
    options: &'o ReadOptions,
    summary: ReadSummary,
    flows: Vec<Flow>,
    unidirectional: UniRecords,
    extra_columns: Vec<String>,
    extra_index: HashMap<String, usize>,
}

impl<'o> ReadState<'o> {
    fn new(options: &'o ReadOptions) -> Self {
        ReadState {
            options,
            summary: ReadSummary::default(),
            flows: Vec::new(),
            unidirectional: UniRecords::default(),
            extra_columns: Vec::new(),
            extra_index: HashMap::new(),
        }
    }

    /// Counts a skippable record error when skipping is on, or returns it.
    fn skip_or_fail(&mut self, error: ReadError) -> Result<(), ReadError> {
        match (self.options.skip_invalid, error.skip_reason()) {
            (true, Some(reason)) => {
                log::debug!("skipped: {error}");
                *self.summary.skipped.entry(reason).or_default() += 1;
                Ok(())
            }
            _ => Err(error),
        }
    }

    /// Decides whether a record with `label` is kept, counting it when
    /// dropped. `default` is the format's benign label, used when no labels
    /// were requested.
    fn keep_label(&mut self, label: &str, default: Option<&str>) -> bool {
        let label = label.trim();
        let keep = match (&self.options.keep_labels, default) {
            (Some(wanted), _) => wanted.iter().any(|w| w.eq_ignore_ascii_case(label)),
            (None, Some(benign)) => benign.eq_ignore_ascii_case(label),
            (None, None) => true,
        };
        if !keep {
            match self.summary.dropped_by_label.get_mut(label) {
                Some(count) => *count += 1,
                None => {
                    self.summary.dropped_by_label.insert(label.to_string(), 1);
                }
            }
        }
        keep
    }

    /// Returns whether labels are filtered in formats without a default
    /// benign label.
    fn filters_labels(&self) -> bool {
        self.options.keep_labels.is_some()
    }

    /// Returns the position of an extra column in the output table, adding
    /// it when new.
    fn extra_slot(&mut self, name: &str) -> usize {
        if let Some(&slot) = self.extra_index.get(name) {
            return slot;
        }
        let slot = self.extra_columns.len();
        self.extra_columns.push(name.to_string());
        self.extra_index.insert(name.to_string(), slot);
        slot
    }

    fn finish(mut self, timeout: Micros) -> (FlowTable, ReadSummary) {
        let sessions = bidir::build_sessions(&self.unidirectional, timeout);
        self.summary.unidirectional_records = self.unidirectional.len() as u64;
        self.summary.sessions_built = sessions.len() as u64;
        let mut flows = self.flows;
        flows.extend(sessions);
        let width = self.extra_columns.len();
        for flow in &mut flows {
            flow.extra.resize(width, None);
        }
        let mut table = FlowTable {
            extra_columns: self.extra_columns,
            flows,
        };
        table.sort_by_time();
        self.summary.flows = table.flows.len() as u64;
        self.summary.time_span = table.time_span();
        (table, self.summary)
    }
}

/// A record's location, for error messages.
#[derive(Clone, Copy)]
pub(crate) struct Location<'p> {
    path: &'p Path,
    line: u64,
}

impl Location<'_> {
    fn invalid(&self, column: &str, text: &str, error: fields::FieldError) -> ReadError {
        ReadError::InvalidValue {
            path: self.path.to_path_buf(),
            line: self.line,
            column: column.to_string(),
            problem: error.problem,
            text: text.to_string(),
            expected: error.expected,
        }
    }

    fn invalid_host(&self, column: &str, text: &str, error: crate::flow::HostError) -> ReadError {
        let (problem, expected) = match error {
            crate::flow::HostError::Empty => ("missing address", "an IPv4 or IPv6 address"),
            crate::flow::HostError::InvalidIp => ("invalid IP address", "an IPv4 or IPv6 address"),
            crate::flow::HostError::InvalidName => (
                "invalid address",
                "an IPv4 or IPv6 address, or a host name of letters, digits, '_', '-' and '.'",
            ),
        };
        self.invalid(column, text, fields::FieldError { problem, expected })
    }

    fn io(&self, source: std::io::Error) -> ReadError {
        ReadError::Io {
            path: self.path.to_path_buf(),
            line: self.line,
            error: source,
        }
    }
}

#[cfg(test)]
mod tests;
