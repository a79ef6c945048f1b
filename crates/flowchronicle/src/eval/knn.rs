//! Density and coverage (Naeem, Oh, Uh, Choi and Yoo 2020, "Reliable
//! Fidelity and Diversity Metrics for Generative Models") with exact
//! k-nearest-neighbour search.
//!
//! Rows are encoded as one-hot blocks for categorical columns and min-max
//! scaled floats for the others. The squared Euclidean distance between two
//! rows is then `2 h + e`. Here `h` is the number of categorical columns in
//! which they differ, because two different one-hot vectors are at squared
//! distance 2, and `e` is the squared distance of the scaled columns.
//! One-hot vectors are never built: a row keeps one code per categorical
//! column.
//!
//! Rows with the same categorical codes share a bucket. Because `e >= 0`, a
//! bucket whose codes differ from a query in `h` columns contains no row closer
//! than `2 h`, so whole buckets are skipped. Buckets within `h <= L`
//! mismatches of a query are found without scanning all buckets: split the
//! columns into `L + 1` groups. Any bucket within `L` mismatches agrees with
//! the query exactly on at least one group (pigeonhole principle), so one
//! hash lookup per group gives every candidate.

use std::collections::HashMap;
use std::sync::OnceLock;

use rayon::prelude::*;

use super::table::EncodedTable;

/// Columns with fewer distinct values than this in the real sample are
/// one-hot encoded.
pub const ONE_HOT_BELOW_DISTINCT: usize = 40;

/// Rows encoded for distances: `categorical_width` codes and
/// `numeric_width` scaled values per row, both row-major.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Points {
    pub categorical_width: usize,
    pub numeric_width: usize,
    pub categorical: Vec<u64>,
    pub numeric: Vec<f64>,
}

