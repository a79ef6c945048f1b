//! Fitted Bayesian networks and ancestral sampling.
//!
//! A [`BayesNet`] stores, per variable, its parents, the values it takes in
//! the training table and its training counts under every observed parent
//! configuration, keyed by value id. Sampling draws a variable's value with
//! probability `(n_cx + 1) / (N_c + r)`: the counts under parent
//! configuration `c` plus a Dirichlet prior of 1 over the `r` values the
//! variable takes in the training table. A configuration never observed in
//! training falls back to the variable's marginal counts, with the same
//! prior.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::counting::{DenseTable, KeyMap};
use super::{BnError, Structure};

/// Training counts of one variable under one parent configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionalCounts {
    /// Value id of each parent, in the order of the variable's `parents`.
    pub parent_values: Vec<u32>,
    /// `(value id, count)` for each value seen under this configuration,
    /// ascending by id; counts are positive.
    pub counts: Vec<(u32, u64)>,
}

/// Everything the network stores about one variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableTable {
    /// Parent variables, ascending.
    pub parents: Vec<usize>,
    /// Value ids the variable takes in the training table, ascending.
    pub values: Vec<u32>,
    /// Training count of each entry of `values`.
    pub marginal: Vec<u64>,
    /// Counts per observed parent configuration, sorted by parent values.
    pub conditionals: Vec<ConditionalCounts>,
}

/// Serialized form of a [`BayesNet`].
#[derive(Serialize, Deserialize)]
struct NetworkSpec {
    variables: Vec<VariableTable>,
}

/// A Bayesian network fitted to a table, ready for sampling.
///
/// It serializes (with serde) to its [`VariableTable`]s only; the sampling
/// tables are rebuilt, and the input validated, on deserialization.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "NetworkSpec", into = "NetworkSpec")]
pub struct BayesNet {
    tables: Vec<VariableTable>,
    samplers: Vec<VariableSampler>,
    structure: Structure,
    order: Vec<usize>,
}

impl PartialEq for BayesNet {
    fn eq(&self, other: &Self) -> bool {
        self.tables == other.tables
    }
}

impl TryFrom<NetworkSpec> for BayesNet {
    type Error = BnError;

    fn try_from(spec: NetworkSpec) -> Result<Self, BnError> {
        BayesNet::from_tables(spec.variables)
    }
}

impl From<BayesNet> for NetworkSpec {
    fn from(network: BayesNet) -> Self {
        NetworkSpec {
            variables: network.tables,
        }
    }
}

/// Counts of one distribution, prepared for drawing with a prior of 1 per
/// value: a draw `u` uniform in `0..observed + r` picks the observed row
/// whose cumulative range contains `u` when `u < observed`, and the value at
/// position `u - observed` otherwise. This is exactly
/// `P(x) = (n_x + 1) / (observed + r)`, without storing all `r` values for
/// every configuration.
#[derive(Debug, Clone)]
struct Distribution {
    /// Positions (indices into the variable's `values`) with a count.
    positions: Vec<u32>,
    /// Inclusive running sums of the counts of `positions`.
    cumulative: Vec<u64>,
    observed: u64,
}

impl Distribution {
    fn new(counts: impl IntoIterator<Item = (u32, u64)>) -> Distribution {
        let mut positions = Vec::new();
        let mut cumulative = Vec::new();
        let mut observed = 0u64;
        for (position, count) in counts {
            observed += count;
            positions.push(position);
            cumulative.push(observed);
        }
        Distribution {
            positions,
            cumulative,
            observed,
        }
    }

    fn draw(&self, values: usize, rng: &mut impl Rng) -> usize {
        let u = rng.random_range(0..self.observed + values as u64);
        if u < self.observed {
            let index = self.cumulative.partition_point(|&c| c <= u);
            self.positions[index] as usize
        } else {
            (u - self.observed) as usize
        }
    }
}

/// Maps value ids of a variable to positions in its `values`.
#[derive(Debug, Clone)]
enum PositionMap {
    /// `table[id]` is the position, or `u32::MAX` for an unseen id.
    Direct(Vec<u32>),
    /// Binary search in the sorted values.
    Search,
}

/// Maps a parent-configuration key to the index of its distribution.
#[derive(Debug, Clone)]
enum ConfigLookup {
    /// `table[key]` is the index, or `u32::MAX` for an unseen configuration.
    Direct(Vec<u32>),
    Hashed(KeyMap<u64, u32>),
}

