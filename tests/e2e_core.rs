//! End-to-end tests of the host: readers, writers, rejects, determinism and
//! the plugin ABI, through the real binary and an out-of-tree plugin.

mod common;

use common::*;
use serde_json::Value;
use std::io::Write;
use std::process::Stdio;

const SHOUT: &str = "[[stage]]\nplugin = \"shout\"\n";

fn write_jsonl(path: &std::path::Path, n: usize) {
    let mut s = String::new();
    for i in 0..n {
        let text = if i % 10 == 3 {
            format!("doc {i} DROPME")
        } else {
            format!("doc {i} text")
        };
        s.push_str(&serde_json::json!({"id": format!("d{i}"), "text": text, "source": "s", "metadata": {"n": i}}).to_string());
        s.push('\n');
    }
    std::fs::write(path, s).unwrap();
}

#[test]
fn jsonl_in_jsonl_out_keeps_fields_and_records_drops() {
    let dir = tempfile::tempdir().unwrap();
    write_jsonl(&dir.path().join("in.jsonl"), 20);
    let cfg = config(
        dir.path(),
        &format!("[input]\npath = \"in.jsonl\"\n[output]\npath = \"out.jsonl\"\n{SHOUT}"),
    );
    let out = run(textmill().arg("run").arg(&cfg));
    assert_eq!(out.status.code(), Some(0));
    let docs = read_jsonl(&dir.path().join("out.jsonl"));
    assert_eq!(docs.len(), 18);
    assert_eq!(
        docs[0],
        serde_json::json!({"id": "d0", "text": "DOC 0 TEXT", "source": "s", "metadata": {"n": 0, "shouted": true}})
    );
    let rejects = read_jsonl(&dir.path().join("out.rejects.jsonl"));
    assert_eq!(rejects.len(), 2);
    assert_eq!(
        (
            rejects[0]["id"].as_str(),
            rejects[0]["reason"].as_str(),
            rejects[0]["stage"].as_str()
        ),
        (Some("d3"), Some("marked"), Some("shout"))
    );
    assert_eq!(rejects[0]["marker"], "DROPME");
    assert_eq!(rejects[0]["record"]["text"], "doc 3 DROPME");
    let stats: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.stats.json")).unwrap())
            .unwrap();
    assert_eq!(stats["stages"][0]["docs_in"], 20);
    assert_eq!(stats["stages"][0]["dropped"]["marked"], 2);
    assert_eq!(stats["stages"][0]["counters"]["marked"], 2.0);
}

/// Run `cfg` at `threads` threads into `dir/o{threads}.jsonl`; the output
/// and rejects bytes.
fn run_at_threads(
    dir: &std::path::Path,
    cfg: &std::path::Path,
    threads: usize,
) -> (Vec<u8>, Vec<u8>) {
    let out_path = dir.join(format!("o{threads}.jsonl"));
    let out = run(textmill()
        .args([
            "run",
            "--quiet",
            "--threads",
            &threads.to_string(),
            "--output",
        ])
        .arg(&out_path)
        .arg(cfg));
    assert!(out.status.success());
    (
        std::fs::read(&out_path).unwrap(),
        std::fs::read(dir.join(format!("o{threads}.rejects.jsonl"))).unwrap(),
    )
}

#[test]
fn output_bytes_do_not_depend_on_threads_or_batch_size() {
    let dir = tempfile::tempdir().unwrap();
    write_jsonl(&dir.path().join("in.jsonl"), 500);
    let mut outputs = Vec::new();
    for (threads, batch) in [(1, 256), (4, 7), (2, 1)] {
        let cfg = config(
            dir.path(),
            &format!("[input]\npath = \"in.jsonl\"\n[run]\nbatch_docs = {batch}\n{SHOUT}"),
        );
        outputs.push(run_at_threads(dir.path(), &cfg, threads));
    }
    assert!(outputs[0].0.len() > 10_000);
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}

#[test]
fn rejects_do_not_depend_on_threads_when_lines_are_bad() {
    // One thread parses JSONL on the reading thread, more parse on the
    // workers: the rejects of bad lines among the documents come out the same.
    let dir = tempfile::tempdir().unwrap();
    write_jsonl(&dir.path().join("in.jsonl"), 300);
    let mut input = std::fs::read_to_string(dir.path().join("in.jsonl")).unwrap();
    let bad = [
        "{not json",
        "[1, 2]",
        "",
        "{\"id\": \"x\"}",
        "   ",
        "{\"text\": 5}",
    ];
    for (k, line) in bad.iter().enumerate() {
        let at = input.match_indices('\n').nth(40 * k + 17).unwrap().0 + 1;
        input.insert_str(at, &format!("{line}\n"));
    }
    std::fs::write(dir.path().join("in.jsonl"), input).unwrap();
    let cfg = config(
        dir.path(),
        &format!(
            "[input]\npath = \"in.jsonl\"\n[run]\nbatch_docs = 7\nrejects_exit = \"never\"\n{SHOUT}"
        ),
    );
    let outputs: Vec<_> = [1, 2, 4]
        .iter()
        .map(|&threads| run_at_threads(dir.path(), &cfg, threads))
        .collect();
    let rejects = String::from_utf8_lossy(&outputs[0].1);
    for reason in [
        "malformed_json",
        "not_an_object",
        "missing_text",
        "invalid_text",
    ] {
        assert!(rejects.contains(reason), "no {reason} reject: {rejects}");
    }
    assert_eq!(outputs[0].0.iter().filter(|&&b| b == b'\n').count(), 270);
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}

