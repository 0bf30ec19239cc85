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
    let starts = word_starts(bytes);
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

/// Byte offset of each word start: a non-space byte at the start or after
/// a space. Spaces are found with `memchr` (a news word is about six bytes).
fn word_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(bytes.len() / 4 + 1);
    if bytes.first().is_some_and(|&b| b != b' ') {
        starts.push(0);
    }
    for p in memchr::memchr_iter(b' ', bytes) {
        if bytes.get(p + 1).is_some_and(|&b| b != b' ') {
            starts.push(p + 1);
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn word_starts_are_where_a_word_follows_a_space_or_the_start(text in "[ ab]{0,40}") {
            let bytes = text.as_bytes();
            let expected: Vec<usize> = (0..bytes.len())
                .filter(|&i| bytes[i] != b' ' && (i == 0 || bytes[i - 1] == b' '))
                .collect();
            proptest::prop_assert_eq!(word_starts(bytes), expected);
        }
    }

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
