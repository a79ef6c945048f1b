//! The two baselines FlowChronicle is compared against, as ordinary
//! [`Model`]s that generation accepts.
//!
//! - IndependentBN: one Bayesian network over a single flow's features,
//!   fitted on every row. Flows are independent, and their start times
//!   follow the training start times. The model has no pattern: its base
//!   network covers every row.
//! - SequenceBN: one network over windows of `w` consecutive flows (rows
//!   `0..w`, `w..2w`, ... in time order). It is stored as one pattern of
//!   `w` rows with every cell free, whose variables are the `w × m` cells
//!   (`row 1 proto`, ..., `row w flags`). The `n mod w` rows after the last
//!   full window go to the base network.
//!
//! Both learn their structure with [`bn::learn`] (hill climbing on BIC,
//! at most [`bn::DEFAULT_MAX_PARENTS`] parents per variable) and fit it
//! with [`BayesNet::fit`], the same code the FlowChronicle model uses.

use std::collections::BTreeMap;

use crate::bn::{self, data_bits, BayesNet, BnError, Structure};
use crate::dataset::Dataset;
use crate::fit::RunInfo;
use crate::model::{variable_names, BaseEntry, Method, Model, PatternEntry};
use crate::pattern::{Cell, Pattern};

/// Default SequenceBN window: five consecutive flows, the length the
/// FlowChronicle evaluation (CoNEXT 2024) used.
pub const DEFAULT_WINDOW: usize = 5;

/// Largest accepted SequenceBN window. The network has `window × m`
/// variables, and each hill-climbing step scores every ordered pair of them.
pub const MAX_WINDOW: usize = 64;

/// The value of [`TrainingSummary::stop_reason`] for baselines, which run
/// no search.
pub const BASELINE_STOP_REASON: &str = "no search (baseline)";

/// Errors of building a baseline model.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("invalid window length {0}: must be between 2 and {MAX_WINDOW}")]
    InvalidWindow(usize),
    #[error("the data has {rows} flows, fewer than one window of {window}; lower --window or give more flows")]
    TooFewRows { rows: usize, window: usize },
    #[error(transparent)]
    Network(#[from] BnError),
}

/// A fitted baseline and its description lengths.
#[derive(Debug, Clone)]
pub struct BaselineReport {
    pub model: Model,
    /// Code length of the data under networks without edges, in bits.
    pub initial_bits: f64,
    /// Code length of the data under the learned networks, structure
    /// included, in bits.
    pub final_bits: f64,
}

/// Builds the IndependentBN baseline: one network over all rows.
pub fn independent_bn(data: &Dataset, info: &RunInfo) -> Result<BaselineReport, BaselineError> {
    let alphabets = data.cardinalities();
    let columns: Vec<&[u32]> = data.columns.iter().map(Vec::as_slice).collect();
    let structure = bn::learn(&columns, bn::DEFAULT_MAX_PARENTS)?;
    let network = BayesNet::fit(&structure, &columns)?;
    let initial_bits = code_length(&empty_like(&structure), &columns, &alphabets)?;
    let final_bits = code_length(&structure, &columns, &alphabets)?;

    let base = BaseEntry {
        usage: data.rows() as u64,
        network,
        start_ticks: data.ticks.clone(),
    };
    let model = assemble(
        data,
        info,
        Method::IndependentBn,
        Vec::new(),
        base,
        initial_bits,
        final_bits,
    );
    Ok(BaselineReport {
        model,
        initial_bits,
        final_bits,
    })
}

