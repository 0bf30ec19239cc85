//! Phrase search over a document's joined keys, word by word.
//!
//! A phrase counts only where it covers whole words of the joined keys (see
//! [`crate::rules`]). Keys are lowercase letters and digits with single
//! spaces between words, and so are the phrases, so a whole-word occurrence
//! is a run of consecutive words equal to the phrase's words. This matcher
//! therefore looks only at words: each word, and each pair of adjacent
//! words, is looked up among the phrases' first words (one-word phrases)
//! and first word pairs (longer ones), and the few candidates are compared
//! byte for byte. Keying longer phrases by a pair matters: their first
//! words include "the", "to" and "in", while their first pairs occur at
//! about one word in forty.
//! It replaced an overlapping aho-corasick search, which walked a
//! several-hundred-kilobyte DFA at every byte and then threw away every
//! match not on word boundaries; that search was the stage's second-largest
//! cost.
//!
//! The words are visited where they are made: while [`crate::prepare::Keys`]
//! builds a page's keys it already reads each word's first 16 bytes and
//! mixes them into a key for the stop-word table, and the same key
//! ([`word_key`]) is the one looked up here ([`PhraseScan`]). Only the few
//! candidate starts are kept, and [`PhraseSet::matches`] compares them once
//! the whole page is written. [`PhraseSet::find`] does all of it over a
//! finished haystack.
//!
//! [`PhraseSet::find`] reports exactly the matches the aho-corasick search
//! kept, in its order: by end, then longest first, then by pattern id (the
//! order of an automaton's match list, own pattern first, then the suffixes
//! its failure links copy). The rule layer lets the first match that covers
//! a line claim it, so the order decides which pack a line is charged to. A
//! unit test checks the two searches agree.

use std::sync::atomic::{AtomicU64, Ordering};
use textmill_text::hash::HashMapU64;
use textmill_text::swar::{for_each_block, load8};

/// Bits of the key filter: a word or pair that starts no phrase (nearly all
/// of them) costs one bit test, no hash-table probe.
const FILTER_BITS: usize = 1 << 16;

/// One phrase match: byte span in the haystack and pattern id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhraseMatch {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Index of the pattern in the list given to [`PhraseSet::new`].
    pub pattern: usize,
}

/// Phrases indexed by their first word (one-word phrases) or first two
/// words (longer ones).
#[derive(Debug, Clone)]
pub struct PhraseSet {
    /// Pattern bytes by id; empty patterns are never indexed.
    patterns: Vec<Box<[u8]>>,
    /// Key of a first word, or of a first word pair → pattern ids.
    index: HashMapU64<Vec<u32>>,
    /// Filter of the first words of phrases: most words miss it, and a
    /// miss costs a bit test instead of a hash-table probe. A word that
    /// starts no longer phrase also spares the pair key and its test.
    words: WordFilter,
    /// Filter of the first word pairs of phrases of two words or more.
    pairs: Filter,
    /// Unique per set: keys scanned for one set are not taken for another's.
    id: u64,
}

/// Source of [`PhraseSet`] ids.
static NEXT_SET_ID: AtomicU64 = AtomicU64::new(1);

/// A word's key from its first 16 bytes as two little-endian halves (zero
/// past the word's end) and its length. The stop-word table is keyed the
/// same way, so the key builder computes it once per word for both.
/// Not injective: the length bits overlap the eighth byte, and longer words
/// are keyed by their first 16 bytes. Here a collision only costs a byte
/// comparison. In the stop-word table it makes a seven-letter stop word
/// followed by `x` ("betweenx") count as a stop word too; that is kept as
/// it is, since the stop-word counts decide which lines go and changing the
/// key would change output.
#[inline]
pub(crate) fn word_key(lo: u64, hi: u64, len: usize) -> u64 {
    let x = lo ^ hi.rotate_left(29) ^ ((len as u64) << 59);
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (x >> 31)
}

/// [`word_key`] of a word given as bytes.
pub(crate) fn word_key_of(w: &[u8]) -> u64 {
    let mut buf = [0u8; 16];
    let n = w.len().min(16);
    buf[..n].copy_from_slice(&w[..n]);
    word_key(load8(&buf), load8(&buf[8..]), w.len())
}