#[derive(Debug, Clone)]
struct VariableSampler {
    /// Mixed-radix multipliers over the parents' value positions.
    multipliers: Vec<u64>,
    lookup: ConfigLookup,
    conditionals: Vec<Distribution>,
    marginal: Distribution,
    positions: PositionMap,
}

/// Configuration spaces up to this size get a direct lookup table.
const DIRECT_LOOKUP_LIMIT: u64 = 1 << 16;

impl BayesNet {
    /// Fits the network of `structure` to a column-major table: counts every
    /// variable's values under each parent configuration. The table needs
    /// at least one row unless the network has no variable.
    pub fn fit(structure: &Structure, columns: &[&[u32]]) -> Result<BayesNet, BnError> {
        let variables = structure.len();
        if columns.len() != variables {
            return Err(BnError::VariableCount {
                expected: variables,
                found: columns.len(),
            });
        }
        let table = DenseTable::new(columns)?;
        if variables > 0 && table.rows == 0 {
            return Err(BnError::EmptyTable);
        }
        let tables = (0..variables)
            .map(|v| fit_variable(&table, structure.parents_of(v), v))
            .collect::<Result<Vec<_>, _>>()?;
        BayesNet::from_tables(tables)
    }

    /// Builds a network from its tables, checking that they are consistent:
    /// parents form a directed acyclic graph, values are ascending and
    /// non-empty, and every count refers to known values.
    pub fn from_tables(tables: Vec<VariableTable>) -> Result<BayesNet, BnError> {
        let parents: Vec<Vec<usize>> = tables.iter().map(|t| t.parents.clone()).collect();
        let structure = Structure::new(parents, usize::MAX)?;
        for (variable, table) in tables.iter().enumerate() {
            if table.parents != structure.parents_of(variable) {
                return Err(invalid(variable, "parents are not in ascending order"));
            }
            validate_table(&tables, variable)?;
        }
        let samplers = (0..tables.len())
            .map(|v| build_sampler(&tables, v))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(BayesNet {
            order: structure.topological_order(),
            structure,
            tables,
            samplers,
        })
    }

    /// Returns the number of variables.
    pub fn variables(&self) -> usize {
        self.tables.len()
    }

    /// Returns the stored table of variable `v`.
    pub fn table(&self, v: usize) -> &VariableTable {
        &self.tables[v]
    }

    /// Returns the graph of the network. Its `max_parents` is `usize::MAX`
    /// because the tables do not record the limit, so take the description
    /// length from the structure the network was fitted with.
    pub fn structure(&self) -> &Structure {
        &self.structure
    }

    /// Returns the sampling order: every parent before its children.
    pub fn topological_order(&self) -> &[usize] {
        &self.order
    }

    /// Returns the sampling distribution of variable `v` given the value ids
    /// of its parents (in the order of its `parents`), as `(value id,
    /// probability)` pairs over the variable's training values. An unseen
    /// or malformed configuration gives the marginal distribution.
    pub fn conditional(&self, v: usize, parent_values: &[u32]) -> Vec<(u32, f64)> {
        let table = &self.tables[v];
        let r = table.values.len() as f64;
        let counts: Vec<u64> = match table
            .conditionals
            .binary_search_by(|row| row.parent_values.as_slice().cmp(parent_values))
        {
            Ok(index) => {
                let mut counts = vec![0u64; table.values.len()];
                for &(id, count) in &table.conditionals[index].counts {
                    if let Ok(position) = table.values.binary_search(&id) {
                        counts[position] = count;
                    }
                }
                counts
            }
            Err(_) => table.marginal.clone(),
        };
        let total: u64 = counts.iter().sum();
        table
            .values
            .iter()
            .zip(&counts)
            .map(|(&id, &count)| (id, (count as f64 + 1.0) / (total as f64 + r)))
            .collect()
    }

    /// Draws one row by ancestral sampling: one value id per variable.
    pub fn sample(&self, rng: &mut impl Rng) -> Vec<u32> {
        let mut row = vec![0u32; self.tables.len()];
        self.sample_into(rng, &mut row);
        row
    }

