//! textmill on a real Slurm cluster: a single-node cluster on 127.0.0.1 is
//! started for the test (`tests/slurm/cluster.sh`, which installs Slurm from
//! Debian when it is missing), `textmill slurm` submits the job arrays, and
//! the merged output must equal a local run byte for byte. A failed task
//! stops its dependents; resubmitting reruns only it.
//!
//! Needs root (to install Slurm and run its daemons), as CI has.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The cluster's daemons, stopped by their PIDs when the test ends.
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        let script = root().join("tests/slurm/cluster.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(dir)
            .output()
            .expect("run cluster.sh");
        assert!(
            out.status.success(),
            "cluster did not start:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Cluster {
            dir: dir.to_path_buf(),
            conf: dir.join("slurm.conf"),
        }
    }

    fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("SLURM_CONF", &self.conf);
        c
    }

    /// Wait until no job of ours is queued or running.
    fn wait_idle(&self) {
        let started = Instant::now();
        loop {
            let out = self
                .cmd("squeue")
                .args(["-h", "-o", "%i %T %r"])
                .output()
                .expect("squeue");
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            if out.status.success() && text.trim().is_empty() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(240),
                "jobs still queued after 240 s:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(root().join("tests/slurm/cluster.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}

fn concat_parts(dir: &Path, shards: usize, suffix: &str) -> Vec<u8> {
    (0..shards)
        .flat_map(|i| std::fs::read(dir.join(format!("part-{i:05}{suffix}"))).unwrap_or_default())
        .collect()
}

#[test]
fn slurm_job_arrays_give_the_bytes_of_a_local_run_and_rerun_only_failed_tasks() {
    if std::env::var_os("TEXTMILL_SKIP_SLURM").is_some() {
        eprintln!("TEXTMILL_SKIP_SLURM is set: not starting a Slurm cluster");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cluster = Cluster::start(&d.join("cluster"));
    let cfg = root().join("configs/dedupe-only.toml");
    let input = root().join("examples/news/dirty-news-sample.jsonl");

    // The reference: one local run.
    let local = d.join("local.jsonl");
    assert!(
        run(textmill()
            .args(["run", "-q", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&local)
            .arg(&cfg))
        .status
        .success()
    );
    let local_bytes = std::fs::read(&local).unwrap();
    let local_rejects = std::fs::read_to_string(d.join("local.rejects.jsonl")).unwrap();
    assert!(
        local_rejects.contains("\"duplicate_of\""),
        "the sample must hold duplicates"
    );

    // Shard 2's last-pass output cannot be written: that task fails.
    let shards = 3;
    let out_dir = d.join("run");
    std::fs::create_dir_all(out_dir.join("part-00002.jsonl/blocker")).unwrap();
    std::fs::write(out_dir.join(".textmill-output"), "").unwrap();
    let submit = || {
        let out = run(textmill()
            .env("SLURM_CONF", &cluster.conf)
            .args(["slurm", "--tasks", &shards.to_string(), "--input"])
            .arg(&input)
            .arg("--output")
            .arg(format!("{}/", out_dir.display()))
            .arg(&cfg));
        assert!(out.status.success(), "textmill slurm failed");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let submitted = submit();
    assert!(
        submitted.contains("submitted") && submitted.contains("report.sbatch"),
        "{submitted}"
    );
    cluster.wait_idle();
    let status = run(textmill().arg("status").arg(&out_dir));
    let text = String::from_utf8_lossy(&status.stdout);
    assert_eq!(status.status.code(), Some(1), "{text}");
    assert!(text.contains("task 2 failed"), "{text}");
    assert!(
        !out_dir.join("stats.json").exists(),
        "the report must not run after a failed task"
    );

    // Fix the cause and resubmit: finished tasks exit at once, the failed one reruns.
    std::fs::remove_dir_all(out_dir.join("part-00002.jsonl")).unwrap();
    let part0_time = std::fs::metadata(out_dir.join("part-00000.jsonl"))
        .unwrap()
        .modified()
        .unwrap();
    submit();
    cluster.wait_idle();
    let status = run(textmill().arg("status").arg(&out_dir));
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    assert_eq!(
        std::fs::metadata(out_dir.join("part-00000.jsonl"))
            .unwrap()
            .modified()
            .unwrap(),
        part0_time,
        "shard 0 ran again"
    );
    assert!(out_dir.join("stats.json").exists());
    let log =
        std::fs::read_to_string(out_dir.join(".textmill/jobs/pass-1-0.log")).unwrap_or_default();
    assert!(
        log.contains("already done"),
        "resubmitted finished task did work again: {log}"
    );

    // The merged output is the local run's, byte for byte; rejects are the same set.
    assert_eq!(
        String::from_utf8_lossy(&concat_parts(&out_dir, shards, ".jsonl")),
        String::from_utf8_lossy(&local_bytes)
    );
    let mut a: Vec<String> =
        String::from_utf8_lossy(&concat_parts(&out_dir, shards, ".rejects.jsonl"))
            .lines()
            .map(str::to_string)
            .collect();
    let mut b: Vec<String> = local_rejects.lines().map(str::to_string).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}
