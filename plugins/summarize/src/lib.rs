//! `summarize`: extractive summaries of news documents.
//!
//! Every summary sentence is a sentence of the document, copied verbatim, so
//! nothing is invented. The stage keeps every document and adds
//! `metadata.summary` (the picked sentences in document order, one per line)
//! and, with `sentence_indices = true`, `metadata.summary_sentences` (their
//! 0-based indices among all sentences of the text, as numbered by
//! [`textmill_text::sentences::sentences`]).
//!
//! - [`Summarize`]: the stage; [`summarize`] is its core as a plain function.
//! - Algorithms ([`config::Algorithm`]): `lead`, `textrank` (BM25, overlap or
//!   cosine graph and PageRank), `lexrank`, and the default `positional`
//!   (BM25 TextRank centrality scaled by a lead prior that grows as the
//!   summary keeps a smaller share of the document, an optional headline
//!   reward, and no near-copies of a picked sentence). The README has the
//!   ROUGE of each on the BBC and CNN/DailyMail dev sets, and where the
//!   default falls short.
//! - The headline (a short first line without final punctuation that more
//!   text follows) is never picked unless `include_headline = true`; it still
//!   informs `positional`.
//! - Sentences with no prose (bylines, time stamps: fewer than `min_words`
//!   words or no lower-case words) are skipped unless nothing else is left.
//!
//! ```
//! use textmill_summarize::{summarize, config};
//! let settings = config::build(&serde_json::json!({"sentences": 1})).expect("valid");
//! let text = "Strike ends at car plant\nWorkers at the car plant ended their strike on Monday. \
//!             The weather was fine for the time of year.";
//! let s = summarize(&settings, text);
//! assert_eq!(s.text(), "Workers at the car plant ended their strike on Monday.");
//! ```
#![deny(missing_docs)]

pub mod config;
pub mod rank;
pub mod terms;

use config::{Algorithm, Settings, Similarity};
use textmill_plugin_sdk::{
    ConfigError, Doc, DocumentStage, Outcome, Param, Plugin, Stats, export_plugin,
};
use textmill_text::sentences::{Sentence, sentences};

/// Headlines are short; a longer first line without a full stop is taken as
/// a paragraph that lost its punctuation, not as a headline.
const MAX_HEADLINE_WORDS: usize = 30;

/// How many unpicked candidates `explain` lists after the picked ones: enough
/// to see what nearly made it.
const EXPLAIN_RUNNERS_UP: usize = 3;

/// A summary: the picked sentences of a text, in document order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary<'a> {
    /// The picked sentences.
    pub sentences: Vec<Sentence<'a>>,
    /// How many sentences were candidates.
    pub candidates: usize,
    /// With `explain`: the picked sentences in the order they were chosen
    /// (best score first, save near copies skipped, an earlier original
    /// taken in place of its near copy, and the `max_words` cap),
    /// then the [`EXPLAIN_RUNNERS_UP`] best of the rest; else empty.
    pub ranking: Vec<Ranked<'a>>,
}

/// A candidate sentence and its score, for `explain`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked<'a> {
    /// The sentence.
    pub sentence: Sentence<'a>,
    /// Its score under the algorithm (higher is better; comparable only
    /// within one document).
    pub score: f32,
    /// Whether it is in the summary.
    pub picked: bool,
}

impl Ranked<'_> {
    /// `{index, score, sentence, picked}`, the score rounded to 4 decimals.
    pub fn to_json(&self) -> serde_json::Value {
        let score = (f64::from(self.score) * 1e4).round() / 1e4;
        serde_json::json!({
            "index": self.sentence.index,
            "score": score,
            "sentence": self.sentence.text,
            "picked": self.picked,
        })
    }
}

impl Summary<'_> {
    /// The summary text: its sentences, one per line.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, s) in self.sentences.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(s.text);
        }
        out
    }

    /// Indices of the picked sentences among all sentences of the text.
    pub fn indices(&self) -> Vec<usize> {
        self.sentences.iter().map(|s| s.index).collect()
    }
}