    /// Draws one row into `row`, which must have one slot per variable.
    ///
    /// # Panics
    /// Panics when `row.len()` differs from the number of variables.
    pub fn sample_into(&self, rng: &mut impl Rng, row: &mut [u32]) {
        assert_eq!(
            row.len(),
            self.tables.len(),
            "sample_into needs one slot per variable"
        );
        for &v in &self.order {
            let table = &self.tables[v];
            let sampler = &self.samplers[v];
            let mut key = 0u64;
            for (&p, &multiplier) in table.parents.iter().zip(&sampler.multipliers) {
                key += self.position_of(p, row[p]) * multiplier;
            }
            let distribution = sampler.find(key).unwrap_or(&sampler.marginal);
            let position = distribution.draw(table.values.len(), rng);
            row[v] = table.values[position];
        }
    }

    /// Position of a sampled value id of variable `v`.
    fn position_of(&self, v: usize, id: u32) -> u64 {
        match &self.samplers[v].positions {
            PositionMap::Direct(table) => u64::from(table[id as usize]),
            PositionMap::Search => self.tables[v].values.partition_point(|&x| x < id) as u64,
        }
    }
}

impl VariableSampler {
    fn find(&self, key: u64) -> Option<&Distribution> {
        let index = match &self.lookup {
            ConfigLookup::Direct(table) => *table.get(key as usize)?,
            ConfigLookup::Hashed(map) => *map.get(&key)?,
        };
        self.conditionals.get(index as usize)
    }
}

fn invalid(variable: usize, reason: &str) -> BnError {
    BnError::InvalidTable {
        variable,
        reason: reason.to_string(),
    }
}

fn fit_variable(table: &DenseTable, parents: &[usize], v: usize) -> Result<VariableTable, BnError> {
    let mut multipliers = Vec::with_capacity(parents.len());
    let mut space: u64 = 1;
    for &p in parents {
        multipliers.push(space);
        space = space
            .checked_mul(table.cardinality(p) as u64)
            .ok_or(BnError::ConfigSpaceTooLarge { variable: v })?;
    }
    let mut keys = vec![0u64; table.rows];
    for (&p, &m) in parents.iter().zip(&multipliers) {
        for (key, &x) in keys.iter_mut().zip(&table.columns[p]) {
            *key += u64::from(x) * m;
        }
    }
    let mut cells: KeyMap<(u64, u32), u64> = KeyMap::default();
    let mut marginal = vec![0u64; table.cardinality(v)];
    for (&key, &x) in keys.iter().zip(&table.columns[v]) {
        *cells.entry((key, x)).or_insert(0) += 1;
        marginal[x as usize] += 1;
    }
    let mut cells: Vec<((u64, u32), u64)> = cells.into_iter().collect();
    cells.sort_unstable();

    let values = &table.values[v];
    let mut conditionals: Vec<ConditionalCounts> = Vec::new();
    let mut current: Option<u64> = None;
    for ((key, position), count) in cells {
        if current != Some(key) {
            current = Some(key);
            let parent_values = parents
                .iter()
                .zip(&multipliers)
                .map(|(&p, &m)| table.values[p][((key / m) % table.cardinality(p) as u64) as usize])
                .collect();
            conditionals.push(ConditionalCounts {
                parent_values,
                counts: Vec::new(),
            });
        }
        if let Some(row) = conditionals.last_mut() {
            row.counts.push((values[position as usize], count));
        }
    }
    conditionals.sort_by(|a, b| a.parent_values.cmp(&b.parent_values));
    Ok(VariableTable {
        parents: parents.to_vec(),
        values: values.clone(),
        marginal,
        conditionals,
    })
}

