//! Learned per-site boilerplate: a line that recurs (after normalisation,
//! digits folded so "© 2019" and "© 2024" agree) in many documents of one
//! site, across different stories, is boilerplate on that site.
//!
//! Shape: `observe` turns a batch into bytes (one record per document: its
//! site hash and the [`line_sig`] of its distinct lines), [`merge`]
//! concatenates states in input order, [`Learned::build`] counts.
//!
//! "Different stories": each document gets a story signature, the smallest
//! hash among its long lines that are *not* frequent on the site (so shared
//! boilerplate never decides it). Copies of one syndicated story share their
//! lines and thus, except when an edit hits that one line, their signature.
//! A line is learned only when it occurs in at least `min_docs` documents and
//! `min_share` of its site's documents, and those documents carry at least
//! `min_stories` distinct signatures.

use std::ops::Range;
use textmill_text::hash::{HashMapU64, hash64};

// SDL2: signatures are xxh3 of the signed bytes (SDL1 states, whose
// signatures were another hash, are refused rather than misread).
const MAGIC: &[u8; 4] = b"SDL2";

/// Top bit of a stored key hash: the line is long enough to sign a story.
pub const LONG_BIT: u64 = 1 << 63;
/// Lines with at least this many words can sign a story.
pub const LONG_LINE_WORDS: usize = 8;

/// Thresholds of the learned layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LearnParams {
    /// Minimum documents containing the line.
    pub min_docs: u32,
    /// Minimum share of the site's documents containing the line.
    pub min_share: f64,
    /// Minimum distinct stories among those documents.
    pub min_stories: u32,
}

/// Hash of a normalised line key with ASCII digit runs folded to one `0`.
pub fn learned_key(key: &str, buf: &mut Vec<u8>) -> u64 {
    buf.clear();
    let mut in_digits = false;
    for &b in key.as_bytes() {
        if b.is_ascii_digit() {
            if !in_digits {
                buf.push(b'0');
            }
            in_digits = true;
        } else {
            buf.push(b);
            in_digits = false;
        }
    }
    hash64(buf) & !LONG_BIT
}

/// The learned layer's signature of a raw line, in one pass over its bytes,
/// and its word count: the hash of its match key (lowercased letters and
/// digits, runs of separators as one space, punctuation dropped) with digit
/// runs folded to one `0`, so "© 2019 Daily Post" and "© 2024 DAILY POST."
/// agree. Unlike [`learned_key`] it skips Unicode normalisation: non-ASCII
/// letters count as themselves, which only matters when one site writes one
/// line in two Unicode forms. `observe` and `apply` both use it, so they agree
/// by construction. Returns 0 for a line with no letter or digit.
pub fn line_sig(raw: &str) -> (u64, usize) {
    line_sig_with(raw, &mut SigScratch::default())
}

/// Buffers [`line_sig_with`] reuses from line to line.
#[derive(Debug, Default)]
pub struct SigScratch {
    /// The bytes signed.
    signed: Vec<u8>,
    /// The line's ASCII stand-in, when it has one.
    stand_in: String,
    /// The key with its digit runs folded, when it has digits.
    folded: Vec<u8>,
}

/// [`line_sig`] with buffers the caller reuses across lines: the signed
/// bytes are collected and hashed at once ([`sig_of`]).
pub fn line_sig_with(raw: &str, scratch: &mut SigScratch) -> (u64, usize) {
    let bytes = raw.as_bytes();
    let h = &mut scratch.signed;
    h.clear();
    h.reserve(bytes.len() + 1);
    match crate::prepare::ascii_form(raw, &mut scratch.stand_in) {
        Some(ascii) => ascii_sig(ascii.as_bytes(), h, &mut scratch.folded),
        None => general_sig(raw, h),
    }
}

