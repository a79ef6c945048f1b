//! Structure learning: greedy hill climbing over directed acyclic graphs,
//! maximising the BIC score (Schwarz 1978, "Estimating the dimension of a
//! model").
//!
//! The BIC of variable `v` with parent set `P`, in bits, is
//! `LL(v | P) - (log2 N) / 2 · (r_v - 1) · Π_{p in P} r_p`, where `N` is
//! the number of rows, `r` the number of distinct values a variable takes
//! in the table, and `LL(v | P) = Σ_{c, x} n_cx log2(n_cx / n_c)`. Writing
//! `T(S) = Σ n log2 n` over the joint configurations of a variable set
//! `S`, `LL(v | P) = T(P ∪ {v}) - T(P)`, so every family score comes from
//! two values of `T`, which are cached by variable set and shared between
//! families.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use super::counting::DenseTable;
use super::{BnError, Structure};

/// Maximum in-degree used by FlowChronicle networks.
pub const DEFAULT_MAX_PARENTS: usize = 3;

/// A move of the hill climber, on the edge `from -> to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Move {
    Add { from: usize, to: usize },
    Remove { from: usize, to: usize },
    Reverse { from: usize, to: usize },
}

/// Learns a structure by hill climbing from the empty graph. Each step
/// applies the add, remove or reverse move of one edge that raises the BIC
/// score most, and the climb stops when no move raises it. Ties go to the
/// first move in the order of `(from, to)` pairs, so the result depends
/// only on the data, not on the thread count.
///
/// Variables that take a single value in the table get neither parents
/// nor children. The in-degree never exceeds `max_parents`.
pub fn learn(columns: &[&[u32]], max_parents: usize) -> Result<Structure, BnError> {
    let table = DenseTable::new(columns)?;
    let variables = columns.len();
    let mut scorer = Scorer::new(&table);
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); variables];
    let active: Vec<usize> = (0..variables)
        .filter(|&v| table.cardinality(v) > 1)
        .collect();
    let tolerance = 1e-10 * (1.0 + scorer.set_term(&[]).abs());

    // A move's score change depends only on the parent sets of the
    // variables it changes, so it is cached with the versions of those
    // parent sets and recomputed only after one of them changed.
    let mut versions = vec![0u64; variables];
    let mut cached: HashMap<Move, (f64, u64, u64)> = HashMap::new();
    let key_versions = |versions: &[u64], candidate: Move| match candidate {
        Move::Add { to, .. } | Move::Remove { to, .. } => (versions[to], 0),
        Move::Reverse { from, to } => (versions[to], versions[from]),
    };

    let mut steps = 0usize;
    loop {
        let moves = legal_moves(&parents, &active, max_parents);
        let stale: Vec<Move> = moves
            .iter()
            .copied()
            .filter(|&m| {
                cached
                    .get(&m)
                    .is_none_or(|&(_, a, b)| (a, b) != key_versions(&versions, m))
            })
            .collect();
        let mut needed: Vec<Vec<usize>> = Vec::new();
        for &candidate in &stale {
            for (v, family) in changed_families(&parents, candidate) {
                needed.push(family.clone());
                let mut with_child = family;
                with_child.push(v);
                with_child.sort_unstable();
                needed.push(with_child);
            }
        }
        scorer.fill(needed);
        for &candidate in &stale {
            let mut delta = 0.0;
            for (v, family) in changed_families(&parents, candidate) {
                delta += scorer.family_score(v, &family) - scorer.family_score(v, &parents[v]);
            }
            let (a, b) = key_versions(&versions, candidate);
            cached.insert(candidate, (delta, a, b));
        }

        let mut best: Option<(Move, f64)> = None;
        for &candidate in &moves {
            let delta = cached.get(&candidate).map_or(f64::NEG_INFINITY, |c| c.0);
            let threshold = best.map_or(tolerance, |(_, b)| b + tolerance);
            if delta > threshold {
                best = Some((candidate, delta));
            }
        }
        let Some((chosen, delta)) = best else {
            break;
        };
        log::debug!("hill climbing step {steps}: {chosen:?} raises BIC by {delta:.3} bits");
        for (v, _) in changed_families(&parents, chosen) {
            versions[v] += 1;
        }
        apply(&mut parents, chosen);
        steps += 1;
    }
    Structure::new(parents, max_parents)
}

