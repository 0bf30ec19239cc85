//! Sentences as bags of terms: words lowercased, stop words dropped, stemmed
//! with Snowball, and numbered per document.
//!
//! Terms are 64-bit hashes of stems, so a document needs no string map; a
//! per-thread cache maps a word's hash to its stem's hash, because stemming
//! every word again is most of the cost at batch speed.

use rust_stemmers::{Algorithm as StemAlgorithm, Stemmer};
use std::cell::RefCell;
use textmill_text::hash::{HashMapU64, HashSetU64, hash64, hash64_seeded};

/// A language with a stop-word list and a Snowball stemmer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    name: &'static str,
    code: &'static str,
    stemmer: StemAlgorithm,
}

const LANGUAGES: &[Language] = &[
    lang("english", "en", StemAlgorithm::English),
    lang("french", "fr", StemAlgorithm::French),
    lang("german", "de", StemAlgorithm::German),
    lang("spanish", "es", StemAlgorithm::Spanish),
    lang("italian", "it", StemAlgorithm::Italian),
    lang("portuguese", "pt", StemAlgorithm::Portuguese),
    lang("dutch", "nl", StemAlgorithm::Dutch),
    lang("danish", "da", StemAlgorithm::Danish),
    lang("swedish", "sv", StemAlgorithm::Swedish),
    lang("norwegian", "no", StemAlgorithm::Norwegian),
    lang("finnish", "fi", StemAlgorithm::Finnish),
    lang("hungarian", "hu", StemAlgorithm::Hungarian),
    lang("romanian", "ro", StemAlgorithm::Romanian),
    lang("russian", "ru", StemAlgorithm::Russian),
    lang("turkish", "tr", StemAlgorithm::Turkish),
    lang("greek", "el", StemAlgorithm::Greek),
    lang("arabic", "ar", StemAlgorithm::Arabic),
];

const fn lang(name: &'static str, code: &'static str, stemmer: StemAlgorithm) -> Language {
    Language {
        name,
        code,
        stemmer,
    }
}

impl Language {
    /// Names accepted by [`Language::from_name`].
    pub const NAMES: [&'static str; 17] = [
        "english",
        "french",
        "german",
        "spanish",
        "italian",
        "portuguese",
        "dutch",
        "danish",
        "swedish",
        "norwegian",
        "finnish",
        "hungarian",
        "romanian",
        "russian",
        "turkish",
        "greek",
        "arabic",
    ];

    /// A language by English name (`english`) or ISO 639-1 code (`en`).
    pub fn from_name(name: &str) -> Option<Language> {
        let name = name.trim();
        LANGUAGES
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name) || l.code.eq_ignore_ascii_case(name))
            .copied()
    }
}

type HashedMap<V> = HashMapU64<V>;

/// Stem cache entries kept per thread before it is cleared; news vocabularies
/// stay far below this, and the bound keeps memory flat on odd corpora.
const STEM_CACHE_LIMIT: usize = 1 << 18;

/// Slots of the per-thread hot stem table (256 KiB).
const HOT_SLOTS: usize = 1 << 14;

/// The cached "stem" of a stop word or a one-letter word: not a term.
const STOP: u64 = 0;

/// Per-thread buffers reused across documents (the host calls a stage from
/// several threads; each keeps its own, so no locking and no shared state
/// that could make output depend on thread timing).
#[derive(Default)]
struct Scratch {
    /// Word hash (seeded by language) to stem hash, or [`STOP`].
    stems: HashedMap<u64>,
    /// A direct-mapped copy of recent `stems` entries, `HOT_SLOTS` of them
    /// (allocated on first use): the words a text repeats most are found
    /// here, in a table small enough to stay in cache, while `stems` holds
    /// a corpus's whole vocabulary and most probes of it missed the cache.
    hot: Vec<(u64, u64)>,
    /// Stem hash to the document's term id.
    ids: HashedMap<u32>,
    /// The current word, lowercased.
    word: String,
    /// The current sentence's term ids.
    sentence_ids: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Turns sentences into terms for one language.
pub struct Analyzer {
    stemmer: Stemmer,
    stop: HashSetU64,
    /// Seeds word hashes so that two languages never share cache entries.
    seed: u64,
}

/// The terms of a document's sentences.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DocTerms {
    /// Term ids of all sentences, each sentence's sorted and unique.
    pub terms: Vec<u32>,
    /// How often each term of `terms` occurs in its sentence.
    pub counts: Vec<f32>,
    /// Sentence `s` owns `terms[offsets[s]..offsets[s + 1]]`.
    pub offsets: Vec<usize>,
    /// Content tokens (stop words excluded) per sentence.
    pub lengths: Vec<u32>,
    /// Number of distinct terms in the document.
    pub vocabulary: usize,
}

