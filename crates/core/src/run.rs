//! The runner: streams batches through the stages on a rayon pool, with a
//! bounded number of batches in flight, and writes results in input order.
//!
//! A pipeline is cut into passes at each corpus stage. A pass reads its
//! source, applies the stages up to the next corpus stage, lets that stage
//! `observe` every batch, and spills the documents to a temporary file (binary
//! frames, [`crate::spill`]); the corpus stage then merges its partial states
//! (in input order) and `finish`es, and the next pass reads the spill and
//! `apply`s it. Memory is bounded by the batches in flight plus the corpus
//! stages' own state, never by the corpus size, and the output bytes do not
//! depend on thread timing.
//!
//! The reading thread only splits the input into lines; the worker that takes
//! a batch parses its JSONL lines, so parsing runs on every worker (with one
//! worker the reading thread parses, on a core of its own).

use crate::checkpoint::{CHECKPOINT_EVERY, Checkpointer, PassStart};
use crate::config::InputConfig;
use crate::document::{Document, Reject};
use crate::error::{Error, Result};
use crate::pipeline::{Pipeline, Stage};
use crate::plugin::{DocResult, PluginBytes};
use crate::read::{InputPlan, Item, Raw, Reader};
use crate::spill::{self, SpillReader};
use crate::stats::{RunStats, StageStats};
use crate::write::{AtomicFile, RejectsWriter, Sink};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::Instant;

/// Where a run reads and writes, after CLI overrides.
#[derive(Debug, Clone)]
pub struct RunPaths {
    /// Input file, folder or `-`.
    pub input: PathBuf,
    /// Output file, folder (`/`) or `-`.
    pub output: PathBuf,
    /// Rejects file.
    pub rejects: PathBuf,
    /// Stats file.
    pub stats: PathBuf,
}

/// Progress of a run, reported after every written batch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// Current pass (1-based) and how many there are.
    pub pass: usize,
    /// Number of passes.
    pub passes: usize,
    /// Documents finished in this pass.
    pub docs: u64,
    /// Input bytes consumed in this pass.
    pub bytes: u64,
    /// Input bytes of this pass, when known.
    pub total_bytes: Option<u64>,
}

/// Run options beyond the config.
pub struct RunOptions {
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Called with progress after each batch.
    pub progress: Option<Box<dyn Fn(Progress) + Send + Sync>>,
    /// Set to stop the run early (Ctrl-C); partial outputs stay for `resume`.
    pub cancel: Arc<AtomicBool>,
    /// Continue the interrupted run of the same config and paths.
    pub resume: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: 0,
            progress: None,
            cancel: Arc::new(AtomicBool::new(false)),
            resume: false,
        }
    }
}

/// True for reject reasons that mean something went wrong (as opposed to a
/// stage deliberately dropping a document).
pub fn is_error_reason(stage: &str, reason: &str) -> bool {
    stage == "read" || reason.starts_with("plugin_") || reason == "stage_error"
}

/// A batch and what happened to it.
struct Batch {
    seq: u64,
    /// Source items consumed by the end of this batch, counted from the pass start.
    items_end: u64,
    /// What was read, in order; JSONL lines are parsed by the worker.
    items: Vec<Raw>,
    bytes: u64,
}

impl Batch {
    fn new(seq: u64) -> Batch {
        Batch {
            seq,
            items_end: 0,
            items: Vec::new(),
            bytes: 0,
        }
    }
}

struct Processed {
    seq: u64,
    read: u64,
    items_end: u64,
    out: Output,
    rejects: Vec<Reject>,
    stats: Vec<StageStats>,
    state: Option<Vec<u8>>,
    bytes: u64,
}

/// Counts batches in flight so the reader cannot run ahead of the writer.
struct Permits {
    free: Mutex<usize>,
    cond: Condvar,
}

impl Permits {
    fn acquire(&self) {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.cond.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
    }

