//! Normalisation for comparing text: two strings that a reader would call
//! the same line (different quotes, case, spacing, punctuation, full-width
//! forms) get the same key.

use crate::swar::{HIGH, ONES, at_least, equal_to, load8_at};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// The comparison key of a text: NFKC, lowercase, punctuation and symbols
/// removed, whitespace runs collapsed to one space, trimmed.
///
/// Letters and digits of every script are kept, so non-Latin text still has a key.
pub fn normalize_for_match(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out);
    out
}

/// Append the key of `text` (what [`normalize_for_match`] returns) to `out`,
/// for callers that keep many keys in one buffer.
pub fn normalize_into(text: &str, out: &mut String) {
    // NFKC is the identity on ASCII and on text whose every character passes
    // the quick check (curly quotes and dashes do); only the rest goes
    // through the normaliser's decompose-and-recompose buffering.
    if text.is_ascii() {
        let start = out.len();
        push_ascii_key(text.as_bytes(), out, start, &mut false);
    } else if is_nfkc_quick(NonAscii(text)) == IsNormalized::Yes {
        normalize_nfkc(text, out);
    } else {
        normalize_chars(text.nfkc(), out);
    }
}

/// The non-ASCII characters of a text. Enough for the NFKC quick check:
/// ASCII characters are NFKC and combine with nothing, so leaving them out
/// can only turn a "yes" into a "maybe" (canonical order is then checked
/// across fewer starters), never the reverse.
struct NonAscii<'a>(&'a str);

impl Iterator for NonAscii<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        // The position starts a character: only ASCII bytes (each a whole
        // character) were skipped.
        let at = self.0.bytes().position(|b| b >= 0x80)?;
        let c = self.0[at..].chars().next()?;
        self.0 = &self.0[at + c.len_utf8()..];
        Some(c)
    }
}

/// What an ASCII byte adds to a key: itself lowercased (letters and
/// digits), a word break (whitespace and separating punctuation), or nothing.
const ASCII_KEY: [u8; 128] = ascii_key_table();
/// [`ascii_class`] of a word break; letters and digits are above it.
pub const BREAK: u8 = 1;

const fn ascii_key_table() -> [u8; 128] {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else if matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
            || is_separator_punct(c as char)
        {
            BREAK
        } else {
            0
        };
        b += 1;
    }
    table
}

/// The key of a text already in NFKC: [`normalize_chars`] over its
/// characters, with runs of ASCII taken by [`push_ascii_key`].
fn normalize_nfkc(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    let start = out.len();
    let mut pending_space = false;
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..]
            .iter()
            .position(|&b| b >= 0x80)
            .map_or(bytes.len(), |n| i + n);
        push_ascii_key(&bytes[i..run], out, start, &mut pending_space);
        i = run;
        if let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) {
            push_key_char(c, out, start, &mut pending_space);
            i += c.len_utf8();
        }
    }
}

/// [`push_key_char`] for a run of ASCII bytes, through [`ascii_key_padded`].
fn push_ascii_key(bytes: &[u8], out: &mut String, start: usize, pending_space: &mut bool) {
    // A space is due before the run's first word when a break came after
    // the key's last word, before the run or at its start (ahead of any
    // word); `ascii_key_padded` itself never starts with one.
    let first_is_break = bytes
        .iter()
        .map(|&b| ascii_class(b))
        .find(|&c| c != 0)
        .is_some_and(|c| c == BREAK);
    let lead = (*pending_space || first_is_break) && out.len() > start;
    // SAFETY: `bytes` is ASCII (callers pass an ASCII text or a run of one),
    // and `ascii_key_padded` writes only key bytes of ASCII input, which are
    // ASCII, and zeroed slack that is cut off below; the space is ASCII. So
    // `out` stays UTF-8.
    let v = unsafe { out.as_mut_vec() };
    if lead {
        v.push(b' ');
    }
    let at = v.len();
    let k = ascii_key_padded(bytes, v);
    v.truncate(at + k);
    if k == 0 {
        if lead {
            v.pop();
        }
        *pending_space |= bytes.iter().any(|&b| ascii_class(b) == BREAK);
    } else {
        // After the last word, a break (and only dropped bytes) leaves a space due.
        *pending_space = bytes
            .iter()
            .rev()
            .map(|&b| ascii_class(b))
            .find(|&c| c != 0)
            .is_some_and(|c| c == BREAK);
    }
}

