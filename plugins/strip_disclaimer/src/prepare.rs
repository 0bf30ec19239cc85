//! One pass over a document's lines: the normalised key of every line (all
//! kept in one buffer, lines joined by a space, which is also the haystack of
//! the phrase automaton) and the classifier features of every line, in one
//! pass over the bytes. (The learned layer's signatures are a separate,
//! cheaper pass: `observe` needs only those.)
//!
//! Keys are exactly [`normalize_for_match`]'s output. That function runs NFKC
//! on any non-ASCII line, which dominated this stage's profile (typographic
//! quotes make most news lines non-ASCII). [`Keys`] takes a fast path for
//! lines whose characters are ASCII, whitespace, a few typographic marks and
//! precomposed Latin letters (all of which NFKC leaves alone or maps to a
//! space) and falls back to the shared function for anything else, so the
//! keys cannot differ (a unit test checks the two agree). ASCII lines go
//! through [`ascii_pass`]: the feature counts as byte masks, the key from the
//! shared builder, words and stop words read off the key; on CPUs with
//! AVX-512 the counts and the key take 64 bytes a step ([`crate::avx512`],
//! `textmill_text::avx512`). A unit test checks the pass agrees with
//! [`crate::classify::features`].

use crate::classify::{self, Features};
use crate::lang::{Script, ScriptCounts};
use crate::learned::{line_sig, sig_of};
use crate::phrases::{PhraseScan, PhraseSet, for_each_word, word_key, word_key_of};
use textmill_text::lines::Line;
use textmill_text::normalize::{self, normalize_for_match};
use textmill_text::swar::{HIGH, ONES, at_least, equal_to, first_non_ascii, load8, load8_at};

/// Normalised keys and features of a document's lines.
#[derive(Debug, Default)]
pub struct Keys {
    /// Keys joined by single spaces (a blank line leaves a double space).
    pub joined: String,
    /// Byte span of each line's key in `joined`.
    pub spans: Vec<(usize, usize)>,
    /// Classifier features of each line.
    pub feats: Vec<Features>,
    /// [`crate::learned::line_sig`] of each line (0 without letters or digits).
    pub sigs: Vec<u64>,
    /// Scratch for a line's ASCII stand-in, reused from line to line.
    stand_in: String,
    /// Scratch for a key with its digit runs folded ([`key_sig`]).
    folded: Vec<u8>,
    /// Where a phrase of the set `fill` was given may start in `joined`
    /// (start, first word or pair key), and that set's id.
    phrase_starts: Vec<(usize, u64)>,
    scanned_for: Option<u64>,
}

