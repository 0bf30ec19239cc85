//! textmill's core: documents, configuration, plugin loading and the runner.
//!
//! - [`config::PipelineConfig`] reads a pipeline TOML and reports every error with its position.
//! - [`pipeline::Pipeline::build`] loads each stage's plugin ([`plugin::PluginLibrary`]) through
//!   the versioned C ABI and creates its [`plugin::StageInstance`].
//! - [`run::run`] streams [`document::Document`]s from the [`read`]ers through the stages in
//!   parallel batches and writes them, in input order, with the [`write`]rs; every document
//!   that does not reach the output is a [`document::Reject`] with a reason.
//! - [`stats::RunStats`] counts what each stage did; [`explain`] traces one document.
//!
//! ```no_run
//! use textmill_core::{config::PipelineConfig, pipeline::Pipeline, run};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = PipelineConfig::load("configs/news.toml".as_ref())?;
//! let mut pipeline = Pipeline::build(config)?;
//! let paths = run::RunPaths {
//!     input: "examples/news".into(),
//!     output: "out.jsonl".into(),
//!     rejects: "out.rejects.jsonl".into(),
//!     stats: "out.stats.json".into(),
//! };
//! let stats = run::run(&mut pipeline, &paths, &run::RunOptions::default())?;
//! println!("{}", stats.table());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod checkpoint;
pub mod config;
pub mod crash;
pub mod document;
pub mod error;
pub mod explain;
pub mod pipeline;
pub mod plugin;
pub mod read;
pub mod run;
pub mod shard;
mod spill;
pub mod stats;
pub mod write;

pub use error::{Error, Result};
/// The plugin SDK the host is built against (its ABI types and constants).
pub use textmill_plugin_sdk as plugin_sdk;
