//! End-to-end tests of the standard plugins through the real binary: the seed
//! page comes out exactly as a user wants it, every shipped config runs, and
//! the output does not depend on the thread count.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn the_seed_page_comes_out_exactly_clean_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let o = run(textmill()
        .arg("run")
        .arg(root().join("configs/news.toml"))
        .arg("--input")
        .arg(fixture("seed/menafn-kursk.txt"))
        .arg("--output")
        .arg(&out));
    assert_eq!(o.status.code(), Some(0));
    let docs = read_jsonl(&out);
    assert_eq!(docs.len(), 1);
    let expected = std::fs::read_to_string(fixture("seed/menafn-kursk.clean.txt")).unwrap();
    let text = docs[0]["text"].as_str().unwrap();
    assert_eq!(text, expected, "byte for byte");
    let summary = docs[0]["metadata"]["summary"].as_str().unwrap();
    assert!(!summary.is_empty());
    for sentence in summary.lines() {
        assert!(
            text.contains(sentence),
            "summary sentence not verbatim: {sentence}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.rejects.jsonl")).unwrap(),
        ""
    );
}

#[test]
fn the_seed_page_as_a_text_folder_output_is_the_clean_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(textmill()
        .arg("run")
        .arg(root().join("configs/news.toml"))
        .arg("--input")
        .arg(fixture("seed/menafn-kursk.txt"))
        .arg("--output")
        .arg(format!("{}/", dir.path().join("out").display())));
    assert!(o.status.success());
    assert_eq!(
        std::fs::read(dir.path().join("out/menafn-kursk.txt")).unwrap(),
        std::fs::read(fixture("seed/menafn-kursk.clean.txt")).unwrap()
    );
}

#[test]
fn every_shipped_config_validates_and_runs_on_the_examples() {
    let mut configs: Vec<_> = std::fs::read_dir(root().join("configs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    configs.sort();
    assert!(configs.len() >= 4);
    for cfg in configs {
        let v = run(textmill().arg("validate").arg(&cfg));
        assert!(v.status.success(), "{}", cfg.display());
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.jsonl");
        let o = run(textmill()
            .arg("run")
            .arg(&cfg)
            .arg("--output")
            .arg(&out)
            .current_dir(dir.path()));
        assert_eq!(o.status.code(), Some(0), "{}", cfg.display());
        let kept = read_jsonl(&out);
        let rejects = read_jsonl(&dir.path().join("out.rejects.jsonl"));
        let stats: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("out.stats.json")).unwrap(),
        )
        .unwrap();
        // Nothing is lost: every document read is written or rejected.
        assert_eq!(
            stats["docs_read"].as_u64().unwrap(),
            (kept.len() + rejects.len()) as u64,
            "{}",
            cfg.display()
        );
        assert!(!kept.is_empty());
    }
}

#[test]
fn the_news_pipeline_gives_the_same_bytes_at_any_thread_count_and_batch_size() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for (threads, batch) in [(1, 256), (2, 7), (4, 50)] {
        let cfg = config(
            dir.path(),
            &std::fs::read_to_string(root().join("configs/news.toml"))
                .unwrap()
                .replace("batch_docs = 256", &format!("batch_docs = {batch}")),
        );
        let out = dir.path().join(format!("o{threads}.jsonl"));
        let o = run(textmill()
            .args(["run", "-q", "--threads", &threads.to_string(), "--input"])
            .arg(root().join("examples/news"))
            .arg("--output")
            .arg(&out)
            .arg(&cfg));
        assert!(o.status.success());
        results.push((
            std::fs::read(&out).unwrap(),
            std::fs::read(dir.path().join(format!("o{threads}.rejects.jsonl"))).unwrap(),
        ));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
    let rejects = String::from_utf8_lossy(&results[0].1);
    assert_eq!(
        rejects
            .lines()
            .filter(|l| l.contains("\"reason\":\"duplicate\""))
            .count(),
        98,
        "31 exact + 67 near copies in the sample"
    );
}

#[test]
fn explain_on_the_seed_shows_why_each_line_went_and_the_summary_scores() {
    let out = run(textmill()
        .arg("explain")
        .arg(root().join("configs/news.toml"))
        .arg("--input")
        .arg(fixture("seed/menafn-kursk.txt")));
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("stage 1 strip_disclaimer: kept, 8 line(s) removed"),
        "{text}"
    );
    // The plugin's own record of each removal, turned on by explain mode.
    assert!(text.contains("metadata.strip_disclaimer"), "{text}");
    assert!(text.contains("\"text\": \"Legal Disclaimer:\""), "{text}");
    assert!(
        text.contains("\"kind\": \"disclaimer\"")
            || text.contains("\"kind\": \"legal_disclaimers\""),
        "{text}"
    );
    assert!(
        text.contains("stage 2 dedupe: kept, 4 line(s) removed"),
        "{text}"
    );
    assert!(text.contains("metadata.summary_explain"), "{text}");
    assert!(text.contains("\"picked\": true"), "{text}");
}