    fn release(&self) {
        *self.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.cond.notify_one();
    }
}

/// Apply one stage to a batch's documents, moving drops to rejects.
fn apply_stage(
    stage: &Stage,
    docs: Vec<Document>,
    rejects: &mut Vec<Reject>,
    stats: &mut StageStats,
) -> Vec<Document> {
    stats.docs_in += docs.len() as u64;
    stats.bytes_in += docs.iter().map(|d| d.text.len() as u64).sum::<u64>();
    if docs.is_empty() {
        return docs;
    }
    let name = stage.name();
    let started = Instant::now();
    let result = stage.instance.process(&docs);
    stats.seconds += started.elapsed().as_secs_f64();
    let mut kept = Vec::with_capacity(docs.len());
    match result {
        Ok(result) => {
            stats.add_counters(&result.counters);
            for (mut doc, r) in docs.into_iter().zip(result.docs) {
                match r {
                    DocResult::Keep(text, meta) => {
                        if let Some(t) = text {
                            doc.text = t;
                        }
                        doc.merge_metadata(meta);
                        kept.push(doc);
                    }
                    DocResult::Drop(reason, detail) => {
                        *stats.dropped.entry(reason.clone()).or_insert(0) += 1;
                        rejects.push(Reject::of_document(&doc, name, &reason, detail));
                    }
                    DocResult::Error(message) => {
                        *stats.dropped.entry("stage_error".into()).or_insert(0) += 1;
                        rejects.push(Reject::of_document(
                            &doc,
                            name,
                            "stage_error",
                            message_detail(message),
                        ));
                    }
                }
            }
        }
        Err(failure) => {
            *stats.dropped.entry(failure.reason.to_string()).or_insert(0) += docs.len() as u64;
            for doc in &docs {
                rejects.push(Reject::of_document(
                    doc,
                    name,
                    failure.reason,
                    message_detail(failure.message.clone()),
                ));
            }
        }
    }
    stats.docs_out += kept.len() as u64;
    stats.bytes_out += kept.iter().map(|d| d.text.len() as u64).sum::<u64>();
    kept
}

fn message_detail(message: String) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("message".into(), Value::String(message));
    m
}

/// Where a pass writes its documents.
pub(crate) enum Target<'a> {
    Final(&'a mut Sink),
    Spill(&'a mut AtomicFile),
}

impl Target<'_> {
    pub(crate) fn checkpoint(&mut self) -> Result<u64> {
        match self {
            Target::Final(sink) => sink.checkpoint(),
            Target::Spill(f) => f.checkpoint(),
        }
    }

    /// How workers encode documents for this target.
    fn encoding(&self) -> Encoding {
        match self {
            Target::Spill(_) => Encoding::Spill,
            Target::Final(sink) if sink.takes_jsonl() => Encoding::Jsonl,
            Target::Final(_) => Encoding::None,
        }
    }

    fn write(&mut self, out: &Output) -> Result<()> {
        match (self, out) {
            (Target::Final(sink), Output::Docs(docs)) => {
                docs.iter().try_for_each(|d| sink.write(d))
            }
            (Target::Final(sink), Output::Encoded { bytes, .. }) => sink.write_jsonl(bytes),
            (Target::Spill(f), Output::Encoded { bytes, .. }) => f.write_all(bytes),
            (Target::Spill(f), Output::Docs(docs)) => {
                let mut bytes = Vec::new();
                for d in docs {
                    spill::encode(d, &mut bytes);
                }
                f.write_all(&bytes)
            }
        }
    }
}

/// How a batch's kept documents are handed to the writer thread: encoded by
/// the worker when the target takes bytes, so encoding runs in parallel.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    /// Spill frames.
    Spill,
    /// JSON lines.
    Jsonl,
    /// As documents (a folder of text files).
    None,
}

