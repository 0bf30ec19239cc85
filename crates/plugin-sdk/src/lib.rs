//! The textmill plugin SDK: everything a third party needs to build a stage.
//!
//! A plugin is a `cdylib` that depends on this crate only. It implements
//! [`Plugin`] plus one of the two stage shapes and exports itself with
//! [`export_plugin!`]:
//!
//! - [`DocumentStage`]: one document in, one [`Outcome`] out (keep, new text,
//!   or drop with a reason). Most stages are this.
//! - [`CorpusStage`]: work that must see the whole corpus first, such as
//!   cross-document dedupe: `observe` batches into partial states, `merge`
//!   them, `finish` with the merged state, then `apply` to every document.
//!
//! The host calls stages on batches from many threads at once; a stage never
//! spawns threads of its own. The macro generates the C ABI glue ([`abi`]),
//! catches panics (a panic fails that batch, whose documents go to the
//! run's rejects with the message) and checks that the plugin was built
//! with `panic = "unwind"`.
//!
//! ```
//! use textmill_plugin_sdk::{export_plugin, Doc, DocumentStage, Outcome, Param, Plugin, Stats, ConfigError};
//!
//! /// Drops documents shorter than `min_chars`.
//! pub struct MinLength { min_chars: usize }
//!
//! impl Plugin for MinLength {
//!     const NAME: &'static str = "min_length";
//!     const VERSION: &'static str = "0.1.0";
//!     const DESCRIPTION: &'static str = "Drops documents shorter than min_chars.";
//!     fn params() -> Vec<Param> {
//!         vec![Param::new("min_chars", "integer", 10, "Minimum length in characters.")]
//!     }
//!     fn from_config(config: &serde_json::Value) -> Result<Self, ConfigError> {
//!         #[derive(serde::Deserialize)]
//!         #[serde(deny_unknown_fields)]
//!         struct Raw { #[serde(default = "ten")] min_chars: usize }
//!         fn ten() -> usize { 10 }
//!         let raw: Raw = textmill_plugin_sdk::parse_config(config)?;
//!         Ok(MinLength { min_chars: raw.min_chars })
//!     }
//! }
//!
//! impl DocumentStage for MinLength {
//!     fn process(&self, doc: &Doc<'_>, _stats: &mut Stats) -> Outcome {
//!         if doc.text.chars().count() < self.min_chars { Outcome::drop("too_short") } else { Outcome::keep() }
//!     }
//! }
//!
//! export_plugin!(document: MinLength);
//! ```
#![deny(missing_docs)]

pub mod abi;
#[doc(hidden)]
pub mod glue;

use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub use serde_json;

/// One document as a stage sees it. Borrowed from the host for the length of a call.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    /// Grows strictly with the document's position in the run's input and is
    /// the same at any thread count and in sharded runs, so it is the
    /// tie-breaker for deterministic decisions. Not contiguous: do not use it as an index.
    pub ordinal: u64,
    /// Document id.
    pub id: &'a str,
    /// Current text (after the stages before this one).
    pub text: &'a str,
    /// JSON text of every field of the record except `text`.
    pub fields_json: &'a str,
}

impl<'a> Doc<'a> {
    /// All fields of the record except `text` (`id`, `metadata`, and others).
    pub fn fields(&self) -> Map<String, Value> {
        match serde_json::from_str::<Value>(self.fields_json) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    /// A field by name: a top-level field of the record first, then a key of
    /// its `metadata` object (datatrove and Dolma keep `source`, `url` in either).
    pub fn field(&self, name: &str) -> Option<Value> {
        let mut fields = self.fields();
        if let Some(v) = fields.remove(name) {
            return Some(v);
        }
        match fields.remove("metadata") {
            Some(Value::Object(mut meta)) => meta.remove(name),
            _ => None,
        }
    }
}

/// What happens to the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Keep it as it is.
    Keep,
    /// Keep it with new text.
    Replace(String),
    /// Drop it; the string is the machine-readable reason.
    Drop(String),
    /// The stage could not process it; the string says why.
    Error(String),
}

/// A stage's decision for one document, with optional metadata to add.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Keep, replace, drop or error.
    pub action: Action,
    /// Keys merged into the record's `metadata` object.
    pub metadata: Map<String, Value>,
    /// Extra fields written to the reject record when dropped.
    pub detail: Map<String, Value>,
}

