//! End-to-end tests of the user-facing commands: explain, new-plugin,
//! completions and the man page.

mod common;

use common::*;

#[test]
fn explain_shows_each_stage_effect_on_one_document() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.jsonl"), "{\"id\":\"a\",\"text\":\"keep me\\nline two\"}\n{\"id\":\"b\",\"text\":\"DROPME please\"}\n").unwrap();
    let cfg = config(dir.path(), "[[stage]]\nplugin = \"shout\"\n");
    let out = run(textmill()
        .arg("explain")
        .arg(&cfg)
        .arg("--input")
        .arg(dir.path().join("in.jsonl")));
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("stage 1 shout: kept, 2 line(s) removed, 2 added"),
        "{text}"
    );
    assert!(
        text.contains("  - keep me\n  - line two\n  + KEEP ME\n  + LINE TWO"),
        "{text}"
    );
    assert!(text.contains("metadata.shouted = true"), "{text}");
    let out = run(textmill()
        .arg("explain")
        .arg(&cfg)
        .arg("--input")
        .arg(dir.path().join("in.jsonl"))
        .args(["--id", "b"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("stage 1 shout: DROPPED, reason marked {\"marker\":\"DROPME\"}"),
        "{text}"
    );
    assert!(
        text.contains("the document does not reach the output"),
        "{text}"
    );
}

#[test]
fn new_plugin_scaffolds_a_crate_that_builds_alone_and_loads() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(textmill()
        .args(["new-plugin", "word_floor", "--dir"])
        .arg(dir.path()));
    assert!(out.status.success());
    let crate_dir = dir.path().join("textmill-word_floor");
    assert!(
        crate_dir.join("README.md").exists()
            && crate_dir
                .join("vendor/textmill-plugin-sdk/src/abi.rs")
                .exists()
    );
    // Exactly what a user does: cargo build --release in the new crate, nothing else.
    let target = root().join("target/e2e-plugins");
    assert!(
        cargo_build(&crate_dir, &target, true),
        "the scaffolded plugin does not build"
    );
    let plugin_dir = dir.path().join("plugins");
    std::fs::create_dir(&plugin_dir).unwrap();
    let lib = format!(
        "{}textmill_word_floor{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    std::fs::copy(target.join("release").join(&lib), plugin_dir.join(&lib)).unwrap();
    std::fs::write(dir.path().join("in.jsonl"), "{\"id\":\"short\",\"text\":\"too few\"}\n{\"id\":\"long\",\"text\":\"one two three four five\"}\n").unwrap();
    let cfg = config(
        dir.path(),
        &format!(
            "[run]\nplugin_dir = \"{}\"\n[[stage]]\nplugin = \"word_floor\"\nmin_words = 3\n",
            plugin_dir.display()
        ),
    );
    let out = run(textmill()
        .arg("run")
        .arg(&cfg)
        .arg("--input")
        .arg(dir.path().join("in.jsonl"))
        .arg("--output")
        .arg(dir.path().join("out.jsonl")));
    assert!(out.status.success());
    let kept = read_jsonl(&dir.path().join("out.jsonl"));
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["id"], "long");
    let rejects = read_jsonl(&dir.path().join("out.rejects.jsonl"));
    assert_eq!(
        (rejects[0]["reason"].as_str(), rejects[0]["words"].as_i64()),
        (Some("too_short"), Some(2))
    );
}

#[test]
fn completions_and_man_page_are_generated_from_the_cli() {
    let out = run(textmill().args(["completions", "bash"]));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("new-plugin"));
    let out = run(textmill().arg("man"));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(".TH textmill"));
}
