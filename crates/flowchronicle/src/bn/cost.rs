//! Incremental prequential KT data cost of a table under a fixed structure.
//!
//! For one variable and one parent configuration with `M` rows, `c` of
//! which take value `x`, removing one such row changes the KT code length
//! [`crate::mdl::kt_bits`] by
//! `[log2 Γ(M-1+rε) - log2 Γ(M+rε)] - [log2 Γ(c-1+ε) - log2 Γ(c+ε)]`
//! `= log2(c-1+ε) - log2(M-1+rε)`, because `log2 Γ(y+1) - log2 Γ(y) = log2 y`.
//! Adding one changes it by `log2(M+rε) - log2(c+ε)`, with the counts
//! before the addition. Each update therefore costs two logarithms and two
//! hash-map updates per variable.

use rayon::prelude::*;

use super::counting::KeyMap;
use super::{check_columns, BnError, Structure};
use crate::mdl::{log2_gamma, KT_EPSILON};

/// Hypothetical count changes of at most this many rows are summed as
/// logarithms; larger ones use log-gamma differences.
const LOG_LOOP_LIMIT: u32 = 16;

/// Counts of one variable per (parent configuration, value).
#[derive(Debug, Clone)]
struct NodeCounts {
    variable: usize,
    parents: Vec<usize>,
    /// Mixed-radix multipliers: the configuration key is
    /// `Σ_i row[parents[i]] · multipliers[i]`.
    multipliers: Vec<u64>,
    alphabet: usize,
    /// `r ε` of the KT estimator.
    prior: f64,
    config_totals: KeyMap<u64, u32>,
    cells: KeyMap<(u64, u32), u32>,
}

impl NodeCounts {
    fn config_key(&self, row: &[u32]) -> u64 {
        let mut key = 0u64;
        for (&p, &m) in self.parents.iter().zip(&self.multipliers) {
            key += u64::from(row[p]) * m;
        }
        key
    }

    /// KT code length of the counts, from scratch.
    fn bits(&self) -> f64 {
        if self.alphabet <= 1 {
            return 0.0;
        }
        let mut config_bits = 0.0;
        for &total in self.config_totals.values() {
            config_bits += log2_gamma(f64::from(total) + self.prior) - log2_gamma(self.prior);
        }
        let mut cell_bits = 0.0;
        for &count in self.cells.values() {
            cell_bits += log2_gamma(f64::from(count) + KT_EPSILON) - log2_gamma(KT_EPSILON);
        }
        config_bits - cell_bits
    }
}

/// A running sum with Neumaier's compensation, so that millions of small
/// updates do not drift from the sum computed from scratch.
#[derive(Debug, Clone, Copy, Default)]
struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    fn add(&mut self, value: f64) {
        let t = self.sum + value;
        if self.sum.abs() >= value.abs() {
            self.compensation += (self.sum - t) + value;
        } else {
            self.compensation += (value - t) + self.sum;
        }
        self.sum = t;
    }

    fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// Per-variable counts of a table under a fixed structure, with the table's
/// prequential KT code length ([`super::data_bits`]) kept up to date as
/// rows are removed and added.
///
/// A row is a slice with one value id per variable. Rows must only be
/// removed if they were counted: the table rejects a removal that would
/// make a count negative, but cannot tell apart two rows that agree on
/// every family.
#[derive(Debug, Clone)]
pub struct CostTable {
    nodes: Vec<NodeCounts>,
    rows: u64,
    total: CompensatedSum,
}

impl CostTable {
    /// Counts every row of a column-major table. `alphabets[v]` is the KT
    /// alphabet size of variable `v`; every value id must be below it.
    pub fn new(
        structure: &Structure,
        alphabets: &[usize],
        columns: &[&[u32]],
    ) -> Result<CostTable, BnError> {
        let variables = structure.len();
        for found in [alphabets.len(), columns.len()] {
            if found != variables {
                return Err(BnError::VariableCount {
                    expected: variables,
                    found,
                });
            }
        }
        let rows = check_columns(columns)?;
        if rows > u32::MAX as usize {
            return Err(BnError::CountOverflow);
        }
        for (variable, column) in columns.iter().enumerate() {
            if let Some(&value) = column.iter().find(|&&x| x as usize >= alphabets[variable]) {
                return Err(BnError::ValueOutOfAlphabet {
                    variable,
                    value,
                    alphabet: alphabets[variable],
                });
            }
        }
        let nodes: Vec<NodeCounts> = (0..variables)
            .into_par_iter()
            .map(|v| count_node(structure, alphabets, columns, v, rows))
            .collect::<Result<_, _>>()?;
        let mut total = CompensatedSum::default();
        for node in &nodes {
            total.add(node.bits());
        }
        Ok(CostTable {
            nodes,
            rows: rows as u64,
            total,
        })
    }

