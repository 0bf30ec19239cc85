//! Within-document dedupe: repeated paragraphs and lines, keeping the first.

use std::collections::HashSet;
use textmill_text::lines::{join_lines, lines, paragraphs};
use textmill_text::normalize::normalize_for_match;

/// What within-document dedupe did to one text.
#[derive(Debug, Clone, PartialEq)]
pub struct WithinResult {
    /// The text after removal (`join_lines` form), or `None` when nothing was removed.
    pub text: Option<String>,
    /// Number of lines removed.
    pub lines_removed: usize,
}

impl WithinResult {
    /// The text to use downstream: the new text, or the input when unchanged.
    pub fn text_or<'a>(&'a self, original: &'a str) -> &'a str {
        self.text.as_deref().unwrap_or(original)
    }
}

/// Remove paragraphs and lines whose normalised form (NFKC, case,
/// punctuation, whitespace) repeats an earlier one in the same text.
///
/// Keys shorter than `min_chars` characters are never removed: a short line
/// such as "Advertisement" repeating is boilerplate's business, not a copy of
/// content. With `near`, a unit also counts as a repeat when its words are
/// one word edit (substitute, insert, delete) away from an earlier unit.
pub fn dedupe_within(text: &str, min_chars: usize, near: bool) -> WithinResult {
    let ls = lines(text);
    let mut keep = vec![true; ls.len()];
    let mut seen: HashSet<String> = HashSet::new();
    let mut kept_words: Vec<Vec<String>> = Vec::new();
    let mut removed = 0;
    let long_enough = |key: &str| key.chars().count() >= min_chars;

    let mut is_repeat = |key: String, seen: &mut HashSet<String>| -> bool {
        if !long_enough(&key) {
            return false;
        }
        if seen.contains(&key) {
            return true;
        }
        if near {
            let words: Vec<String> = key.split(' ').map(str::to_string).collect();
            if kept_words.iter().any(|k| one_word_edit(k, &words)) {
                return true;
            }
            kept_words.push(words);
        }
        seen.insert(key);
        false
    };

    for p in paragraphs(&ls) {
        let members = &ls[p.first_line..p.end_line];
        if members.len() > 1 {
            // A multi-line paragraph repeated as a whole goes as a whole.
            let key = normalize_for_match(
                &members
                    .iter()
                    .map(|l| l.text)
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            if is_repeat(key, &mut seen) {
                for l in members {
                    keep[l.index] = false;
                    removed += 1;
                }
                continue;
            }
        }
        for l in members {
            if is_repeat(normalize_for_match(l.text), &mut seen) {
                keep[l.index] = false;
                removed += 1;
            }
        }
    }
    if removed == 0 {
        return WithinResult {
            text: None,
            lines_removed: 0,
        };
    }
    let out = join_lines(ls.iter().filter(|l| keep[l.index]).map(|l| l.text));
    WithinResult {
        text: Some(out),
        lines_removed: removed,
    }
}

/// True when `b` is `a` with exactly one word substituted, inserted or deleted.
fn one_word_edit(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        0 => short.iter().zip(long).filter(|(x, y)| x != y).count() == 1,
        1 => {
            let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
            short[prefix..] == long[prefix + 1..]
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_lines_after_normalisation_go_first_kept() {
        let t = "Head\nThe quick brown fox jumps over the lazy dog.\nOther line that is long enough.\nthe QUICK brown fox — jumps over the lazy dog\n";
        let r = dedupe_within(t, 20, false);
        assert_eq!(
            r.text.as_deref(),
            Some(
                "Head\nThe quick brown fox jumps over the lazy dog.\nOther line that is long enough.\n"
            )
        );
        assert_eq!(r.lines_removed, 1);
    }

    #[test]
    fn short_lines_are_never_dropped() {
        let t = "Advertisement\nA long paragraph of real text here.\nAdvertisement\n";
        assert_eq!(dedupe_within(t, 20, false).text, None);
    }

    #[test]
    fn multi_line_paragraphs_repeat_as_a_block() {
        let t = "first line of the block here\nsecond line of the block here\n\nfirst line of the block here\nsecond line of the block here\n";
        let r = dedupe_within(t, 20, false);
        assert_eq!(
            r.text.as_deref(),
            Some("first line of the block here\nsecond line of the block here\n")
        );
        assert_eq!(r.lines_removed, 2);
    }

    #[test]
    fn near_repeats_only_when_asked() {
        let t = "The minister said the plan would start in May.\nThe minister said the plan would begin in May.\n";
        assert_eq!(dedupe_within(t, 20, false).text, None);
        assert_eq!(dedupe_within(t, 20, true).lines_removed, 1);
        // Two edited words is not a near repeat.
        let t2 = "The minister said the plan would start in May.\nThe minister said the plan will begin in May.\n";
        assert_eq!(dedupe_within(t2, 20, true).text, None);
    }

    #[test]
    fn one_word_edit_cases() {
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert!(one_word_edit(&w("a b c"), &w("a x c")));
        assert!(one_word_edit(&w("a b c"), &w("a b x c")));
        assert!(one_word_edit(&w("a b c"), &w("a c")));
        assert!(!one_word_edit(&w("a b c"), &w("a b c")));
        assert!(!one_word_edit(&w("a b c"), &w("x y c")));
    }
}