/// A processed batch's kept documents, as the writer thread receives them.
enum Output {
    Docs(Vec<Document>),
    Encoded { count: u64, bytes: Vec<u8> },
}

impl Output {
    fn of(docs: Vec<Document>, encoding: Encoding) -> Output {
        let encode = |each: fn(&Document, &mut Vec<u8>)| {
            let size: usize = docs.iter().map(|d| d.text.len() + 256).sum();
            let mut bytes = Vec::with_capacity(size);
            for d in &docs {
                each(d, &mut bytes);
            }
            Output::Encoded {
                count: docs.len() as u64,
                bytes,
            }
        };
        match encoding {
            Encoding::Spill => encode(spill::encode),
            Encoding::Jsonl => encode(Document::write_jsonl),
            Encoding::None => Output::Docs(docs),
        }
    }

    fn count(&self) -> u64 {
        match self {
            Output::Docs(docs) => docs.len() as u64,
            Output::Encoded { count, .. } => *count,
        }
    }
}

/// What a pass reads.
pub(crate) enum Source {
    Input(Reader),
    Spill(SpillReader),
}

impl Source {
    fn next(&mut self) -> Option<Result<Raw>> {
        match self {
            Source::Input(r) => r.next_raw().map(Ok),
            Source::Spill(s) => s.next().map(|d| d.map(|d| Raw::Item(Item::Doc(d)))),
        }
    }

    fn bytes(&self) -> u64 {
        match self {
            Source::Input(r) => r.bytes_read(),
            Source::Spill(s) => s.bytes,
        }
    }
}

/// Shared state of one pass.
pub(crate) struct Pass<'a> {
    stages: &'a [Stage],
    /// Indexes of the stages this pass applies.
    ops: Vec<usize>,
    /// The corpus stage this pass observes, if any.
    pub(crate) observe: Option<usize>,
    /// How JSONL lines read by this pass are parsed.
    input: &'a InputConfig,
    batch_docs: usize,
    batch_bytes: usize,
}

impl Pass<'_> {
    fn process(&self, batch: Batch, encoding: Encoding) -> Processed {
        let Batch {
            seq,
            items_end,
            items,
            bytes,
        } = batch;
        // Rejects keep the order of the lines they come from.
        let (mut docs, mut rejects) = (Vec::with_capacity(items.len()), Vec::new());
        for raw in items {
            let item = match raw {
                Raw::Item(item) => item,
                Raw::Line(line) => line.parse(self.input),
            };
            match item {
                Item::Doc(d) => docs.push(d),
                Item::Reject(r) => rejects.push(r),
            }
        }
        let read = docs.len() as u64;
        let mut stats = Vec::with_capacity(self.ops.len() + 1);
        for &i in &self.ops {
            let stage = &self.stages[i];
            let mut s = StageStats::default();
            docs = apply_stage(stage, docs, &mut rejects, &mut s);
            stats.push(s);
        }
        let mut state = None;
        if let Some(i) = self.observe {
            let stage = &self.stages[i];
            let mut s = StageStats::default();
            let started = Instant::now();
            match stage.instance.observe(&docs) {
                Ok(bytes) => state = Some(bytes),
                Err(failure) => {
                    // The batch cannot be seen by the corpus stage, so it cannot
                    // be decided there: its documents go to rejects with the message.
                    *s.dropped.entry(failure.reason.to_string()).or_insert(0) += docs.len() as u64;
                    s.docs_in += docs.len() as u64;
                    for doc in docs.drain(..) {
                        rejects.push(Reject::of_document(
                            &doc,
                            stage.name(),
                            failure.reason,
                            message_detail(failure.message.clone()),
                        ));
                    }
                }
            }
            s.seconds += started.elapsed().as_secs_f64();
            stats.push(s);
        }
        Processed {
            seq,
            read,
            items_end,
            out: Output::of(docs, encoding),
            rejects,
            stats,
            state,
            bytes,
        }
    }
}