    /// Returns the current code length in bits.
    pub fn total_bits(&self) -> f64 {
        self.total.value().max(0.0)
    }

    /// Returns the number of rows currently counted.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Returns the number of variables.
    pub fn variables(&self) -> usize {
        self.nodes.len()
    }

    /// Recomputes the code length from the counts, without the accumulated
    /// rounding of the incremental updates.
    pub fn recomputed_bits(&self) -> f64 {
        self.nodes
            .iter()
            .map(NodeCounts::bits)
            .sum::<f64>()
            .max(0.0)
    }

    fn check_row(&self, row: &[u32]) -> Result<(), BnError> {
        if row.len() != self.nodes.len() {
            return Err(BnError::VariableCount {
                expected: self.nodes.len(),
                found: row.len(),
            });
        }
        for (variable, (&value, node)) in row.iter().zip(&self.nodes).enumerate() {
            if value as usize >= node.alphabet {
                return Err(BnError::ValueOutOfAlphabet {
                    variable,
                    value,
                    alphabet: node.alphabet,
                });
            }
        }
        Ok(())
    }

    /// Removes one row from the counts and updates the code length. On
    /// error the table is unchanged.
    pub fn remove_row(&mut self, row: &[u32]) -> Result<(), BnError> {
        self.check_row(row)?;
        let mut delta = 0.0;
        for v in 0..self.nodes.len() {
            match remove_from_node(&mut self.nodes[v], row) {
                Ok(change) => delta += change,
                Err(error) => {
                    // Put back what the earlier variables gave up.
                    for node in &mut self.nodes[..v] {
                        add_to_node(node, row);
                    }
                    return Err(error);
                }
            }
        }
        self.total.add(delta);
        self.rows -= 1;
        Ok(())
    }

    /// Adds one row to the counts and updates the code length.
    pub fn add_row(&mut self, row: &[u32]) -> Result<(), BnError> {
        self.check_row(row)?;
        if self.rows >= u64::from(u32::MAX) {
            return Err(BnError::CountOverflow);
        }
        let mut delta = 0.0;
        for node in &mut self.nodes {
            delta += add_to_node(node, row);
        }
        self.total.add(delta);
        self.rows += 1;
        Ok(())
    }

    /// Returns the code length the table would have after removing `rows`,
    /// without changing it. Fails when the rows are not all counted (a
    /// count would become negative) or a row is malformed.
    pub fn cost_without<'r>(
        &self,
        rows: impl IntoIterator<Item = &'r [u32]>,
    ) -> Result<f64, BnError> {
        self.cost_after(rows, std::iter::empty())
    }

    /// Returns the code length the table would have after removing
    /// `removed` and adding `added`, without changing it. A row may appear
    /// in both, and the result does not depend on the order of the rows.
    /// Fails when a count would become negative or a row is malformed.
    pub fn cost_after<'r>(
        &self,
        removed: impl IntoIterator<Item = &'r [u32]>,
        added: impl IntoIterator<Item = &'r [u32]>,
    ) -> Result<f64, BnError> {
        let mut change = CountChange::default();
        for row in removed {
            self.check_row(row)?;
            change.record(self, row, -1);
        }
        for row in added {
            self.check_row(row)?;
            change.record(self, row, 1);
        }
        Ok((self.total.value() + change.delta(self)?).max(0.0))
    }

    /// Like [`CostTable::cost_without`], with the rows given as indices into
    /// a column-major table.
    pub fn cost_without_indices(&self, columns: &[&[u32]], rows: &[usize]) -> Result<f64, BnError> {
        self.cost_after_indices(columns, rows, &[])
    }

    /// Like [`CostTable::cost_after`], with the rows given as indices into a
    /// column-major table.
    pub fn cost_after_indices(
        &self,
        columns: &[&[u32]],
        removed: &[usize],
        added: &[usize],
    ) -> Result<f64, BnError> {
        if columns.len() != self.nodes.len() {
            return Err(BnError::VariableCount {
                expected: self.nodes.len(),
                found: columns.len(),
            });
        }
        let length = check_columns(columns)?;
        let mut change = CountChange::default();
        let mut row = vec![0u32; columns.len()];
        for (indices, sign) in [(removed, -1), (added, 1)] {
            for &index in indices {
                if index >= length {
                    return Err(BnError::RowIndexOutOfRange {
                        index,
                        rows: length,
                    });
                }
                for (slot, column) in row.iter_mut().zip(columns) {
                    *slot = column[index];
                }
                self.check_row(&row)?;
                change.record(self, &row, sign);
            }
        }
        Ok((self.total.value() + change.delta(self)?).max(0.0))
    }
}

