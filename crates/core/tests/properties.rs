//! Properties of whole pipelines, checked through the host: the plugins are
//! the real `strip_disclaimer`, `dedupe` and `summarize` libraries loaded
//! through the C ABI, as `textmill run` loads them (two plugin rlibs cannot
//! share one test binary: they export the same C symbols).
//!
//! - Cleaning is idempotent: `strip_disclaimer` then `dedupe` (a one-document
//!   corpus, so only within-document dedupe acts) changes nothing on its own
//!   output.
//! - Documents in = documents out + rejects, for whole runs of
//!   [`textmill_core::run::run`] over folders of good and bad input.
//!
//! The libraries are the ones `cargo build --workspace` leaves beside this
//! test's folder (`target/debug`). Cases are generated with a fixed seed and
//! no failure file, so a run is the same everywhere.

use proptest::prelude::*;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use textmill_core::config::PipelineConfig;
use textmill_core::document::{Document, Origin};
use textmill_core::pipeline::Pipeline;
use textmill_core::plugin::{DocResult, PluginLibrary, StageInstance};
use textmill_core::run::{RunOptions, RunPaths, run};

#[path = "../../../tests/common/pages.rs"]
mod pages;
use pages::{page, runner};

/// The folder holding the workspace's plugin libraries: this test binary
/// runs from `<target>/debug/deps`.
fn plugin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("<target>/debug")
        .to_path_buf();
    for name in ["strip_disclaimer", "dedupe", "summarize"] {
        let lib = library(&dir, name);
        assert!(
            lib.is_file(),
            "{} is missing: run `cargo build --workspace` first",
            lib.display()
        );
    }
    dir
}

