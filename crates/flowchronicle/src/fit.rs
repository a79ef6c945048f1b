//! Fitting a FlowChronicle model: run the search on an encoded dataset and
//! turn its result into a [`Model`].

use crate::bn::{BayesNet, BnError};
use crate::dataset::{Dataset, EncodeConfig};
use crate::flow::format_timestamp;
use crate::model::{
    pattern_rows, time_axis, variable_names, BaseEntry, Method, Model, PatternEntry,
    TrainingSummary, MODEL_FORMAT, MODEL_VERSION,
};
use crate::search::{variable_table, Miner, SearchConfig, SearchStatus, StopReason};

/// Run details recorded in the model besides the data.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub inputs: Vec<String>,
    pub seed: u64,
    pub encoding: EncodeConfig,
}

/// The fitted model and how the search went.
#[derive(Debug, Clone)]
pub struct FitReport {
    pub model: Model,
    pub stop_reason: StopReason,
    pub initial_bits: f64,
    pub final_bits: f64,
    /// Share of rows covered by a pattern.
    pub covered_share: f64,
}

impl StopReason {
    /// Returns a short description for logs and the model file.
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::Converged => "converged",
            StopReason::PoolExhausted => "candidate pool exhausted",
            StopReason::MaxPatterns => "maximum number of patterns reached",
            StopReason::TimeLimit => "time limit reached",
        }
    }
}

/// Mines the pattern set of a dataset and builds the model.
pub fn fit(
    data: &Dataset,
    config: SearchConfig,
    info: RunInfo,
    progress: &(dyn Fn(&SearchStatus) + Sync),
) -> Result<FitReport, BnError> {
    let mut miner = Miner::new(data, config)?;
    let initial_bits = miner.total_bits();
    let stop_reason = miner.run(progress);
    let final_bits = miner.total_bits();
    let model = build_model(&miner, &info, initial_bits, final_bits, stop_reason)?;
    let covered = data.rows() as u64 - model.base.usage;
    Ok(FitReport {
        model,
        stop_reason,
        initial_bits,
        final_bits,
        covered_share: covered as f64 / data.rows().max(1) as f64,
    })
}

fn build_model(
    miner: &Miner<'_>,
    info: &RunInfo,
    initial_bits: f64,
    final_bits: f64,
    stop_reason: StopReason,
) -> Result<Model, BnError> {
    let data = miner.data;
    let cover = miner.cover();
    let saved = miner.bits_saved();
    let mut patterns = Vec::with_capacity(miner.patterns().len());
    for (i, p) in miner.patterns().iter().enumerate() {
        let Some(slot) = cover.slot(p.slot) else {
            continue;
        };
        let accepted: Vec<u32> = (0..slot.windows.len() as u32)
            .filter(|&w| slot.accepted[w as usize])
            .collect();
        let table = variable_table(&p.pattern, &slot.windows, &accepted, data);
        let columns: Vec<&[u32]> = table.iter().map(Vec::as_slice).collect();
        let network = BayesNet::fit(&p.structure, &columns)?;
        let tick = |row: u32| data.ticks[row as usize];
        let start_ticks = accepted
            .iter()
            .map(|&w| tick(slot.windows.get(w as usize)[0]))
            .collect();
        let delays = (1..p.pattern.len())
            .map(|j| {
                accepted
                    .iter()
                    .map(|&w| {
                        let rows = slot.windows.get(w as usize);
                        tick(rows[j]) - tick(rows[j - 1])
                    })
                    .collect()
            })
            .collect();
        patterns.push(PatternEntry {
            id: i + 1,
            usage: accepted.len() as u64,
            bits_saved: saved.get(i).copied().unwrap_or(0.0),
            rows: pattern_rows(&p.pattern, &data.schema, &data.dictionaries),
            variables: variable_names(&p.pattern, &data.schema),
            network,
            start_ticks,
            delays,
        });
    }

    let uncovered: Vec<u32> = cover.uncovered_rows().collect();
    // With every row covered the base network is never sampled, so it is
    // fitted on all rows only to keep a valid network in the file.
    let base_rows: Vec<u32> = if uncovered.is_empty() {
        (0..data.rows() as u32).collect()
    } else {
        uncovered.clone()
    };
    let base_columns: Vec<Vec<u32>> = data
        .columns
        .iter()
        .map(|column| base_rows.iter().map(|&r| column[r as usize]).collect())
        .collect();
    let base_slices: Vec<&[u32]> = base_columns.iter().map(Vec::as_slice).collect();
    let base = BaseEntry {
        usage: uncovered.len() as u64,
        network: BayesNet::fit(miner.base_structure(), &base_slices)?,
        start_ticks: uncovered.iter().map(|&r| data.ticks[r as usize]).collect(),
    };

    let bits = (initial_bits, final_bits);
    Ok(assemble_model(
        data,
        info,
        Method::Flowchronicle,
        patterns,
        base,
        bits,
        stop_reason.describe(),
    ))
}

/// Puts a model together: the data's schema, dictionaries and time axis,
/// the patterns and base network, and the training summary with the
/// initial and final description lengths `bits`.
pub(crate) fn assemble_model(
    data: &Dataset,
    info: &RunInfo,
    method: Method,
    patterns: Vec<PatternEntry>,
    base: BaseEntry,
    bits: (f64, f64),
    stop_reason: &str,
) -> Model {
    let last = data.start + data.span() as i64 * data.resolution;
    Model {
        format: MODEL_FORMAT.to_string(),
        version: MODEL_VERSION,
        method,
        schema: data.schema.clone(),
        dictionaries: data.dictionaries.clone(),
        time: time_axis(data),
        src_port_range: data.src_port_range,
        packet_sizes: data.packet_sizes,
        patterns,
        base,
        training: TrainingSummary {
            inputs: info.inputs.clone(),
            rows: data.rows() as u64,
            first_flow: format_timestamp(data.start),
            last_flow: format_timestamp(last),
            initial_bits: bits.0,
            final_bits: bits.1,
            seed: info.seed,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            stop_reason: stop_reason.to_string(),
            encoding: info.encoding.clone(),
        },
    }
}
