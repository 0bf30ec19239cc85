//! The `dedupe` stage's configuration: the raw TOML table and its checked form.

use crate::lsh::bands_rows_for;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use textmill_plugin_sdk::{ConfigError, Param, parse_config};

/// The stage's TOML table as written (every key optional).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Shortest normalised line or paragraph (characters) that within-document
    /// dedupe may remove. Default 30.
    #[serde(default = "default_min_line_chars")]
    pub min_line_chars: usize,
    /// Also remove paragraphs one word edit away from an earlier one. Default false.
    #[serde(default)]
    pub near_paragraphs: bool,
    /// Look for near copies (MinHash LSH and sentence containment) as well
    /// as exact ones. Default true; false skips shingles, signatures and
    /// sentence hashes entirely.
    #[serde(default = "default_near_duplicates")]
    pub near_duplicates: bool,
    /// Words per shingle. Default 5.
    #[serde(default = "default_shingle_size")]
    pub shingle_size: NonZeroUsize,
    /// MinHash hashes per document. Default 128 (ignored when `bands`/`rows` are set).
    pub num_perm: Option<NonZeroUsize>,
    /// Estimated Jaccard at or above which two documents are near duplicates. Default 0.8.
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// LSH bands; with `rows`, replaces the derivation from `threshold`.
    pub bands: Option<NonZeroUsize>,
    /// LSH rows per band; with `bands`.
    pub rows: Option<NonZeroUsize>,
    /// Share of the smaller document's sentence text found in the other at or
    /// above which they are duplicates (truncated and edited copies). Default 0.65.
    #[serde(default = "default_containment")]
    pub containment: f64,
    /// Estimated Jaccard a containment match also needs, so that a page
    /// quoting a few sentences of another never joins it. Default 0.3.
    #[serde(default = "default_containment_min_jaccard")]
    pub containment_min_jaccard: f64,
    /// Sentences with fewer words are not used as containment evidence. Default 6.
    #[serde(default = "default_sentence_min_words")]
    pub sentence_min_words: usize,
    /// Sentences in more documents than this are not used to find candidate
    /// pairs (bounds the work per sentence). Default 50.
    #[serde(default = "default_max_sentence_df")]
    pub max_sentence_df: NonZeroUsize,
    /// Sentences in more than this share of the documents (and more than
    /// `max_sentence_df`) are boilerplate: not counted as shared text nor in a
    /// document's length. Default 0.005.
    #[serde(default = "default_boilerplate_df_fraction")]
    pub boilerplate_df_fraction: f64,
    /// Which copy survives: `first`, `longest` or `field`. Default `first`.
    #[serde(default)]
    pub keep: KeepRule,
    /// With `keep = "field"`: the numeric field whose highest value survives.
    pub keep_field: Option<String>,
    /// Index of an earlier corpus to deduplicate against.
    pub index_in: Option<PathBuf>,
    /// Where to save this run's index (earlier index included).
    pub index_out: Option<PathBuf>,
    /// Where to write one JSONL line per duplicate cluster.
    pub cluster_report: Option<PathBuf>,
}

/// Which member of a duplicate cluster survives. Ties go to the lowest ordinal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeepRule {
    /// The first in input order.
    #[default]
    First,
    /// The longest text (characters after within-document dedupe).
    Longest,
    /// The highest value of `keep_field` (missing or non-numeric counts as lowest).
    Field,
}

fn default_min_line_chars() -> usize {
    30
}
fn default_near_duplicates() -> bool {
    true
}
fn default_shingle_size() -> NonZeroUsize {
    NonZeroUsize::new(5).unwrap_or(NonZeroUsize::MIN)
}
fn default_threshold() -> f64 {
    0.8
}
fn default_containment() -> f64 {
    0.65
}
fn default_containment_min_jaccard() -> f64 {
    // On the benchmark corpora (score.py), 0.2 -> 0.3 moved duplicate
    // precision from 0.9992 to 0.9999 at 100 MB and from 0.9933 to 0.9980
    // at 1 GB, recall from 0.9995 to 0.9994 and 0.9974 to 0.9973: pages
    // built from runs of the same sources share about a fifth of their
    // shingles, and true copies that share less than 0.3 are rare.
    0.3
}
fn default_boilerplate_df_fraction() -> f64 {
    0.005
}
fn default_sentence_min_words() -> usize {
    6
}
fn default_max_sentence_df() -> NonZeroUsize {
    NonZeroUsize::new(50).unwrap_or(NonZeroUsize::MIN)
}

/// Default MinHash hashes per document.
pub const DEFAULT_NUM_PERM: usize = 128;

