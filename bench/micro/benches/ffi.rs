//! The plugin boundary: one batch of documents through the C ABI and back
//! (`StageInstance::process`), with the summarize plugin loaded from
//! `target/release/libtextmill_summarize.so` (build it first with
//! `cargo build --release -p textmill-summarize`), or from the file named by
//! `TEXTMILL_BENCH_PLUGIN`. Compare `summarize::summarize_positional` (the
//! same work through the Rust API) to see what the round trip costs.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use textmill_core::document::{Document, Origin};
use textmill_core::plugin::PluginLibrary;

/// The run's default batch size (`[run] batch_docs`).
const BATCH: usize = 256;

fn plugin_path() -> PathBuf {
    std::env::var_os("TEXTMILL_BENCH_PLUGIN").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
                "../../target/release/{}textmill_summarize{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            ))
        },
        PathBuf::from,
    )
}

fn bench(c: &mut Criterion) {
    let path = plugin_path();
    let library = match PluginLibrary::load(&path) {
        Ok(l) => Arc::new(l),
        Err(e) => {
            eprintln!("ffi: skipped, cannot load {}: {e}", path.display());
            return;
        }
    };
    let file: Arc<str> = Arc::from("dirty-news-sample.jsonl");
    let docs: Vec<Document> = textmill_bench::sample_docs()
        .into_iter()
        .take(BATCH)
        .enumerate()
        .map(|(i, d)| {
            let origin = Origin {
                file: file.clone(),
                line: i as u64 + 1,
            };
            Document::from_text(i as u64, d.id, d.text, origin)
        })
        .collect();
    let params = serde_json::Map::new();
    let stage = library
        .instantiate(&params)
        .expect("summarize accepts its defaults");
    // Reject a broken setup before timing it.
    let first = stage.process(&docs).expect("batch processed");
    assert_eq!(first.docs.len(), docs.len());

    let mut g = c.benchmark_group("ffi");
    g.throughput(Throughput::Elements(docs.len() as u64));
    g.bench_function("summarize_batch_256", |b| {
        b.iter(|| stage.process(black_box(&docs)).expect("batch").docs.len())
    });
    // The same round trip with the text cut to its first line, so the
    // plugin's own work is small and the boundary cost shows.
    let short: Vec<Document> = docs
        .iter()
        .map(|d| {
            let head = d.text.lines().next().unwrap_or("").to_string();
            Document::from_text(d.ordinal, d.id.clone(), head, d.origin.clone())
        })
        .collect();
    g.bench_function("summarize_batch_256_headlines_only", |b| {
        b.iter(|| stage.process(black_box(&short)).expect("batch").docs.len())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
