//! Sharded runs without a cluster: every step run by hand, as Slurm array
//! tasks would run them, must give the same bytes as one local run.

mod common;

use common::*;
use std::path::Path;

/// Three input files (one large enough to be split), with exact copies across them.
fn corpus(dir: &Path) {
    std::fs::create_dir_all(dir.join("in")).unwrap();
    let mut big = String::new();
    for i in 0..300 {
        // Every 7th document repeats an earlier one's text.
        let text = if i % 7 == 6 {
            format!("story {}", i / 2)
        } else {
            format!("story {i}")
        };
        big.push_str(&serde_json::json!({"id": format!("big-{i}"), "text": text}).to_string());
        big.push('\n');
    }
    big.push_str("{broken line\n");
    std::fs::write(dir.join("in/a.jsonl"), big).unwrap();
    std::fs::write(dir.join("in/b.txt"), "story 3").unwrap();
    std::fs::write(
        dir.join("in/c.jsonl"),
        "{\"id\":\"c-0\",\"text\":\"story 5\"}\n{\"id\":\"c-1\",\"text\":\"unique c\"}\n",
    )
    .unwrap();
}

const PIPELINE: &str = "[input]\npath = \"in\"\n[run]\nbatch_docs = 16\n[[stage]]\nplugin = \"firstcopy\"\n[[stage]]\nplugin = \"shout\"\n";

fn sorted_lines(bytes: &[u8]) -> Vec<String> {
    let mut v: Vec<String> = String::from_utf8_lossy(bytes)
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[test]
fn sharded_steps_give_the_bytes_of_a_local_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    corpus(d);
    let cfg = config(d, PIPELINE);
    let out = run(textmill()
        .args(["run", "-q", "--output"])
        .arg(d.join("local.jsonl"))
        .arg(&cfg));
    assert_eq!(
        out.status.code(),
        Some(3),
        "the broken line is an input error"
    );
    let local = std::fs::read(d.join("local.jsonl")).unwrap();
    let local_rejects = std::fs::read(d.join("local.rejects.jsonl")).unwrap();
    // 21 repeats inside a.jsonl, plus b.txt and c-0 repeating stories of a.jsonl.
    assert_eq!(
        sorted_lines(&local_rejects)
            .iter()
            .filter(|l| l.contains("\"reason\":\"duplicate\""))
            .count(),
        23
    );

    for shards in [1usize, 3, 4] {
        let run_dir = d.join(format!("sharded-{shards}"));
        let out_arg = format!("{}/", run_dir.display());
        for pass in 1..=2 {
            for i in 0..shards {
                let o = run(textmill()
                    .args([
                        "run",
                        "-q",
                        "--output",
                        &out_arg,
                        "--shard",
                        &format!("{i}/{shards}"),
                        "--pass",
                        &pass.to_string(),
                    ])
                    .arg(&cfg));
                assert!(o.status.success());
            }
            if pass == 1 {
                assert!(
                    run(textmill()
                        .args(["merge-state", "--output", &out_arg, "--pass", "1"])
                        .arg(&cfg))
                    .status
                    .success()
                );
            }
        }
        let o = run(textmill().args(["report", &out_arg]));
        assert_eq!(o.status.code(), Some(3));
        let mut parts = Vec::new();
        let mut rejects = Vec::new();
        for i in 0..shards {
            parts.extend(std::fs::read(run_dir.join(format!("part-{i:05}.jsonl"))).unwrap());
            rejects
                .extend(std::fs::read(run_dir.join(format!("part-{i:05}.rejects.jsonl"))).unwrap());
        }
        assert_eq!(
            String::from_utf8_lossy(&parts),
            String::from_utf8_lossy(&local),
            "{shards} shards"
        );
        assert_eq!(
            sorted_lines(&rejects),
            sorted_lines(&local_rejects),
            "{shards} shards"
        );
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(run_dir.join("stats.json")).unwrap()).unwrap();
        let local_stats: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("local.stats.json")).unwrap()).unwrap();
        for key in [
            "docs_read",
            "docs_written",
            "rejects_written",
            "error_rejects",
        ] {
            assert_eq!(report[key], local_stats[key], "{key} with {shards} shards");
        }
        assert_eq!(
            report["stages"][0]["dropped"],
            local_stats["stages"][0]["dropped"]
        );
    }
}