fn validate_table(tables: &[VariableTable], variable: usize) -> Result<(), BnError> {
    let table = &tables[variable];
    if table.values.is_empty() {
        return Err(invalid(variable, "no values"));
    }
    if table.values.windows(2).any(|w| w[0] >= w[1]) {
        return Err(invalid(variable, "values are not strictly ascending"));
    }
    if table.marginal.len() != table.values.len() {
        return Err(invalid(variable, "marginal and values differ in length"));
    }
    if table
        .marginal
        .iter()
        .try_fold(0u64, |a, &c| a.checked_add(c))
        .is_none()
    {
        return Err(invalid(variable, "marginal counts overflow"));
    }
    for (i, row) in table.conditionals.iter().enumerate() {
        if i > 0 && table.conditionals[i - 1].parent_values >= row.parent_values {
            return Err(invalid(
                variable,
                "parent configurations are not strictly ascending",
            ));
        }
        if row.parent_values.len() != table.parents.len() {
            return Err(invalid(
                variable,
                "a parent configuration has the wrong length",
            ));
        }
        for (&p, id) in table.parents.iter().zip(&row.parent_values) {
            if tables[p].values.binary_search(id).is_err() {
                return Err(invalid(
                    variable,
                    "a parent configuration uses a value its parent never takes",
                ));
            }
        }
        if row.counts.is_empty() || row.counts.iter().any(|&(_, c)| c == 0) {
            return Err(invalid(
                variable,
                "a parent configuration has no positive count",
            ));
        }
        if row.counts.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(invalid(
                variable,
                "conditional counts are not strictly ascending by value id",
            ));
        }
        if row
            .counts
            .iter()
            .any(|(id, _)| table.values.binary_search(id).is_err())
        {
            return Err(invalid(
                variable,
                "a conditional count uses a value outside `values`",
            ));
        }
        if row
            .counts
            .iter()
            .try_fold(0u64, |a, &(_, c)| a.checked_add(c))
            .is_none()
        {
            return Err(invalid(variable, "conditional counts overflow"));
        }
    }
    Ok(())
}