/// [`line_sig_with`] character by character: any line.
pub(crate) fn general_sig(raw: &str, h: &mut Vec<u8>) -> (u64, usize) {
    let bytes = raw.as_bytes();
    h.clear();
    let mut words = 0usize;
    // A word break is pending before the first word too; it emits a space
    // only between words.
    let mut pending = true;
    let mut in_digits = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            let class = SIG_CLASS[b as usize];
            if class == 0 {
                continue;
            }
            if class == SIG_BREAK {
                pending = true;
                continue;
            }
            if pending {
                if words > 0 {
                    h.push(b' ');
                }
                words += 1;
                pending = false;
                in_digits = false;
            }
            if class == SIG_DIGIT {
                if !in_digits {
                    h.push(b'0');
                }
                in_digits = true;
            } else {
                // ASCII letter: setting 0x20 lowercases it.
                h.push(b | 0x20);
                in_digits = false;
            }
            continue;
        }
        // Non-ASCII: decode; letters and digits are kept as written.
        let Some(c) = raw[i..].chars().next() else {
            break;
        };
        let w = c.len_utf8();
        if c.is_alphanumeric() {
            if pending {
                if words > 0 {
                    h.push(b' ');
                }
                words += 1;
                pending = false;
            }
            in_digits = false;
            h.extend_from_slice(&bytes[i..i + w]);
        } else if c.is_whitespace() || matches!(c, '–' | '—' | '·' | '•') {
            pending = true;
        }
        i += w;
    }
    if words == 0 {
        return (0, 0);
    }
    (sig_of(h), words)
}

/// [`line_sig_with`] for an ASCII line (most lines): the hash of its
/// match key with digit runs folded, which is what the general loop signs
/// for ASCII, built by the key builder's word-at-a-time loop.
fn ascii_sig(bytes: &[u8], h: &mut Vec<u8>, folded: &mut Vec<u8>) -> (u64, usize) {
    crate::prepare::ascii_key(bytes, h);
    if h.is_empty() {
        return (0, 0);
    }
    let (spaces, digits) = spaces_and_digits(h);
    (crate::prepare::key_sig(h, digits, folded), 1 + spaces)
}

/// The spaces in an ASCII key, and whether it has a digit: eight bytes at
/// a time, the tail byte by byte. A key holds only `a`–`z`, `0`–`9` and
/// the space, so two bits tell them apart: 0x40 is set in letters only,
/// and of the rest 0x10 in digits only.
fn spaces_and_digits(key: &[u8]) -> (usize, bool) {
    use textmill_text::swar::{HIGH, load8};
    let mut chunks = key.chunks_exact(8);
    let (mut spaces, mut digits) = (0usize, 0u64);
    for c in &mut chunks {
        let x = load8(c);
        // Each bit moved to its byte's high bit; nothing crosses a byte.
        let not_letter = (!x << 1) & HIGH;
        spaces += (not_letter & !(x << 3)).count_ones() as usize;
        digits |= not_letter & (x << 3);
    }
    let rest = chunks.remainder();
    spaces += rest.iter().filter(|&&b| b == b' ').count();
    (spaces, digits != 0 || rest.iter().any(u8::is_ascii_digit))
}

/// [`line_sig`]'s ASCII byte classes: dropped (0), letter, digit, word break.
const SIG_LETTER: u8 = 1;
const SIG_DIGIT: u8 = 3;
const SIG_BREAK: u8 = 2;
const SIG_CLASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        t[i] = match crate::prepare::ascii_class(b) {
            1 if b.is_ascii_digit() => SIG_DIGIT,
            1 => SIG_LETTER,
            2 => SIG_BREAK,
            _ => 0,
        };
        i += 1;
    }
    t
};

/// True for a line that is only a date or time ("October 14, 2012",
/// "Thursday, August 09, 2012 12:32 PM", "2012-10-14"). Digit folding makes
/// every such line of one month look alike, so the learned layer would take
/// a site's datelines for boilerplate; they belong to their stories (dragnet
/// and CleanEval gold keep them), so they are never learned.
pub fn is_date_line(raw: &str) -> bool {
    const CALENDAR: &[&str] = &[
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
    ];
    const FILLER: &[&str] = &[
        "am", "pm", "a", "m", "p", "st", "nd", "rd", "th", "of", "at", "on", "et", "est", "edt",
        "ct", "cst", "cdt", "pt", "pst", "pdt", "gmt", "bst", "utc", "cet", "cest", "ist", "aest",
    ];
    if raw.len() > 64 || !raw.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let mut calendar = false;
    let mut numbers = 0;
    for w in raw
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if w.bytes().all(|b| b.is_ascii_digit()) {
            numbers += 1;
            continue;
        }
        // The lists are lowercase ASCII: compared without a lowercase copy.
        let listed = |list: &[&str], w: &str| list.iter().any(|l| l.eq_ignore_ascii_case(w));
        // "14th", "09am": a number with a filler suffix.
        let suffix = w.trim_start_matches(|c: char| c.is_ascii_digit());
        if listed(CALENDAR, w) {
            calendar = true;
        } else if !listed(FILLER, w) && !listed(FILLER, suffix) {
            return false;
        }
    }
    // "2012-10-14" or "10/14/2012" carry no month name.
    calendar || numbers >= 3
}

