//! FlowChronicle: learn how a network behaves from its flow records and
//! generate synthetic flows that behave the same way.
//!
//! The pipeline, module by module:
//! - [`flow`]: the bidirectional flow record every stage exchanges;
//! - [`io`]: readers of NetFlow CSV, Zeek and canonical CSV files, and
//!   flow writers;
//! - [`bidir`]: merging unidirectional NetFlow records into sessions;
//! - [`dataset`]: the integer-coded, discretized table the miner works on;
//! - [`output`]: atomic file output shared by every writer.

pub mod bidir;
pub mod dataset;
pub mod flow;
pub mod io;
pub mod output;
#[doc(hidden)]
pub mod testdata;
