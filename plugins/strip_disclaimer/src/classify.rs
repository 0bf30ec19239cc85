//! The line classifier: text-only features in the spirit of jusText
//! (Pomikálek 2011), for what neither rules nor recurrence catch.
//!
//! ## Features (per line)
//! - `words`: words of the normalised line.
//! - `stop_density`: share of words that are English function words
//!   (`rules/stopwords-en.txt`). Prose sits around 0.35–0.5; menus, lists and
//!   headlines below 0.2. jusText's own thresholds are 0.30/0.32.
//! - `terminal`: the line ends in `.`, `!`, `?` or `…` (closing quotes and
//!   brackets skipped).
//! - `cap_share`: share of alphabetic words that start with a capital;
//!   title-cased menus and link lists are near 1.0.
//! - `symbol_share`: share of non-space characters that are neither letters,
//!   digits nor ordinary prose punctuation (`|`, `»`, `•`, `©`, `→`...).
//!
//! ## Score
//! `score = 0.45·min(1, max(0, words − 3) / 17) + 0.30·min(1, stop_density / 0.4)
//!        + 0.25·terminal − 0.25·max(0, (cap_share − 0.5) / 0.5) − 0.5·min(1, 5·symbol_share)`
//!
//! A 20-word sentence of ordinary prose scores 1.0; a title-cased menu line
//! scores below 0.3. Classes (jusText's names): lines under
//! [`SHORT_WORDS`] words are `Short` unless symbol-heavy (`Bad`), otherwise
//! `Good` at score ≥ [`GOOD_SCORE`], `NearGood` at ≥ [`BAD_SCORE`], `Bad`
//! below. [`resolve_context`] then decides `Short` and `NearGood` lines from
//! their neighbours, as jusText's context-sensitive pass does.

use crate::lang::{Script, ScriptCounts};

use std::sync::OnceLock;
use textmill_text::hash::{HashSetU64, hash64};

/// Lines with fewer words than this are decided by their neighbours.
pub const SHORT_WORDS: usize = 8;
/// Score at or above which a long line is good prose.
pub const GOOD_SCORE: f32 = 0.7;
/// Score below which a line is bad (menu, list, credit).
pub const BAD_SCORE: f32 = 0.45;

/// Class of a line before and after the context pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Prose.
    Good,
    /// Probably prose; decided by neighbours.
    NearGood,
    /// Too short to judge alone; decided by neighbours.
    Short,
    /// Not prose (or named boilerplate by a rule or the learned layer).
    Bad,
    /// Empty line; skipped by the context pass.
    Blank,
}

impl Class {
    /// Name used in explain output.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Good => "good",
            Class::NearGood => "neargood",
            Class::Short => "short",
            Class::Bad => "bad",
            Class::Blank => "blank",
        }
    }
}

/// Features of one line (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Features {
    /// Words in the normalised line.
    pub words: usize,
    /// Share of function words.
    pub stop_density: f32,
    /// Ends in terminal punctuation.
    pub terminal: bool,
    /// Share of capitalised alphabetic words.
    pub cap_share: f32,
    /// Share of symbol characters among non-space characters.
    pub symbol_share: f32,
    /// Script of most of the line's letters (which language judges it).
    pub script: Script,
}

/// `part / whole`, or 0 for an empty whole (a line without words or letters).
#[inline]
pub(crate) fn share(part: usize, whole: usize) -> f32 {
    if whole == 0 {
        0.0
    } else {
        part as f32 / whole as f32
    }
}

/// The English function words of `rules/stopwords-en.txt`.
pub fn stopword_list() -> impl Iterator<Item = &'static str> {
    include_str!("../rules/stopwords-en.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(str::split_whitespace)
}

fn stopwords() -> &'static HashSetU64 {
    static SET: OnceLock<HashSetU64> = OnceLock::new();
    SET.get_or_init(|| stopword_list().map(|w| hash64(w.as_bytes())).collect())
}

