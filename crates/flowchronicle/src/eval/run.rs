//! The whole evaluation: repeated sampling, every metric per repeat, and
//! mean and standard deviation over the repeats.

use rayon::prelude::*;
use serde::Serialize;

use super::continuous::{emd, emd_paper, pcd};
use super::disclosure::{membership_disclosure, Discretizer};
use super::dkc::{violations, DkcCounts, DkcOptions};
use super::knn::{KnnReference, RowEncoding};
use super::marginal::{cmd, jsd};
use super::table::{sample_rows, stream_rng, Dictionaries, EncodedTable, Stream, CONTINUOUS};
use super::temporal::{autocorrelation_error, AutocorrelationError};
use crate::flow::FlowTable;

/// Settings of an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalConfig {
    /// Rows drawn without replacement from each table per repeat; the whole
    /// table when it is smaller.
    pub sample_size: usize,
    /// Number of repeats, each with fresh samples.
    pub repeats: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Nearest neighbours of density and coverage.
    pub k: usize,
    /// Rows of each of the three membership-disclosure samples.
    pub disclosure_rows: usize,
    /// Report the FlowChronicle authors' EMD and DKC figures as `emd`
    /// and `dkc`, and flag every port-0 flow in DKC rule 3.
    pub paper_compatible: bool,
    /// Check the CIDDS-001 topology rules 10 to 13.
    pub cidds_rules: bool,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            sample_size: 10_000,
            repeats: 20,
            seed: 0,
            k: 5,
            disclosure_rows: 500,
            paper_compatible: false,
            cidds_rules: false,
        }
    }
}

impl EvalConfig {
    /// DKC options implied by the settings.
    pub fn dkc_options(&self) -> DkcOptions {
        DkcOptions {
            flag_every_port_zero: self.paper_compatible,
            cidds_rules: self.cidds_rules,
        }
    }
}

/// Mean and sample standard deviation (divisor `n - 1`, NaN for one value, where it is
/// undefined)
/// of a metric over the repeats.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub mean: f64,
    pub std: f64,
}

impl Summary {
    pub fn of(values: &[f64]) -> Summary {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let std = if values.len() > 1 {
            (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            f64::NAN
        };
        Summary { mean, std }
    }
}

/// Summaries of every sampled metric for one synthetic table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricSummaries {
    pub density: Summary,
    pub coverage: Summary,
    pub cmd: Summary,
    pub pcd: Summary,
    /// `emd_wasserstein`, or `emd_paper` in paper-compatible mode.
    pub emd: Summary,
    pub jsd: Summary,
    /// `dkc_any_rule`, or `dkc_paper` in paper-compatible mode.
    pub dkc: Summary,
    /// Membership disclosure; `None` without a holdout table.
    pub md: Option<Summary>,
    pub emd_wasserstein: Summary,
    pub emd_paper: Summary,
    pub dkc_any_rule: Summary,
    pub dkc_paper: Summary,
}

/// The evaluation of one synthetic table against the real one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub metrics: MetricSummaries,
    /// Autocorrelation error per continuous feature, on the whole tables.
    pub temporal: Vec<AutocorrelationError>,
    /// DKC violation counts on the whole synthetic table.
    pub dkc_rules: DkcCounts,
}

/// A reason the evaluation cannot run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("the {table} table has no flows")]
    Empty { table: String },
    #[error(
        "the {table} table has a non-finite duration ({value}) in flow {row}; fix or drop that row"
    )]
    InvalidDuration {
        table: String,
        row: usize,
        value: f64,
    },
    #[error("the real sample has {rows} rows, but density and coverage need more than k = {k}; use a larger table or --sample-size")]
    TooFewRows { rows: usize, k: usize },
    #[error("the number of repeats must be at least 1")]
    NoRepeat,
}

/// Values of the sampled metrics in one repeat.
#[derive(Debug, Clone, Copy, Default)]
struct RepeatValues {
    density: f64,
    coverage: f64,
    cmd: f64,
    pcd: f64,
    emd: f64,
    emd_paper: f64,
    jsd: f64,
    dkc_any_rule: f64,
    dkc_paper: f64,
    md: f64,
}

