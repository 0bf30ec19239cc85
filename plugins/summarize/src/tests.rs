//! The stage as the host calls it, and the summary's guarantees.

use super::*;
use serde_json::json;

fn settings(config: serde_json::Value) -> Settings {
    match config::build(&config) {
        Ok(s) => s,
        Err(e) => panic!("config {config} rejected: {e}"),
    }
}

/// The opening of BBC business/001 (BBC News Summary set, used for evaluation only).
const BBC: &str = "Ad sales boost Time Warner profit\n\nQuarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m) for the three months to December, from $639m year-earlier.\n\nThe firm, which is now one of the biggest investors in Google, benefited from sales of high-speed internet connections and higher advert sales. TimeWarner said fourth quarter sales rose 2% to $11.1bn from $10.9bn. Its profits were buoyed by one-off gains which offset a profit dip at Warner Bros, and less users for AOL.\n\nTime Warner said on Friday that it now owns 8% of search-engine Google. But its own internet business, AOL, had has mixed fortunes. It lost 464,000 subscribers in the fourth quarter profits were lower than in the preceding three quarters.\n";

const ALGORITHMS: [&str; 4] = ["lead", "textrank", "lexrank", "positional"];

/// The stage built from `config`, run on [`BBC`] as the host calls it.
fn process_bbc(config: serde_json::Value, stats: &mut Stats) -> textmill_plugin_sdk::Outcome {
    let stage = match Summarize::from_config(&config) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let doc = Doc {
        ordinal: 0,
        id: "a",
        text: BBC,
        fields_json: "{}",
    };
    stage.process(&doc, stats)
}

#[test]
fn every_summary_sentence_is_verbatim_and_in_document_order() {
    for algorithm in ALGORITHMS {
        for similarity in ["overlap", "bm25", "cosine"] {
            let s =
                settings(json!({"algorithm": algorithm, "similarity": similarity, "sentences": 3}));
            let sum = summarize(&s, BBC);
            assert_eq!(sum.sentences.len(), 3, "{algorithm}");
            for w in sum.sentences.windows(2) {
                assert!(w[0].start < w[1].start, "{algorithm}: order");
            }
            for line in sum.text().lines() {
                assert!(BBC.contains(line), "{algorithm}: {line:?} not in the text");
            }
        }
    }
}

#[test]
fn the_headline_is_never_picked_unless_asked() {
    for algorithm in ALGORITHMS {
        let s = settings(json!({"algorithm": algorithm, "ratio": 1.0}));
        let text = summarize(&s, BBC).text();
        assert!(!text.contains("Ad sales boost"), "{algorithm}");
        let s = settings(json!({"algorithm": "lead", "sentences": 1, "include_headline": true}));
        assert_eq!(
            summarize(&s, BBC).text(),
            "Ad sales boost Time Warner profit"
        );
    }
}

#[test]
fn the_news_pipeline_layout_has_a_headline_too() {
    // After strip_disclaimer and dedupe: headline line, then one paragraph per line.
    let text = "Strike ends at car plant\nWorkers ended their strike on Monday after a long dispute. Talks went on for weeks.\nThe union said members would vote on the offer next week.";
    for algorithm in ALGORITHMS {
        let s = settings(json!({"algorithm": algorithm, "sentences": 3}));
        let sum = summarize(&s, text);
        assert_eq!(sum.indices(), [1, 2, 3], "{algorithm}");
    }
    // A headline alone is the text, not a headline.
    let s = settings(json!({}));
    assert_eq!(summarize(&s, "Only a headline\n").text(), "Only a headline");
    // A long first line without a full stop is a paragraph, not a headline.
    let long = format!("{} end\nSecond line here is short.", "word ".repeat(40));
    assert_eq!(
        summarize(
            &settings(json!({"algorithm": "lead", "sentences": 1})),
            &long
        )
        .indices(),
        [0]
    );
}

#[test]
fn lead_takes_the_first_sentences_after_the_headline() {
    let s = settings(json!({"algorithm": "lead", "sentences": 2}));
    let sum = summarize(&s, BBC);
    assert!(
        sum.text()
            .starts_with("Quarterly profits at US media giant")
    );
    assert!(sum.text().ends_with("higher advert sales."));
    assert_eq!(sum.indices(), [1, 2]);
}