/// The checked configuration the stage runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// See [`RawConfig::min_line_chars`].
    pub min_line_chars: usize,
    /// See [`RawConfig::near_paragraphs`].
    pub near_paragraphs: bool,
    /// See [`RawConfig::near_duplicates`].
    pub near_duplicates: bool,
    /// See [`RawConfig::shingle_size`].
    pub shingle_size: usize,
    /// Hashes per signature (`bands * rows` when those are given); 0 without
    /// near-duplicate detection.
    pub num_perm: usize,
    /// See [`RawConfig::threshold`].
    pub threshold: f64,
    /// LSH bands.
    pub bands: usize,
    /// LSH rows per band.
    pub rows: usize,
    /// See [`RawConfig::containment`].
    pub containment: f64,
    /// See [`RawConfig::containment_min_jaccard`].
    pub containment_min_jaccard: f64,
    /// See [`RawConfig::sentence_min_words`].
    pub sentence_min_words: usize,
    /// See [`RawConfig::max_sentence_df`].
    pub max_sentence_df: usize,
    /// See [`RawConfig::boilerplate_df_fraction`].
    pub boilerplate_df_fraction: f64,
    /// See [`RawConfig::keep`].
    pub keep: KeepRule,
    /// See [`RawConfig::keep_field`].
    pub keep_field: Option<String>,
    /// See [`RawConfig::index_in`].
    pub index_in: Option<PathBuf>,
    /// See [`RawConfig::index_out`].
    pub index_out: Option<PathBuf>,
    /// See [`RawConfig::cluster_report`].
    pub cluster_report: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Config {
        Config::from_json(&serde_json::json!({})).unwrap_or_else(|_| unreachable!())
    }
}

impl Config {
    /// Parse and check the stage's table.
    pub fn from_json(value: &serde_json::Value) -> Result<Config, ConfigError> {
        let raw: RawConfig = parse_config(value)?;
        raw.build()
    }
}

impl RawConfig {
    /// Check value ranges and derive the banding.
    pub fn build(self) -> Result<Config, ConfigError> {
        let unit = |key: &str, v: f64| {
            if v > 0.0 && v <= 1.0 {
                Ok(v)
            } else {
                Err(ConfigError::key(key, format!("must be in (0, 1], got {v}")))
            }
        };
        let threshold = unit("threshold", self.threshold)?;
        let containment = unit("containment", self.containment)?;
        if !(0.0..=1.0).contains(&self.boilerplate_df_fraction) {
            return Err(ConfigError::key(
                "boilerplate_df_fraction",
                format!("must be in [0, 1], got {}", self.boilerplate_df_fraction),
            ));
        }
        if !(0.0..=1.0).contains(&self.containment_min_jaccard) {
            return Err(ConfigError::key(
                "containment_min_jaccard",
                format!("must be in [0, 1], got {}", self.containment_min_jaccard),
            ));
        }
        let (num_perm, bands, rows) = match (self.bands, self.rows) {
            (Some(b), Some(r)) => {
                let n = b.get() * r.get();
                if let Some(p) = self.num_perm.filter(|p| p.get() != n) {
                    return Err(ConfigError::key(
                        "num_perm",
                        format!("is {p} but bands * rows = {n}; give one or the other"),
                    ));
                }
                (n, b.get(), r.get())
            }
            (None, None) => {
                let n = self.num_perm.map_or(DEFAULT_NUM_PERM, NonZeroUsize::get);
                let (b, r) = bands_rows_for(threshold, n);
                (n, b, r)
            }
            (Some(_), None) => return Err(ConfigError::key("rows", "is required with `bands`")),
            (None, Some(_)) => return Err(ConfigError::key("bands", "is required with `rows`")),
        };
        if num_perm > 1024 {
            return Err(ConfigError::key("num_perm", "must be at most 1024"));
        }
        // Without near copies there is nothing to sign or band; banding keys
        // given anyway are a mistake worth naming.
        let (num_perm, bands, rows) = if self.near_duplicates {
            (num_perm, bands, rows)
        } else if let Some(key) = [
            ("num_perm", self.num_perm.is_some()),
            ("bands", self.bands.is_some()),
            ("rows", self.rows.is_some()),
        ]
        .iter()
        .find_map(|&(k, set)| set.then_some(k))
        {
            return Err(ConfigError::key(
                key,
                "has no effect with near_duplicates = false",
            ));
        } else {
            (0, 0, 0)
        };
        if self.keep == KeepRule::Field && self.keep_field.is_none() {
            return Err(ConfigError::key(
                "keep_field",
                "is required with keep = \"field\"",
            ));
        }
        Ok(Config {
            min_line_chars: self.min_line_chars,
            near_paragraphs: self.near_paragraphs,
            near_duplicates: self.near_duplicates,
            shingle_size: self.shingle_size.get(),
            num_perm,
            threshold,
            bands,
            rows,
            containment,
            containment_min_jaccard: self.containment_min_jaccard,
            sentence_min_words: self.sentence_min_words,
            max_sentence_df: self.max_sentence_df.get(),
            boilerplate_df_fraction: self.boilerplate_df_fraction,
            keep: self.keep,
            keep_field: self.keep_field,
            index_in: self.index_in,
            index_out: self.index_out,
            cluster_report: self.cluster_report,
        })
    }
}