/// Ends in `.`, `!`, `?` or `…`, closing quotes and brackets skipped.
pub fn is_terminal(trimmed: &str) -> bool {
    trimmed
        .trim_end_matches(['"', '\'', '”', '’', ')', ']', '»', '*'])
        .ends_with(['.', '!', '?', '…'])
}

/// Compute the features of a line from its original text and normalised key.
pub fn features(raw: &str, key: &str) -> Features {
    let stops = stopwords();
    let mut words = 0usize;
    let mut stop = 0usize;
    for w in key.split(' ') {
        if w.is_empty() {
            continue;
        }
        words += 1;
        // Function words are short; skip hashing long words.
        if w.len() <= 10 && stops.contains(&hash64(w.as_bytes())) {
            stop += 1;
        }
    }
    let raw = raw.trim();
    let mut alpha_words = 0usize;
    let mut caps = 0usize;
    let mut nonspace = 0usize;
    let mut symbols = 0usize;
    let mut at_word_start = true;
    let mut scripts = ScriptCounts::default();
    for c in raw.chars() {
        if c.is_whitespace() {
            at_word_start = true;
            continue;
        }
        nonspace += 1;
        if c.is_alphabetic() {
            scripts.add(
                if c.is_ascii() {
                    Script::Latin
                } else {
                    Script::of(c)
                },
                1,
            );
            if at_word_start {
                alpha_words += 1;
                if c.is_uppercase() {
                    caps += 1;
                }
            }
        } else if !c.is_numeric() && !is_prose_punct(c) {
            symbols += 1;
        }
        at_word_start = false;
    }
    let terminal = is_terminal(raw);
    Features {
        words,
        stop_density: share(stop, words),
        terminal,
        cap_share: share(caps, alpha_words),
        symbol_share: share(symbols, nonspace),
        script: scripts.dominant(),
    }
}

/// Ordinary prose punctuation: not counted as a symbol.
pub fn is_prose_punct(c: char) -> bool {
    matches!(
        c,
        '.' | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | '\''
            | '"'
            | '('
            | ')'
            | '-'
            | '–'
            | '—'
            | '’'
            | '‘'
            | '“'
            | '”'
            | '%'
            | '$'
            | '£'
            | '€'
            | '&'
            | '/'
            | '…'
            // German opening quotes („…“); guillemets stay symbols, as
            // breadcrumbs and "« Previous" links use them.
            | '„'
            | '‚'
            // CJK and Arabic punctuation: prose in those scripts.
            | '，'
            | '。'
            | '、'
            | '：'
            | '；'
            | '！'
            | '？'
            | '（'
            | '）'
            | '「'
            | '」'
            | '《'
            | '》'
            | '،'
            | '؛'
            | '؟'
    )
}

/// The classifier score of a line (module docs give the formula).
pub fn score(f: &Features) -> f32 {
    let len = ((f.words as f32 - 3.0).max(0.0) / 17.0).min(1.0);
    let sd = (f.stop_density / 0.4).min(1.0);
    let punct = if f.terminal { 1.0 } else { 0.0 };
    let cap = if f.words >= 3 {
        ((f.cap_share - 0.5) / 0.5).max(0.0)
    } else {
        0.0
    };
    let sym = (f.symbol_share * 5.0).min(1.0);
    0.45 * len + 0.30 * sd + 0.25 * punct - 0.25 * cap - 0.5 * sym
}

/// The class of a line on its own.
pub fn classify(f: &Features, score: f32) -> Class {
    if f.words == 0 {
        return Class::Blank;
    }
    if f.symbol_share >= 0.2 {
        return Class::Bad;
    }
    if f.words < SHORT_WORDS {
        return Class::Short;
    }
    if score >= GOOD_SCORE {
        Class::Good
    } else if score >= BAD_SCORE {
        Class::NearGood
    } else {
        Class::Bad
    }
}

