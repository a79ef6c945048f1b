//! Finding the windows of a pattern in the encoded dataset.
//!
//! A window of a `k`-row pattern is a list of row indices `i1 < ... < ik`
//! where row `ij` matches row pattern `j`: every FIX cell equal, every USE
//! equal to the value its SET bound in the same window. Every data row
//! matching row pattern 1 starts a window, and each next row pattern takes
//! the first later row that matches (the greedy rule of FlowChronicle).
//!
//! Finding "the first later row that matches" is a search, not a scan: the
//! [`Index`] keeps, for each column value, the sorted rows that hold it.
//! The search walks the shortest posting list among the row pattern's
//! constraints from a binary-searched position and checks the others on the
//! table directly.

use crate::dataset::Dataset;
use crate::pattern::{Cell, Pattern};

/// For each column `c` and value id `v`, the sorted rows with that value.
#[derive(Debug, Clone)]
pub struct Index {
    postings: Vec<Vec<Vec<u32>>>,
}

impl Index {
    /// Builds the posting lists of every column.
    pub fn build(data: &Dataset) -> Index {
        let postings = data
            .columns
            .iter()
            .zip(data.cardinalities())
            .map(|(column, cardinality)| {
                let mut lists: Vec<Vec<u32>> = vec![Vec::new(); cardinality];
                for (row, &value) in column.iter().enumerate() {
                    lists[value as usize].push(row as u32);
                }
                lists
            })
            .collect();
        Index { postings }
    }

    /// Returns the sorted rows where column `c` has value `v`.
    pub fn rows_with(&self, c: usize, v: u32) -> &[u32] {
        self.postings[c]
            .get(v as usize)
            .map_or(&[][..], Vec::as_slice)
    }
}

/// The windows of one pattern, stored flat: window `w` is
/// `rows[w * k .. (w + 1) * k]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Windows {
    pub k: usize,
    pub rows: Vec<u32>,
}

impl Windows {
    /// Returns the number of windows.
    pub fn len(&self) -> usize {
        self.rows.len().checked_div(self.k).unwrap_or(0)
    }

    /// Returns whether there is no window.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Returns the rows of window `w`.
    pub fn get(&self, w: usize) -> &[u32] {
        &self.rows[w * self.k..(w + 1) * self.k]
    }

    /// Iterates over the windows.
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> + '_ {
        self.rows.chunks_exact(self.k.max(1))
    }
}

/// Returns the total gap of a window: the rows between its rows that
/// belong to it.
pub fn gap(window: &[u32]) -> u64 {
    match (window.first(), window.last()) {
        (Some(&first), Some(&last)) => u64::from(last - first) + 1 - window.len() as u64,
        _ => 0,
    }
}

/// A row pattern's constraints for one window: `(column, value)` pairs.
type Constraints = Vec<(usize, u32)>;

/// Finds every window of a pattern. `max_span`, when set, limits the ticks
/// between a window's first and last row.
pub fn find_windows(
    pattern: &Pattern,
    data: &Dataset,
    index: &Index,
    max_span: Option<u64>,
) -> Windows {
    let k = pattern.len();
    let mut out = Windows {
        k,
        rows: Vec::new(),
    };
    let first: Constraints = fixed_constraints(&pattern.rows[0]);
    let mut window = Vec::with_capacity(k);
    let mut bound = [u32::MAX; 256];
    for start in matching_rows(&first, data, index) {
        window.clear();
        window.push(start);
        if extend_window(pattern, data, index, max_span, &mut window, &mut bound) {
            out.rows.extend_from_slice(&window);
        }
    }
    out
}

/// Completes a window whose first row is `window[0]`, returning whether
/// every row pattern found a match.
fn extend_window(
    pattern: &Pattern,
    data: &Dataset,
    index: &Index,
    max_span: Option<u64>,
    window: &mut Vec<u32>,
    bound: &mut [u32; 256],
) -> bool {
    let start = window[0] as usize;
    bind_sets(&pattern.rows[0], data, start, bound);
    let limit = max_span.map(|span| data.ticks[start].saturating_add(span));
    let mut constraints = Constraints::new();
    for row_pattern in &pattern.rows[1..] {
        constraints.clear();
        for (c, &cell) in row_pattern.iter().enumerate() {
            match cell {
                Cell::Fix(v) => constraints.push((c, v)),
                Cell::Use(x) => constraints.push((c, bound[usize::from(x)])),
                Cell::Free | Cell::Set(_) => {}
            }
        }
        let after = window[window.len() - 1];
        let Some(next) = next_match(&constraints, data, index, after, limit) else {
            return false;
        };
        bind_sets(row_pattern, data, next as usize, bound);
        window.push(next);
    }
    true
}

fn bind_sets(row_pattern: &[Cell], data: &Dataset, row: usize, bound: &mut [u32; 256]) {
    for (c, &cell) in row_pattern.iter().enumerate() {
        if let Cell::Set(x) = cell {
            bound[usize::from(x)] = data.columns[c][row];
        }
    }
}