/// The learned signature of the bytes a line signs (its match key with
/// digit runs folded): xxh3, with the top bit left for [`LONG_BIT`].
pub fn sig_of(signed: &[u8]) -> u64 {
    hash64(signed) & !LONG_BIT
}

/// Hash of a site name (empty for documents without a site).
pub fn site_hash(site: &str) -> u64 {
    hash64(site.as_bytes())
}

/// Key of a (site, line) pair. For one site it is a bijection of the line
/// key (an odd multiply, an xor and murmur3's finaliser each are), so two
/// lines of a site never share a pair key; across sites a clash is as
/// unlikely as between two 64-bit hashes.
fn pair(site: u64, key: u64) -> u64 {
    let mut x = site.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (key & !LONG_BIT);
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ (x >> 33)
}

/// Append one document's record to a state under construction.
/// `lines` are `(learned_key, words)` of its non-blank lines.
pub fn push_doc(state: &mut Vec<u8>, site: u64, lines: &[(u64, usize)]) {
    if state.is_empty() {
        state.extend_from_slice(MAGIC);
    }
    let mut keys: Vec<u64> = lines
        .iter()
        .map(|&(k, w)| {
            if w >= LONG_LINE_WORDS {
                k | LONG_BIT
            } else {
                k
            }
        })
        .collect();
    keys.sort_unstable();
    // A line repeated inside one page counts once for that page.
    keys.dedup_by(|a, b| (*a & !LONG_BIT) == (*b & !LONG_BIT));
    state.extend_from_slice(&site.to_le_bytes());
    state.extend_from_slice(&(keys.len() as u32).to_le_bytes());
    for k in keys {
        state.extend_from_slice(&k.to_le_bytes());
    }
}

/// Concatenate partial states in input order. Empty states (layer off, empty batch) are skipped.
pub fn merge(states: &[&[u8]]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for s in states {
        if s.is_empty() {
            continue;
        }
        if s.len() < 4 || &s[..4] != MAGIC {
            return Err("strip_disclaimer: partial state has an unknown format".into());
        }
        if out.is_empty() {
            out.extend_from_slice(MAGIC);
        }
        out.extend_from_slice(&s[4..]);
    }
    Ok(out)
}

fn read_u64(b: &[u8], at: &mut usize) -> Result<u64, String> {
    let s = b
        .get(*at..*at + 8)
        .ok_or("strip_disclaimer: truncated state")?;
    *at += 8;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Ok(u64::from_le_bytes(a))
}

fn read_u32(b: &[u8], at: &mut usize) -> Result<u32, String> {
    let s = b
        .get(*at..*at + 4)
        .ok_or("strip_disclaimer: truncated state")?;
    *at += 4;
    let mut a = [0u8; 4];
    a.copy_from_slice(s);
    Ok(u32::from_le_bytes(a))
}

/// The learned patterns: (site, line key) pairs with the number of documents they occur in.
#[derive(Debug, Default, Clone)]
pub struct Learned {
    patterns: HashMapU64<u32>,
}

