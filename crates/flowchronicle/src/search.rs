//! The MDL search for the pattern set that compresses the data best.
//!
//! The total description length is `L(M) + L(D | M)`:
//! - `L(M) = L_N(|M| + 1) + sum over patterns of (rows + network structure)
//!   + structure of the base network`;
//! - each accepted window costs `log2(T + 1)` for its start tick and
//!   `L_N(d + 1)` per delay `d` between consecutive rows; each used pattern
//!   adds `L_N(usage)` and the prequential (KT) cost of its network on the
//!   table of its windows' free values;
//! - each uncovered row costs `log2(T + 1)` plus its share of the base
//!   network's prequential cost.
//!
//! `T` is the span of the data in ticks. The cost of a start tick is
//! `log2(T + 1)`, the number of possible ticks, rather than `log2 T`, so that
//! data with a single distinct timestamp costs 0 bits of time instead of
//! `log2 0`.
//!
//! The search starts from the empty model. Each iteration ranks a pool of
//! candidates by a cheap estimate and tests them in rank order; a candidate
//! is accepted when it lowers the total length. Testing is incremental: the
//! cover is updated by a cascade from the candidate's windows
//! ([`crate::cover`]), only the patterns whose windows changed are
//! re-costed, and the base network's cost is updated row by row. Candidates
//! are tested in parallel batches, but the first improving candidate in rank
//! order wins, so the result does not depend on the number of threads.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::bn::{self, CostTable, Structure};
use crate::candidates::{self, Candidate, Concatenations};
use crate::cover::{Cover, CoverChange, PatternWindows};
use crate::dataset::{Dataset, Role};
use crate::mdl::universal_integer_bits;
use crate::pattern::{Cell, Pattern};
use crate::windows::{find_windows, Index};

/// Settings of the search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchConfig {
    /// Stop after this many patterns were accepted.
    pub max_patterns: Option<usize>,
    /// Stop after this much time and keep the best model so far.
    pub time_limit: Option<Duration>,
    /// Maximum ticks between the first and last row of a window; `None`
    /// puts no limit, as in the original method.
    pub max_span: Option<u64>,
    /// Consecutive rejected candidates that end an iteration.
    pub max_rejections: usize,
    /// Maximum number of parents of a network variable.
    pub max_parents: usize,
    /// Minimum estimated number of windows for a candidate to be tested.
    pub min_support: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            max_patterns: None,
            time_limit: None,
            max_span: None,
            max_rejections: 20,
            max_parents: bn::DEFAULT_MAX_PARENTS,
            min_support: 2,
        }
    }
}

/// Progress of the search, reported after every tested batch.
#[derive(Debug, Clone)]
pub struct SearchStatus {
    pub iteration: usize,
    pub mode: u8,
    pub patterns: usize,
    pub total_bits: f64,
    pub tested: usize,
}

/// One pattern of the model with its network structure and costs.
#[derive(Debug, Clone)]
pub struct ModelPattern {
    pub pattern: Pattern,
    pub slot: u32,
    pub structure: Structure,
    /// Rows plus structure bits.
    pub model_bits: f64,
    /// Bits of the windows' times, `L_N(usage)` and the network data cost.
    pub data_bits: f64,
}

/// The state of the search: model, cover and costs.
pub struct Miner<'a> {
    pub data: &'a Dataset,
    index: Index,
    config: SearchConfig,
    cover: Cover,
    patterns: Vec<ModelPattern>,
    next_order: u32,
    ip_columns: Vec<bool>,
    cardinalities: Vec<usize>,
    log2_span: f64,
    base_structure: Structure,
    base_costs: CostTable,
    base_structure_bits: f64,
    uncovered: usize,
    /// Extension candidates per pattern slot, dropped when the pattern's
    /// windows change.
    extension_cache: HashMap<u32, Vec<Candidate>>,
}

