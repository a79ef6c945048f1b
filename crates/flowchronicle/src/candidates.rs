//! The candidate families of the search and their ranking estimates.
//!
//! Every family builds candidates from value combinations that occur in the
//! data, never from all combinations of dictionary entries:
//! - one-row patterns with two FIX cells on non-IP columns;
//! - a model pattern with one more FIX cell;
//! - placeholder extensions of a model pattern: a new USE of an existing
//!   SET in a later row, a new SET with its USE in a later row, and a new
//!   SET with a new appended row that holds only its USE;
//! - merges of two compatible one-row model patterns;
//! - in mode 1 only, concatenations `a ++ b` of model patterns and one-FIX
//!   patterns that share an IP value or are linked by a placeholder.
//!
//! The estimate is the number of windows expected to be accepted times the
//! covered cells per window. For extensions and merges it counts the
//! parent's accepted windows that satisfy the new constraint. For
//! concatenations it is `min(usage of a, usage of b)` times the cells,
//! because a greedy window pass for each of the many pairs costs more than
//! testing the few that are tested.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::dataset::{Dataset, Role};
use crate::pattern::{Cell, Pattern};
use crate::search::Miner;
use crate::windows::next_match;

/// A pattern to test with its ranking estimate.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub pattern: Pattern,
    pub estimate: f64,
}

/// Builds every one-row pattern with two FIX cells on non-IP columns whose
/// value pair occurs in at least `min_support` rows.
pub fn fixed_pairs(data: &Dataset, ip_columns: &[bool], min_support: usize) -> Vec<Candidate> {
    let m = data.schema.len();
    let columns: Vec<usize> = (0..m).filter(|&c| !ip_columns[c]).collect();
    let mut pairs = Vec::new();
    for (i, &a) in columns.iter().enumerate() {
        for &b in &columns[i + 1..] {
            pairs.push((a, b));
        }
    }
    let per_pair: Vec<Vec<Candidate>> = pairs
        .par_iter()
        .map(|&(a, b)| {
            let mut counts: HashMap<(u32, u32), usize> = HashMap::new();
            for (&x, &y) in data.columns[a].iter().zip(&data.columns[b]) {
                *counts.entry((x, y)).or_default() += 1;
            }
            let mut found: Vec<Candidate> = counts
                .into_iter()
                .filter(|&(_, n)| n >= min_support)
                .map(|((x, y), n)| Candidate {
                    pattern: Pattern::single(m, &[(a, x), (b, y)]),
                    estimate: 2.0 * n as f64,
                })
                .collect();
            found.sort_by(|p, q| p.pattern.cmp(&q.pattern));
            found
        })
        .collect();
    let mut all: Vec<Candidate> = per_pair.into_iter().flatten().collect();
    sort_by_rank(&mut all);
    all
}

/// Sorts candidates by estimate, highest first, ties by pattern order.
pub fn sort_by_rank(candidates: &mut [Candidate]) {
    candidates.sort_by(|a, b| {
        b.estimate
            .total_cmp(&a.estimate)
            .then_with(|| a.pattern.cmp(&b.pattern))
    });
}

/// Builds the extension candidates of the model patterns in `slots`.
pub fn extensions_of(miner: &Miner<'_>, slots: &[u32]) -> Vec<(u32, Vec<Candidate>)> {
    slots
        .par_iter()
        .filter_map(|&slot| {
            let p = miner.patterns().iter().find(|p| p.slot == slot)?;
            Some((slot, extensions(miner, slot, &p.pattern)))
        })
        .collect()
}

/// Returns the data rows of a pattern's accepted windows: `rows[w][j]`.
fn accepted_windows(miner: &Miner<'_>, slot: u32) -> Vec<Vec<u32>> {
    let Some(windows) = miner.cover().slot(slot) else {
        return Vec::new();
    };
    (0..windows.windows.len())
        .filter(|&w| windows.accepted[w])
        .map(|w| windows.windows.get(w).to_vec())
        .collect()
}

