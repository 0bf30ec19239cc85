//! The stage's TOML table: raw fields with their defaults, then one `build()`
//! into the runtime [`Settings`].

use crate::terms::{Analyzer, Language};
use serde::Deserialize;
use std::num::NonZeroUsize;
use textmill_plugin_sdk::{ConfigError, Param};

/// How sentences are scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// The first sentences, in order.
    Lead,
    /// PageRank over a sentence similarity graph (Mihalcea & Tarau 2004).
    Textrank,
    /// PageRank over a thresholded TF-IDF cosine graph (Erkan & Radev 2004).
    Lexrank,
    /// Centrality damped by position and boosted by headline overlap.
    #[default]
    Positional,
}

impl Algorithm {
    /// Every name, as the `algorithm` key accepts it.
    pub const CHOICES: &'static str = "lead|textrank|lexrank|positional";
}

/// The similarity that weighs `textrank` and `positional` graph edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Similarity {
    /// Shared terms over the sum of the logs of the lengths (Mihalcea & Tarau 2004).
    Overlap,
    /// Okapi BM25 of one sentence against the other (Barrios et al. 2016),
    /// which scored higher than `overlap` on both dev sets.
    #[default]
    Bm25,
    /// Cosine of TF-IDF vectors.
    Cosine,
}

impl Similarity {
    /// Every name, as the `similarity` key accepts it.
    pub const CHOICES: &'static str = "overlap|bm25|cosine";
}

/// The stage's TOML table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// Scoring method; default `positional`.
    #[serde(default)]
    algorithm: Algorithm,
    /// Summary length in sentences; default 3 when `ratio` and `max_words` are unset.
    sentences: Option<NonZeroUsize>,
    /// Summary length as a share of the candidate sentences, in (0, 1].
    ratio: Option<f64>,
    /// Cap on the summary's words (the best sentence is kept even when longer).
    max_words: Option<NonZeroUsize>,
    /// Whether the headline line may be a summary sentence; default false.
    #[serde(default)]
    include_headline: bool,
    /// Language of stop words and stemmer; default `english`.
    #[serde(default = "default_language")]
    language: String,
    /// Edge weights of the `textrank` and `positional` graphs; default `bm25`.
    #[serde(default)]
    similarity: Similarity,
    /// LexRank's cosine threshold for an edge; default 0.1.
    #[serde(default = "default_lexrank_threshold")]
    lexrank_threshold: f64,
    /// How strongly `positional` prefers early sentences; default 0.02.
    #[serde(default = "default_position_weight")]
    position_weight: f64,
    /// How fast that preference grows as the summary keeps a smaller share
    /// of the document; default 2.
    #[serde(default = "default_compression_power")]
    compression_power: f64,
    /// How much `positional` rewards overlap with the headline; default 0.
    #[serde(default)]
    headline_weight: f64,
    /// `positional` skips a sentence sharing more than this share of its
    /// terms with one already picked; default 0.8 (1 keeps repeats).
    #[serde(default = "default_max_overlap")]
    max_overlap: f64,
    /// Sentences with fewer prose words are not candidates; default 4.
    #[serde(default = "default_min_words")]
    min_words: usize,
    /// Only the first this many candidates are ranked; default 400.
    #[serde(default = "default_max_candidates")]
    max_candidates: NonZeroUsize,
    /// Also write `metadata.summary_sentences`; default false.
    #[serde(default)]
    sentence_indices: bool,
    /// Also write `metadata.summary_explain`, the best-scored candidates with
    /// their scores; default false (`textmill explain` turns it on).
    #[serde(default)]
    explain: bool,
}

fn default_language() -> String {
    "english".to_string()
}
fn default_lexrank_threshold() -> f64 {
    // Erkan & Radev (2004) report their best LexRank results at 0.1.
    0.1
}
fn default_position_weight() -> f64 {
    // Tuned on the dev sets with `compression_power` 2: about 0.1 at BBC's
    // 43% budget, whose references reward centrality, and about 2 when 3 of
    // 30 sentences are kept, where CNN/DM's highlights reward the lead.
    0.02
}
fn default_compression_power() -> f64 {
    2.0
}
fn default_max_overlap() -> f64 {
    0.8
}
fn default_min_words() -> usize {
    4
}
fn default_max_candidates() -> NonZeroUsize {
    NonZeroUsize::new(400).unwrap_or(NonZeroUsize::MIN)
}