#[test]
fn finished_tasks_are_skipped_failed_ones_show_in_status_and_rerun_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    corpus(d);
    let cfg = config(d, PIPELINE);
    let run_dir = d.join("out");
    let out_arg = format!("{}/", run_dir.display());
    let step = |args: &[&str]| run(textmill().args(args).arg(&cfg));
    let shard_step = |i: usize, n: usize, pass: usize| {
        step(&[
            "run",
            "-q",
            "--output",
            &out_arg,
            "--shard",
            &format!("{i}/{n}"),
            "--pass",
            &pass.to_string(),
        ])
    };
    for i in 0..2 {
        assert!(shard_step(i, 2, 1).status.success());
    }
    // Rerunning a finished task does nothing.
    let again = step(&[
        "run", "-q", "--output", &out_arg, "--shard", "0/2", "--pass", "1",
    ]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already done"));
    // Pass 2 cannot start before the merge.
    let early = step(&[
        "run", "-q", "--output", &out_arg, "--shard", "0/2", "--pass", "2",
    ]);
    assert_eq!(early.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&early.stderr).contains("pass 1 is not finished"));
    assert!(
        step(&["merge-state", "--output", &out_arg, "--pass", "1"])
            .status
            .success()
    );
    // Make shard 1's output part impossible to write: its task fails.
    std::fs::create_dir_all(run_dir.join("part-00001.jsonl/blocker")).unwrap();
    assert!(shard_step(0, 2, 2).status.success());
    assert_eq!(shard_step(1, 2, 2).status.code(), Some(1));
    let status = run(textmill().arg("status").arg(&run_dir));
    assert_eq!(status.status.code(), Some(1));
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("pass 1     done    2  running    0  failed    0  pending    0"),
        "{text}"
    );
    assert!(text.contains("merge 1    done    1"), "{text}");
    assert!(
        text.contains("pass 2     done    1  running    0  failed    1"),
        "{text}"
    );
    assert!(text.contains("task 1 failed:"), "{text}");
    // The report refuses to run on an unfinished run.
    assert_eq!(
        run(textmill().args(["report", &out_arg])).status.code(),
        Some(1)
    );
    // Fix the cause; rerunning the whole step only redoes the failed task.
    std::fs::remove_dir_all(run_dir.join("part-00001.jsonl")).unwrap();
    let part0 = std::fs::metadata(run_dir.join("part-00000.jsonl"))
        .unwrap()
        .modified()
        .unwrap();
    for i in 0..2 {
        assert!(shard_step(i, 2, 2).status.success());
    }
    assert_eq!(
        std::fs::metadata(run_dir.join("part-00000.jsonl"))
            .unwrap()
            .modified()
            .unwrap(),
        part0
    );
    assert!(run(textmill().arg("status").arg(&run_dir)).status.success());
    // Another shard count in the same folder is refused.
    let other = step(&[
        "run", "-q", "--output", &out_arg, "--shard", "0/3", "--pass", "1",
    ]);
    assert_eq!(other.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&other.stderr).contains("use another output folder"));
}

#[test]
fn slurm_dry_run_writes_and_prints_the_chained_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    corpus(d);
    let cfg = config(d, PIPELINE);
    let out = run(textmill()
        .args([
            "slurm",
            "--tasks",
            "3",
            "--dry-run",
            "--partition",
            "batch",
            "--output",
        ])
        .arg(format!("{}/", d.join("out").display()))
        .arg(&cfg));
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for script in [
        "pass-1.sbatch",
        "merge-1.sbatch",
        "pass-2.sbatch",
        "report.sbatch",
    ] {
        assert!(
            d.join("out/.textmill/jobs").join(script).exists(),
            "{script}"
        );
        assert!(text.contains(script), "{text}");
    }
    assert!(text.contains("#SBATCH --array=0-2"), "{text}");
    assert!(text.contains("#SBATCH --partition=batch"), "{text}");
    assert!(
        text.contains("--shard \"$SLURM_ARRAY_TASK_ID/3\" --pass 2"),
        "{text}"
    );
}