/// What an ASCII byte adds to a key: 0 nothing (it is dropped), [`BREAK`]
/// a word break, or above it the byte itself lowercased (a letter or digit).
pub const fn ascii_class(b: u8) -> u8 {
    ASCII_KEY[(b & 0x7f) as usize]
}

/// Append the key of an ASCII text (what [`normalize_for_match`] gives for
/// it) to `out` as bytes. For bytes that are not ASCII the result is
/// unspecified (and may not be UTF-8).
pub fn ascii_key(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    let k = ascii_key_padded(bytes, out);
    out.truncate(start + k);
}

/// [`ascii_key`], leaving 16 or more bytes of slack after the key in `out`
/// (the caller truncates, and may read a word's first 16 bytes as two
/// fixed loads); returns the key's length.
///
/// On CPUs with AVX-512 the key is built 64 bytes a step
/// ([`crate::avx512`]), elsewhere by [`ascii_key_padded_portable`].
pub fn ascii_key_padded(bytes: &[u8], out: &mut Vec<u8>) -> usize {
    match crate::avx512::ascii_key_padded(bytes, out) {
        Some(k) => k,
        None => ascii_key_padded_portable(bytes, out),
    }
}

/// [`ascii_key_padded`] eight bytes at a time on any CPU (the form used
/// when [`crate::avx512`] is not available, and the one it is tested against).
///
/// Most of a news line is letters, digits and single spaces, which map to
/// the key byte for byte (OR 0x20 lowercases letters and leaves digits and
/// the space alone): eight bytes are checked at once and the run before the
/// first other byte (punctuation, a second space, a tab) is copied as one
/// word; that byte alone goes through the byte loop. The key is written
/// through a slice: it is never longer than the text, since a space stands
/// for at least one break byte.
pub fn ascii_key_padded_portable(bytes: &[u8], out: &mut Vec<u8>) -> usize {
    let start = out.len();
    let n = bytes.len();
    out.resize(start + n + 16, 0);
    let key = &mut out[start..];
    let mut k = 0;
    // The last byte written is a space (or nothing is written yet), so a
    // break writes nothing: runs of breaks collapse and the key never
    // starts with a space. A trailing space is taken back at the end.
    let mut after_break = true;
    let slow = |b: u8, key: &mut [u8], k: &mut usize, after_break: &mut bool| match ascii_class(b) {
        0 => {}
        BREAK => {
            if !*after_break {
                key[*k] = b' ';
                *k += 1;
                *after_break = true;
            }
        }
        lower => {
            key[*k] = lower;
            *k += 1;
            *after_break = false;
        }
    };
    let mut i = 0;
    while i + 8 <= n {
        let x = load8_at(bytes, i);
        // High bit per byte: a letter (x | 0x20 in a..z), a digit, a space.
        let lower = x | (ONES * 0x20);
        let letter = at_least(lower, b'a') & !at_least(lower, b'z' + 1);
        let digit = at_least(x, b'0') & !at_least(x, b'9' + 1);
        let space = equal_to(x, b' ');
        // Bytes that do not map one to one: not a letter, digit or space; a
        // space after a space; a space first when a break came before.
        let bad = (!(letter | digit | space) & HIGH)
            | (space & (space << 8))
            | (space & 0x80 & if after_break { HIGH } else { 0 });
        // The bytes before the first bad one are copied lowercased, as one
        // word (the rest of it is overwritten later or cut off: the key
        // never catches up with the text, so eight bytes fit).
        let good = if bad == 0 {
            8
        } else {
            (bad.trailing_zeros() / 8) as usize
        };
        key[k..k + 8].copy_from_slice(&lower.to_le_bytes());
        k += good;
        if good > 0 {
            after_break = space & (0x80 << (8 * (good - 1))) != 0;
        }
        i += good;
        if good < 8 {
            slow(bytes[i], key, &mut k, &mut after_break);
            i += 1;
        }
    }
    for &b in &bytes[i..] {
        slow(b, key, &mut k, &mut after_break);
    }
    if after_break && k > 0 {
        k -= 1;
    }
    k
}

/// The key of a sequence of characters (already NFKC): lowercase letters and
/// digits of every script, one space where whitespace or separating
/// punctuation stood.
fn normalize_chars(chars: impl Iterator<Item = char>, out: &mut String) {
    let start = out.len();
    let mut pending_space = false;
    for c in chars {
        push_key_char(c, out, start, &mut pending_space);
    }
}

