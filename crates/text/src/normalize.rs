//! Normalisation for comparing text: two strings that a reader would call
//! the same line (different quotes, case, spacing, punctuation, full-width
//! forms) get the same key.

use unicode_normalization::UnicodeNormalization;

/// The comparison key of a text: NFKC, lowercase, punctuation and symbols
/// removed, whitespace runs collapsed to one space, trimmed.
///
/// Letters and digits of every script are kept, so non-Latin text still has a key.
pub fn normalize_for_match(text: &str) -> String {
    if text.is_ascii() {
        // NFKC is the identity on ASCII and case folding is a byte operation:
        // one pass over bytes, the hot path for most web text.
        return normalize_ascii(text.as_bytes());
    }
    normalize_chars(text.nfkc(), text.len())
}

/// The key of a sequence of characters (already NFKC): lowercase letters and
/// digits of every script, one space where whitespace or separating
/// punctuation stood.
fn normalize_chars(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut pending_space = false;
    for c in chars {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
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
    out
}

/// [`normalize_for_match`] for ASCII input, byte by byte.
fn normalize_ascii(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut pending_space = false;
    for &b in bytes {
        if b.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(b' ');
            }
            pending_space = false;
            out.push(b.to_ascii_lowercase());
        } else if matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
            || is_separator_punct(b as char)
        {
            pending_space = true;
        }
    }
    // Only ASCII bytes were pushed.
    String::from_utf8(out).unwrap_or_default()
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
            proptest::prop_assert_eq!(normalize_ascii(text.as_bytes()), normalize_chars(text.chars(), 0));
        }
    }

    #[test]
    fn collapse_whitespace_keeps_punctuation() {
        assert_eq!(collapse_whitespace("  a \t b,\n c "), "a b, c");
    }
}