#[test]
fn empty_one_sentence_and_unpunctuated_documents() {
    for algorithm in ALGORITHMS {
        let s = settings(json!({"algorithm": algorithm}));
        assert_eq!(summarize(&s, "").text(), "");
        assert_eq!(summarize(&s, "  \n\n ").text(), "");
        assert_eq!(
            summarize(&s, "Only one sentence here.").text(),
            "Only one sentence here."
        );
        assert_eq!(
            summarize(&s, "no terminal punctuation at all").text(),
            "no terminal punctuation at all"
        );
        // Fragments only: there is no prose, so the fragments are what there is.
        assert_eq!(summarize(&s, "By . Associated Press .").sentences.len(), 2);
    }
}

#[test]
fn bylines_and_time_stamps_are_not_candidates() {
    let text = "By . Associated Press . PUBLISHED: . 14:11 EST, 25 October 2013 . | . UPDATED: . 15:36 EST, 25 October 2013 . The bishop of the Fargo diocese has exposed hundreds of church members to hepatitis A. The state Health Department has issued an advisory for anyone who took communion. Symptoms include fever and nausea.";
    for algorithm in ALGORITHMS {
        let s = settings(json!({"algorithm": algorithm, "sentences": 3}));
        let sum = summarize(&s, text);
        assert_eq!(sum.sentences.len(), 3, "{algorithm}");
        assert!(!sum.text().contains("EST"), "{algorithm}: {}", sum.text());
        assert!(!sum.text().contains("Press"), "{algorithm}");
    }
}

#[test]
fn positional_skips_near_copies_but_fills_the_budget() {
    // A Daily Mail page repeats a sentence as a photo caption (cnndm dev).
    let text = "The London Midland service had been pulling into Telford Station, Shropshire, on Saturday when the comments were made. \
        Passengers heard the announcer warn them about pickpockets on the service. \
        The London Midland service had been pulling into Telford Station, Shropshire, on Saturday when the comments were made . \
        The company said it would investigate the comments made on Saturday.";
    let s = settings(json!({"sentences": 2}));
    let sum = summarize(&s, text);
    assert_eq!(sum.sentences.len(), 2);
    assert!(
        !sum.sentences.iter().any(|x| x.index == 2) || !sum.sentences.iter().any(|x| x.index == 0),
        "{}",
        sum.text()
    );
    let s = settings(
        json!({"sentences": 2, "max_overlap": 1.0, "position_weight": 0.0, "algorithm": "textrank"}),
    );
    assert_eq!(summarize(&s, text).sentences.len(), 2);
    let s = settings(json!({"sentences": 2}));
    let copies = "Same words in every sentence here. Same words in every sentence here. Same words in every sentence here.";
    assert_eq!(summarize(&s, copies).sentences.len(), 2);
}

#[test]
fn ratio_and_max_words_control_the_length() {
    let s = settings(json!({"algorithm": "lead", "ratio": 0.43}));
    // 7 body sentences: round(0.43 * 7) = 3.
    assert_eq!(summarize(&s, BBC).sentences.len(), 3);
    let s = settings(json!({"algorithm": "lead", "max_words": 30}));
    let sum = summarize(&s, BBC);
    assert_eq!(sum.sentences.len(), 1, "{}", sum.text());
    let s = settings(json!({"algorithm": "lead", "max_words": 1}));
    assert_eq!(
        summarize(&s, BBC).sentences.len(),
        1,
        "the best sentence is always kept"
    );
    let s = settings(json!({"algorithm": "lead", "sentences": 50}));
    assert_eq!(summarize(&s, BBC).sentences.len(), 7);
}