#[test]
fn every_reader_and_writer_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("txt/sub")).unwrap();
    std::fs::write(d.join("txt/a.txt"), "alpha\n").unwrap();
    std::fs::write(d.join("txt/sub/b.txt"), "beta\n").unwrap();
    let cfg = config(d, SHOUT);
    // Folder of .txt in, folder of .txt out, mirroring paths.
    assert!(
        run(textmill()
            .args(["run", "-q", "--input"])
            .arg(d.join("txt"))
            .arg("--output")
            .arg(format!("{}/", d.join("out").display()))
            .arg(&cfg))
        .status
        .success()
    );
    assert_eq!(
        std::fs::read_to_string(d.join("out/a.txt")).unwrap(),
        "ALPHA\n"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("out/sub/b.txt")).unwrap(),
        "BETA\n"
    );
    let meta = read_jsonl(&d.join("out.metadata.jsonl"));
    assert_eq!(
        meta[1],
        serde_json::json!({"id": "sub/b.txt", "file": "sub/b.txt", "metadata": {"shouted": true}})
    );
    // Compressed JSONL out, and read back in.
    for ext in ["jsonl.gz", "jsonl.zst"] {
        let o = d.join(format!("c.{ext}"));
        assert!(
            run(textmill()
                .args(["run", "-q", "--input"])
                .arg(d.join("txt"))
                .arg("--output")
                .arg(&o)
                .arg(&cfg))
            .status
            .success()
        );
        let back = d.join(format!("back-{ext}.jsonl"));
        assert!(
            run(textmill()
                .args(["run", "-q", "--input"])
                .arg(&o)
                .arg("--output")
                .arg(&back)
                .arg(&cfg))
            .status
            .success()
        );
        let docs = read_jsonl(&back);
        assert_eq!(
            docs.iter()
                .map(|v| v["id"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["a.txt", "sub/b.txt"]
        );
        assert_eq!(docs[0]["text"], "ALPHA\n");
    }
    // stdin to stdout.
    let mut child = textmill()
        .args(["run", "-q", "--input", "-", "--output", "-"])
        .arg(&cfg)
        .current_dir(d)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"id\":\"x\",\"text\":\"hi\"}\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"id\":\"x\",\"text\":\"HI\",\"metadata\":{\"shouted\":true}}\n"
    );
}

#[test]
fn malformed_input_becomes_rejects_naming_file_and_line_and_the_rest_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.jsonl"), "{\"id\":\"a\",\"text\":\"ok\"}\n{broken\n{\"id\":\"b\"}\n{\"id\":\"c\",\"text\":\"ok too\"}\n").unwrap();
    let cfg = config(
        dir.path(),
        &format!("[input]\npath = \"in.jsonl\"\n[output]\npath = \"out.jsonl\"\n{SHOUT}"),
    );
    let out = run(textmill().arg("run").arg(&cfg));
    assert_eq!(
        out.status.code(),
        Some(3),
        "input errors give exit status 3"
    );
    assert_eq!(read_jsonl(&dir.path().join("out.jsonl")).len(), 2);
    let rejects = read_jsonl(&dir.path().join("out.rejects.jsonl"));
    let got: Vec<(String, String, i64)> = rejects
        .iter()
        .map(|r| {
            (
                r["reason"].as_str().unwrap().to_string(),
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("malformed_json".into(), "in.jsonl".into(), 2),
            ("missing_text".into(), "in.jsonl".into(), 3)
        ]
    );
    assert!(
        rejects[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("in.jsonl:2:")
    );
}

#[test]
fn a_panicking_plugin_rejects_its_batch_with_the_message_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    write_jsonl(&dir.path().join("in.jsonl"), 30);
    let cfg = config(
        dir.path(),
        "[input]\npath = \"in.jsonl\"\n[output]\npath = \"out.jsonl\"\n[run]\nbatch_docs = 10\n[[stage]]\nplugin = \"shout\"\npanic_on = \"d15\"\n",
    );
    let out = run(textmill().args(["run", "--threads", "2"]).arg(&cfg));
    assert_eq!(out.status.code(), Some(3));
    let kept = read_jsonl(&dir.path().join("out.jsonl"));
    let rejects = read_jsonl(&dir.path().join("out.rejects.jsonl"));
    // Batch d10..d19 failed as a whole; the other two batches ran (minus their marked docs).
    assert_eq!(kept.len() + rejects.len(), 30);
    let panicked: Vec<&Value> = rejects
        .iter()
        .filter(|r| r["reason"] == "plugin_panic")
        .collect();
    assert_eq!(panicked.len(), 10);
    assert!(
        panicked[0]["message"]
            .as_str()
            .unwrap()
            .contains("shout was told to panic on d15")
    );
    assert_eq!(kept.len(), 18);
}