fn count_node(
    structure: &Structure,
    alphabets: &[usize],
    columns: &[&[u32]],
    v: usize,
    rows: usize,
) -> Result<NodeCounts, BnError> {
    let parents = structure.parents_of(v).to_vec();
    let mut multipliers = Vec::with_capacity(parents.len());
    let mut space: u64 = 1;
    for &p in &parents {
        multipliers.push(space);
        space = space
            .checked_mul(alphabets[p].max(1) as u64)
            .ok_or(BnError::ConfigSpaceTooLarge { variable: v })?;
    }
    let mut node = NodeCounts {
        variable: v,
        parents,
        multipliers,
        alphabet: alphabets[v],
        prior: alphabets[v] as f64 * KT_EPSILON,
        config_totals: KeyMap::default(),
        cells: KeyMap::default(),
    };
    let mut keys = vec![0u64; rows];
    for (&p, &m) in node.parents.iter().zip(&node.multipliers) {
        for (key, &x) in keys.iter_mut().zip(columns[p]) {
            *key += u64::from(x) * m;
        }
    }
    for (&key, &x) in keys.iter().zip(columns[v]) {
        *node.config_totals.entry(key).or_insert(0) += 1;
        *node.cells.entry((key, x)).or_insert(0) += 1;
    }
    Ok(node)
}

/// Removes the row from one variable's counts and returns the change of
/// its code length. Fails when the row's cell is empty, and then leaves
/// the counts unchanged.
fn remove_from_node(node: &mut NodeCounts, row: &[u32]) -> Result<f64, BnError> {
    let v = node.variable;
    let key = node.config_key(row);
    let cell = (key, row[v]);
    let count = match node.cells.get_mut(&cell) {
        Some(count) => count,
        None => return Err(BnError::RowNotPresent { variable: v }),
    };
    let c = *count;
    *count -= 1;
    if c == 1 {
        node.cells.remove(&cell);
    }
    // A present cell implies its configuration total is at least `c`.
    let total = node
        .config_totals
        .get_mut(&key)
        .ok_or(BnError::RowNotPresent { variable: v })?;
    let m = *total;
    *total -= 1;
    if m == 1 {
        node.config_totals.remove(&key);
    }
    if node.alphabet <= 1 {
        return Ok(0.0);
    }
    Ok((f64::from(c) - 1.0 + KT_EPSILON).log2() - (f64::from(m) - 1.0 + node.prior).log2())
}

/// Adds the row to one variable's counts and returns the change of its
/// code length.
fn add_to_node(node: &mut NodeCounts, row: &[u32]) -> f64 {
    let key = node.config_key(row);
    let count = node.cells.entry((key, row[node.variable])).or_insert(0);
    let c = *count;
    *count += 1;
    let total = node.config_totals.entry(key).or_insert(0);
    let m = *total;
    *total += 1;
    if node.alphabet <= 1 {
        return 0.0;
    }
    (f64::from(m) + node.prior).log2() - (f64::from(c) + KT_EPSILON).log2()
}

/// Net count changes of a hypothetical update, per variable. Keys carry
/// the variable's index so that one map serves all variables.
#[derive(Default)]
struct CountChange {
    cells: KeyMap<(usize, u64, u32), i64>,
    configs: KeyMap<(usize, u64), i64>,
}