/// Every parameter with its default, for `textmill plugins dedupe`.
pub fn params() -> Vec<Param> {
    use serde_json::Value::Null;
    vec![
        Param::new(
            "min_line_chars",
            "integer",
            30,
            "Shortest normalised line/paragraph (chars) within-document dedupe may remove; shorter repeats stay.",
        ),
        Param::new(
            "near_paragraphs",
            "bool",
            false,
            "Also remove paragraphs one word edit away from an earlier paragraph of the same document.",
        ),
        Param::new(
            "near_duplicates",
            "bool",
            true,
            "Also find near copies (MinHash LSH, sentence containment); false keeps exact copies and repeated paragraphs only, several times faster.",
        ),
        Param::new("shingle_size", "integer", 5, "Words per MinHash shingle."),
        Param::new(
            "num_perm",
            "integer",
            DEFAULT_NUM_PERM,
            "MinHash hashes per document (bands and rows derive from it and threshold).",
        ),
        Param::new(
            "threshold",
            "float",
            0.8,
            "Estimated Jaccard at or above which documents are near duplicates; sets the LSH bands/rows.",
        ),
        Param::new(
            "bands",
            "integer",
            Null,
            "LSH bands (with rows; overrides the derivation from threshold, num_perm = bands * rows).",
        ),
        Param::new("rows", "integer", Null, "LSH rows per band (with bands)."),
        Param::new(
            "containment",
            "float",
            0.65,
            "Share of the smaller document's sentence text found in the other at or above which they are duplicates.",
        ),
        Param::new(
            "containment_min_jaccard",
            "float",
            0.3,
            "MinHash Jaccard estimate a containment match also needs (a page quoting a few sentences of another is not a copy).",
        ),
        Param::new(
            "sentence_min_words",
            "integer",
            6,
            "Sentences with fewer words are not containment evidence.",
        ),
        Param::new(
            "max_sentence_df",
            "integer",
            50,
            "Sentences in more documents than this are treated as boilerplate for containment.",
        ),
        Param::new(
            "boilerplate_df_fraction",
            "float",
            0.005,
            "Sentences in more than this share of documents (and more than max_sentence_df) are boilerplate, not shared text.",
        ),
        Param::new(
            "keep",
            "first|longest|field",
            "first",
            "Which copy survives in a cluster; ties go to the first in input order.",
        ),
        Param::new(
            "keep_field",
            "string",
            Null,
            "With keep = \"field\": numeric field (record, then metadata) whose highest value survives.",
        ),
        Param::new(
            "index_in",
            "string",
            Null,
            "Index file of an earlier corpus; matching documents are dropped as its duplicates.",
        ),
        Param::new(
            "index_out",
            "string",
            Null,
            "Write this run's index (with index_in's documents) here.",
        ),
        Param::new(
            "cluster_report",
            "string",
            Null,
            "Write one JSONL line per duplicate cluster here.",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn defaults_derive_bands_from_threshold() {
        let c = Config::default();
        assert_eq!(c.num_perm, 128);
        assert!(c.bands * c.rows <= 128);
        assert_eq!(c.shingle_size, 5);
    }

    #[test]
    fn bands_and_rows_set_num_perm() {
        let c = Config::from_json(&json!({"bands": 14, "rows": 8})).unwrap();
        assert_eq!((c.num_perm, c.bands, c.rows), (112, 14, 8));
        let e = Config::from_json(&json!({"bands": 14, "rows": 8, "num_perm": 128})).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("num_perm"));
        let e = Config::from_json(&json!({"bands": 14})).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("rows"));
    }

    #[test]
    fn exact_only_has_no_signature_and_refuses_banding_keys() {
        let c = Config::from_json(&json!({"near_duplicates": false})).unwrap();
        assert_eq!((c.num_perm, c.bands, c.rows), (0, 0, 0));
        for (table, key) in [
            (
                json!({"near_duplicates": false, "num_perm": 64}),
                "num_perm",
            ),
            (
                json!({"near_duplicates": false, "bands": 4, "rows": 8}),
                "bands",
            ),
        ] {
            let e = Config::from_json(&table).unwrap_err();
            assert_eq!(e.key.as_deref(), Some(key));
            assert!(e.message.contains("near_duplicates = false"), "{e}");
        }
    }

    #[test]
    fn typos_and_bad_values_name_the_key() {
        let e = Config::from_json(&json!({"treshold": 0.5})).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("treshold"));
        let e = Config::from_json(&json!({"threshold": 1.5})).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("threshold"));
        let e = Config::from_json(&json!({"keep": "field"})).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("keep_field"));
        let e = Config::from_json(&json!({"keep": "oldest"})).unwrap_err();
        assert!(e.message.contains("oldest"), "{e}");
    }

    #[test]
    fn every_param_is_accepted_with_its_default() {
        let params = params();
        assert_eq!(params.len(), 18);
        for p in params {
            if p.default.is_null() {
                continue;
            }
            let mut table = serde_json::Map::new();
            table.insert(p.name.clone(), p.default.clone());
            let c = Config::from_json(&Value::Object(table));
            assert!(c.is_ok(), "{}: {:?}", p.name, c.err());
            assert_eq!(
                c.ok(),
                Some(Config::default()),
                "{} default differs",
                p.name
            );
        }
    }
}