fn check(table: &FlowTable, name: &str) -> Result<(), EvalError> {
    if table.flows.is_empty() {
        return Err(EvalError::Empty {
            table: name.to_string(),
        });
    }
    if let Some((row, flow)) = table
        .flows
        .iter()
        .enumerate()
        .find(|(_, f)| !f.duration.is_finite())
    {
        return Err(EvalError::InvalidDuration {
            table: name.to_string(),
            row: row + 1,
            value: flow.duration,
        });
    }
    Ok(())
}

/// Evaluates each synthetic table against the real one. `holdout` enables
/// membership disclosure. `on_repeat` is called after each finished repeat
/// with the number of finished repeats.
///
/// Repeat `i` draws the same real sample for every synthetic table, and each
/// sample comes from its own seeded generator, so the result depends only on
/// the tables and the configuration, not on the thread count.
pub fn evaluate(
    real: &FlowTable,
    holdout: Option<&FlowTable>,
    synthetic: &[&FlowTable],
    config: &EvalConfig,
    on_repeat: &mut dyn FnMut(usize),
) -> Result<Vec<Report>, EvalError> {
    if config.repeats == 0 {
        return Err(EvalError::NoRepeat);
    }
    check(real, "real")?;
    if let Some(h) = holdout {
        check(h, "holdout")?;
    }
    for (i, s) in synthetic.iter().enumerate() {
        check(s, &format!("synthetic #{}", i + 1))?;
    }
    let sample_rows_real = config.sample_size.min(real.flows.len());
    if sample_rows_real <= config.k {
        return Err(EvalError::TooFewRows {
            rows: sample_rows_real,
            k: config.k,
        });
    }

    let mut dictionaries = Dictionaries::default();
    // Start times become offsets from each table's first flow, so that a
    // synthetic trace generated for another period than the real one is
    // compared by its position in the trace (density and coverage use it).
    let mut encode = |table: &FlowTable| {
        let mut encoded = EncodedTable::encode(table, &mut dictionaries);
        encoded.align_start_to_zero();
        encoded
    };
    let real_encoded = encode(real);
    let holdout_encoded = holdout.map(&mut encode);
    let synthetic_encoded: Vec<EncodedTable> = synthetic.iter().map(|s| encode(s)).collect();
    drop(dictionaries);

    let dkc_options = config.dkc_options();
    let violation_bits: Vec<Vec<u32>> = synthetic
        .par_iter()
        .map(|s| s.flows.iter().map(|f| violations(f, dkc_options)).collect())
        .collect();
    let discretizer = Discretizer::fit(&real_encoded);
    let real_disclosure_rows = discretizer.rows(&real_encoded);
    let holdout_disclosure_rows = holdout_encoded.as_ref().map(|h| discretizer.rows(h));

    let mut per_repeat: Vec<Vec<RepeatValues>> =
        vec![Vec::with_capacity(config.repeats); synthetic.len()];
    for repeat in 0..config.repeats {
        let rows = sample_rows(
            real_encoded.len(),
            config.sample_size,
            &mut stream_rng(config.seed, Stream::Real, repeat),
        );
        let real_sample = real_encoded.select(&rows);
        let encoding = RowEncoding::fit(&real_sample);
        let reference = KnnReference::build(encoding.encode(&real_sample), config.k).ok_or(
            EvalError::TooFewRows {
                rows: real_sample.len(),
                k: config.k,
            },
        )?;
        let disclosure_real = holdout_disclosure_rows.as_ref().map(|holdout_rows| {
            let pick = |rows: &[[u64; 10]], stream| {
                sample_rows(
                    rows.len(),
                    config.disclosure_rows,
                    &mut stream_rng(config.seed, stream, repeat),
                )
                .into_iter()
                .map(|r| rows[r])
                .collect::<Vec<_>>()
            };
            (
                pick(&real_disclosure_rows, Stream::Members),
                pick(holdout_rows, Stream::NonMembers),
            )
        });

        let values: Vec<RepeatValues> = synthetic_encoded
            .par_iter()
            .enumerate()
            .map(|(index, table)| {
                let rows = sample_rows(
                    table.len(),
                    config.sample_size,
                    &mut stream_rng(config.seed, Stream::Synthetic(index), repeat),
                );
                let sample = table.select(&rows);
                let (density, coverage) = reference.density_coverage(&encoding.encode(&sample));
                let dkc =
                    DkcCounts::from_violations(rows.iter().map(|&r| &violation_bits[index][r]));
                let md = match &disclosure_real {
                    Some((members, non_members)) => {
                        let rows = sample_rows(
                            table.len(),
                            config.disclosure_rows,
                            &mut stream_rng(
                                config.seed,
                                Stream::SyntheticDisclosure(index),
                                repeat,
                            ),
                        );
                        let synthetic_rows = discretizer.rows(&table.select(&rows));
                        membership_disclosure(members, non_members, &synthetic_rows)
                    }
                    None => f64::NAN,
                };
                RepeatValues {
                    density,
                    coverage,
                    cmd: cmd(&real_sample, &sample),
                    pcd: pcd(&real_sample, &sample),
                    emd: emd(&real_sample, &sample),
                    emd_paper: emd_paper(&real_sample, &sample),
                    jsd: jsd(&real_sample, &sample),
                    dkc_any_rule: dkc.share_with_violation(),
                    dkc_paper: dkc.paper_figure(),
                    md,
                }
            })
            .collect();
        for (list, v) in per_repeat.iter_mut().zip(values) {
            list.push(v);
        }
        on_repeat(repeat + 1);
    }

    let reports = synthetic_encoded
        .par_iter()
        .zip(&per_repeat)
        .zip(&violation_bits)
        .map(|((table, repeats), bits)| {
            let summary = |f: fn(&RepeatValues) -> f64| {
                Summary::of(&repeats.iter().map(f).collect::<Vec<_>>())
            };
            let emd_wasserstein = summary(|v| v.emd);
            let emd_paper = summary(|v| v.emd_paper);
            let dkc_any_rule = summary(|v| v.dkc_any_rule);
            let dkc_paper = summary(|v| v.dkc_paper);
            let metrics = MetricSummaries {
                density: summary(|v| v.density),
                coverage: summary(|v| v.coverage),
                cmd: summary(|v| v.cmd),
                pcd: summary(|v| v.pcd),
                emd: if config.paper_compatible {
                    emd_paper
                } else {
                    emd_wasserstein
                },
                jsd: summary(|v| v.jsd),
                dkc: if config.paper_compatible {
                    dkc_paper
                } else {
                    dkc_any_rule
                },
                md: holdout.map(|_| summary(|v| v.md)),
                emd_wasserstein,
                emd_paper,
                dkc_any_rule,
                dkc_paper,
            };
            let temporal = CONTINUOUS
                .iter()
                .enumerate()
                .map(|(c, &feature)| {
                    autocorrelation_error(
                        feature,
                        (&real_encoded.ts, &real_encoded.continuous[c]),
                        (&table.ts, &table.continuous[c]),
                    )
                })
                .collect();
            Report {
                metrics,
                temporal,
                dkc_rules: DkcCounts::from_violations(bits),
            }
        })
        .collect();
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::flow::{Flow, Host};

    /// Builds a table where the counters depend on the service, so that
    /// columns are correlated.
    fn correlated_table(rows: usize) -> FlowTable {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let services = [
            ("TCP", 80, ".AP.SF"),
            ("UDP", 53, "......"),
            ("TCP", 443, ".AP.SF"),
            ("ICMP", 0, "......"),
        ];
        let flows = (0..rows)
            .map(|i| {
                let s = rng.random_range(0..services.len());
                let (proto, port, flags) = services[s];
                let packets = 1 + s as u64 * 3 + rng.random_range(0..2);
                Flow {
                    ts: i as i64 * 700_000,
                    proto: proto.into(),
                    src_ip: Host::parse(&format!("10.0.0.{}", 1 + s * 2 + rng.random_range(0..2)))
                        .unwrap(),
                    src_port: 40000,
                    dst_ip: Host::parse(&format!("10.0.1.{}", 1 + s)).unwrap(),
                    dst_port: port,
                    fwd_packets: packets,
                    bwd_packets: packets * 2,
                    fwd_bytes: packets * 60 + rng.random_range(0..50),
                    bwd_bytes: packets * 500,
                    duration: packets as f64 * 0.1,
                    flags: flags.into(),
                    extra: Vec::new(),
                }
            })
            .collect();
        FlowTable {
            extra_columns: Vec::new(),
            flows,
        }
    }

    /// Shuffles every column of the table independently.
    fn shuffle_columns(table: &FlowTable) -> FlowTable {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut out = table.clone();
        macro_rules! shuffle {
            ($field:ident) => {{
                let mut values: Vec<_> = table.flows.iter().map(|f| f.$field.clone()).collect();
                values.shuffle(&mut rng);
                for (flow, v) in out.flows.iter_mut().zip(values) {
                    flow.$field = v;
                }
            }};
        }
        shuffle!(proto);
        shuffle!(src_ip);
        shuffle!(dst_ip);
        shuffle!(dst_port);
        shuffle!(flags);
        shuffle!(fwd_packets);
        shuffle!(bwd_packets);
        shuffle!(fwd_bytes);
        shuffle!(bwd_bytes);
        shuffle!(duration);
        out
    }

    fn config() -> EvalConfig {
        EvalConfig {
            sample_size: 1000,
            repeats: 3,
            seed: 1,
            disclosure_rows: 100,
            ..EvalConfig::default()
        }
    }

    #[test]
    fn table_against_itself() {
        let table = correlated_table(400);
        let reports = evaluate(&table, Some(&table), &[&table], &config(), &mut |_| {}).unwrap();
        let m = &reports[0].metrics;
        assert_eq!(m.cmd.mean, 0.0);
        assert_eq!(m.pcd.mean, 0.0);
        assert_eq!(m.emd.mean, 0.0);
        assert_eq!(m.emd_paper.mean, 0.0);
        assert_eq!(m.jsd.mean, 0.0);
        assert_eq!(m.coverage.mean, 1.0);
        assert!(m.density.mean >= 1.0, "{}", m.density.mean);
        assert!(m.md.is_some());
        for t in &reports[0].temporal {
            assert!(t.value.is_none_or(|v| v == 0.0), "{t:?}");
        }
    }

    #[test]
    fn shuffled_columns_raise_cmd_and_pcd() {
        let table = correlated_table(400);
        let shuffled = shuffle_columns(&table);
        let reports = evaluate(&table, None, &[&table, &shuffled], &config(), &mut |_| {}).unwrap();
        let (same, mixed) = (&reports[0].metrics, &reports[1].metrics);
        assert!(
            mixed.cmd.mean > same.cmd.mean + 0.05,
            "CMD {} vs {}",
            mixed.cmd.mean,
            same.cmd.mean
        );
        assert!(
            mixed.pcd.mean > same.pcd.mean + 0.5,
            "PCD {} vs {}",
            mixed.pcd.mean,
            same.pcd.mean
        );
        // Shuffling keeps each column's values: marginals are unchanged.
        assert!(mixed.jsd.mean.abs() < 1e-12);
        assert!(mixed.emd.mean.abs() < 1e-12);
        assert!(mixed.md.is_none());
        assert!(mixed.density.mean < same.density.mean);
    }

    #[test]
    fn result_independent_of_thread_count() {
        let table = correlated_table(300);
        let shuffled = shuffle_columns(&table);
        let config = EvalConfig {
            sample_size: 150,
            ..config()
        };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                evaluate(&table, Some(&shuffled), &[&shuffled], &config, &mut |_| {}).unwrap()
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn empty_real_table_rejected() {
        let table = correlated_table(10);
        let error = evaluate(
            &FlowTable::default(),
            None,
            &[&table],
            &config(),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(matches!(error, EvalError::Empty { .. }), "{error}");
    }
}