impl CountChange {
    fn record(&mut self, table: &CostTable, row: &[u32], sign: i64) {
        for (i, node) in table.nodes.iter().enumerate() {
            let key = node.config_key(row);
            *self.cells.entry((i, key, row[node.variable])).or_insert(0) += sign;
            *self.configs.entry((i, key)).or_insert(0) += sign;
        }
    }

    /// Returns the change of the code length. Terms are summed in key
    /// order, so the result does not depend on the order of the rows.
    fn delta(&self, table: &CostTable) -> Result<f64, BnError> {
        let mut cells: Vec<_> = self.cells.iter().map(|(&k, &d)| (k, d)).collect();
        cells.sort_unstable();
        let mut configs: Vec<_> = self.configs.iter().map(|(&k, &d)| (k, d)).collect();
        configs.sort_unstable();

        let mut delta = 0.0;
        for ((i, key, value), change) in cells {
            let node = &table.nodes[i];
            let count = node.cells.get(&(key, value)).copied().unwrap_or(0);
            let after = shifted_count(count, change, node.variable)?;
            if node.alphabet > 1 {
                // Each cell contributes -[log2 Γ(c + ε) - log2 Γ(ε)].
                delta -= log2_gamma_shift(count, after, KT_EPSILON);
            }
        }
        for ((i, key), change) in configs {
            let node = &table.nodes[i];
            let total = node.config_totals.get(&key).copied().unwrap_or(0);
            let after = shifted_count(total, change, node.variable)?;
            if node.alphabet > 1 {
                // Each configuration contributes log2 Γ(M + rε) - log2 Γ(rε).
                delta += log2_gamma_shift(total, after, node.prior);
            }
        }
        Ok(delta)
    }
}

/// Returns `count + change`, failing when it would be negative or overflow.
fn shifted_count(count: u32, change: i64, variable: usize) -> Result<u32, BnError> {
    let after = i64::from(count) + change;
    if after < 0 {
        return Err(BnError::RowNotPresent { variable });
    }
    u32::try_from(after).map_err(|_| BnError::CountOverflow)
}

