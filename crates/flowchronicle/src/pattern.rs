//! Flow patterns: short sequences of partial flows.
//!
//! A [`Pattern`] has `k >= 1` rows over the `m` feature columns. Each cell
//! is free, fixed to a value id ([`Cell::Fix`]), or bound to a placeholder:
//! [`Cell::Set`] binds the value it takes to placeholder `x`, and a
//! [`Cell::Use`] in a later row must take the same value. Placeholders
//! live on IP columns only, where they express "the same host" across
//! flows. FIX and USE cells are covered by the pattern; free and SET cells
//! are the variables of the pattern's Bayesian network.

use serde::{Deserialize, Serialize};

use crate::mdl::{log2_binomial, universal_integer_bits};

/// One cell of a row pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Cell {
    Free,
    /// The column must equal this value id.
    Fix(u32),
    /// The value is free but bound to this placeholder.
    Set(u8),
    /// The column must equal the value bound to this placeholder.
    Use(u8),
}

impl Cell {
    /// Returns whether the pattern itself determines the value (FIX or USE).
    pub fn is_covered(self) -> bool {
        matches!(self, Cell::Fix(_) | Cell::Use(_))
    }

    /// Returns whether the cell is a variable of the pattern's network.
    pub fn is_variable(self) -> bool {
        matches!(self, Cell::Free | Cell::Set(_))
    }
}

/// A sequence of row patterns, `rows[j][c]` the cell of row `j`, column `c`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pattern {
    pub rows: Vec<Vec<Cell>>,
}

impl Pattern {
    /// Returns a one-row pattern with the given fixed cells.
    pub fn single(columns: usize, fixed: &[(usize, u32)]) -> Pattern {
        let mut row = vec![Cell::Free; columns];
        for &(c, v) in fixed {
            row[c] = Cell::Fix(v);
        }
        Pattern { rows: vec![row] }
    }

    /// Returns the number of rows, `k`.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Returns whether the pattern has no row (never true for a valid pattern).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Returns the number of columns, `m`.
    pub fn columns(&self) -> usize {
        self.rows.first().map_or(0, Vec::len)
    }

    /// Returns the number of FIX and USE cells over all rows.
    pub fn covered_cells(&self) -> usize {
        self.cells()
            .filter(|(_, _, cell)| cell.is_covered())
            .count()
    }