/// jusText's context pass: `Short` lines take the class of their nearest
/// decided neighbours (good on both sides: good; bad on both sides or at an
/// edge: bad; mixed: near-good), then near-good lines become good when a
/// neighbour is good. Blank lines are skipped; document edges count as bad.
pub fn resolve_context(classes: &mut [Class]) {
    let n = classes.len();
    let decided = |c: Class| matches!(c, Class::Good | Class::Bad | Class::NearGood);
    let as_gb = |c: Class| {
        if c == Class::Good {
            Class::Good
        } else {
            Class::Bad
        }
    };
    // Nearest decided neighbour on each side, for every line (two sweeps).
    let mut prev = vec![Class::Bad; n];
    let mut last = Class::Bad;
    for i in 0..n {
        prev[i] = last;
        if decided(classes[i]) {
            last = classes[i];
        }
    }
    let mut next = vec![Class::Bad; n];
    let mut last = Class::Bad;
    for i in (0..n).rev() {
        next[i] = last;
        if decided(classes[i]) {
            last = classes[i];
        }
    }
    for i in 0..n {
        if classes[i] == Class::Short {
            let (p, q) = (as_gb(prev[i]), as_gb(next[i]));
            classes[i] = match (p, q) {
                (Class::Good, Class::Good) => Class::Good,
                (Class::Bad, Class::Bad) => Class::Bad,
                _ => Class::NearGood,
            };
        }
    }
    // Near-good lines look at the nearest good-or-bad lines.
    let gb = |c: Class| matches!(c, Class::Good | Class::Bad);
    let mut prev = vec![Class::Bad; n];
    let mut last = Class::Bad;
    for i in 0..n {
        prev[i] = last;
        if gb(classes[i]) {
            last = classes[i];
        }
    }
    let mut last = Class::Bad;
    for i in (0..n).rev() {
        let next = last;
        if gb(classes[i]) {
            last = classes[i];
        }
        if classes[i] == Class::NearGood {
            classes[i] = if prev[i] == Class::Good || next == Class::Good {
                Class::Good
            } else {
                Class::Bad
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use textmill_text::normalize::normalize_for_match;

    fn f(raw: &str) -> Features {
        features(raw, &normalize_for_match(raw))
    }

    #[test]
    fn prose_is_good_and_menus_are_bad() {
        let prose = f(
            "The company said it would cut 500 jobs over the next two years as demand for its products fell.",
        );
        assert_eq!(classify(&prose, score(&prose)), Class::Good);
        let menu = f("Home | World | Business | Sport | Culture | Travel | Weather | Video");
        assert_eq!(classify(&menu, score(&menu)), Class::Bad);
        let title = f("Terms Of Use Privacy Policy Contact Us About Us Careers Advertise With Us");
        assert_eq!(classify(&title, score(&title)), Class::Bad);
    }

    #[test]
    fn features_count_stop_words_capitals_and_terminal_punctuation() {
        let x = f("He said “it is over.”");
        assert!(x.terminal);
        assert_eq!(x.words, 5);
        // he, said, it, is, over
        assert!((x.stop_density - 1.0).abs() < 1e-6, "{x:?}");
        assert!(!f("Kiev refuses Putin’s suggestion").terminal);
        assert!((f("Kiev Refuses Putin").cap_share - 1.0).abs() < 1e-6);
    }

    #[test]
    fn short_lines_take_the_class_of_their_neighbours() {
        use Class::*;
        let mut c = vec![Good, Short, Good, Bad, Short, Bad, Short];
        resolve_context(&mut c);
        assert_eq!(c, vec![Good, Good, Good, Bad, Bad, Bad, Bad]);
        let mut c = vec![Good, Blank, NearGood, Bad, Short, Good];
        resolve_context(&mut c);
        assert_eq!(c, vec![Good, Blank, Good, Bad, Good, Good]);
    }
}
