//! The stage end to end through its Rust API, as the host drives it.

use crate::Dedupe;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use textmill_plugin_sdk::{Action, CorpusStage, Doc, Outcome, Plugin, Stats};

/// Run the stage over `texts` (ids `d0`, `d1`, ...) in batches of `batch`,
/// with observe batches handed to merge in order. Returns the outcomes.
fn run(config: Value, texts: &[String], batch: usize) -> Vec<Outcome> {
    let ids: Vec<String> = (0..texts.len()).map(|i| format!("d{i}")).collect();
    run_ids(config, texts, &ids, batch)
}

/// `texts` as documents with `ids`, numbered in order.
fn docs<'a>(texts: &'a [String], ids: &'a [String]) -> Vec<Doc<'a>> {
    texts
        .iter()
        .zip(ids)
        .enumerate()
        .map(|(i, (t, id))| Doc {
            ordinal: i as u64,
            id,
            text: t,
            fields_json: "{}",
        })
        .collect()
}

fn run_ids(config: Value, texts: &[String], ids: &[String], batch: usize) -> Vec<Outcome> {
    let docs = docs(texts, ids);
    let mut stage = Dedupe::from_config(&config).unwrap();
    let states: Vec<Vec<u8>> = docs
        .chunks(batch.max(1))
        .map(|b| stage.observe(b).unwrap())
        .collect();
    let views: Vec<&[u8]> = states.iter().map(Vec::as_slice).collect();
    let merged = stage.merge(&views).unwrap();
    stage.finish(&merged).unwrap();
    let mut stats = Stats::default();
    // Apply in reverse batch order: the host may run batches in any order.
    let mut out: Vec<(usize, Outcome)> = Vec::new();
    let chunks: Vec<(usize, &[Doc<'_>])> = docs
        .chunks(batch.max(1))
        .enumerate()
        .map(|(i, c)| (i * batch.max(1), c))
        .collect();
    for (start, c) in chunks.into_iter().rev() {
        for (k, o) in stage.apply_batch(c, &mut stats).into_iter().enumerate() {
            out.push((start + k, o));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, o)| o).collect()
}

fn dropped_as(o: &Outcome) -> Option<String> {
    match &o.action {
        Action::Drop(r) => {
            assert_eq!(r, "duplicate");
            o.detail
                .get("duplicate_of")
                .and_then(Value::as_str)
                .map(str::to_string)
        }
        _ => None,
    }
}

/// Kept texts (after within-document dedupe) of a run.
fn kept(texts: &[String], outs: &[Outcome]) -> Vec<String> {
    texts
        .iter()
        .zip(outs)
        .filter_map(|(t, o)| match &o.action {
            Action::Keep => Some(t.clone()),
            Action::Replace(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

const SEED: &str = include_str!("../tests_fixtures/menafn-kursk.txt");
const SEED_CLEAN: &str = include_str!("../tests_fixtures/menafn-kursk.clean.txt");

#[test]
fn seed_page_after_strip_disclaimer_becomes_the_clean_text() {
    // The seed's lines 4..=13 (after its leading blank line): the headline and
    // nine paragraph lines, the last four repeating the four before them.
    let lines: Vec<&str> = SEED.trim_start().split('\n').collect();
    let input = lines[4..=13].join("\n") + "\n";
    assert!(input.starts_with("Kiev refuses Putin"));
    let outs = run(json!({}), &[input], 1);
    assert_eq!(outs[0].action, Action::Replace(SEED_CLEAN.to_string()));
}

/// A story of `n` distinct sentences built from a fixed vocabulary.
fn story(tag: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!("The {tag} council said on day {i} that the harbour plan for sector {} would cost {} million and employ {} people.", i * 7 + 3, i * 13 + 5, i * 31 + 11)
        })
        .collect()
}

#[test]
fn exact_and_near_copies_are_dropped_in_favour_of_the_first() {
    let s = story("river", 12);
    let original = format!("Harbour plan approved\n{}\n", s.join("\n"));
    let exact = original.clone();
    let mut edited = s.clone();
    edited[3] = edited[3].replace("council", "COUNCIL'S");
    let near = format!("Harbour plan finally approved!\n{}\n", edited.join("\n"));
    let truncated = format!(
        "Harbour plan approved\n{}\nRead more at the source\n",
        s[..8].join("\n")
    );
    let other = format!("Something else\n{}\n", story("mountain", 12).join("\n"));
    let texts = vec![original, exact, near, truncated, other];
    let outs = run(json!({}), &texts, 2);
    assert_eq!(outs[0].metadata.get("duplicates"), Some(&json!(3)));
    assert_eq!(dropped_as(&outs[1]).as_deref(), Some("d0"));
    assert_eq!(outs[1].detail.get("similarity"), Some(&json!(1.0)));
    assert_eq!(dropped_as(&outs[2]).as_deref(), Some("d0"));
    assert_eq!(dropped_as(&outs[3]).as_deref(), Some("d0"));
    assert_eq!(outs[4].action, Action::Keep);
    assert!(outs[4].metadata.is_empty());
}

#[test]
fn without_near_duplicates_only_exact_copies_go_and_texts_match_the_full_mode() {
    let s = story("river", 12);
    let original = format!("Harbour plan approved\n{}\n{}\n", s.join("\n"), s[2]);
    // Case, quotes and spacing differ: still the same normalised text.
    let exact = original
        .replace("council", "Council")
        .replace(" would", "  would");
    let mut edited = s.clone();
    edited[3] = edited[3].replace("council", "COUNCIL'S");
    let near = format!("Harbour plan finally approved!\n{}\n", edited.join("\n"));
    let texts = vec![original, exact, near];
    let outs = run(json!({"near_duplicates": false}), &texts, 2);
    assert_eq!(dropped_as(&outs[1]).as_deref(), Some("d0"));
    assert_eq!(outs[1].detail.get("exact"), Some(&json!(true)));
    assert!(dropped_as(&outs[2]).is_none(), "a near copy is kept");
    // The repeated paragraph goes exactly as it does with near copies on.
    let full = run(json!({}), &texts, 2);
    assert!(matches!(outs[0].action, Action::Replace(_)));
    assert_eq!(outs[0].action, full[0].action);
    assert_eq!(dropped_as(&full[2]).as_deref(), Some("d0"));

    // The state holds no signature or sentences, and a full-mode index is
    // refused by name.
    let stage = Dedupe::from_config(&json!({"near_duplicates": false})).unwrap();
    let ids: Vec<String> = (0..texts.len()).map(|i| format!("d{i}")).collect();
    let exact_state = stage.observe(&docs(&texts, &ids)).unwrap();
    let records = crate::state::decode(&exact_state, stage.config()).unwrap();
    assert!(
        records
            .iter()
            .all(|r| r.sig.is_empty() && r.sentences.is_empty())
    );
    let full_stage = Dedupe::from_config(&json!({})).unwrap();
    let err = full_stage.merge(&[&exact_state]).unwrap_err();
    assert!(err.contains("near_duplicates = false"), "{err}");
}

#[test]
fn documents_sharing_a_few_sentences_are_not_duplicates() {
    // A recombined page: three sentences from each of four stories.
    let stories: Vec<Vec<String>> = ["a", "b", "c", "d"].iter().map(|t| story(t, 10)).collect();
    let mut texts: Vec<String> = stories
        .iter()
        .map(|s| format!("Headline\n{}\n", s.join("\n")))
        .collect();
    let mix: Vec<String> = stories.iter().flat_map(|s| s[2..5].to_vec()).collect();
    texts.push(format!("Mixed headline\n{}\n", mix.join("\n")));
    let outs = run(json!({}), &texts, 3);
    assert!(outs.iter().all(|o| dropped_as(o).is_none()), "{outs:?}");
}

/// Two texts over word tokens `w0..`, with exactly `shared` of `total`
/// 1-gram shingles in common (Jaccard = shared / total).
fn pair_at_jaccard(shared: usize, total: usize) -> (String, String) {
    let only = (total - shared) / 2;
    let common: Vec<String> = (0..shared).map(|i| format!("w{i}")).collect();
    let a: Vec<String> = (0..only).map(|i| format!("a{i}")).collect();
    let b: Vec<String> = (0..only).map(|i| format!("b{i}")).collect();
    (
        format!("{} {}", common.join(" "), a.join(" ")),
        format!("{} {}", common.join(" "), b.join(" ")),
    )
}

#[test]
fn jaccard_just_above_and_just_below_the_threshold() {
    // Unigram shingles make the true Jaccard exact; 1024 hashes make the
    // estimate tight (sd ~0.013 at 0.8); containment is switched off (1.0
    // requires the whole smaller document, which these never are).
    let config = json!({"threshold": 0.8, "shingle_size": 1, "num_perm": 1024,
                        "containment": 1.0, "sentence_min_words": 1000});
    let (a, b) = pair_at_jaccard(880, 1000); // J = 0.88
    let outs = run(config.clone(), &[a, b], 1);
    assert_eq!(
        dropped_as(&outs[1]).as_deref(),
        Some("d0"),
        "J=0.88 must be a duplicate"
    );
    let (a, b) = pair_at_jaccard(720, 1000); // J = 0.72
    let outs = run(config, &[a, b], 1);
    assert_eq!(dropped_as(&outs[1]), None, "J=0.72 must not be a duplicate");
}

#[test]
fn shard_states_merged_in_any_grouping_give_the_same_decisions() {
    let s = story("shard", 10);
    let texts: Vec<String> = (0..6)
        .map(|i| format!("Head {}\n{}\n", i % 2, s[..7 + i % 3].join("\n")))
        .collect();
    let docs: Vec<Doc<'_>> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Doc {
            ordinal: 10 * i as u64,
            id: "x",
            text: t,
            fields_json: "{}",
        })
        .collect();
    let decide = |order: &[usize], nested: bool| {
        let mut stage = Dedupe::from_config(&json!({})).unwrap();
        let states: Vec<Vec<u8>> = docs.chunks(2).map(|b| stage.observe(b).unwrap()).collect();
        let picked: Vec<&[u8]> = order.iter().map(|&i| states[i].as_slice()).collect();
        let merged = if nested {
            // ((s0 + s1) + s2), as shards merged on two machines would be.
            let left = stage.merge(&picked[..2]).unwrap();
            stage.merge(&[&left, picked[2]]).unwrap()
        } else {
            stage.merge(&picked).unwrap()
        };
        stage.finish(&merged).unwrap();
        let mut stats = Stats::default();
        docs.iter()
            .map(|d| stage.apply(d, &mut stats))
            .collect::<Vec<_>>()
    };
    let base = decide(&[0, 1, 2], false);
    assert!(
        base.iter()
            .filter(|o| matches!(o.action, Action::Drop(_)))
            .count()
            >= 4
    );
    assert_eq!(decide(&[2, 0, 1], false), base);
    assert_eq!(decide(&[0, 1, 2], true), base);
}

#[test]
fn documents_without_words_are_never_duplicates() {
    let texts: Vec<String> = ["", "", "---\n", "***\n"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let outs = run(json!({}), &texts, 2);
    assert!(outs.iter().all(|o| dropped_as(o).is_none()), "{outs:?}");
}

#[test]
fn short_repeated_lines_survive_within_document_dedupe() {
    let t =
        "Headline\nAdvertisement\nFirst real paragraph of the story goes here.\nAdvertisement\n"
            .to_string();
    let outs = run(json!({}), &[t], 1);
    assert_eq!(outs[0].action, Action::Keep);
}

#[test]
fn a_paragraph_of_one_sentence_and_a_punctuation_line_is_not_a_repeat_of_itself() {
    // Found by the `dedupe` fuzz target (fuzz/fuzz_targets/dedupe.rs): the
    // second pass over dedupe's own output removed the unique line
    // "Lnforis without warray of anyd.", whose paragraph's only other line
    // is "." and so has the same key as the line.
    let input = "nd..e.\n\nThe weather was fine for the time of year.\nca\n\n\
                 The weather was fine for the time of year\nLnforis without warray of anyd.\n.";
    let once = crate::within::dedupe_within(input, 30, false);
    assert_eq!(
        once.text.as_deref(),
        Some(
            "nd..e.\n\nThe weather was fine for the time of year.\nca\n\nLnforis without warray of anyd.\n.\n"
        )
    );
    let twice = crate::within::dedupe_within(once.text_or(input), 30, false);
    assert_eq!(twice.text, None);
    let alone = "A sentence that is long enough to be compared.\n***\n";
    assert_eq!(crate::within::dedupe_within(alone, 30, false).text, None);
}

#[test]
fn with_near_paragraphs_a_line_is_not_a_near_repeat_of_its_own_paragraph() {
    // Found by the property test `within_document_dedupe_keeps_input_lines_in_order_and_is_idempotent`
    // (plugins/dedupe/tests/properties.rs): in the paragraph "403" + "Kiev
    // refuses ...", the second line is one word (`403`) away from the
    // paragraph's own key, so a second pass removed it.
    let us = "US President Donald Trump also weighed in on the situation, acknowledging that thousands of Ukrainian soldiers were in a dire position.";
    let kiev = "Kiev refuses Putin’s suggestion of mercy for troops in Kursk Region";
    let input = format!("{us}\n\n403\n{kiev}\n{us}\n");
    let once = crate::within::dedupe_within(&input, 30, true);
    assert_eq!(once.text, Some(format!("{us}\n\n403\n{kiev}\n")));
    let twice = crate::within::dedupe_within(once.text_or(&input), 30, true);
    assert_eq!(twice.text, None);
}

#[test]
fn what_is_left_of_a_paragraph_is_checked_as_a_paragraph() {
    // Found by the `dedupe` fuzz target (fuzz/fuzz_targets/dedupe.rs): once
    // the repeated last line of the third paragraph went, the two lines left
    // were the first line wrapped in two, which only a second pass removed.
    let input = "Para one is long enough to coStrike Para one isunt h\n\n\
                 Para o long enough to count here \n\n\
                 Para one is long enough to coStrike Para one isunt \nh\n\
                 Para o long enough to count here\n\noeng";
    let once = crate::within::dedupe_within(input, 30, false);
    assert_eq!(
        once.text.as_deref(),
        Some(
            "Para one is long enough to coStrike Para one isunt h\n\n\
             Para o long enough to count here\n\noeng\n"
        )
    );
    let twice = crate::within::dedupe_within(once.text_or(input), 30, false);
    assert_eq!(twice.text, None);
}

#[test]
fn keep_longest_and_keep_field() {
    let s = story("delta", 10);
    let short = format!("H\n{}\n", s[..9].join("\n"));
    let long = format!("H\n{}\n", s.join("\n"));
    let outs = run(
        json!({"keep": "longest"}),
        &[short.clone(), long.clone()],
        1,
    );
    assert_eq!(dropped_as(&outs[0]).as_deref(), Some("d1"));
    assert_eq!(outs[1].metadata.get("duplicates"), Some(&json!(1)));

    // keep = field: the highest `score` survives, read from metadata.
    let docs = [
        Doc {
            ordinal: 0,
            id: "x",
            text: &long,
            fields_json: r#"{"metadata":{"score":1}}"#,
        },
        Doc {
            ordinal: 1,
            id: "y",
            text: &long,
            fields_json: r#"{"metadata":{"score":5}}"#,
        },
    ];
    let mut stage = Dedupe::from_config(&json!({"keep": "field", "keep_field": "score"})).unwrap();
    let st = stage.observe(&docs).unwrap();
    let merged = stage.merge(&[&st]).unwrap();
    stage.finish(&merged).unwrap();
    let mut stats = Stats::default();
    assert_eq!(
        dropped_as(&stage.apply(&docs[0], &mut stats)).as_deref(),
        Some("y")
    );
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("textmill-dedupe-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn an_index_saved_by_one_run_dedupes_the_next() {
    let index = tmp("index.bin");
    let old: Vec<String> = ["alpha", "beta"]
        .iter()
        .map(|t| format!("Head {t}\n{}\n", story(t, 8).join("\n")))
        .collect();
    let ids_old = vec!["old-1".to_string(), "old-2".to_string()];
    run_ids(json!({"index_out": index}), &old, &ids_old, 1);

    let mut edited = story("beta", 8);
    edited.pop();
    let new = vec![
        format!("Other head\n{}\n", story("gamma", 8).join("\n")),
        format!("Head beta, updated\n{}\n", edited.join("\n")),
        format!("Head gamma\n{}\n", story("gamma", 8).join("\n")),
    ];
    let ids_new = vec!["n1".to_string(), "n2".to_string(), "n3".to_string()];
    let report = tmp("clusters.jsonl");
    let outs = run_ids(
        json!({"index_in": index, "cluster_report": report}),
        &new,
        &ids_new,
        2,
    );
    assert!(dropped_as(&outs[0]).is_none());
    assert_eq!(dropped_as(&outs[1]).as_deref(), Some("old-2"));
    assert_eq!(dropped_as(&outs[2]).as_deref(), Some("n1"));

    let lines: Vec<Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["survivor"], "old-2");
    assert_eq!(lines[0]["survivor_from_index"], true);
    assert_eq!(lines[0]["removed"][0]["id"], "n2");
    assert_eq!(lines[1]["survivor"], "n1");
    assert_eq!(lines[1]["size"], 2);

    // An index made with other parameters is refused, naming the parameter.
    let mut stage = Dedupe::from_config(&json!({"index_in": index, "num_perm": 64})).unwrap();
    let st = stage.observe(&[]).unwrap();
    let err = stage.finish(&st).unwrap_err();
    assert!(err.contains("num_perm"), "{err}");
}

#[test]
fn unobserved_documents_are_errors_not_panics() {
    let stage = Dedupe::from_config(&json!({})).unwrap();
    let d = Doc {
        ordinal: 9,
        id: "z",
        text: "x",
        fields_json: "{}",
    };
    assert!(matches!(
        stage.apply(&d, &mut Stats::default()).action,
        Action::Error(_)
    ));
}

/// Corpora with built-in copies: stories from a small pool, some repeated
/// exactly, some with a sentence dropped.
fn corpus_strategy() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((0usize..6, 0usize..3, 0usize..8), 1..14).prop_map(|picks| {
        picks
            .into_iter()
            .map(|(s, edit, drop)| {
                let mut sents = story(&format!("s{s}"), 8);
                if edit == 1 {
                    sents.remove(drop);
                }
                format!("Headline {s}\n{}\n", sents.join("\n"))
            })
            .collect()
    })
}

/// Clusters as sets of texts (ids change under permutation; texts do not).
fn clusters_by_text(texts: &[String], outs: &[Outcome]) -> BTreeMap<String, Vec<String>> {
    let ids: BTreeMap<String, &String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("d{i}"), t))
        .collect();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (t, o) in texts.iter().zip(outs) {
        if let Some(of) = dropped_as(o) {
            out.entry(ids[&of].clone()).or_default().push(t.clone());
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn removing_duplicates_is_idempotent(texts in corpus_strategy()) {
        let once = kept(&texts, &run(json!({}), &texts, 3));
        let twice = kept(&once, &run(json!({}), &once, 2));
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn output_is_a_subset_of_input(texts in corpus_strategy()) {
        let outs = run(json!({}), &texts, 4);
        let out = kept(&texts, &outs);
        prop_assert!(!out.is_empty());
        for t in &out {
            prop_assert!(texts.contains(t));
        }
        // Every drop names a kept document.
        for o in &outs {
            if let Some(of) = dropped_as(o) {
                let i: usize = of[1..].parse().unwrap();
                prop_assert!(dropped_as(&outs[i]).is_none());
            }
        }
    }

    #[test]
    fn batch_size_does_not_change_the_output(texts in corpus_strategy(), batch in 1usize..6) {
        prop_assert_eq!(run(json!({}), &texts, batch), run(json!({}), &texts, 100));
    }

    #[test]
    fn a_permutation_keeps_the_same_clusters(texts in corpus_strategy(), seed in any::<u64>()) {
        // Identical texts are indistinguishable, so compare clusters as
        // sets of member texts, with the survivor dropped out of the key:
        // which copy survives depends on order by design.
        let mut perm = texts.clone();
        let n = perm.len();
        let mut x = seed | 1;
        for i in (1..n).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            perm.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let a = clusters_by_text(&texts, &run(json!({}), &texts, 3));
        let b = clusters_by_text(&perm, &run(json!({}), &perm, 3));
        let members = |m: &BTreeMap<String, Vec<String>>| {
            let mut all: Vec<Vec<String>> = m.iter().map(|(k, v)| {
                let mut c = v.clone(); c.push(k.clone()); c.sort(); c
            }).collect();
            all.sort();
            all
        };
        prop_assert_eq!(members(&a), members(&b));
    }
}

/// The same run through the C ABI the host uses (create → observe → merge →
/// finish → process), to check the exported glue, not just the Rust API.
mod through_the_c_abi {
    use textmill_plugin_sdk::abi::*;

    fn info() -> &'static TmPluginInfo {
        // SAFETY: the exported function returns a pointer to a static.
        unsafe { &*crate::textmill_plugin_info() }
    }

    /// Copy plugin-owned bytes out, check the status, release them.
    fn take(out: TmBytes) -> Result<Vec<u8>, String> {
        // SAFETY: `data` is valid until `release(owner)`, called once here.
        let data = unsafe { out.data.as_bytes().to_vec() };
        if let Some(release) = out.release {
            // SAFETY: released once.
            unsafe { release(out.owner) };
        }
        if out.status == STATUS_OK {
            Ok(data)
        } else {
            Err(String::from_utf8_lossy(&data).into())
        }
    }

    #[test]
    fn a_corpus_run_through_the_abi_drops_the_copy() {
        let info = info();
        assert_eq!(info.kind, KIND_CORPUS);
        let mut err = TmBytes::empty();
        // SAFETY: valid views and out-pointer.
        let inst = unsafe { (info.create)(TmStr::from_str("{}"), &mut err) };
        assert!(!inst.is_null());
        let text = "Headline\nThe same story, told the same way, from start to end.\n";
        let docs: Vec<TmDoc> = ["a", "b", "c"]
            .iter()
            .enumerate()
            .map(|(i, id)| TmDoc {
                ordinal: i as u64,
                id: TmStr::from_str(id),
                text: TmStr::from_str(if *id == "c" {
                    "Other words entirely here.\n"
                } else {
                    text
                }),
                fields_json: TmStr::from_str("{}"),
            })
            .collect();
        let (observe, merge, finish) = (
            info.observe.unwrap(),
            info.merge.unwrap(),
            info.finish.unwrap(),
        );
        let mut states = Vec::new();
        for batch in docs.chunks(2) {
            let mut out = TmBytes::empty();
            // SAFETY: valid instance, views and out-pointer.
            unsafe { observe(inst, batch.as_ptr(), batch.len(), &mut out) };
            states.push(take(out).unwrap());
        }
        let views: Vec<TmStr> = states.iter().map(|s| TmStr::from_bytes(s)).collect();
        let mut out = TmBytes::empty();
        // SAFETY: as above.
        unsafe { merge(inst, views.as_ptr(), views.len(), &mut out) };
        let merged = take(out).unwrap();
        let mut out = TmBytes::empty();
        // SAFETY: as above.
        unsafe { finish(inst, TmStr::from_bytes(&merged), &mut out) };
        take(out).unwrap();

        let mut res = TmBatchResult::empty();
        // SAFETY: as above.
        unsafe { (info.process)(inst, docs.as_ptr(), docs.len(), &mut res) };
        assert_eq!(res.status, STATUS_OK);
        // SAFETY: outcomes are valid until release.
        let outcomes = unsafe { std::slice::from_raw_parts(res.outcomes, res.len) };
        let actions: Vec<u32> = outcomes.iter().map(|o| o.action).collect();
        assert_eq!(actions, [ACTION_KEEP, ACTION_DROP, ACTION_KEEP]);
        // SAFETY: as above.
        let detail =
            unsafe { String::from_utf8_lossy(outcomes[1].detail_json.as_bytes()).to_string() };
        assert!(detail.contains(r#""duplicate_of":"a""#), "{detail}");
        // SAFETY: released once; instance destroyed once.
        unsafe { res.release.unwrap()(res.owner) };

        // A garbage state is an error, not a crash.
        let mut out = TmBytes::empty();
        // SAFETY: as above.
        unsafe { finish(inst, TmStr::from_str("not a state"), &mut out) };
        assert!(take(out).unwrap_err().contains("bad magic"));
        // SAFETY: instance from create, destroyed once.
        unsafe { (info.destroy)(inst) };
    }
}