impl DocTerms {
    /// Number of sentences.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// True when there are no sentences.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Term ids and counts of sentence `s`.
    pub fn sentence(&self, s: usize) -> (&[u32], &[f32]) {
        let r = self.offsets[s]..self.offsets[s + 1];
        (&self.terms[r.clone()], &self.counts[r])
    }
}

/// Word counts of a sentence, for the candidate filter and `max_words`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordCounts {
    /// Runs of letters and digits.
    pub words: usize,
    /// Words that start with a lower-case (or caseless) letter: prose has
    /// them, bylines, time stamps and agency names do not.
    pub lower: usize,
}

/// Count the words of a sentence (see [`WordCounts`]).
pub fn word_counts(text: &str) -> WordCounts {
    if text.is_ascii() {
        return ascii_word_counts(text.as_bytes());
    }
    general_word_counts(text)
}

/// [`word_counts`] of ASCII text: one table look-up per byte and no
/// branch on the bytes (a word starts at a letter or digit after any other byte).
fn ascii_word_counts(bytes: &[u8]) -> WordCounts {
    const ALNUM: u8 = 1;
    const LOWER: u8 = 2;
    const CLASS: [u8; 128] = {
        let mut t = [0u8; 128];
        let mut i = 0;
        while i < 128 {
            let b = i as u8;
            if b.is_ascii_alphanumeric() {
                t[i] = ALNUM;
            }
            if b.is_ascii_lowercase() {
                t[i] |= LOWER;
            }
            i += 1;
        }
        t
    };
    let (mut words, mut lower, mut prev) = (0usize, 0usize, 0u8);
    for &b in bytes {
        let class = CLASS[usize::from(b & 0x7F)];
        let starts = class & !prev & ALNUM;
        words += usize::from(starts);
        lower += usize::from(starts & (class >> 1));
        prev = class;
    }
    WordCounts { words, lower }
}

/// [`word_counts`] of any text, character by character where not ASCII.
fn general_word_counts(text: &str) -> WordCounts {
    let mut c = WordCounts { words: 0, lower: 0 };
    let mut in_word = false;
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // ASCII bytes directly; other characters decoded where they start.
        let (alnum, lower, len) = if b[i] < 0x80 {
            (b[i].is_ascii_alphanumeric(), b[i].is_ascii_lowercase(), 1)
        } else {
            match text.get(i..).and_then(|r| r.chars().next()) {
                Some(ch) => (
                    ch.is_alphanumeric(),
                    ch.is_lowercase() || (ch.is_alphabetic() && !ch.is_uppercase()),
                    ch.len_utf8(),
                ),
                None => (false, false, 1),
            }
        };
        if alnum && !in_word {
            c.words += 1;
            c.lower += usize::from(lower);
        }
        in_word = alnum;
        i += len;
    }
    c
}

impl Analyzer {
    /// The analyzer of a language.
    pub fn new(language: Language) -> Analyzer {
        let words = stop_words::lookup(language.code).unwrap_or(&[]);
        let seed = hash64(language.name.as_bytes());
        let stop = words
            .iter()
            .map(|w| hash64_seeded(w.to_lowercase().as_bytes(), seed))
            .collect();
        Analyzer {
            stemmer: Stemmer::create(language.stemmer),
            stop,
            seed,
        }
    }

