//! Word tokens: Unicode word boundaries (UAX #29), words only.

use unicode_segmentation::UnicodeSegmentation;

/// The words of a text, in order (punctuation and spaces skipped).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.unicode_words()
}

/// Number of words in a text.
pub fn word_count(text: &str) -> usize {
    text.unicode_words().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_skip_punctuation_and_keep_contractions() {
        let w: Vec<&str> = words("Kiev's troops, 86% (reclaimed).").collect();
        assert_eq!(w, ["Kiev's", "troops", "86", "reclaimed"]);
        assert_eq!(word_count(""), 0);
    }
}
