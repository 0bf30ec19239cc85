//! textmill's core: documents, configuration, plugin loading and the runner.
#![deny(missing_docs)]

pub mod config;
pub mod document;
pub mod error;
pub mod plugin;
pub mod read;
pub mod write;

pub use error::{Error, Result};
pub mod pipeline;
pub mod run;
pub mod stats;
