//! Sharded runs: the same pipeline cut into steps that separate processes
//! (Slurm array tasks) run on shares of the input, talking only through files
//! in the output folder.
//!
//! A pipeline with `k` corpus stages has `k + 1` passes. For each pass every
//! shard runs [`run_shard_pass`]; after a pass that observes a corpus stage,
//! one task runs [`merge_pass`] to merge the shards' states (in shard order,
//! which is input order); the next pass applies the merged state. Finally
//! [`report`] merges the shards' stats. Concatenating the output parts in
//! shard order gives the same bytes as a run on one machine.
//!
//! Layout of the output folder `OUT/`:
//! - `part-00000.jsonl`, `part-00000.rejects.jsonl`, `part-00000.stats.json`: one set per shard;
//! - `stats.json`: the merged run report;
//! - `.textmill/run.json`: shard count and pass count, checked by every step;
//! - `.textmill/pass-P/shard-00000.{spill,state,rejects.jsonl,stats.json}` and the
//!   markers `.done` (finished: re-running skips it), `.running`, `.failed` (with the error);
//! - `.textmill/pass-P/merged.state` and `merged.done`.

use crate::error::{Error, Result};
use crate::pipeline::Pipeline;
use crate::read::{InputPlan, Reader};
use crate::run::{
    Progress, RunContext, RunOptions, Source, Target, empty_stats, finish_stage, merge_states,
    pass_count, plan_pass, run_pass, spill_source, worker_pool, write_stats,
};
use crate::stats::RunStats;
use crate::write::{AtomicFile, OUTPUT_MARKER, RejectsWriter, Sink};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

/// Shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    /// This shard, `0..count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl FromStr for ShardSpec {
    type Err = String;

    /// Parse `I/N`.
    fn from_str(s: &str) -> std::result::Result<ShardSpec, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}`: expected I/N, e.g. 0/8"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("`{s}`: shard index `{i}` is not a number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("`{s}`: shard count `{n}` is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!("`{s}`: need 0 ≤ I < N"));
        }
        Ok(ShardSpec { index, count })
    }
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl ShardSpec {
    /// The shard Slurm gives this array task (`SLURM_ARRAY_TASK_ID` of
    /// `SLURM_ARRAY_TASK_COUNT`), if any.
    pub fn from_slurm_env() -> Option<std::result::Result<ShardSpec, String>> {
        let id = std::env::var("SLURM_ARRAY_TASK_ID").ok()?;
        let count = std::env::var("SLURM_ARRAY_TASK_COUNT").ok()?;
        Some(format!("{id}/{count}").parse())
    }
}

/// Paths inside a sharded run's output folder.
#[derive(Debug, Clone)]
pub struct RunDir {
    /// The output folder.
    pub root: PathBuf,
}

impl RunDir {
    /// The run folder at `root` (an output folder).
    pub fn new(root: &Path) -> RunDir {
        RunDir {
            root: PathBuf::from(root.to_string_lossy().trim_end_matches('/')),
        }
    }

    fn meta(&self) -> PathBuf {
        self.root.join(".textmill")
    }

    /// A file of shard `shard` in pass `pass` (1-based), e.g. `state`, `done`.
    pub fn shard_file(&self, pass: usize, shard: usize, what: &str) -> PathBuf {
        self.meta()
            .join(format!("pass-{pass}"))
            .join(format!("shard-{shard:05}.{what}"))
    }

    /// The merged state of pass `pass` and its marker.
    pub fn merged_file(&self, pass: usize, what: &str) -> PathBuf {
        self.meta()
            .join(format!("pass-{pass}"))
            .join(format!("merged.{what}"))
    }

    /// Output part of a shard: `part-00000` + suffix.
    pub fn part(&self, shard: usize, suffix: &str) -> PathBuf {
        self.root.join(format!("part-{shard:05}{suffix}"))
    }

    /// The merged run report.
    pub fn report_file(&self) -> PathBuf {
        self.root.join("stats.json")
    }

    /// Folder for job scripts and logs.
    pub fn jobs_dir(&self) -> PathBuf {
        self.meta().join("jobs")
    }

    fn run_file(&self) -> PathBuf {
        self.meta().join("run.json")
    }

    /// Create the folder, or check that an existing one belongs to a run with
    /// the same shard and pass counts and the same stages (`fingerprint`).
    pub fn prepare(&self, shards: usize, passes: usize, fingerprint: &str) -> Result<()> {
        if self.root.is_dir()
            && !self.root.join(OUTPUT_MARKER).exists()
            && std::fs::read_dir(&self.root)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false)
        {
            return Err(Error::Input {
                path: self.root.clone(),
                message: "output folder exists and was not written by textmill".into(),
            });
        }
        std::fs::create_dir_all(self.meta()).map_err(|e| Error::io(self.meta(), e))?;
        std::fs::write(self.root.join(OUTPUT_MARKER), b"").map_err(|e| Error::io(&self.root, e))?;
        let want = serde_json::json!({"shards": shards, "passes": passes, "stages": fingerprint});
        match std::fs::read(self.run_file()) {
            Ok(bytes) => {
                let have: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
                if have != want {
                    return Err(Error::Input {
                        path: self.run_file(),
                        message: format!(
                            "this folder holds a run with {have}; this step is for {want} (a different shard count or stage config); use another output folder"
                        ),
                    });
                }
                Ok(())
            }
            Err(_) => write_atomic(&self.run_file(), want.to_string().as_bytes()),
        }
    }

    /// Shard and pass counts recorded by [`RunDir::prepare`].
    pub fn counts(&self) -> Result<(usize, usize)> {
        let bytes = std::fs::read(self.run_file()).map_err(|e| Error::io(self.run_file(), e))?;
        let v: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| Error::io(self.run_file(), e.into()))?;
        match (v["shards"].as_u64(), v["passes"].as_u64()) {
            (Some(s), Some(p)) => Ok((s as usize, p as usize)),
            _ => Err(Error::Input {
                path: self.run_file(),
                message: "missing shards or passes".into(),
            }),
        }
    }
}

use crate::write::write_file_atomically as write_atomic;

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Input {
        path: path.to_path_buf(),
        message: format!("{what}: {e}"),
    })
}

/// A digest of the pipeline's stages (plugin names and parameters), so the
/// steps of one sharded run cannot mix configs.
pub fn fingerprint(pipeline: &Pipeline) -> String {
    let stages: Vec<serde_json::Value> = pipeline
        .stages
        .iter()
        .map(|s| serde_json::json!([s.config.plugin, s.config.params]))
        .collect();
    let text = serde_json::Value::Array(stages).to_string();
    // FNV-1a: stable across machines and Rust versions, which std's hasher is not.
    let hash = text.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    format!("{hash:016x}")
}

/// What a step did.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    /// The step ran; its stats.
    Ran(Box<RunStats>),
    /// Its completion marker was there already: nothing to do.
    AlreadyDone,
}

/// Write `.running`, run `work`, then leave `.done` or `.failed` (with the error).
fn with_markers(done: &Path, work: impl FnOnce() -> Result<RunStats>) -> Result<StepOutcome> {
    if done.exists() {
        return Ok(StepOutcome::AlreadyDone);
    }
    let running = done.with_extension("running");
    let failed = done.with_extension("failed");
    if let Some(dir) = done.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let _ = std::fs::remove_file(&failed);
    let host = std::env::var("HOSTNAME").unwrap_or_default();
    std::fs::write(&running, format!("pid {} {host}\n", std::process::id()))
        .map_err(|e| Error::io(&running, e))?;
    let result = work();
    let _ = std::fs::remove_file(&running);
    match result {
        Ok(stats) => {
            write_atomic(done, b"")?;
            Ok(StepOutcome::Ran(Box::new(stats)))
        }
        Err(e) => {
            let _ = std::fs::write(&failed, format!("{e}\n"));
            Err(e)
        }
    }
}

/// Run pass `pass` (1-based) of one shard.
pub fn run_shard_pass(
    pipeline: &mut Pipeline,
    input: &Path,
    out: &RunDir,
    shard: ShardSpec,
    pass: usize,
    options: &RunOptions,
) -> Result<StepOutcome> {
    let passes = pass_count(pipeline);
    if pass == 0 || pass > passes {
        return Err(Error::Input {
            path: out.root.clone(),
            message: format!("pass {pass} does not exist: this pipeline has {passes} pass(es)"),
        });
    }
    out.prepare(shard.count, passes, &fingerprint(pipeline))?;
    with_markers(&out.shard_file(pass, shard.index, "done"), || {
        shard_pass(pipeline, input, out, shard, pass, passes, options)
    })
}

fn shard_pass(
    pipeline: &mut Pipeline,
    input: &Path,
    out: &RunDir,
    shard: ShardSpec,
    pass: usize,
    passes: usize,
    options: &RunOptions,
) -> Result<RunStats> {
    let started = Instant::now();
    let (pool, threads) = worker_pool(pipeline, options.threads)?;
    let source = if pass == 1 {
        let plan = InputPlan::list(input, &pipeline.config.input)?.shard(shard.index, shard.count);
        Source::Input(Reader::new(plan, &pipeline.config.input))
    } else {
        let prev = pass - 1;
        for needed in [
            out.shard_file(prev, shard.index, "done"),
            out.merged_file(prev, "done"),
        ] {
            if !needed.exists() {
                return Err(Error::Input {
                    path: needed,
                    message: format!("pass {prev} is not finished; run it (and its merge) first"),
                });
            }
        }
        // The corpus stage observed in the previous pass opens this one.
        let (ops, _) = crate::run::pass_stages(pipeline, pass - 1);
        let merged = read_file(&out.merged_file(prev, "state"), "merged state")?;
        finish_stage(pipeline, ops[0], &merged)?;
        spill_source(&out.shard_file(prev, shard.index, "spill"))?
    };
    let mut run = empty_stats(pipeline, threads);
    let plan = plan_pass(pipeline, pass - 1);
    let mut rejects = RejectsWriter::create(&out.shard_file(pass, shard.index, "rejects.jsonl"))?;
    let report = |docs: u64, bytes: u64| {
        if let Some(p) = &options.progress {
            p(Progress {
                pass,
                passes,
                docs,
                bytes,
                total_bytes: None,
            });
        }
    };
    let (mut spill, mut sink) = (None, None);
    let mut target = match plan.observe {
        Some(_) => Target::Spill(spill.insert(AtomicFile::create(&out.shard_file(
            pass,
            shard.index,
            "spill",
        ))?)),
        None => Target::Final(sink.insert(Sink::open(&out.part(shard.index, ".jsonl"))?)),
    };
    let mut ctx = RunContext {
        pool: &pool,
        rejects: &mut rejects,
        stats: &mut run,
        cancel: &options.cancel,
    };
    let result = run_pass(
        &mut ctx,
        &plan,
        source,
        &mut target,
        &report,
        Default::default(),
        None,
    );
    let states = match result {
        Ok(states) => states,
        Err(e) => {
            if let Some(sink) = sink {
                sink.abandon();
            }
            return Err(e);
        }
    };
    if let (Some(corpus), Some(spill)) = (plan.observe, spill) {
        spill.commit()?;
        let state = merge_states(pipeline, corpus, &states)?;
        write_atomic(&out.shard_file(pass, shard.index, "state"), &state)?;
    } else if let Some(sink) = sink {
        sink.commit()?;
    }
    run.rejects_written = rejects.count;
    rejects.commit()?;
    run.seconds = started.elapsed().as_secs_f64();
    write_stats(&out.shard_file(pass, shard.index, "stats.json"), &run)?;
    if pass == passes {
        assemble_part(out, shard.index, passes)?;
    }
    Ok(run)
}

/// The shard's rejects of every pass, in pass order, and its summed stats.
fn assemble_part(out: &RunDir, shard: usize, passes: usize) -> Result<()> {
    let mut rejects = AtomicFile::create(&out.part(shard, ".rejects.jsonl"))?;
    let mut total = RunStats::default();
    for p in 1..=passes {
        rejects.write_all(&read_file(
            &out.shard_file(p, shard, "rejects.jsonl"),
            "rejects",
        )?)?;
        total += &read_stats(&out.shard_file(p, shard, "stats.json"))?;
    }
    rejects.commit()?;
    write_stats(&out.part(shard, ".stats.json"), &total)
}

fn read_stats(path: &Path) -> Result<RunStats> {
    serde_json::from_slice(&read_file(path, "stats")?).map_err(|e| Error::Input {
        path: path.to_path_buf(),
        message: format!("stats: {e}"),
    })
}

/// Merge the shards' states of pass `pass` for its corpus stage.
pub fn merge_pass(pipeline: &mut Pipeline, out: &RunDir, pass: usize) -> Result<StepOutcome> {
    let (shards, passes) = out.counts()?;
    out.prepare(shards, passes, &fingerprint(pipeline))?;
    if pass == 0 || pass >= passes {
        return Err(Error::Input {
            path: out.root.clone(),
            message: format!(
                "pass {pass} observes no corpus stage (passes with a merge: 1..{})",
                passes - 1
            ),
        });
    }
    with_markers(&out.merged_file(pass, "done"), || {
        let started = Instant::now();
        let missing: Vec<String> = (0..shards)
            .filter(|&i| !out.shard_file(pass, i, "done").exists())
            .map(|i| i.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(Error::Input {
                path: out.root.clone(),
                message: format!(
                    "pass {pass} is not finished for shard(s) {}",
                    missing.join(", ")
                ),
            });
        }
        let states: Vec<Vec<u8>> = (0..shards)
            .map(|i| read_file(&out.shard_file(pass, i, "state"), "shard state"))
            .collect::<Result<_>>()?;
        let (_, observe) = crate::run::pass_stages(pipeline, pass - 1);
        let corpus = observe.ok_or_else(|| Error::Input {
            path: out.root.clone(),
            message: format!("pass {pass} observes no corpus stage"),
        })?;
        let merged = merge_states(pipeline, corpus, &states)?;
        write_atomic(&out.merged_file(pass, "state"), &merged)?;
        let mut stats = empty_stats(pipeline, 1);
        stats.seconds = started.elapsed().as_secs_f64();
        Ok(stats)
    })
}

/// Merge every shard's stats into `OUT/stats.json`, check that the rejects
/// and outputs of all shards are there, and remove the spill files.
pub fn report(out: &RunDir) -> Result<RunStats> {
    let (shards, passes) = out.counts()?;
    let mut total = RunStats::default();
    let mut missing = Vec::new();
    for i in 0..shards {
        if !out.shard_file(passes, i, "done").exists() {
            missing.push(i.to_string());
            continue;
        }
        total += &read_stats(&out.part(i, ".stats.json"))?;
    }
    if !missing.is_empty() {
        return Err(Error::Input {
            path: out.root.clone(),
            message: format!(
                "shard(s) {} have not finished the last pass",
                missing.join(", ")
            ),
        });
    }
    write_stats(&out.report_file(), &total)?;
    for p in 1..passes {
        for i in 0..shards {
            let _ = std::fs::remove_file(out.shard_file(p, i, "spill"));
        }
    }
    Ok(total)
}

/// State of one step for `textmill status`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepStatus {
    /// Step name (`pass 1`, `merge 1`).
    pub name: String,
    /// Tasks done.
    pub done: Vec<usize>,
    /// Tasks running (with their marker text).
    pub running: Vec<usize>,
    /// Tasks failed, with their error.
    pub failed: Vec<(usize, String)>,
    /// Tasks not started.
    pub pending: Vec<usize>,
}

/// What has run in a sharded run folder.
pub fn status(out: &RunDir) -> Result<Vec<StepStatus>> {
    let (shards, passes) = out.counts()?;
    let classify = |name: String, done: Vec<(usize, PathBuf)>| {
        let mut s = StepStatus {
            name,
            ..StepStatus::default()
        };
        for (i, marker) in done {
            if marker.exists() {
                s.done.push(i);
            } else if let Ok(msg) = std::fs::read_to_string(marker.with_extension("failed")) {
                s.failed.push((i, msg.trim().to_string()));
            } else if marker.with_extension("running").exists() {
                s.running.push(i);
            } else {
                s.pending.push(i);
            }
        }
        s
    };
    let mut steps = Vec::new();
    for p in 1..=passes {
        steps.push(classify(
            format!("pass {p}"),
            (0..shards)
                .map(|i| (i, out.shard_file(p, i, "done")))
                .collect(),
        ));
        if p < passes {
            steps.push(classify(
                format!("merge {p}"),
                vec![(0, out.merged_file(p, "done"))],
            ));
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs_parse_and_refuse_nonsense() {
        assert_eq!(
            "2/8".parse::<ShardSpec>(),
            Ok(ShardSpec { index: 2, count: 8 })
        );
        assert!("8/8".parse::<ShardSpec>().is_err());
        assert!("1/0".parse::<ShardSpec>().is_err());
        assert!(
            "x/3"
                .parse::<ShardSpec>()
                .unwrap_err()
                .contains("not a number")
        );
    }
}
