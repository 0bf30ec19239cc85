//! Normalisation for comparing text: two strings that a reader would call
//! the same line (different quotes, case, spacing, punctuation, full-width
//! forms) get the same key.

use unicode_normalization::UnicodeNormalization;

/// The comparison key of a text: NFKC, lowercase, punctuation and symbols
/// removed, whitespace runs collapsed to one space, trimmed.
///
/// Letters and digits of every script are kept, so non-Latin text still has a key.
pub fn normalize_for_match(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let ascii = text.is_ascii();
    let mut push = |c: char, out: &mut String| {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            for l in c.to_lowercase() {
                out.push(l);
            }
        } else if c.is_whitespace() || is_separator_punct(c) {
            pending_space = true;
        }
        // Other punctuation (apostrophes, quotes, periods) vanishes without a
        // space, so "don't" and "dont", "U.S." and "US" compare equal.
    };
    if ascii {
        // NFKC is the identity on ASCII; skip the decomposition machinery.
        for c in text.chars() {
            push(c, &mut out);
        }
    } else {
        for c in text.nfkc() {
            push(c, &mut out);
        }
    }
    out
}

/// Punctuation that separates words rather than sitting inside them.
fn is_separator_punct(c: char) -> bool {
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

    #[test]
    fn collapse_whitespace_keeps_punctuation() {
        assert_eq!(collapse_whitespace("  a \t b,\n c "), "a b, c");
    }
}
