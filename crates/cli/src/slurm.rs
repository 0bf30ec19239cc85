//! `textmill slurm`: write one sbatch script per step of a sharded run
//! (job arrays for passes, single jobs for merges and the report), chained
//! with `--dependency=afterok`, and submit them. Slurm does the scheduling;
//! textmill only writes files and calls `sbatch`.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use textmill_core::shard::RunDir;

/// What to submit.
pub struct SlurmJob {
    /// Absolute path of the textmill binary the tasks run.
    pub textmill: PathBuf,
    /// Absolute config path.
    pub config: PathBuf,
    /// Absolute input path.
    pub input: PathBuf,
    /// The run (output) folder.
    pub out: RunDir,
    /// Array size.
    pub tasks: usize,
    /// Passes of the pipeline.
    pub passes: usize,
    /// `--partition`, if any.
    pub partition: Option<String>,
    /// `--time`, if any.
    pub time: Option<String>,
    /// Threads per task (`--cpus-per-task`).
    pub cpus: usize,
}

/// Quote a word for a POSIX shell.
fn sh(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-=:+,".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn p(path: &Path) -> String {
    sh(&path.to_string_lossy())
}

/// One script: its file name and text.
pub struct Script {
    /// File name inside the jobs folder.
    pub name: String,
    /// Script text.
    pub text: String,
}

impl SlurmJob {
    fn header(&self, name: &str, array: bool) -> String {
        let logs = self.out.jobs_dir();
        let mut h = String::from("#!/bin/bash\n");
        h.push_str(&format!("#SBATCH --job-name=textmill-{name}\n"));
        if array {
            h.push_str(&format!("#SBATCH --array=0-{}\n", self.tasks - 1));
            h.push_str(&format!(
                "#SBATCH --output={}\n",
                p(&logs.join(format!("{name}-%a.log")))
            ));
        } else {
            h.push_str(&format!(
                "#SBATCH --output={}\n",
                p(&logs.join(format!("{name}.log")))
            ));
        }
        h.push_str(&format!("#SBATCH --cpus-per-task={}\n", self.cpus));
        if let Some(part) = &self.partition {
            h.push_str(&format!("#SBATCH --partition={}\n", sh(part)));
        }
        if let Some(t) = &self.time {
            h.push_str(&format!("#SBATCH --time={}\n", sh(t)));
        }
        h.push_str("set -euo pipefail\n");
        h
    }

    /// The scripts of every step, in submission order.
    pub fn scripts(&self) -> Vec<Script> {
        let (exe, cfg, out) = (p(&self.textmill), p(&self.config), p(&self.out.root));
        let mut scripts = Vec::new();
        for pass in 1..=self.passes {
            let name = format!("pass-{pass}");
            let mut text = self.header(&name, true);
            // A finished task leaves a marker, so a resubmitted task that already
            // finished exits at once; only failed or missing tasks do work.
            text.push_str(&format!(
                "exec {exe} run {cfg} --input {} --output {out}/ --shard \"$SLURM_ARRAY_TASK_ID/{}\" --pass {pass} --threads {} --quiet\n",
                p(&self.input),
                self.tasks,
                self.cpus
            ));
            scripts.push(Script {
                name: format!("{name}.sbatch"),
                text,
            });
            if pass < self.passes {
                let name = format!("merge-{pass}");
                let mut text = self.header(&name, false);
                text.push_str(&format!(
                    "exec {exe} merge-state {cfg} --output {out}/ --pass {pass}\n"
                ));
                scripts.push(Script {
                    name: format!("{name}.sbatch"),
                    text,
                });
            }
        }
        let mut text = self.header("report", false);
        text.push_str(&format!("exec {exe} report {out}/\n"));
        scripts.push(Script {
            name: "report.sbatch".into(),
            text,
        });
        scripts
    }

    /// Write the scripts; with `submit`, chain them with `sbatch --dependency=afterok`.
    /// Returns (script path, job id) per step.
    pub fn write_and_submit(&self, submit: bool) -> anyhow::Result<Vec<(PathBuf, Option<String>)>> {
        let dir = self.out.jobs_dir();
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut done = Vec::new();
        let mut previous: Option<String> = None;
        for s in self.scripts() {
            let path = dir.join(&s.name);
            std::fs::write(&path, &s.text)
                .with_context(|| format!("writing {}", path.display()))?;
            if !submit {
                done.push((path, None));
                continue;
            }
            let mut cmd = Command::new("sbatch");
            cmd.arg("--parsable");
            if let Some(id) = &previous {
                // kill-on-invalid-dep: when a task fails, its dependents are
                // cancelled instead of waiting in the queue forever.
                cmd.arg(format!("--dependency=afterok:{id}"))
                    .arg("--kill-on-invalid-dep=yes");
            }
            let out = cmd
                .arg(&path)
                .output()
                .with_context(|| "running sbatch (is Slurm installed and on PATH?)")?;
            if !out.status.success() {
                bail!(
                    "sbatch {} failed: {}",
                    path.display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            // --parsable prints "jobid" or "jobid;cluster".
            let id = String::from_utf8_lossy(&out.stdout)
                .trim()
                .split(';')
                .next()
                .unwrap_or_default()
                .to_string();
            if id.is_empty() {
                bail!("sbatch {} printed no job id", path.display());
            }
            previous = Some(id.clone());
            done.push((path, Some(id)));
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_arrays_for_passes_and_single_jobs_for_merges_and_report() {
        let job = SlurmJob {
            textmill: "/opt/textmill".into(),
            config: "/c/news.toml".into(),
            input: "/data/in dir".into(),
            out: RunDir::new(Path::new("/out/run/")),
            tasks: 4,
            passes: 2,
            partition: Some("cpu".into()),
            time: None,
            cpus: 2,
        };
        let s = job.scripts();
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "pass-1.sbatch",
                "merge-1.sbatch",
                "pass-2.sbatch",
                "report.sbatch"
            ]
        );
        assert!(s[0].text.contains("#SBATCH --array=0-3\n"));
        assert!(s[0].text.contains(
            "--input '/data/in dir' --output /out/run/ --shard \"$SLURM_ARRAY_TASK_ID/4\" --pass 1"
        ));
        assert!(s[0].text.contains("#SBATCH --partition=cpu\n"));
        assert!(!s[1].text.contains("--array"));
        assert!(
            s[1].text
                .contains("merge-state /c/news.toml --output /out/run/ --pass 1")
        );
        assert!(s[3].text.contains("report /out/run/"));
    }
}