impl Outcome {
    fn with_action(action: Action) -> Outcome {
        Outcome {
            action,
            metadata: Map::new(),
            detail: Map::new(),
        }
    }

    /// Keep the document unchanged.
    pub fn keep() -> Outcome {
        Outcome::with_action(Action::Keep)
    }

    /// Keep the document with new text.
    pub fn replace(text: impl Into<String>) -> Outcome {
        Outcome::with_action(Action::Replace(text.into()))
    }

    /// Drop the document with a reason such as `"duplicate"`.
    pub fn drop(reason: impl Into<String>) -> Outcome {
        Outcome::with_action(Action::Drop(reason.into()))
    }

    /// Report that the document could not be processed.
    pub fn error(message: impl Into<String>) -> Outcome {
        Outcome::with_action(Action::Error(message.into()))
    }

    /// Add a key to the record's `metadata`.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Outcome {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Add a field to the reject record (for drops).
    pub fn with_detail(mut self, key: impl Into<String>, value: impl Into<Value>) -> Outcome {
        self.detail.insert(key.into(), value.into());
        self
    }
}

/// Named counters a stage adds to its run stats (summed over batches and threads).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats(pub BTreeMap<String, f64>);

impl Stats {
    /// Add `value` to counter `name`.
    pub fn add(&mut self, name: &str, value: f64) {
        // A counter is added to many times: its name is allocated only once.
        match self.0.get_mut(name) {
            Some(total) => *total += value,
            None => {
                self.0.insert(name.to_string(), 0.0 + value);
            }
        }
    }

    /// Current value of a counter (0 when never added).
    pub fn get(&self, name: &str) -> f64 {
        self.0.get(name).copied().unwrap_or(0.0)
    }
}

/// One configuration parameter, as `textmill plugins NAME` shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Param {
    /// Key in the stage's TOML table.
    pub name: String,
    /// Value type: `integer`, `float`, `bool`, `string`, `array`, `table`, a
    /// choice list such as `"lead|textrank"`, or `path` / `paths` for a file
    /// path or a list of them, which the host resolves against the config
    /// file's folder before the plugin sees them.
    #[serde(rename = "type")]
    pub kind: String,
    /// Default value (`null` when the parameter is optional with no default).
    pub default: Value,
    /// One-line description.
    pub description: String,
}

impl Param {
    /// Describe a parameter.
    pub fn new(name: &str, kind: &str, default: impl Into<Value>, description: &str) -> Param {
        Param {
            name: name.to_string(),
            kind: kind.to_string(),
            default: default.into(),
            description: description.to_string(),
        }
    }
}

/// A configuration error, naming the key when there is one.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{}{message}", key.as_ref().map(|k| format!("key `{k}`: ")).unwrap_or_default())]
pub struct ConfigError {
    /// The offending key, if the error is about one.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    /// An error about one key.
    pub fn key(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            key: Some(key.into()),
            message: message.into(),
        }
    }

    /// An error about the whole table.
    pub fn new(message: impl Into<String>) -> ConfigError {
        ConfigError {
            key: None,
            message: message.into(),
        }
    }
}

/// Deserialize a stage config into a `#[serde(deny_unknown_fields)]` struct,
/// turning serde's message into a [`ConfigError`] that names the key: the
/// path to the bad value (`threshold`, `packs[2]`), or the unknown or missing
/// field for errors about the table itself.
pub fn parse_config<T: serde::de::DeserializeOwned>(config: &Value) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(config).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let key = if path != "." && !path.is_empty() {
            Some(path)
        } else {
            // "unknown field `treshold`, expected ..." / "missing field `x`".
            message
                .split('`')
                .nth(1)
                .filter(|k| !k.is_empty() && !k.contains(' '))
                .map(str::to_string)
        };
        ConfigError { key, message }
    })
}

/// What every plugin declares: its name, version, parameters and how to build
/// itself from its config.
pub trait Plugin: Sized + Send + Sync + 'static {
    /// Stage name used in configs (`plugin = "NAME"`).
    const NAME: &'static str;
    /// Plugin version.
    const VERSION: &'static str;
    /// One-line description.
    const DESCRIPTION: &'static str;
    /// Every accepted parameter with its default; the host rejects other keys.
    fn params() -> Vec<Param>;
    /// Build the stage from its config table (as JSON, without `plugin`).
    /// Called at load time, before any document is read.
    fn from_config(config: &Value) -> Result<Self, ConfigError>;
}

