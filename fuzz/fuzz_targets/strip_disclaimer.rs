//! The `strip_disclaimer` plugin through its Rust API, as the host drives a
//! corpus stage: `observe` two halves of a small batch (documents cut on
//! 0xFF), `merge`, `finish`, then `apply` each document. The first byte
//! picks the default config or the default with `explain = true`.
//!
//! No document gets an error; a replaced text's lines are input lines in
//! input order (a kept line may lose a byline prefix); a drop is
//! `all_boilerplate`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Mutex;
use textmill_fuzz::{Batch, assert_lines_subsequence, learn};
use textmill_plugin_sdk::{Action, CorpusStage, Plugin, Stats};
use textmill_strip_disclaimer::StripDisclaimer;

/// Built once (compiling the rule packs is slow); `finish` replaces all
/// learned state, so reusing the stage across inputs is what the host does
/// across runs.
static STAGES: Mutex<Vec<StripDisclaimer>> = Mutex::new(Vec::new());

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let mut stages = STAGES.lock().unwrap_or_else(|e| e.into_inner());
    if stages.is_empty() {
        for c in [serde_json::json!({}), serde_json::json!({"explain": true})] {
            stages.push(StripDisclaimer::from_config(&c).expect("valid config"));
        }
    }
    let stage = &mut stages[which as usize % 2];
    let batch = Batch::of(rest);
    let docs = batch.docs();
    learn(stage, &docs, false);
    for d in &docs {
        let out = stage.apply(d, &mut Stats::default());
        match &out.action {
            Action::Keep => {}
            Action::Replace(t) => {
                assert!(!t.trim().is_empty(), "replaced with an empty text");
                assert_lines_subsequence(d.text, t, true);
            }
            Action::Drop(reason) => assert_eq!(reason, "all_boilerplate"),
            Action::Error(e) => panic!("error outcome: {e}"),
        }
    }
});
