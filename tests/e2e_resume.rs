//! `kill -9` in the middle of a run, then `run --resume`: the output and the
//! rejects are byte-identical to an uninterrupted run's, with no document lost
//! or written twice.

mod common;

use common::*;
use std::path::Path;
use std::time::{Duration, Instant};

fn corpus(path: &Path) {
    let mut s = String::new();
    for i in 0..3000 {
        // Copies for firstcopy, markers for shout's drops, a broken line for read rejects.
        let text = match i % 11 {
            4 => format!("story {}", i / 3),
            7 => format!("story {i} DROPME"),
            _ => format!("story {i}"),
        };
        s.push_str(&serde_json::json!({"id": format!("d{i}"), "text": text, "n": i}).to_string());
        s.push('\n');
        if i == 1500 {
            s.push_str("{not json\n");
        }
    }
    std::fs::write(path, s).unwrap();
}

/// Checkpoint of the run writing `output`: (pass, batches).
fn checkpoint(output: &Path) -> Option<(u64, u64)> {
    let stem = output
        .to_string_lossy()
        .trim_end_matches(".jsonl.zst")
        .trim_end_matches(".jsonl")
        .to_string();
    let bytes = std::fs::read(format!("{stem}.textmill-run/checkpoint.json")).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    Some((v["pass"].as_u64()?, v["batches"].as_u64()?))
}

fn kill_and_resume(stages: &str, output_name: &str, kill_in_pass: u64) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    corpus(&d.join("in.jsonl"));
    let body = |delay: u64| {
        format!(
            "[input]\npath = \"in.jsonl\"\n[run]\nbatch_docs = 10\n{}",
            stages.replace("@DELAY@", &delay.to_string())
        )
    };
    // The reference: the same pipeline, uninterrupted (no delay: delay changes nothing but time).
    let reference = d.join(format!("ref-{output_name}"));
    let ref_cfg = d.join("ref.toml");
    std::fs::write(&ref_cfg, body(0)).unwrap();
    let o = run(textmill()
        .args(["run", "-q", "--threads", "2", "--output"])
        .arg(&reference)
        .arg(&ref_cfg));
    assert_eq!(o.status.code(), Some(3));

    let cfg = config(d, &body(4));
    let output = d.join(output_name);
    let mut child = textmill()
        .args(["run", "-q", "--threads", "2", "--output"])
        .arg(&output)
        .arg(&cfg)
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if matches!(checkpoint(&output), Some((p, b)) if p == kill_in_pass && b >= 32) {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run finished before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no checkpoint in pass {kill_in_pass}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !output.exists(),
        "an interrupted run must not leave a finished-looking output"
    );

    let o = run(textmill()
        .args(["run", "-q", "--threads", "2", "--resume", "--output"])
        .arg(&output)
        .arg(&cfg));
    assert_eq!(
        o.status.code(),
        Some(3),
        "the broken input line is still an input error"
    );
    assert_eq!(
        std::fs::read(&output).unwrap(),
        std::fs::read(&reference).unwrap(),
        "output of {output_name}"
    );
    let stem = |p: &Path| {
        p.to_string_lossy()
            .trim_end_matches(".jsonl.zst")
            .trim_end_matches(".jsonl")
            .to_string()
    };
    assert_eq!(
        std::fs::read(format!("{}.rejects.jsonl", stem(&output))).unwrap(),
        std::fs::read(format!("{}.rejects.jsonl", stem(&reference))).unwrap()
    );
    let stats = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(format!("{}.stats.json", stem(p))).unwrap()).unwrap()
    };
    for key in [
        "docs_read",
        "docs_written",
        "rejects_written",
        "error_rejects",
    ] {
        assert_eq!(stats(&output)[key], stats(&reference)[key], "{key}");
    }
    assert!(
        !Path::new(&format!("{}.textmill-run", stem(&output))).exists(),
        "the run folder is removed at the end"
    );
}

#[test]
fn a_killed_single_pass_run_resumes_to_identical_bytes() {
    kill_and_resume(
        "[[stage]]\nplugin = \"shout\"\ndelay_ms = @DELAY@\n",
        "out.jsonl",
        0,
    );
}

#[test]
fn a_killed_corpus_run_resumes_in_its_second_pass_to_identical_zstd_bytes() {
    kill_and_resume(
        "[[stage]]\nplugin = \"firstcopy\"\n[[stage]]\nplugin = \"shout\"\ndelay_ms = @DELAY@\n",
        "out.jsonl.zst",
        1,
    );
}

#[test]
fn a_killed_corpus_run_resumes_in_its_first_pass() {
    kill_and_resume(
        "[[stage]]\nplugin = \"shout\"\ndelay_ms = @DELAY@\n[[stage]]\nplugin = \"firstcopy\"\n",
        "out.jsonl",
        0,
    );
}

#[test]
fn resume_without_a_checkpoint_or_with_another_config_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    corpus(&dir.path().join("in.jsonl"));
    let cfg = config(
        dir.path(),
        "[input]\npath = \"in.jsonl\"\n[[stage]]\nplugin = \"shout\"\n",
    );
    let out = dir.path().join("o.jsonl");
    let o = run(textmill()
        .args(["run", "-q", "--resume", "--output"])
        .arg(&out)
        .arg(&cfg));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no checkpoint to resume from"));
}