fn build_sampler(tables: &[VariableTable], v: usize) -> Result<VariableSampler, BnError> {
    let table = &tables[v];
    let mut multipliers = Vec::with_capacity(table.parents.len());
    let mut space: u64 = 1;
    for &p in &table.parents {
        multipliers.push(space);
        space = space
            .checked_mul(tables[p].values.len() as u64)
            .ok_or(BnError::ConfigSpaceTooLarge { variable: v })?;
    }
    let position = |values: &[u32], id: u32| values.partition_point(|&x| x < id) as u32;
    let mut conditionals = Vec::with_capacity(table.conditionals.len());
    let mut keys = Vec::with_capacity(table.conditionals.len());
    for row in &table.conditionals {
        let mut key = 0u64;
        for ((&p, &id), &m) in table
            .parents
            .iter()
            .zip(&row.parent_values)
            .zip(&multipliers)
        {
            key += u64::from(position(&tables[p].values, id)) * m;
        }
        keys.push(key);
        conditionals.push(Distribution::new(
            row.counts
                .iter()
                .map(|&(id, count)| (position(&table.values, id), count)),
        ));
    }
    let lookup = if space <= DIRECT_LOOKUP_LIMIT.max(4 * keys.len() as u64) {
        let mut direct = vec![u32::MAX; space as usize];
        for (index, &key) in keys.iter().enumerate() {
            direct[key as usize] = index as u32;
        }
        ConfigLookup::Direct(direct)
    } else {
        ConfigLookup::Hashed(
            keys.iter()
                .enumerate()
                .map(|(index, &key)| (key, index as u32))
                .collect(),
        )
    };
    let marginal = Distribution::new(
        table
            .marginal
            .iter()
            .enumerate()
            .filter(|&(_, &count)| count > 0)
            .map(|(position, &count)| (position as u32, count)),
    );
    let max_id = table.values.last().copied().unwrap_or(0) as usize;
    let positions = if max_id <= 4 * table.values.len() + 1024 {
        let mut direct = vec![u32::MAX; max_id + 1];
        for (position, &id) in table.values.iter().enumerate() {
            direct[id as usize] = position as u32;
        }
        PositionMap::Direct(direct)
    } else {
        PositionMap::Search
    };
    Ok(VariableSampler {
        multipliers,
        lookup,
        conditionals,
        marginal,
        positions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Generates a table where B depends strongly on A: B = A + 10 in about
    /// 90% of rows. The ids are sparse, so value ids and positions differ.
    fn dependent_pair(rows: usize, seed: u64) -> (Vec<u32>, Vec<u32>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let a_values = [3u32, 7, 42];
        let b_values = [13u32, 17, 52, 99];
        let mut a = Vec::with_capacity(rows);
        let mut b = Vec::with_capacity(rows);
        for _ in 0..rows {
            let i = rng.random_range(0..3);
            a.push(a_values[i]);
            if rng.random_bool(0.9) {
                b.push(b_values[i]);
            } else {
                b.push(b_values[rng.random_range(0..4)]);
            }
        }
        (a, b)
    }

    #[test]
    fn sampled_conditionals_match_learned() {
        let (a, b) = dependent_pair(2000, 1);
        let structure = Structure::new(vec![vec![], vec![0]], 3).expect("acyclic");
        let network = BayesNet::fit(&structure, &[&a, &b]).expect("valid input");
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let samples = 100_000;
        let mut joint: std::collections::BTreeMap<(u32, u32), u64> = Default::default();
        let mut a_counts: std::collections::BTreeMap<u32, u64> = Default::default();
        for _ in 0..samples {
            let row = network.sample(&mut rng);
            *joint.entry((row[0], row[1])).or_default() += 1;
            *a_counts.entry(row[0]).or_default() += 1;
        }
        for &a_id in &[3u32, 7, 42] {
            // Expected P(b | a) = (count(a, b) + 1) / (count(a) + r_b), r_b = 4.
            let n_a = a.iter().filter(|&&x| x == a_id).count() as f64;
            for &b_id in &[13u32, 17, 52, 99] {
                let n_ab = a
                    .iter()
                    .zip(&b)
                    .filter(|&(&x, &y)| x == a_id && y == b_id)
                    .count() as f64;
                let expected = (n_ab + 1.0) / (n_a + 4.0);
                let empirical =
                    *joint.get(&(a_id, b_id)).unwrap_or(&0) as f64 / a_counts[&a_id] as f64;
                assert!(
                    (empirical - expected).abs() < 0.01,
                    "P({b_id} | {a_id}): {empirical} vs {expected}"
                );
                let learned = network.conditional(1, &[a_id]);
                let stored = learned
                    .iter()
                    .find(|&&(id, _)| id == b_id)
                    .map(|&(_, p)| p)
                    .unwrap_or(0.0);
                assert!((stored - expected).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn marginals_converge() {
        let (a, b) = dependent_pair(1000, 3);
        let structure = Structure::new(vec![vec![1], vec![]], 3).expect("acyclic");
        let network = BayesNet::fit(&structure, &[&a, &b]).expect("valid input");
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let samples = 100_000;
        let mut counts: std::collections::BTreeMap<u32, u64> = Default::default();
        for _ in 0..samples {
            *counts.entry(network.sample(&mut rng)[1]).or_default() += 1;
        }
        for &(id, probability) in &network.conditional(1, &[]) {
            let empirical = *counts.get(&id).unwrap_or(&0) as f64 / samples as f64;
            assert!(
                (empirical - probability).abs() < 0.01,
                "P(b = {id}): {empirical} vs {probability}"
            );
        }
    }

    #[test]
    fn unseen_configuration_falls_back_to_marginal() {
        // C has parents A and B; the configuration (A=1, B=1) never occurs.
        let a: &[u32] = &[0, 0, 1, 1];
        let b: &[u32] = &[0, 1, 0, 0];
        let c: &[u32] = &[5, 5, 6, 6];
        let structure = Structure::new(vec![vec![], vec![], vec![0, 1]], 3).expect("acyclic");
        let network = BayesNet::fit(&structure, &[a, b, c]).expect("valid input");
        // Marginal of C: counts [2, 2] over 2 values: (2 + 1) / (4 + 2) = 0.5.
        assert_eq!(network.conditional(2, &[1, 1]), vec![(5, 0.5), (6, 0.5)]);
        // Under (A=0, B=0): counts [1, 0]: P(5) = 2/3, P(6) = 1/3.
        let seen = network.conditional(2, &[0, 0]);
        assert!((seen[0].1 - 2.0 / 3.0).abs() < 1e-12);
        assert!((seen[1].1 - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn empty_network_and_empty_table() {
        let network = BayesNet::fit(&Structure::empty(0, 3), &[]).expect("no variables is valid");
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        assert!(network.sample(&mut rng).is_empty());
        let no_rows: &[u32] = &[];
        assert_eq!(
            BayesNet::fit(&Structure::empty(1, 3), &[no_rows]),
            Err(BnError::EmptyTable)
        );
    }

    #[test]
    fn single_row_reproduces_itself_or_prior() {
        // One training row; each variable takes one value, so r = 1 and
        // every draw returns it.
        let a: &[u32] = &[8];
        let b: &[u32] = &[2];
        let structure = Structure::new(vec![vec![], vec![0]], 3).expect("acyclic");
        let network = BayesNet::fit(&structure, &[a, b]).expect("valid input");
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        for _ in 0..10 {
            assert_eq!(network.sample(&mut rng), vec![8, 2]);
        }
    }

    #[test]
    fn json_round_trip_keeps_sampling() {
        let (a, b) = dependent_pair(500, 5);
        let structure = Structure::new(vec![vec![], vec![0]], 3).expect("acyclic");
        let network = BayesNet::fit(&structure, &[&a, &b]).expect("valid input");
        let json = serde_json::to_string_pretty(&network).expect("serializable");
        assert!(json.contains("\"parent_values\""));
        let back: BayesNet = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(back, network);
        let mut first = ChaCha8Rng::seed_from_u64(9);
        let mut second = ChaCha8Rng::seed_from_u64(9);
        for _ in 0..100 {
            assert_eq!(network.sample(&mut first), back.sample(&mut second));
        }
    }

    #[test]
    fn invalid_tables_rejected() {
        let good = VariableTable {
            parents: vec![],
            values: vec![1, 4],
            marginal: vec![3, 1],
            conditionals: vec![ConditionalCounts {
                parent_values: vec![],
                counts: vec![(1, 3), (4, 1)],
            }],
        };
        assert!(BayesNet::from_tables(vec![good.clone()]).is_ok());
        let mut unknown_value = good.clone();
        unknown_value.conditionals[0].counts[1].0 = 5;
        assert!(matches!(
            BayesNet::from_tables(vec![unknown_value]),
            Err(BnError::InvalidTable { .. })
        ));
        let mut no_values = good.clone();
        no_values.values.clear();
        no_values.marginal.clear();
        assert!(matches!(
            BayesNet::from_tables(vec![no_values]),
            Err(BnError::InvalidTable { .. })
        ));
        let mut cyclic_a = good.clone();
        cyclic_a.parents = vec![1];
        let mut cyclic_b = good;
        cyclic_b.parents = vec![0];
        assert!(matches!(
            BayesNet::from_tables(vec![cyclic_a, cyclic_b]),
            Err(BnError::Cycle { .. })
        ));
    }

    #[test]
    fn sparse_ids_use_search_lookup() {
        // Ids far above the number of values exercise the binary-search
        // position map and the hashed configuration lookup.
        let a: &[u32] = &[4_000_000_000, 1, 4_000_000_000, 1];
        let b: &[u32] = &[3_000_000_000, 2, 3_000_000_000, 2];
        let structure = Structure::new(vec![vec![], vec![0]], 3).expect("acyclic");
        let network = BayesNet::fit(&structure, &[a, b]).expect("valid input");
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut agree = 0;
        for _ in 0..1000 {
            let row = network.sample(&mut rng);
            assert!(row[0] == 1 || row[0] == 4_000_000_000);
            assert!(row[1] == 2 || row[1] == 3_000_000_000);
            agree += usize::from((row[0] == 1) == (row[1] == 2));
        }
        // P(agree) = (2 + 1) / (2 + 2) = 0.75 for each parent value.
        assert!((700..800).contains(&agree), "{agree}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn conditional_rows_sum_to_one(
            rows in prop::collection::vec((0u32..3, 0u32..5, 0u32..4), 1..80),
            probe in (0u32..4, 0u32..6),
        ) {
            let columns = [
                rows.iter().map(|r| r.0).collect::<Vec<u32>>(),
                rows.iter().map(|r| r.1).collect(),
                rows.iter().map(|r| r.2).collect(),
            ];
            let slices: Vec<&[u32]> = columns.iter().map(|c| c.as_slice()).collect();
            let structure = Structure::new(vec![vec![], vec![0], vec![0, 1]], 3).expect("acyclic");
            let network = BayesNet::fit(&structure, &slices).expect("valid input");
            for v in 0..3 {
                let table = network.table(v);
                let mut configs: Vec<Vec<u32>> = table.conditionals.iter().map(|c| c.parent_values.clone()).collect();
                configs.push(vec![probe.0, probe.1][..table.parents.len()].to_vec());
                for config in configs {
                    let distribution = network.conditional(v, &config);
                    let sum: f64 = distribution.iter().map(|&(_, p)| p).sum();
                    prop_assert!((sum - 1.0).abs() < 1e-9, "variable {} config {:?}: {}", v, config, sum);
                    prop_assert!(distribution.iter().all(|&(_, p)| p > 0.0));
                }
            }
        }
    }
}