#[test]
fn ten_thousand_sentences_return_quickly() {
    let mut text = String::from("Big document\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "Sentence number {i} talks about topic {} and more words. ",
            i % 37
        ));
    }
    for algorithm in ALGORITHMS {
        let s = settings(json!({"algorithm": algorithm}));
        let t = std::time::Instant::now();
        let sum = summarize(&s, &text);
        assert_eq!(sum.sentences.len(), 3);
        // Debug builds are slow; this catches quadratic blow-ups, not tuning.
        assert!(
            t.elapsed().as_secs() < 10,
            "{algorithm} took {:?}",
            t.elapsed()
        );
    }
}

#[test]
fn the_same_input_gives_the_same_bytes_and_ties_go_to_the_earlier_sentence() {
    let s = settings(json!({"algorithm": "textrank", "sentences": 1}));
    let text = "Same words in both sentences here. Same words in both sentences here.";
    assert_eq!(summarize(&s, text).indices(), [0]);
    let a = summarize(&settings(json!({})), BBC).text();
    let b = std::thread::spawn(|| summarize(&settings(json!({})), BBC).text())
        .join()
        .unwrap_or_default();
    assert_eq!(a, b);
}

#[test]
fn bad_config_names_the_key() {
    let cases = [
        (json!({"algoritm": "lead"}), "algoritm"),
        (json!({"algorithm": "luhn"}), "algorithm"),
        (json!({"ratio": 1.5}), "ratio"),
        (json!({"ratio": 0.5, "sentences": 3}), "ratio"),
        (json!({"sentences": 0}), "sentences"),
        (json!({"language": "klingon"}), "language"),
        (json!({"lexrank_threshold": 2.0}), "lexrank_threshold"),
        (json!({"compression_power": -1.0}), "compression_power"),
    ];
    for (config, key) in cases {
        match config::build(&config) {
            Ok(_) => panic!("{config} accepted"),
            Err(e) => assert_eq!(e.key.as_deref(), Some(key), "{config}: {e}"),
        }
    }
}

#[test]
fn every_param_is_accepted_with_its_default() {
    let mut table = serde_json::Map::new();
    for p in Summarize::params() {
        if !p.default.is_null() {
            table.insert(p.name.clone(), p.default.clone());
        }
    }
    assert!(Summarize::from_config(&serde_json::Value::Object(table)).is_ok());
}

#[test]
fn the_stage_writes_summary_and_indices_into_metadata() {
    let mut stats = Stats::default();
    let out = process_bbc(
        json!({"sentence_indices": true, "sentences": 2}),
        &mut stats,
    );
    assert_eq!(out.action, textmill_plugin_sdk::Action::Keep);
    let summary = out
        .metadata
        .get("summary")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    assert_eq!(summary.lines().count(), 2);
    let idx = out
        .metadata
        .get("summary_sentences")
        .and_then(|v| v.as_array())
        .map(Vec::len);
    assert_eq!(idx, Some(2));
    assert_eq!(stats.get("documents"), 1.0);
}

#[test]
fn explain_lists_the_picked_sentences_and_the_runners_up_with_scores() {
    for algorithm in ALGORITHMS {
        let config = json!({"algorithm": algorithm, "sentences": 2, "explain": true});
        let out = process_bbc(config, &mut Stats::default());
        let explain = out
            .metadata
            .get("summary_explain")
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default();
        // 8 candidates: 2 picked, then the 3 best of the rest.
        assert_eq!(explain.len(), 5, "{algorithm}: {explain:?}");
        let summary = out.metadata["summary"].as_str().unwrap_or_default();
        let picked: Vec<&str> = explain
            .iter()
            .filter(|e| e["picked"] == true)
            .filter_map(|e| e["sentence"].as_str())
            .collect();
        assert_eq!(picked.len(), 2, "{algorithm}");
        for p in &picked {
            assert!(summary.lines().any(|l| l == *p), "{algorithm}: {p:?}");
        }
        let scores: Vec<f64> = explain.iter().filter_map(|e| e["score"].as_f64()).collect();
        assert_eq!(scores.len(), 5, "{algorithm}: every entry has a score");
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "{algorithm}: best first {scores:?}"
        );
        for e in &explain {
            let i = e["index"].as_u64().unwrap_or(u64::MAX) as usize;
            let s = textmill_text::sentences::sentences(BBC);
            assert_eq!(
                Some(s[i].text),
                e["sentence"].as_str(),
                "{algorithm}: index"
            );
        }
    }
    // Off by default: no extra metadata.
    let s = settings(json!({}));
    assert!(summarize(&s, BBC).ranking.is_empty());
}

