//! The JSONL reader (`textmill_core::read::Reader`) on any bytes, written to
//! a file in a temporary folder (the reader reads files, not slices). The
//! first byte picks the file kind (plain, `.gz`, `.zst`: compressed kinds
//! get the bytes raw, so broken streams are exercised), the UTF-8 policy, a
//! small `max_document_bytes`, and where to cut the file into two shards.
//!
//! Every non-blank line becomes exactly one document or one reject, in
//! order; documents have text without NUL bytes; reading a plain file as
//! two shards gives what reading it whole gives.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use textmill_core::config::{InputConfig, InputFormat, Utf8Policy};
use textmill_core::read::{FileKind, InputFile, InputPlan, Item, Reader};

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let d = base.join(format!("textmill-fuzz-jsonl-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    })
}

/// What an item says, for comparing two reads.
fn summary(item: &Item) -> (u64, String, String, String) {
    match item {
        Item::Doc(d) => (d.origin.line, d.id.clone(), d.text.clone(), String::new()),
        Item::Reject(r) => (
            r.origin.line,
            r.id.clone().unwrap_or_default(),
            String::new(),
            r.reason.clone(),
        ),
    }
}

fn read(
    path: &std::path::Path,
    kind: FileKind,
    size: u64,
    range: Option<std::ops::Range<u64>>,
    config: &InputConfig,
) -> Vec<Item> {
    let plan = InputPlan {
        files: vec![InputFile {
            path: path.to_path_buf(),
            name: Arc::from("in.jsonl"),
            kind,
            size,
            index: 0,
            range,
        }],
        ..InputPlan::default()
    };
    Reader::new(plan, config).collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let (kind, ext) = match mode % 4 {
        0 | 1 => (FileKind::Jsonl, "jsonl"),
        2 => (FileKind::JsonlGz, "jsonl.gz"),
        _ => (FileKind::JsonlZst, "jsonl.zst"),
    };
    let config = InputConfig {
        path: None,
        format: InputFormat::Auto,
        invalid_utf8: if mode & 4 == 0 {
            Utf8Policy::Reject
        } else {
            Utf8Policy::Lossy
        },
        max_document_bytes: if mode & 8 == 0 { 64 << 20 } else { 200 },
    };
    let path = dir().join(format!("in.{ext}"));
    std::fs::write(&path, body).expect("write input");
    let size = body.len() as u64;
    let items = read(&path, kind, size, None, &config);

    let mut last_ordinal = None;
    let mut last_line = 0;
    for item in &items {
        let line = match item {
            Item::Doc(d) => {
                assert!(!d.text.trim().is_empty() && !d.text.contains('\0'));
                assert!(
                    last_ordinal.is_none_or(|o| o < d.ordinal),
                    "ordinals not increasing"
                );
                last_ordinal = Some(d.ordinal);
                assert!(d.record.get("text").is_some_and(|t| t.is_null()));
                d.origin.line
            }
            Item::Reject(r) => {
                assert!(!r.reason.is_empty());
                r.origin.line
            }
        };
        assert!(line > last_line, "line {line} after {last_line}");
        last_line = line;
    }

    if kind != FileKind::Jsonl {
        return;
    }
    // Every line that is over the size limit or not blank is one item.
    let max = config.max_document_bytes;
    let mut pieces: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    if body.last() == Some(&b'\n') || body.is_empty() {
        pieces.pop();
    }
    let expected = pieces
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            let p = if *i == 0 {
                p.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(p)
            } else {
                p
            };
            p.len() > max || !p.iter().all(u8::is_ascii_whitespace)
        })
        .count();
    assert_eq!(
        items.len(),
        expected,
        "items for {} non-blank lines",
        expected
    );

    // Two shards, cut anywhere, read what the whole file reads.
    if size > 0 {
        let cut = (u64::from(mode >> 4) * size / 15).min(size);
        let mut sharded = read(&path, kind, size, Some(0..cut), &config);
        sharded.extend(read(&path, kind, size, Some(cut..size), &config));
        let whole: Vec<_> = items.iter().map(summary).collect();
        let parts: Vec<_> = sharded.iter().map(summary).collect();
        assert_eq!(
            whole, parts,
            "shards cut at {cut} differ from the whole file"
        );
    }
});
