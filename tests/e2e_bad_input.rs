//! The bad-input battery: one folder holding every kind of broken, huge,
//! strange or hostile input, run once through the standard news pipeline.
//! Each file gets its exact outcome, and every good document is still processed.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;

const STORY: &str = "Ukraine launched its cross-border incursion into Kursk Region last August, initially capturing the town of Sudzha and several villages.";
const STORY2: &str = "However, the Russian military quickly halted the advance and has since regained most of the lost territory, officials said on Monday.";

/// Distinct stories, so that dedupe has no reason to remove any of them.
const BODIES: &[&str] = &[
    "The central bank raised its main interest rate by a quarter point on Tuesday, citing stubborn inflation in services and housing.\nAnalysts had expected the move, and the currency barely changed in early trading in London and New York.",
    "Heavy rain flooded parts of the northern coast overnight, closing two motorways and cutting power to thousands of homes.\nEmergency crews rescued residents from rooftops, and the weather service warned of more storms before the weekend.",
    "A new exhibition of early photography opens at the national gallery next month, with prints lent by collectors in six countries.\nThe curators spent three years tracing the negatives, some of which had been thought lost since the war.",
    "The football club confirmed the signing of a young striker from the second division for an undisclosed fee on Friday evening.\nHe scored nineteen goals last season and is expected to join the squad for the summer tour of Asia.",
    "Scientists reported that a common garden bird has shifted its spring migration by almost two weeks over the past four decades.\nThe study, based on ringing records from volunteers, links the change to warmer winters in southern Europe.",
    "The city council approved a plan to turn the old railway yards into housing, parks and a school, after two years of consultation.\nConstruction is due to start next spring, and the first homes could be ready within three years, officials said.",
    "Shares in the carmaker fell sharply after it cut its sales forecast, blaming weak demand for electric models in Europe.\nThe company said it would delay a new factory and review spending on batteries until the market recovered.",
    "Thousands of runners took part in the annual marathon on Sunday, raising money for hospitals and children's charities.\nThe winner finished in just over two hours and eight minutes, a course record set in cool and windy weather.",
];

fn article_n(headline: &str, n: usize) -> String {
    format!("{headline}\n{}\n", BODIES[n % BODIES.len()])
}

fn article(headline: &str) -> String {
    format!("{headline}\n{STORY}\n{STORY2}\n")
}

fn build(dir: &std::path::Path) {
    let w = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    w("empty.txt", b"");
    w("blank.txt", b" \n\t \r\n  ");
    w(
        "bad-utf8.txt",
        &[
            article("Bad bytes in a headline \u{00e9}").as_bytes(),
            &[0xff, 0xfe, b'\n'],
        ]
        .concat(),
    );
    w("nul.txt", &[0u8; 4096]);
    // 200 MB on one line: over max_document_bytes, rejected after reading only that much.
    let mut huge = std::fs::File::create(dir.join("huge.txt")).unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..200 {
        huge.write_all(&chunk).unwrap();
    }
    w("nospace.txt", "x".repeat(10_000_000).as_bytes());
    w(
        "crlf.txt",
        article_n("Windows line endings here", 1)
            .replace('\n', "\r\n")
            .as_bytes(),
    );
    w(
        "cr.txt",
        article_n("Old Mac line endings here", 2)
            .replace('\n', "\r")
            .as_bytes(),
    );
    w(
        "bom.txt",
        [
            b"\xEF\xBB\xBF".as_slice(),
            article_n("A file with a byte order mark", 3).as_bytes(),
        ]
        .concat()
        .as_slice(),
    );
    w(
        "scripts.txt",
        "Mixed scripts: English, русский, العربية and עברית\nThe ceasefire talks in Riyadh continued on Sunday, said the spokesperson 😀👍🏽 — café (cafe\u{0301}) naïve.\nВ воскресенье переговоры о прекращении огня продолжились, сообщил представитель министерства иностранных дел.\nواستمرت محادثات وقف إطلاق النار يوم الأحد في الرياض، بحسب ما قاله المتحدث باسم الوزارة للصحفيين.\n"
            .as_bytes(),
    );
    let good = |id: &str, headline: &str, n: usize| {
        serde_json::json!({"id": id, "text": article_n(headline, n), "extra": {"kept": [1, 2]}})
            .to_string()
    };
    w(
        "records.jsonl",
        format!(
            "{}\n[1, 2, 3]\n{{\"id\": \"no-text\"}}\n{{\"id\": \"num-text\", \"text\": 42}}\n{}\n{}\n{{\"id\": \"cut\", \"text\": \"trunc",
            good("j1", "First record", 4),
            good("dup-id", "One of two records with the same id", 5),
            serde_json::json!({"id": "dup-id", "text": article_n("Another story entirely", 6)})
        )
        .as_bytes(),
    );
    let body = format!(
        "{}\n{}\n",
        good("z1", "Compressed record one", 7),
        good("z2", "Compressed record two", 0)
    );
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(body.repeat(200).as_bytes()).unwrap();
        e.finish().unwrap()
    };
    w("cut.jsonl.gz", &gz[..gz.len() * 2 / 3]);
    let zst = zstd::encode_all(body.repeat(200).as_bytes(), 3).unwrap();
    w("cut.jsonl.zst", &zst[..zst.len() * 2 / 3]);
    std::fs::create_dir(dir.join("links")).unwrap();
    std::os::unix::fs::symlink(dir, dir.join("links/loop")).unwrap();
    std::os::unix::fs::symlink(dir.join("missing.txt"), dir.join("links/dangling.txt")).unwrap();
}

