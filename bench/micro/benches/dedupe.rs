//! The dedupe stage's hot paths (`textmill_dedupe`): within-document
//! dedupe, MinHash signatures, the per-document record (normalise, shingle,
//! sign, sentence hashes), LSH banding plus clustering, and the whole corpus
//! stage (observe, merge, finish, apply) through its Rust API.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use textmill_dedupe::config::Config;
use textmill_dedupe::features::doc_record;
use textmill_dedupe::state::Corpus;
use textmill_dedupe::within::dedupe_within;
use textmill_dedupe::{Dedupe, cluster, lsh};
use textmill_plugin_sdk::{CorpusStage, Doc, Plugin, Stats};
use textmill_text::{normalize::normalize_for_match, shingle::word_shingles};

fn dedupe(c: &mut Criterion) {
    let sample = textmill_bench::sample_docs();
    let bytes = textmill_bench::text_bytes(&sample);
    let docs: Vec<Doc<'_>> = textmill_bench::doc_views(&sample);
    let config = Config::default();
    let perms = lsh::permutations(config.num_perm);
    let shingles: Vec<Vec<u64>> = sample
        .iter()
        .map(|d| {
            let mut s = word_shingles(&normalize_for_match(&d.text), config.shingle_size, 1);
            s.sort_unstable();
            s.dedup();
            s
        })
        .collect();
    let mut corpus = Corpus::new(config.num_perm);
    for d in &docs {
        corpus.push(&doc_record(d, &config, &perms));
    }

    let mut g = c.benchmark_group("dedupe");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("within_document", |b| {
        b.iter(|| {
            sample
                .iter()
                .map(|d| {
                    dedupe_within(black_box(&d.text), config.min_line_chars, false)
                        .text_or(&d.text)
                        .len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("minhash_signature_128", |b| {
        b.iter(|| {
            shingles
                .iter()
                .map(|s| black_box(lsh::signature(black_box(s), &perms)).len())
                .sum::<usize>()
        })
    });
    g.bench_function("doc_record", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| doc_record(black_box(d), &config, &perms).exact)
                .fold(0u64, |a, x| a ^ x)
        })
    });
    // LSH banding over the corpus of records, candidate confirmation, containment and union-find.
    g.bench_function("lsh_banding_and_cluster", |b| {
        b.iter(|| {
            cluster::cluster(black_box(&corpus), 0, &config)
                .decisions
                .len()
        })
    });
    g.bench_function("corpus_stage", |b| {
        b.iter(|| {
            let mut stage = Dedupe::from_config(&serde_json::json!({})).expect("config");
            let state = stage.observe(black_box(&docs)).expect("observe");
            let merged = stage.merge(&[&state]).expect("merge");
            stage.finish(&merged).expect("finish");
            let mut stats = Stats::default();
            docs.iter()
                .filter(|d| {
                    matches!(
                        stage.apply(d, &mut stats).action,
                        textmill_plugin_sdk::Action::Drop(_)
                    )
                })
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, dedupe);
criterion_main!(benches);
