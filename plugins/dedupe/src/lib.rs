//! `dedupe`: removes repeated text at three scales, deterministically.
//!
//! - **Within a document** ([`within`]): paragraphs and lines whose
//!   normalised form (NFKC, case, punctuation, whitespace) repeats an earlier
//!   one are removed, the first kept; lines shorter than `min_line_chars` are
//!   never removed. Optionally, paragraphs one word edit away (`near_paragraphs`).
//! - **Exact copies**: a 64-bit xxh3 hash of the normalised text.
//! - **Near copies**: MinHash over word 5-gram shingles with fixed hash
//!   permutations ([`lsh`]), LSH banding (`bands` × `rows` derived from
//!   `threshold` and `num_perm`, or given), every candidate confirmed by its
//!   estimated Jaccard; plus a containment check over sentence hashes for
//!   truncated and edited copies ([`cluster`]). Clusters by union-find.
//!
//! It is a corpus stage: `observe` turns a batch into [`features::DocRecord`]s
//! (hashes and a signature, never text) in the versioned [`state`] format,
//! `merge` concatenates states, `finish` clusters them and keeps one decision
//! per document, `apply` looks the decision up. The survivor of a cluster is
//! the first document in input order (or the longest, or the highest value
//! of a field), so output is the same at any thread count or batch size.
//!
//! ```
//! use textmill_dedupe::Dedupe;
//! use textmill_plugin_sdk::{CorpusStage, Doc, Plugin, Stats, Action};
//!
//! let mut stage = Dedupe::from_config(&serde_json::json!({})).unwrap();
//! let text = "Headline\nThe same story, told the same way, from start to end.\n";
//! let docs = [
//!     Doc { ordinal: 0, id: "a", text, fields_json: "{}" },
//!     Doc { ordinal: 1, id: "b", text, fields_json: "{}" },
//! ];
//! let state = stage.observe(&docs).unwrap();
//! let merged = stage.merge(&[&state]).unwrap();
//! stage.finish(&merged).unwrap();
//! let mut stats = Stats::default();
//! assert_eq!(stage.apply(&docs[1], &mut stats).action, Action::Drop("duplicate".into()));
//! ```
#![deny(missing_docs)]

pub mod cluster;
pub mod config;
pub mod features;
pub mod lsh;
pub mod state;
pub mod within;

use cluster::{Decision, cluster};
use config::Config;
use features::{DocRecord, doc_record};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use textmill_plugin_sdk::{ConfigError, CorpusStage, Doc, Outcome, Param, Plugin, Stats};
use within::without_lines;

/// The `dedupe` corpus stage.
pub struct Dedupe {
    config: Config,
    perms: Vec<(u64, u64)>,
    decisions: HashMap<u64, Decision>,
}

impl Dedupe {
    /// Build the stage from a checked config.
    pub fn new(config: Config) -> Dedupe {
        let perms = lsh::permutations(config.num_perm);
        Dedupe {
            config,
            perms,
            decisions: HashMap::new(),
        }
    }

    /// The config the stage runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

/// Write a file through a temporary sibling and a rename, so a crash never
/// leaves half an index behind.
fn write_atomic(path: &Path, bytes: &[u8], what: &str) -> Result<(), String> {
    let tmp = path.with_extension("tmp-textmill");
    let res = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path));
    res.map_err(|e| format!("{what} {}: {e}", path.display()))
}

impl Plugin for Dedupe {
    const NAME: &'static str = "dedupe";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Removes repeated paragraphs within documents and exact and near-duplicate documents (MinHash LSH).";

    fn params() -> Vec<Param> {
        config::params()
    }

    fn from_config(config: &serde_json::Value) -> Result<Self, ConfigError> {
        Ok(Dedupe::new(Config::from_json(config)?))
    }
}

impl CorpusStage for Dedupe {
    fn observe(&self, docs: &[Doc<'_>]) -> Result<Vec<u8>, String> {
        let records: Vec<DocRecord> = docs
            .iter()
            .map(|d| doc_record(d, &self.config, &self.perms))
            .collect();
        Ok(state::encode(&self.config, &records))
    }

    fn merge(&self, states: &[&[u8]]) -> Result<Vec<u8>, String> {
        state::merge(states, &self.config).map_err(|e| e.to_string())
    }

    fn finish(&mut self, merged: &[u8]) -> Result<(), String> {
        let mut corpus = state::Corpus::new(self.config.num_perm);
        // An earlier corpus's documents come first: they are older than
        // anything in this run.
        let prior_bytes = match &self.config.index_in {
            Some(p) => {
                let bytes =
                    std::fs::read(p).map_err(|e| format!("index_in {}: {e}", p.display()))?;
                corpus
                    .append_state(&bytes, &self.config)
                    .map_err(|e| format!("index_in {}: {e}", p.display()))?;
                Some(bytes)
            }
            None => None,
        };
        let prior = corpus.len();
        corpus
            .append_state(merged, &self.config)
            .map_err(|e| e.to_string())?;
        // Batches may arrive grouped in any way; the ordinal is the order.
        corpus.sort_from(prior);
        if let Some(p) = &self.config.index_out {
            // The saved index is the earlier one followed by this run: both
            // are states, so it is their merge.
            let states: Vec<&[u8]> = prior_bytes
                .iter()
                .map(Vec::as_slice)
                .chain([merged])
                .collect();
            let bytes = state::merge(&states, &self.config).map_err(|e| e.to_string())?;
            write_atomic(p, &bytes, "index_out")?;
        }
        drop(prior_bytes);
        let result = cluster(&corpus, prior, &self.config);
        drop(corpus);
        if let Some(p) = &self.config.cluster_report {
            let mut out = Vec::new();
            for c in &result.clusters {
                serde_json::to_writer(&mut out, c).map_err(|e| e.to_string())?;
                out.push(b'\n');
            }
            write_atomic(p, &out, "cluster_report")?;
        }
        self.decisions = result.decisions;
        Ok(())
    }

    fn apply(&self, doc: &Doc<'_>, stats: &mut Stats) -> Outcome {
        let Some(decision) = self.decisions.get(&doc.ordinal) else {
            return Outcome::error(format!(
                "document {} (ordinal {}) was not observed before apply",
                doc.id, doc.ordinal
            ));
        };
        match decision {
            Decision::Duplicate {
                of,
                similarity,
                containment,
                exact,
            } => {
                stats.add(
                    if *exact {
                        "exact_duplicates"
                    } else {
                        "near_duplicates"
                    },
                    1.0,
                );
                stats.add("duplicate_bytes", doc.text.len() as f64);
                Outcome::drop("duplicate")
                    .with_detail("duplicate_of", of.clone())
                    .with_detail("similarity", *similarity)
                    .with_detail("containment", *containment)
                    .with_detail("exact", *exact)
            }
            Decision::Survivor {
                duplicates,
                removed_lines,
            } => {
                // Observe found the lines to remove; the text is rebuilt from them.
                let mut outcome = match without_lines(doc.text, removed_lines) {
                    Some(text) => {
                        stats.add("lines_removed", removed_lines.len() as f64);
                        stats.add(
                            "bytes_removed",
                            (doc.text.len().saturating_sub(text.len())) as f64,
                        );
                        stats.add("documents_with_repeats", 1.0);
                        Outcome::replace(text)
                    }
                    None => Outcome::keep(),
                };
                if *duplicates > 0 {
                    stats.add("clusters", 1.0);
                    outcome = outcome.with_metadata("duplicates", *duplicates);
                }
                outcome
            }
        }
    }
}

textmill_plugin_sdk::export_plugin!(corpus: Dedupe);

#[cfg(test)]
mod tests;
