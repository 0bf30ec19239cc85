//! Every summary is made of the document's own sentences, in document
//! order, whatever the algorithm: checked on generated news pages and on
//! arbitrary text.

use proptest::prelude::*;
use serde_json::json;
use textmill_summarize::{config, summarize};
use textmill_text::sentences::sentences;

#[path = "../../../tests/common/pages.rs"]
mod pages;

/// Every algorithm, every graph similarity, and the length limits.
fn all_settings() -> Vec<(serde_json::Value, config::Settings)> {
    [
        json!({"algorithm": "lead"}),
        json!({"algorithm": "textrank", "similarity": "overlap"}),
        json!({"algorithm": "textrank", "similarity": "bm25"}),
        json!({"algorithm": "textrank", "similarity": "cosine"}),
        json!({"algorithm": "lexrank"}),
        json!({"algorithm": "positional"}),
        json!({"algorithm": "positional", "similarity": "cosine", "include_headline": true}),
        json!({"algorithm": "positional", "ratio": 0.5}),
        json!({"algorithm": "textrank", "max_words": 25}),
    ]
    .into_iter()
    .map(|c| {
        let s = config::build(&c).expect("valid config");
        (c, s)
    })
    .collect()
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => pages::page(),
        1 => "\\PC{0,300}",
        1 => "([A-Z][a-z]{0,8}( [a-z]{1,8}){0,12}[.!?]( |\n)){0,12}",
    ]
}

#[test]
fn summary_sentences_are_document_sentences_in_document_order() {
    let settings = all_settings();
    pages::runner(128)
        .run(&text(), |text| {
            let all = sentences(&text);
            for (config, s) in &settings {
                let summary = summarize(s, &text);
                let mut prev = None;
                for sent in &summary.sentences {
                    prop_assert_eq!(all.get(sent.index), Some(sent), "{} not a sentence", config);
                    prop_assert!(prev < Some(sent.index), "{} out of order", config);
                    prev = Some(sent.index);
                }
                // A document with sentences gets a summary.
                prop_assert_eq!(summary.sentences.is_empty(), all.is_empty(), "{}", config);
            }
            Ok(())
        })
        .unwrap();
}