fn library(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(
        "{}textmill_{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ))
}

fn stage(dir: &Path, name: &str) -> StageInstance {
    let lib = Arc::new(PluginLibrary::load(&library(dir, name)).expect("load plugin"));
    lib.instantiate(&Map::new()).expect("default config")
}

/// Run one corpus stage over a one-document corpus; the new text, or None
/// when the stage dropped the document.
fn corpus_stage_on(stage: &mut StageInstance, text: &str) -> Option<String> {
    let origin = Origin {
        file: "page.txt".into(),
        line: 0,
    };
    let doc = Document::from_text(0, "page".into(), text.into(), origin);
    let docs = [doc];
    let state = stage.observe(&docs).expect("observe");
    let merged = stage.merge(&[state]).expect("merge");
    stage.finish(&merged).expect("finish");
    let out = stage.process(&docs).expect("apply");
    match out.docs.into_iter().next().expect("one result") {
        DocResult::Keep(None, _) => Some(text.to_string()),
        DocResult::Keep(Some(t), _) => Some(t),
        DocResult::Drop(..) => None,
        DocResult::Error(e) => panic!("stage error: {e}"),
    }
}

#[test]
fn cleaning_its_own_output_changes_nothing() {
    let dir = plugin_dir();
    // The runner takes `Fn`; `finish` needs the stages mutably.
    let strip = RefCell::new(stage(&dir, "strip_disclaimer"));
    let dedupe = RefCell::new(stage(&dir, "dedupe"));
    let clean = |text: &str| -> Option<String> {
        let stripped = corpus_stage_on(&mut strip.borrow_mut(), text)?;
        corpus_stage_on(&mut dedupe.borrow_mut(), &stripped)
    };
    let changed = std::cell::Cell::new(0);
    runner(64)
        .run(&page(), |text| {
            if let Some(once) = clean(&text) {
                changed.set(changed.get() + usize::from(once != text));
                let twice = clean(&once);
                prop_assert_eq!(twice.as_deref(), Some(once.as_str()), "page:\n{}", text);
            }
            Ok(())
        })
        .unwrap();
    // Not vacuous: most generated pages carry boilerplate or repeats.
    assert!(
        changed.get() >= 32,
        "only {} of 64 pages were changed",
        changed.get()
    );
}

/// One input file of a generated run: a page or a broken file.
#[derive(Debug, Clone)]
enum TextFile {
    Page(String),
    Empty,
    Whitespace,
    Nul(String),
    InvalidUtf8(String),
    /// A copy of another file of the run (a duplicate for dedupe).
    CopyOf(prop::sample::Index),
}

fn text_file() -> impl Strategy<Value = TextFile> {
    prop_oneof![
        6 => page().prop_map(TextFile::Page),
        1 => Just(TextFile::Empty),
        1 => Just(TextFile::Whitespace),
        1 => page().prop_map(TextFile::Nul),
        1 => page().prop_map(TextFile::InvalidUtf8),
        2 => any::<prop::sample::Index>().prop_map(TextFile::CopyOf),
    ]
}

/// One JSONL line: a good record or one of the ways a line goes wrong.
/// `None` is a blank line, which is no document at all.
fn jsonl_line() -> impl Strategy<Value = Option<String>> {
    let record = |text: String| serde_json::json!({ "text": text }).to_string();
    prop_oneof![
        6 => page().prop_map(move |t| Some(record(t))),
        1 => page().prop_map(|t| Some(serde_json::json!({"id": 7, "text": t, "url": "https://example.com/a"}).to_string())),
        1 => Just(Some("{\"text\": \"truncated".to_string())),
        1 => Just(Some("[1, 2, 3]".to_string())),
        1 => Just(Some("{\"id\": \"no-text\"}".to_string())),
        1 => Just(Some("{\"text\": 42}".to_string())),
        1 => Just(Some("{\"id\": [1], \"text\": \"bad id\"}".to_string())),
        1 => Just(Some("{\"text\": \"x\", \"metadata\": 3}".to_string())),
        1 => Just(Some("{\"text\": \"   \"}".to_string())),
        1 => Just(None),
    ]
}

fn write_input(dir: &Path, files: &[TextFile], jsonl: &[Option<String>]) -> usize {
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    for f in files {
        let body = match f {
            TextFile::Page(t) => t.clone().into_bytes(),
            TextFile::Empty => Vec::new(),
            TextFile::Whitespace => b" \n\t\n".to_vec(),
            TextFile::Nul(t) => format!("{t}\0tail").into_bytes(),
            TextFile::InvalidUtf8(t) => [t.as_bytes(), b"\xff\xfe"].concat(),
            TextFile::CopyOf(i) if !bodies.is_empty() => bodies[i.index(bodies.len())].clone(),
            TextFile::CopyOf(_) => b"A lone page with one sentence in it.".to_vec(),
        };
        bodies.push(body);
    }
    for (i, b) in bodies.iter().enumerate() {
        std::fs::write(dir.join(format!("page{i:02}.txt")), b).expect("write page");
    }
    let mut text = jsonl
        .iter()
        .map(|l| l.as_deref().unwrap_or("  "))
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    std::fs::write(dir.join("records.jsonl"), text).expect("write jsonl");
    // Every .txt file and every non-blank line is one document in.
    files.len() + jsonl.iter().filter(|l| l.is_some()).count()
}

fn count_lines(path: &Path) -> usize {
    match std::fs::read_to_string(path) {
        Ok(t) => t.lines().count(),
        Err(_) => 0,
    }
}

#[test]
fn documents_in_equal_documents_out_plus_rejects() {
    let dir = plugin_dir();
    let strategy = (
        prop::collection::vec(text_file(), 0..=6),
        prop::collection::vec(jsonl_line(), 0..=8),
    );
    // One pipeline for every case, as loading the plugins and compiling the
    // rule packs is most of a small run; the paths change per case.
    let lib = |name: &str| library(&dir, name).display().to_string();
    let config = format!(
        "[input]\npath = \"in\"\n[output]\npath = \"out.jsonl\"\n\
         [run]\nthreads = 2\nbatch_docs = 2\nrejects_exit = \"never\"\n\
         [[stage]]\nplugin = \"strip_disclaimer\"\npath = {strip:?}\n\
         [[stage]]\nplugin = \"dedupe\"\npath = {dedupe:?}\n\
         [[stage]]\nplugin = \"summarize\"\npath = {summarize:?}\n",
        strip = lib("strip_disclaimer"),
        dedupe = lib("dedupe"),
        summarize = lib("summarize"),
    );
    let config = PipelineConfig::parse(&config, Path::new("pipeline.toml")).expect("config");
    let pipeline = RefCell::new(Pipeline::build(config).expect("pipeline"));
    let reasons: RefCell<BTreeSet<String>> = RefCell::default();
    runner(32)
        .run(&strategy, |(files, jsonl)| {
            let tmp = tempfile::tempdir().expect("temp dir");
            let input = tmp.path().join("in");
            let out = tmp.path().join("out");
            std::fs::create_dir_all(&input).expect("input dir");
            std::fs::create_dir_all(&out).expect("output dir");
            let docs_in = write_input(&input, &files, &jsonl);
            let paths = RunPaths {
                input: input.clone(),
                output: out.join("out.jsonl"),
                rejects: out.join("out.rejects.jsonl"),
                stats: out.join("out.stats.json"),
            };
            let stats =
                run(&mut pipeline.borrow_mut(), &paths, &RunOptions::default()).expect("run");
            let written = count_lines(&paths.output);
            let rejected = count_lines(&paths.rejects);
            prop_assert_eq!(
                written + rejected,
                docs_in,
                "files {:?} jsonl {:?}",
                files,
                jsonl
            );
            prop_assert_eq!(stats.docs_written as usize, written);
            prop_assert_eq!(stats.rejects_written as usize, rejected);
            // No id is written twice, and every named input is accounted for.
            let mut ids: BTreeMap<String, usize> = BTreeMap::new();
            for path in [&paths.output, &paths.rejects] {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                for l in text.lines() {
                    let v: Value = serde_json::from_str(l).expect("a JSON line");
                    if let Some(r) = v.get("reason").and_then(Value::as_str) {
                        reasons.borrow_mut().insert(r.to_string());
                    }
                    if let Some(id) = v.get("id").and_then(Value::as_str) {
                        *ids.entry(id.to_string()).or_default() += 1;
                    }
                }
            }
            for i in 0..files.len() {
                let id = format!("page{i:02}.txt");
                prop_assert_eq!(ids.get(&id).copied(), Some(1), "{} in {:?}", id, ids);
            }
            Ok(())
        })
        .unwrap();
    // Not vacuous: the generated runs hit the main kinds of reject.
    let seen = reasons.into_inner();
    for r in [
        "duplicate",
        "malformed_json",
        "empty",
        "binary",
        "invalid_utf8",
        "missing_text",
    ] {
        assert!(seen.contains(r), "no {r} reject in any case: {seen:?}");
    }
}