/// CNN/DailyMail story 0001d1afc246a7964130f43ae940af6bc6c57f01 (training split,
/// Apache-2.0 distribution; used for evaluation only), after strip_disclaimer:
/// the photo caption at sentence 2 restates the lead, cut short.
const CAPTIONED: &str = "The bishop of the Fargo Catholic Diocese in North Dakota has exposed potentially hundreds of church members in Fargo, Grand Forks and Jamestown to the hepatitis A virus in late September and early October. The state Health Department has issued an advisory of exposure for anyone who attended five churches and took communion. Bishop John Folda (pictured) of the Fargo Catholic Diocese in North Dakota has exposed potentially hundreds of church members in Fargo, Grand Forks and Jamestown to the hepatitis A . State Immunization Program Manager Molly Howell says the risk is low, but officials feel it's important to alert people to the possible exposure. The diocese announced on Monday that Bishop John Folda is taking time off after being diagnosed with hepatitis A. The diocese says he contracted the infection through contaminated food while attending a conference for newly ordained bishops in Italy last month. Symptoms of hepatitis A include fever, tiredness, loss of appetite, nausea and abdominal discomfort. Fargo Catholic Diocese in North Dakota (pictured) is where the bishop is located .\n";

#[test]
fn of_near_copies_the_earlier_original_is_picked() {
    // The caption echoes the last sentence too, so it outscores the lead it
    // repeats; the lead said it first and in full.
    let s = settings(json!({"sentences": 3, "explain": true}));
    let sum = summarize(&s, CAPTIONED);
    assert_eq!(sum.indices()[0], 0, "{}", sum.text());
    assert!(!sum.indices().contains(&2), "{}", sum.text());
    // Explain lists the caption among the runners-up.
    let first = &sum.ranking[0];
    assert_eq!(first.sentence.index, 0);
    assert!(
        sum.ranking
            .iter()
            .any(|r| r.sentence.index == 2 && !r.picked)
    );
}

/// A story whose sixth sentence restates most of the others: the most
/// central sentence, but not where the story starts.
const BRIDGE: &str = "The city council voted on Tuesday to close the old harbour bridge for repairs. \
    Engineers found cracks in two steel beams last month. Traffic will move to the ferry while the work goes on. \
    Shop owners near the harbour fear they will lose trade. The ferry company said it would add extra crossings. \
    The council said the bridge repairs, the ferry crossings and help for harbour shops would cost four million pounds. \
    Engineers expect the repairs to take eight months. A public meeting about the bridge will be held next week. \
    Some residents asked why the cracks were not found sooner. The council said inspections had followed national rules. \
    The last major repairs to the bridge were made in 1998. Opposition members called for an independent review of the inspections.";

#[test]
fn tight_budgets_lean_on_the_lead_and_loose_ones_on_centrality() {
    // One sentence of twelve: the lead, as news writes it first.
    let one = |extra: serde_json::Value| {
        let mut config = json!({"sentences": 1});
        if let (Some(c), Some(e)) = (config.as_object_mut(), extra.as_object()) {
            c.extend(e.clone());
        }
        summarize(&settings(config), BRIDGE).indices()
    };
    assert_eq!(one(json!({})), [0]);
    // With a fixed prior the central restatement wins.
    assert_eq!(one(json!({"compression_power": 0})), [5]);
    // A word cap of about one sentence is as tight as `sentences = 1`.
    let capped = summarize(&settings(json!({"max_words": 16})), BRIDGE);
    assert_eq!(capped.indices(), [0]);
    // Five of twelve: centrality ranks first, and the central sentence is in.
    let s = settings(json!({"ratio": 0.43, "explain": true}));
    let sum = summarize(&s, BRIDGE);
    assert_eq!(sum.ranking[0].sentence.index, 5);
    assert_eq!(sum.indices().len(), 5);
}
