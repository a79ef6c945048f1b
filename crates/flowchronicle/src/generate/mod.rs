//! Generation: turning a fitted model into synthetic flows.
//!
//! Each pattern, and the base network for rows no pattern covers, is an
//! independent source of occurrences. A source's occurrences start as a
//! Poisson process whose intensity is derived from the stored training
//! start ticks (see [`Timing`]), scaled so the expected count over the
//! training span equals the source's usage. An occurrence's values come
//! from one draw of the pattern's network (FIX cells fixed, USE cells
//! copying their SET cell), and its rows follow each other by delays drawn
//! from a kernel density over the stored delays of that gap.
//!
//! Output time is cut into chunks of [`CHUNK_MICROS`]. Chunk `k` draws
//! the occurrences that start inside it from its own ChaCha8 stream
//! (`seed`, stream `k`), so chunks are generated in parallel. The output
//! depends only on the model, the seed and the options, never on the
//! thread count. Rows that fall after their chunk's end are held back
//! and released in time order with the chunk they fall in, so memory stays
//! bounded by a few chunks.

mod timing;
mod values;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::flow::{Flow, Micros};
use crate::model::Model;
use crate::pattern::{Cell, Pattern};
pub use timing::{poisson, silverman};
use timing::{DelayDensity, Intensity, TrainingTime, DAY};
pub use values::draw_in_bin;
use values::{Decoder, RowPlan};

/// Length of one generation chunk: one hour.
pub const CHUNK_MICROS: Micros = timing::HOUR;

/// Number of times an occurrence with a flow from a host to itself is drawn
/// again before it is kept as it is.
const SELF_FLOW_RETRIES: usize = 16;

/// Name of the extra column holding each flow's pattern id.
pub const PATTERN_ID_COLUMN: &str = "pattern_id";

/// The placement of occurrence start times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Timing {
    /// When the training data spans at least a day, a 24-hour profile of
    /// hourly rates (a 168-hour weekly one from 7 days on) in UTC, so
    /// output at any time keeps the training rhythm. Shorter training data
    /// gets a Gaussian kernel density over its start times (Silverman's
    /// bandwidth), repeated with the training span as its period from the
    /// output start.
    #[default]
    Profile,
    /// The kernel density over the training start times, kept inside the
    /// training span and shifted to the output start, repeated when the
    /// output is longer. This is what the original FlowChronicle does.
    Replay,
}

/// When generation stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndCondition {
    /// Every flow lies in `[start, start + duration)`, in microseconds.
    Duration(Micros),
    /// The first `n` flows in time order.
    Flows(u64),
}

/// The output span, seed and options of one generation run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateConfig {
    /// Time of the output start, microseconds since the Unix epoch.
    pub start: Micros,
    pub end: EndCondition,
    pub seed: u64,
    pub timing: Timing,
    /// Adds a [`PATTERN_ID_COLUMN`] extra column: 0 for the base network,
    /// otherwise the pattern's id in the model.
    pub with_pattern_ids: bool,
    /// Draw of numeric values inside their bin.
    pub within_bin: WithinBin,
}

/// Distribution of a numeric value inside the bin its network sampled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WithinBin {
    /// Uniformly over the bin's interval (whole numbers for counters).
    #[default]
    Uniform,
    /// Following the training values inside the bin, through the quantiles
    /// stored in the model; uniform for models without them.
    Training,
}

/// Errors of generation.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("the model cannot be used for generation: {0}")]
    InvalidModel(String),
    #[error("the duration must be positive, got {0} µs")]
    InvalidDuration(Micros),
    #[error("the output span from {start} µs lasting {duration} µs overflows the time range")]
    Overflow { start: Micros, duration: Micros },
    #[error("the model has no usage in any pattern or the base, so it generates no flows")]
    NoFlows,
}

/// Flows generated, per source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateSummary {
    pub flows: u64,
    /// `(pattern id, flows)`, pattern id 0 for the base network, in model
    /// order.
    pub flows_per_pattern: Vec<(usize, u64)>,
}

/// A pattern or the base network, ready to generate.
struct Source {
    /// 0 for the base, otherwise the pattern id.
    id: usize,
    plan: RowPlan,
    intensity: Intensity,
    /// One density per gap between consecutive rows.
    delays: Vec<DelayDensity>,
}

/// A model prepared for one output configuration.
pub struct Generator {
    sources: Vec<Source>,
    decoder: Decoder,
    config: GenerateConfig,
    columns: usize,
}

/// One generated flow and the index of its source.
type Row = (Flow, usize);

