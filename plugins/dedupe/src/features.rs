//! What the stage remembers about one document: hashes and a MinHash
//! signature, never its text.

use crate::config::{Config, KeepRule};
use crate::lsh::signature;
use crate::within::{Analysis, KeyUnit, settled};
use textmill_plugin_sdk::Doc;
use textmill_text::hash::{HashSetU64, hash64};
use textmill_text::shingle::word_shingles;

/// Seed of the shingle hashes (distinct from other uses of `hash64`).
const SHINGLE_SEED: u64 = 0x5348_494e_474c_4553; // "SHINGLES"

/// Low bits of a packed sentence entry that hold its word count.
pub const WORDS_BITS: u32 = 16;
const WORDS_MASK: u64 = (1 << WORDS_BITS) - 1;

/// The record of one document in the corpus state.
#[derive(Debug, Clone, PartialEq)]
pub struct DocRecord {
    /// Position in the run's input (or in the earlier index).
    pub ordinal: u64,
    /// Document id, reported as `duplicate_of`.
    pub id: String,
    /// Hash of the normalised text after within-document dedupe.
    pub exact: u64,
    /// Keep-rule score: higher survives (0 for `first`).
    pub keep_key: f64,
    /// Number of shingles (repeats counted); without near-duplicate
    /// detection 1 for a text with a word. Clustering asks only whether it is 0.
    pub shingles: u32,
    /// The lines within-document dedupe removes from it (line numbers,
    /// ascending): `apply` rebuilds the text from them instead of redoing
    /// the analysis.
    pub removed_lines: Vec<u32>,
    /// MinHash signature (`num_perm` values; none without near-duplicate detection).
    pub sig: Vec<u16>,
    /// Distinct sentence entries in text order: hash in the high 48 bits,
    /// word count in the low 16 (none without near-duplicate detection).
    pub sentences: Vec<u64>,
}

/// Word count of a packed sentence entry.
pub fn sentence_words(entry: u64) -> u64 {
    entry & WORDS_MASK
}

/// Compute a document's record. `perms` are the MinHash permutations.
pub fn doc_record(doc: &Doc<'_>, config: &Config, perms: &[(u64, u64)]) -> DocRecord {
    let unit = if config.near_duplicates {
        KeyUnit::Sentences
    } else {
        KeyUnit::Lines
    };
    settled(
        doc.text,
        config.min_line_chars,
        config.near_paragraphs,
        unit,
        |analysis, kept, removed| record_of(doc, config, perms, analysis, kept, removed),
    )
}

/// The record of `doc` from the settled analysis of its kept text `kept`.
fn record_of(
    doc: &Doc<'_>,
    config: &Config,
    perms: &[(u64, u64)],
    analysis: &Analysis<'_>,
    kept: &str,
    removed_lines: &[u32],
) -> DocRecord {
    // Nothing is left to remove, so the kept text's key (what
    // `normalize_for_match` gives for it) is the analysis's whole key buffer.
    let normalized: &str = &analysis.keys;
    // A repeated shingle changes no minimum, so the signature needs no dedup.
    let (shingles, shingle_count) = if config.near_duplicates {
        let s = word_shingles(normalized, config.shingle_size, SHINGLE_SEED);
        let n = s.len();
        (s, n)
    } else {
        (Vec::new(), usize::from(!normalized.is_empty()))
    };
    let min_words = config.sentence_min_words.max(1);
    let mut sents: Vec<u64> = analysis
        .sentences
        .iter()
        .filter(|(_, key)| !key.is_empty())
        .filter_map(|(_, key)| {
            let key = &analysis.keys[key.clone()];
            // Keys are words joined by single spaces.
            let words = key.bytes().filter(|&b| b == b' ').count() + 1;
            (words >= min_words)
                .then(|| (hash64(key.as_bytes()) & !WORDS_MASK) | (words as u64).min(WORDS_MASK))
        })
        .collect();
    // Keep the first occurrence of each sentence, in text order: the order is
    // evidence (a copy keeps it, a remix of the same sentences does not).
    let mut seen = HashSetU64::with_capacity_and_hasher(sents.len(), Default::default());
    sents.retain(|s| seen.insert(*s));
    let keep_key = match config.keep {
        KeepRule::First => 0.0,
        KeepRule::Longest => kept.chars().count() as f64,
        KeepRule::Field => config
            .keep_field
            .as_deref()
            .and_then(|f| doc.field(f))
            .and_then(|v| match v {
                serde_json::Value::Number(n) => n.as_f64(),
                serde_json::Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
            .filter(|v: &f64| v.is_finite())
            .unwrap_or(f64::NEG_INFINITY),
    };
    DocRecord {
        ordinal: doc.ordinal,
        id: doc.id.to_string(),
        exact: hash64(normalized.as_bytes()),
        keep_key,
        shingles: shingle_count.min(u32::MAX as usize) as u32,
        removed_lines: removed_lines.to_vec(),
        sig: signature(&shingles, perms),
        sentences: sents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsh::permutations;

    fn doc<'a>(text: &'a str) -> Doc<'a> {
        Doc {
            ordinal: 0,
            id: "a",
            text,
            fields_json: "{}",
        }
    }

    #[test]
    fn record_is_taken_after_within_document_dedupe() {
        let c = Config::default();
        let p = permutations(c.num_perm);
        let para = "Ukraine launched its cross-border incursion into Kursk Region last August.";
        let once = format!("Head\n{para}\n");
        let twice = format!("Head\n{para}\n{para}\n");
        let a = doc_record(&doc(&once), &c, &p);
        let b = doc_record(&doc(&twice), &c, &p);
        assert_eq!(a.exact, b.exact);
        assert_eq!(a.sig, b.sig);
        assert_eq!(a.sentences.len(), 1);
        assert_eq!(sentence_words(a.sentences[0]), 11); // "cross-border" is two words
    }

    #[test]
    fn punctuation_and_case_do_not_change_the_exact_hash() {
        let c = Config::default();
        let p = permutations(c.num_perm);
        let a = doc_record(&doc("Kiev’s “difficult” week.\n"), &c, &p);
        let b = doc_record(&doc("kiev's \"Difficult\"  week\n"), &c, &p);
        assert_eq!(a.exact, b.exact);
    }
}
