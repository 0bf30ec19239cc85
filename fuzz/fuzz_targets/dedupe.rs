//! The `dedupe` plugin through its Rust API, as the host drives a corpus
//! stage: `observe` two halves of a small batch (documents cut on 0xFF),
//! `merge`, `finish`, then `apply` each document, with the default config.
//!
//! No document gets an error; a duplicate names a surviving document of the
//! batch; a survivor's text is what `dedupe_within` makes of it (`apply`
//! rebuilds it from the lines `observe` recorded), keeps input lines in order, and
//! within-document dedupe of that text removes nothing more; line keys
//! built from whole lines equal those built from sentences (the
//! exact-only mode relies on it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Mutex;
use textmill_dedupe::Dedupe;
use textmill_dedupe::within::{KeyUnit, analyze, dedupe_within};
use textmill_fuzz::{Batch, assert_lines_subsequence, learn};
use textmill_plugin_sdk::{Action, CorpusStage, Plugin, Stats};

/// `finish` replaces every decision, so one stage serves every input.
static STAGE: Mutex<Option<Dedupe>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let mut guard = STAGE.lock().unwrap_or_else(|e| e.into_inner());
    let stage =
        guard.get_or_insert_with(|| Dedupe::from_config(&serde_json::json!({})).expect("config"));
    let batch = Batch::of(data);
    let docs = batch.docs();
    // Batches may finish in any order; the ordinal decides.
    learn(stage, &docs, true);
    let (min_chars, near) = (
        stage.config().min_line_chars,
        stage.config().near_paragraphs,
    );
    let outs: Vec<_> = docs
        .iter()
        .map(|d| stage.apply(d, &mut Stats::default()))
        .collect();
    for (d, out) in docs.iter().zip(&outs) {
        let by_sentence = analyze(d.text, min_chars, near, KeyUnit::Sentences);
        let by_line = analyze(d.text, min_chars, near, KeyUnit::Lines);
        assert_eq!(by_sentence.keys, by_line.keys, "keys differ by unit");
        for i in 0..by_line.lines.len() {
            assert_eq!(
                by_sentence.line_key(i),
                by_line.line_key(i),
                "line {i}'s key differs by unit"
            );
        }
        assert_eq!(by_sentence.keep, by_line.keep, "kept lines differ by unit");
        match &out.action {
            Action::Keep => {
                assert_eq!(dedupe_within(d.text, min_chars, near).text, None, "kept a repeat");
            }
            Action::Replace(t) => {
                // `apply` rebuilds the text from the lines `observe` found.
                assert_eq!(
                    dedupe_within(d.text, min_chars, near).text.as_deref(),
                    Some(t.as_str()),
                    "rebuilt text differs"
                );
                assert_lines_subsequence(d.text, t, false);
                assert_eq!(
                    dedupe_within(t, min_chars, near).text,
                    None,
                    "second pass removed more"
                );
            }
            Action::Drop(reason) => {
                assert_eq!(reason, "duplicate");
                let of = out.detail["duplicate_of"].as_str().expect("duplicate_of");
                let i = docs
                    .iter()
                    .position(|d| d.id == of)
                    .expect("duplicate_of a batch id");
                assert!(
                    !matches!(outs[i].action, Action::Drop(_)),
                    "duplicate of a dropped doc"
                );
            }
            Action::Error(e) => panic!("error outcome: {e}"),
        }
    }
});