impl Keys {
    /// Build the keys of `lines`.
    pub fn new(lines: &[Line<'_>], capacity: usize) -> Keys {
        let mut k = Keys::default();
        k.fill(lines, capacity, None);
        k
    }

    /// Rebuild for another document, reusing the buffers; with `phrases`,
    /// also find where its phrases may start ([`Keys::phrase_starts`]).
    pub fn fill(&mut self, lines: &[Line<'_>], capacity: usize, phrases: Option<&PhraseSet>) {
        let mut starts = std::mem::take(&mut self.phrase_starts);
        self.scanned_for = phrases.map(PhraseSet::id);
        let mut scan = phrases.map(|p| p.scan(&mut starts));
        self.fill_scanning(lines, capacity, scan.as_mut());
        self.phrase_starts = starts;
    }

    /// The candidate phrase starts `fill` found for `set`, or None when the
    /// keys were built without it.
    pub fn phrase_starts(&self, set: &PhraseSet) -> Option<&[(usize, u64)]> {
        (self.scanned_for == Some(set.id())).then_some(self.phrase_starts.as_slice())
    }

    fn fill_scanning(
        &mut self,
        lines: &[Line<'_>],
        capacity: usize,
        mut scan: Option<&mut PhraseScan<'_>>,
    ) {
        self.spans.clear();
        self.feats.clear();
        self.sigs.clear();
        // Built as bytes: pushing ASCII bytes is cheaper than pushing chars.
        let mut joined = std::mem::take(&mut self.joined).into_bytes();
        joined.clear();
        joined.reserve(capacity + lines.len());
        self.spans.reserve(lines.len());
        self.feats.reserve(lines.len());
        self.sigs.reserve(lines.len());
        for l in lines {
            let s = joined.len();
            let (f, sig) = match ascii_form(l.text, &mut self.stand_in) {
                // The ASCII pass visits every word anyway: it feeds the scan.
                Some(ascii) => {
                    ascii_pass(ascii, &mut joined, &mut self.folded, scan.as_deref_mut())
                }
                None => {
                    let one = one_pass(l.text, &mut joined, &mut self.folded);
                    let (f, sig) = one.unwrap_or_else(|| {
                        // A character NFKC may change: the shared normaliser decides.
                        joined.truncate(s);
                        let key = normalize_for_match(l.text);
                        joined.extend_from_slice(key.as_bytes());
                        (classify::features(l.text, &key), line_sig(l.text).0)
                    });
                    if let Some(scan) = scan.as_deref_mut() {
                        scan_words(&joined, s, scan);
                    }
                    (f, sig)
                }
            };
            self.sigs.push(sig);
            self.spans.push((s, joined.len()));
            self.feats.push(f);
            joined.push(b' ');
        }
        // Only ASCII bytes and whole `str`s were pushed, so this never fails;
        // an (impossible) failure leaves the keys empty rather than panicking.
        self.joined = String::from_utf8(joined).unwrap_or_else(|_| {
            self.spans.iter_mut().for_each(|s| *s = (0, 0));
            String::new()
        });
    }

    /// The key of line `i`.
    pub fn key(&self, i: usize) -> &str {
        let (s, e) = self.spans[i];
        &self.joined[s..e]
    }
}

/// Feed the words of the key written at `joined[from..]` to `scan`.
fn scan_words(joined: &[u8], from: usize, scan: &mut PhraseScan<'_>) {
    for_each_word(&joined[from..], |s, e| {
        scan.word(from + s, from + e, word_key_of(&joined[from + s..from + e]))
    });
}

/// Per-byte flags of ASCII for the one-pass loop.
const K_ALNUM: u8 = 1;
const K_BREAK: u8 = 2;
pub(crate) const R_SPACE: u8 = 4;
pub(crate) const R_ALPHA: u8 = 8;
pub(crate) const R_UPPER: u8 = 16;
/// Digit or prose punctuation: neither a letter nor a symbol.
pub(crate) const R_PLAIN: u8 = 32;
/// ASCII digit (the flags of a line's bytes are OR-ed to learn whether its
/// key has one).
pub(crate) const R_DIGIT: u8 = 64;

pub(crate) static ASCII_FLAGS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        let mut f = match ascii_class(c) {
            1 => K_ALNUM,
            2 => K_BREAK,
            _ => 0,
        };
        // `char::is_whitespace` on ASCII: tab, LF, VT, FF, CR, space.
        if matches!(c, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r') {
            f |= R_SPACE;
        }
        if c.is_ascii_alphabetic() {
            f |= R_ALPHA;
        }
        if c.is_ascii_uppercase() {
            f |= R_UPPER;
        }
        if c.is_ascii_digit() {
            f |= R_DIGIT;
        }
        // classify.rs `is_prose_punct`, ASCII part, and digits.
        if c.is_ascii_digit()
            || matches!(
                c,
                b'.' | b','
                    | b';'
                    | b':'
                    | b'!'
                    | b'?'
                    | b'\''
                    | b'"'
                    | b'('
                    | b')'
                    | b'-'
                    | b'%'
                    | b'$'
                    | b'&'
                    | b'/'
            )
        {
            f |= R_PLAIN;
        }
        t[i] = f;
        i += 1;
    }
    t
};

/// Stop-word table keyed by [`word_key_of`] (words up to 16 bytes).
fn stop_table() -> &'static StopTable {
    static SET: std::sync::OnceLock<StopTable> = std::sync::OnceLock::new();
    SET.get_or_init(|| StopTable::new(classify::stopword_list().map(|w| word_key_of(w.as_bytes()))))
}