/// Returns `log2 Γ(to + offset) - log2 Γ(from + offset)`. For nearby
/// counts it sums `log2(j + offset)` over the counts in between, which is
/// exact to rounding; for distant ones it uses log-gamma.
fn log2_gamma_shift(from: u32, to: u32, offset: f64) -> f64 {
    let (low, high, sign) = if from <= to {
        (from, to, 1.0)
    } else {
        (to, from, -1.0)
    };
    let magnitude = if high - low <= LOG_LOOP_LIMIT {
        (low..high).map(|j| (f64::from(j) + offset).log2()).sum()
    } else {
        log2_gamma(f64::from(high) + offset) - log2_gamma(f64::from(low) + offset)
    };
    sign * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bn::data_bits;
    use crate::bn::structure::data_bits_by_groups;
    use proptest::prelude::*;

    fn sample_table() -> (Structure, Vec<Vec<u32>>, Vec<usize>) {
        let structure =
            Structure::new(vec![vec![], vec![0], vec![0, 1], vec![]], 3).expect("acyclic");
        let columns = vec![
            vec![0, 1, 2, 0, 1, 2, 0, 0, 3, 1],
            vec![4, 4, 1, 4, 1, 1, 4, 0, 2, 4],
            vec![0, 0, 0, 1, 1, 1, 0, 1, 1, 0],
            vec![7, 7, 7, 7, 7, 7, 7, 7, 7, 7],
        ];
        (structure, columns, vec![4, 6, 2, 9])
    }

    fn slices(columns: &[Vec<u32>]) -> Vec<&[u32]> {
        columns.iter().map(|c| c.as_slice()).collect()
    }

    fn row_of(columns: &[Vec<u32>], index: usize) -> Vec<u32> {
        columns.iter().map(|c| c[index]).collect()
    }

    #[test]
    fn initial_cost_equals_data_bits() {
        let (structure, columns, alphabets) = sample_table();
        let table = CostTable::new(&structure, &alphabets, &slices(&columns)).expect("valid input");
        let expected = data_bits(&structure, &slices(&columns), &alphabets).expect("valid input");
        assert!((table.total_bits() - expected).abs() < 1e-9);
        assert!((table.recomputed_bits() - expected).abs() < 1e-9);
        assert_eq!(table.rows(), 10);
    }

    #[test]
    fn remove_then_add_restores_cost() {
        let (structure, columns, alphabets) = sample_table();
        let mut table =
            CostTable::new(&structure, &alphabets, &slices(&columns)).expect("valid input");
        let before = table.total_bits();
        let row = row_of(&columns, 3);
        table.remove_row(&row).expect("row is counted");
        assert!(table.total_bits() < before);
        table.add_row(&row).expect("valid row");
        assert!((table.total_bits() - before).abs() < 1e-9);
    }

    #[test]
    fn remove_uncounted_row_leaves_table_unchanged() {
        let (structure, columns, alphabets) = sample_table();
        let mut table =
            CostTable::new(&structure, &alphabets, &slices(&columns)).expect("valid input");
        let before = table.total_bits();
        // Value 5 of variable 1 never occurs, so its cell is empty.
        let row = vec![0, 5, 0, 7];
        assert!(matches!(
            table.remove_row(&row),
            Err(BnError::RowNotPresent { variable: 1 })
        ));
        assert_eq!(table.total_bits(), before);
        assert_eq!(table.rows(), 10);
        assert!(matches!(
            table.cost_without([row.as_slice()]),
            Err(BnError::RowNotPresent { .. })
        ));
        // Removing every row once works; a second time fails.
        let all: Vec<Vec<u32>> = (0..10).map(|i| row_of(&columns, i)).collect();
        assert!(table.cost_without(all.iter().map(|r| r.as_slice())).is_ok());
        let twice = all.iter().chain(all.iter()).map(|r| r.as_slice());
        assert!(table.cost_without(twice).is_err());
    }

    #[test]
    fn malformed_rows_rejected() {
        let (structure, columns, alphabets) = sample_table();
        let mut table =
            CostTable::new(&structure, &alphabets, &slices(&columns)).expect("valid input");
        assert!(matches!(
            table.add_row(&[0, 1, 0]),
            Err(BnError::VariableCount {
                expected: 4,
                found: 3
            })
        ));
        assert!(matches!(
            table.add_row(&[4, 1, 0, 7]),
            Err(BnError::ValueOutOfAlphabet { variable: 0, .. })
        ));
        let bad_alphabets = vec![3, 6, 2, 9];
        assert!(matches!(
            CostTable::new(&structure, &bad_alphabets, &slices(&columns)),
            Err(BnError::ValueOutOfAlphabet {
                variable: 0,
                value: 3,
                alphabet: 3
            })
        ));
    }

    #[test]
    fn removing_everything_costs_zero() {
        let (structure, columns, alphabets) = sample_table();
        let mut table =
            CostTable::new(&structure, &alphabets, &slices(&columns)).expect("valid input");
        let indices: Vec<usize> = (0..10).collect();
        let hypothetical = table
            .cost_without_indices(&slices(&columns), &indices)
            .expect("all counted");
        assert!(hypothetical.abs() < 1e-9);
        for i in 0..10 {
            table
                .remove_row(&row_of(&columns, i))
                .expect("row is counted");
        }
        assert!(table.total_bits().abs() < 1e-9);
        assert_eq!(table.rows(), 0);
    }

    #[test]
    fn row_index_out_of_range() {
        let (structure, columns, alphabets) = sample_table();
        let table = CostTable::new(&structure, &alphabets, &slices(&columns)).expect("valid input");
        let result = table.cost_after_indices(&slices(&columns), &[0], &[10]);
        assert_eq!(
            result,
            Err(BnError::RowIndexOutOfRange {
                index: 10,
                rows: 10
            })
        );
    }

    #[test]
    fn empty_network() {
        let structure = Structure::empty(0, 3);
        let mut table = CostTable::new(&structure, &[], &[]).expect("no variables is valid");
        assert_eq!(table.total_bits(), 0.0);
        table.add_row(&[]).expect("empty row");
        assert_eq!(table.total_bits(), 0.0);
    }

    #[test]
    fn log2_gamma_shift_both_branches() {
        // log2 Γ(10.5) - log2 Γ(7.5) = log2(7.5 · 8.5 · 9.5).
        let expected = (9.5f64 * 8.5 * 7.5).log2();
        assert!((log2_gamma_shift(7, 10, 0.5) - expected).abs() < 1e-12);
        assert!((log2_gamma_shift(10, 7, 0.5) + expected).abs() < 1e-12);
        assert_eq!(log2_gamma_shift(4, 4, 0.5), 0.0);
        // Forty steps take the log-gamma branch.
        let looped: f64 = (60..100u32).map(|j| (f64::from(j) + 2.5).log2()).sum();
        assert!((log2_gamma_shift(60, 100, 2.5) - looped).abs() < 1e-9);
        assert!((log2_gamma_shift(100, 60, 2.5) + looped).abs() < 1e-9);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn incremental_equals_scratch(
            rows in prop::collection::vec((0u32..3, 0u32..4, 0u32..2), 1..60),
            removed in prop::collection::vec(any::<bool>(), 60),
            shape in 0usize..3,
        ) {
            let columns = vec![
                rows.iter().map(|r| r.0).collect::<Vec<u32>>(),
                rows.iter().map(|r| r.1).collect(),
                rows.iter().map(|r| r.2).collect(),
            ];
            let parents = match shape {
                0 => vec![vec![], vec![], vec![]],
                1 => vec![vec![], vec![0], vec![0, 1]],
                _ => vec![vec![2], vec![0, 2], vec![]],
            };
            let structure = Structure::new(parents, 3).expect("acyclic");
            let alphabets = [3, 5, 2];
            let mut table = CostTable::new(&structure, &alphabets, &slices(&columns)).expect("valid input");

            let removed_rows: Vec<usize> = (0..rows.len()).filter(|&i| removed[i]).collect();
            let kept_rows: Vec<usize> = (0..rows.len()).filter(|&i| !removed[i]).collect();
            let hypothetical = table.cost_without_indices(&slices(&columns), &removed_rows).expect("rows counted");
            for &i in &removed_rows {
                table.remove_row(&row_of(&columns, i)).expect("row counted");
            }
            let remaining: Vec<Vec<u32>> = columns.iter().map(|c| kept_rows.iter().map(|&i| c[i]).collect()).collect();
            let scratch = data_bits_by_groups(&structure, &slices(&remaining), &alphabets);
            prop_assert!((table.total_bits() - scratch).abs() < 1e-6, "{} vs {}", table.total_bits(), scratch);
            prop_assert!((hypothetical - scratch).abs() < 1e-6, "{} vs {}", hypothetical, scratch);
        }

        #[test]
        fn cost_after_equals_scratch(
            rows in prop::collection::vec((0u32..3, 0u32..4, 0u32..2), 1..40),
            removed in prop::collection::vec(any::<bool>(), 40),
            added in prop::collection::vec(0usize..40, 0..30),
        ) {
            let columns = vec![
                rows.iter().map(|r| r.0).collect::<Vec<u32>>(),
                rows.iter().map(|r| r.1).collect(),
                rows.iter().map(|r| r.2).collect(),
            ];
            let structure = Structure::new(vec![vec![2], vec![0, 2], vec![]], 3).expect("acyclic");
            let alphabets = [3, 5, 2];
            let mut table = CostTable::new(&structure, &alphabets, &slices(&columns)).expect("valid input");

            // Remove a subset, then add copies of arbitrary rows (some of
            // them just removed, some still counted).
            let removed_rows: Vec<usize> = (0..rows.len()).filter(|&i| removed[i]).collect();
            let added_rows: Vec<usize> = added.iter().map(|&i| i % rows.len()).collect();
            let mut final_rows: Vec<usize> = (0..rows.len()).filter(|&i| !removed[i]).collect();
            final_rows.extend(&added_rows);
            let final_columns: Vec<Vec<u32>> = columns.iter().map(|c| final_rows.iter().map(|&i| c[i]).collect()).collect();
            let scratch = data_bits_by_groups(&structure, &slices(&final_columns), &alphabets);

            let hypothetical = table
                .cost_after_indices(&slices(&columns), &removed_rows, &added_rows)
                .expect("rows counted");
            prop_assert!((hypothetical - scratch).abs() < 1e-6, "{} vs {}", hypothetical, scratch);

            for &i in &removed_rows {
                table.remove_row(&row_of(&columns, i)).expect("row counted");
            }
            for &i in &added_rows {
                table.add_row(&row_of(&columns, i)).expect("valid row");
            }
            prop_assert!((table.total_bits() - scratch).abs() < 1e-6, "{} vs {}", table.total_bits(), scratch);
            prop_assert_eq!(table.rows(), final_rows.len() as u64);
        }
    }
}