/// Keep the first failure of the writer thread and tell the reader to stop.
fn record_failure(slot: &mut Result<()>, failed: &AtomicBool, outcome: Result<()>) {
    if let Err(e) = outcome {
        if slot.is_ok() {
            *slot = Err(e);
        }
        failed.store(true, Ordering::SeqCst);
    }
}

/// What every pass of a run shares: the workers, the rejects file, the
/// statistics and the cancel flag.
pub(crate) struct RunContext<'a> {
    /// The worker pool.
    pub pool: &'a rayon::ThreadPool,
    /// The run's rejects, every pass appending.
    pub rejects: &'a mut RejectsWriter,
    /// The run's statistics, every pass adding.
    pub stats: &'a mut RunStats,
    /// Set to stop the run between batches.
    pub cancel: &'a AtomicBool,
}

/// Run one pass: read `source`, process batches in parallel, write in order.
/// Returns the observed states in input order.
pub(crate) fn run_pass(
    ctx: &mut RunContext<'_>,
    pass: &Pass<'_>,
    mut source: Source,
    target: &mut Target<'_>,
    progress: &(dyn Fn(u64, u64) + Sync),
    start: PassStart,
    mut checkpoints: Option<&mut Checkpointer>,
) -> Result<Vec<Vec<u8>>> {
    let RunContext {
        pool,
        rejects,
        stats: run,
        cancel,
    } = ctx;
    let (pool, cancel) = (*pool, *cancel);
    // Memory is bounded by the batches in flight: about two per worker.
    let in_flight = pool.current_num_threads() * 2 + 1;
    let permits = Permits {
        free: Mutex::new(in_flight),
        cond: Condvar::new(),
    };
    let (tx, rx) = mpsc::channel::<Processed>();
    let failed = AtomicBool::new(false);
    let PassStart {
        batches: start_seq,
        items: start_items,
        mut states,
    } = start;
    let mut collector_result: Result<()> = Ok(());
    let mut read_error: Option<Error> = None;
    let is_input = matches!(source, Source::Input(_));
    // Several workers parse JSONL lines faster than the reading thread can
    // alone; a single worker is better off leaving it to that thread.
    let parse_here = pool.current_num_threads() == 1;
    let is_final = matches!(target, Target::Final(_));
    let encoding = target.encoding();

    std::thread::scope(|scope| {
        let permits = &permits;
        let failed = &failed;
        let states = &mut states;
        let collector_result = &mut collector_result;
        scope.spawn(move || {
            let mut pending: BTreeMap<u64, Processed> = BTreeMap::new();
            let mut next = start_seq;
            let (mut docs_done, mut bytes_done) = (0u64, 0u64);
            for p in rx {
                pending.insert(p.seq, p);
                while let Some(p) = pending.remove(&next) {
                    next += 1;
                    if collector_result.is_ok() {
                        let written = (|| -> Result<()> {
                            target.write(&p.out)?;
                            for r in &p.rejects {
                                rejects.write(r)?;
                                if is_error_reason(&r.stage, &r.reason) {
                                    run.error_rejects += 1;
                                }
                                if r.stage == "read" {
                                    *run.read_rejects.entry(r.reason.clone()).or_insert(0) += 1;
                                }
                            }
                            Ok(())
                        })();
                        record_failure(collector_result, failed, written);
                    }
                    for (slot, s) in pass.ops.iter().chain(pass.observe.iter()).zip(&p.stats) {
                        run.stages[*slot] += s;
                    }
                    if is_input {
                        run.docs_read += p.read;
                        run.bytes_read = run.bytes_read.max(p.bytes);
                    }
                    if is_final {
                        run.docs_written += p.out.count();
                    }
                    if let Some(state) = p.state {
                        if let Some(ck) = checkpoints.as_deref_mut() {
                            record_failure(collector_result, failed, ck.keep_state(&state));
                        }
                        states.push(state);
                    }
                    if let Some(ck) = checkpoints.as_deref_mut()
                        && collector_result.is_ok()
                        && next % CHECKPOINT_EVERY == 0
                    {
                        let saved = ck.save(target, rejects, run, next, p.items_end);
                        record_failure(collector_result, failed, saved);
                    }
                    docs_done += p.out.count() + p.rejects.len() as u64;
                    bytes_done = bytes_done.max(p.bytes);
                    progress(docs_done, bytes_done);
                    permits.release();
                }
            }
        });

        pool.in_place_scope(|rs| {
            let mut seq = start_seq;
            let mut items = 0u64;
            // Resuming: the items before the checkpoint were written already.
            while items < start_items {
                match source.next() {
                    Some(Ok(_)) => items += 1,
                    Some(Err(e)) => {
                        read_error = Some(e);
                        return;
                    }
                    None => break,
                }
            }
            let mut batch = Batch::new(seq);
            let mut batch_bytes = 0usize;
            let send = |b: Batch| {
                permits.acquire();
                let tx = tx.clone();
                rs.spawn(move |_| {
                    // A send fails only when the collector has stopped; nothing left to do then.
                    let _ = tx.send(pass.process(b, encoding));
                });
            };
            loop {
                if failed.load(Ordering::SeqCst) || cancel.load(Ordering::SeqCst) {
                    break;
                }
                let raw = match source.next() {
                    None => break,
                    Some(Ok(raw)) => raw,
                    Some(Err(e)) => {
                        read_error = Some(e);
                        break;
                    }
                };
                items += 1;
                let raw = match raw {
                    // One worker gains nothing from parsing itself, and this
                    // thread has a core of its own for it.
                    Raw::Line(line) if parse_here => Raw::Item(line.parse(pass.input)),
                    raw => raw,
                };
                batch_bytes += match &raw {
                    Raw::Item(Item::Doc(d)) => d.text.len(),
                    Raw::Item(Item::Reject(_)) => 0,
                    Raw::Line(line) => line.len(),
                };
                batch.items.push(raw);
                if batch.items.len() >= pass.batch_docs || batch_bytes >= pass.batch_bytes {
                    batch.bytes = source.bytes();
                    batch.items_end = items;
                    seq += 1;
                    let full = std::mem::replace(&mut batch, Batch::new(seq));
                    batch_bytes = 0;
                    send(full);
                }
            }
            if !batch.items.is_empty() {
                batch.bytes = source.bytes();
                batch.items_end = items;
                send(batch);
            }
        });
        drop(tx);
    });
    if let Some(e) = read_error {
        return Err(e);
    }
    collector_result?;
    if cancel.load(Ordering::SeqCst) {
        return Err(Error::Interrupted);
    }
    Ok(states)
}