/// A set of packed words as buckets of two slots, a bucket per key's hash
/// (at 1024 buckets, 16 KB). Every word of every line is looked up, and
/// about half of them are function words; a general hash set spent more on
/// probing its groups than this spends on two reads from one cache line.
/// A lookup reads the same two slots for every word and never branches on
/// what it finds: whether a word is a function word is a coin toss the
/// branch predictor loses. The bucket comes from the key times a
/// multiplier, chosen when the table is built as the first (of a fixed
/// sequence) that leaves no bucket with more than two keys; for a few
/// hundred keys one of the first few tries does. Same keys in, same answers out.
#[derive(Debug)]
struct StopTable {
    /// Two keys per bucket; 0 marks an empty slot.
    buckets: Box<[[u64; 2]]>,
    /// The key's multiplier: its top bits pick the bucket.
    multiplier: u64,
    /// log2 of the number of buckets.
    bits: u32,
    /// The key 0 marks an empty slot, so it is kept aside.
    has_zero: bool,
}

impl StopTable {
    fn new(keys: impl Iterator<Item = u64>) -> StopTable {
        let mut keys: Vec<u64> = keys.collect();
        keys.sort_unstable();
        keys.dedup();
        let has_zero = keys.first() == Some(&0);
        keys.retain(|&k| k != 0);
        // Odd multipliers from a fixed splitmix64 sequence; more buckets
        // when a size finds none (it never has to for the built-in list).
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut bits = 10u32;
        loop {
            for _ in 0..1000 {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                let multiplier = (z ^ (z >> 31)) | 1;
                let mut buckets = vec![[0u64; 2]; 1 << bits];
                let fits = keys.iter().all(|&k| {
                    let b = &mut buckets[StopTable::bucket_of(k, multiplier, bits)];
                    match b.iter_mut().find(|s| **s == 0) {
                        Some(slot) => {
                            *slot = k;
                            true
                        }
                        None => false,
                    }
                });
                if fits {
                    return StopTable {
                        buckets: buckets.into_boxed_slice(),
                        multiplier,
                        bits,
                        has_zero,
                    };
                }
            }
            bits += 1;
        }
    }

    #[inline]
    fn bucket_of(k: u64, multiplier: u64, bits: u32) -> usize {
        (k.wrapping_mul(multiplier) >> (64 - bits)) as usize
    }

    /// True when `k` is in the set.
    #[inline]
    fn contains(&self, k: u64) -> bool {
        let b = &self.buckets[StopTable::bucket_of(k, self.multiplier, self.bits)];
        let found = (b[0] == k) | (b[1] == k);
        // An empty slot holds 0, so 0 "finds" one: it is answered aside.
        (found & (k != 0)) | (self.has_zero & (k == 0))
    }
}

