//! The graph of a Bayesian network, its description length, and the data
//! cost of a table under it.

use serde::{Deserialize, Serialize};

use super::counting::DenseTable;
use super::BnError;
use crate::mdl::{log2_binomial, log2_gamma, KT_EPSILON};

/// A directed acyclic graph over variables `0..n`, with at most
/// `max_parents` parents per variable. Parent lists are sorted ascending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StructureSpec", into = "StructureSpec")]
pub struct Structure {
    parents: Vec<Vec<usize>>,
    max_parents: usize,
}

#[derive(Serialize, Deserialize)]
struct StructureSpec {
    parents: Vec<Vec<usize>>,
    max_parents: usize,
}

impl TryFrom<StructureSpec> for Structure {
    type Error = BnError;

    fn try_from(spec: StructureSpec) -> Result<Self, BnError> {
        Structure::new(spec.parents, spec.max_parents)
    }
}

impl From<Structure> for StructureSpec {
    fn from(structure: Structure) -> Self {
        StructureSpec {
            parents: structure.parents,
            max_parents: structure.max_parents,
        }
    }
}

impl Structure {
    /// Builds a structure from parent lists (`parents[v]` lists the parents
    /// of variable `v`, in any order). Rejects out-of-range or repeated
    /// parents, self-loops, in-degrees above `max_parents` and cycles.
    pub fn new(mut parents: Vec<Vec<usize>>, max_parents: usize) -> Result<Structure, BnError> {
        let variables = parents.len();
        for (variable, list) in parents.iter_mut().enumerate() {
            list.sort_unstable();
            for (i, &parent) in list.iter().enumerate() {
                if parent >= variables {
                    return Err(BnError::ParentOutOfRange {
                        variable,
                        parent,
                        variables,
                    });
                }
                if parent == variable || (i > 0 && list[i - 1] == parent) {
                    return Err(BnError::InvalidParent { variable, parent });
                }
            }
            if list.len() > max_parents {
                return Err(BnError::TooManyParents {
                    variable,
                    parents: list.len(),
                    max_parents,
                });
            }
        }
        let structure = Structure {
            parents,
            max_parents,
        };
        let order = structure.try_topological_order();
        if order.len() < variables {
            let variable = (0..variables).find(|v| !order.contains(v)).unwrap_or(0);
            return Err(BnError::Cycle { variable });
        }
        Ok(structure)
    }

    /// Returns the graph with `variables` nodes and no edge.
    pub fn empty(variables: usize, max_parents: usize) -> Structure {
        Structure {
            parents: vec![Vec::new(); variables],
            max_parents,
        }
    }

    /// Returns the number of variables.
    pub fn len(&self) -> usize {
        self.parents.len()
    }

    /// Whether the network has no variable.
    pub fn is_empty(&self) -> bool {
        self.parents.is_empty()
    }

    /// Returns the maximum in-degree this structure was built under.
    pub fn max_parents(&self) -> usize {
        self.max_parents
    }

    /// Returns the parent lists, each sorted ascending.
    pub fn parents(&self) -> &[Vec<usize>] {
        &self.parents
    }

    /// Returns the parents of variable `v`, sorted ascending.
    pub fn parents_of(&self, v: usize) -> &[usize] {
        &self.parents[v]
    }

    /// Returns the number of edges.
    pub fn edge_count(&self) -> usize {
        self.parents.iter().map(Vec::len).sum()
    }

    /// Returns the variables in an order where every parent comes before
    /// its children; among the variables ready at each step the smallest
    /// index comes first (Kahn's algorithm), so the order is unique.
    pub fn topological_order(&self) -> Vec<usize> {
        self.try_topological_order()
    }

