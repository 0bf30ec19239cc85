//! Word n-gram shingles as stable 64-bit hashes, the unit that MinHash and
//! other set-similarity sketches work on.
//!
//! Shingles are taken over a text already passed through
//! [`normalize_for_match`](crate::normalize::normalize_for_match), whose words
//! are separated by single spaces, so an n-gram is a contiguous substring and
//! is hashed without building a new string.

use crate::hash::hash64_seeded;

/// Hashes of the word `n`-grams of a normalised text (words separated by one
/// space), in text order, duplicates included. A text with fewer than `n`
/// words (but at least one) yields one shingle of all its words, so short
/// texts still have a signature. `n = 0` is treated as 1.
pub fn word_shingles(normalized: &str, n: usize, seed: u64) -> Vec<u64> {
    let n = n.max(1);
    let bytes = normalized.as_bytes();
    // Byte offset of each word start, plus the text end as a sentinel.
    let mut starts: Vec<usize> = Vec::new();
    let mut in_word = false;
    for (i, &b) in bytes.iter().enumerate() {
        let space = b == b' ';
        if !space && !in_word {
            starts.push(i);
        }
        in_word = !space;
    }
    if starts.is_empty() {
        return Vec::new();
    }
    let words = starts.len();
    let span = |first: usize, end_word: usize| -> &[u8] {
        // A window ends where the next word starts, minus its separating space.
        let end = if end_word < words {
            starts[end_word] - 1
        } else {
            bytes.len()
        };
        &bytes[starts[first]..end]
    };
    if words < n {
        return vec![hash64_seeded(span(0, words), seed)];
    }
    (0..=words - n)
        .map(|i| hash64_seeded(span(i, i + n), seed))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ngram_hashes_like_the_same_words_elsewhere() {
        let a = word_shingles("one two three four", 2, 7);
        let b = word_shingles("x two three", 2, 7);
        assert_eq!(a.len(), 3);
        assert_eq!(a[1], b[1]);
        assert_eq!(a[1], hash64_seeded(b"two three", 7));
    }

    #[test]
    fn short_and_empty_texts() {
        assert_eq!(word_shingles("", 5, 0), Vec::<u64>::new());
        assert_eq!(word_shingles("a b", 5, 0), vec![hash64_seeded(b"a b", 0)]);
        assert_eq!(word_shingles("a b", 0, 0).len(), 2);
    }
}