/// The one-pass loop: append the key of `raw` to `out` and return its
/// features, the same as [`normalize_for_match`] + [`classify::features`]. ASCII bytes go
/// through a table; other characters are decoded. Returns None (with `out`
/// partly written) at a character NFKC might change.
fn one_pass(raw: &str, out: &mut Vec<u8>, folded: &mut Vec<u8>) -> Option<(Features, u64)> {
    // The learned signature hashes the key's bytes with digit runs folded
    // and non-ASCII letters as written (see `line_sig`). It is computed from
    // the finished key rather than fed byte by byte; these flags say which
    // of the key's bytes differ from its input.
    let mut seen = 0u8;
    let mut wide = false;
    let stops = stop_table();
    let bytes = raw.as_bytes();
    let start = out.len();
    let mut pending = false;
    let mut words = 0usize;
    let mut stop = 0usize;
    let mut alpha_words = 0usize;
    let mut caps = 0usize;
    let mut nonspace = 0usize;
    let mut symbols = 0usize;
    let mut at_word_start = true;
    // ASCII letters are Latin; other letters are counted by script.
    let mut latin = 0u32;
    let mut scripts = ScriptCounts::default();
    // Start of the word being written in `out`: a word is looked up from
    // there when it ends, instead of being packed byte by byte as written.
    let mut ws = start;
    let mut count_word = |w: &[u8]| {
        words += 1;
        // Function words are short; longer words are never looked up.
        if w.len() <= 10 && stops.contains(word_key_of(w)) {
            stop += 1;
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            let f = ASCII_FLAGS[b as usize];
            seen |= f;
            if f & R_SPACE != 0 {
                at_word_start = true;
            } else {
                nonspace += 1;
                if f & R_ALPHA != 0 {
                    latin += 1;
                    if at_word_start {
                        alpha_words += 1;
                        caps += usize::from(f & R_UPPER != 0);
                    }
                } else if f & R_PLAIN == 0 {
                    symbols += 1;
                }
                at_word_start = false;
            }
            if f & K_ALNUM != 0 {
                if pending && out.len() > start {
                    count_word(&out[ws..]);
                    out.push(b' ');
                    ws = out.len();
                }
                pending = false;
                let lb = b.to_ascii_lowercase();
                out.push(lb);
            } else if f & K_BREAK != 0 {
                pending = true;
            }
            continue;
        }
        let c = raw[i..].chars().next()?;
        i += c.len_utf8();
        if c.is_whitespace() {
            at_word_start = true;
        } else {
            nonspace += 1;
            if c.is_alphabetic() {
                scripts.add(Script::of(c), 1);
                if at_word_start {
                    alpha_words += 1;
                    caps += usize::from(c.is_uppercase());
                }
            } else if !c.is_numeric() && !classify::is_prose_punct(c) {
                symbols += 1;
            }
            at_word_start = false;
        }
        match role(c) {
            Role::Alnum => {
                if pending && out.len() > start {
                    count_word(&out[ws..]);
                    out.push(b' ');
                    ws = out.len();
                }
                pending = false;
                wide = true;
                let mut tmp = [0u8; 4];
                for lc in c.to_lowercase() {
                    out.extend_from_slice(lc.encode_utf8(&mut tmp).as_bytes());
                }
            }
            Role::Break => pending = true,
            Role::Vanish => {}
            Role::Slow => return None,
        }
    }
    if out.len() > start {
        count_word(&out[ws..]);
    }
    let stop_density = classify::share(stop, words);
    let f = Features {
        words,
        stop_density,
        terminal: classify::is_terminal(raw.trim()),
        cap_share: classify::share(caps, alpha_words),
        symbol_share: classify::share(symbols, nonspace),
        script: {
            scripts.add(Script::Latin, latin);
            scripts.dominant()
        },
    };
    let sig = if wide && out.len() > start {
        // Non-ASCII letters are signed as written, the key has them lowercased.
        line_sig(raw).0
    } else {
        key_sig(&out[start..], seen & R_DIGIT != 0, folded)
    };
    Some((f, sig))
}

/// [`one_pass`] for a line of ASCII, most lines of English news. Two
/// tight loops instead of one that does everything per byte: the features
/// are sums over bytes with no branches, and the key is built a word at a
/// time, so the branches that remain are taken once per word, not per byte.
fn ascii_pass(
    raw: &str,
    out: &mut Vec<u8>,
    folded: &mut Vec<u8>,
    mut scan: Option<&mut PhraseScan<'_>>,
) -> (Features, u64) {
    let bytes = raw.as_bytes();
    // Features: the same counts as `one_pass`, from the same byte classes
    // (`ASCII_FLAGS`), as masks many bytes at a time.
    let c = match crate::avx512::ascii_counts(bytes) {
        Some(c) => c,
        None => ascii_counts(bytes),
    };
    let AsciiCounts {
        nonspace,
        latin,
        symbols,
        alpha_words,
        caps,
        digits,
    } = c;
    let start = out.len();
    let k = ascii_key_padded(bytes, out);
    // Words and stop words, read off the finished key. Sixteen bytes past
    // the key are in the buffer, so a word's first 16 bytes are two fixed
    // loads, masked to its length (the bytes `word_key_of` would copy).
    let stops = stop_table();
    let key = &out[start..];
    let (mut words, mut stop) = (0usize, 0usize);
    let keep = |n: usize| {
        if n >= 8 {
            u64::MAX
        } else {
            (1u64 << (8 * n)) - 1
        }
    };
    for_each_word(&key[..k], |s, e| {
        words += 1;
        let len = e - s;
        let lo = load8_at(key, s) & keep(len);
        let hi = load8_at(key, s + 8) & keep(len.saturating_sub(8));
        let wk = word_key(lo, hi, len);
        // Function words are short: a longer word never counts (every word
        // is looked up, so no branch depends on its length or the answer).
        stop += usize::from(stops.contains(wk) & (len <= 10));
        if let Some(scan) = scan.as_deref_mut() {
            scan.word(start + s, start + e, wk);
        }
    });
    out.truncate(start + k);
    let f = Features {
        words,
        stop_density: classify::share(stop, words),
        terminal: classify::is_terminal(raw.trim()),
        cap_share: classify::share(caps as usize, alpha_words as usize),
        symbol_share: classify::share(symbols as usize, nonspace as usize),
        script: if latin > 0 {
            Script::Latin
        } else {
            Script::None
        },
    };
    (f, key_sig(&out[start..], digits, folded))
}

