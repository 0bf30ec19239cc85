//! Within-document dedupe: repeated paragraphs and lines, keeping the first.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::ops::Range;
use textmill_text::hash::{IdHasher, hash128};
use textmill_text::lines::{Line, join_lines, join_lines_sized, lines, paragraphs};
use textmill_text::normalize::normalize_into;

/// Sets and maps keyed by 128-bit key hashes, which need no further hashing.
type Hashed128<V> = HashMap<u128, V, BuildHasherDefault<IdHasher>>;
type Seen128 = HashSet<u128, BuildHasherDefault<IdHasher>>;

/// What an analysis builds its keys from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUnit {
    /// Sentence keys, with each line's key the range of its sentences':
    /// what the near-duplicate checks need.
    Sentences,
    /// Line keys only: the same line keys (sentences are cut at whitespace,
    /// which normalisation turns into the joining space) without running the
    /// sentence splitter; `sentences` stays empty.
    Lines,
}

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

/// A text split into lines and sentences, each with its comparison key,
/// and which lines within-document dedupe keeps. Computed once and shared by
/// dedupe (the output text) and the document's signature, so the text is
/// normalised only once.
///
/// Every key is a range of one buffer holding the sentence keys in text
/// order, joined by single spaces: a line's key is then a range too (its
/// sentences' keys joined by a space), and so is the whole text's.
#[derive(Debug, Clone)]
pub struct Analysis<'a> {
    /// The lines of the input.
    pub lines: Vec<Line<'a>>,
    /// Whether each line is kept.
    pub keep: Vec<bool>,
    /// The keys, joined by single spaces.
    pub keys: String,
    /// Each line's key, as a range of `keys`.
    pub line_keys: Vec<Range<usize>>,
    /// Each sentence's line and key (a range of `keys`), in text order.
    pub sentences: Vec<(usize, Range<usize>)>,
    /// Number of lines removed.
    pub lines_removed: usize,
}

impl Analysis<'_> {
    /// The key of line `i`.
    pub fn line_key(&self, i: usize) -> &str {
        &self.keys[self.line_keys[i].clone()]
    }

    /// The kept text in `join_lines` form, or `None` when nothing was removed.
    pub fn text(&self) -> Option<String> {
        (self.lines_removed > 0).then(|| {
            join_lines(
                self.lines
                    .iter()
                    .filter(|l| self.keep[l.index])
                    .map(|l| l.text),
            )
        })
    }
}

/// Remove paragraphs and lines whose normalised form (NFKC, case,
/// punctuation, whitespace) repeats an earlier one in the same text.
///
/// Keys shorter than `min_chars` characters are never removed: a short line
/// such as "Advertisement" repeating is boilerplate's business, not a copy of
/// content. With `near`, a unit also counts as a repeat when its words are
/// one word edit (substitute, insert, delete) away from an earlier unit.
///
/// The result is settled: a second call on it removes nothing (for any page
/// that settles within [`MAX_PASSES`] passes).
pub fn dedupe_within(text: &str, min_chars: usize, near: bool) -> WithinResult {
    settled(text, min_chars, near, KeyUnit::Lines, |_, kept, removed| {
        WithinResult {
            text: (!removed.is_empty()).then(|| kept.to_string()),
            lines_removed: removed.len(),
        }
    })
}

/// The text [`dedupe_within`] returns, from the removed lines [`settled`]
/// reported (line numbers of `text`, ascending): the other lines in
/// `join_lines` form, or `None` when none is removed. No analysis is redone.
pub fn without_lines(text: &str, removed: &[u32]) -> Option<String> {
    if removed.is_empty() {
        return None;
    }
    let mut next = removed.iter().copied().peekable();
    let kept = lines(text).into_iter().filter_map(|l| {
        if next.peek().is_some_and(|&r| r as usize == l.index) {
            next.next();
            None
        } else {
            Some(l.text)
        }
    });
    Some(join_lines_sized(kept, text.len()))
}

/// Most passes [`settled`] makes. Real pages settle in two; a page built to
/// need more is cut off here, so work stays linear in the text.
pub const MAX_PASSES: usize = 8;