impl Learned {
    /// Count a merged state and keep the pairs that pass the thresholds.
    pub fn build(state: &[u8], p: &LearnParams) -> Result<Learned, String> {
        if state.is_empty() {
            return Ok(Learned::default());
        }
        if state.len() < 4 || &state[..4] != MAGIC {
            return Err("strip_disclaimer: merged state has an unknown format".into());
        }
        // Every (site, line) pair is hashed once, here, and named by a dense
        // id: counting and the story pass below index arrays by it.
        let mut docs: Vec<(u64, Range<usize>)> = Vec::new();
        let mut keys: Vec<u64> = Vec::with_capacity(state.len() / 8);
        let mut ids: Vec<u32> = Vec::with_capacity(state.len() / 8);
        // About two keys in five are distinct pairs on news: sized for half,
        // the table never grows while it counts.
        let mut id_of: HashMapU64<u32> =
            HashMapU64::with_capacity_and_hasher(state.len() / 16, Default::default());
        let mut pairs: Vec<u64> = Vec::new();
        let mut freq: Vec<u32> = Vec::new();
        let mut site_docs: HashMapU64<u32> = HashMapU64::default();
        let mut at = 4;
        while at < state.len() {
            let site = read_u64(state, &mut at)?;
            let n = read_u32(state, &mut at)?;
            let start = keys.len();
            for _ in 0..n {
                let k = read_u64(state, &mut at)?;
                let pk = pair(site, k);
                let id = *id_of.entry(pk).or_insert_with(|| {
                    pairs.push(pk);
                    freq.push(0);
                    (pairs.len() - 1) as u32
                });
                freq[id as usize] += 1;
                keys.push(k);
                ids.push(id);
            }
            docs.push((site, start..keys.len()));
            *site_docs.entry(site).or_insert(0) += 1;
        }
        let threshold = |site: u64| -> u32 {
            let n = site_docs.get(&site).copied().unwrap_or(0) as f64;
            p.min_docs.max((p.min_share * n).ceil() as u32)
        };
        // Story signatures of each frequent pair, by pair id.
        let mut stories: HashMapU64<Vec<u64>> = HashMapU64::default();
        for (di, (site, span)) in docs.iter().enumerate() {
            let t = threshold(*site);
            let (keys, ids) = (&keys[span.clone()], &ids[span.clone()]);
            let long = || keys.iter().zip(ids).filter(|&(&k, _)| k & LONG_BIT != 0);
            let sig = long()
                .filter(|&(_, &id)| freq[id as usize] < t)
                .map(|(&k, _)| k & !LONG_BIT)
                .min()
                // Every long line is frequent (exact copies of one story):
                // the page is signed by its long lines all the same.
                .or_else(|| long().map(|(&k, _)| k & !LONG_BIT).min())
                // No long line at all: the page is its own story.
                .unwrap_or_else(|| hash64(&(di as u64).to_le_bytes()) | LONG_BIT);
            for &id in ids {
                if freq[id as usize] < t {
                    continue;
                }
                let s = stories.entry(u64::from(id)).or_default();
                if s.len() < p.min_stories as usize && !s.contains(&sig) {
                    s.push(sig);
                }
            }
        }
        let patterns = stories
            .into_iter()
            .filter(|(_, s)| s.len() >= p.min_stories as usize)
            .map(|(id, _)| (pairs[id as usize], freq[id as usize]))
            .collect();
        Ok(Learned { patterns })
    }

    /// Number of documents of the site containing the line, when it is learned boilerplate.
    pub fn lookup(&self, site: u64, key: u64) -> Option<u32> {
        if self.patterns.is_empty() {
            return None;
        }
        self.patterns.get(&pair(site, key)).copied()
    }

