//! Sentence splitting for news text, with byte spans.
//!
//! Every line break is a sentence boundary (news text after cleaning is a
//! headline line and one paragraph per line). Inside a line a boundary is a
//! run of terminal punctuation (`.`, `!`, `?`, `…`), optional closing quotes
//! or brackets, whitespace, and then an optional opening quote or bracket and
//! an upper-case letter or a digit. A single `.` after an abbreviation
//! (`Mr.`, `Jan.`, `Corp.`), an initial (`George W. Bush`) or a dotted
//! acronym (`U.S.`, `p.m.`) is not a boundary, except that an initial or
//! acronym followed by a common sentence opener (`U.S. The ...`) is.
//!
//! The rule is the one of the summarization scorer's splitter
//! (`shared/eval/summarization/rouge_eval.py`), so that the units a summarizer
//! picks line up with reference sentences; its known miss (`in the U.S. The`)
//! is fixed here. Decimals and prices (`$1.13bn`) never split because no space
//! follows the point; a dateline (`LONDON (Reuters) -`) has no terminal
//! punctuation and stays inside its first sentence; the layout debris of
//! CNN/DailyMail (`By . Associated Press .`) splits after each ` .`.
//!
//! ```
//! use textmill_text::sentences::sentences;
//! let t = "Mr. Smith paid $1.13bn in the U.S. on Jan. 5. Shares rose.";
//! let s: Vec<&str> = sentences(t).iter().map(|s| s.text).collect();
//! assert_eq!(s, ["Mr. Smith paid $1.13bn in the U.S. on Jan. 5.", "Shares rose."]);
//! ```

use crate::lines::lines;
use std::ops::Range;

/// One sentence: its text (trimmed, never empty) and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence<'a> {
    /// Sentence number in the text, 0-based.
    pub index: usize,
    /// The sentence, without surrounding whitespace; a slice of the input.
    pub text: &'a str,
    /// Byte offset of the sentence's first byte in the whole text.
    pub start: usize,
    /// Index of the line (as numbered by [`crate::lines::lines`]) holding it.
    pub line: usize,
}

impl Sentence<'_> {
    /// Byte span of the sentence in the whole text.
    pub fn span(&self) -> Range<usize> {
        self.start..self.start + self.text.len()
    }
}

/// Words that end with a period but usually do not end a sentence
/// (lowercase, without the period). The scorer's list plus a few news titles.
const ABBREVIATIONS: &[&str] = &[
    "adm", "ave", "apr", "approx", "aug", "blvd", "capt", "cmdr", "co", "col", "corp", "dec",
    "dept", "dr", "est", "etc", "feb", "fig", "ft", "gen", "gov", "hon", "inc", "jan", "jr", "jul",
    "jun", "lt", "ltd", "mar", "messrs", "mr", "mrs", "ms", "mt", "no", "nos", "nov", "oct", "pt",
    "plc", "prof", "rd", "rep", "rev", "sen", "sep", "sept", "sgt", "sr", "st", "v", "vol", "vs",
];

/// Capitalised words that open a sentence far more often than they follow
/// `U.S.` inside one; after a dotted acronym they mark a boundary.
const OPENERS: &[&str] = &[
    "A", "But", "He", "Her", "His", "I", "In", "It", "Its", "Mr", "Mrs", "Ms", "She", "That",
    "The", "Their", "There", "These", "They", "This", "We", "What", "When", "While", "You",
];

fn is_closing(c: char) -> bool {
    matches!(c, '"' | '\'' | '\u{201d}' | '\u{2019}' | ')' | ']')
}

fn is_opening(c: char) -> bool {
    matches!(c, '"' | '\'' | '\u{201c}' | '\u{2018}' | '(' | '[' | '`')
}

/// What a single `.` ends: the last word of `before` (the text of the
/// sentence so far, up to the period).
enum WordKind {
    /// A known abbreviation: never a boundary.
    Abbreviation,
    /// A single-letter initial (`W.`, `hepatitis A.`) or a dotted acronym
    /// (`U.S`, `e.g`): a boundary only before an opener.
    Acronym,
    /// Anything else: a boundary.
    Word,
}