/// Feature counts of an ASCII line: bytes that are not whitespace, ASCII
/// letters, symbols (neither whitespace, letter, digit nor prose
/// punctuation), words starting with a letter and those starting with a
/// capital (a word starts after whitespace or at the line's start).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AsciiCounts {
    pub nonspace: u32,
    pub latin: u32,
    pub symbols: u32,
    pub alpha_words: u32,
    pub caps: u32,
    /// Some byte is a digit.
    pub digits: bool,
}

/// [`AsciiCounts`] of an ASCII line, eight bytes at a time: each chunk's
/// byte classes as masks (the classes of `ASCII_FLAGS`, as comparisons
/// that cannot carry between bytes since every byte is below 0x80), the
/// tail byte by byte.
pub(crate) fn ascii_counts(bytes: &[u8]) -> AsciiCounts {
    let mut c = AsciiCounts::default();
    // Whitespace before the chunk's first byte, as that byte's high bit.
    let mut carry = 0x80u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let x = load8(chunk);
        // Tab, LF, VT, FF, CR and space.
        let space = (at_least(x, b'\t') & !at_least(x, b'\r' + 1)) | equal_to(x, b' ');
        let lower = x | (ONES * 0x20);
        let alpha = at_least(lower, b'a') & !at_least(lower, b'z' + 1);
        let upper = at_least(x, b'A') & !at_least(x, b'Z' + 1);
        let digit = at_least(x, b'0') & !at_least(x, b'9' + 1);
        // Digits and ! " $ % & ' ( ) , - . / : ; ?: everything in '!'..='?'
        // but # * + < = >.
        let plain = at_least(x, b'!')
            & !at_least(x, b'?' + 1)
            & !equal_to(x, b'#')
            & !equal_to(x, b'*')
            & !equal_to(x, b'+')
            & !(at_least(x, b'<') & !at_least(x, b'>' + 1));
        let after_space = (space << 8) | carry;
        c.nonspace += 8 - space.count_ones();
        c.latin += alpha.count_ones();
        c.symbols += (!(space | alpha | plain) & HIGH).count_ones();
        c.alpha_words += (alpha & after_space).count_ones();
        c.caps += (upper & after_space).count_ones();
        c.digits |= digit != 0;
        carry = space >> 56;
    }
    let mut after_space = u32::from(carry != 0);
    for &b in chunks.remainder() {
        let f = ASCII_FLAGS[usize::from(b & 0x7F)];
        let space = u32::from(f & R_SPACE != 0);
        let alpha = u32::from(f & R_ALPHA != 0);
        c.nonspace += 1 - space;
        c.latin += alpha;
        c.alpha_words += alpha & after_space;
        c.caps += u32::from(f & R_UPPER != 0) & after_space;
        c.symbols += u32::from(f & (R_SPACE | R_ALPHA | R_PLAIN) == 0);
        c.digits |= f & R_DIGIT != 0;
        after_space = space;
    }
    c
}

pub use textmill_text::normalize::ascii_key;
use textmill_text::normalize::ascii_key_padded;

/// [`line_sig`] of an ASCII line from its key: the key's bytes with digit
/// runs folded to one `0` (`digits`: whether the key has a digit), folded
/// into the caller's scratch `folded`.
pub fn key_sig(key: &[u8], digits: bool, folded: &mut Vec<u8>) -> u64 {
    if key.is_empty() {
        0
    } else if digits {
        fold_digit_runs(key, folded);
        sig_of(folded)
    } else {
        sig_of(key)
    }
}

/// `key` with each run of ASCII digits replaced by one `0`, into `out`.
pub(crate) fn fold_digit_runs(key: &[u8], out: &mut Vec<u8>) {
    if !crate::avx512::fold_digit_runs(key, out) {
        fold_digit_runs_portable(key, out);
    }
}

