//! Normalisation for comparing text: two strings that a reader would call
//! the same line (different quotes, case, spacing, punctuation, full-width
//! forms) get the same key.

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
    if text.is_ascii() || is_nfkc_quick(NonAscii(text)) == IsNormalized::Yes {
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
/// [`ASCII_KEY`] value of a word break; letters and digits are above it.
const BREAK: u8 = 1;

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

/// ASCII bytes [`push_ascii_key`] turns into key bytes between two appends.
const ASCII_CHUNK: usize = 256;

/// [`push_key_char`] for a run of ASCII bytes. Branch-free per byte (a
/// space is always written and kept only when due, a byte likewise), so
/// word ends cost no mispredicted branch; key bytes gather in a stack buffer.
fn push_ascii_key(bytes: &[u8], out: &mut String, start: usize, pending_space: &mut bool) {
    // A key byte may be preceded by a space: at most two bytes out per byte in.
    let mut buf = [0u8; 2 * ASCII_CHUNK];
    for chunk in bytes.chunks(ASCII_CHUNK) {
        let mut len = 0;
        let mut pending = *pending_space;
        let mut has_key = out.len() > start;
        for &b in chunk {
            let key = ASCII_KEY[usize::from(b & 0x7f)];
            let word = key > BREAK;
            buf[len] = b' ';
            len += usize::from(word & pending & has_key);
            buf[len] = key;
            len += usize::from(word);
            pending = (pending | (key == BREAK)) & !word;
            has_key |= word;
        }
        *pending_space = pending;
        // Always ASCII: the table holds nothing else.
        if let Ok(key) = std::str::from_utf8(&buf[..len]) {
            out.push_str(key);
        }
    }
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
