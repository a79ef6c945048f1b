//! Bayesian networks over integer-coded discrete data.
//!
//! Data arrives column-major, as in [`crate::dataset::Dataset`]: one slice
//! of value ids per variable, all of the same length. The module provides
//!
//! - [`learn`]: structure learning by hill climbing over directed acyclic
//!   graphs, maximising the BIC score (Schwarz 1978);
//! - [`Structure`]: a validated graph with its description length
//!   ([`Structure::structure_bits`]);
//! - [`data_bits`]: the prequential Krichevsky–Trofimov code length of a
//!   table under a structure;
//! - [`CostTable`]: the same code length kept up to date while rows are
//!   removed from or added to the table, and evaluated for hypothetical
//!   removals without mutation;
//! - [`BayesNet`]: a fitted network that serializes to JSON and draws
//!   samples by ancestral sampling.

mod cost;
pub(crate) mod counting;
mod learn;
mod network;
mod structure;

pub use cost::CostTable;
pub use learn::{learn, DEFAULT_MAX_PARENTS};
pub use network::{BayesNet, ConditionalCounts, VariableTable};
pub use structure::{data_bits, Structure};

/// An invalid input to a Bayesian-network routine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BnError {
    #[error("column {column} has {found} rows, but column 0 has {expected}")]
    RaggedColumns {
        column: usize,
        expected: usize,
        found: usize,
    },
    #[error("expected {expected} variables, got {found}")]
    VariableCount { expected: usize, found: usize },
    #[error("variable {variable} has value id {value}, outside its alphabet of {alphabet} values")]
    ValueOutOfAlphabet {
        variable: usize,
        value: u32,
        alphabet: usize,
    },
    #[error(
        "variable {variable} lists parent {parent}, but the network has {variables} variables"
    )]
    ParentOutOfRange {
        variable: usize,
        parent: usize,
        variables: usize,
    },
    #[error("variable {variable} lists parent {parent} more than once, or itself")]
    InvalidParent { variable: usize, parent: usize },
    #[error("variable {variable} has {parents} parents, more than the maximum of {max_parents}")]
    TooManyParents {
        variable: usize,
        parents: usize,
        max_parents: usize,
    },
    #[error("the parent lists contain a directed cycle through variable {variable}")]
    Cycle { variable: usize },
    #[error("the parent configurations of variable {variable} do not fit in 64 bits; lower the maximum number of parents")]
    ConfigSpaceTooLarge { variable: usize },
    #[error("the row to remove is not in the count table (variable {variable} has no count left for its value)")]
    RowNotPresent { variable: usize },
    #[error("row index {index} is out of range for a table of {rows} rows")]
    RowIndexOutOfRange { index: usize, rows: usize },
    #[error("count overflow: the table holds more than 2^32 - 1 rows")]
    CountOverflow,
    #[error("cannot fit a network with variables on a table with no rows")]
    EmptyTable,
    #[error("invalid network table for variable {variable}: {reason}")]
    InvalidTable { variable: usize, reason: String },
}

/// Returns the number of distinct values each column takes: the alphabet
/// sizes of a table's own values, as [`data_bits`] uses them for pattern
/// networks.
pub fn distinct_values(columns: &[&[u32]]) -> Vec<usize> {
    columns
        .iter()
        .map(|column| {
            let mut values = column.to_vec();
            values.sort_unstable();
            values.dedup();
            values.len()
        })
        .collect()
}

/// Checks that every column has the length of the first and returns it
/// (0 when there is no column).
pub(crate) fn check_columns(columns: &[&[u32]]) -> Result<usize, BnError> {
    let rows = columns.first().map_or(0, |c| c.len());
    for (column, values) in columns.iter().enumerate() {
        if values.len() != rows {
            return Err(BnError::RaggedColumns {
                column,
                expected: rows,
                found: values.len(),
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_values_per_column() {
        let a: &[u32] = &[3, 3, 9, 1];
        let b: &[u32] = &[0, 0, 0, 0];
        let empty: &[u32] = &[];
        assert_eq!(distinct_values(&[a, b]), vec![3, 1]);
        assert_eq!(distinct_values(&[empty]), vec![0]);
    }
}
