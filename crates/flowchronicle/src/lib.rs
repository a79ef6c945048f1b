//! FlowChronicle: learn how a network behaves from its flow records and
//! generate synthetic flows that behave the same way.
//!
//! The pipeline, module by module:
//! - [`flow`]: the bidirectional flow record every stage exchanges;
//! - [`io`]: readers of NetFlow CSV, Zeek and canonical CSV files, and
//!   flow writers;
//! - [`bidir`]: merging unidirectional NetFlow records into sessions;
//! - [`dataset`]: the integer-coded, discretized table the miner works on;
//! - [`mdl`] and [`bn`]: code lengths and Bayesian networks;
//! - [`pattern`], [`windows`], [`cover`]: the pattern language, window
//!   search and the greedy cover;
//! - [`candidates`] and [`search`]: the MDL search;
//! - [`fit`] and [`model`]: fitting and the model file;
//! - [`baseline`]: the IndependentBN and SequenceBN baseline models;
//! - [`eval`]: metrics of synthetic flows against real flows;
//! - [`generate`]: synthetic flows from a fitted model;
//! - [`output`]: atomic file output shared by every writer.

pub mod baseline;
pub mod bidir;
pub mod bn;
pub mod candidates;
pub mod cover;
pub mod dataset;
pub mod eval;
pub mod fit;
pub mod flow;
pub mod generate;
pub mod io;
pub mod mdl;
pub mod model;
pub mod output;
pub mod pattern;
pub mod search;
#[doc(hidden)]
pub mod testdata;
pub mod windows;
