//! Counting joint configurations of variable subsets, shared by structure
//! learning, the data cost and network fitting.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::BnError;

/// A fast, deterministic hasher for integer keys. It applies the output
/// mixing function of the SplitMix64 generator to each written integer. It has no random seed, so iteration order depends only on the
/// sequence of insertions.
#[derive(Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = mix64(self.0.rotate_left(23) ^ value);
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
}

/// A hash map keyed by integers (or tuples of integers) with [`KeyHasher`].
pub(crate) type KeyMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// A hash set of integers with [`KeyHasher`].
pub(crate) type KeySet<K> = std::collections::HashSet<K, BuildHasherDefault<KeyHasher>>;

/// Key spaces up to this size are counted in a plain array; larger ones
/// are sorted.
const DENSE_COUNT_LIMIT: u64 = 1 << 24;

/// A table whose value ids are renumbered, per variable, to `0..r` in
/// ascending order of the original id, where `r` is the number of distinct
/// values the variable takes in the table.
pub(crate) struct DenseTable {
    pub columns: Vec<Vec<u32>>,
    /// Distinct original ids of each variable, ascending; the dense id of
    /// `values[v][i]` is `i`.
    pub values: Vec<Vec<u32>>,
    pub rows: usize,
}

impl DenseTable {
    pub fn new(columns: &[&[u32]]) -> Result<DenseTable, BnError> {
        let rows = super::check_columns(columns)?;
        let (columns, values) = columns.iter().map(|column| densify_column(column)).unzip();
        Ok(DenseTable {
            columns,
            values,
            rows,
        })
    }

    /// Returns the number of distinct values of variable `v`.
    pub fn cardinality(&self, v: usize) -> usize {
        self.values[v].len()
    }

    /// Calls `visit` with the number of rows of every joint configuration of
    /// `variables` that occurs in the table, in a fixed order that depends
    /// only on the data. With no variables, the single empty configuration
    /// covers all rows (and nothing is visited when there are no rows).
    pub fn for_each_count(&self, variables: &[usize], mut visit: impl FnMut(u64)) {
        if self.rows == 0 {
            return;
        }
        let Some((&first, rest)) = variables.split_first() else {
            visit(self.rows as u64);
            return;
        };
        let mut keys: Vec<u64> = self.columns[first].iter().map(|&x| u64::from(x)).collect();
        let mut space = self.cardinality(first) as u64;
        for &v in rest {
            let radix = self.cardinality(v) as u64;
            let next = match space.checked_mul(radix) {
                Some(next) => next,
                None => {
                    // Renumber the configurations seen so far; there are at
                    // most `rows` of them, so the product fits again.
                    space = densify_keys(&mut keys);
                    space * radix
                }
            };
            for (key, &x) in keys.iter_mut().zip(&self.columns[v]) {
                *key = *key * radix + u64::from(x);
            }
            space = next;
        }
        count_keys(keys, space, visit);
    }
}

/// Calls `visit` with the multiplicity of each distinct key, in ascending
/// key order. Every key is below `space`.
fn count_keys(mut keys: Vec<u64>, space: u64, mut visit: impl FnMut(u64)) {
    if space <= DENSE_COUNT_LIMIT.max(2 * keys.len() as u64) && space <= DENSE_COUNT_LIMIT * 4 {
        let mut counts = vec![0u32; space as usize];
        for &key in &keys {
            counts[key as usize] += 1;
        }
        for &count in &counts {
            if count > 0 {
                visit(u64::from(count));
            }
        }
        return;
    }
    keys.sort_unstable();
    let mut start = 0;
    while start < keys.len() {
        let key = keys[start];
        let end = start + keys[start..].partition_point(|&k| k == key);
        visit((end - start) as u64);
        start = end;
    }
}

/// Replaces each key by its rank among the distinct keys and returns the
/// number of distinct keys.
fn densify_keys(keys: &mut [u64]) -> u64 {
    let mut distinct = keys.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    for key in keys.iter_mut() {
        // Every key is in `distinct`, so the search always succeeds.
        *key = distinct.partition_point(|&d| d < *key) as u64;
    }
    distinct.len() as u64
}

/// Renumbers a column's ids to `0..r` in ascending id order; returns the
/// dense column and the distinct ids.
fn densify_column(column: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let max_id = column.iter().copied().max().unwrap_or(0) as usize;
    if max_id <= 4 * column.len() + 1024 {
        let mut rank = vec![u32::MAX; max_id + 1];
        for &id in column {
            rank[id as usize] = 0;
        }
        let mut values = Vec::new();
        for (id, slot) in rank.iter_mut().enumerate() {
            if *slot == 0 {
                *slot = values.len() as u32;
                values.push(id as u32);
            }
        }
        let dense = column.iter().map(|&id| rank[id as usize]).collect();
        return (dense, values);
    }
    let mut values = column.to_vec();
    values.sort_unstable();
    values.dedup();
    let dense = column
        .iter()
        .map(|id| values.partition_point(|v| v < id) as u32)
        .collect();
    (dense, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts_of(table: &DenseTable, variables: &[usize]) -> Vec<u64> {
        let mut counts = Vec::new();
        table.for_each_count(variables, |n| counts.push(n));
        counts.sort_unstable();
        counts
    }

    #[test]
    fn densify_column_ranks_ids() {
        let (dense, values) = densify_column(&[7, 3, 7, 9]);
        assert_eq!(values, vec![3, 7, 9]);
        assert_eq!(dense, vec![1, 0, 1, 2]);
        let (dense, values) = densify_column(&[4_000_000_000, 5, 4_000_000_000]);
        assert_eq!(values, vec![5, 4_000_000_000]);
        assert_eq!(dense, vec![1, 0, 1]);
    }

    #[test]
    fn joint_counts() {
        let a: &[u32] = &[0, 0, 1, 1, 1, 2];
        let b: &[u32] = &[5, 5, 5, 6, 6, 6];
        let table = DenseTable::new(&[a, b]).expect("equal lengths");
        assert_eq!(counts_of(&table, &[]), vec![6]);
        assert_eq!(counts_of(&table, &[0]), vec![1, 2, 3]);
        assert_eq!(counts_of(&table, &[1]), vec![3, 3]);
        // (0,5)x2, (1,5)x1, (1,6)x2, (2,6)x1
        assert_eq!(counts_of(&table, &[0, 1]), vec![1, 1, 2, 2]);
    }

    #[test]
    fn joint_counts_sparse_and_overflowing_space() {
        // Five variables with 100,000 distinct values each: the product of
        // cardinalities exceeds 2^64, which forces renumbering, and the key
        // space exceeds the dense limit, which forces sorting.
        let rows = 100_000u32;
        let columns: Vec<Vec<u32>> = (0..5u32)
            .map(|c| (0..rows).map(|i| (i * (c + 1)) % rows).collect())
            .collect();
        let slices: Vec<&[u32]> = columns.iter().map(|c| c.as_slice()).collect();
        let table = DenseTable::new(&slices).expect("equal lengths");
        let counts = counts_of(&table, &[0, 1, 2, 3, 4]);
        assert_eq!(counts.len(), rows as usize);
        assert!(counts.iter().all(|&n| n == 1));
    }

    #[test]
    fn ragged_columns_rejected() {
        let a: &[u32] = &[0, 1];
        let b: &[u32] = &[0];
        assert!(matches!(
            DenseTable::new(&[a, b]),
            Err(BnError::RaggedColumns { column: 1, .. })
        ));
    }
}