/// Spreads the bits over the top half, where the filter and hashbrown look.
#[inline]
fn mix(x: u64) -> u64 {
    let x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 29)
}

/// Key of a phrase's first two words.
#[inline]
fn pair_key(first: u64, second: u64) -> u64 {
    mix(first.rotate_left(17) ^ second ^ 0x5bd1_e995)
}

/// A one-hash Bloom filter over keys: a few hundred keys in 64K bits let
/// through about one word in two hundred that is not in the set.
#[derive(Debug, Clone)]
struct Filter(Vec<u64>);

impl Filter {
    fn new() -> Filter {
        Filter(vec![0u64; FILTER_BITS / 64])
    }

    /// A key's slot, from its top bits (where `mix` spreads).
    #[inline]
    fn index(key: u64) -> usize {
        (key >> 48) as usize % FILTER_BITS
    }

    /// Word and bit of a key's slot.
    #[inline]
    fn slot(key: u64) -> (usize, u64) {
        let i = Filter::index(key);
        (i / 64, 1u64 << (i % 64))
    }

    fn insert(&mut self, key: u64) {
        let (w, b) = Filter::slot(key);
        self.0[w] |= b;
    }

    #[inline]
    fn may_contain(&self, key: u64) -> bool {
        let (w, b) = Filter::slot(key);
        self.0[w] & b != 0
    }
}

/// A word's filter marks: some one-word phrase has its key.
const ONE_WORD: u64 = 1;
/// A word's filter marks: some longer phrase starts with a word of its key.
const FIRST_WORD: u64 = 2;

/// [`Filter`] with two marks per slot ([`ONE_WORD`], [`FIRST_WORD`]), so one
/// load answers both questions about a word.
#[derive(Debug, Clone)]
struct WordFilter(Vec<u64>);

impl WordFilter {
    fn new() -> WordFilter {
        WordFilter(vec![0u64; FILTER_BITS * 2 / 64])
    }

    /// Word and shift of a key's two bits (the slot `Filter` would use).
    #[inline]
    fn slot(key: u64) -> (usize, u32) {
        let i = Filter::index(key);
        (i / 32, 2 * (i % 32) as u32)
    }

    fn mark(&mut self, key: u64, marks: u64) {
        let (w, shift) = WordFilter::slot(key);
        self.0[w] |= marks << shift;
    }

    /// The marks of a key's slot (a superset of the key's own).
    #[inline]
    fn marks(&self, key: u64) -> u64 {
        let (w, shift) = WordFilter::slot(key);
        (self.0[w] >> shift) & (ONE_WORD | FIRST_WORD)
    }
}