/// The cost change of a tested candidate, ready to apply.
struct Evaluation {
    delta: f64,
    pattern: Pattern,
    structure: Structure,
    model_bits: f64,
    data_bits: f64,
    change: CoverChange,
    /// New data bits of existing patterns whose windows changed.
    updated: Vec<(u32, f64)>,
    covered: Vec<u32>,
    uncovered: Vec<u32>,
}

/// Reason the search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// No candidate lowered the description length in the final mode.
    Converged,
    /// The candidate pool was exhausted.
    PoolExhausted,
    MaxPatterns,
    TimeLimit,
}

impl<'a> Miner<'a> {
    /// Prepares the empty model: the index, the base network learned on all
    /// rows, and the cost of every row as uncovered.
    pub fn new(data: &'a Dataset, config: SearchConfig) -> Result<Miner<'a>, bn::BnError> {
        let index = Index::build(data);
        let ip_columns: Vec<bool> = data
            .schema
            .features
            .iter()
            .map(|f| f.role == Role::Ip)
            .collect();
        let cardinalities = data.cardinalities();
        let columns: Vec<&[u32]> = data.columns.iter().map(Vec::as_slice).collect();
        let base_structure = bn::learn(&columns, config.max_parents)?;
        let base_costs = CostTable::new(&base_structure, &cardinalities, &columns)?;
        let base_structure_bits = base_structure.structure_bits();
        let log2_span = ((data.span() + 1) as f64).log2();
        Ok(Miner {
            data,
            index,
            config,
            cover: Cover::empty(data.rows()),
            patterns: Vec::new(),
            next_order: 0,
            ip_columns,
            cardinalities,
            log2_span,
            base_structure,
            base_costs,
            base_structure_bits,
            uncovered: data.rows(),
            extension_cache: HashMap::new(),
        })
    }

    /// Returns the total description length of the current model in bits.
    pub fn total_bits(&self) -> f64 {
        let patterns: f64 = self
            .patterns
            .iter()
            .map(|p| p.model_bits + p.data_bits)
            .sum();
        universal_integer_bits(self.patterns.len() as u64 + 1)
            + self.base_structure_bits
            + patterns
            + self.uncovered as f64 * self.log2_span
            + self.base_costs.total_bits()
    }

    /// Returns the patterns of the model in model order.
    pub fn patterns(&self) -> &[ModelPattern] {
        &self.patterns
    }

    /// Returns the cover of the current model.
    pub fn cover(&self) -> &Cover {
        &self.cover
    }

    /// Returns the structure of the base network.
    pub fn base_structure(&self) -> &Structure {
        &self.base_structure
    }

    /// Returns whether each column is an IP column.
    pub fn ip_columns(&self) -> &[bool] {
        &self.ip_columns
    }

    /// Returns the index of the data.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Returns the settings of the search.
    pub fn config(&self) -> &SearchConfig {
        &self.config
    }

    /// Runs the search to the end, calling `progress` after each batch.
    pub fn run(&mut self, progress: &(dyn Fn(&SearchStatus) + Sync)) -> StopReason {
        let started = Instant::now();
        let pairs = candidates::fixed_pairs(self.data, &self.ip_columns, self.config.min_support);
        let mut tested: HashSet<Pattern> = HashSet::new();
        let mut mode = 0u8;
        let mut iteration = 0usize;
        loop {
            iteration += 1;
            if self
                .config
                .max_patterns
                .is_some_and(|max| self.patterns.len() >= max)
            {
                return StopReason::MaxPatterns;
            }
            let mut pool = self.candidate_pool(&pairs, mode);
            log::debug!(
                "iteration {iteration} (mode {mode}): {} patterns, {:.1} bits",
                self.patterns.len(),
                self.total_bits()
            );
            match self.test_pool(&mut pool, &mut tested, started, iteration, mode, progress) {
                Outcome::Accepted => continue,
                Outcome::TimeLimit => return StopReason::TimeLimit,
                Outcome::Rejected | Outcome::Exhausted if mode == 0 => mode = 1,
                Outcome::Rejected => return StopReason::Converged,
                Outcome::Exhausted => return StopReason::PoolExhausted,
            }
        }
    }

    /// Builds the ranked pool of this iteration. Extensions of patterns
    /// whose windows did not change since the last iteration come from a
    /// cache; concatenations are built lazily, pair by pair.
    fn candidate_pool<'p>(&mut self, pairs: &'p [Candidate], mode: u8) -> Pool<'p> {
        let missing: Vec<u32> = self
            .patterns
            .iter()
            .map(|p| p.slot)
            .filter(|s| !self.extension_cache.contains_key(s))
            .collect();
        for (slot, found) in candidates::extensions_of(self, &missing) {
            self.extension_cache.insert(slot, found);
        }
        let mut derived: Vec<Candidate> = self
            .patterns
            .iter()
            .filter_map(|p| self.extension_cache.get(&p.slot))
            .flatten()
            .cloned()
            .collect();
        derived.extend(candidates::merges(self));
        candidates::sort_by_rank(&mut derived);
        Pool {
            pairs,
            pair_position: 0,
            derived,
            derived_position: 0,
            concatenations: (mode == 1).then(|| Concatenations::new(self)),
            concatenation_position: 0,
            pending: VecDeque::new(),
        }
    }

    /// Pulls the next batch of candidates worth testing from the pool.
    fn next_batch(
        &self,
        pool: &mut Pool<'_>,
        size: usize,
        tested: &HashSet<Pattern>,
        seen: &mut HashSet<Pattern>,
    ) -> Vec<Candidate> {
        let in_model: HashSet<&Pattern> = self.patterns.iter().map(|p| &p.pattern).collect();
        let mut batch = Vec::with_capacity(size);
        while batch.len() < size {
            let Some(candidate) = pool.next(self) else {
                break;
            };
            if candidate.estimate < self.config.min_support as f64 {
                break;
            }
            let pattern = candidate.pattern.normalized();
            if pattern.is_valid(&self.ip_columns)
                && !in_model.contains(&pattern)
                && !tested.contains(&pattern)
                && seen.insert(pattern.clone())
            {
                batch.push(Candidate {
                    pattern,
                    estimate: candidate.estimate,
                });
            }
        }
        batch
    }

    fn test_pool(
        &mut self,
        pool: &mut Pool<'_>,
        tested: &mut HashSet<Pattern>,
        started: Instant,
        iteration: usize,
        mode: u8,
        progress: &(dyn Fn(&SearchStatus) + Sync),
    ) -> Outcome {
        let batch_size = rayon::current_num_threads().max(1);
        let mut rejections = 0usize;
        let mut seen: HashSet<Pattern> = HashSet::new();
        let mut any_tested = false;
        loop {
            if self
                .config
                .time_limit
                .is_some_and(|limit| started.elapsed() >= limit)
            {
                return Outcome::TimeLimit;
            }
            let batch = self.next_batch(pool, batch_size, tested, &mut seen);
            if batch.is_empty() {
                return if any_tested {
                    Outcome::Rejected
                } else {
                    Outcome::Exhausted
                };
            }
            any_tested = true;
            let results: Vec<Option<Evaluation>> = batch
                .par_iter()
                .map(|candidate| self.evaluate(&candidate.pattern))
                .collect();
            for (candidate, result) in batch.iter().zip(results) {
                tested.insert(candidate.pattern.clone());
                match result {
                    Some(evaluation) if evaluation.delta < -1e-9 => {
                        tested.insert(evaluation.pattern.clone());
                        let dropped = self.accept(evaluation);
                        self.prune(dropped);
                        progress(&self.status(iteration, mode, tested.len()));
                        return Outcome::Accepted;
                    }
                    _ => rejections += 1,
                }
                if rejections >= self.config.max_rejections {
                    progress(&self.status(iteration, mode, tested.len()));
                    return Outcome::Rejected;
                }
            }
            progress(&self.status(iteration, mode, tested.len()));
        }
    }

    fn status(&self, iteration: usize, mode: u8, tested: usize) -> SearchStatus {
        SearchStatus {
            iteration,
            mode,
            patterns: self.patterns.len(),
            total_bits: self.total_bits(),
            tested,
        }
    }

    /// Tests a candidate: finds its windows, folds its constants, fits its
    /// network and computes the change of the total length.
    fn evaluate(&self, candidate: &Pattern) -> Option<Evaluation> {
        let mut pattern = candidate.normalized();
        let slot = self.cover.next_slot();
        let mut change;
        let mut accepted;
        let mut folds = 0;
        loop {
            let windows = find_windows(&pattern, self.data, &self.index, self.config.max_span);
            if windows.len() < self.config.min_support {
                return None;
            }
            let added = PatternWindows::new(self.next_order, pattern.covered_cells(), windows);
            change = self.cover.evaluate(Some(added), &[]);
            accepted = self.cover.accepted_after(slot, &change);
            if accepted.is_empty() {
                return None;
            }
            let added = self.cover.windows_after(slot, &change)?;
            let folded = fold_constants(&pattern, &added.windows, &accepted, self.data);
            folds += 1;
            if folded == pattern || folds > 8 {
                break;
            }
            pattern = folded;
        }

        let windows = &self.cover.windows_after(slot, &change)?.windows;
        let table = variable_table(&pattern, windows, &accepted, self.data);
        let columns: Vec<&[u32]> = table.iter().map(Vec::as_slice).collect();
        let structure = bn::learn(&columns, self.config.max_parents).ok()?;
        let model_bits = pattern.rows_bits(&self.cardinalities) + structure.structure_bits();
        let data_bits = self.windows_data_bits(&pattern, windows, &accepted, &structure)?;

        let mut delta = universal_integer_bits(self.patterns.len() as u64 + 2)
            - universal_integer_bits(self.patterns.len() as u64 + 1)
            + model_bits
            + data_bits;
        let updated = self.updated_patterns(&change, slot)?;
        for &(s, bits) in &updated {
            delta += bits - self.pattern_at(s)?.data_bits;
        }
        let (covered, uncovered) = change.row_changes(&self.cover);
        delta += self.base_delta(&covered, &uncovered);

        Some(Evaluation {
            delta,
            pattern,
            structure,
            model_bits,
            data_bits,
            change,
            updated,
            covered,
            uncovered,
        })
    }

    fn pattern_at(&self, slot: u32) -> Option<&ModelPattern> {
        self.patterns.iter().find(|p| p.slot == slot)
    }

    /// Returns the new data bits of every existing pattern whose accepted
    /// windows differ after `change`; their structures stay as learned.
    fn updated_patterns(&self, change: &CoverChange, skip: u32) -> Option<Vec<(u32, f64)>> {
        change
            .touched_slots()
            .into_iter()
            .filter(|&s| s != skip && !change.removed.contains(&s))
            .map(|s| {
                let existing = self.pattern_at(s)?;
                let windows = &self.cover.slot(s)?.windows;
                let accepted = self.cover.accepted_after(s, change);
                let bits = self.windows_data_bits(
                    &existing.pattern,
                    windows,
                    &accepted,
                    &existing.structure,
                )?;
                Some((s, bits))
            })
            .collect()
    }

    /// Returns the change of the uncovered rows' cost when `covered` rows
    /// leave the base network and `uncovered` rows join it.
    fn base_delta(&self, covered: &[u32], uncovered: &[u32]) -> f64 {
        let removed: Vec<Vec<u32>> = covered.iter().map(|&r| self.row_values(r)).collect();
        let added: Vec<Vec<u32>> = uncovered.iter().map(|&r| self.row_values(r)).collect();
        let count_change = uncovered.len() as f64 - covered.len() as f64;
        let after = self.base_costs.cost_after(
            removed.iter().map(Vec::as_slice),
            added.iter().map(Vec::as_slice),
        );
        match after {
            Ok(bits) => count_change * self.log2_span + bits - self.base_costs.total_bits(),
            Err(error) => {
                log::error!("base network counts out of step with the cover: {error}");
                f64::INFINITY
            }
        }
    }

    fn row_values(&self, row: u32) -> Vec<u32> {
        self.data.columns.iter().map(|c| c[row as usize]).collect()
    }

    /// Returns the data bits of a pattern's accepted windows: start ticks,
    /// delays, `L_N(usage)` and the network's prequential cost.
    fn windows_data_bits(
        &self,
        pattern: &Pattern,
        windows: &crate::windows::Windows,
        accepted: &[u32],
        structure: &Structure,
    ) -> Option<f64> {
        if accepted.is_empty() {
            return Some(0.0);
        }
        let mut bits =
            accepted.len() as f64 * self.log2_span + universal_integer_bits(accepted.len() as u64);
        for &w in accepted {
            let rows = windows.get(w as usize);
            for pair in rows.windows(2) {
                let delay = self.data.ticks[pair[1] as usize] - self.data.ticks[pair[0] as usize];
                bits += universal_integer_bits(delay + 1);
            }
        }
        let mut table = variable_table(pattern, windows, accepted, self.data);
        let alphabets: Vec<usize> = table.iter_mut().map(|c| densify(c)).collect();
        let columns: Vec<&[u32]> = table.iter().map(Vec::as_slice).collect();
        bits += bn::data_bits(structure, &columns, &alphabets).ok()?;
        Some(bits)
    }

    /// Adds an evaluated candidate to the model and returns the slots of
    /// the patterns whose usage dropped.
    fn accept(&mut self, evaluation: Evaluation) -> Vec<u32> {
        let slot = self.cover.next_slot();
        log::debug!(
            "accepted a {}-row pattern, {:.1} bits saved",
            evaluation.pattern.len(),
            -evaluation.delta
        );
        let dropped = self.apply_cover_change(
            evaluation.change,
            &evaluation.updated,
            &evaluation.covered,
            &evaluation.uncovered,
        );
        self.patterns.push(ModelPattern {
            pattern: evaluation.pattern,
            slot,
            structure: evaluation.structure,
            model_bits: evaluation.model_bits,
            data_bits: evaluation.data_bits,
        });
        self.next_order += 1;
        dropped
    }

    /// Applies a cover change with its cost updates and returns the slots
    /// of existing patterns whose usage dropped.
    fn apply_cover_change(
        &mut self,
        change: CoverChange,
        updated: &[(u32, f64)],
        covered: &[u32],
        uncovered: &[u32],
    ) -> Vec<u32> {
        let dropped: Vec<u32> = change
            .touched_slots()
            .into_iter()
            .filter(|&s| !change.removed.contains(&s))
            .filter(|&s| {
                self.cover
                    .slot(s)
                    .is_some_and(|w| self.cover.accepted_after(s, &change).len() < w.usage())
            })
            .collect();
        for &row in covered {
            let values = self.row_values(row);
            if let Err(error) = self.base_costs.remove_row(&values) {
                log::error!("base network counts out of step with the cover at row {row}: {error}");
            }
        }
        for &row in uncovered {
            let values = self.row_values(row);
            if let Err(error) = self.base_costs.add_row(&values) {
                log::error!("base network counts out of step with the cover at row {row}: {error}");
            }
        }
        self.uncovered = self.uncovered + uncovered.len() - covered.len();
        for slot in change
            .touched_slots()
            .into_iter()
            .chain(change.removed.iter().copied())
        {
            self.extension_cache.remove(&slot);
        }
        for &(slot, bits) in updated {
            if let Some(p) = self.patterns.iter_mut().find(|p| p.slot == slot) {
                p.data_bits = bits;
            }
        }
        self.cover.apply(change);
        dropped
    }

    /// Removes, among the patterns whose usage dropped, every one whose
    /// removal does not lengthen the total, in model order. A removal can
    /// make other patterns lose occurrences; they are examined too.
    fn prune(&mut self, mut dropped: Vec<u32>) {
        loop {
            dropped.sort_unstable();
            dropped.dedup();
            let mut removed = None;
            for &slot in &dropped {
                let Some((delta, change, updated, covered, uncovered)) = self.removal(slot) else {
                    continue;
                };
                if delta <= 0.0 {
                    log::debug!("pruned pattern in slot {slot}, {:.1} bits saved", -delta);
                    let more = self.apply_cover_change(change, &updated, &covered, &uncovered);
                    self.patterns.retain(|p| p.slot != slot);
                    removed = Some((slot, more));
                    break;
                }
            }
            match removed {
                Some((slot, more)) => {
                    dropped.retain(|&s| s != slot);
                    dropped.extend(more);
                }
                None => return,
            }
        }
    }

    /// Returns the change of the total length when the pattern in `slot`
    /// is removed, with the cover change that removal makes.
    #[allow(clippy::type_complexity)]
    fn removal(
        &self,
        slot: u32,
    ) -> Option<(f64, CoverChange, Vec<(u32, f64)>, Vec<u32>, Vec<u32>)> {
        let existing = self.pattern_at(slot)?;
        let change = self.cover.evaluate(None, &[slot]);
        let updated = self.updated_patterns(&change, slot)?;
        let mut delta = universal_integer_bits(self.patterns.len() as u64)
            - universal_integer_bits(self.patterns.len() as u64 + 1)
            - existing.model_bits
            - existing.data_bits;
        for &(s, bits) in &updated {
            delta += bits - self.pattern_at(s)?.data_bits;
        }
        let (covered, uncovered) = change.row_changes(&self.cover);
        delta += self.base_delta(&covered, &uncovered);
        Some((delta, change, updated, covered, uncovered))
    }

    /// Returns how many bits each pattern saves: the total length without
    /// it minus the total length with it.
    pub fn bits_saved(&self) -> Vec<f64> {
        self.patterns
            .par_iter()
            .map(|p| self.removal(p.slot).map_or(0.0, |r| r.0))
            .collect()
    }
}