/// The line index of the headline of `sents`, if the text has one: a first
/// line without final punctuation that more text follows.
fn headline_line(sents: &[Sentence<'_>]) -> Option<usize> {
    let first = sents.first()?;
    let line = first.line;
    let on_line: Vec<&Sentence<'_>> = sents.iter().take_while(|s| s.line == line).collect();
    if on_line.len() == sents.len() {
        return None; // nothing follows
    }
    let last = on_line.last()?.text;
    let ends = last
        .trim_end_matches(['"', '\'', '\u{201d}', '\u{2019}', ')', ']'])
        .ends_with(['.', '!', '?', '…', ':', ';']);
    let words: usize = on_line
        .iter()
        .map(|s| terms::word_counts(s.text).words)
        .sum();
    (!ends && words <= MAX_HEADLINE_WORDS).then_some(line)
}

/// Summarize `text` with `settings`: the core of the stage, with no I/O.
pub fn summarize<'a>(settings: &Settings, text: &'a str) -> Summary<'a> {
    let sents = sentences(text);
    let headline = headline_line(&sents);
    let is_headline = |s: &Sentence<'_>| Some(s.line) == headline;
    let pool: Vec<&Sentence<'a>> = sents
        .iter()
        .filter(|s| settings.include_headline || !is_headline(s))
        .collect();
    let counts: Vec<terms::WordCounts> = pool.iter().map(|s| terms::word_counts(s.text)).collect();
    let need_lower = settings.min_words.min(2);
    let mut candidates: Vec<usize> = (0..pool.len())
        .filter(|&i| counts[i].words >= settings.min_words && counts[i].lower >= need_lower)
        .collect();
    if candidates.is_empty() {
        // Nothing reads as prose: summarize what there is rather than nothing.
        candidates = (0..pool.len()).collect();
    }
    candidates.truncate(settings.max_candidates);
    let n = candidates.len();
    if n == 0 {
        return Summary::default();
    }
    let k = settings.budget.sentences_for(n);

    let head_text = sents.iter().find(|s| is_headline(s)).map(|s| s.text);
    let analyze = || {
        let texts = candidates.iter().map(|&i| pool[i].text);
        settings.analyzer.analyze(texts.chain(head_text))
    };
    let graph = |d: &terms::DocTerms| match settings.similarity {
        Similarity::Overlap => rank::overlap_matrix(d, n),
        Similarity::Cosine => rank::cosine_matrix(d, n, &rank::idf(d, n)),
        Similarity::Bm25 => rank::bm25_matrix(d, n, &rank::idf(d, n)),
    };
    let (scores, terms): (Vec<f32>, Option<terms::DocTerms>) = match settings.algorithm {
        // Falls from 1 with position, so `explain` shows positive scores.
        Algorithm::Lead => ((0..n).map(|i| 1.0 - i as f32 / n as f32).collect(), None),
        Algorithm::Textrank => {
            let d = analyze();
            (rank::pagerank(&graph(&d), n), Some(d))
        }
        Algorithm::Lexrank => {
            let d = analyze();
            (rank::lexrank(&d, n, settings.lexrank_threshold), Some(d))
        }
        Algorithm::Positional => {
            let d = analyze();
            // A `max_words` cap keeps about cap / mean words sentences.
            let mut kept = k as f32;
            if let Some(max) = settings.budget.max_words {
                let words: usize = candidates.iter().map(|&c| counts[c].words).sum();
                let mean = words as f32 / n as f32;
                kept = kept.min((max as f32 / mean.max(1.0)).max(1.0));
            }
            let weight = rank::lead_prior_weight(
                settings.position_weight,
                settings.compression_power,
                n as f32 / kept,
            );
            let s = rank::positional(
                &d,
                n,
                &graph(&d),
                head_text.map(|_| n),
                weight,
                settings.headline_weight,
            );
            (s, Some(d))
        }
    };
    // Only `positional` drops repeats: the classic methods stay as published.
    let max_overlap = match settings.algorithm {
        Algorithm::Positional => settings.max_overlap,
        _ => f32::INFINITY,
    };

    // Best first; equal scores go to the earlier sentence.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let mut picked: Vec<usize> = Vec::with_capacity(k);
    let mut taken = vec![false; n];
    let mut words = 0;
    // First pass skips near copies; the second fills the budget from what is
    // left, so a repetitive document still gets the length asked for.
    for skip_repeats in [true, false] {
        for &c in &order {
            if picked.len() == k {
                break;
            }
            if taken[c] {
                continue;
            }
            let mut c = c;
            if let (true, Some(d)) = (skip_repeats, &terms) {
                // Pages repeat sentences (photo captions restate the text); a
                // near copy of a picked sentence adds nothing to a summary.
                if picked
                    .iter()
                    .any(|&p| rank::redundancy(d, p, c) > max_overlap)
                {
                    continue;
                }
            }
            if let (true, Some(d)) = (skip_repeats, &terms) {
                // Of near copies, keep the earliest: photo captions and pull
                // quotes restate a sentence after it, often cut short, and
                // can outscore it by echoing other sentences too.
                if let Some(e) = (0..c).find(|&e| {
                    !taken[e]
                        && rank::redundancy(d, e, c) > max_overlap
                        && !picked
                            .iter()
                            .any(|&p| rank::redundancy(d, p, e) > max_overlap)
                }) {
                    c = e;
                }
            }
            let w = counts[candidates[c]].words;
            if let Some(max) = settings.budget.max_words {
                // The best sentence is kept even when it alone is over the cap,
                // so a non-empty document never gets an empty summary.
                if !picked.is_empty() && words + w > max {
                    continue;
                }
            }
            words += w;
            taken[c] = true;
            picked.push(c);
        }
    }
    let mut ranking = Vec::new();
    if settings.explain {
        // Picked sentences in the order they were chosen, then the best of
        // the rest.
        let rest = order
            .iter()
            .filter(|&&c| !taken[c])
            .take(EXPLAIN_RUNNERS_UP);
        for (&c, picked) in picked
            .iter()
            .zip(std::iter::repeat(true))
            .chain(rest.zip(std::iter::repeat(false)))
        {
            ranking.push(Ranked {
                sentence: *pool[candidates[c]],
                score: scores[c],
                picked,
            });
        }
    }
    picked.sort_unstable();
    Summary {
        sentences: picked.iter().map(|&c| *pool[candidates[c]]).collect(),
        candidates: n,
        ranking,
    }
}