/// Add one character to the key that began at `start` in `out`.
fn push_key_char(c: char, out: &mut String, start: usize, pending_space: &mut bool) {
    if c.is_alphanumeric() {
        if *pending_space && out.len() > start {
            out.push(' ');
        }
        *pending_space = false;
        out.extend(c.to_lowercase());
    } else if c.is_whitespace() || is_separator_punct(c) {
        *pending_space = true;
    }
    // Other punctuation (apostrophes, quotes, periods) vanishes without a
    // space, so "don't" and "dont", "U.S." and "US" compare equal.
}

/// Punctuation that separates words rather than sitting inside them.
pub const fn is_separator_punct(c: char) -> bool {
    matches!(
        c,
        '-' | '–'
            | '—'
            | '/'
            | '\\'
            | '|'
            | ','
            | ';'
            | ':'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '<'
            | '>'
            | '…'
            | '·'
            | '•'
    ) || (c == '_')
}

/// Collapse whitespace runs to one space and trim; everything else is kept.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_case_spacing_and_punctuation_do_not_matter() {
        assert_eq!(
            normalize_for_match("Kiev’s  “difficult”"),
            normalize_for_match("kiev's \"Difficult\"")
        );
        assert_eq!(
            normalize_for_match("U.S. economy—growth"),
            "us economy growth"
        );
    }

    #[test]
    fn full_width_forms_fold_with_nfkc() {
        assert_eq!(normalize_for_match("ＡＢＣ １２３"), "abc 123");
    }

    #[test]
    fn non_latin_scripts_keep_their_letters() {
        assert_eq!(normalize_for_match("Привет, МИР!"), "привет мир");
        assert_eq!(normalize_for_match("مرحبا بالعالم"), "مرحبا بالعالم");
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(20000))]
        /// Mostly letters, digits and single spaces, so that whole eight-byte
        /// chunks take the word-at-a-time path, with the bytes that break it
        /// (double spaces, tabs, punctuation, control bytes) now and then.
        #[test]
        fn ascii_keys_are_the_keys_of_the_general_path(parts in proptest::collection::vec(
            proptest::prop_oneof![
                6 => "[a-zA-Z0-9]{1,9}",
                3 => proptest::strategy::Just(" ".to_string()),
                1 => r"[ .,\t'\x10\x7f@\[`{-]{1,2}",
            ],
            0..24,
        )) {
            let text = parts.concat();
            let mut key = b"prefix".to_vec();
            ascii_key(text.as_bytes(), &mut key);
            let mut general = String::new();
            normalize_chars(text.chars(), &mut general);
            proptest::prop_assert_eq!(&key[..6], b"prefix");
            proptest::prop_assert_eq!(&key[6..], general.as_bytes(), "{:?}", text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2048))]
        #[test]
        fn the_run_copying_path_gives_the_keys_of_the_general_path(text in "[ -~\t\n\r\x0b\x0c’“”—–éÉ€\u{a0}\u{2003}Σ]{0,80}") {
            let (mut fast, mut general) = (String::new(), String::new());
            normalize_nfkc(&text, &mut fast);
            normalize_chars(text.chars(), &mut general);
            proptest::prop_assert_eq!(fast, general);
        }

        #[test]
        fn the_quick_check_path_gives_the_keys_of_full_nfkc(text in "[ -~’“”—–é\u{301}ｆﬁ①Å\u{30a}]{0,40}") {
            let mut quick = String::new();
            normalize_into(&text, &mut quick);
            let mut full = String::new();
            normalize_chars(text.nfkc(), &mut full);
            proptest::prop_assert_eq!(quick, full);
        }

        #[test]
        fn keys_append_after_what_the_buffer_holds(a in "[ -~’é]{0,30}", b in "[ -~’é]{0,30}") {
            let mut buf = normalize_for_match(&a);
            let at = buf.len();
            normalize_into(&b, &mut buf);
            proptest::prop_assert_eq!(&buf[..at], normalize_for_match(&a));
            proptest::prop_assert_eq!(&buf[at..], normalize_for_match(&b));
        }
    }

    #[test]
    fn collapse_whitespace_keeps_punctuation() {
        assert_eq!(collapse_whitespace("  a \t b,\n c "), "a b, c");
    }
}