pub fn extensions(miner: &Miner<'_>, slot: u32, pattern: &Pattern) -> Vec<Candidate> {
    let data = miner.data;
    let windows = accepted_windows(miner, slot);
    let ips = miner.ip_columns();
    let cells = pattern.covered_cells() as f64;
    let value = |w: &[u32], j: usize, c: usize| data.columns[c][w[j] as usize];
    let mut out = Vec::new();

    // One more FIX cell, with a value seen in the accepted windows.
    for (j, c) in pattern.variables() {
        if pattern.rows[j][c] != Cell::Free {
            continue;
        }
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for w in &windows {
            *counts.entry(value(w, j, c)).or_default() += 1;
        }
        let mut values: Vec<(u32, usize)> = counts.into_iter().collect();
        values.sort_unstable();
        for (v, n) in values {
            let mut p = pattern.clone();
            p.rows[j][c] = Cell::Fix(v);
            out.push(Candidate {
                pattern: p,
                estimate: n as f64 * (cells + 1.0),
            });
        }
    }

    let next_placeholder = pattern.placeholder_count();
    let free_ips: Vec<(usize, usize)> = pattern
        .cells()
        .filter(|&(_, c, cell)| ips[c] && cell == Cell::Free)
        .map(|(j, c, _)| (j, c))
        .collect();

    // A new USE of an existing SET in a later row.
    for x in 0..next_placeholder {
        let Some((i, cs)) = pattern.set_position(x) else {
            continue;
        };
        for &(j, c) in free_ips.iter().filter(|&&(j, _)| j > i) {
            if pattern.rows[j].contains(&Cell::Use(x)) {
                continue;
            }
            let n = windows
                .iter()
                .filter(|w| value(w, j, c) == value(w, i, cs))
                .count();
            let mut p = pattern.clone();
            p.rows[j][c] = Cell::Use(x);
            out.push(Candidate {
                pattern: p,
                estimate: n as f64 * (cells + 1.0),
            });
        }
    }

    if next_placeholder == u8::MAX {
        return out;
    }
    for &(i, c1) in &free_ips {
        // A new SET with its USE in a later row.
        for &(j, c2) in free_ips.iter().filter(|&&(j, _)| j > i) {
            let n = windows
                .iter()
                .filter(|w| value(w, j, c2) == value(w, i, c1))
                .count();
            let mut p = pattern.clone();
            p.rows[i][c1] = Cell::Set(next_placeholder);
            p.rows[j][c2] = Cell::Use(next_placeholder);
            out.push(Candidate {
                pattern: p,
                estimate: n as f64 * (cells + 1.0),
            });
        }
        // A new SET with a new appended row holding only its USE.
        for c2 in (0..ips.len()).filter(|&c| ips[c]) {
            let n = windows
                .iter()
                .filter(|w| {
                    let constraint = [(c2, value(w, i, c1))];
                    let last = w[w.len() - 1];
                    let limit = miner
                        .config()
                        .max_span
                        .map(|s| data.ticks[w[0] as usize].saturating_add(s));
                    next_match(&constraint, data, miner.index(), last, limit).is_some()
                })
                .count();
            let mut p = pattern.clone();
            p.rows[i][c1] = Cell::Set(next_placeholder);
            let mut row = vec![Cell::Free; pattern.columns()];
            row[c2] = Cell::Use(next_placeholder);
            p.rows.push(row);
            out.push(Candidate {
                pattern: p,
                estimate: n as f64 * (cells + 1.0),
            });
        }
    }
    out
}

/// Merges of two compatible one-row model patterns: no column where both
/// have a different non-free cell.
pub fn merges(miner: &Miner<'_>) -> Vec<Candidate> {
    let singles: Vec<(u32, &Pattern)> = miner
        .patterns()
        .iter()
        .filter(|p| p.pattern.len() == 1)
        .map(|p| (p.slot, &p.pattern))
        .collect();
    let mut out = Vec::new();
    for (i, &(slot_a, a)) in singles.iter().enumerate() {
        let windows = accepted_windows(miner, slot_a);
        for &(_, b) in &singles[i + 1..] {
            let Some(merged) = merge_rows(&a.rows[0], &b.rows[0]) else {
                continue;
            };
            let constraints: Vec<(usize, u32)> = b.rows[0]
                .iter()
                .enumerate()
                .filter_map(|(c, &cell)| match cell {
                    Cell::Fix(v) => Some((c, v)),
                    _ => None,
                })
                .collect();
            let n = windows
                .iter()
                .filter(|w| {
                    constraints
                        .iter()
                        .all(|&(c, v)| miner.data.columns[c][w[0] as usize] == v)
                })
                .count();
            let pattern = Pattern { rows: vec![merged] };
            let estimate = n as f64 * pattern.covered_cells() as f64;
            out.push(Candidate { pattern, estimate });
        }
    }
    out
}

fn merge_rows(a: &[Cell], b: &[Cell]) -> Option<Vec<Cell>> {
    let mut merged = Vec::with_capacity(a.len());
    let mut differs_from_a = false;
    let mut differs_from_b = false;
    for (&x, &y) in a.iter().zip(b) {
        let cell = match (x, y) {
            (Cell::Fix(_), Cell::Free) => x,
            (Cell::Free, Cell::Fix(_)) => y,
            (x, y) if x == y => x,
            (Cell::Set(_), Cell::Free) | (Cell::Free, Cell::Set(_)) => Cell::Free,
            _ => return None,
        };
        differs_from_a |= cell != x;
        differs_from_b |= cell != y;
        merged.push(cell);
    }
    (differs_from_a && differs_from_b).then_some(merged)
}

/// The parts of mode-1 concatenations and the ranked pairs to join.
pub struct Concatenations {
    parts: Vec<Pattern>,
    /// `(estimate, a, b)`, highest estimate first.
    pairs: Vec<(f64, usize, usize)>,
}