impl PhraseSet {
    /// Index `patterns` (normalised phrases: words of letters and digits
    /// joined by single spaces). Empty patterns never match.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> PhraseSet {
        let mut index: HashMapU64<Vec<u32>> = HashMapU64::default();
        let (mut first_words, mut pairs) = (WordFilter::new(), Filter::new());
        for (id, p) in patterns.iter().enumerate() {
            let mut words = p.as_ref().split(' ').filter(|w| !w.is_empty());
            let Some(first) = words.next() else { continue };
            let k1 = word_key_of(first.as_bytes());
            let key = match words.next() {
                Some(second) => {
                    first_words.mark(k1, FIRST_WORD);
                    let pair = pair_key(k1, word_key_of(second.as_bytes()));
                    pairs.insert(pair);
                    pair
                }
                None => {
                    first_words.mark(k1, ONE_WORD);
                    k1
                }
            };
            index.entry(key).or_default().push(id as u32);
        }
        PhraseSet {
            patterns: patterns
                .iter()
                .map(|p| p.as_ref().as_bytes().into())
                .collect(),
            index,
            words: first_words,
            pairs,
            id: NEXT_SET_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Every whole-word occurrence of a pattern in `hay` (keys joined by
    /// spaces), in the order described in the module docs.
    pub fn find(&self, hay: &[u8], out: &mut Vec<PhraseMatch>) {
        let mut starts = Vec::new();
        let mut scan = self.scan(&mut starts);
        for_each_word(hay, |s, e| scan.word(s, e, word_key_of(&hay[s..e])));
        self.matches(hay, &starts, out);
    }

    /// A scan that collects candidate starts into `starts` (cleared).
    pub(crate) fn scan<'s>(&'s self, starts: &'s mut Vec<(usize, u64)>) -> PhraseScan<'s> {
        starts.clear();
        PhraseScan {
            set: self,
            prev: None,
            starts,
        }
    }

    /// The matches at the candidate starts a [`PhraseScan`] of `hay`
    /// collected, in the order described in the module docs.
    pub(crate) fn matches(&self, hay: &[u8], starts: &[(usize, u64)], out: &mut Vec<PhraseMatch>) {
        out.clear();
        for &(s, key) in starts {
            self.candidates(hay, s, key, out);
        }
        // End first, then longest, then pattern id: the automaton's order.
        out.sort_unstable_by_key(|m| (m.end, usize::MAX - (m.end - m.start), m.pattern));
    }

    /// This set's id, which a scan's keys carry ([`crate::prepare::Keys`]).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Patterns under `key` that occur at `s` as whole words.
    #[inline(never)]
    fn candidates(&self, hay: &[u8], s: usize, key: u64, out: &mut Vec<PhraseMatch>) {
        let Some(ids) = self.index.get(&key) else {
            return;
        };
        for &id in ids {
            let p = &self.patterns[id as usize];
            let e = s + p.len();
            // The word boundary after it first: most candidates fail there,
            // before any byte comparison.
            let ends_a_word = match hay.get(e) {
                Some(&b) => b == b' ',
                None => e == hay.len(),
            };
            if ends_a_word && hay[s..e] == p[..] {
                out.push(PhraseMatch {
                    start: s,
                    end: e,
                    pattern: id as usize,
                });
            }
        }
    }
}

/// The phrase search fed one word at a time, in order, by whoever walks
/// the haystack's words: it keeps the starts where a phrase may begin.
pub(crate) struct PhraseScan<'s> {
    set: &'s PhraseSet,
    /// The previous word's start, end and key, when a phrase may start with it.
    prev: Option<(usize, usize, u64)>,
    starts: &'s mut Vec<(usize, u64)>,
}

impl PhraseScan<'_> {
    /// The next word: `hay[s..e]`, with its [`word_key`] `k`.
    #[inline]
    pub(crate) fn word(&mut self, s: usize, e: usize, k: u64) {
        let marks = self.set.words.marks(k);
        if marks & ONE_WORD != 0 {
            self.starts.push((s, k));
        }
        // A pair is two words with one space between: a blank line's
        // double space ends a phrase.
        if let Some((ps, pe, pk)) = self.prev {
            let pair = pair_key(pk, k);
            if pe + 1 == s && self.set.pairs.may_contain(pair) {
                self.starts.push((ps, pair));
            }
        }
        self.prev = (marks & FIRST_WORD != 0).then_some((s, e, k));
    }
}

