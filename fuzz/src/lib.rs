//! Helpers shared by the fuzz targets: cutting one fuzz input into a small
//! batch of documents, and the invariants more than one target asserts.

use textmill_plugin_sdk::{CorpusStage, Doc};
use textmill_text::lines::lines;

/// The byte that separates documents in a batch input. 0xFF never occurs in
/// UTF-8, so it cannot be part of a text.
pub const DOC_SEPARATOR: u8 = 0xFF;

/// The most documents a batch target builds from one input.
pub const MAX_DOCS: usize = 8;

/// Cut `data` into at most [`MAX_DOCS`] texts on [`DOC_SEPARATOR`], each
/// decoded lossily (other invalid bytes become U+FFFD).
pub fn batch_texts(data: &[u8]) -> Vec<String> {
    data.split(|&b| b == DOC_SEPARATOR)
        .take(MAX_DOCS)
        .map(|piece| String::from_utf8_lossy(piece).into_owned())
        .collect()
}

/// The record fields each batch document carries: two sites alternate, so
/// the per-site layers of corpus stages see more than one document per site.
pub fn fields_json(i: usize) -> String {
    format!(
        "{{\"url\":\"https://www.site{}.example/story/{i}\"}}",
        i % 2
    )
}

/// A fuzzed batch: the texts of [`batch_texts`] with ids `d0`, `d1`, … and
/// the fields of [`fields_json`].
pub struct Batch {
    texts: Vec<String>,
    ids: Vec<String>,
    fields: Vec<String>,
}

impl Batch {
    /// The batch cut from `data`.
    pub fn of(data: &[u8]) -> Batch {
        let texts = batch_texts(data);
        let ids = (0..texts.len()).map(|i| format!("d{i}")).collect();
        let fields = (0..texts.len()).map(fields_json).collect();
        Batch { texts, ids, fields }
    }

    /// The documents as a stage sees them, numbered in batch order.
    pub fn docs(&self) -> Vec<Doc<'_>> {
        (0..self.texts.len())
            .map(|i| Doc {
                ordinal: i as u64,
                id: &self.ids[i],
                text: &self.texts[i],
                fields_json: &self.fields[i],
            })
            .collect()
    }
}

/// Let a corpus stage learn `docs` as the host does: observe two halves,
/// merge their states (the second half's first when `reversed`: batches may
/// finish in any order) and finish.
pub fn learn<S: CorpusStage>(stage: &mut S, docs: &[Doc<'_>], reversed: bool) {
    let (a, b) = docs.split_at(docs.len() / 2);
    let sa = stage.observe(a).expect("observe");
    let sb = stage.observe(b).expect("observe");
    let states: [&[u8]; 2] = if reversed { [&sb, &sa] } else { [&sa, &sb] };
    let merged = stage.merge(&states).expect("merge");
    stage.finish(&merged).expect("finish");
}

/// Assert that every non-blank line of `output` is, in order, a distinct
/// line of `input` with trailing whitespace removed; with `allow_prefix_cut`
/// it may also be a suffix of that line (a byline cut off its start).
pub fn assert_lines_subsequence(input: &str, output: &str, allow_prefix_cut: bool) {
    let ins = lines(input);
    let mut next = 0usize;
    for out in lines(output) {
        let out = out.text;
        if out.trim().is_empty() {
            continue;
        }
        let found = ins[next..].iter().position(|l| {
            let l = l.text.trim_end();
            l == out || (allow_prefix_cut && l.ends_with(out))
        });
        match found {
            Some(k) => next += k + 1,
            None => panic!(
                "output line {out:?} is not an input line after input line {next}\n\
                 input: {input:?}\noutput: {output:?}"
            ),
        }
    }
}
