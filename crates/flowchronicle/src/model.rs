//! The model file: a versioned JSON document a person can read.
//!
//! It contains everything generation needs and everything an auditor wants to
//! see: the feature schema, each column's dictionary and bin edges, every
//! pattern with its cells written as real values, its Bayesian network
//! (structure and counts), its usage, the start ticks and delays of its
//! windows, the base network for rows no pattern covers, and a summary of
//! the training run.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::bn::BayesNet;
use crate::dataset::{Dataset, Dictionary, EncodeConfig, PacketSizes, Schema};
use crate::flow::{format_timestamp, Micros};
use crate::output::{write_atomically, OutputError};
use crate::pattern::{Cell, Pattern};

/// The value of the `format` field of every model file.
pub const MODEL_FORMAT: &str = "flowchronicle-model";

/// The version of the model file layout this build reads and writes.
pub const MODEL_VERSION: u32 = 1;

/// Learning method of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Flow patterns mined by minimum description length.
    Flowchronicle,
    /// One network over a single flow's features, flows independent.
    IndependentBn,
    /// One network over windows of consecutive flows.
    SequenceBn,
}

/// A cell of a pattern row, with the value written out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CellValue {
    /// The column equals this value (a bin interval for numeric columns).
    Fix(String),
    /// The value is free and bound to this placeholder.
    Set(u8),
    /// The column equals the value bound to this placeholder.
    Use(u8),
}

/// One pattern as stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatternEntry {
    /// Position of the pattern in the model, from 1.
    pub id: usize,
    /// Number of windows of the pattern in the cover.
    pub usage: u64,
    /// Total description length without the pattern minus with it.
    pub bits_saved: f64,
    /// Rows of the pattern: column name to cell; free columns are absent.
    pub rows: Vec<BTreeMap<String, CellValue>>,
    /// Names of the network's variables (`row 2 dst_port`), in order.
    pub variables: Vec<String>,
    /// Network over the free and SET cells.
    pub network: BayesNet,
    /// Start tick of each window in the cover, ascending.
    pub start_ticks: Vec<u64>,
    /// For each gap between consecutive rows, the delay in ticks of each
    /// window, in the order of `start_ticks`.
    pub delays: Vec<Vec<u64>>,
}

/// The network of rows no pattern covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseEntry {
    /// Number of uncovered rows.
    pub usage: u64,
    /// Network over all columns, fitted on the uncovered rows.
    pub network: BayesNet,
    /// Start tick of each uncovered row, ascending.
    pub start_ticks: Vec<u64>,
}

/// The time axis of the training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeAxis {
    /// Start time of the first training flow, RFC 3339.
    pub start: String,
    /// The same, in microseconds since the Unix epoch.
    pub start_micros: Micros,
    /// Length of one tick in microseconds.
    pub resolution_micros: Micros,
    /// Last tick minus first tick of the training data.
    pub span_ticks: u64,
}

/// Summary of the training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    pub inputs: Vec<String>,
    pub rows: u64,
    pub first_flow: String,
    pub last_flow: String,
    pub initial_bits: f64,
    pub final_bits: f64,
    pub seed: u64,
    pub tool_version: String,
    /// Reason the search stopped (`converged`, `time limit reached`, ...).
    pub stop_reason: String,
    pub encoding: EncodeConfig,
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub format: String,
    pub version: u32,
    pub method: Method,
    pub schema: Schema,
    pub dictionaries: Vec<Dictionary>,
    pub time: TimeAxis,
    /// Smallest and largest ephemeral initiator port seen in training.
    pub src_port_range: Option<(u16, u16)>,
    /// Range of bytes per packet seen in training, per direction; absent
    /// in older files, which then put no bound on drawn byte counts.
    #[serde(default)]
    pub packet_sizes: PacketSizes,
    pub patterns: Vec<PatternEntry>,
    pub base: BaseEntry,
    pub training: TrainingSummary,
}

/// Errors of loading or saving a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot open model {path}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a valid model file (was it written by flowchronicle fit?)")]
    Parse {
        path: String,
        source: serde_json::Error,
    },
    #[error("{path} is not a flowchronicle model (format {found:?}, expected {MODEL_FORMAT:?})")]
    Foreign { path: String, found: String },
    #[error("{path} is a model of version {found}, but this build reads version {MODEL_VERSION}; refit the model with this build")]
    Version { path: String, found: u32 },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("failed to encode the model: {0}")]
    Encode(serde_json::Error),
}

/// Only the identifying fields, read first so that a foreign or newer file
/// gets a clear message rather than a field-level parse error.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u32>,
}