impl Points {
    pub fn len(&self) -> usize {
        self.categorical
            .len()
            .checked_div(self.categorical_width)
            .or_else(|| self.numeric.len().checked_div(self.numeric_width))
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn key(&self, row: usize) -> &[u64] {
        let w = self.categorical_width;
        &self.categorical[row * w..(row + 1) * w]
    }

    fn values(&self, row: usize) -> &[f64] {
        let w = self.numeric_width;
        &self.numeric[row * w..(row + 1) * w]
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    Discrete(usize),
    Continuous(usize),
    Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Encoding {
    OneHot,
    /// `(x - min) / range`.
    Scaled {
        min: f64,
        range: f64,
    },
}

/// The row encoding of density and coverage, fitted on the real sample so
/// that every synthetic table of an evaluation is encoded the same way:
/// - the discrete features (`proto`, IPs, `dst_port`, `flags`) are one-hot;
/// - a continuous feature or the start time with fewer than 40 distinct
///   values in the real sample is one-hot, with one category per value;
/// - the start time is taken as given; [`super::evaluate`] passes offsets
///   from each table's first flow;
/// - any other is min-max scaled by the real sample's minimum and maximum,
///   so synthetic values outside the real range map outside `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RowEncoding {
    columns: Vec<(Source, Encoding)>,
}

fn value_of(table: &EncodedTable, source: Source, row: usize) -> f64 {
    match source {
        Source::Discrete(c) => f64::from(table.discrete[c][row]),
        Source::Continuous(c) => table.continuous[c][row],
        Source::Timestamp => table.ts[row] as f64,
    }
}

fn category_of(table: &EncodedTable, source: Source, row: usize) -> u64 {
    match source {
        Source::Discrete(c) => u64::from(table.discrete[c][row]),
        // Adding 0.0 turns -0.0 into 0.0, so both get one category.
        Source::Continuous(c) => (table.continuous[c][row] + 0.0).to_bits(),
        Source::Timestamp => table.ts[row] as u64,
    }
}

impl RowEncoding {
    pub fn fit(real: &EncodedTable) -> RowEncoding {
        let mut columns: Vec<(Source, Encoding)> = (0..real.discrete.len())
            .map(|c| (Source::Discrete(c), Encoding::OneHot))
            .collect();
        let others = (0..real.continuous.len())
            .map(Source::Continuous)
            .chain([Source::Timestamp]);
        for source in others {
            let mut distinct = std::collections::HashSet::new();
            for row in 0..real.len() {
                distinct.insert(category_of(real, source, row));
                if distinct.len() >= ONE_HOT_BELOW_DISTINCT {
                    break;
                }
            }
            if distinct.len() < ONE_HOT_BELOW_DISTINCT {
                columns.push((source, Encoding::OneHot));
                continue;
            }
            let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
            for row in 0..real.len() {
                let v = value_of(real, source, row);
                min = min.min(v);
                max = max.max(v);
            }
            columns.push((
                source,
                Encoding::Scaled {
                    min,
                    range: max - min,
                },
            ));
        }
        RowEncoding { columns }
    }

    pub fn encode(&self, table: &EncodedTable) -> Points {
        let mut points = Points::default();
        for &(_, encoding) in &self.columns {
            match encoding {
                Encoding::OneHot => points.categorical_width += 1,
                Encoding::Scaled { .. } => points.numeric_width += 1,
            }
        }
        for row in 0..table.len() {
            for &(source, encoding) in &self.columns {
                match encoding {
                    Encoding::OneHot => points.categorical.push(category_of(table, source, row)),
                    Encoding::Scaled { min, range } => points
                        .numeric
                        .push((value_of(table, source, row) - min) / range),
                }
            }
        }
        points
    }
}

fn mismatches(a: &[u64], b: &[u64]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x != y).count()
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Hashes the codes of the given columns.
fn hash_columns(key: &[u64], columns: &[usize]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &c in columns {
        h = (h ^ key[c]).wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    h
}

fn equal_on(a: &[u64], b: &[u64], columns: &[usize]) -> bool {
    columns.iter().all(|&c| a[c] == b[c])
}

/// Splits the columns into `parts` groups whose summed weights are about
/// equal: heaviest column first, each into the currently lightest group.
/// With the logarithm of each column's distinct-value count as its weight,
/// every group gets a similar number of distinct keys, so no group's hash
/// lookup returns a large share of the buckets.
fn balanced_groups(weights: &[f64], parts: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
    let mut groups = vec![Vec::new(); parts];
    let mut sums = vec![0.0f64; parts];
    for column in order {
        let lightest = (0..parts)
            .min_by(|&a, &b| sums[a].total_cmp(&sums[b]).then(a.cmp(&b)))
            .unwrap_or(0);
        groups[lightest].push(column);
        sums[lightest] += weights[column];
    }
    groups
}

/// Finds, among a set of buckets, those whose key differs from a query key
/// in at most `radius` columns.
struct MismatchIndex {
    radius: usize,
    /// Columns of the `radius + 1` groups; empty when `radius >= width`,
    /// where every bucket is a candidate.
    groups: Vec<Vec<usize>>,
    /// Per group, buckets by the hash of their codes in that group.
    maps: Vec<HashMap<u64, Vec<u32>>>,
    all: Vec<u32>,
}

impl MismatchIndex {
    /// Indexes `buckets`; `weights` has one entry per column, see
    /// [`balanced_groups`].
    fn new(keys: &[u64], weights: &[f64], buckets: &[u32], radius: usize) -> MismatchIndex {
        let width = weights.len();
        let mut index = MismatchIndex {
            radius,
            groups: Vec::new(),
            maps: Vec::new(),
            all: Vec::new(),
        };
        if radius >= width {
            index.all = buckets.to_vec();
            return index;
        }
        index.groups = balanced_groups(weights, radius + 1);
        for columns in &index.groups {
            let mut map: HashMap<u64, Vec<u32>> = HashMap::new();
            for &b in buckets {
                let key = &keys[b as usize * width..(b as usize + 1) * width];
                map.entry(hash_columns(key, columns)).or_default().push(b);
            }
            index.maps.push(map);
        }
        index
    }

    /// Appends `(mismatches, bucket)` for every bucket within the radius.
    fn query(&self, keys: &[u64], width: usize, key: &[u64], out: &mut Vec<(u32, u32)>) {
        let bucket_key = |b: u32| &keys[b as usize * width..(b as usize + 1) * width];
        if self.groups.is_empty() {
            out.extend(
                self.all
                    .iter()
                    .map(|&b| (mismatches(key, bucket_key(b)) as u32, b)),
            );
            return;
        }
        for (g, columns) in self.groups.iter().enumerate() {
            let Some(candidates) = self.maps[g].get(&hash_columns(key, columns)) else {
                continue;
            };
            for &b in candidates {
                let other = bucket_key(b);
                let h = mismatches(key, other);
                if h > self.radius || !equal_on(key, other, columns) {
                    continue;
                }
                // A bucket agreeing on an earlier group was reported there.
                let earlier = self.groups[..g]
                    .iter()
                    .any(|columns| equal_on(key, other, columns));
                if !earlier {
                    out.push((h as u32, b));
                }
            }
        }
    }
}

/// The real sample of density and coverage with every row's k-nearest
/// neighbour radius, built once and queried with any number of synthetic
/// samples.
pub struct KnnReference {
    k: usize,
    points: Points,
    /// Squared distance from each real row to its k-th nearest other real
    /// row.
    radii: Vec<f64>,
    /// Categorical codes of each bucket, `width` per bucket.
    keys: Vec<u64>,
    /// Rows of each bucket, by decreasing radius.
    members: Vec<Vec<u32>>,
    /// Per level L, the buckets whose largest radius allows up to L
    /// mismatches, and their index.
    levels: Vec<(usize, MismatchIndex)>,
}

/// Returns the squared distances of the `k` nearest rows found so far,
/// sorted, with the new distance inserted if it is among them.
fn insert_nearest(best: &mut Vec<f64>, k: usize, distance: f64) {
    if best.len() == k {
        if distance >= best[k - 1] {
            return;
        }
        best.pop();
    }
    let at = best.partition_point(|&d| d <= distance);
    best.insert(at, distance);
}

/// Returns the `(mismatches, bucket)` pairs with at least one mismatch,
/// ordered by mismatches (a counting sort, since mismatches are at most
/// `width`) and otherwise in their input order.
fn order_by_mismatches(candidates: &[(u32, u32)], width: usize) -> Vec<(u32, u32)> {
    let mut starts = vec![0usize; width + 2];
    for &(h, _) in candidates {
        starts[h as usize + 1] += 1;
    }
    for h in 1..starts.len() {
        starts[h] += starts[h - 1];
    }
    let first_nonzero = starts[1];
    let mut ordered = vec![(0, 0); candidates.len()];
    for &(h, b) in candidates {
        ordered[starts[h as usize]] = (h, b);
        starts[h as usize] += 1;
    }
    ordered.split_off(first_nonzero)
}

impl KnnReference {
    /// Computes every real row's radius: the squared Euclidean distance to
    /// its k-th nearest other row (duplicates count as neighbours at
    /// distance 0). Returns `None` when the sample has `k` rows or fewer.
    pub fn build(points: Points, k: usize) -> Option<KnnReference> {
        let rows = points.len();
        if k == 0 || rows <= k {
            return None;
        }
        let width = points.categorical_width;
        let mut bucket_of_key: HashMap<&[u64], u32> = HashMap::new();
        let mut keys = Vec::new();
        let mut members: Vec<Vec<u32>> = Vec::new();
        for row in 0..rows {
            let key = points.key(row);
            let next = members.len() as u32;
            let b = *bucket_of_key.entry(key).or_insert(next);
            if b == next {
                keys.extend_from_slice(key);
                members.push(Vec::new());
            }
            members[b as usize].push(row as u32);
        }
        drop(bucket_of_key);
        let weights: Vec<f64> = (0..width)
            .map(|c| {
                let distinct: std::collections::HashSet<u64> =
                    keys.chunks_exact(width).map(|key| key[c]).collect();
                (distinct.len() as f64).ln()
            })
            .collect();
        let bucket_ids: Vec<u32> = (0..members.len() as u32).collect();
        // Index of all buckets per mismatch radius, built when first needed.
        let by_radius: Vec<OnceLock<MismatchIndex>> =
            (0..=width).map(|_| OnceLock::new()).collect();
        let index_for = |radius: usize| {
            by_radius[radius.min(width)]
                .get_or_init(|| MismatchIndex::new(&keys, &weights, &bucket_ids, radius.min(width)))
        };

        let bucket_radii: Vec<Vec<f64>> = members
            .par_iter()
            .enumerate()
            .map(|(b, rows_in_bucket)| {
                let key = &keys[b * width..(b + 1) * width];
                let mut nearest: Vec<Vec<f64>> = rows_in_bucket
                    .iter()
                    .map(|&i| {
                        let mut best = Vec::with_capacity(k + 1);
                        for &j in rows_in_bucket {
                            if i != j {
                                let d = squared_distance(
                                    points.values(i as usize),
                                    points.values(j as usize),
                                );
                                insert_nearest(&mut best, k, d);
                            }
                        }
                        best
                    })
                    .collect();
                // Widen the search one mismatch level at a time while a row
                // still lacks k neighbours, then jump to the level its k-th
                // distance allows. `searched` levels are complete.
                let mut searched = 0;
                let mut candidates = Vec::new();
                while searched < width {
                    let mut level = searched;
                    for best in &nearest {
                        let allowed = if best.len() < k {
                            searched + 1
                        } else {
                            (best[k - 1] / 2.0) as usize
                        };
                        level = level.max(allowed);
                    }
                    let level = level.min(width);
                    if level == searched {
                        break;
                    }
                    candidates.clear();
                    index_for(level).query(&keys, width, key, &mut candidates);
                    candidates.retain(|&(h, _)| h as usize > searched);
                    let candidates = order_by_mismatches(&candidates, width);
                    for (&i, best) in rows_in_bucket.iter().zip(&mut nearest) {
                        for &(h, c) in &candidates {
                            let floor = 2.0 * f64::from(h);
                            if best.len() == k && floor > best[k - 1] {
                                break;
                            }
                            for &j in &members[c as usize] {
                                let d = floor
                                    + squared_distance(
                                        points.values(i as usize),
                                        points.values(j as usize),
                                    );
                                insert_nearest(best, k, d);
                            }
                        }
                    }
                    searched = level;
                }
                nearest.into_iter().map(|best| best[k - 1]).collect()
            })
            .collect();
        drop(by_radius);

        let mut radii = vec![0.0; rows];
        for (rows_in_bucket, bucket) in members.iter_mut().zip(&bucket_radii) {
            for (&row, &r) in rows_in_bucket.iter().zip(bucket) {
                radii[row as usize] = r;
            }
            rows_in_bucket.sort_by(|&a, &b| {
                radii[b as usize]
                    .total_cmp(&radii[a as usize])
                    .then(a.cmp(&b))
            });
        }
        let mut by_level: Vec<Vec<u32>> = vec![Vec::new(); width + 1];
        for (b, rows_in_bucket) in members.iter().enumerate() {
            let largest = radii[rows_in_bucket[0] as usize];
            let level = ((largest / 2.0) as usize).min(width);
            by_level[level].push(b as u32);
        }
        // NOTE: buckets whose radius allows as many mismatches as there are
        // categorical columns are compared with every synthetic row. Real
        // samples made mostly of isolated rows therefore fall back towards
        // brute force (quadratic in the sample size).
        let levels = by_level
            .iter()
            .enumerate()
            .filter(|(_, buckets)| !buckets.is_empty())
            .map(|(level, buckets)| (level, MismatchIndex::new(&keys, &weights, buckets, level)))
            .collect();
        Some(KnnReference {
            k,
            points,
            radii,
            keys,
            members,
            levels,
        })
    }

    /// Squared k-nearest-neighbour radius of each real row.
    pub fn radii(&self) -> &[f64] {
        &self.radii
    }

    /// Returns `(density, coverage)` of a synthetic sample:
    /// - density = `1 / (k M) * sum over synthetic rows y of the number of
    ///   real rows x_i with d(y, x_i) <= r_i`;
    /// - coverage = share of real rows x_i with at least one synthetic row
    ///   within r_i;
    ///
    /// where `M` is the synthetic row count and `r_i` the radius of `x_i`.
    /// Balls are closed (`<=`), so duplicated rows, whose radius is 0, are
    /// covered by an equal synthetic row. Returns NaN for both when the
    /// synthetic sample is empty.
    pub fn density_coverage(&self, synthetic: &Points) -> (f64, f64) {
        let rows = synthetic.len();
        if rows == 0 {
            return (f64::NAN, f64::NAN);
        }
        let width = self.points.categorical_width;
        let mut groups: HashMap<&[u64], Vec<u32>> = HashMap::new();
        for row in 0..rows {
            groups
                .entry(synthetic.key(row))
                .or_default()
                .push(row as u32);
        }
        let mut groups: Vec<(&[u64], Vec<u32>)> = groups.into_iter().collect();
        groups.sort_unstable_by_key(|(_, rows)| rows[0]);

        let real_rows = self.points.len();
        let (inside, covered) = groups
            .par_iter()
            .fold(
                || (0u64, vec![false; real_rows]),
                |(mut inside, mut covered), (key, synthetic_rows)| {
                    let mut candidates = Vec::new();
                    for (_, index) in &self.levels {
                        index.query(&self.keys, width, key, &mut candidates);
                    }
                    for &y in synthetic_rows {
                        let values = synthetic.values(y as usize);
                        for &(h, c) in &candidates {
                            let floor = 2.0 * f64::from(h);
                            for &i in &self.members[c as usize] {
                                let radius = self.radii[i as usize];
                                if radius < floor {
                                    break;
                                }
                                let d = floor
                                    + squared_distance(values, self.points.values(i as usize));
                                if d <= radius {
                                    inside += 1;
                                    covered[i as usize] = true;
                                }
                            }
                        }
                    }
                    (inside, covered)
                },
            )
            .reduce(
                || (0u64, vec![false; real_rows]),
                |(a, mut covered_a), (b, covered_b)| {
                    for (x, y) in covered_a.iter_mut().zip(covered_b) {
                        *x |= y;
                    }
                    (a + b, covered_a)
                },
            );
        let density = inside as f64 / (self.k as f64 * rows as f64);
        let coverage = covered.iter().filter(|&&c| c).count() as f64 / real_rows as f64;
        (density, coverage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(
        categorical: &[u64],
        numeric: &[f64],
        categorical_width: usize,
        numeric_width: usize,
    ) -> Points {
        Points {
            categorical_width,
            numeric_width,
            categorical: categorical.to_vec(),
            numeric: numeric.to_vec(),
        }
    }

    /// Brute-force density and coverage, for comparison.
    fn brute_force(real: &Points, synthetic: &Points, k: usize) -> (f64, f64) {
        let d = |a: &Points, i: usize, b: &Points, j: usize| {
            2.0 * mismatches(a.key(i), b.key(j)) as f64 + squared_distance(a.values(i), b.values(j))
        };
        let radii: Vec<f64> = (0..real.len())
            .map(|i| {
                let mut all: Vec<f64> = (0..real.len())
                    .filter(|&j| j != i)
                    .map(|j| d(real, i, real, j))
                    .collect();
                all.sort_by(f64::total_cmp);
                all[k - 1]
            })
            .collect();
        let mut inside = 0;
        let mut covered = vec![false; real.len()];
        for j in 0..synthetic.len() {
            for i in 0..real.len() {
                if d(synthetic, j, real, i) <= radii[i] {
                    inside += 1;
                    covered[i] = true;
                }
            }
        }
        (
            inside as f64 / (k * synthetic.len()) as f64,
            covered.iter().filter(|&&c| c).count() as f64 / real.len() as f64,
        )
    }

    #[test]
    fn density_coverage_hand_checked() {
        // One numeric column, no categorical column, k = 2.
        // Real 0, 1, 2, 10. Radii (2nd nearest other row, squared):
        // 0: neighbours 1, 2 -> 4; 1: 0, 2 -> 1; 2: 1, 0 -> 4;
        // 10: 2, 1 -> 81.
        // Synthetic 1 is within the radius of 0 (1 <= 4), 1 (0 <= 1),
        // 2 (1 <= 4) and 10 (81 <= 81, a closed ball): 4 balls.
        // Synthetic 5 is within the radius of 10 (25 <= 81) only, since
        // 25 > 4, 16 > 1, 9 > 4: 1 ball.
        // Density = (4 + 1) / (2 * 2) = 1.25. Coverage: 4 of 4 rows = 1.
        // Synthetic 20 alone: within no ball (100 > 81): density 0,
        // coverage 0.
        let real = points(&[], &[0.0, 1.0, 2.0, 10.0], 0, 1);
        let reference = KnnReference::build(real, 2).unwrap();
        assert_eq!(reference.radii(), &[4.0, 1.0, 4.0, 81.0]);
        let (density, coverage) = reference.density_coverage(&points(&[], &[1.0, 5.0], 0, 1));
        assert_eq!((density, coverage), (1.25, 1.0));
        let (density, coverage) = reference.density_coverage(&points(&[], &[20.0], 0, 1));
        assert_eq!((density, coverage), (0.0, 0.0));
    }

    #[test]
    fn density_coverage_categorical_hand_checked() {
        // Two categorical columns, one numeric column, k = 1.
        // Real rows: A=(1,1,0.0), B=(1,1,0.5), C=(1,2,0.0), D=(3,4,0.0).
        // Radii (nearest other row, squared): A: B at 0.25; B: A at 0.25;
        // C: A at 2 (one mismatch); D: A or C at 4 (two mismatches).
        // Synthetic (1,2,0.0) equals C: within C (0 <= 2), A (2 > 0.25,
        // no), B (2.25 > 0.25, no), D (4 <= 4, yes): 2 balls.
        // Density = 2 / (1 * 1) = 2; coverage = 2 / 4 = 0.5.
        let real = points(&[1, 1, 1, 1, 1, 2, 3, 4], &[0.0, 0.5, 0.0, 0.0], 2, 1);
        let reference = KnnReference::build(real, 1).unwrap();
        assert_eq!(reference.radii(), &[0.25, 0.25, 2.0, 4.0]);
        let (density, coverage) = reference.density_coverage(&points(&[1, 2], &[0.0], 2, 1));
        assert_eq!((density, coverage), (2.0, 0.5));
    }

    #[test]
    fn density_coverage_matches_brute_force() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut make = |rows: usize| {
            let categorical: Vec<u64> = (0..rows * 4)
                .map(|i| rng.random_range(0..(2 + i % 4) as u64))
                .collect();
            let numeric: Vec<f64> = (0..rows * 2).map(|_| rng.random::<f64>() * 2.0).collect();
            points(&categorical, &numeric, 4, 2)
        };
        let real = make(300);
        let synthetic = make(200);
        for k in [1, 5] {
            let expected = brute_force(&real, &synthetic, k);
            let reference = KnnReference::build(real.clone(), k).unwrap();
            let (density, coverage) = reference.density_coverage(&synthetic);
            assert!(
                (density - expected.0).abs() < 1e-12,
                "k={k}: {density} vs {}",
                expected.0
            );
            assert!(
                (coverage - expected.1).abs() < 1e-12,
                "k={k}: {coverage} vs {}",
                expected.1
            );
        }
    }

    /// Reads UGR'16 records as one-directional flows (start = end - duration).
    fn ugr16_flows(path: &std::path::Path, rows: usize) -> crate::flow::FlowTable {
        use std::io::BufRead;
        let file = std::fs::File::open(path).unwrap();
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
        let mut table = crate::flow::FlowTable::default();
        for line in reader.lines().skip(1).take(rows) {
            let line = line.unwrap();
            let f: Vec<&str> = line.split(',').collect();
            let duration: f64 = f[1].parse().unwrap();
            let end = crate::flow::parse_timestamp(f[0]).unwrap();
            table.flows.push(crate::flow::Flow {
                ts: end - (duration * 1e6) as i64,
                proto: f[6].to_string(),
                src_ip: crate::flow::Host::parse(f[2]).unwrap(),
                src_port: f[4].parse().unwrap(),
                dst_ip: crate::flow::Host::parse(f[3]).unwrap(),
                dst_port: f[5].parse().unwrap(),
                fwd_packets: f[10].parse().unwrap(),
                bwd_packets: 0,
                fwd_bytes: f[11].parse().unwrap(),
                bwd_bytes: 0,
                duration,
                flags: f[7].to_string(),
                extra: Vec::new(),
            });
        }
        table
    }

    #[test]
    fn ugr16_matches_brute_force() {
        let Some(path) = crate::testdata::shared_data("ugr16/ugr16_day1_10hosts.csv.gz") else {
            return;
        };
        let flows = ugr16_flows(&path, 3000);
        let mut dictionaries = super::super::table::Dictionaries::default();
        let all = EncodedTable::encode(&flows, &mut dictionaries);
        let real = all.select(&(0..1500).collect::<Vec<_>>());
        let synthetic = all.select(&(1500..3000).collect::<Vec<_>>());
        let encoding = RowEncoding::fit(&real);
        let (real, synthetic) = (encoding.encode(&real), encoding.encode(&synthetic));
        let expected = brute_force(&real, &synthetic, 5);
        let (density, coverage) = KnnReference::build(real, 5)
            .unwrap()
            .density_coverage(&synthetic);
        assert!(
            (density - expected.0).abs() < 1e-12,
            "{density} vs {}",
            expected.0
        );
        assert!(
            (coverage - expected.1).abs() < 1e-12,
            "{coverage} vs {}",
            expected.1
        );
        assert!(density > 0.0);
        assert!(coverage > 0.0);
    }

    #[test]
    fn too_few_rows_rejected() {
        assert!(KnnReference::build(points(&[], &[0.0, 1.0], 0, 1), 2).is_none());
    }
}