/// [`fold_digit_runs`] a run at a time on any CPU.
pub(crate) fn fold_digit_runs_portable(key: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut rest = key;
    while let Some(d) = rest.iter().position(u8::is_ascii_digit) {
        out.extend_from_slice(&rest[..d]);
        out.push(b'0');
        let run = rest[d..].iter().take_while(|b| b.is_ascii_digit()).count();
        rest = &rest[d + run..];
    }
    out.extend_from_slice(rest);
}

/// `raw` itself when it is ASCII, else its [`ascii_stand_in`] (in `scratch`)
/// when it has one, else None: one scan for the common case.
pub(crate) fn ascii_form<'s>(raw: &'s str, scratch: &'s mut String) -> Option<&'s str> {
    match first_non_ascii(raw.as_bytes()) {
        None => Some(raw),
        first => ascii_stand_in(raw, first, scratch).then_some(scratch.as_str()),
    }
}

/// Write to `out` the line with each non-ASCII character replaced by an
/// ASCII one that every reader of a line treats the same way, and return
/// true, when it has only such characters: then the ASCII paths give its
/// key, features and learned signature. Typographic quotes, dashes, bullets, `»`, `£`, `©` and the
/// no-break space make most non-ASCII news lines non-ASCII; each stand-in
/// has the same key role ([`role`]), the same feature class (whitespace,
/// prose punctuation or symbol, see [`classify::is_prose_punct`]), the same
/// membership in [`classify::is_terminal`]'s closing marks and the same
/// effect on [`line_sig`] (break or dropped). A test checks the ASCII path
/// on stand-ins against the general loop. `first` is where `raw`'s first
/// non-ASCII byte is (None when it has none): the caller has looked already.
fn ascii_stand_in(raw: &str, first: Option<usize>, out: &mut String) -> bool {
    out.clear();
    let (mut rest, mut next) = (raw, first);
    // Runs of ASCII are copied whole; only the other characters are decoded.
    while let Some(at) = next {
        out.push_str(&rest[..at]);
        let Some(c) = rest[at..].chars().next() else {
            break;
        };
        out.push(match c {
            // Dropped, prose punctuation, a closing mark.
            '’' => '\'',
            '”' => '"',
            // Dropped, prose punctuation, not a closing mark.
            '‘' | '“' | '£' => '%',
            // A break, prose punctuation.
            '–' | '—' => '-',
            // A break, a symbol.
            '•' | '·' => '|',
            // Dropped, a symbol, a closing mark.
            '»' => '*',
            // Dropped, a symbol.
            '©' => '#',
            '\u{A0}' => ' ',
            _ => return false,
        });
        rest = &rest[at + c.len_utf8()..];
        next = first_non_ascii(rest.as_bytes());
    }
    out.push_str(rest);
    true
}

/// What a character does to a key.
enum Role {
    /// Kept, lowercased.
    Alnum,
    /// Becomes a word break.
    Break,
    /// Dropped.
    Vanish,
    /// NFKC might change it: use the shared function.
    Slow,
}

#[inline]
fn role(c: char) -> Role {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            Role::Alnum
        } else if c.is_ascii_whitespace()
            || c == '\u{0B}'
            || textmill_text::normalize::is_separator_punct(c)
        {
            Role::Break
        } else {
            Role::Vanish
        };
    }
    match c {
        // NFKC maps these spaces to U+0020 or keeps them as whitespace.
        c if c.is_whitespace() => Role::Break,
        // Separators that NFKC leaves alone (normalize.rs `is_separator_punct`).
        '–' | '—' | '·' | '•' => Role::Break,
        // Punctuation and symbols without a compatibility decomposition.
        '‘' | '’' | '“' | '”' | '«' | '»' | '£' | '€' | '©' | '®' | '°' | '§' | '¶' | '¢' | '¥'
        | '×' | '÷' | '¡' | '¿' | '¦' | '¬' => Role::Vanish,
        // Precomposed Latin letters without compatibility decompositions
        // (Ĳ ĳ Ŀ ŀ ŉ ſ have them).
        '\u{C0}'..='\u{FF}' | '\u{100}'..='\u{17E}'
            if !matches!(c, '\u{132}' | '\u{133}' | '\u{13F}' | '\u{140}' | '\u{149}') =>
        {
            Role::Alnum
        }
        _ => Role::Slow,
    }
}