/// Analyse `text`, and the kept text again while a pass removes lines, then
/// hand `done` the last analysis, its text and the lines removed in all (as
/// line numbers of `text`, ascending: [`without_lines`] rebuilds the kept
/// text from them). One pass can leave a repeat behind: a short line that
/// goes with a copied run is removed after the paragraphs were compared, so
/// what is left of an earlier paragraph may now equal a later one. After
/// [`MAX_PASSES`] the text is taken as it is (the last analysis's removals
/// are not applied).
pub fn settled<R>(
    text: &str,
    min_chars: usize,
    near: bool,
    unit: KeyUnit,
    done: impl FnOnce(&Analysis<'_>, &str, &[u32]) -> R,
) -> R {
    let mut kept: Option<String> = None;
    let mut removed: Vec<u32> = Vec::new();
    // The line of `text` each line of the kept text is; `None` until a pass
    // removes something (then the lines are `text`'s own).
    let mut source: Option<Vec<u32>> = None;
    let mut passes = 0;
    loop {
        passes += 1;
        let current = kept.as_deref().unwrap_or(text);
        let a = analyze(current, min_chars, near, unit);
        match a.text() {
            Some(next) if passes < MAX_PASSES => {
                source = Some(trace_removal(&a, source.as_deref(), &mut removed));
                drop(a);
                kept = Some(next);
            }
            _ => {
                removed.sort_unstable();
                return done(&a, current, &removed);
            }
        }
    }
}

/// Follow one pass of removal back to the original text: add the removed
/// lines' original numbers to `removed`, and return the original number of
/// each line of the pass's output ([`Analysis::text`]). `source` maps the
/// analysed text's lines to the original's (`None`: they are the original's).
///
/// `join_lines` keeps each non-blank line and turns a run of blank lines
/// between two of them into one; removal takes only non-blank lines, so the
/// output's blank lines are never removed later and need no number (they get
/// `u32::MAX`).
fn trace_removal(a: &Analysis<'_>, source: Option<&[u32]>, removed: &mut Vec<u32>) -> Vec<u32> {
    // Line numbers fit u32: a document is at most 4 GiB (the host's limit is
    // far lower), and every line but the last ends in a byte of its own.
    let original = |i: usize| source.map_or(i as u32, |s| s[i]);
    let mut out = Vec::with_capacity(a.lines.len());
    let mut pending_blank = false;
    for l in &a.lines {
        if !a.keep[l.index] {
            debug_assert!(!l.is_blank(), "removal takes only non-blank lines");
            removed.push(original(l.index));
        } else if l.is_blank() {
            pending_blank = !out.is_empty();
        } else {
            if pending_blank {
                out.push(u32::MAX);
                pending_blank = false;
            }
            out.push(original(l.index));
        }
    }
    out
}

/// The analysis behind [`dedupe_within`], with keys built per `unit`.
pub fn analyze(text: &str, min_chars: usize, near: bool, unit: KeyUnit) -> Analysis<'_> {
    let ls = lines(text);
    let mut buf = String::with_capacity(text.len());
    let mut line_keys: Vec<Range<usize>> = vec![0..0; ls.len()];
    let mut sentences: Vec<(usize, Range<usize>)> = Vec::new();
    // Append one unit's key to `buf`, joined by a space; its range, empty
    // (and nothing appended) when the unit has no word.
    let push_key = |unit_text: &str, buf: &mut String| -> Range<usize> {
        let joined = buf.len();
        if !buf.is_empty() {
            buf.push(' ');
        }
        let start = buf.len();
        normalize_into(unit_text, buf);
        if buf.len() == start {
            buf.truncate(joined);
            return joined..joined;
        }
        start..buf.len()
    };
    match unit {
        KeyUnit::Lines => {
            for (l, key) in ls.iter().zip(&mut line_keys) {
                *key = push_key(l.text, &mut buf);
            }
        }
        KeyUnit::Sentences => {
            // Sentences never cross a line break and are cut at whitespace,
            // so a line's key is its sentences' keys joined by a space: a
            // range of `buf`.
            for s in textmill_text::sentences::sentences(text) {
                let key = push_key(s.text, &mut buf);
                if !key.is_empty() {
                    let line = &mut line_keys[s.line];
                    if line.start == line.end {
                        *line = key.clone();
                    } else {
                        line.end = key.end;
                    }
                }
                sentences.push((s.line, key));
            }
        }
    }
    let keys: Vec<&str> = line_keys.iter().map(|r| &buf[r.clone()]).collect();
    let mut keep = vec![true; ls.len()];
    let key_hashes: Vec<u128> = keys.iter().map(|k| hash128(k.as_bytes())).collect();
    let mut first_line: Hashed128<usize> =
        Hashed128::with_capacity_and_hasher(ls.len(), Default::default());
    for (i, k) in keys.iter().enumerate() {
        if !k.is_empty() {
            first_line.entry(key_hashes[i]).or_insert(i);
        }
    }
    let mut seen = Seen128::with_capacity_and_hasher(ls.len(), Default::default());
    let mut kept_words: Vec<Vec<String>> = Vec::new();
    // A character is one to four bytes: the byte length settles most keys
    // without counting.
    let long_enough = |key: &str| {
        key.len() >= min_chars
            && (key.len() >= min_chars.saturating_mul(4) || key.chars().count() >= min_chars)
    };

    // Whether `key` repeats a kept one: the same key, or with `near` one
    // word edit away. Keys shorter than `min_chars` never repeat.
    let repeats = |key: &str, hash: u128, seen: &Seen128, kept_words: &[Vec<String>]| -> bool {
        if !long_enough(key) {
            return false;
        }
        if seen.contains(&hash) {
            return true;
        }
        near && {
            let words: Vec<String> = key.split(' ').map(str::to_string).collect();
            kept_words.iter().any(|k| one_word_edit(k, &words))
        }
    };
    // Record a kept key, for later ones to be compared with.
    let record = |key: &str, hash: u128, seen: &mut Seen128, kept_words: &mut Vec<Vec<String>>| {
        if long_enough(key) && seen.insert(hash) && near {
            kept_words.push(key.split(' ').map(str::to_string).collect());
        }
    };

    for p in paragraphs(&ls) {
        let members = &ls[p.first_line..p.end_line];
        // A multi-line paragraph repeated as a whole goes as a whole. Its
        // key (the lines' keys joined by a space) is a range of `buf`. It is
        // recorded after its lines: a line must not repeat its own paragraph
        // (a sentence with a lone `.` under it has the sentence's key; with
        // `near`, a sentence under a one-word line is one word away).
        let mut paragraph = None;
        if members.len() > 1 {
            let mut ranges = members
                .iter()
                .map(|l| &line_keys[l.index])
                .filter(|r| !r.is_empty());
            let first = ranges.next().map_or(0, |r| r.start);
            let end = ranges.next_back().map_or(first, |r| r.end).max(first);
            let key = &buf[first..end];
            let hash = hash128(key.as_bytes());
            if repeats(key, hash, &seen, &kept_words) {
                for l in members {
                    keep[l.index] = false;
                }
                continue;
            }
            paragraph = Some((key, hash));
        }
        let mut removed_some = false;
        for l in members {
            let (key, hash) = (keys[l.index], key_hashes[l.index]);
            if repeats(key, hash, &seen, &kept_words) {
                keep[l.index] = false;
                removed_some = true;
            } else {
                record(key, hash, &mut seen, &mut kept_words);
            }
        }
        if let Some((key, hash)) = paragraph {
            record(key, hash, &mut seen, &mut kept_words);
        }
        if removed_some {
            // What is left of the paragraph is one paragraph of the output:
            // a copy of earlier text as a whole goes now, not on a second
            // pass. Exact copies only: with `near`, two lines left are one
            // word away from the longer one, which was just recorded.
            let left: Vec<&str> = members
                .iter()
                .filter(|l| keep[l.index] && !keys[l.index].is_empty())
                .map(|l| keys[l.index])
                .collect();
            if left.len() > 1 {
                let key = left.join(" ");
                let hash = hash128(key.as_bytes());
                if long_enough(&key) && !seen.insert(hash) {
                    for l in members {
                        keep[l.index] = false;
                    }
                }
            }
        }
    }
    // Only a removed line takes neighbours with it; most pages have none.
    if keep.contains(&false) {
        // For each removed line, the line it copies (when known): lets a short
        // line inside a copied run of paragraphs go with its run.
        let mut origin: Vec<Option<usize>> = vec![None; ls.len()];
        for (i, h) in key_hashes.iter().enumerate() {
            if !keep[i] {
                origin[i] = first_line.get(h).copied().filter(|&o| o < i);
            }
        }
        let line_hashes: Vec<Option<u128>> = keys
            .iter()
            .zip(&key_hashes)
            .map(|(k, &h)| (!k.is_empty()).then_some(h))
            .collect();
        extend_copied_runs(&line_hashes, &first_line, &mut keep, &mut origin);
    }
    drop(first_line);
    let lines_removed = keep.iter().filter(|k| !**k).count();
    Analysis {
        lines: ls,
        keep,
        keys: buf,
        line_keys,
        sentences,
        lines_removed,
    }
}