/// The worker pool: `threads` (else the config's, else one per core) threads.
pub(crate) fn worker_pool(
    pipeline: &Pipeline,
    threads: usize,
) -> Result<(rayon::ThreadPool, usize)> {
    let threads = if threads > 0 {
        threads
    } else if pipeline.config.run.threads > 0 {
        pipeline.config.run.threads
    } else {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("textmill-worker-{i}"))
        .build()
        .map_err(|e| Error::Input {
            path: PathBuf::from("-"),
            message: format!("cannot start {threads} threads: {e}"),
        })?;
    Ok((pool, threads))
}

/// Zeroed stats with one entry per stage.
pub(crate) fn empty_stats(pipeline: &Pipeline, threads: usize) -> RunStats {
    let mut run = RunStats {
        threads,
        ..RunStats::default()
    };
    run.stages = pipeline
        .stages
        .iter()
        .map(|s| StageStats {
            index: s.config.index,
            name: s.config.plugin.clone(),
            ..StageStats::default()
        })
        .collect();
    run
}

/// Number of passes: one more than the corpus stages.
pub fn pass_count(pipeline: &Pipeline) -> usize {
    pipeline.stages.iter().filter(|s| s.is_corpus()).count() + 1
}

/// Stages applied in pass `pass` (0-based), and the corpus stage it observes.
/// A corpus stage observed in one pass is applied first in the next.
pub(crate) fn pass_stages(pipeline: &Pipeline, pass: usize) -> (Vec<usize>, Option<usize>) {
    let corpus: Vec<usize> = pipeline
        .stages
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_corpus())
        .map(|(i, _)| i)
        .collect();
    let first = if pass == 0 { 0 } else { corpus[pass - 1] };
    let observe = corpus.get(pass).copied();
    let end = observe.unwrap_or(pipeline.stages.len());
    ((first..end).collect(), observe)
}