/// A stage that decides each document on its own.
pub trait DocumentStage: Plugin {
    /// Decide one document.
    fn process(&self, doc: &Doc<'_>, stats: &mut Stats) -> Outcome;

    /// Decide a batch; override to share work across the batch.
    fn process_batch(&self, docs: &[Doc<'_>], stats: &mut Stats) -> Vec<Outcome> {
        docs.iter().map(|d| self.process(d, stats)).collect()
    }
}

/// A stage that must see the whole corpus before deciding any document.
///
/// The host calls `observe` on every batch (in parallel), `merge` once with
/// all partial states in input order, `finish` once with the merged state,
/// then `apply` on every batch (in parallel). States are bytes so they can be
/// written to files and merged on another machine (sharded runs).
pub trait CorpusStage: Plugin {
    /// Summarise a batch into a partial state.
    fn observe(&self, docs: &[Doc<'_>]) -> Result<Vec<u8>, String>;
    /// Merge partial states, given in input order.
    fn merge(&self, states: &[&[u8]]) -> Result<Vec<u8>, String>;
    /// Install the merged state; called once, with exclusive access, before `apply`.
    fn finish(&mut self, state: &[u8]) -> Result<(), String>;
    /// Decide one document using the installed state.
    fn apply(&self, doc: &Doc<'_>, stats: &mut Stats) -> Outcome;

    /// Decide a batch; override to share work across the batch.
    fn apply_batch(&self, docs: &[Doc<'_>], stats: &mut Stats) -> Vec<Outcome> {
        docs.iter().map(|d| self.apply(d, stats)).collect()
    }
}

/// Export a plugin type through the C ABI.
///
/// `export_plugin!(document: MyStage);` or `export_plugin!(corpus: MyStage);`
/// Use it once per library.
#[macro_export]
macro_rules! export_plugin {
    (document: $ty:ty) => {
        $crate::__export_plugin!(
            $ty,
            $crate::abi::KIND_DOCUMENT,
            $crate::glue::process_document::<$ty>,
            None,
            None,
            None
        );
    };
    (corpus: $ty:ty) => {
        $crate::__export_plugin!(
            $ty,
            $crate::abi::KIND_CORPUS,
            $crate::glue::apply_corpus::<$ty>,
            Some($crate::glue::observe::<$ty>),
            Some($crate::glue::merge::<$ty>),
            Some($crate::glue::finish::<$ty>)
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __export_plugin {
    ($ty:ty, $kind:expr, $process:expr, $observe:expr, $merge:expr, $finish:expr) => {
        /// ABI version of this plugin (checked by the host before anything else).
        #[unsafe(no_mangle)]
        pub extern "C" fn textmill_plugin_abi_version() -> u32 {
            $crate::abi::ABI_VERSION
        }

        /// Description and vtable of this plugin.
        #[unsafe(no_mangle)]
        pub extern "C" fn textmill_plugin_info() -> *const $crate::abi::TmPluginInfo {
            static PARAMS: ::std::sync::OnceLock<String> = ::std::sync::OnceLock::new();
            static INFO: ::std::sync::OnceLock<$crate::abi::TmPluginInfo> =
                ::std::sync::OnceLock::new();
            INFO.get_or_init(|| {
                let params = PARAMS.get_or_init(|| $crate::glue::params_json::<$ty>());
                $crate::abi::TmPluginInfo {
                    abi_version: $crate::abi::ABI_VERSION,
                    panic_unwind: $crate::glue::PANIC_UNWIND,
                    kind: $kind,
                    name: $crate::abi::TmStr::from_str(<$ty as $crate::Plugin>::NAME),
                    version: $crate::abi::TmStr::from_str(<$ty as $crate::Plugin>::VERSION),
                    description: $crate::abi::TmStr::from_str(<$ty as $crate::Plugin>::DESCRIPTION),
                    params_json: $crate::abi::TmStr::from_str(params),
                    create: $crate::glue::create::<$ty>,
                    destroy: $crate::glue::destroy::<$ty>,
                    process: $process,
                    observe: $observe,
                    merge: $merge,
                    finish: $finish,
                }
            }) as *const _
        }
    };
}

#[cfg(test)]
mod tests;
