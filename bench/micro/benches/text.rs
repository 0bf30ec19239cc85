//! Shared text primitives (`textmill_text`): line and sentence splitting,
//! normalisation and hashing, word shingles.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use textmill_text::{hash, lines, normalize, sentences, shingle};

fn text(c: &mut Criterion) {
    let docs = textmill_bench::sample_docs();
    let bytes = textmill_bench::text_bytes(&docs);
    let normalized: Vec<String> = docs
        .iter()
        .map(|d| normalize::normalize_for_match(&d.text))
        .collect();
    let all_lines: Vec<&str> = docs
        .iter()
        .flat_map(|d| lines::lines(&d.text).into_iter().map(|l| l.text))
        .collect();

    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("lines", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| lines::lines(black_box(&d.text)).len())
                .sum::<usize>()
        })
    });
    g.bench_function("paragraphs", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| lines::paragraphs(&lines::lines(black_box(&d.text))).len())
                .sum::<usize>()
        })
    });
    g.bench_function("sentences", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| sentences::sentences(black_box(&d.text)).len())
                .sum::<usize>()
        })
    });
    g.bench_function("normalize_document", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| normalize::normalize_for_match(black_box(&d.text)).len())
                .sum::<usize>()
        })
    });
    // Per line, as within-document dedupe and strip_disclaimer key lines.
    g.bench_function("normalize_and_hash_lines", |b| {
        b.iter(|| {
            all_lines
                .iter()
                .map(|l| hash::hash64(normalize::normalize_for_match(black_box(l)).as_bytes()))
                .fold(0u64, |a, h| a ^ h)
        })
    });
    g.bench_function("hash64_document", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| hash::hash64(black_box(d.text.as_bytes())))
                .fold(0u64, |a, h| a ^ h)
        })
    });
    g.finish();

    let nbytes: u64 = normalized.iter().map(|s| s.len() as u64).sum();
    let mut g = c.benchmark_group("text_normalized");
    g.throughput(Throughput::Bytes(nbytes));
    g.bench_function("word_shingles_5", |b| {
        b.iter(|| {
            normalized
                .iter()
                .map(|s| shingle::word_shingles(black_box(s), 5, 7).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, text);
criterion_main!(benches);
