//! Peak memory of `merge` + `finish` for a synthetic corpus of N documents,
//! to check the bytes-per-document figure without N documents of text.
//!
//! ```text
//! cargo run --release -p textmill-dedupe --example memory -- 1000000
//! ```
//!
//! Each synthetic document has a random signature, a 9-character id and 17
//! sentence hashes (the median of the dirty-news pages), 10% of them drawn
//! from a pool shared across documents so that the sentence table and the
//! candidate pairs are not empty. Prints the merged state size and the
//! process's peak resident set (`VmHWM`) after `finish`.

use textmill_dedupe::Dedupe;
use textmill_dedupe::features::DocRecord;
use textmill_dedupe::state;
use textmill_plugin_sdk::{CorpusStage, Plugin};

/// xorshift64*: a fixed, dependency-free generator.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), String> {
    let n: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().map_err(|e| format!("N: {e}")))
        .transpose()?
        .unwrap_or(1_000_000);
    let mut stage = Dedupe::from_config(&serde_json::json!({})).map_err(|e| e.to_string())?;
    let config = stage.config().clone();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let pool = (n / 10).max(1);
    let batch = 10_000u64;
    let mut states = Vec::new();
    let mut start = 0;
    while start < n {
        let end = (start + batch).min(n);
        let records: Vec<DocRecord> = (start..end)
            .map(|i| DocRecord {
                ordinal: i,
                id: format!("d{i:08}"),
                exact: rng.next(),
                keep_key: 0.0,
                shingles: 300,
                removed_lines: Vec::new(),
                sig: (0..config.num_perm).map(|_| rng.next() as u16).collect(),
                sentences: (0..17)
                    .map(|_| {
                        let h = if rng.next().is_multiple_of(10) {
                            rng.next() % pool
                        } else {
                            rng.next()
                        };
                        (h << 16) | (10 + rng.next() % 20)
                    })
                    .collect(),
            })
            .collect();
        states.push(state::encode(&config, &records));
        start = end;
    }
    let views: Vec<&[u8]> = states.iter().map(Vec::as_slice).collect();
    let merged = stage.merge(&views)?;
    drop(views);
    drop(states);
    let before = vm_hwm_kib().unwrap_or(0);
    stage.finish(&merged)?;
    let after = vm_hwm_kib().unwrap_or(0);
    println!(
        "docs {n}: merged state {} bytes ({:.0} B/doc); peak RSS {} MiB ({:.0} B/doc), peak before finish {} MiB",
        merged.len(),
        merged.len() as f64 / n as f64,
        after / 1024,
        after as f64 * 1024.0 / n as f64,
        before / 1024
    );
    Ok(())
}
