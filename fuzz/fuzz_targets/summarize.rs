//! The `summarize` plugin's document function through its Rust API, with
//! each algorithm (and each graph similarity) at its defaults, chosen by the
//! first input byte; the rest is the document text.
//!
//! Every summary sentence is a sentence of the document, in document order;
//! a document with sentences gets a non-empty summary; the stage's
//! `metadata.summary` is the summary's text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use textmill_plugin_sdk::{Action, Doc, DocumentStage, Plugin, Stats};
use textmill_summarize::{Summarize, config, summarize};
use textmill_text::sentences::sentences;

/// The configs tried: every algorithm, and every similarity of the graph ones.
fn configs() -> Vec<serde_json::Value> {
    use serde_json::json;
    vec![
        json!({}),
        json!({"algorithm": "lead"}),
        json!({"algorithm": "textrank"}),
        json!({"algorithm": "textrank", "similarity": "overlap"}),
        json!({"algorithm": "textrank", "similarity": "cosine"}),
        json!({"algorithm": "lexrank"}),
        json!({"algorithm": "positional", "similarity": "cosine"}),
        json!({"algorithm": "positional", "max_words": 40, "include_headline": true}),
    ]
}

struct Setup {
    settings: Vec<config::Settings>,
    stages: Vec<Summarize>,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let cs = configs();
        Setup {
            settings: cs
                .iter()
                .map(|c| config::build(c).expect("valid config"))
                .collect(),
            stages: cs
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    c["sentence_indices"] = true.into();
                    c["explain"] = true.into();
                    Summarize::from_config(&c).expect("valid config")
                })
                .collect(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let s = setup();
    let which = which as usize % s.settings.len();
    let text = String::from_utf8_lossy(rest);
    let text = text.as_ref();
    let all = sentences(text);
    let summary = summarize(&s.settings[which], text);
    let mut prev: Option<usize> = None;
    for sent in &summary.sentences {
        assert!(
            prev.is_none_or(|p| p < sent.index),
            "summary out of document order"
        );
        assert_eq!(
            all.get(sent.index),
            Some(sent),
            "not a sentence of the document"
        );
        prev = Some(sent.index);
    }
    assert!(summary.sentences.len() <= summary.candidates);
    if !all.is_empty() {
        assert!(
            !summary.sentences.is_empty(),
            "a document with sentences got no summary"
        );
    }

    let doc = Doc {
        ordinal: 0,
        id: "fuzz",
        text,
        fields_json: "{}",
    };
    let out = s.stages[which].process(&doc, &mut Stats::default());
    assert_eq!(out.action, Action::Keep);
    let meta = out
        .metadata
        .get("summary")
        .and_then(|v| v.as_str())
        .expect("metadata.summary");
    let indices: Vec<usize> = out.metadata["summary_sentences"]
        .as_array()
        .expect("summary_sentences")
        .iter()
        .map(|v| v.as_u64().expect("index") as usize)
        .collect();
    let picked: Vec<&str> = indices.iter().map(|&i| all[i].text).collect();
    assert_eq!(meta, picked.join("\n"));
});
