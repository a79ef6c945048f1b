//! FlowChronicle: learn how a network behaves from its flow records and
//! generate synthetic flows that behave the same way.
//!
//! The pipeline, module by module:
//! - [`flow`]: the bidirectional flow record every stage exchanges;
//! - [`dataset`]: the integer-coded, discretized table the miner works on;
//! - [`mdl`]: code lengths of the minimum description length score;
//! - [`bn`]: Bayesian networks: structure learning, their code lengths
//!   and sampling;
//! - [`output`]: atomic file output shared by every writer.

pub mod bn;
pub mod dataset;
pub mod flow;
pub mod mdl;
pub mod output;
#[doc(hidden)]
pub mod testdata;