/// How long a summary may be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// A fixed number of sentences.
    pub sentences: Option<usize>,
    /// A share of the candidate sentences: `max(1, round(ratio * n))`.
    pub ratio: Option<f64>,
    /// A cap on the words of the summary.
    pub max_words: Option<usize>,
}

impl Budget {
    /// The number of sentences to pick out of `n` candidates (before `max_words`).
    pub fn sentences_for(&self, n: usize) -> usize {
        let k = match (self.sentences, self.ratio) {
            (Some(k), _) => k,
            (None, Some(r)) => ((r * n as f64).round() as usize).max(1),
            (None, None) => n,
        };
        k.min(n)
    }
}

/// Runtime settings built from the config.
pub struct Settings {
    /// Scoring method.
    pub algorithm: Algorithm,
    /// Length control.
    pub budget: Budget,
    /// Whether the headline may be picked.
    pub include_headline: bool,
    /// Tokenizer, stop words and stemmer.
    pub analyzer: Analyzer,
    /// Graph edge weights for `textrank`.
    pub similarity: Similarity,
    /// LexRank edge threshold.
    pub lexrank_threshold: f32,
    /// Position preference of `positional` at compression 1.
    pub position_weight: f32,
    /// Growth of the position preference with the compression.
    pub compression_power: f32,
    /// Headline preference of `positional`.
    pub headline_weight: f32,
    /// Near-copy threshold of `positional`.
    pub max_overlap: f32,
    /// Minimum prose words of a candidate.
    pub min_words: usize,
    /// How many candidates are ranked at most.
    pub max_candidates: usize,
    /// Whether to write `summary_sentences`.
    pub sentence_indices: bool,
    /// Whether to write `summary_explain`.
    pub explain: bool,
}

/// Every parameter with its default, for `textmill plugins summarize`.
pub fn params() -> Vec<Param> {
    vec![
        Param::new(
            "algorithm",
            Algorithm::CHOICES,
            "positional",
            "Scoring method: lead (first sentences), textrank, lexrank, or positional (centrality with a lead prior).",
        ),
        Param::new(
            "sentences",
            "integer",
            3,
            "Summary length in sentences (the default when neither ratio nor max_words is set).",
        ),
        Param::new(
            "ratio",
            "float",
            serde_json::Value::Null,
            "Summary length as a share of the candidate sentences, max(1, round(ratio * n)); excludes `sentences`.",
        ),
        Param::new(
            "max_words",
            "integer",
            serde_json::Value::Null,
            "Cap on the summary's words; alone or with sentences/ratio (the best sentence is always kept).",
        ),
        Param::new(
            "include_headline",
            "bool",
            false,
            "Allow the headline (a first line without final punctuation) in the summary.",
        ),
        Param::new(
            "language",
            "string",
            "english",
            "Stop words and Snowball stemmer: english, french, german, spanish, italian, portuguese, dutch, danish, swedish, norwegian, finnish, hungarian, romanian, russian, turkish, greek, arabic.",
        ),
        Param::new(
            "similarity",
            "overlap|bm25|cosine",
            "bm25",
            "Edge weights of the textrank and positional graphs.",
        ),
        Param::new(
            "lexrank_threshold",
            "float",
            0.1,
            "LexRank: cosine similarity needed for an edge.",
        ),
        Param::new(
            "position_weight",
            "float",
            0.02,
            "positional: how strongly early sentences are preferred, scaled by compression^compression_power (0 = plain centrality).",
        ),
        Param::new(
            "compression_power",
            "float",
            2.0,
            "positional: the lead prior grows as (candidate sentences / summary sentences)^this, so tight budgets lean on the lead (0 = a fixed prior).",
        ),
        Param::new(
            "headline_weight",
            "float",
            0.0,
            "positional: reward for sharing terms with the headline (0 = ignore it).",
        ),
        Param::new(
            "max_overlap",
            "float",
            0.8,
            "positional: skip a sentence that shares more than this share of its terms with one already picked (1 = keep repeats).",
        ),
        Param::new(
            "min_words",
            "integer",
            4,
            "Sentences with fewer words (or no lower-case words, like bylines and time stamps) are not candidates, unless nothing else is.",
        ),
        Param::new(
            "max_candidates",
            "integer",
            400,
            "Only the first this many candidate sentences are ranked (bounds time on huge documents).",
        ),
        Param::new(
            "sentence_indices",
            "bool",
            false,
            "Also write metadata.summary_sentences: the picked sentences' 0-based indices among all sentences of the text.",
        ),
        Param::new(
            "explain",
            "bool",
            false,
            "Also write metadata.summary_explain: the picked sentences and the next best candidates, best first, as {index, score, sentence, picked}.",
        ),
    ]
}