enum Outcome {
    Accepted,
    Rejected,
    Exhausted,
    TimeLimit,
}

/// The candidates of one iteration as three streams, each sorted by
/// estimate, merged on the fly so that concatenations are only built when
/// their turn comes.
struct Pool<'p> {
    pairs: &'p [Candidate],
    pair_position: usize,
    derived: Vec<Candidate>,
    derived_position: usize,
    concatenations: Option<Concatenations>,
    concatenation_position: usize,
    pending: VecDeque<Candidate>,
}

impl Pool<'_> {
    /// Returns the candidate with the highest estimate left; ties go to
    /// model-derived candidates, then value pairs, then concatenations.
    fn next(&mut self, miner: &Miner<'_>) -> Option<Candidate> {
        if let Some(candidate) = self.pending.pop_front() {
            return Some(candidate);
        }
        let derived = self.derived.get(self.derived_position).map(|c| c.estimate);
        let pair = self.pairs.get(self.pair_position).map(|c| c.estimate);
        let concatenation = self
            .concatenations
            .as_ref()
            .and_then(|c| c.estimate(self.concatenation_position));
        let best = [derived, pair, concatenation]
            .into_iter()
            .flatten()
            .fold(f64::NEG_INFINITY, f64::max);
        if derived == Some(best) {
            self.derived_position += 1;
            return Some(self.derived[self.derived_position - 1].clone());
        }
        if pair == Some(best) {
            self.pair_position += 1;
            return Some(self.pairs[self.pair_position - 1].clone());
        }
        let concatenations = self.concatenations.as_ref()?;
        concatenation?;
        let built = concatenations.candidates(self.concatenation_position, miner);
        self.concatenation_position += 1;
        self.pending.extend(built);
        self.next(miner)
    }
}