impl Concatenations {
    /// Ranks the pairs of model patterns and frequent one-FIX patterns
    /// (at least one of the two from the model) by
    /// `min(usage a, usage b) * (cells of a + cells of b + 1)`.
    pub fn new(miner: &Miner<'_>) -> Concatenations {
        let data = miner.data;
        let mut parts: Vec<(Pattern, usize)> = miner
            .patterns()
            .iter()
            .map(|p| {
                let usage = miner.cover().slot(p.slot).map_or(0, |w| w.usage());
                (p.pattern.clone(), usage)
            })
            .collect();
        let model_count = parts.len();
        parts.extend(frequent_single_fix(
            data,
            miner.ip_columns(),
            miner.config().min_support,
        ));
        let mut pairs = Vec::new();
        for (a, (pa, ua)) in parts.iter().enumerate() {
            for (b, (pb, ub)) in parts.iter().enumerate() {
                if a >= model_count && b >= model_count {
                    continue;
                }
                let cells = pa.covered_cells() + pb.covered_cells() + 1;
                let estimate = (*ua).min(*ub) as f64 * cells as f64;
                pairs.push((estimate, a, b));
            }
        }
        pairs.sort_by(|x, y| {
            y.0.total_cmp(&x.0)
                .then_with(|| (x.1, x.2).cmp(&(y.1, y.2)))
        });
        Concatenations {
            parts: parts.into_iter().map(|(p, _)| p).collect(),
            pairs,
        }
    }

    /// Returns the estimate of pair `i`, if there is one.
    pub fn estimate(&self, i: usize) -> Option<f64> {
        self.pairs.get(i).map(|p| p.0)
    }

    /// Builds the concatenations of pair `i`, all with the pair's estimate.
    pub fn candidates(&self, i: usize, miner: &Miner<'_>) -> Vec<Candidate> {
        let Some(&(estimate, a, b)) = self.pairs.get(i) else {
            return Vec::new();
        };
        let m = miner.data.schema.len();
        joins(&self.parts[a], &self.parts[b], miner.ip_columns(), m)
            .into_iter()
            .map(|pattern| Candidate { pattern, estimate })
            .collect()
    }
}

/// One-row patterns with a single FIX cell whose value occurs in at least
/// one row in a thousand (and `min_support` rows), with their counts.
fn frequent_single_fix(data: &Dataset, ips: &[bool], min_support: usize) -> Vec<(Pattern, usize)> {
    let m = data.schema.len();
    let threshold = (data.rows() / 1000).max(min_support);
    let mut out = Vec::new();
    for (c, &is_ip) in ips.iter().enumerate().take(m) {
        if data.schema.features[c].role == Role::Numeric || is_ip {
            continue;
        }
        let mut counts = vec![0usize; data.dictionaries[c].cardinality()];
        for &v in &data.columns[c] {
            counts[v as usize] += 1;
        }
        for (v, &n) in counts.iter().enumerate() {
            if n >= threshold {
                out.push((Pattern::single(m, &[(c, v as u32)]), n));
            }
        }
    }
    out
}

/// Returns the concatenations of `a` and `b`. They are joined unchanged
/// when they share a FIX IP value, and linked by a placeholder from an IP
/// cell of `a` to a free IP cell of `b`'s first row.
fn joins(a: &Pattern, b: &Pattern, ips: &[bool], m: usize) -> Vec<Pattern> {
    let shift = a.placeholder_count();
    if u16::from(shift) + u16::from(b.placeholder_count()) >= 255 {
        return Vec::new();
    }
    let b_rows: Vec<Vec<Cell>> = b
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|&cell| match cell {
                    Cell::Set(x) => Cell::Set(x + shift),
                    Cell::Use(x) => Cell::Use(x + shift),
                    other => other,
                })
                .collect()
        })
        .collect();
    let concat = |a_rows: &[Vec<Cell>], b_rows: &[Vec<Cell>]| Pattern {
        rows: a_rows.iter().chain(b_rows).cloned().collect(),
    };

    let mut out = Vec::new();
    let a_fixed_ips: Vec<u32> = a
        .cells()
        .filter_map(|(_, c, cell)| match cell {
            Cell::Fix(v) if ips[c] => Some(v),
            _ => None,
        })
        .collect();
    let shares_ip = b
        .cells()
        .any(|(_, c, cell)| matches!(cell, Cell::Fix(v) if ips[c] && a_fixed_ips.contains(&v)));
    if shares_ip {
        out.push(concat(&a.rows, &b_rows));
    }

    let new_placeholder = shift + b.placeholder_count();
    for (i, c1, cell) in a.cells() {
        if !ips[c1] {
            continue;
        }
        let (x, a_rows) = match cell {
            Cell::Set(x) => (x, a.rows.clone()),
            Cell::Free => {
                let mut rows = a.rows.clone();
                rows[i][c1] = Cell::Set(new_placeholder);
                (new_placeholder, rows)
            }
            _ => continue,
        };
        for c2 in (0..m).filter(|&c| ips[c] && b_rows[0][c] == Cell::Free) {
            let mut linked = b_rows.clone();
            linked[0][c2] = Cell::Use(x);
            out.push(concat(&a_rows, &linked));
        }
    }
    out
}