/// Remove short lines that sit inside a removed copy of a run of lines: when
/// a neighbour (skipping blank lines) was removed as a copy of line `o`, and
/// this line repeats the line next to `o` on the same side, it belongs to the
/// copied run. A short line repeated on its own is left alone.
///
/// `keys` holds each line's key hash, `None` for a line without a key.
fn extend_copied_runs(
    keys: &[Option<u128>],
    first_line: &Hashed128<usize>,
    keep: &mut [bool],
    origin: &mut [Option<usize>],
) {
    let nonblank: Vec<usize> = (0..keys.len()).filter(|&i| keys[i].is_some()).collect();
    // Position of each line among the non-blank ones.
    let mut pos_of: Vec<Option<usize>> = vec![None; keys.len()];
    for (p, &i) in nonblank.iter().enumerate() {
        pos_of[i] = Some(p);
    }
    let mut changed = true;
    while changed {
        changed = false;
        for p in 0..nonblank.len() {
            let i = nonblank[p];
            if !keep[i] {
                continue;
            }
            let Some(&o) = keys[i].and_then(|h| first_line.get(&h)) else {
                continue;
            };
            if o >= i {
                continue;
            }
            let Some(op) = pos_of[o] else { continue };
            let neighbour_copies = |np: Option<usize>, onp: Option<usize>| match (np, onp) {
                (Some(np), Some(onp)) => {
                    let n = nonblank[np];
                    !keep[n] && origin[n] == Some(nonblank[onp])
                }
                _ => false,
            };
            let before = neighbour_copies(p.checked_sub(1), op.checked_sub(1));
            let after = neighbour_copies(
                Some(p + 1).filter(|&x| x < nonblank.len()),
                Some(op + 1).filter(|&x| x < nonblank.len()),
            );
            if before || after {
                keep[i] = false;
                origin[i] = Some(o);
                changed = true;
            }
        }
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
    fn a_short_line_inside_a_copied_run_goes_with_its_run() {
        let t = "Headline\nThe first long paragraph of the story.\nMeanwhile\nThe second long paragraph of the story.\nThe first long paragraph of the story.\nMeanwhile\nThe second long paragraph of the story.\nMeanwhile\n";
        let r = dedupe_within(t, 20, false);
        // The second "Meanwhile" is inside the copied run; the third is alone.
        assert_eq!(
            r.text.as_deref(),
            Some(
                "Headline\nThe first long paragraph of the story.\nMeanwhile\nThe second long paragraph of the story.\nMeanwhile\n"
            )
        );
    }

    #[test]
    fn a_paragraph_left_equal_to_a_later_one_goes_in_the_same_call() {
        // "tiny one" goes with the copied "Alpha" line after the paragraphs
        // were compared; what is left of that paragraph then equals the last
        // one, which a single pass kept (found by the dedupe fuzz target).
        let t = "Alpha line that is long enough to count.\ntiny one\n\nShort headline here\nBody line that is short\nAlpha line that is long enough to count.\ntiny one\n\nA different paragraph that is long enough.\n\nShort headline here\nBody line that is short\n";
        let r = dedupe_within(t, 30, false);
        assert_eq!(
            r.text.as_deref(),
            Some(
                "Alpha line that is long enough to count.\ntiny one\n\nShort headline here\nBody line that is short\n\nA different paragraph that is long enough.\n"
            )
        );
        assert_eq!(r.lines_removed, 4);
        assert_eq!(dedupe_within(r.text_or(t), 30, false).text, None);
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