#[test]
fn every_bad_input_gets_its_exact_outcome_and_the_good_documents_are_processed() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    build(&input);
    let cfg = config(
        dir.path(),
        &std::fs::read_to_string(root().join("configs/news.toml"))
            .unwrap()
            .replace(
                "max_document_bytes = 67108864",
                "max_document_bytes = 16777216",
            ),
    );
    let out_path = dir.path().join("out.jsonl");
    let out = run(textmill()
        .arg("run")
        .arg(&cfg)
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&out_path));
    assert_eq!(out.status.code(), Some(3), "finished, with input errors");

    let kept: BTreeMap<String, Value> = read_jsonl(&out_path)
        .into_iter()
        .map(|d| (d["id"].as_str().unwrap().to_string(), d))
        .collect();
    let mut rejects: Vec<(String, String, String, i64)> =
        read_jsonl(&dir.path().join("out.rejects.jsonl"))
            .iter()
            .map(|r| {
                (
                    r["file"].as_str().unwrap_or("").to_string(),
                    r["reason"].as_str().unwrap().to_string(),
                    r["stage"].as_str().unwrap().to_string(),
                    r["line"].as_i64().unwrap_or(0),
                )
            })
            .collect();
    rejects.sort();
    // Compressed files cut mid-stream: the records before the cut are documents (duplicates of
    // each other, so dedupe keeps one of each), then one read_error names the file.
    let dedupe_rejects: Vec<_> = rejects
        .iter()
        .filter(|x| x.1 == "duplicate")
        .cloned()
        .collect();
    rejects.retain(|x| x.1 != "duplicate");
    let r = |f: &str, reason: &str, stage: &str, line: i64| {
        (f.to_string(), reason.to_string(), stage.to_string(), line)
    };
    let expected = vec![
        r("bad-utf8.txt", "invalid_utf8", "read", 0),
        r("blank.txt", "empty", "read", 0),
        r(
            "cut.jsonl.gz",
            "read_error",
            "read",
            rejects
                .iter()
                .find(|x| x.0 == "cut.jsonl.gz")
                .map_or(-1, |x| x.3),
        ),
        r(
            "cut.jsonl.zst",
            "read_error",
            "read",
            rejects
                .iter()
                .find(|x| x.0 == "cut.jsonl.zst")
                .map_or(-1, |x| x.3),
        ),
        r("empty.txt", "empty", "read", 0),
        r("huge.txt", "too_large", "read", 0),
        r("links/dangling.txt", "unreadable", "read", 0),
        r("links/loop", "unreadable", "read", 0),
        r("nospace.txt", "all_boilerplate", "strip_disclaimer", 0),
        r("nul.txt", "binary", "read", 0),
        r("records.jsonl", "invalid_text", "read", 4),
        r("records.jsonl", "malformed_json", "read", 7),
        r("records.jsonl", "missing_text", "read", 3),
        r("records.jsonl", "not_an_object", "read", 2),
    ];
    assert_eq!(rejects, expected);
    // gzip emits what it decoded before the cut (a zstd frame this small is one block: nothing).
    assert!(
        rejects.iter().any(|x| x.0 == "cut.jsonl.gz" && x.3 > 100),
        "a cut gzip stream keeps the records before the cut"
    );
    assert!(
        dedupe_rejects.iter().all(|x| x.0.starts_with("cut.jsonl")),
        "only the repeated compressed records are duplicates: {dedupe_rejects:?}"
    );

    // The good documents all came through, cleaned.
    for id in [
        "bom.txt",
        "cr.txt",
        "crlf.txt",
        "scripts.txt",
        "j1",
        "dup-id",
        "z1",
        "z2",
    ] {
        assert!(
            kept.contains_key(id),
            "{id} missing from the output; kept: {:?}",
            kept.keys()
        );
    }
    assert_eq!(
        kept.values().filter(|d| d["id"] == "dup-id").count(),
        1,
        "kept is keyed by id; check the raw output below"
    );
    let raw = std::fs::read_to_string(&out_path).unwrap();
    assert_eq!(
        raw.matches("\"id\":\"dup-id\"").count(),
        2,
        "two records with one id and different texts are both kept"
    );
    for (id, n) in [("crlf.txt", 1), ("cr.txt", 2)] {
        let t = kept[id]["text"].as_str().unwrap();
        assert!(!t.contains('\r'), "{id}: {t:?}");
        assert!(BODIES[n].lines().all(|l| t.contains(l)), "{id}: {t:?}");
    }
    assert!(
        kept["bom.txt"]["text"]
            .as_str()
            .unwrap()
            .starts_with("A file with a byte order mark\n")
    );
    let scripts = kept["scripts.txt"]["text"].as_str().unwrap();
    for piece in [
        "русский",
        "😀👍🏽",
        "cafe\u{0301}",
        "В воскресенье переговоры",
        "واستمرت محادثات",
    ] {
        assert!(scripts.contains(piece), "lost {piece:?} from {scripts:?}");
    }
    assert_eq!(
        kept["j1"]["extra"],
        serde_json::json!({"kept": [1, 2]}),
        "extra fields are kept"
    );
}

#[test]
fn lossy_utf8_keeps_the_document_and_marks_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.txt"),
        [article("Bad bytes here").as_bytes(), &[0xff, b'\n']].concat(),
    )
    .unwrap();
    let cfg = config(
        dir.path(),
        "[input]\npath = \"bad.txt\"\ninvalid_utf8 = \"lossy\"\n[[stage]]\nplugin = \"dedupe\"\n",
    );
    let out = dir.path().join("out.jsonl");
    assert!(
        run(textmill().arg("run").arg(&cfg).arg("--output").arg(&out))
            .status
            .success()
    );
    let docs = read_jsonl(&out);
    assert_eq!(docs[0]["metadata"]["lossy_utf8"], true);
    assert!(docs[0]["text"].as_str().unwrap().contains('\u{fffd}'));
}
