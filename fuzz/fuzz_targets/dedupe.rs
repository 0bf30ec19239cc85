//! The `dedupe` plugin through its Rust API, as the host drives a corpus
//! stage: `observe` two halves of a small batch (documents cut on 0xFF),
//! `merge`, `finish`, then `apply` each document, with the default config.
//!
//! No document gets an error; a duplicate names a surviving document of the
//! batch; a survivor's new text keeps input lines in order, and
//! within-document dedupe of that text removes nothing more.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Mutex;
use textmill_dedupe::Dedupe;
use textmill_dedupe::within::dedupe_within;
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
        match &out.action {
            Action::Keep => {}
            Action::Replace(t) => {
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
