//! strip_disclaimer (`textmill_strip_disclaimer`) through its Rust API: the
//! per-site learning pass (observe, merge, finish) and `apply` per document.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use textmill_plugin_sdk::{CorpusStage, Doc, Plugin, Stats};
use textmill_strip_disclaimer::StripDisclaimer;

fn bench(c: &mut Criterion) {
    let sample = textmill_bench::sample_docs();
    let bytes = textmill_bench::text_bytes(&sample);
    let docs: Vec<Doc<'_>> = textmill_bench::doc_views(&sample);
    let finished = |config: serde_json::Value| {
        let mut stage = StripDisclaimer::from_config(&config).expect("config");
        let state = stage.observe(&docs).expect("observe");
        let merged = stage.merge(&[&state]).expect("merge");
        stage.finish(&merged).expect("finish");
        stage
    };
    let full = finished(serde_json::json!({}));
    let rules_only = finished(serde_json::json!({"learned": false, "classifier": false}));

    let mut g = c.benchmark_group("strip_disclaimer");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("learn", |b| {
        b.iter(|| finished(black_box(serde_json::json!({}))))
    });
    for (name, stage) in [
        ("apply_news_toml", &full),
        ("apply_rules_and_structure", &rules_only),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut stats = Stats::default();
                docs.iter()
                    .map(|d| stage.apply(black_box(d), &mut stats).metadata.len())
                    .sum::<usize>()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
