//! JSONL readers (`textmill_core::read`): plain, gzip and zstd, from listing
//! the input to the last document.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use textmill_core::config::{InputConfig, InputFormat, Utf8Policy};
use textmill_core::read::{InputPlan, Item, Reader};

fn config() -> InputConfig {
    InputConfig {
        path: None,
        format: InputFormat::Auto,
        invalid_utf8: Utf8Policy::Reject,
        max_document_bytes: 64 << 20,
    }
}

fn read_all(path: &Path, config: &InputConfig) -> usize {
    let plan = InputPlan::list(path, config).expect("list input");
    Reader::new(plan, config)
        .filter(|item| matches!(item, Item::Doc(_)))
        .count()
}

fn readers(c: &mut Criterion) {
    let raw = std::fs::read(textmill_bench::sample_path()).expect("sample");
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = dir.path().join("sample.jsonl");
    std::fs::write(&plain, &raw).expect("write");
    let gz = dir.path().join("sample.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).expect("create"),
        flate2::Compression::default(),
    );
    enc.write_all(&raw).expect("gzip");
    enc.finish().expect("gzip");
    let zst = dir.path().join("sample.jsonl.zst");
    std::fs::write(&zst, zstd::encode_all(&raw[..], 3).expect("zstd")).expect("write");

    let config = config();
    let expected = read_all(&plain, &config);
    let mut g = c.benchmark_group("read_jsonl");
    g.throughput(Throughput::Bytes(raw.len() as u64));
    for (name, path) in [("plain", &plain), ("gzip", &gz), ("zstd", &zst)] {
        assert_eq!(read_all(path, &config), expected, "{name}: same documents");
        g.bench_function(name, |b| {
            b.iter(|| black_box(read_all(black_box(path), &config)))
        });
    }
    g.finish();
}

criterion_group!(benches, readers);
criterion_main!(benches);