    /// Terms of each of `sentences`, numbered within this call.
    pub fn analyze<'a>(&self, sentences: impl IntoIterator<Item = &'a str>) -> DocTerms {
        let mut out = DocTerms {
            offsets: vec![0],
            ..DocTerms::default()
        };
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let Scratch {
                stems,
                hot,
                ids,
                word,
                sentence_ids,
            } = &mut *scratch;
            if stems.len() > STEM_CACHE_LIMIT {
                stems.clear();
            }
            if hot.is_empty() {
                hot.resize(HOT_SLOTS, (0, 0));
            }
            ids.clear();
            for text in sentences {
                sentence_ids.clear();
                let mut term = |token: &str, word: &mut String| {
                    word.clear();
                    if token.is_ascii() {
                        word.push_str(token);
                        word.make_ascii_lowercase();
                    } else {
                        word.extend(token.chars().flat_map(char::to_lowercase));
                    }
                    let key = hash64_seeded(word.as_bytes(), self.seed);
                    // A key of 0 would match an empty slot: it skips the copy.
                    let slot = &mut hot[key as usize % HOT_SLOTS];
                    let stem = if slot.0 == key && key != 0 {
                        slot.1
                    } else {
                        let stem = *stems.entry(key).or_insert_with(|| {
                            // One letter ("s" of "Kiev's", "a") carries no topic.
                            if word.chars().nth(1).is_none() || self.stop.contains(&key) {
                                STOP
                            } else {
                                hash64(self.stemmer.stem(word).as_bytes())
                            }
                        });
                        *slot = (key, stem);
                        stem
                    };
                    if stem != STOP {
                        let next = ids.len() as u32;
                        sentence_ids.push(*ids.entry(stem).or_insert(next));
                    }
                };
                if text.is_ascii() {
                    // The common case: runs of ASCII letters and digits.
                    let b = text.as_bytes();
                    let mut i = 0;
                    while i < b.len() {
                        if !b[i].is_ascii_alphanumeric() {
                            i += 1;
                            continue;
                        }
                        let s = i;
                        while i < b.len() && b[i].is_ascii_alphanumeric() {
                            i += 1;
                        }
                        term(&text[s..i], word);
                    }
                } else {
                    for token in text.split(|c: char| !c.is_alphanumeric()) {
                        if !token.is_empty() {
                            term(token, word);
                        }
                    }
                }
                out.lengths.push(sentence_ids.len() as u32);
                sentence_ids.sort_unstable();
                let mut i = 0;
                while i < sentence_ids.len() {
                    let mut j = i + 1;
                    while j < sentence_ids.len() && sentence_ids[j] == sentence_ids[i] {
                        j += 1;
                    }
                    out.terms.push(sentence_ids[i]);
                    out.counts.push((j - i) as f32);
                    i = j;
                }
                out.offsets.push(out.terms.len());
            }
            out.vocabulary = ids.len();
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english() -> Analyzer {
        Analyzer::new(Language::from_name("english").expect("english is listed"))
    }

    #[test]
    fn stop_words_go_and_inflections_share_a_term() {
        let d = english().analyze(["The markets were rising", "Market rises"]);
        assert_eq!(d.len(), 2);
        assert_eq!(d.lengths, [2, 2]);
        assert_eq!(d.sentence(0).0, d.sentence(1).0);
        assert_eq!(d.vocabulary, 2);
    }

    #[test]
    fn repeated_terms_are_counted_once_with_their_count() {
        let d = english().analyze(["oil oil prices"]);
        assert_eq!(d.sentence(0).1.iter().sum::<f32>(), 3.0);
        assert_eq!(d.sentence(0).0.len(), 2);
    }

    #[test]
    fn ascii_word_counts_are_the_general_counts() {
        let alphabet = b"aZ9 .,'-\tq";
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 24) as usize;
            let text: String = (0..len)
                .map(|k| alphabet[((x >> (k * 2 % 60)) as usize + k) % alphabet.len()] as char)
                .collect();
            assert_eq!(
                ascii_word_counts(text.as_bytes()),
                general_word_counts(&text),
                "{text:?}"
            );
        }
        assert_eq!(
            word_counts("By AP . 14:11 EST, prices rose"),
            WordCounts { words: 7, lower: 2 }
        );
    }

    #[test]
    fn words_sharing_a_hot_slot_keep_their_own_stems() {
        let a = english();
        let slot = |w: &str| hash64_seeded(w.as_bytes(), a.seed) as usize % HOT_SLOTS;
        let mut first_in = HashMapU64::<String>::default();
        let (x, y) = (0..1_000_000)
            .map(|i| format!("zq{i}"))
            .find_map(|w| match first_in.get(&(slot(&w) as u64)) {
                Some(x) => Some((x.clone(), w)),
                None => {
                    first_in.insert(slot(&w) as u64, w);
                    None
                }
            })
            .expect("two words share a slot");
        // Each evicts the other from the slot; a stale entry would merge them.
        let d = a.analyze([format!("{x} {y} {x} {y} {x}").as_str()]);
        assert_eq!(d.sentence(0).0.len(), 2);
        let mut counts = d.sentence(0).1.to_vec();
        counts.sort_by(f32::total_cmp);
        assert_eq!(counts, [2.0, 3.0]);
        assert_eq!(d, a.analyze([format!("{x} {y} {x} {y} {x}").as_str()]));
    }

    #[test]
    fn languages_by_name_or_code() {
        assert!(Language::from_name("EN").is_some());
        assert!(Language::from_name("german").is_some());
        assert!(Language::from_name("klingon").is_none());
        for n in Language::NAMES {
            assert!(Language::from_name(n).is_some(), "{n}");
            let l = Language::from_name(n).map(|l| l.code).unwrap_or_default();
            assert!(stop_words::lookup(l).is_some(), "stop words for {n}");
        }
    }

    #[test]
    fn bylines_and_time_stamps_have_no_lower_case_words() {
        assert_eq!(word_counts("14:11 EST, 25 October 2013 .").lower, 0);
        assert_eq!(word_counts("Associated Press .").lower, 0);
        assert_eq!(
            word_counts("The bishop has exposed church members."),
            WordCounts { words: 6, lower: 5 }
        );
    }
}