/// Call `f(start, end)` for each non-empty space-separated word of `hay`.
/// Spaces are found 64 bytes at a time as one bit mask, so the loop over a
/// block's words ends (a branch the predictor misses) once per 64 bytes
/// rather than once per eight.
#[inline]
pub(crate) fn for_each_word(hay: &[u8], mut f: impl FnMut(usize, usize)) {
    let mut start = 0usize;
    for_each_block(hay, b' ', b' ', |base, mut spaces| {
        while spaces != 0 {
            let at = base + spaces.trailing_zeros() as usize;
            if at > start {
                f(start, at);
            }
            start = at + 1;
            spaces &= spaces - 1;
        }
    });
    if hay.len() > start {
        f(start, hay.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_the_space_separated_runs() {
        let mut x: u64 = 0x1234_5678_9ABC_DEF1;
        for len in 0..300 {
            let hay: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if x.is_multiple_of(4) {
                        b' '
                    } else {
                        b'a' + (x >> 9) as u8 % 26
                    }
                })
                .collect();
            let mut found = Vec::new();
            for_each_word(&hay, |s, e| found.push((s, e)));
            let mut expected = Vec::new();
            let mut s = 0;
            for (i, &b) in hay.iter().enumerate().chain([(hay.len(), &b' ')]) {
                if b == b' ' {
                    if i > s {
                        expected.push((s, i));
                    }
                    s = i + 1;
                }
            }
            assert_eq!(found, expected, "{:?}", String::from_utf8_lossy(&hay));
        }
    }
    use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

    /// The search this module replaced: overlapping aho-corasick, whole words kept.
    fn reference(patterns: &[String], hay: &str) -> Vec<PhraseMatch> {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(patterns)
            .expect("builds");
        let b = hay.as_bytes();
        ac.find_overlapping_iter(hay)
            .filter(|m| {
                let (s, e) = (m.start(), m.end());
                m.start() < m.end()
                    && (s == 0 || b[s - 1] == b' ')
                    && (e == b.len() || b[e] == b' ')
            })
            .map(|m| PhraseMatch {
                start: m.start(),
                end: m.end(),
                pattern: m.pattern().as_usize(),
            })
            .collect()
    }

    fn find(patterns: &[String], hay: &str) -> Vec<PhraseMatch> {
        let set = PhraseSet::new(patterns);
        let mut out = Vec::new();
        set.find(hay.as_bytes(), &mut out);
        out
    }

    #[test]
    fn spaces_are_found_exactly() {
        let spans = |hay: &[u8]| {
            let mut w = Vec::new();
            for_each_word(hay, |s, e| w.push((s, e)));
            w
        };
        assert_eq!(
            spans(b"ab  cdefghij k lmnopqrstu "),
            vec![(0, 2), (4, 12), (13, 14), (15, 25)]
        );
        assert!(spans(b"").is_empty());
        // Bytes one bit away from a space are not spaces.
        assert_eq!(
            spans(&[0x21, 0xA0, 0x60, 0x00, 0x30, 0x20, 0x22, 0x28, 0x24]),
            vec![(0, 5), (6, 9)]
        );
    }

    /// A small xorshift: `next(n)` is below `n`.
    fn rng(mut x: u64) -> impl FnMut(u64) -> usize {
        move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n) as usize
        }
    }

    /// Nested, overlapping, duplicated and suffix-sharing phrases over a
    /// small vocabulary, so matches pile up at the same ends; and a haystack.
    fn random_cases() -> Vec<(Vec<String>, String)> {
        let vocab = [
            "a", "b", "ab", "ba", "read", "more", "the", "story", "é", "x1",
        ];
        let mut next = rng(0x9E37_79B9_7F4A_7C15);
        (0..300)
            .map(|round| {
                let mut patterns: Vec<String> = (0..1 + next(12))
                    .map(|_| {
                        (0..1 + next(3))
                            .map(|_| vocab[next(vocab.len() as u64)])
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect();
                if round % 7 == 0 {
                    patterns.push(patterns[0].clone());
                    patterns.push(String::new());
                }
                let hay: String = (0..next(60))
                    .map(|_| match next(12) {
                        0 => "",
                        _ => vocab[next(vocab.len() as u64)],
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                (patterns, hay)
            })
            .collect()
    }

    #[test]
    fn matches_equal_the_overlapping_automaton_in_order() {
        for (patterns, hay) in random_cases() {
            assert_eq!(
                find(&patterns, &hay),
                reference(&patterns, &hay),
                "{patterns:?} in {hay:?}"
            );
        }
    }

    #[test]
    fn builtin_phrases_on_the_seed_page() {
        let mut patterns = Vec::new();
        for (name, text) in crate::rules::BUILTIN_PACKS {
            let p = crate::rules::Pack::parse(text, name).expect("parses");
            for ph in p.phrases.iter().chain(&p.short_phrases) {
                patterns.push(textmill_text::normalize::normalize_for_match(ph));
            }
        }
        let seed = include_str!("../tests_fixtures/menafn-kursk.txt");
        let ls = textmill_text::lines::lines(seed);
        let keys = crate::prepare::Keys::new(&ls, seed.len());
        let found = find(&patterns, &keys.joined);
        assert!(!found.is_empty());
        assert_eq!(found, reference(&patterns, &keys.joined));
    }
}