/// Renumbers the values of a column densely (`0..r` in ascending order of
/// the original ids) and returns `r`, the number of distinct values, which
/// is the alphabet of the prequential code of a pattern's network.
pub fn densify(column: &mut [u32]) -> usize {
    let mut values = column.to_vec();
    values.sort_unstable();
    values.dedup();
    for v in column.iter_mut() {
        *v = values.partition_point(|&x| x < *v) as u32;
    }
    values.len().max(1)
}

/// Builds the table of a pattern's network variables over the accepted
/// windows: one column per free or SET cell, in [`Pattern::variables`]
/// order.
pub fn variable_table(
    pattern: &Pattern,
    windows: &crate::windows::Windows,
    accepted: &[u32],
    data: &Dataset,
) -> Vec<Vec<u32>> {
    pattern
        .variables()
        .into_iter()
        .map(|(j, c)| {
            accepted
                .iter()
                .map(|&w| data.columns[c][windows.get(w as usize)[j] as usize])
                .collect()
        })
        .collect()
}

/// Turns every network variable that takes a single value over the
/// accepted windows into a FIX cell. A constant SET becomes FIX together
/// with every USE of its placeholder.
pub fn fold_constants(
    pattern: &Pattern,
    windows: &crate::windows::Windows,
    accepted: &[u32],
    data: &Dataset,
) -> Pattern {
    let mut folded = pattern.clone();
    for (j, c) in pattern.variables() {
        let mut values = accepted
            .iter()
            .map(|&w| data.columns[c][windows.get(w as usize)[j] as usize]);
        let Some(first) = values.next() else {
            continue;
        };
        if values.any(|v| v != first) {
            continue;
        }
        if let Cell::Set(x) = pattern.rows[j][c] {
            for row in folded.rows.iter_mut() {
                for cell in row.iter_mut() {
                    if *cell == Cell::Use(x) {
                        *cell = Cell::Fix(first);
                    }
                }
            }
        }
        folded.rows[j][c] = Cell::Fix(first);
    }
    folded.normalized()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::windows::tests::toy;
    use crate::windows::Windows;

    #[test]
    fn window_data_bits_by_hand() {
        // Five rows, one tick apart: T = 4, so a start tick costs log2 5.
        // Windows [0, 3] and [1, 4]: each has one delay of 3 ticks, costing
        // L_N(4) = log2 2.865064 + 2 + 1 = 4.518567. L_N(usage 2) =
        // 2.518567. With the empty network the variables are the SET cell
        // (values 1, 2) and the free dst_ip of row 2 (values 7, 8); each
        // has counts [1, 1] over an alphabet of 2, a KT cost of
        // log2(1) + log2(2) - 2 log2(0.5) = 3 bits.
        // Total: 2 * 2.321928 + 2 * 4.518567 + 2.518567 + 6 = 22.199557.
        let data = toy(&[[1, 9, 53], [2, 9, 53], [3, 5, 80], [1, 7, 443], [2, 8, 443]]);
        let miner = Miner::new(&data, SearchConfig::default()).unwrap();
        let pattern = Pattern {
            rows: vec![
                vec![Cell::Set(0), Cell::Fix(9), Cell::Fix(53)],
                vec![Cell::Use(0), Cell::Free, Cell::Fix(443)],
            ],
        };
        let windows = Windows {
            k: 2,
            rows: vec![0, 3, 1, 4],
        };
        let structure = Structure::empty(2, 3);
        let bits = miner
            .windows_data_bits(&pattern, &windows, &[0, 1], &structure)
            .unwrap();
        assert!((bits - 22.199557).abs() < 1e-5, "{bits}");
    }

    #[test]
    fn total_bits_of_empty_model() {
        // With no pattern: L_N(1) + base structure + every row's time
        // (5 rows at log2 5) + the base network's KT cost, all non-negative.
        let data = toy(&[[1, 9, 53], [2, 9, 53], [3, 5, 80], [1, 7, 443], [2, 8, 443]]);
        let miner = Miner::new(&data, SearchConfig::default()).unwrap();
        let time_bits = 5.0 * 5f64.log2();
        let expected = universal_integer_bits(1)
            + miner.base_structure().structure_bits()
            + time_bits
            + miner.base_costs.total_bits();
        assert!((miner.total_bits() - expected).abs() < 1e-9);
        assert!(miner.base_costs.total_bits() > 0.0);
    }
}
