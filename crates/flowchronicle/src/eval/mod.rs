//! Evaluation of synthetic flows against real flows: realism, diversity,
//! novelty and protocol compliance.
//!
//! Every metric compares two samples of flows. Discrete features are
//! `proto`, `src_ip`, `dst_ip`, `dst_port` and `flags`; continuous features
//! are `fwd_packets`, `bwd_packets`, `fwd_bytes`, `bwd_bytes` and
//! `duration`. One module per metric family:
//! - [`knn`]: density and coverage (higher is better);
//! - [`marginal`]: CMD and JSD on the discrete features (lower is better);
//! - [`continuous`]: PCD and EMD on the continuous features (lower is better);
//! - [`dkc`]: protocol rule violations (lower is better);
//! - [`disclosure`]: membership disclosure (closest to real data's score);
//! - [`temporal`]: autocorrelation error of per-second sums (lower is better);
//! - [`run`]: repeated sampling and the summary of all of them.
//!
//! `METRICS.md` at the repository root gives every formula and its source.

pub mod continuous;
pub mod disclosure;
pub mod dkc;
pub mod knn;
pub mod marginal;
pub mod run;
pub mod table;
pub mod temporal;

pub use run::{evaluate, EvalConfig, EvalError, MetricSummaries, Report, Summary};
pub use table::{CONTINUOUS, DISCRETE};