/// The `summarize` stage.
pub struct Summarize {
    settings: Settings,
}

impl Plugin for Summarize {
    const NAME: &'static str = "summarize";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str =
        "Extractive summary of each document into metadata.summary (sentences copied verbatim).";

    fn params() -> Vec<Param> {
        config::params()
    }

    fn from_config(config: &serde_json::Value) -> Result<Self, ConfigError> {
        Ok(Summarize {
            settings: config::build(config)?,
        })
    }
}

impl DocumentStage for Summarize {
    fn process(&self, doc: &Doc<'_>, stats: &mut Stats) -> Outcome {
        let summary = summarize(&self.settings, doc.text);
        stats.add("documents", 1.0);
        stats.add("candidate_sentences", summary.candidates as f64);
        stats.add("summary_sentences", summary.sentences.len() as f64);
        if summary.sentences.is_empty() {
            stats.add("empty_summaries", 1.0);
        }
        let mut out = Outcome::keep().with_metadata("summary", summary.text());
        if self.settings.sentence_indices {
            out = out.with_metadata("summary_sentences", summary.indices());
        }
        if self.settings.explain {
            let ranking: Vec<serde_json::Value> =
                summary.ranking.iter().map(Ranked::to_json).collect();
            out = out.with_metadata("summary_explain", ranking);
        }
        out
    }
}

export_plugin!(document: Summarize);

#[cfg(test)]
mod tests;
