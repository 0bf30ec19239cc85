//! Typed errors of the core library. Every message names the file, line or
//! key it is about.

use std::path::PathBuf;

/// A failure that stops a run (bad documents never do: they become rejects).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid; every problem found is listed.
    #[error("{0}")]
    Config(#[from] crate::config::ConfigErrors),
    /// An I/O error on a named path.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The input path does not exist or cannot be read as any known format.
    #[error("input {path}: {message}")]
    Input {
        /// The input path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A plugin library could not be loaded or used.
    #[error("plugin {name} ({path}): {message}")]
    Plugin {
        /// Plugin name as configured.
        name: String,
        /// Library file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A corpus stage failed to observe, merge or finish (the run cannot go on).
    #[error("stage {index} ({name}): {message}")]
    Stage {
        /// 1-based stage number in the config.
        index: usize,
        /// Plugin name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// The run was interrupted.
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result with the core [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
