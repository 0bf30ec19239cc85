//! Text primitives shared by textmill plugins.
//!
//! - [`lines`]: splitting text into lines and paragraphs that keep their byte spans.
//! - [`normalize`]: the comparison key of a line or document (NFKC, case, whitespace, punctuation).
//! - [`sentences`]: news sentence splitting (abbreviations, decimals, quotes, datelines) with spans.
//! - [`words`]: word tokens for shingling and scoring.
//! - [`shingle`]: word n-gram shingle hashes for MinHash and other sketches.
//! - [`avx512`]: the hottest byte loops 64 bytes a step, on CPUs that have AVX-512.
//! - [`hash`]: stable 64/128-bit hashes (xxh3; the same on every machine and run).
//!
//! ```
//! use textmill_text::{normalize::normalize_for_match, hash::hash64};
//! let a = normalize_for_match("  Hello,   WORLD! ");
//! assert_eq!(a, "hello world");
//! assert_eq!(hash64(a.as_bytes()), hash64(normalize_for_match("hello world").as_bytes()));
//! ```
#![deny(missing_docs)]

pub mod avx512;
pub mod hash;
pub mod lines;
pub mod normalize;
pub mod sentences;
pub mod shingle;
pub mod swar;
pub mod words;