fn word_before_period(before: &str) -> WordKind {
    if before.is_empty() || before.ends_with(char::is_whitespace) {
        // Tokenized text (" . "): the period stands alone and ends the sentence.
        return WordKind::Word;
    }
    let word = before
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or(before)
        .trim_start_matches(is_opening);
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && c.is_alphabetic()
    {
        return WordKind::Acronym;
    }
    if ABBREVIATIONS
        .iter()
        .any(|a| a.len() == word.len() && a.eq_ignore_ascii_case(word))
    {
        return WordKind::Abbreviation;
    }
    // "u.s", "e.g", "p.m": single letters joined by dots.
    let dotted = word.len() >= 3
        && word.split('.').all(|p| {
            let mut cs = p.chars();
            matches!((cs.next(), cs.next()), (Some(c), None) if c.is_alphabetic())
        });
    if dotted {
        WordKind::Acronym
    } else {
        WordKind::Word
    }
}

/// Split `text` into sentences (see the module doc for the rule).
pub fn sentences(text: &str) -> Vec<Sentence<'_>> {
    let mut out = Vec::new();
    for line in lines(text) {
        split_line(line.text, line.start, line.index, &mut out);
    }
    out
}

fn push<'a>(
    out: &mut Vec<Sentence<'a>>,
    line: &'a str,
    from: usize,
    to: usize,
    base: usize,
    li: usize,
) {
    let piece = &line[from..to];
    let trimmed = piece.trim_start();
    let lead = piece.len() - trimmed.len();
    let trimmed = trimmed.trim_end();
    if !trimmed.is_empty() {
        out.push(Sentence {
            index: out.len(),
            text: trimmed,
            start: base + from + lead,
            line: li,
        });
    }
}

/// Byte length of a terminal mark (`.`, `!`, `?`, `…`) at `i`, or 0.
fn terminal_len(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'.' | b'!' | b'?') => 1,
        Some(0xE2) if b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0xA6) => 3,
        _ => 0,
    }
}

/// Byte length of the character at `i` when `pred` holds for it, or 0.
fn char_len_if(line: &str, i: usize, pred: fn(char) -> bool) -> usize {
    match line.get(i..).and_then(|r| r.chars().next()) {
        Some(c) if pred(c) => c.len_utf8(),
        _ => 0,
    }
}