impl Model {
    /// Loads a model file, checking its format and version.
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ModelError::Open {
            path: name.clone(),
            source,
        })?;
        Model::from_slice(&bytes, &name)
    }

    /// Reads a model from a reader, with the same checks as [`Model::load`].
    /// `name` identifies the source in error messages.
    pub fn from_reader(mut reader: impl Read, name: &str) -> Result<Model, ModelError> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|source| ModelError::Open {
                path: name.to_string(),
                source,
            })?;
        Model::from_slice(&bytes, name)
    }

    /// Parses a model from the bytes of a model file, with the same checks
    /// as [`Model::load`]. `name` identifies the source in error messages.
    pub fn from_slice(bytes: &[u8], name: &str) -> Result<Model, ModelError> {
        let parse = |source| ModelError::Parse {
            path: name.to_string(),
            source,
        };
        let header: Header = serde_json::from_slice(bytes).map_err(parse)?;
        let found = header.format.unwrap_or_default();
        if found != MODEL_FORMAT {
            return Err(ModelError::Foreign {
                path: name.to_string(),
                found,
            });
        }
        match header.version {
            Some(MODEL_VERSION) => {}
            other => {
                return Err(ModelError::Version {
                    path: name.to_string(),
                    found: other.unwrap_or(0),
                })
            }
        }
        let model: Model = serde_json::from_slice(bytes).map_err(parse)?;
        model.check().map_err(|message| ModelError::Invalid {
            path: name.to_string(),
            message,
        })?;
        Ok(model)
    }

    /// Writes the model atomically as indented JSON.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        write_atomically(path, |out: &mut dyn Write| {
            serde_json::to_writer_pretty(&mut *out, self).map_err(ModelError::Encode)?;
            out.write_all(b"\n").map_err(|source| OutputError {
                path: path.to_path_buf(),
                source,
            })?;
            Ok(())
        })
    }

    /// Checks the consistency a loaded file must have.
    fn check(&self) -> Result<(), String> {
        if self.dictionaries.len() != self.schema.len() {
            return Err(format!(
                "{} dictionaries for {} features",
                self.dictionaries.len(),
                self.schema.len()
            ));
        }
        if self.base.network.variables() != self.schema.len() {
            return Err("the base network does not have one variable per feature".into());
        }
        for entry in &self.patterns {
            let pattern = self
                .pattern_cells(entry)
                .map_err(|e| format!("pattern {}: {e}", entry.id))?;
            if pattern.variables().len() != entry.network.variables() {
                return Err(format!(
                    "pattern {}: the network has {} variables, the pattern {}",
                    entry.id,
                    entry.network.variables(),
                    pattern.variables().len()
                ));
            }
        }
        Ok(())
    }

    /// Turns a pattern entry back into cells with value ids.
    pub fn pattern_cells(&self, entry: &PatternEntry) -> Result<Pattern, String> {
        let m = self.schema.len();
        let mut rows = Vec::with_capacity(entry.rows.len());
        for row in &entry.rows {
            let mut cells = vec![Cell::Free; m];
            for (name, value) in row {
                let c = self
                    .schema
                    .index_of(name)
                    .ok_or_else(|| format!("unknown column {name:?}"))?;
                cells[c] = match value {
                    CellValue::Fix(text) => {
                        Cell::Fix(value_id(&self.dictionaries[c], text).ok_or_else(|| {
                            format!("value {text:?} is not in the dictionary of {name}")
                        })?)
                    }
                    CellValue::Set(x) => Cell::Set(*x),
                    CellValue::Use(x) => Cell::Use(*x),
                };
            }
            rows.push(cells);
        }
        Ok(Pattern { rows })
    }
}

/// Returns the id of a written value: a categorical value, or the label of
/// a numeric bin.
fn value_id(dictionary: &Dictionary, text: &str) -> Option<u32> {
    match dictionary {
        Dictionary::Categorical { .. } => dictionary.id_of(text),
        Dictionary::Numeric { .. } => {
            (0..dictionary.cardinality() as u32).find(|&id| dictionary.label(id) == text)
        }
    }
}

/// Writes a pattern's rows with real values: column name to cell.
pub fn pattern_rows(
    pattern: &Pattern,
    data_schema: &Schema,
    dictionaries: &[Dictionary],
) -> Vec<BTreeMap<String, CellValue>> {
    pattern
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .filter_map(|(c, &cell)| {
                    let value = match cell {
                        Cell::Free => return None,
                        Cell::Fix(v) => CellValue::Fix(dictionaries[c].label(v)),
                        Cell::Set(x) => CellValue::Set(x),
                        Cell::Use(x) => CellValue::Use(x),
                    };
                    Some((data_schema.features[c].name.clone(), value))
                })
                .collect()
        })
        .collect()
}

/// Returns the variable names of a pattern's network (`row 1 src_ip`).
pub fn variable_names(pattern: &Pattern, schema: &Schema) -> Vec<String> {
    pattern
        .variables()
        .into_iter()
        .map(|(j, c)| format!("row {} {}", j + 1, schema.features[c].name))
        .collect()
}

/// Returns the time axis of a dataset.
pub fn time_axis(data: &Dataset) -> TimeAxis {
    TimeAxis {
        start: format_timestamp(data.start),
        start_micros: data.start,
        resolution_micros: data.resolution,
        span_ticks: data.span(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_slice_rejects_other_format() {
        let error = Model::from_slice(br#"{"format": "other", "version": 1}"#, "m.json")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("m.json is not a flowchronicle model"),
            "{error}"
        );
    }

    #[test]
    fn from_slice_rejects_other_version() {
        let text = format!(
            r#"{{"format": "{MODEL_FORMAT}", "version": {}}}"#,
            MODEL_VERSION + 1
        );
        let error = Model::from_slice(text.as_bytes(), "m.json")
            .unwrap_err()
            .to_string();
        assert!(error.contains("refit the model"), "{error}");
    }

    #[test]
    fn from_slice_rejects_invalid_json() {
        let error = Model::from_slice(b"{\"format\": ", "m.json")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("m.json is not a valid model file"),
            "{error}"
        );
    }

    #[test]
    fn from_reader_reports_read_error() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk gone"))
            }
        }
        let error = Model::from_reader(Failing, "m.json").unwrap_err();
        assert!(error.to_string().contains("m.json"), "{error}");
        let cause = std::error::Error::source(&error).map(ToString::to_string);
        assert!(cause.is_some_and(|c| c.contains("disk gone")), "{error:?}");
    }
}
