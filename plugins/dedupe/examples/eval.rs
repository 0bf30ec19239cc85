//! Run the dedupe stage through its Rust API on JSONL files, as the host would
//! (observe per batch, merge, finish, apply), and write what survives.
//!
//! ```text
//! cargo run --release -p textmill-dedupe --example eval -- \
//!     [--config '{"threshold":0.8}'] [--threads N] [--batch N] [--sort-by-id] \
//!     [--text-field text] --out KEPT.jsonl --rejects REJECTS.jsonl FILE.jsonl...
//! ```
//!
//! Kept documents are written as `{"id", "text"}`, dropped ones as
//! `{"id", "reason", "duplicate_of", "similarity", "containment"}`, both in
//! input order. Timings go to stderr.

use std::io::{BufRead, BufWriter, Write};
use std::time::Instant;
use textmill_dedupe::Dedupe;
use textmill_plugin_sdk::{Action, CorpusStage, Doc, Outcome, Plugin, Stats};

struct Args {
    config: String,
    threads: usize,
    batch: usize,
    sort_by_id: bool,
    text_field: String,
    out: String,
    rejects: String,
    inputs: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        config: "{}".into(),
        threads: 1,
        batch: 1000,
        sort_by_id: false,
        text_field: "text".into(),
        out: String::new(),
        rejects: String::new(),
        inputs: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--config" => a.config = val("--config")?,
            "--threads" => {
                a.threads = val("--threads")?
                    .parse()
                    .map_err(|e| format!("--threads: {e}"))?
            }
            "--batch" => {
                a.batch = val("--batch")?
                    .parse()
                    .map_err(|e| format!("--batch: {e}"))?
            }
            "--sort-by-id" => a.sort_by_id = true,
            "--text-field" => a.text_field = val("--text-field")?,
            "--out" => a.out = val("--out")?,
            "--rejects" => a.rejects = val("--rejects")?,
            _ => a.inputs.push(arg),
        }
    }
    if a.out.is_empty() || a.rejects.is_empty() || a.inputs.is_empty() {
        return Err("usage: eval [--config JSON] [--threads N] [--batch N] [--sort-by-id] [--text-field F] --out F --rejects F INPUT...".into());
    }
    Ok(a)
}

struct Record {
    id: String,
    text: String,
    fields: String,
}

