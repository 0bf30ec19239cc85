//! Summarize a JSONL file the way the host would, for scoring and timing
//! before (or without) the `textmill` CLI.
//!
//! ```text
//! cargo run --release -p textmill-summarize --example eval -- \
//!     '{"algorithm": "positional", "ratio": 0.43}' bbc/dev.jsonl out.jsonl [--strip-byline]
//! python3 rouge_eval.py --refs bbc/dev.jsonl out.jsonl
//! cargo run --release -p textmill-summarize --example eval -- '{}' docs/*.jsonl --bench
//! ```
//!
//! Output records are `{"id", "metadata": {"summary"}}`, which `rouge_eval.py`
//! reads like textmill's own output. `--strip-byline` is a stand-in for the
//! `strip_disclaimer` stage: it drops the Daily Mail byline and time-stamp
//! block at the start of a text. `--bench` reads every input file, then times
//! the stage's `process` alone on one thread and prints documents per second.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::time::Instant;
use textmill_plugin_sdk::{Doc, DocumentStage, Plugin, Stats};
use textmill_summarize::Summarize;
use textmill_text::sentences::sentences;

/// A leading sentence of the Daily Mail byline block: `By .`, a name, `PUBLISHED: .`,
/// a time stamp, `| .`, `Last updated at ...`.
fn is_byline_piece(s: &str) -> bool {
    let t = s.trim_end_matches([' ', '.']);
    let words: Vec<&str> = t.split_whitespace().collect();
    let lower = words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_lowercase))
        .count();
    t == "By"
        || t == "|"
        || t.starts_with("PUBLISHED:")
        || t.starts_with("UPDATED:")
        || t.starts_with("Last updated")
        || (t.contains(" EST, ") || t.contains(" GMT, ")) && words.len() <= 6
        || (words.len() <= 5 && lower <= 1 && !t.ends_with(['!', '?']))
}

/// CPU time of this thread (Linux `schedstat`), which on a shared machine
/// measures the stage's own cost where wall time also counts other load.
fn thread_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn strip_byline(text: &str) -> &str {
    for s in sentences(text) {
        if !is_byline_piece(s.text) {
            return &text[s.start..];
        }
    }
    text
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let strip = args.iter().any(|a| a == "--strip-byline");
    let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let (Some(config), Some(_)) = (pos.first(), pos.get(1)) else {
        return Err("usage: eval CONFIG_JSON INPUT.jsonl [OUTPUT.jsonl | more inputs with --bench] [--strip-byline] [--bench]".into());
    };
    let stage = Summarize::from_config(&serde_json::from_str(config)?)?;
    let inputs: Vec<&String> = if bench {
        pos[1..].to_vec()
    } else {
        vec![pos[1]]
    };
    let mut docs: Vec<(String, String)> = Vec::new();
    for path in inputs {
        for line in BufReader::new(std::fs::File::open(path)?).lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(&line)?;
            let id = match &v["id"] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let text = v["text"].as_str().unwrap_or_default().to_string();
            docs.push((id, text));
        }
    }
    let mut stats = Stats::default();
    if bench {
        let bytes: usize = docs.iter().map(|d| d.1.len()).sum();
        // One warm-up pass fills the per-thread stem cache, as a long run would.
        let rounds = 3;
        let mut n = 0usize;
        let cpu0 = thread_cpu_secs().unwrap_or(0.0);
        let t = Instant::now();
        for _ in 0..rounds {
            for (i, (id, text)) in docs.iter().enumerate() {
                let doc = Doc {
                    ordinal: i as u64,
                    id,
                    text,
                    fields_json: "{}",
                };
                let out = stage.process(&doc, &mut stats);
                n += out.metadata.len();
            }
        }
        let secs = t.elapsed().as_secs_f64();
        let cpu = thread_cpu_secs().map(|c| c - cpu0);
        let per_cpu = cpu.map_or("n/a".to_string(), |c| {
            format!("{:.0}", (docs.len() * rounds) as f64 / c)
        });
        println!(
            "{} docs x {rounds}, {:.1} MB: {:.0} docs/s wall, {per_cpu} docs per CPU second, {:.1} MB/s wall (one thread; {n} outputs)",
            docs.len(),
            bytes as f64 / 1e6,
            (docs.len() * rounds) as f64 / secs,
            (bytes * rounds) as f64 / 1e6 / secs
        );
        return Ok(());
    }
    let out_path = pos.get(2).ok_or("an OUTPUT.jsonl path is needed")?;
    let mut out = BufWriter::new(std::fs::File::create(out_path)?);
    for (i, (id, text)) in docs.iter().enumerate() {
        let text = if strip { strip_byline(text) } else { text };
        let doc = Doc {
            ordinal: i as u64,
            id,
            text,
            fields_json: "{}",
        };
        let outcome = stage.process(&doc, &mut stats);
        let rec = serde_json::json!({"id": id, "metadata": outcome.metadata});
        writeln!(out, "{rec}")?;
    }
    out.flush()?;
    eprintln!("{} docs -> {out_path}; stats {:?}", docs.len(), stats.0);
    Ok(())
}
