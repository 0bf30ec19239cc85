//! textmill's core: documents, configuration, plugin loading and the runner.
#![deny(missing_docs)]

pub mod config;
pub mod document;
pub mod error;
pub mod read;
pub mod write;

pub use error::{Error, Result};