/// Returns the FIX constraints of a row pattern.
pub fn fixed_constraints(row_pattern: &[Cell]) -> Constraints {
    row_pattern
        .iter()
        .enumerate()
        .filter_map(|(c, &cell)| match cell {
            Cell::Fix(v) => Some((c, v)),
            _ => None,
        })
        .collect()
}

fn satisfies(constraints: &[(usize, u32)], data: &Dataset, row: usize) -> bool {
    constraints.iter().all(|&(c, v)| data.columns[c][row] == v)
}

/// Returns every row satisfying the constraints, in order.
pub fn matching_rows<'a>(
    constraints: &'a [(usize, u32)],
    data: &'a Dataset,
    index: &'a Index,
) -> Box<dyn Iterator<Item = u32> + 'a> {
    match shortest_posting(constraints, index) {
        Some(list) => Box::new(
            list.iter()
                .copied()
                .filter(move |&r| satisfies(constraints, data, r as usize)),
        ),
        None => Box::new(0..data.rows() as u32),
    }
}

fn shortest_posting<'a>(constraints: &[(usize, u32)], index: &'a Index) -> Option<&'a [u32]> {
    constraints
        .iter()
        .map(|&(c, v)| index.rows_with(c, v))
        .min_by_key(|list| list.len())
}

/// Returns the first row after `after` that satisfies the constraints and
/// whose tick does not pass `limit`.
pub fn next_match(
    constraints: &[(usize, u32)],
    data: &Dataset,
    index: &Index,
    after: u32,
    limit: Option<u64>,
) -> Option<u32> {
    let within = |row: u32| limit.is_none_or(|l| data.ticks[row as usize] <= l);
    match shortest_posting(constraints, index) {
        Some(list) => {
            let from = list.partition_point(|&r| r <= after);
            list[from..]
                .iter()
                .copied()
                .take_while(|&r| within(r))
                .find(|&r| satisfies(constraints, data, r as usize))
        }
        None => {
            let next = after + 1;
            ((next as usize) < data.rows() && within(next)).then_some(next)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::dataset::{Dictionary, Role, Schema};

    /// Builds a dataset of three columns (`src_ip` and `dst_ip` as IPs, then
    /// `dst_port`) from rows of value ids, one tick per row.
    pub(crate) fn toy(rows: &[[u32; 3]]) -> Dataset {
        let mut schema = Schema::default_features();
        schema.features.truncate(4);
        schema.features.remove(0);
        assert_eq!(schema.features[0].role, Role::Ip);
        let columns: Vec<Vec<u32>> = (0..3)
            .map(|c| rows.iter().map(|r| r[c]).collect())
            .collect();
        let dictionaries = columns
            .iter()
            .map(|col| Dictionary::Categorical {
                values: (0..=col.iter().copied().max().unwrap_or(0))
                    .map(|v| v.to_string())
                    .collect(),
            })
            .collect();
        Dataset {
            schema,
            dictionaries,
            columns,
            ticks: (0..rows.len() as u64).collect(),
            start: 0,
            resolution: 10_000,
            src_port_range: None,
            packet_sizes: Default::default(),
        }
    }

    #[test]
    fn windows_follow_first_later_match() {
        // Host 1 queries DNS server 9 (port 53), then host 1 opens port 443.
        // Host 2 does the same, interleaved.
        let data = toy(&[[1, 9, 53], [2, 9, 53], [3, 5, 80], [1, 7, 443], [2, 8, 443]]);
        let index = Index::build(&data);
        let p = Pattern {
            rows: vec![
                vec![Cell::Set(0), Cell::Fix(9), Cell::Fix(53)],
                vec![Cell::Use(0), Cell::Free, Cell::Fix(443)],
            ],
        };
        let w = find_windows(&p, &data, &index, None);
        assert_eq!(w.len(), 2);
        assert_eq!(w.get(0), &[0, 3]);
        assert_eq!(w.get(1), &[1, 4]);
        assert_eq!(gap(w.get(0)), 2);
        // A span limit of 2 ticks drops both windows (3 ticks apart each).
        assert!(find_windows(&p, &data, &index, Some(2)).is_empty());
    }

    #[test]
    fn unmatched_start_gives_no_window() {
        let data = toy(&[[1, 9, 53], [2, 9, 53], [2, 8, 443]]);
        let index = Index::build(&data);
        let p = Pattern {
            rows: vec![
                vec![Cell::Set(0), Cell::Free, Cell::Fix(53)],
                vec![Cell::Use(0), Cell::Free, Cell::Fix(443)],
            ],
        };
        let w = find_windows(&p, &data, &index, None);
        assert_eq!(w.len(), 1);
        assert_eq!(w.get(0), &[1, 2]);
    }
}