/// Builds the SequenceBN baseline: one network over consecutive windows
/// of `window` rows, and a base network over the rows after the last
/// window.
pub fn sequence_bn(
    data: &Dataset,
    window: usize,
    info: &RunInfo,
) -> Result<BaselineReport, BaselineError> {
    if !(2..=MAX_WINDOW).contains(&window) {
        return Err(BaselineError::InvalidWindow(window));
    }
    let rows = data.rows();
    let windows = rows / window;
    if windows == 0 {
        return Err(BaselineError::TooFewRows { rows, window });
    }
    let m = data.schema.len();
    let pattern = Pattern {
        rows: vec![vec![Cell::Free; m]; window],
    };

    // One column per pattern variable, in the order of
    // `Pattern::variables` (row-major: row 1's columns, then row 2's).
    let variables = pattern.variables();
    let table: Vec<Vec<u32>> = variables
        .iter()
        .map(|&(j, c)| {
            (0..windows)
                .map(|w| data.columns[c][w * window + j])
                .collect()
        })
        .collect();
    let window_columns: Vec<&[u32]> = table.iter().map(Vec::as_slice).collect();
    let cardinalities = data.cardinalities();
    let window_alphabets: Vec<usize> = variables.iter().map(|&(_, c)| cardinalities[c]).collect();
    let structure = bn::learn(&window_columns, bn::DEFAULT_MAX_PARENTS)?;
    let network = BayesNet::fit(&structure, &window_columns)?;

    let start_ticks: Vec<u64> = (0..windows).map(|w| data.ticks[w * window]).collect();
    let delays: Vec<Vec<u64>> = (1..window)
        .map(|j| {
            (0..windows)
                .map(|w| data.ticks[w * window + j] - data.ticks[w * window + j - 1])
                .collect()
        })
        .collect();
    let entry = PatternEntry {
        id: 1,
        usage: windows as u64,
        bits_saved: 0.0,
        rows: vec![BTreeMap::new(); window],
        variables: variable_names(&pattern, &data.schema),
        network,
        start_ticks,
        delays,
    };

    // The model file needs a valid base network even when no row is left
    // over, so it is then fitted on all rows and given a usage of 0.
    let leftover: Vec<usize> = (windows * window..rows).collect();
    let base_rows: Vec<usize> = if leftover.is_empty() {
        (0..rows).collect()
    } else {
        leftover.clone()
    };
    let base_table: Vec<Vec<u32>> = data
        .columns
        .iter()
        .map(|column| base_rows.iter().map(|&r| column[r]).collect())
        .collect();
    let base_columns: Vec<&[u32]> = base_table.iter().map(Vec::as_slice).collect();
    let base_structure = bn::learn(&base_columns, bn::DEFAULT_MAX_PARENTS)?;
    let base = BaseEntry {
        usage: leftover.len() as u64,
        network: BayesNet::fit(&base_structure, &base_columns)?,
        start_ticks: leftover.iter().map(|&r| data.ticks[r]).collect(),
    };

    let mut initial_bits =
        code_length(&empty_like(&structure), &window_columns, &window_alphabets)?;
    let mut final_bits = code_length(&structure, &window_columns, &window_alphabets)?;
    if !leftover.is_empty() {
        initial_bits += code_length(&empty_like(&base_structure), &base_columns, &cardinalities)?;
        final_bits += code_length(&base_structure, &base_columns, &cardinalities)?;
    }

    let model = assemble(
        data,
        info,
        Method::SequenceBn,
        vec![entry],
        base,
        initial_bits,
        final_bits,
    );
    Ok(BaselineReport {
        model,
        initial_bits,
        final_bits,
    })
}

/// Returns a structure with the variables and in-degree limit of
/// `structure` and no edges.
fn empty_like(structure: &Structure) -> Structure {
    Structure::empty(structure.len(), structure.max_parents())
}

/// Returns the structure bits plus the prequential data bits of a table.
fn code_length(
    structure: &Structure,
    columns: &[&[u32]],
    alphabets: &[usize],
) -> Result<f64, BnError> {
    Ok(structure.structure_bits() + data_bits(structure, columns, alphabets)?)
}

fn assemble(
    data: &Dataset,
    info: &RunInfo,
    method: Method,
    patterns: Vec<PatternEntry>,
    base: BaseEntry,
    initial_bits: f64,
    final_bits: f64,
) -> Model {
    let bits = (initial_bits, final_bits);
    crate::fit::assemble_model(
        data,
        info,
        method,
        patterns,
        base,
        bits,
        BASELINE_STOP_REASON,
    )
}