/// Deserialize the table, making sure the error names the offending key.
///
/// serde's messages for a bad value ("invalid value: integer `0`") put the
/// value between backticks, which `parse_config` would report as the key; a
/// table holding only the key that fails alone is the one to blame.
fn parse_raw(config: &serde_json::Value) -> Result<RawConfig, ConfigError> {
    let err = match textmill_plugin_sdk::parse_config::<RawConfig>(config) {
        Ok(raw) => return Ok(raw),
        Err(e) => e,
    };
    let known = params();
    if err
        .key
        .as_deref()
        .is_some_and(|k| known.iter().any(|p| p.name == k))
        || err.message.starts_with("unknown field")
    {
        return Err(err);
    }
    if let Some(table) = config.as_object() {
        for (key, value) in table {
            let alone =
                serde_json::Value::Object([(key.clone(), value.clone())].into_iter().collect());
            if let Err(e) = textmill_plugin_sdk::parse_config::<RawConfig>(&alone) {
                return Err(ConfigError::key(key.clone(), e.message));
            }
        }
    }
    Err(err)
}

/// Parse and check the stage's config.
pub fn build(config: &serde_json::Value) -> Result<Settings, ConfigError> {
    // serde's "unknown variant `x`" names the value, not the key; check the
    // choice keys first so the error points at the key the user must fix.
    for (key, choices) in [
        ("algorithm", Algorithm::CHOICES),
        ("similarity", Similarity::CHOICES),
    ] {
        if let Some(v) = config.get(key).and_then(|v| v.as_str())
            && !choices.split('|').any(|c| c == v)
        {
            return Err(ConfigError::key(
                key,
                format!("unknown value `{v}`; one of {}", choices.replace('|', ", ")),
            ));
        }
    }
    let raw: RawConfig = parse_raw(config)?;
    if raw.sentences.is_some() && raw.ratio.is_some() {
        return Err(ConfigError::key(
            "ratio",
            "set either `sentences` or `ratio`, not both",
        ));
    }
    if let Some(r) = raw.ratio
        && !(r > 0.0 && r <= 1.0)
    {
        return Err(ConfigError::key(
            "ratio",
            format!("must be in (0, 1], got {r}"),
        ));
    }
    if !(0.0..=1.0).contains(&raw.max_overlap) {
        return Err(ConfigError::key(
            "max_overlap",
            format!("must be in [0, 1], got {}", raw.max_overlap),
        ));
    }
    if !(0.0..=1.0).contains(&raw.lexrank_threshold) {
        return Err(ConfigError::key(
            "lexrank_threshold",
            format!("must be in [0, 1], got {}", raw.lexrank_threshold),
        ));
    }
    for (key, v) in [
        ("position_weight", raw.position_weight),
        ("compression_power", raw.compression_power),
        ("headline_weight", raw.headline_weight),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(ConfigError::key(key, format!("must be 0 or more, got {v}")));
        }
    }
    let language = Language::from_name(&raw.language).ok_or_else(|| {
        ConfigError::key(
            "language",
            format!(
                "unknown language `{}`; one of {}",
                raw.language,
                Language::NAMES.join(", ")
            ),
        )
    })?;
    let sentences = match (raw.sentences, raw.ratio, raw.max_words) {
        (Some(k), _, _) => Some(k.get()),
        (None, None, None) => Some(3),
        _ => None,
    };
    Ok(Settings {
        algorithm: raw.algorithm,
        budget: Budget {
            sentences,
            ratio: raw.ratio,
            max_words: raw.max_words.map(NonZeroUsize::get),
        },
        include_headline: raw.include_headline,
        analyzer: Analyzer::new(language),
        similarity: raw.similarity,
        lexrank_threshold: raw.lexrank_threshold as f32,
        position_weight: raw.position_weight as f32,
        compression_power: raw.compression_power as f32,
        headline_weight: raw.headline_weight as f32,
        max_overlap: raw.max_overlap as f32,
        min_words: raw.min_words,
        max_candidates: raw.max_candidates.get(),
        sentence_indices: raw.sentence_indices,
        explain: raw.explain,
    })
}