/// CPU seconds this process has used (user + system), from `/proc/self/stat`;
/// `None` off Linux. On a shared machine wall time overstates the stage's cost.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the line, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() -> Result<(), String> {
    let args = parse_args()?;
    let mut records = Vec::new();
    for path in &args.inputs {
        let f = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
        for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
            let line = line.map_err(|e| format!("{path}:{}: {e}", n + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            let mut v: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
            let text = match v.remove(&args.text_field) {
                Some(serde_json::Value::String(s)) => s,
                _ => {
                    return Err(format!(
                        "{path}:{}: no string field {}",
                        n + 1,
                        args.text_field
                    ));
                }
            };
            let id = match v.get("id") {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => format!("{path}:{}", n + 1),
            };
            v.remove("text");
            let fields = serde_json::Value::Object(v).to_string();
            records.push(Record { id, text, fields });
        }
    }
    if args.sort_by_id {
        records.sort_by(|a, b| a.id.cmp(&b.id));
    }
    let bytes: usize = records.iter().map(|r| r.text.len()).sum();
    let docs: Vec<Doc<'_>> = records
        .iter()
        .enumerate()
        .map(|(i, r)| Doc {
            ordinal: i as u64,
            id: &r.id,
            text: &r.text,
            fields_json: &r.fields,
        })
        .collect();
    let config: serde_json::Value =
        serde_json::from_str(&args.config).map_err(|e| format!("--config: {e}"))?;
    let mut stage = Dedupe::from_config(&config).map_err(|e| e.to_string())?;
    let batches: Vec<&[Doc<'_>]> = docs.chunks(args.batch.max(1)).collect();
    let threads = args.threads.max(1);

    // Observe: batches dealt to threads round-robin, states put back in order.
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let mut states: Vec<Vec<u8>> = vec![Vec::new(); batches.len()];
    std::thread::scope(|s| -> Result<(), String> {
        let stage = &stage;
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let batches = &batches;
                s.spawn(move || {
                    let mut out = Vec::new();
                    for (i, b) in batches.iter().enumerate().skip(t).step_by(threads) {
                        out.push((i, stage.observe(b)));
                    }
                    out
                })
            })
            .collect();
        for h in handles {
            for (i, st) in h.join().map_err(|_| "observe thread panicked")? {
                states[i] = st?;
            }
        }
        Ok(())
    })?;
    let t_observe = t0.elapsed();
    let t1 = Instant::now();
    let views: Vec<&[u8]> = states.iter().map(Vec::as_slice).collect();
    let merged = stage.merge(&views)?;
    let state_bytes = merged.len();
    drop(states);
    stage.finish(&merged)?;
    drop(merged);
    let t_finish = t1.elapsed();

    let t2 = Instant::now();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; docs.len()];
    let mut stats = Stats::default();
    std::thread::scope(|s| -> Result<(), String> {
        let stage = &stage;
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let batches = &batches;
                let batch = args.batch.max(1);
                s.spawn(move || {
                    let mut stats = Stats::default();
                    let mut out = Vec::new();
                    for (i, b) in batches.iter().enumerate().skip(t).step_by(threads) {
                        out.push((i * batch, stage.apply_batch(b, &mut stats)));
                    }
                    (out, stats)
                })
            })
            .collect();
        for h in handles {
            let (out, st) = h.join().map_err(|_| "apply thread panicked")?;
            for (start, outs) in out {
                for (k, o) in outs.into_iter().enumerate() {
                    outcomes[start + k] = Some(o);
                }
            }
            for (k, v) in st.0 {
                stats.add(&k, v);
            }
        }
        Ok(())
    })?;
    let t_apply = t2.elapsed();
    let cpu = cpu0.zip(cpu_seconds()).map(|(a, b)| b - a);

    let mut kept = BufWriter::new(std::fs::File::create(&args.out).map_err(|e| e.to_string())?);
    let mut rej = BufWriter::new(std::fs::File::create(&args.rejects).map_err(|e| e.to_string())?);
    let (mut n_kept, mut n_drop) = (0, 0);
    for (d, o) in docs.iter().zip(outcomes) {
        let o = o.ok_or("missing outcome")?;
        let line = match &o.action {
            Action::Keep => {
                n_kept += 1;
                serde_json::json!({"id": d.id, "text": d.text, "metadata": o.metadata})
            }
            Action::Replace(t) => {
                n_kept += 1;
                serde_json::json!({"id": d.id, "text": t, "metadata": o.metadata})
            }
            Action::Drop(reason) | Action::Error(reason) => {
                n_drop += 1;
                let mut v = serde_json::json!({"id": d.id, "reason": reason});
                if let Some(m) = v.as_object_mut() {
                    m.extend(o.detail.clone());
                }
                v
            }
        };
        let w: &mut BufWriter<std::fs::File> =
            if matches!(o.action, Action::Keep | Action::Replace(_)) {
                &mut kept
            } else {
                &mut rej
            };
        writeln!(w, "{line}").map_err(|e| e.to_string())?;
    }
    kept.flush().map_err(|e| e.to_string())?;
    rej.flush().map_err(|e| e.to_string())?;
    let total = t_observe + t_finish + t_apply;
    let mb = bytes as f64 / 1e6;
    eprintln!(
        "docs {} kept {n_kept} dropped {n_drop} | {mb:.1} MB | threads {threads} batch {} | observe {:.2}s finish {:.2}s apply {:.2}s | total {:.2}s = {:.1} MB/s | merged state {} bytes ({:.0} B/doc)",
        docs.len(),
        args.batch,
        t_observe.as_secs_f64(),
        t_finish.as_secs_f64(),
        t_apply.as_secs_f64(),
        total.as_secs_f64(),
        mb / total.as_secs_f64(),
        state_bytes,
        state_bytes as f64 / docs.len().max(1) as f64
    );
    if let Some(cpu) = cpu {
        eprintln!(
            "cpu {cpu:.2}s (all threads) = {:.1} MB/s per CPU-second",
            mb / cpu.max(0.01)
        );
    }
    eprintln!("stats {:?}", stats.0);
    Ok(())
}
