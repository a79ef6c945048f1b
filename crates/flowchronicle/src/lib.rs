//! FlowChronicle: learn how a network behaves from its flow records and
//! generate synthetic flows that behave the same way.
//!
//! The pipeline, module by module:
//! - [`flow`]: the bidirectional flow record every stage exchanges;
//! - [`dataset`]: the integer-coded, discretized table the miner works on;
//! - [`io`]: reading flow records;
//! - [`eval`]: metrics of synthetic flows against real flows;
//! - [`output`]: atomic file output shared by every writer.

pub mod dataset;
pub mod eval;
pub mod flow;
pub mod io;
pub mod output;
#[doc(hidden)]
pub mod testdata;