/// Lists every legal move in a fixed order: pairs `(from, to)` ascending,
/// for each pair the add, remove or reverse moves that keep the graph
/// acyclic and the in-degree within `max_parents`.
fn legal_moves(parents: &[Vec<usize>], active: &[usize], max_parents: usize) -> Vec<Move> {
    let mut children = vec![Vec::new(); parents.len()];
    for (child, list) in parents.iter().enumerate() {
        for &parent in list {
            children[parent].push(child);
        }
    }
    let mut moves = Vec::new();
    for &from in active {
        for &to in active {
            if from == to {
                continue;
            }
            if parents[to].contains(&from) {
                moves.push(Move::Remove { from, to });
                // Reversing creates a cycle when another path leads from
                // `from` to `to`.
                if parents[from].len() < max_parents
                    && !reaches(&children, from, to, Some((from, to)))
                {
                    moves.push(Move::Reverse { from, to });
                }
            } else if parents[to].len() < max_parents && !reaches(&children, to, from, None) {
                moves.push(Move::Add { from, to });
            }
        }
    }
    moves
}

/// Checks whether a directed path leads from `start` to `target`, ignoring the
/// edge `skip` when given.
fn reaches(
    children: &[Vec<usize>],
    start: usize,
    target: usize,
    skip: Option<(usize, usize)>,
) -> bool {
    let mut seen = vec![false; children.len()];
    let mut stack = vec![start];
    seen[start] = true;
    while let Some(node) = stack.pop() {
        for &child in &children[node] {
            if skip == Some((node, child)) || seen[child] {
                continue;
            }
            if child == target {
                return true;
            }
            seen[child] = true;
            stack.push(child);
        }
    }
    false
}

/// Returns, for each variable whose parent set a move changes, the
/// variable and its new parent set (sorted).
fn changed_families(parents: &[Vec<usize>], candidate: Move) -> Vec<(usize, Vec<usize>)> {
    let with = |v: usize, extra: usize| {
        let mut list = parents[v].clone();
        list.push(extra);
        list.sort_unstable();
        (v, list)
    };
    let without = |v: usize, gone: usize| {
        let list: Vec<usize> = parents[v].iter().copied().filter(|&p| p != gone).collect();
        (v, list)
    };
    match candidate {
        Move::Add { from, to } => vec![with(to, from)],
        Move::Remove { from, to } => vec![without(to, from)],
        Move::Reverse { from, to } => vec![without(to, from), with(from, to)],
    }
}

fn apply(parents: &mut [Vec<usize>], chosen: Move) {
    for (v, list) in changed_families(parents, chosen) {
        parents[v] = list;
    }
}

/// BIC family scores with the `T(S)` cache.
struct Scorer<'a> {
    table: &'a DenseTable,
    /// `T(S) = Σ n log2 n` over the joint configurations of `S`, by sorted
    /// variable set.
    set_terms: BTreeMap<Vec<usize>, f64>,
    /// `(log2 N) / 2`, the BIC penalty per free parameter.
    penalty_per_parameter: f64,
}