    /// Iterates over `(row, column, cell)` in row-major order.
    pub fn cells(&self) -> impl Iterator<Item = (usize, usize, Cell)> + '_ {
        self.rows
            .iter()
            .enumerate()
            .flat_map(|(j, row)| row.iter().enumerate().map(move |(c, &cell)| (j, c, cell)))
    }

    /// Returns the `(row, column)` of every network variable (free and SET
    /// cells) in row-major order; this order numbers the variables.
    pub fn variables(&self) -> Vec<(usize, usize)> {
        self.cells()
            .filter(|(_, _, cell)| cell.is_variable())
            .map(|(j, c, _)| (j, c))
            .collect()
    }

    /// Returns the number of placeholders (SET cells).
    pub fn placeholder_count(&self) -> u8 {
        self.cells()
            .filter(|(_, _, cell)| matches!(cell, Cell::Set(_)))
            .count() as u8
    }

    /// Returns the `(row, column)` of the SET cell of placeholder `x`.
    pub fn set_position(&self, x: u8) -> Option<(usize, usize)> {
        self.cells()
            .find(|(_, _, cell)| *cell == Cell::Set(x))
            .map(|(j, c, _)| (j, c))
    }

    /// Renumbers placeholders by the row-major order of their SET cells, so
    /// that equal patterns compare equal whatever order they were built in.
    pub fn normalized(&self) -> Pattern {
        let mut order: Vec<u8> = Vec::new();
        for (_, _, cell) in self.cells() {
            if let Cell::Set(x) = cell {
                order.push(x);
            }
        }
        let rename = |x: u8| order.iter().position(|&y| y == x).unwrap_or(usize::from(x)) as u8;
        Pattern {
            rows: self
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|&cell| match cell {
                            Cell::Set(x) => Cell::Set(rename(x)),
                            Cell::Use(x) => Cell::Use(rename(x)),
                            other => other,
                        })
                        .collect()
                })
                .collect(),
        }
    }

    /// Returns the code length in bits of the pattern's rows, `L_N(k)` plus
    /// the row costs, without the network structure. `cardinalities` are the
    /// dictionary sizes of the columns.
    ///
    /// For a row with `f` FIX, `s` SET and `u` USE cells over `m` columns,
    /// after `n_set` placeholders were defined in earlier rows:
    /// `log2 m + log2 C(m, f) + sum over FIX cells of log2 |dictionary|`;
    /// for rows after the first, when `n_set > 0` and `m - f - s > 0`, also
    /// `log2(m - f - s) + log2 C(m - f, u) + u log2 n_set`; then
    /// `log2(m - f - u) + log2 C(m - f - u, s)` when `m - f - u > 0`.
    pub fn rows_bits(&self, cardinalities: &[usize]) -> f64 {
        let m = self.columns() as u64;
        let mut bits = universal_integer_bits(self.len() as u64);
        let mut defined: u64 = 0;
        for (j, row) in self.rows.iter().enumerate() {
            let mut f = 0u64;
            let mut s = 0u64;
            let mut u = 0u64;
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Fix(_) => {
                        f += 1;
                        bits += (cardinalities[c].max(1) as f64).log2();
                    }
                    Cell::Set(_) => s += 1,
                    Cell::Use(_) => u += 1,
                    Cell::Free => {}
                }
            }
            bits += (m as f64).log2() + log2_binomial(m, f);
            if j > 0 && defined > 0 && m > f + s {
                bits += ((m - f - s) as f64).log2() + log2_binomial(m - f, u);
                bits += u as f64 * (defined as f64).log2();
            }
            if m > f + u {
                bits += ((m - f - u) as f64).log2() + log2_binomial(m - f - u, s);
            }
            defined += s;
        }
        bits
    }

    /// Checks the placeholder rules: every USE refers to a SET in an earlier
    /// row, SET and USE cells sit on IP columns, every placeholder has one
    /// SET, and a row uses a placeholder at most once.
    pub fn is_valid(&self, ip_columns: &[bool]) -> bool {
        if self.rows.is_empty() || self.rows.iter().any(|r| r.len() != ip_columns.len()) {
            return false;
        }
        let mut set_row: Vec<Option<usize>> = vec![None; 256];
        for (j, c, cell) in self.cells() {
            if let Cell::Set(x) = cell {
                if !ip_columns[c] || set_row[usize::from(x)].is_some() {
                    return false;
                }
                set_row[usize::from(x)] = Some(j);
            }
        }
        for (j, row) in self.rows.iter().enumerate() {
            let mut used = [false; 256];
            for (c, &cell) in row.iter().enumerate() {
                if let Cell::Use(x) = cell {
                    let earlier = set_row[usize::from(x)].is_some_and(|r| r < j);
                    if !ip_columns[c] || !earlier || used[usize::from(x)] {
                        return false;
                    }
                    used[usize::from(x)] = true;
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_bits_one_row_two_fix() {
        // m = 4 columns with dictionaries 2, 8, 4, 16; FIX on columns 0 and 1.
        // L_N(1) = log2 2.865064 = 1.518567;
        // row: log2 4 + log2 C(4,2) + log2 2 + log2 8 = 2 + 2.584963 + 1 + 3;
        // no SET defined earlier; m - f - u = 2: log2 2 + log2 C(2,0) = 1.
        // Total 1.518567 + 8.584963 + 1 = 11.103530.
        let p = Pattern::single(4, &[(0, 1), (1, 5)]);
        let bits = p.rows_bits(&[2, 8, 4, 16]);
        assert!((bits - 11.103530).abs() < 1e-5, "{bits}");
    }

    #[test]
    fn rows_bits_with_placeholder() {
        // m = 3 (columns 0 and 1 are IPs, dictionaries 4, 4, 2).
        // Row 1: SET on column 0, FIX on column 2:
        //   log2 3 + log2 C(3,1) + log2 2 = 1.584963 + 1.584963 + 1;
        //   m - f - u = 2: log2 2 + log2 C(2,1) = 1 + 1.
        // Row 2: USE on column 0, with n_set = 1, f = 0, s = 0, u = 1:
        //   log2 3 + log2 C(3,0) = 1.584963;
        //   m - f - s = 3: log2 3 + log2 C(3,1) + 1 * log2 1 = 3.169925;
        //   m - f - u = 2: log2 2 + log2 C(2,0) = 1.
        // L_N(2) = log2 2.865064 + 1 = 2.518567.
        // Total = 2.518567 + 6.169925 + 5.754888 = 14.443380.
        let p = Pattern {
            rows: vec![
                vec![Cell::Set(0), Cell::Free, Cell::Fix(1)],
                vec![Cell::Use(0), Cell::Free, Cell::Free],
            ],
        };
        let bits = p.rows_bits(&[4, 4, 2]);
        assert!((bits - 14.443380).abs() < 1e-5, "{bits}");
    }

    #[test]
    fn validity_rules() {
        let ips = [true, true, false];
        let ok = Pattern {
            rows: vec![
                vec![Cell::Set(0), Cell::Free, Cell::Fix(1)],
                vec![Cell::Use(0), Cell::Free, Cell::Free],
            ],
        };
        assert!(ok.is_valid(&ips));
        let use_before_set = Pattern {
            rows: vec![vec![Cell::Use(0), Cell::Set(0), Cell::Free]],
        };
        assert!(!use_before_set.is_valid(&ips));
        let set_on_port = Pattern {
            rows: vec![vec![Cell::Free, Cell::Free, Cell::Set(0)]],
        };
        assert!(!set_on_port.is_valid(&ips));
        let double_use = Pattern {
            rows: vec![
                vec![Cell::Set(0), Cell::Free, Cell::Free],
                vec![Cell::Use(0), Cell::Use(0), Cell::Free],
            ],
        };
        assert!(!double_use.is_valid(&ips));
    }

    #[test]
    fn normalized_renumbers_placeholders() {
        let p = Pattern {
            rows: vec![
                vec![Cell::Set(3), Cell::Set(1), Cell::Free],
                vec![Cell::Use(1), Cell::Use(3), Cell::Free],
            ],
        };
        let n = p.normalized();
        assert_eq!(n.rows[0][..2], [Cell::Set(0), Cell::Set(1)]);
        assert_eq!(n.rows[1][..2], [Cell::Use(1), Cell::Use(0)]);
    }
}