/// The pass-`pass` plan over `pipeline`.
pub(crate) fn plan_pass(pipeline: &Pipeline, pass: usize) -> Pass<'_> {
    let (ops, observe) = pass_stages(pipeline, pass);
    Pass {
        stages: &pipeline.stages,
        ops,
        observe,
        input: &pipeline.config.input,
        batch_docs: pipeline.config.run.batch_docs.get(),
        batch_bytes: pipeline.config.run.batch_bytes.get(),
    }
}

/// Wrap a stage failure during merge or finish.
pub(crate) fn stage_error(pipeline: &Pipeline, stage: usize, what: &str, message: String) -> Error {
    let s = &pipeline.stages[stage];
    Error::Stage {
        index: s.config.index,
        name: s.config.plugin.clone(),
        message: format!("{what} failed: {message}"),
    }
}

/// Merge partial states of corpus stage `stage` (in input order).
pub(crate) fn merge_states(
    pipeline: &Pipeline,
    stage: usize,
    states: &[Vec<u8>],
) -> Result<PluginBytes> {
    pipeline.stages[stage]
        .instance
        .merge(states)
        .map_err(|f| stage_error(pipeline, stage, "merge", f.message))
}

/// Install a merged state into corpus stage `stage`.
pub(crate) fn finish_stage(pipeline: &mut Pipeline, stage: usize, merged: &[u8]) -> Result<()> {
    let result = pipeline.stages[stage].instance.finish(merged);
    result.map_err(|f| stage_error(pipeline, stage, "finish", f.message))
}

/// A source reading a spill file.
pub(crate) fn spill_source(path: &Path) -> Result<Source> {
    Ok(Source::Spill(SpillReader::open(path)?))
}