impl<'a> Scorer<'a> {
    fn new(table: &'a DenseTable) -> Scorer<'a> {
        let rows = table.rows as f64;
        let penalty_per_parameter = if table.rows > 0 {
            rows.log2() / 2.0
        } else {
            0.0
        };
        Scorer {
            table,
            set_terms: BTreeMap::new(),
            penalty_per_parameter,
        }
    }

    /// Computes, in parallel, `T(S)` for every listed set not yet cached.
    fn fill(&mut self, mut sets: Vec<Vec<usize>>) {
        sets.sort_unstable();
        sets.dedup();
        sets.retain(|set| !self.set_terms.contains_key(set));
        let table = self.table;
        let terms: Vec<f64> = sets
            .par_iter()
            .map(|set| compute_set_term(table, set))
            .collect();
        self.set_terms.extend(sets.into_iter().zip(terms));
    }

    /// Returns `T(S)` for a sorted set, computing it when not cached.
    fn set_term(&mut self, set: &[usize]) -> f64 {
        if let Some(&term) = self.set_terms.get(set) {
            return term;
        }
        let term = compute_set_term(self.table, set);
        self.set_terms.insert(set.to_vec(), term);
        term
    }

    /// Returns the BIC of variable `v` with the sorted parent set `parents`.
    fn family_score(&mut self, v: usize, parents: &[usize]) -> f64 {
        let mut family = parents.to_vec();
        family.push(v);
        family.sort_unstable();
        let log_likelihood = self.set_term(&family) - self.set_term(parents);
        let mut parameters = (self.table.cardinality(v) as f64) - 1.0;
        for &p in parents {
            parameters *= self.table.cardinality(p) as f64;
        }
        log_likelihood - self.penalty_per_parameter * parameters
    }
}

fn compute_set_term(table: &DenseTable, set: &[usize]) -> f64 {
    let mut term = 0.0;
    table.for_each_count(set, |n| {
        let n = n as f64;
        term += n * n.log2();
    });
    term
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn finds_dependency_and_leaves_independent_alone() {
        // B = (A + noise) mod 5 with 10% noise; C is independent uniform.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let rows = 5000;
        let a: Vec<u32> = (0..rows).map(|_| rng.random_range(0..5)).collect();
        let b: Vec<u32> = a
            .iter()
            .map(|&x| {
                if rng.random_bool(0.1) {
                    rng.random_range(0..5)
                } else {
                    (x + 1) % 5
                }
            })
            .collect();
        let c: Vec<u32> = (0..rows).map(|_| rng.random_range(0..4)).collect();
        let structure = learn(&[&a, &b, &c], 3).expect("valid input");
        let a_to_b = structure.parents_of(1).contains(&0);
        let b_to_a = structure.parents_of(0).contains(&1);
        assert!(a_to_b || b_to_a, "no edge between A and B: {structure:?}");
        assert!(
            structure.parents_of(2).is_empty(),
            "C has parents: {structure:?}"
        );
        assert!(
            !structure.parents_of(0).contains(&2) && !structure.parents_of(1).contains(&2),
            "C has children: {structure:?}"
        );
        assert_eq!(structure.edge_count(), 1);
    }

    #[test]
    fn constant_variable_stays_isolated() {
        let a: &[u32] = &[0, 1, 0, 1, 0, 1, 0, 1];
        let b: &[u32] = &[0, 1, 0, 1, 0, 1, 0, 1];
        let constant: &[u32] = &[4; 8];
        let structure = learn(&[a, constant, b], 3).expect("valid input");
        assert!(structure.parents_of(1).is_empty());
        assert!(!structure.parents_of(0).contains(&1));
        assert!(!structure.parents_of(2).contains(&1));
    }

    #[test]
    fn degenerate_tables() {
        let empty = learn(&[], 3).expect("no variables is valid");
        assert!(empty.is_empty());
        let no_rows: &[u32] = &[];
        assert_eq!(
            learn(&[no_rows, no_rows], 3)
                .expect("no rows is valid")
                .edge_count(),
            0
        );
        let one_row: &[u32] = &[3];
        assert_eq!(
            learn(&[one_row, one_row], 3)
                .expect("one row is valid")
                .edge_count(),
            0
        );
    }

    #[test]
    fn zero_max_parents_gives_empty_graph() {
        let a: &[u32] = &[0, 1, 0, 1, 0, 1, 0, 1];
        assert_eq!(learn(&[a, a], 0).expect("valid input").edge_count(), 0);
    }

    #[test]
    fn result_independent_of_thread_count() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let rows = 3000;
        let base: Vec<u32> = (0..rows).map(|_| rng.random_range(0..6)).collect();
        let columns: Vec<Vec<u32>> = (0..6u32)
            .map(|c| {
                base.iter()
                    .map(|&x| {
                        if rng.random_bool(0.3) {
                            rng.random_range(0..6)
                        } else {
                            (x + c) % 6
                        }
                    })
                    .collect()
            })
            .collect();
        let slices: Vec<&[u32]> = columns.iter().map(|c| c.as_slice()).collect();
        let single = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("thread pool");
        let one = single.install(|| learn(&slices, 3)).expect("valid input");
        let many = learn(&slices, 3).expect("valid input");
        assert_eq!(one, many);
        assert!(one.edge_count() > 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn learned_graph_acyclic_and_bounded(
            seed in 0u64..1000,
            variables in 1usize..7,
            rows in 1usize..200,
            max_parents in 0usize..4,
        ) {
            // Correlated columns, so that the climber adds many edges.
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let base: Vec<u32> = (0..rows).map(|_| rng.random_range(0..4)).collect();
            let columns: Vec<Vec<u32>> = (0..variables)
                .map(|_| base.iter().map(|&x| if rng.random_bool(0.2) { rng.random_range(0..4) } else { x }).collect())
                .collect();
            let slices: Vec<&[u32]> = columns.iter().map(|c| c.as_slice()).collect();
            let structure = learn(&slices, max_parents).expect("valid input");
            // Structure::new re-validates acyclicity and in-degree.
            let rebuilt = Structure::new(structure.parents().to_vec(), max_parents);
            prop_assert!(rebuilt.is_ok());
            prop_assert_eq!(structure.topological_order().len(), variables);
            for v in 0..variables {
                prop_assert!(structure.parents_of(v).len() <= max_parents);
            }
        }
    }
}
