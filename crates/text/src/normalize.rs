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
    if text.is_ascii() {
        // NFKC is the identity on ASCII and case folding is a byte operation:
        // one pass over bytes, the hot path for most web text.
        normalize_ascii(text.as_bytes(), out);
    } else if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        // Already NFKC (curly quotes and dashes are): skip the normaliser's
        // decompose-and-recompose buffering.
        normalize_chars(text.chars(), out);
    } else {
        normalize_chars(text.nfkc(), out);
    }
}

/// The key of a sequence of characters (already NFKC): lowercase letters and
/// digits of every script, one space where whitespace or separating
/// punctuation stood.
fn normalize_chars(chars: impl Iterator<Item = char>, out: &mut String) {
    let start = out.len();
    let mut pending_space = false;
    for c in chars {
        if c.is_alphanumeric() {
            if pending_space && out.len() > start {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() || is_separator_punct(c) {
            pending_space = true;
        }
        // Other punctuation (apostrophes, quotes, periods) vanishes without a
        // space, so "don't" and "dont", "U.S." and "US" compare equal.
    }
}

/// [`normalize_chars`] for ASCII input, byte by byte.
fn normalize_ascii(bytes: &[u8], out: &mut String) {
    let start = out.len();
    let mut pending_space = false;
    for &b in bytes {
        if b.is_ascii_alphanumeric() {
            if pending_space && out.len() > start {
                out.push(' ');
            }
            pending_space = false;
            out.push(char::from(b.to_ascii_lowercase()));
        } else if matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
            || is_separator_punct(char::from(b))
        {
            pending_space = true;
        }
    }
}

/// Punctuation that separates words rather than sitting inside them.
pub fn is_separator_punct(c: char) -> bool {
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
        fn the_ascii_path_gives_the_keys_of_the_general_path(text in "[ -~\t\n\r\x0b\x0c]{0,80}") {
            let (mut fast, mut general) = (String::new(), String::new());
            normalize_ascii(text.as_bytes(), &mut fast);
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
