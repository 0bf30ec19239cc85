//! The summarizer (`textmill_summarize`): the sentence graph (terms, the
//! overlap similarity matrix, PageRank) and the whole `summarize` call.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use textmill_summarize::{config, rank, summarize};
use textmill_text::sentences::sentences;

fn bench(c: &mut Criterion) {
    let sample = textmill_bench::sample_docs();
    let settings = config::build(&serde_json::json!({"sentences": 3})).expect("valid config");
    let textrank = config::build(&serde_json::json!({"sentences": 3, "algorithm": "textrank"}))
        .expect("valid config");
    let sents: Vec<Vec<&str>> = sample
        .iter()
        .map(|d| {
            sentences(&d.text)
                .into_iter()
                .map(|s| s.text)
                .take(400)
                .collect()
        })
        .collect();

    let mut g = c.benchmark_group("summarize");
    g.throughput(Throughput::Elements(sample.len() as u64));
    g.bench_function("graph_build_overlap", |b| {
        b.iter(|| {
            sents
                .iter()
                .map(|s| {
                    let d = settings.analyzer.analyze(s.iter().copied());
                    rank::overlap_matrix(black_box(&d), s.len()).len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("graph_build_and_pagerank", |b| {
        b.iter(|| {
            sents
                .iter()
                .map(|s| {
                    let d = settings.analyzer.analyze(s.iter().copied());
                    let w = rank::overlap_matrix(&d, s.len());
                    rank::pagerank(black_box(&w), s.len()).len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("summarize_positional", |b| {
        b.iter(|| {
            sample
                .iter()
                .map(|d| summarize(&settings, black_box(&d.text)).sentences.len())
                .sum::<usize>()
        })
    });
    g.bench_function("summarize_textrank", |b| {
        b.iter(|| {
            sample
                .iter()
                .map(|d| summarize(&textrank, black_box(&d.text)).sentences.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