#[test]
fn validate_reports_every_error_with_line_stage_and_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        "[input]\npaht = \"x\"\n\n[[stage]]\nplugin = \"shout\"\ndrop_markr = \"X\"\n\n[[stage]]\nplugin = \"nonesuch\"\n\n[[stage]]\nplugin = \"shout\"\ndrop_marker = \"\"\n",
    );
    let out = run(textmill().arg("validate").arg(&cfg));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // Shape errors come first; fix them and the plugin checks run.
    assert!(
        err.contains("pipeline.toml:2:1: unknown key `paht` in [input]; did you mean `path`?"),
        "{err}"
    );
    std::fs::write(
        &cfg,
        std::fs::read_to_string(&cfg)
            .unwrap()
            .replace("paht", "path"),
    )
    .unwrap();
    let out = run(textmill().arg("validate").arg(&cfg));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("3 configuration errors"), "{err}");
    assert!(err.contains("pipeline.toml:6:1: stage 1 (shout): unknown key `drop_markr`; did you mean `drop_marker`?"), "{err}");
    assert!(
        err.contains("pipeline.toml:9:1: stage 2 (nonesuch): plugin `nonesuch` not found in"),
        "{err}"
    );
    assert!(
        err.contains("pipeline.toml:13:1: stage 3 (shout): key `drop_marker`: must not be empty"),
        "{err}"
    );
}

#[test]
fn a_library_of_another_abi_version_or_no_symbol_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let wrong = c_library("wrong_abi", dir.path());
    let none = c_library("no_symbol", dir.path());
    let cfg = config(
        dir.path(),
        &format!(
            "[[stage]]\nplugin = \"wrong_abi\"\npath = \"{}\"\n[[stage]]\nplugin = \"no_symbol\"\npath = \"{}\"\n",
            wrong.display(),
            none.display()
        ),
    );
    let out = run(textmill().arg("validate").arg(&cfg));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}: ABI version mismatch: host ABI 1, plugin ABI 999",
            wrong.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}: not a textmill plugin (no `textmill_plugin_abi_version` symbol)",
            none.display()
        )),
        "{err}"
    );
}

#[test]
fn plugins_lists_the_out_of_tree_plugin_with_its_file_and_parameters() {
    let out = run(textmill().args(["plugins", "shout"]));
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("shout 0.1.0 (ABI 1, document stage)"),
        "{text}"
    );
    assert!(
        text.contains(&shout_plugin_dir().display().to_string()),
        "{text}"
    );
    assert!(
        text.contains("drop_marker") && text.contains("\"DROPME\""),
        "{text}"
    );
}

#[test]
fn a_missing_input_is_a_run_error_naming_the_path_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &format!("[input]\npath = \"nope/\"\n[output]\npath = \"out.jsonl\"\n{SHOUT}"),
    );
    let out = run(textmill().arg("run").arg(&cfg));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope/: does not exist"));
    assert!(!dir.path().join("out.jsonl").exists());
}

#[test]
fn dolma_and_datatrove_records_come_out_with_every_field_intact() {
    let dir = tempfile::tempdir().unwrap();
    // Dolma: top-level source/added/created and nested metadata; datatrove: id/text/media/metadata.
    let dolma = r#"{"id":"dolma-1","text":"a story","source":"cc","added":"2024-01-01T00:00:00Z","created":"2023-12-31","version":"v1","metadata":{"url":"http://x.org/a","lang":{"en":0.99},"n":[1,2]}}"#;
    let datatrove = r#"{"text":"other story","id":"dt/0","media":[],"metadata":{"dump":"CC-MAIN-2024","file_path":"s3://b/k","token_count":3}}"#;
    std::fs::write(
        dir.path().join("in.jsonl"),
        format!("{dolma}\n{datatrove}\n"),
    )
    .unwrap();
    let cfg = config(
        dir.path(),
        &format!("[input]\npath = \"in.jsonl\"\n[output]\npath = \"out.jsonl\"\n{SHOUT}"),
    );
    assert!(run(textmill().arg("run").arg(&cfg)).status.success());
    let out = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    // Same fields in the same order; only `text` changed and `metadata` gained the stage's key.
    assert_eq!(
        lines[0],
        r#"{"id":"dolma-1","text":"A STORY","source":"cc","added":"2024-01-01T00:00:00Z","created":"2023-12-31","version":"v1","metadata":{"url":"http://x.org/a","lang":{"en":0.99},"n":[1,2],"shouted":true}}"#
    );
    assert_eq!(
        lines[1],
        r#"{"text":"OTHER STORY","id":"dt/0","media":[],"metadata":{"dump":"CC-MAIN-2024","file_path":"s3://b/k","token_count":3,"shouted":true}}"#
    );
}
