//! Run the stage over a JSONL file through its Rust API, as the host would
//! (observe every batch → merge → finish → apply), and time it.
//!
//! ```text
//! cargo run --release --example eval -- IN.jsonl OUT.jsonl REJECTS.jsonl [CONFIG_JSON] [--explain-to FILE]
//! ```
//!
//! Writes `{id, text}` per kept document and `{id, reason}` per dropped one;
//! prints one-thread throughput (input MB / wall time of observe+merge+finish+apply,
//! and the same over the thread's on-CPU time, which a busy machine does not
//! inflate) and the stage's stats to stderr.

use std::io::{BufRead, BufWriter, Write};
use std::time::Instant;
use textmill_plugin_sdk::serde_json::{self, Map, Value, json};
use textmill_plugin_sdk::{Action, CorpusStage, Doc, Plugin, Stats};
use textmill_strip_disclaimer::StripDisclaimer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        return Err(
            "usage: eval IN.jsonl OUT.jsonl REJECTS.jsonl [CONFIG_JSON] [--explain-to FILE]".into(),
        );
    }
    let config: Value = match args.get(4).filter(|a| !a.starts_with("--")) {
        Some(c) => serde_json::from_str(c)?,
        None => json!({}),
    };
    let explain_to = args
        .iter()
        .position(|a| a == "--explain-to")
        .and_then(|i| args.get(i + 1));
    let mut stage = StripDisclaimer::from_config(&config)?;

    // Read everything first: the timing below covers the stage only.
    let mut records: Vec<(String, String, String)> = Vec::new();
    let mut bytes = 0usize;
    for line in std::io::BufReader::new(std::fs::File::open(&args[1])?).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let mut rec: Map<String, Value> = serde_json::from_str(&line)?;
        let text = match rec.remove("text") {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        let id = match rec.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => records.len().to_string(),
        };
        rec.remove("gold");
        bytes += text.len();
        records.push((id, text, Value::Object(rec).to_string()));
    }
    let docs: Vec<Doc<'_>> = records
        .iter()
        .enumerate()
        .map(|(i, (id, text, fields))| Doc {
            ordinal: i as u64,
            id,
            text,
            fields_json: fields,
        })
        .collect();

    let cpu0 = thread_cpu_seconds();
    let t0 = Instant::now();
    let batches: Vec<&[Doc<'_>]> = docs.chunks(1000).collect();
    let mut states = Vec::new();
    for b in &batches {
        states.push(stage.observe(b)?);
    }
    let views: Vec<&[u8]> = states.iter().map(|s| s.as_slice()).collect();
    let merged = stage.merge(&views)?;
    stage.finish(&merged)?;
    let t_learn = t0.elapsed();
    let mut stats = Stats::default();
    let outcomes: Vec<_> = docs.iter().map(|d| stage.apply(d, &mut stats)).collect();
    let elapsed = t0.elapsed();
    let cpu = thread_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);

    let mut out = BufWriter::new(std::fs::File::create(&args[2])?);
    let mut rej = BufWriter::new(std::fs::File::create(&args[3])?);
    let mut exp = match explain_to {
        Some(p) => Some(BufWriter::new(std::fs::File::create(p)?)),
        None => None,
    };
    for (d, o) in docs.iter().zip(&outcomes) {
        match &o.action {
            Action::Keep => writeln!(out, "{}", json!({"id": d.id, "text": d.text}))?,
            Action::Replace(t) => writeln!(out, "{}", json!({"id": d.id, "text": t}))?,
            Action::Drop(r) | Action::Error(r) => {
                writeln!(rej, "{}", json!({"id": d.id, "reason": r}))?
            }
        }
        if let (Some(e), Some(m)) = (exp.as_mut(), o.metadata.get("strip_disclaimer")) {
            writeln!(e, "{}", json!({"id": d.id, "strip_disclaimer": m}))?;
        }
    }
    let mb = bytes as f64 / 1e6;
    eprintln!(
        "{} docs, {:.2} MB in {:.3}s (learn {:.3}s): {:.1} MB/s one thread",
        docs.len(),
        mb,
        elapsed.as_secs_f64(),
        t_learn.as_secs_f64(),
        mb / elapsed.as_secs_f64()
    );
    if let Some(cpu) = cpu {
        // On a shared machine wall time includes waiting for a core; the
        // thread's on-CPU time does not.
        eprintln!(
            "cpu {:.3}s: {:.1} MB/s one thread (on-CPU time)",
            cpu,
            mb / cpu
        );
    }
    for (k, v) in &stats.0 {
        eprintln!("  {k}: {v}");
    }
    Ok(())
}

/// Time this thread has spent on a CPU (Linux `/proc/thread-self/schedstat`, ns).
fn thread_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}
