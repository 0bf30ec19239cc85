//! `textmill`: run text-cleaning pipelines made of plugin stages.

mod progress;
mod scaffold;
mod slurm;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use textmill_core::config::{PipelineConfig, RejectsExit};
use textmill_core::pipeline::Pipeline;
use textmill_core::plugin::{PluginLibrary, PluginSearch};
use textmill_core::run::{RunOptions, RunPaths};
use textmill_core::shard::{RunDir, ShardSpec, StepOutcome};
use textmill_core::write::beside;

/// Exit status: the run finished with no reject that calls for attention.
const EXIT_OK: u8 = 0;
/// Exit status: the run failed.
const EXIT_RUN_ERROR: u8 = 1;
/// Exit status: the configuration is invalid.
const EXIT_CONFIG_ERROR: u8 = 2;
/// Exit status: the run finished, with rejects (see `[run] rejects_exit`).
const EXIT_REJECTS: u8 = 3;

#[derive(Parser)]
#[command(
    name = "textmill",
    version,
    about = "Clean, deduplicate and summarize scraped text with plugin pipelines"
)]
struct Cli {
    /// Less output: no progress, no table.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// More output: -v lists the plugin files loaded; -vv also logs every batch.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a pipeline.
    Run {
        /// Pipeline config (TOML).
        config: PathBuf,
        /// Input file (.txt, .jsonl[.gz|.zst]), folder, or - for stdin; overrides [input] path.
        #[arg(long)]
        input: Option<PathBuf>,
        /// Output .jsonl[.gz|.zst] file, folder ending in /, or - for stdout; overrides [output] path.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Worker threads (default: [run] threads, else one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Process only shard I of N (0-based), into the output folder's part I.
        /// Inside a Slurm array it defaults to SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT.
        #[arg(long)]
        shard: Option<ShardSpec>,
        /// With --shard: the pass to run (default: this shard's first unfinished pass).
        #[arg(long)]
        pass: Option<usize>,
        /// Continue an interrupted run of the same config, input and output
        /// from its last checkpoint (same bytes as an uninterrupted run).
        #[arg(long, conflicts_with = "shard")]
        resume: bool,
    },
    /// Sharded runs: merge the shards' corpus states of a pass (one task).
    MergeState {
        /// Pipeline config (TOML).
        config: PathBuf,
        /// The run's output folder.
        #[arg(long)]
        output: PathBuf,
        /// The pass whose states to merge.
        #[arg(long)]
        pass: usize,
    },
    /// Sharded runs: merge all shards' stats into OUTPUT/stats.json and print the table.
    Report {
        /// The run's output folder.
        output: PathBuf,
    },
    /// Sharded runs: show which tasks of each step are done, running, failed or pending.
    Status {
        /// The run's output folder.
        run_dir: PathBuf,
    },
    /// Run a pipeline as Slurm job arrays: write the sbatch scripts and submit them.
    Slurm {
        /// Pipeline config (TOML).
        config: PathBuf,
        /// Number of shards (array tasks per pass).
        #[arg(long)]
        tasks: usize,
        /// Input (overrides [input] path).
        #[arg(long)]
        input: Option<PathBuf>,
        /// Output folder holding the parts (overrides [output] path).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Slurm partition.
        #[arg(long)]
        partition: Option<String>,
        /// Slurm time limit per task (e.g. 02:00:00).
        #[arg(long)]
        time: Option<String>,
        /// CPUs (worker threads) per task.
        #[arg(long, default_value_t = 1)]
        cpus: usize,
        /// Only write and print the scripts.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check a config and its plugins; report every error at once.
    Validate {
        /// Pipeline config (TOML).
        config: PathBuf,
    },
    /// Run one document through the pipeline and show what each stage did to it.
    Explain {
        /// Pipeline config (TOML).
        config: PathBuf,
        /// File holding the document (.txt, or JSONL with --id); other documents
        /// of the file are context for corpus stages such as dedupe.
        #[arg(long)]
        input: PathBuf,
        /// Id of the document to explain (default: the first one).
        #[arg(long)]
        id: Option<String>,
    },
    /// Write a new plugin crate that builds on its own (the SDK is vendored in it).
    NewPlugin {
        /// Stage name (lowercase letters, digits, _).
        name: String,
        /// Folder to create `textmill-NAME` in.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Print shell completions.
    Completions {
        /// Shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
    /// List the plugins found, or show one plugin's parameters.
    Plugins {
        /// Show this plugin's parameters.
        name: Option<String>,
        /// Extra folder to search (like [run] plugin_dir).
        #[arg(long)]
        plugin_dir: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    textmill_core::crash::install_handler();
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let config_error = e
                .downcast_ref::<textmill_core::config::ConfigErrors>()
                .is_some()
                || matches!(
                    e.downcast_ref::<textmill_core::Error>(),
                    Some(textmill_core::Error::Config(_))
                );
            eprintln!("error: {e:#}");
            ExitCode::from(if config_error {
                EXIT_CONFIG_ERROR
            } else {
                EXIT_RUN_ERROR
            })
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Run {
            config,
            input,
            output,
            threads,
            shard,
            pass,
            resume,
        } => {
            let shard = match shard {
                Some(s) => Some(s),
                None => ShardSpec::from_slurm_env()
                    .transpose()
                    .map_err(|e| anyhow::anyhow!("SLURM_ARRAY_TASK_ID/COUNT: {e}"))?,
            };
            match shard {
                Some(shard) => run_shard(&config, input, output, threads, shard, pass, cli.quiet),
                None if pass.is_some() => bail!("--pass needs --shard (or a Slurm array task)"),
                None => run(
                    &config,
                    input,
                    output,
                    threads,
                    resume,
                    cli.quiet,
                    cli.verbose,
                ),
            }
        }
        Command::MergeState {
            config,
            output,
            pass,
        } => {
            let mut pipeline = Pipeline::build(PipelineConfig::load(&config)?)?;
            match textmill_core::shard::merge_pass(&mut pipeline, &RunDir::new(&output), pass)? {
                StepOutcome::AlreadyDone => eprintln!("merge of pass {pass}: already done"),
                StepOutcome::Ran(_) => eprintln!("merge of pass {pass}: done"),
            }
            Ok(EXIT_OK)
        }
        Command::Report { output } => {
            let out = RunDir::new(&output);
            let stats = textmill_core::shard::report(&out)?;
            if !cli.quiet {
                eprint!("{}", stats.table());
            }
            println!("{}", out.report_file().display());
            Ok(if stats.error_rejects > 0 {
                EXIT_REJECTS
            } else {
                EXIT_OK
            })
        }
        Command::Status { run_dir } => status(&run_dir),
        Command::Slurm {
            config,
            tasks,
            input,
            output,
            partition,
            time,
            cpus,
            dry_run,
        } => slurm(
            &config, tasks, input, output, partition, time, cpus, dry_run,
        ),
        Command::Validate { config } => validate(&config),
        Command::Plugins { name, plugin_dir } => plugins(name.as_deref(), &plugin_dir),
        Command::Explain { config, input, id } => explain(&config, &input, id.as_deref()),
        Command::NewPlugin { name, dir } => {
            let root = scaffold::new_plugin(&name, &dir)?;
            println!("created {}", root.display());
            println!(
                "next: cd {} && cargo test && cargo build --release",
                root.display()
            );
            println!(
                "then: TEXTMILL_PLUGIN_PATH={}/target/release textmill plugins {name}",
                root.display()
            );
            Ok(EXIT_OK)
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "textmill",
                &mut std::io::stdout(),
            );
            Ok(EXIT_OK)
        }
        Command::Man => {
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut std::io::stdout())?;
            Ok(EXIT_OK)
        }
    }
}

fn validate(config: &Path) -> anyhow::Result<u8> {
    let config = PipelineConfig::load(config)?;
    let file = config.file.clone();
    let pipeline = Pipeline::build(config)?;
    println!("{}: ok, {} stage(s)", file.display(), pipeline.stages.len());
    for s in &pipeline.stages {
        let lib = s.instance.library();
        println!(
            "  {}. {} {} ({})",
            s.config.index,
            lib.name,
            lib.version,
            lib.path.display()
        );
    }
    Ok(EXIT_OK)
}

/// Tell corpus stages that parallelise their own finish step (dedupe's
/// clustering reads `TEXTMILL_THREADS`) the run's thread count: `--threads`,
/// else the config's `[run] threads`; unset (every CPU) when both are 0.
fn bound_stage_threads(threads: Option<usize>, config: &PipelineConfig) {
    let threads = threads
        .filter(|&t| t > 0)
        .or(Some(config.run.threads).filter(|&t| t > 0));
    if let Some(t) = threads {
        // SAFETY: called before the run starts any thread that could read the
        // environment (plugins are loaded and workers started afterwards).
        unsafe { std::env::set_var("TEXTMILL_THREADS", t.to_string()) };
    }
}

fn run(
    config_path: &Path,
    input: Option<PathBuf>,
    output: Option<PathBuf>,
    threads: Option<usize>,
    resume: bool,
    quiet: bool,
    verbose: u8,
) -> anyhow::Result<u8> {
    let config = PipelineConfig::load(config_path)?;
    bound_stage_threads(threads, &config);
    let (input, output) = io_paths(&config, config_path, input, output)?;
    let paths = RunPaths {
        rejects: config
            .output
            .rejects
            .clone()
            .unwrap_or_else(|| beside(&output, ".rejects.jsonl")),
        stats: config
            .output
            .stats
            .clone()
            .unwrap_or_else(|| beside(&output, ".stats.json")),
        input,
        output,
    };
    let rejects_exit = config.run.rejects_exit;
    let mut pipeline = Pipeline::build(config)?;
    if verbose >= 1 {
        for s in &pipeline.stages {
            let lib = s.instance.library();
            eprintln!(
                "stage {}: {} {} from {}",
                s.config.index,
                lib.name,
                lib.version,
                lib.path.display()
            );
        }
        eprintln!(
            "input {}, output {}",
            paths.input.display(),
            paths.output.display()
        );
    }
    let bar = progress::Reporter::new(quiet, verbose);
    let options = RunOptions {
        threads: threads.unwrap_or(0),
        progress: Some(bar.callback()),
        cancel: Arc::new(AtomicBool::new(false)),
        resume,
    };
    let stats = textmill_core::run::run(&mut pipeline, &paths, &options)
        .with_context(|| format!("run of {} failed", config_path.display()))?;
    bar.finish();
    if !quiet {
        eprint!("{}", stats.table());
        eprintln!(
            "output: {}  rejects: {}  stats: {}",
            paths.output.display(),
            paths.rejects.display(),
            paths.stats.display()
        );
    }
    let code = match rejects_exit {
        RejectsExit::Errors if stats.error_rejects > 0 => EXIT_REJECTS,
        RejectsExit::Any if stats.rejects_written > 0 => EXIT_REJECTS,
        _ => EXIT_OK,
    };
    Ok(code)
}

fn explain(config: &Path, input: &Path, id: Option<&str>) -> anyhow::Result<u8> {
    use textmill_core::explain::Effect;
    let config = PipelineConfig::load(config)?;
    bound_stage_threads(None, &config);
    let mut pipeline = Pipeline::build_with(config, true)?;
    let e = textmill_core::explain::explain(&mut pipeline, input, id)?;
    println!("document {} ({} lines in)", e.id, e.input.lines().count());
    for s in &e.stages {
        match &s.effect {
            Effect::Kept {
                removed,
                added,
                metadata,
            } => {
                println!(
                    "\nstage {} {}: kept, {} line(s) removed, {} added",
                    s.index,
                    s.name,
                    removed.len(),
                    added.len()
                );
                for l in removed {
                    println!("  - {l}");
                }
                for l in added {
                    println!("  + {l}");
                }
                for (k, v) in metadata {
                    println!(
                        "  metadata.{k} = {}",
                        serde_json::to_string_pretty(v)
                            .unwrap_or_default()
                            .replace('\n', "\n    ")
                    );
                }
            }
            Effect::Dropped { reason, detail } => {
                println!(
                    "\nstage {} {}: DROPPED, reason {reason} {}",
                    s.index,
                    s.name,
                    serde_json::Value::Object(detail.clone())
                );
            }
            Effect::Failed { message } => {
                println!("\nstage {} {}: FAILED: {message}", s.index, s.name)
            }
        }
    }
    match &e.output {
        Some(text) => println!("\noutput:\n{text}"),
        None => println!("\nthe document does not reach the output"),
    }
    Ok(EXIT_OK)
}

/// Input and output of a run: the flags, else the config.
fn io_paths(
    config: &PipelineConfig,
    config_path: &Path,
    input: Option<PathBuf>,
    output: Option<PathBuf>,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    let input = match input.or_else(|| config.input.path.clone()) {
        Some(p) => p,
        None => bail!(
            "no input: set [input] path in {} or pass --input",
            config_path.display()
        ),
    };
    let output = match output.or_else(|| config.output.path.clone()) {
        Some(p) => p,
        None => bail!(
            "no output: set [output] path in {} or pass --output",
            config_path.display()
        ),
    };
    Ok((input, output))
}

fn run_shard(
    config_path: &Path,
    input: Option<PathBuf>,
    output: Option<PathBuf>,
    threads: Option<usize>,
    shard: ShardSpec,
    pass: Option<usize>,
    quiet: bool,
) -> anyhow::Result<u8> {
    let config = PipelineConfig::load(config_path)?;
    bound_stage_threads(threads, &config);
    let (input, output) = io_paths(&config, config_path, input, output)?;
    let out = RunDir::new(&output);
    let mut pipeline = Pipeline::build(config)?;
    let passes = textmill_core::run::pass_count(&pipeline);
    let pass = match pass {
        Some(p) => p,
        None => (1..=passes)
            .find(|&p| !out.shard_file(p, shard.index, "done").exists())
            .unwrap_or(passes),
    };
    let bar = progress::Reporter::new(quiet, 0);
    let options = RunOptions {
        threads: threads.unwrap_or(0),
        progress: Some(bar.callback()),
        cancel: Arc::new(AtomicBool::new(false)),
        resume: false,
    };
    let outcome =
        textmill_core::shard::run_shard_pass(&mut pipeline, &input, &out, shard, pass, &options)
            .with_context(|| format!("shard {shard}, pass {pass} of {}", config_path.display()))?;
    bar.finish();
    match outcome {
        StepOutcome::AlreadyDone => eprintln!("shard {shard}, pass {pass}: already done"),
        StepOutcome::Ran(stats) => {
            if !quiet {
                eprint!("{}", stats.table());
            }
            eprintln!("shard {shard}, pass {pass}/{passes}: done");
        }
    }
    Ok(EXIT_OK)
}

fn status(run_dir: &Path) -> anyhow::Result<u8> {
    let steps = textmill_core::shard::status(&RunDir::new(run_dir))?;
    let list = |v: &[usize]| {
        v.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut any_failed = false;
    for s in &steps {
        println!(
            "{:<10} done {:>4}  running {:>4}  failed {:>4}  pending {:>4}{}",
            s.name,
            s.done.len(),
            s.running.len(),
            s.failed.len(),
            s.pending.len(),
            if s.running.is_empty() {
                String::new()
            } else {
                format!("  running: {}", list(&s.running))
            }
        );
        for (i, msg) in &s.failed {
            any_failed = true;
            println!("    task {i} failed: {msg}");
        }
    }
    Ok(if any_failed { EXIT_RUN_ERROR } else { EXIT_OK })
}

#[allow(clippy::too_many_arguments)]
fn slurm(
    config_path: &Path,
    tasks: usize,
    input: Option<PathBuf>,
    output: Option<PathBuf>,
    partition: Option<String>,
    time: Option<String>,
    cpus: usize,
    dry_run: bool,
) -> anyhow::Result<u8> {
    if tasks == 0 {
        bail!("--tasks must be at least 1");
    }
    let config = PipelineConfig::load(config_path)?;
    let (input, output) = io_paths(&config, config_path, input, output)?;
    let pipeline = Pipeline::build(config)?;
    let passes = textmill_core::run::pass_count(&pipeline);
    let absolute = |p: &Path| -> anyhow::Result<PathBuf> {
        Ok(if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()?.join(p)
        })
    };
    let out = RunDir::new(&absolute(&output)?);
    out.prepare(tasks, passes, &textmill_core::shard::fingerprint(&pipeline))?;
    let job = slurm::SlurmJob {
        textmill: std::env::current_exe().context("locating the textmill binary")?,
        config: absolute(config_path)?,
        input: absolute(&input)?,
        out,
        tasks,
        passes,
        partition,
        time,
        cpus: cpus.max(1),
    };
    let steps = job.write_and_submit(!dry_run)?;
    for (path, id) in &steps {
        match id {
            Some(id) => println!("submitted {} as job {id}", path.display()),
            None => {
                println!("# {}", path.display());
                print!("{}", std::fs::read_to_string(path).unwrap_or_default());
            }
        }
    }
    if !dry_run {
        println!("follow with: textmill status {}", job.out.root.display());
    }
    Ok(EXIT_OK)
}

fn plugins(name: Option<&str>, dirs: &[PathBuf]) -> anyhow::Result<u8> {
    let search = PluginSearch::new(dirs);
    let (found, errors) = search.list();
    for e in &errors {
        eprintln!("warning: {e}");
    }
    let show = |lib: &PluginLibrary| {
        let kind = if lib.is_corpus() {
            "corpus"
        } else {
            "document"
        };
        println!(
            "{} {} (ABI {}, {kind} stage) {}",
            lib.name,
            lib.version,
            lib.abi_version,
            lib.path.display()
        );
        println!("  {}", lib.description);
        let params: Vec<String> = lib
            .params
            .iter()
            .map(|p| format!("{}={}", p.name, p.default))
            .collect();
        println!("  parameters: {}", params.join(", "));
    };
    match name {
        None => {
            if found.is_empty() {
                println!("no plugins found in {}", search.describe());
            }
            for lib in &found {
                show(lib);
            }
        }
        Some(n) => {
            let Some(lib) = found.iter().find(|l| l.name == n) else {
                bail!("plugin `{n}` not found (searched {})", search.describe());
            };
            show(lib);
            for p in &lib.params {
                println!(
                    "    {:<22} {:<10} default {:<12} {}",
                    p.name,
                    p.kind,
                    p.default.to_string(),
                    p.description
                );
            }
        }
    }
    Ok(EXIT_OK)
}