impl Generator {
    /// Prepares a model: parses its values, builds the start-time
    /// intensities and delay densities from the stored start ticks and
    /// delays.
    pub fn new(model: &Model, config: &GenerateConfig) -> Result<Generator, GenerateError> {
        if let EndCondition::Duration(duration) = config.end {
            if duration <= 0 {
                return Err(GenerateError::InvalidDuration(duration));
            }
            if config.start.checked_add(duration).is_none() {
                return Err(GenerateError::Overflow {
                    start: config.start,
                    duration,
                });
            }
        }
        let invalid = GenerateError::InvalidModel;
        if model.time.resolution_micros <= 0 {
            return Err(invalid(format!(
                "the tick length is {} µs",
                model.time.resolution_micros
            )));
        }
        // A training set of one tick still has a length of one tick.
        let span_ticks = model.time.span_ticks.max(1) as Micros;
        let span = span_ticks
            .checked_mul(model.time.resolution_micros)
            .ok_or_else(|| invalid("the training span overflows".into()))?;
        let time = TrainingTime {
            start: model.time.start_micros,
            resolution: model.time.resolution_micros,
            span,
        };
        let intensity = |starts: &[u64], usage: u64| match config.timing {
            Timing::Profile if span >= DAY => timing::seasonal_intensity(starts, usage, time),
            Timing::Profile => timing::kde_intensity(starts, usage, time, config.start, true),
            Timing::Replay => timing::kde_intensity(starts, usage, time, config.start, false),
        };

        let columns = model.schema.len();
        let cardinalities: Vec<usize> =
            model.dictionaries.iter().map(|d| d.cardinality()).collect();
        let base_pattern = Pattern {
            rows: vec![vec![Cell::Free; columns]],
        };
        let mut sources = vec![Source {
            id: 0,
            plan: RowPlan::new(&base_pattern, model.base.network.clone(), &cardinalities)
                .map_err(|e| invalid(format!("base network: {e}")))?,
            intensity: intensity(&model.base.start_ticks, model.base.usage),
            delays: Vec::new(),
        }];
        for entry in &model.patterns {
            let pattern = model
                .pattern_cells(entry)
                .map_err(|e| invalid(format!("pattern {}: {e}", entry.id)))?;
            let plan = RowPlan::new(&pattern, entry.network.clone(), &cardinalities)
                .map_err(|e| invalid(format!("pattern {}: {e}", entry.id)))?;
            let delays = (0..plan.len().saturating_sub(1))
                .map(|gap| {
                    let ticks = entry.delays.get(gap).map(Vec::as_slice).unwrap_or(&[]);
                    DelayDensity::new(ticks, model.time.resolution_micros)
                })
                .collect();
            sources.push(Source {
                id: entry.id,
                plan,
                intensity: intensity(&entry.start_ticks, entry.usage),
                delays,
            });
        }
        if sources
            .iter()
            .all(|s| s.intensity.rates.iter().all(|&r| r <= 0.0))
        {
            return Err(GenerateError::NoFlows);
        }
        let decoder = Decoder::new(
            &model.schema,
            &model.dictionaries,
            model.src_port_range,
            model.packet_sizes,
            config.within_bin == WithinBin::Training,
        )
        .map_err(invalid)?;
        Ok(Generator {
            sources,
            decoder,
            config: config.clone(),
            columns,
        })
    }

    /// Returns the extra columns of the generated flows, in `Flow::extra`
    /// order.
    pub fn extra_columns(&self) -> Vec<String> {
        let mut names = self.decoder.extra_columns.clone();
        if self.config.with_pattern_ids {
            names.push(PATTERN_ID_COLUMN.to_string());
        }
        names
    }

    /// Returns the expected number of flows each source starts in
    /// `[from, to)`: occurrences times rows, as `(pattern id, flows)`.
    pub fn expected_flows(&self, from: Micros, to: Micros) -> Vec<(usize, f64)> {
        self.sources
            .iter()
            .map(|s| (s.id, s.intensity.expected(from, to) * s.plan.len() as f64))
            .collect()
    }

    /// Generates flows in time order and hands each to `sink` with its
    /// pattern id (0 for the base network). Chunks run on the current rayon
    /// pool. Stops at the first error of `sink`.
    pub fn run<E>(
        &self,
        sink: &mut dyn FnMut(&Flow, usize) -> Result<(), E>,
    ) -> Result<GenerateSummary, E> {
        let start = self.config.start;
        let (end, limit) = match self.config.end {
            EndCondition::Duration(duration) => (start + duration, u64::MAX),
            EndCondition::Flows(n) => (Micros::MAX, n),
        };
        let chunk_start = |k: u64| start.saturating_add((k as Micros).saturating_mul(CHUNK_MICROS));
        let batch = (rayon::current_num_threads() as u64).max(1) * 2;

        let mut per_source = vec![0u64; self.sources.len()];
        let mut written = 0u64;
        let mut held: Vec<Row> = Vec::new();
        let generate_batch = |first: u64| -> Vec<(u64, Vec<Row>)> {
            (first..first + batch)
                .into_par_iter()
                .filter(|&i| chunk_start(i) < end)
                .map(|i| {
                    (
                        i,
                        self.chunk(i, chunk_start(i), chunk_start(i + 1).min(end), end),
                    )
                })
                .collect()
        };
        let mut k = 0u64;
        let mut current = generate_batch(k);
        // The next batch is generated on the pool while this thread hands
        // the current one to the sink, which need not be `Send`.
        while !current.is_empty() && written < limit {
            let mut next = Vec::new();
            let outcome = rayon::in_place_scope(|scope| {
                scope.spawn(|_| next = generate_batch(k + batch));
                for (i, rows) in current.drain(..) {
                    let chunk_end = chunk_start(i + 1).min(end);
                    for (flow, source) in &release(&mut held, rows, chunk_end) {
                        if written == limit {
                            return Ok(());
                        }
                        sink(flow, self.sources[*source].id)?;
                        per_source[*source] += 1;
                        written += 1;
                    }
                }
                Ok(())
            });
            outcome?;
            current = next;
            k += batch;
        }
        // Rows held past the last chunk all lie before `end`.
        held.sort_by_key(|(flow, _)| flow.ts);
        for (flow, source) in &held {
            if written == limit {
                break;
            }
            sink(flow, self.sources[*source].id)?;
            per_source[*source] += 1;
            written += 1;
        }
        Ok(GenerateSummary {
            flows: written,
            flows_per_pattern: self
                .sources
                .iter()
                .zip(per_source)
                .map(|(s, n)| (s.id, n))
                .collect(),
        })
    }

