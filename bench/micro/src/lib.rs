//! Fixed inputs for textmill's criterion micro-benchmarks (`benches/`).
//!
//! Every benchmark reads the same small, real input:
//! `examples/news/dirty-news-sample.jsonl` (299 documents of the dirty-news
//! corpus, about 0.7 MB; see `examples/news/README.md` for its origin).
//!
//! ```no_run
//! let docs = textmill_bench::sample_docs();
//! assert!(!docs.is_empty());
//! ```
#![deny(missing_docs)]

use std::path::PathBuf;

/// One sample document: its id, text and the record's other fields as JSON.
#[derive(Debug, Clone)]
pub struct SampleDoc {
    /// Document id.
    pub id: String,
    /// Document text.
    pub text: String,
    /// JSON of every field except `text` (what plugins receive).
    pub fields_json: String,
}

/// Path of the sample JSONL file.
pub fn sample_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/news/dirty-news-sample.jsonl")
}

/// The sample's documents, in file order.
///
/// # Panics
/// If the sample is missing or malformed: a benchmark without its input is a setup error.
pub fn sample_docs() -> Vec<SampleDoc> {
    let path = sample_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let mut rec: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1));
            let text = match rec.remove("text") {
                Some(serde_json::Value::String(s)) => s,
                _ => panic!("{}:{}: no text", path.display(), i + 1),
            };
            let id = rec
                .get("id")
                .and_then(|v| v.as_str())
                .map_or_else(|| format!("line{}", i + 1), str::to_string);
            SampleDoc {
                id,
                text,
                fields_json: serde_json::Value::Object(rec).to_string(),
            }
        })
        .collect()
}

/// Total text bytes of `docs` (the throughput unit of most benchmarks).
pub fn text_bytes(docs: &[SampleDoc]) -> u64 {
    docs.iter().map(|d| d.text.len() as u64).sum()
}

/// The documents as the plugin SDK's views, numbered in file order.
pub fn doc_views(docs: &[SampleDoc]) -> Vec<textmill_plugin_sdk::Doc<'_>> {
    docs.iter()
        .enumerate()
        .map(|(i, d)| textmill_plugin_sdk::Doc {
            ordinal: i as u64,
            id: &d.id,
            text: &d.text,
            fields_json: &d.fields_json,
        })
        .collect()
}