    /// Kahn's algorithm; on a cyclic graph the result misses the variables
    /// on or after a cycle.
    fn try_topological_order(&self) -> Vec<usize> {
        let n = self.parents.len();
        let mut children = vec![Vec::new(); n];
        let mut waiting: Vec<usize> = self.parents.iter().map(Vec::len).collect();
        for (child, list) in self.parents.iter().enumerate() {
            for &parent in list {
                children[parent].push(child);
            }
        }
        let mut ready: std::collections::BTreeSet<usize> =
            (0..n).filter(|&v| waiting[v] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(v) = ready.pop_first() {
            order.push(v);
            for &child in &children[v] {
                waiting[child] -= 1;
                if waiting[child] == 0 {
                    ready.insert(child);
                }
            }
        }
        order
    }

    /// Returns the description length of the graph in bits:
    /// `Σ_v [log2(k) + log2 C(n - 1, |parents(v)|)]`, with `n` variables and
    /// `k = max_parents`. The first term codes the in-degree (taken as
    /// uniform over `k` choices, a convention kept for comparability with
    /// published FlowChronicle figures), the second which parents. A
    /// network with no variable costs 0 bits. Parameters are not coded here,
    /// because the prequential data cost ([`data_bits`]) pays for them.
    pub fn structure_bits(&self) -> f64 {
        let n = self.parents.len() as u64;
        if n == 0 {
            return 0.0;
        }
        let degree_bits = if self.max_parents > 0 {
            (self.max_parents as f64).log2()
        } else {
            0.0
        };
        self.parents
            .iter()
            .map(|list| degree_bits + log2_binomial(n - 1, list.len() as u64))
            .sum()
    }
}

/// Returns the prequential Krichevsky–Trofimov code length, in bits, of a
/// table under a structure: for every variable `v` and every parent
/// configuration that occurs, [`crate::mdl::kt_bits`] of the counts of `v`'s values
/// under that configuration, over an alphabet of `alphabets[v]` symbols.
///
/// The caller chooses the alphabets (for example the number of distinct
/// values in the table, or the size of a column's dictionary). Each must
/// be at least the number of distinct values the variable takes.
pub fn data_bits(
    structure: &Structure,
    columns: &[&[u32]],
    alphabets: &[usize],
) -> Result<f64, BnError> {
    let variables = structure.len();
    if columns.len() != variables {
        return Err(BnError::VariableCount {
            expected: variables,
            found: columns.len(),
        });
    }
    if alphabets.len() != variables {
        return Err(BnError::VariableCount {
            expected: variables,
            found: alphabets.len(),
        });
    }
    let table = DenseTable::new(columns)?;
    for (variable, &alphabet) in alphabets.iter().enumerate() {
        if let Some(&value) = table.values[variable].last() {
            if value as usize >= alphabet {
                return Err(BnError::ValueOutOfAlphabet {
                    variable,
                    value,
                    alphabet,
                });
            }
        }
    }
    let mut bits = 0.0;
    for (v, &alphabet) in alphabets.iter().enumerate() {
        bits += family_bits(&table, v, structure.parents_of(v), alphabet);
    }
    Ok(bits)
}

/// KT code length of variable `v` given `parents`:
/// `Σ_configs [log2 Γ(N_c + rε) - log2 Γ(rε)] - Σ_cells [log2 Γ(n + ε) - log2 Γ(ε)]`,
/// which is [`crate::mdl::kt_bits`] summed over the parent configurations.
fn family_bits(table: &DenseTable, v: usize, parents: &[usize], alphabet: usize) -> f64 {
    if alphabet <= 1 {
        return 0.0;
    }
    let prior = alphabet as f64 * KT_EPSILON;
    let mut config_bits = 0.0;
    table.for_each_count(parents, |n| {
        config_bits += log2_gamma(n as f64 + prior) - log2_gamma(prior);
    });
    let mut family: Vec<usize> = parents.to_vec();
    family.push(v);
    let mut cell_bits = 0.0;
    table.for_each_count(&family, |n| {
        cell_bits += log2_gamma(n as f64 + KT_EPSILON) - log2_gamma(KT_EPSILON);
    });
    (config_bits - cell_bits).max(0.0)
}

/// Returns [`data_bits`] computed directly from [`crate::mdl::kt_bits`], one parent
/// configuration at a time; slow, for tests.
#[cfg(test)]
pub(crate) fn data_bits_by_groups(
    structure: &Structure,
    columns: &[&[u32]],
    alphabets: &[usize],
) -> f64 {
    use std::collections::BTreeMap;
    let mut bits = 0.0;
    for v in 0..structure.len() {
        let mut groups: BTreeMap<Vec<u32>, BTreeMap<u32, u64>> = BTreeMap::new();
        for (row, &value) in columns[v].iter().enumerate() {
            let config: Vec<u32> = structure
                .parents_of(v)
                .iter()
                .map(|&p| columns[p][row])
                .collect();
            *groups.entry(config).or_default().entry(value).or_default() += 1;
        }
        for counts in groups.values() {
            bits += crate::mdl::kt_bits(counts.values().copied(), alphabets[v]);
        }
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_rejects_cycle() {
        let result = Structure::new(vec![vec![1], vec![2], vec![0]], 3);
        assert!(matches!(result, Err(BnError::Cycle { .. })));
    }

    #[test]
    fn structure_rejects_bad_parents() {
        assert!(matches!(
            Structure::new(vec![vec![0]], 3),
            Err(BnError::InvalidParent {
                variable: 0,
                parent: 0
            })
        ));
        assert!(matches!(
            Structure::new(vec![vec![], vec![0, 0]], 3),
            Err(BnError::InvalidParent {
                variable: 1,
                parent: 0
            })
        ));
        assert!(matches!(
            Structure::new(vec![vec![5]], 3),
            Err(BnError::ParentOutOfRange { parent: 5, .. })
        ));
        assert!(matches!(
            Structure::new(vec![vec![], vec![], vec![0, 1]], 1),
            Err(BnError::TooManyParents { variable: 2, .. })
        ));
    }

    #[test]
    fn topological_order_parents_first() {
        // 3 -> 1 -> 0, 2 isolated: ready sets {2, 3}, then {1, 2}, ...
        let structure = Structure::new(vec![vec![1], vec![3], vec![], vec![]], 3).expect("acyclic");
        assert_eq!(structure.topological_order(), vec![2, 3, 1, 0]);
    }

    #[test]
    fn structure_bits_by_hand() {
        // Three variables, k = 3: every node pays log2(3) for its in-degree.
        // Node 0 has 0 parents: log2 C(2, 0) = 0. Node 1 has 1: log2 C(2, 1)
        // = 1. Node 2 has 2: log2 C(2, 2) = 0. Total 3·log2(3) + 1 ≈ 5.754888.
        let structure = Structure::new(vec![vec![], vec![0], vec![0, 1]], 3).expect("acyclic");
        let expected = 3.0 * 3f64.log2() + 1.0;
        assert!((structure.structure_bits() - expected).abs() < 1e-9);
        assert!((structure.structure_bits() - 5.754888).abs() < 1e-6);
    }

    #[test]
    fn empty_network_costs_nothing() {
        let structure = Structure::empty(0, 3);
        assert_eq!(structure.structure_bits(), 0.0);
        assert_eq!(data_bits(&structure, &[], &[]), Ok(0.0));
        assert!(structure.topological_order().is_empty());
    }

    #[test]
    fn data_bits_by_hand() {
        // A = [0, 0, 1], B = [1, 1, 0], r = 2 for both, B has parent A.
        // A alone: counts [2, 1] over 2: log2(1·2·3) - log2(0.5·1.5·0.5)
        // = log2(6) - log2(0.375) = log2(16) = 4 bits.
        // B | A=0: counts [0, 2]: log2(1·2) - log2(0.5·1.5) = log2(8/3)
        // ≈ 1.415037. B | A=1: counts [1, 0]: log2(1) - log2(0.5) = 1.
        // Total 4 + 1.415037 + 1 = 6.415037.
        let a: &[u32] = &[0, 0, 1];
        let b: &[u32] = &[1, 1, 0];
        let structure = Structure::new(vec![vec![], vec![0]], 3).expect("acyclic");
        let bits = data_bits(&structure, &[a, b], &[2, 2]).expect("valid input");
        let expected = 4.0 + (8.0f64 / 3.0).log2() + 1.0;
        assert!((bits - expected).abs() < 1e-9, "{bits} vs {expected}");
    }

    #[test]
    fn data_bits_matches_groups() {
        let a: &[u32] = &[0, 1, 2, 0, 1, 2, 0, 0, 3];
        let b: &[u32] = &[4, 4, 1, 4, 1, 1, 4, 0, 2];
        let c: &[u32] = &[0, 0, 0, 1, 1, 1, 0, 1, 1];
        let columns = [a, b, c];
        let alphabets = [4, 6, 2];
        for parents in [
            vec![vec![], vec![], vec![]],
            vec![vec![], vec![0], vec![]],
            vec![vec![], vec![0, 2], vec![0]],
            vec![vec![1, 2], vec![], vec![1]],
        ] {
            let structure = Structure::new(parents, 3).expect("acyclic");
            let bits = data_bits(&structure, &columns, &alphabets).expect("valid input");
            let expected = data_bits_by_groups(&structure, &columns, &alphabets);
            assert!((bits - expected).abs() < 1e-9, "{bits} vs {expected}");
        }
    }

    #[test]
    fn data_bits_rejects_value_outside_alphabet() {
        let a: &[u32] = &[0, 3];
        let structure = Structure::empty(1, 3);
        assert!(matches!(
            data_bits(&structure, &[a], &[3]),
            Err(BnError::ValueOutOfAlphabet {
                variable: 0,
                value: 3,
                alphabet: 3
            })
        ));
    }

    #[test]
    fn structure_round_trips_through_json() {
        let structure = Structure::new(vec![vec![], vec![0]], 2).expect("acyclic");
        let json = serde_json::to_string(&structure).expect("serializable");
        let back: Structure = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(back, structure);
        let cyclic = r#"{"parents":[[1],[0]],"max_parents":3}"#;
        assert!(serde_json::from_str::<Structure>(cyclic).is_err());
    }
}