    /// Generates the occurrences starting in `[from, to)`, chunk `index`,
    /// with every row before `end`, sorted by time.
    fn chunk(&self, index: u64, from: Micros, to: Micros, end: Micros) -> Vec<Row> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.config.seed);
        rng.set_stream(index);
        let extra_slots = self.extra_columns().len();
        let pattern_slot = self.config.with_pattern_ids.then(|| extra_slots - 1);
        let mut rows = Vec::new();
        let mut starts = Vec::new();
        let mut scratch = Vec::new();
        let mut ids = Vec::new();
        for (s, source) in self.sources.iter().enumerate() {
            starts.clear();
            source
                .intensity
                .draw_starts(from, to, &mut rng, &mut starts);
            let label = source.id.to_string();
            for &occurrence in &starts {
                source.plan.fill(&mut rng, &mut scratch, &mut ids);
                // Flow records never show a host talking to itself, but the
                // network draws the two addresses of a row separately.
                for _ in 0..SELF_FLOW_RETRIES {
                    if !self.decoder.has_self_flow(&ids, self.columns) {
                        break;
                    }
                    source.plan.fill(&mut rng, &mut scratch, &mut ids);
                }
                let mut ts = occurrence;
                for (j, row_ids) in ids.chunks(self.columns).enumerate() {
                    if j > 0 {
                        ts = ts.saturating_add(source.delays[j - 1].draw(&mut rng));
                    }
                    if ts >= end {
                        break;
                    }
                    let mut flow = self.decoder.flow(ts, row_ids, extra_slots, &mut rng);
                    if let Some(slot) = pattern_slot {
                        flow.extra[slot] = Some(label.clone());
                    }
                    rows.push((flow, s));
                }
            }
        }
        sort_by_time(rows)
    }
}

/// Sorts rows by time, keeping the order of equal times. A row is large,
/// so the sort orders `(time, position)` keys and moves each row once.
fn sort_by_time(rows: Vec<Row>) -> Vec<Row> {
    let mut keys: Vec<(Micros, usize)> = rows
        .iter()
        .enumerate()
        .map(|(i, (flow, _))| (flow.ts, i))
        .collect();
    // Keys are unique, so the unstable sort gives the stable order.
    keys.sort_unstable();
    let mut slots: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
    keys.iter().filter_map(|&(_, i)| slots[i].take()).collect()
}

/// Returns the rows before `chunk_end` from `held` and `rows`, in time
/// order, and keeps the later ones in `held`. Both inputs are sorted by
/// time and are merged with held rows first on equal times, which is the
/// stable sort of held rows followed by chunk rows, so `held` stays sorted
/// and the result is deterministic.
fn release(held: &mut Vec<Row>, rows: Vec<Row>, chunk_end: Micros) -> Vec<Row> {
    let mut ready = Vec::with_capacity(rows.len());
    let mut later = Vec::new();
    let mut old = std::mem::take(held).into_iter().peekable();
    let mut new = rows.into_iter().peekable();
    loop {
        let take_old = match (old.peek(), new.peek()) {
            (Some(a), Some(b)) => a.0.ts <= b.0.ts,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let row = if take_old { old.next() } else { new.next() };
        let Some(row) = row else { break };
        if row.0.ts < chunk_end {
            ready.push(row);
        } else {
            later.push(row);
        }
    }
    *held = later;
    ready
}

/// Prepares `model` and generates flows into `sink`; see [`Generator::run`].
pub fn generate<E: From<GenerateError>>(
    model: &Model,
    config: &GenerateConfig,
    sink: &mut dyn FnMut(&Flow, usize) -> Result<(), E>,
) -> Result<GenerateSummary, E> {
    Generator::new(model, config)?.run(sink)
}