fn split_line<'a>(line: &'a str, base: usize, li: usize, out: &mut Vec<Sentence<'a>>) {
    let b = line.as_bytes();
    let mut start = 0; // byte offset of the current sentence in `line`
    let mut i = 0;
    // Bytes are scanned directly: terminal marks are ASCII or start with 0xE2,
    // which never occurs inside another character's encoding, so every stop
    // below is on a character boundary. The scans for them are vectorised
    // (memchr); the next 0xE2 is remembered, as it is rare.
    let mut next_e2 = memchr::memchr(0xE2, b);
    while i < b.len() {
        if next_e2.is_some_and(|e| e < i) {
            next_e2 = memchr::memchr(0xE2, &b[i..]).map(|e| e + i);
        }
        let ascii = memchr::memchr3(b'.', b'!', b'?', &b[i..]).map(|p| p + i);
        i = match (ascii, next_e2) {
            (Some(a), Some(e)) => a.min(e),
            (Some(a), None) => a,
            (None, Some(e)) => e,
            (None, None) => break,
        };
        if terminal_len(b, i) == 0 {
            i += 1;
            continue;
        }
        let punct_start = i;
        let mut marks = 0;
        while let t @ 1.. = terminal_len(b, i) {
            i += t;
            marks += 1;
        }
        while let t @ 1.. = char_len_if(line, i, is_closing) {
            i += t;
        }
        let end = i;
        // Whitespace, then the next sentence's first letter.
        let mut j = i;
        while let t @ 1.. = char_len_if(line, j, char::is_whitespace) {
            j += t;
        }
        if j == i || j == b.len() {
            continue; // "$1.13bn", "U.S.-led", or the end of the line
        }
        let mut k = j;
        while let t @ 1.. = char_len_if(line, k, is_opening) {
            k += t;
        }
        // Tokenized text puts a space after an opening quote.
        if k > j && b.get(k) == Some(&b' ') {
            k += 1;
        }
        let Some(next) = line[k..].chars().next() else {
            continue;
        };
        if !(next.is_uppercase() || next.is_ascii_digit()) {
            continue;
        }
        if marks == 1 && b[punct_start] == b'.' {
            match word_before_period(&line[start..punct_start]) {
                WordKind::Abbreviation => continue,
                WordKind::Acronym => {
                    let word = line[k..]
                        .split(|c: char| !c.is_alphanumeric())
                        .next()
                        .unwrap_or("");
                    if !OPENERS.contains(&word) {
                        continue;
                    }
                }
                WordKind::Word => {}
            }
        }
        push(out, line, start, end, base, li);
        start = j;
        i = j;
    }
    push(out, line, start, line.len(), base, li);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(t: &str) -> Vec<&str> {
        sentences(t).iter().map(|s| s.text).collect()
    }

    #[test]
    fn abbreviations_initials_and_acronyms_do_not_split() {
        assert_eq!(
            split(
                "Mr. Blair met Dr. Rice and George W. Bush on Jan. 5 in Washington. Then he left."
            ),
            [
                "Mr. Blair met Dr. Rice and George W. Bush on Jan. 5 in Washington.",
                "Then he left."
            ]
        );
        assert_eq!(
            split("Sales in the U.S. Midwest rose. Prices fell."),
            ["Sales in the U.S. Midwest rose.", "Prices fell."]
        );
    }

    #[test]
    fn an_acronym_before_a_sentence_opener_ends_the_sentence() {
        assert_eq!(
            split("Shares fell in the U.S. The euro rose."),
            ["Shares fell in the U.S.", "The euro rose."]
        );
        assert_eq!(
            split("He has hepatitis A. The state warned."),
            ["He has hepatitis A.", "The state warned."]
        );
    }

    #[test]
    fn decimals_and_prices_stay_whole() {
        assert_eq!(
            split("Profits jumped 76% to $1.13bn (£600m). Sales rose 2.5% to 3.2m units."),
            [
                "Profits jumped 76% to $1.13bn (£600m).",
                "Sales rose 2.5% to 3.2m units."
            ]
        );
    }

    #[test]
    fn quotes_and_brackets_stay_with_their_sentence() {
        assert_eq!(
            split("\"We are strong,\" he said. \"It worked.\" (Not all agreed.) Others left."),
            [
                "\"We are strong,\" he said.",
                "\"It worked.\"",
                "(Not all agreed.)",
                "Others left."
            ]
        );
        assert_eq!(
            split("\u{201c}Why?\u{201d} he asked. \u{201c}Because.\u{201d} She smiled."),
            [
                "\u{201c}Why?\u{201d} he asked.",
                "\u{201c}Because.\u{201d}",
                "She smiled."
            ]
        );
    }

    #[test]
    fn ellipses_split_before_a_capital_only() {
        assert_eq!(
            split("He waited... and waited... Then it came. Wait… Now."),
            [
                "He waited... and waited...",
                "Then it came.",
                "Wait…",
                "Now."
            ]
        );
    }

    #[test]
    fn headlines_and_datelines_without_full_stops() {
        let t = "Ad sales boost Time Warner profit\n\nLONDON (Reuters) - Profits rose. Shares fell";
        assert_eq!(
            split(t),
            [
                "Ad sales boost Time Warner profit",
                "LONDON (Reuters) - Profits rose.",
                "Shares fell"
            ]
        );
        assert_eq!(sentences(t)[0].line, 0);
        assert_eq!(sentences(t)[1].line, 2);
    }

    #[test]
    fn non_ascii_text_around_the_marks_keeps_char_boundaries() {
        assert_eq!(
            split("Le café a fermé… Ça coûte €1.5bn. \u{00a0}Übermorgen kommt er! Ok"),
            [
                "Le café a fermé…",
                "Ça coûte €1.5bn.",
                "Übermorgen kommt er!",
                "Ok"
            ]
        );
    }

    #[test]
    fn every_line_break_is_a_boundary() {
        assert_eq!(
            split("one\ntwo three\r\nfour"),
            ["one", "two three", "four"]
        );
    }

    #[test]
    fn tokenized_layout_debris_splits_at_each_lone_period() {
        assert_eq!(
            split(
                "By . Associated Press . PUBLISHED: . 14:11 EST, 25 October 2013 . The bishop spoke ."
            ),
            [
                "By .",
                "Associated Press .",
                "PUBLISHED: .",
                "14:11 EST, 25 October 2013 .",
                "The bishop spoke ."
            ]
        );
    }

    #[test]
    fn spans_point_into_the_text_and_empty_text_has_no_sentences() {
        let t = "  First one.   Second one!\n\n  Third?  ";
        let s = sentences(t);
        assert_eq!(s.len(), 3);
        for (i, x) in s.iter().enumerate() {
            assert_eq!(&t[x.span()], x.text);
            assert_eq!(x.index, i);
        }
        assert!(sentences("").is_empty());
        assert!(sentences(" \n\n ").is_empty());
    }

    #[test]
    fn lowercase_after_a_period_does_not_split() {
        assert_eq!(
            split("It cost 5 p.m. prices. e.g. this one."),
            ["It cost 5 p.m. prices. e.g. this one."]
        );
    }
}