    /// Number of learned patterns.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// True when nothing was learned.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: LearnParams = LearnParams {
        min_docs: 3,
        min_share: 0.0,
        min_stories: 3,
    };

    fn k(s: &str) -> u64 {
        learned_key(s, &mut Vec::new())
    }

    #[test]
    fn spaces_and_digits_of_keys_agree_with_a_byte_loop() {
        let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789 ";
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for len in 0..300 {
            // One key in three may hold digits; all hold letters and spaces.
            let pick = if len % 3 == 0 { 37 } else { 27 };
            let key: Vec<u8> = (0..len / 3)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    match (x % pick) as usize {
                        26 => b' ',
                        i => alphabet[if i > 26 { i - 1 } else { i }],
                    }
                })
                .collect();
            let spaces = key.iter().filter(|&&b| b == b' ').count();
            let digits = key.iter().any(u8::is_ascii_digit);
            assert_eq!(
                spaces_and_digits(&key),
                (spaces, digits),
                "{:?}",
                String::from_utf8_lossy(&key)
            );
        }
    }

    #[test]
    fn digits_fold_so_years_and_counts_agree() {
        assert_eq!(
            k("2019 daily post all rights reserved"),
            k("2024 daily post all rights reserved")
        );
        assert_ne!(k("a b"), k("a c"));
    }

    #[test]
    fn a_footer_on_different_stories_is_learned_and_a_syndicated_story_is_not() {
        let site = site_hash("x.com");
        let footer = (k("get our free newsletter"), 4);
        let mut a = Vec::new();
        for story in ["ferries", "bridges", "tunnels", "roads"] {
            let body = (
                k(&format!(
                    "a story about {story} in a first paragraph with many words"
                )),
                9,
            );
            push_doc(&mut a, site, &[body, footer]);
        }
        // The same story syndicated four times: its paragraphs recur but it is one story.
        let mut b = Vec::new();
        let p1 = (
            k("the same paragraph syndicated to many pages of the site"),
            10,
        );
        let p2 = (
            k("and its second paragraph which also recurs on every copy"),
            10,
        );
        for _ in 0..4 {
            push_doc(&mut b, site, &[p1, p2]);
        }
        let merged = merge(&[&a, &[], &b]).expect("merges");
        let l = Learned::build(&merged, &P).expect("builds");
        assert_eq!(l.lookup(site, footer.0), Some(4));
        assert_eq!(l.lookup(site, p1.0), None);
        assert_eq!(l.lookup(site, p2.0), None);
        // Another site learned nothing.
        assert_eq!(l.lookup(site_hash("y.com"), footer.0), None);
    }

    #[test]
    fn merge_is_associative_so_sharded_runs_learn_the_same() {
        // Sharded runs merge batch states per shard, then the shard states.
        let site = site_hash("x.com");
        let batch = |words: &[&str]| {
            let mut s = Vec::new();
            for w in words {
                push_doc(
                    &mut s,
                    site,
                    &[(k(w), 9), (k("get our free newsletter"), 4)],
                );
            }
            s
        };
        let (a, b, c) = (batch(&["one", "two"]), batch(&[]), batch(&["three"]));
        let flat = merge(&[&a, &b, &c]).expect("merges");
        let ab = merge(&[&a, &b]).expect("merges");
        let c1 = merge(&[&c]).expect("merges");
        assert_eq!(merge(&[&ab, &c1]).expect("merges"), flat);
        let bc = merge(&[&b, &c]).expect("merges");
        assert_eq!(merge(&[&a, &bc]).expect("merges"), flat);
        // An empty shard (every batch empty) changes nothing.
        let empty = merge(&[&b]).expect("merges");
        assert_eq!(merge(&[&flat, &empty]).expect("merges"), flat);
    }

    #[test]
    fn line_signatures_fold_digits_case_and_punctuation() {
        let sig = |s: &str| line_sig(s).0;
        assert_eq!(sig("© 2019 Daily Post"), sig("© 2024 DAILY  POST."));
        assert_ne!(sig("Daily Post"), sig("DailyPost"));
        assert_ne!(
            sig("a long line about ferries"),
            sig("a long line about bridges")
        );
        assert_eq!(
            line_sig("Don't miss: the café’s news!"),
            (sig("dont miss the cafés news"), 5)
        );
        assert_eq!(line_sig(" -- "), (0, 0));
    }

    #[test]
    fn ascii_lines_sign_as_the_general_loop_does() {
        // A trailing bullet (a break, which adds nothing to a signature)
        // sends the same line through the general loop.
        let alphabet: Vec<char> = "aZ9 0\t-/|,.;:'\"()!?_$%&#*+=@~^`<>[]{}\\"
            .chars()
            .collect();
        for s in crate::tests::walk_strings(&alphabet, 0x9E37_79B9_7F4A_7C15, 40, 5000) {
            let general = line_sig(&format!("{s}\u{2022}"));
            assert_eq!(line_sig(&s), general, "{s:?}");
        }
    }

    #[test]
    fn date_lines_are_recognised_and_other_lines_are_not() {
        for d in [
            "October 14, 2012",
            "Thursday, August 09, 2012",
            "Saturday, October 27, 2012 12:32 PM",
            "2012-10-14",
            "Posted 14th May 2012",
        ] {
            assert_eq!(is_date_line(d), !d.starts_with("Posted"), "{d}");
        }
        for l in [
            "© 2012 Daily Post",
            "Page 1 of 3",
            "May 2012 sales rose 4%",
            "Comments (12)",
        ] {
            assert!(!is_date_line(l), "{l}");
        }
    }

    #[test]
    fn corrupt_states_are_errors_not_panics() {
        assert!(merge(&[b"nope"]).is_err());
        assert!(Learned::build(b"SDL2\x01\x02", &P).is_err());
        assert!(Learned::build(b"SDL1", &P).is_err());
        assert!(Learned::build(&[], &P).expect("empty is fine").is_empty());
    }
}
