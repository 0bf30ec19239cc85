//! Stage-level specifications: the seed page, rejects, config errors, explain.

use super::*;
use textmill_plugin_sdk::{Action, serde_json::json};

/// The seed page (MENAFN, as scraped; see /work/shared/examples/seed).
const SEED: &str = include_str!("../tests_fixtures/menafn-kursk.txt");

fn stage(config: Value) -> StripDisclaimer {
    let mut s = StripDisclaimer::from_config(&config).expect("config is valid");
    s.finish(&[]).expect("finish");
    s
}

fn run(s: &StripDisclaimer, text: &str) -> Outcome {
    let doc = Doc {
        ordinal: 0,
        id: "t",
        text,
        fields_json: "{}",
    };
    s.apply(&doc, &mut Stats::default())
}

#[test]
fn seed_page_keeps_headline_and_all_nine_paragraphs() {
    let out = run(&stage(json!({})), SEED);
    let lines: Vec<&str> = SEED.lines().collect();
    // Input lines 5..=14: the headline and nine paragraph lines (repeats are dedupe's job).
    let want = format!("{}\n", lines[5..=14].join("\n"));
    assert_eq!(out.action, Action::Replace(want));
}

#[test]
fn seed_page_removal_is_explained_line_by_line() {
    let out = run(&stage(json!({"explain": true})), SEED);
    let ex = &out.metadata["strip_disclaimer"];
    assert_eq!(ex["headline_line"], json!(5));
    let removed = ex["removed"].as_array().expect("array");
    let by_line: Vec<(u64, &str)> = removed
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap_or(999),
                r["kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        by_line,
        vec![
            (1, "error_page"),
            (2, "error_page"),
            (3, "error_page"),
            (4, "error_page"),
            (16, "disclaimer"),
            (17, "disclaimer"),
            (18, "comments"),
            (19, "comments"),
        ]
    );
    assert_eq!(removed[4]["match"], json!("footer_header"));
    assert_eq!(removed[5]["by"], json!("rule"));
}

#[test]
fn a_page_of_only_boilerplate_is_rejected_not_emptied() {
    let out = run(
        &stage(json!({})),
        "Skip to main content\nMenu\n© 2024 Daily Post. All rights reserved.\n",
    );
    assert_eq!(out.action, Action::Drop("all_boilerplate".into()));
}

#[test]
fn unknown_keys_and_unknown_packs_are_config_errors() {
    let e = StripDisclaimer::from_config(&json!({"explian": true})).expect_err("typo");
    assert_eq!(e.key.as_deref(), Some("explian"));
    let e = StripDisclaimer::from_config(&json!({"disable_packs": ["cookies"]}))
        .expect_err("no such pack");
    assert_eq!(e.key.as_deref(), Some("disable_packs"));
}

#[test]
fn every_param_is_accepted_with_its_default() {
    let mut cfg = serde_json::Map::new();
    for p in StripDisclaimer::params() {
        cfg.insert(p.name, p.default);
    }
    StripDisclaimer::from_config(&Value::Object(cfg)).expect("defaults are valid");
}

#[test]
fn disabling_a_pack_and_adding_inline_phrases_change_decisions() {
    let text = "Breaking story headline\nThe council approved the new budget on Monday after a long debate about schools and roads.\nBrought to you by Acme Widgets\n";
    let s =
        stage(json!({"phrases": ["brought to you by"], "structure": false, "classifier": false}));
    let out = run(&s, text);
    assert_eq!(out.action, Action::Replace("Breaking story headline\nThe council approved the new budget on Monday after a long debate about schools and roads.\n".into()));
    let s = stage(
        json!({"disable_packs": ["legal_disclaimers"], "structure": false, "classifier": false}),
    );
    assert_eq!(
        run(&s, "Disclaimer: this is for informational purposes only.\n").action,
        Action::Keep
    );
}

#[test]
fn learned_layer_removes_a_site_footer_no_rule_names() {
    let mut s = StripDisclaimer::from_config(&json!({"learned_min_share": 0.0})).expect("valid");
    let towns = ["Avonmouth", "Brixham", "Cowes", "Dover", "Exmouth"];
    let texts: Vec<String> = towns
        .iter()
        .map(|t| format!("{t} harbour to reopen\nThe harbour at {t} will reopen after repairs that took the crews many months to finish.\nOur tireless gnomes curate the ferry timetable for you.\n"))
        .collect();
    let docs: Vec<Doc<'_>> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Doc {
            ordinal: i as u64,
            id: "d",
            text: t,
            fields_json: r#"{"source":"Harbour Times"}"#,
        })
        .collect();
    let a = s.observe(&docs[..2]).expect("observe");
    let b = s.observe(&docs[2..]).expect("observe");
    let merged = s.merge(&[&a, &b]).expect("merge");
    s.finish(&merged).expect("finish");
    let out = s.apply(&docs[0], &mut Stats::default());
    assert_eq!(out.action, Action::Replace("Avonmouth harbour to reopen\nThe harbour at Avonmouth will reopen after repairs that took the crews many months to finish.\n".into()));
}

#[test]
fn url_host_is_the_site_fallback() {
    assert_eq!(
        url_host("https://www.example.com:8080/a/b?c"),
        "example.com"
    );
    assert_eq!(url_host("example.org/x"), "example.org");
}