/// Run a built pipeline on one machine. With `options.resume`, continue the
/// interrupted run of the same config and paths from its last checkpoint.
pub fn run(pipeline: &mut Pipeline, paths: &RunPaths, options: &RunOptions) -> Result<RunStats> {
    let started = Instant::now();
    let (pool, threads) = worker_pool(pipeline, options.threads)?;
    let input_config: InputConfig = pipeline.config.input.clone();
    let plan = InputPlan::list(&paths.input, &input_config)?;
    let total_input = if plan.stdin.is_some() {
        None
    } else {
        Some(plan.total_bytes())
    };
    let passes = pass_count(pipeline);
    let fingerprint = format!(
        "{} {}",
        crate::shard::fingerprint(pipeline),
        paths.input.display()
    );
    let (mut checkpoints, resume) = if options.resume {
        let (c, ck) = Checkpointer::resume(&paths.output, fingerprint)?;
        (c, Some(ck))
    } else {
        (Checkpointer::fresh(&paths.output, fingerprint)?, None)
    };
    let mut run = match &resume {
        Some(ck) => ck.stats.clone(),
        None => empty_stats(pipeline, threads),
    };
    run.threads = threads;
    let mut rejects = match &resume {
        Some(ck) => RejectsWriter::resume(&paths.rejects, ck.rejects_len, ck.rejects_count)?,
        None => RejectsWriter::create(&paths.rejects)?,
    };
    let resume_pass = resume.as_ref().map(|ck| ck.pass).unwrap_or(0);
    let mut ctx = RunContext {
        pool: &pool,
        rejects: &mut rejects,
        stats: &mut run,
        cancel: &options.cancel,
    };

    let mut source = Source::Input(Reader::new(plan, &input_config));
    let mut sink = None;
    for pass_no in 0..passes {
        let pass = plan_pass(pipeline, pass_no);
        if pass_no < resume_pass {
            // Finished before the interruption: reinstall its corpus state, read its spill.
            if let Some(corpus) = pass.observe {
                let merged_path = checkpoints.merged_path(pass_no);
                let merged = std::fs::read(&merged_path).map_err(|e| Error::io(&merged_path, e))?;
                finish_stage(pipeline, corpus, &merged)?;
                source = spill_source(&checkpoints.spill_path(pass_no))?;
            }
            continue;
        }
        let here = resume.as_ref().filter(|ck| ck.pass == pass_no);
        let states = checkpoints.begin_pass(
            pass_no,
            pass.observe.is_some(),
            here.map(|ck| ck.states_len),
        )?;
        let start = PassStart {
            batches: here.map_or(0, |ck| ck.batches),
            items: here.map_or(0, |ck| ck.items),
            states,
        };
        let total = if pass_no == 0 { total_input } else { None };
        let report = |docs: u64, bytes: u64| {
            if let Some(p) = &options.progress {
                p(Progress {
                    pass: pass_no + 1,
                    passes,
                    docs,
                    bytes,
                    total_bytes: total,
                });
            }
        };
        // A pass that observes a corpus stage spills for the next; the last writes the output.
        let spill_path = checkpoints.spill_path(pass_no);
        let (mut spill, mut out) = (None, None);
        let mut target = match (pass.observe, here) {
            (Some(_), Some(ck)) => {
                Target::Spill(spill.insert(AtomicFile::resume(&spill_path, ck.target_len)?))
            }
            (Some(_), None) => Target::Spill(spill.insert(AtomicFile::create(&spill_path)?)),
            (None, Some(ck)) => {
                Target::Final(out.insert(Sink::resume(&paths.output, ck.target_len)?))
            }
            (None, None) => Target::Final(out.insert(Sink::open(&paths.output)?)),
        };
        let states = run_pass(
            &mut ctx,
            &pass,
            source,
            &mut target,
            &report,
            start,
            Some(&mut checkpoints),
        )?;
        let (Some(corpus), Some(spill)) = (pass.observe, spill) else {
            sink = out;
            break;
        };
        spill.commit()?;
        let merge_started = Instant::now();
        let merged = merge_states(pipeline, corpus, &states)?;
        drop(states);
        // The checkpoint copy is read only on resume: it is written while the
        // stage finishes, which is serial for much of its time.
        let merged_path = checkpoints.merged_path(pass_no);
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| crate::write::write_file_atomically(&merged_path, &merged));
            let finished = finish_stage(pipeline, corpus, &merged);
            let written = writer
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            finished.and(written)
        })?;
        ctx.stats.stages[corpus].seconds += merge_started.elapsed().as_secs_f64();
        checkpoints.pass_done(ctx.rejects, ctx.stats, pass_no)?;
        source = spill_source(&spill_path)?;
    }
    run.rejects_written = rejects.count;
    rejects.commit()?;
    sink.ok_or(Error::Interrupted)?.commit()?;
    checkpoints.finish();
    run.seconds = started.elapsed().as_secs_f64();
    write_stats(&paths.stats, &run)?;
    Ok(run)
}

/// Write the stats JSON atomically.
pub fn write_stats(path: &Path, stats: &RunStats) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    let mut bytes = serde_json::to_vec_pretty(stats).map_err(|e| Error::io(path, e.into()))?;
    bytes.push(b'\n');
    f.write_all(&bytes)?;
    f.commit()
}