/// Class of an ASCII byte in a key: 0 dropped, 1 letter or digit, 2 word
/// break (the shared normaliser's classes, see [`normalize::ascii_class`]).
#[inline]
pub const fn ascii_class(b: u8) -> u8 {
    match normalize::ascii_class(b) {
        0 => 0,
        normalize::BREAK => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key `Keys` builds for a one-line text.
    fn fast(s: &str) -> String {
        let ls = textmill_text::lines::lines(s);
        if ls.is_empty() {
            return String::new();
        }
        Keys::new(&ls, s.len()).key(0).to_string()
    }

    #[test]
    fn fast_keys_equal_the_shared_normaliser() {
        let alphabet: Vec<char> =
            "aZ9 \t-/|,.;:'\"()!?_…–—·•‘’“”«»£€©®°×éÉßÿŁłĲŀ™½ﬁ\u{A0}\u{2009}\u{301}Жх中"
                .chars()
                .collect();
        for s in crate::tests::walk_strings(&alphabet, 0x9E37_79B9_7F4A_7C15, 24, 5000) {
            assert_eq!(fast(&s), normalize_for_match(&s), "input {s:?}");
        }
        let seed = include_str!("../tests_fixtures/menafn-kursk.txt");
        for l in seed.lines() {
            assert_eq!(fast(l), normalize_for_match(l));
        }
    }

    #[test]
    fn one_pass_keys_and_features_equal_the_separate_functions() {
        let alphabet: Vec<char> = "aZ9 \t-/|,.;:'\"()!?_$%&#*+=@~^`<>[]{}»’é"
            .chars()
            .collect();
        for s in random_lines(&alphabet, WORDS) {
            let ls = textmill_text::lines::lines(&s);
            let k = Keys::new(&ls, s.len());
            for (i, l) in ls.iter().enumerate() {
                let key = normalize_for_match(l.text);
                assert_eq!(k.key(i), key, "{s:?}");
                assert_eq!(k.feats[i], classify::features(l.text, &key), "{s:?}");
                assert_eq!(k.sigs[i], line_sig(l.text).0, "{s:?}");
            }
        }
    }

    #[test]
    fn ascii_lines_get_what_the_general_loop_gives() {
        // Compared with `one_pass`, not `classify::features`: both share the
        // packed stop-word lookup and so its rare false hits (`word_key`).
        let alphabet: Vec<char> = "aZ9 \t\x0b\x0c\x1f-/|,.;:'\"()!?_$%&#*+=@~^`<>[]{}\\"
            .chars()
            .collect();
        // Stop words at the lookup's length limit, and words past it and
        // past the 16 bytes a lookup packs.
        let long = [
            "themselves",
            "Yourselves",
            "ourselves",
            "abovementioned",
            "internationalisation",
        ];
        let words: Vec<&str> = WORDS.iter().chain(&long).copied().collect();
        for s in random_lines(&alphabet, &words) {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let fast = ascii_pass(&s, &mut a, &mut Vec::new(), None);
            assert_eq!(Some(fast), one_pass(&s, &mut b, &mut Vec::new()), "{s:?}");
            assert_eq!(a, b, "{s:?}");
        }
    }

    const WORDS: &[&str] = &[
        "the",
        "of",
        "and",
        "about",
        "Between",
        "THEREFORE",
        "it",
        "x",
        "2024",
    ];

    /// Pseudo-random lines over `alphabet` and `words`.
    fn random_lines(alphabet: &[char], words: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..5000 {
            let mut s = String::new();
            for _ in 0..(x % 30) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if x.is_multiple_of(3) {
                    s.push_str(words[(x % words.len() as u64) as usize]);
                } else {
                    s.push(alphabet[(x % alphabet.len() as u64) as usize]);
                }
            }
            x = x.wrapping_add(1);
            out.push(s);
        }
        out
    }

    #[test]
    fn the_stop_table_answers_as_a_hash_set_would() {
        let words: Vec<u64> = classify::stopword_list()
            .map(|w| word_key_of(w.as_bytes()))
            .collect();
        let set: std::collections::HashSet<u64> = words.iter().copied().collect();
        let table = StopTable::new(words.iter().copied());
        // The built-in list fits 1024 buckets (16 KB, as documented).
        assert_eq!(table.bits, 10);
        let mut x: u64 = 0x51_7CC1_B727_220A;
        for probe in words.iter().copied().chain((0..100_000).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })) {
            assert_eq!(table.contains(probe), set.contains(&probe), "{probe:#x}");
        }
        // Words like those the lines hold, stop words or not.
        for w in [
            "the",
            "The",
            "said",
            "between",
            "betweenx",
            "themselves",
            "x",
            "2024",
        ] {
            let k = word_key_of(w.as_bytes());
            assert_eq!(table.contains(k), set.contains(&k), "{w}");
        }
        assert!(!table.contains(0));
    }

    #[test]
    fn stand_ins_get_what_the_general_loop_gives() {
        let alphabet: Vec<char> = "aZ9 .,\"'*%#|-’”‘“£–—•·»©\u{A0}".chars().collect();
        let long = ["themselves", "abovementioned"];
        let words: Vec<&str> = WORDS.iter().chain(&long).copied().collect();
        for s in random_lines(&alphabet, &words) {
            let mut buf = String::new();
            let a = ascii_form(&s, &mut buf).expect("every character has a stand-in");
            let (mut x, mut y) = (Vec::new(), Vec::new());
            assert_eq!(
                Some(ascii_pass(a, &mut x, &mut Vec::new(), None)),
                one_pass(&s, &mut y, &mut Vec::new()),
                "{s:?}"
            );
            assert_eq!(x, y, "{s:?}");
            let general = crate::learned::general_sig(&s, &mut Vec::new());
            assert_eq!(line_sig(&s), general, "{s:?}");
        }
        let mut a = String::new();
        assert_eq!(ascii_form("café", &mut a), None);
        assert_eq!(ascii_form("a … b", &mut a), None);
        // A line that was not ASCII before is written whole after one that was.
        assert_eq!(ascii_form("“Yes” – £5 ©", &mut a), Some("%Yes\" - %5 #"));
    }

    #[test]
    fn phrase_starts_found_while_building_keys_give_the_search_s_matches() {
        let mut patterns: Vec<String> = Vec::new();
        for (name, text) in crate::rules::BUILTIN_PACKS {
            let p = crate::rules::Pack::parse(text, name).expect("parses");
            for ph in p.phrases.iter().chain(&p.short_phrases) {
                patterns.push(normalize_for_match(ph));
            }
        }
        patterns.extend(["café au lait", "naïve reader", "fine print", "x1 x1"].map(String::from));
        let set = PhraseSet::new(&patterns);
        // Words of the phrases, and raw tokens for each way a line's key is
        // built: ASCII, a stand-in (quotes, dashes), the one-pass loop
        // (accents) and the shared normaliser (the "ﬁ" ligature).
        let mut vocab: Vec<&str> = patterns.iter().flat_map(|p| p.split(' ')).collect();
        vocab.extend([
            "Read",
            "MORE",
            "“quoted”",
            "—",
            "Café",
            "NAÏVE",
            "ﬁne",
            ",",
            "|",
            "x1",
        ]);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let mut keys = Keys::default();
        let mut scanned = 0;
        for _ in 0..400 {
            let text: String = (0..1 + next(12))
                .map(|_| {
                    // Blank lines, short lines and the odd long one.
                    let words = [0, 1 + next(6), 1 + next(80)][next(3)];
                    (0..words)
                        .map(|_| vocab[next(vocab.len())])
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join("\n");
            let ls = textmill_text::lines::lines(&text);
            keys.fill(&ls, text.len(), Some(&set));
            let starts = keys.phrase_starts(&set).expect("scanned for this set");
            let (mut fused, mut searched) = (Vec::new(), Vec::new());
            set.matches(keys.joined.as_bytes(), starts, &mut fused);
            set.find(keys.joined.as_bytes(), &mut searched);
            assert_eq!(fused, searched, "{text:?}");
            scanned += fused.len();
        }
        // The pages did hold phrases, across lines of every kind.
        assert!(scanned > 400, "{scanned}");
        let other = PhraseSet::new(&patterns);
        assert!(keys.phrase_starts(&other).is_none());
    }

    #[test]
    fn keys_are_joined_with_spans() {
        let text = "A b\n\nC-d";
        let ls = textmill_text::lines::lines(text);
        let k = Keys::new(&ls, text.len());
        assert_eq!(k.joined, "a b  c d ");
        assert_eq!((k.key(0), k.key(1), k.key(2)), ("a b", "", "c d"));
    }
}
