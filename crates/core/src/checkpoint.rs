//! Checkpoints of a local run, so `textmill run --resume` continues a run that
//! was killed (`kill -9`, a lost machine) without losing or repeating a document.
//!
//! Every [`CHECKPOINT_EVERY`] batches, and at the end of each pass, the
//! writer thread makes the output, rejects, spill and corpus-state files
//! durable and records their lengths, the input items consumed and the stats
//! in `<output>.textmill-run/checkpoint.json` (written atomically). Resuming
//! cuts each file back to its recorded length, skips the consumed input
//! items, and goes on. Checkpoints fall on the same batches in every run,
//! so a resumed run writes the same bytes as an uninterrupted one.

use crate::error::{Error, Result};
use crate::stats::RunStats;
use crate::write::{AtomicFile, RejectsWriter};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Batches between checkpoints.
pub const CHECKPOINT_EVERY: u64 = 16;

/// Version of `checkpoint.json`.
const CHECKPOINT_VERSION: u32 = 1;

/// Where a pass starts: at the beginning, or at a checkpoint.
#[derive(Debug, Default)]
pub(crate) struct PassStart {
    /// Batches already written (the next batch's sequence number).
    pub batches: u64,
    /// Source items already consumed.
    pub items: u64,
    /// Corpus-stage states of the batches already written.
    pub states: Vec<Vec<u8>>,
}

/// What `checkpoint.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Checkpoint {
    version: u32,
    /// Stages and input of the run; a resume with another config is refused.
    pub fingerprint: String,
    /// The pass in progress (0-based); earlier passes are complete.
    pub pass: usize,
    /// Batches of this pass written.
    pub batches: u64,
    /// Source items of this pass consumed.
    pub items: u64,
    /// Length of this pass's target (spill or output) at the checkpoint.
    pub target_len: u64,
    /// Length of the rejects file.
    pub rejects_len: u64,
    /// Records in the rejects file.
    pub rejects_count: u64,
    /// Length of this pass's corpus-state file.
    pub states_len: u64,
    /// Stats so far.
    pub stats: RunStats,
}

/// The run folder beside the output, and the checkpoint writer.
pub(crate) struct Checkpointer {
    dir: PathBuf,
    fingerprint: String,
    pass: usize,
    states: Option<std::io::BufWriter<std::fs::File>>,
}

impl Checkpointer {
    /// The folder for `output`'s run: `<output>.textmill-run`.
    pub fn dir_for(output: &Path) -> PathBuf {
        crate::write::beside(output, ".textmill-run")
    }

    /// Start fresh: an empty run folder.
    pub fn fresh(output: &Path, fingerprint: String) -> Result<Checkpointer> {
        let dir = Checkpointer::dir_for(output);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Checkpointer {
            dir,
            fingerprint,
            pass: 0,
            states: None,
        })
    }

    /// Continue an interrupted run: its folder and last checkpoint.
    pub fn resume(output: &Path, fingerprint: String) -> Result<(Checkpointer, Checkpoint)> {
        let dir = Checkpointer::dir_for(output);
        let file = dir.join("checkpoint.json");
        let bytes = std::fs::read(&file).map_err(|e| Error::Input {
            path: file.clone(),
            message: format!("no checkpoint to resume from ({e}); run without --resume"),
        })?;
        let ck: Checkpoint = serde_json::from_slice(&bytes).map_err(|e| Error::Input {
            path: file.clone(),
            message: format!("unreadable checkpoint: {e}"),
        })?;
        if ck.version != CHECKPOINT_VERSION {
            return Err(Error::Input {
                path: file,
                message: format!(
                    "checkpoint version {} (this textmill writes {CHECKPOINT_VERSION})",
                    ck.version
                ),
            });
        }
        if ck.fingerprint != fingerprint {
            return Err(Error::Input {
                path: file,
                message:
                    "the interrupted run had other stages or another input; run without --resume"
                        .into(),
            });
        }
        Ok((
            Checkpointer {
                dir,
                fingerprint,
                pass: ck.pass,
                states: None,
            },
            ck,
        ))
    }

    /// The spill file of pass `pass`.
    pub fn spill_path(&self, pass: usize) -> PathBuf {
        self.dir.join(format!("pass-{}.spill", pass + 1))
    }

    /// The merged corpus state after pass `pass`.
    pub fn merged_path(&self, pass: usize) -> PathBuf {
        self.dir.join(format!("pass-{}.merged", pass + 1))
    }

    fn states_path(&self, pass: usize) -> PathBuf {
        self.dir.join(format!("pass-{}.states", pass + 1))
    }

    /// Begin pass `pass`; with `resume_states_len`, keep and read back the
    /// states recorded up to that length.
    pub fn begin_pass(
        &mut self,
        pass: usize,
        observes: bool,
        resume_states_len: Option<u64>,
    ) -> Result<Vec<Vec<u8>>> {
        self.pass = pass;
        self.states = None;
        if !observes {
            return Ok(Vec::new());
        }
        let path = self.states_path(pass);
        let mut states = Vec::new();
        let file = match resume_states_len {
            Some(len) => {
                let mut f = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&path)
                    .map_err(|e| Error::io(&path, e))?;
                f.set_len(len).map_err(|e| Error::io(&path, e))?;
                let mut bytes = Vec::new();
                f.read_to_end(&mut bytes).map_err(|e| Error::io(&path, e))?;
                let mut at = 0usize;
                while at < bytes.len() {
                    let n = bytes
                        .get(at..at + 8)
                        .and_then(|b| b.try_into().ok())
                        .map(u64::from_le_bytes);
                    let Some(n) = n.map(|n| n as usize).filter(|n| at + 8 + n <= bytes.len())
                    else {
                        return Err(Error::Input {
                            path,
                            message: "corrupt state file".into(),
                        });
                    };
                    states.push(bytes[at + 8..at + 8 + n].to_vec());
                    at += 8 + n;
                }
                f
            }
            None => std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?,
        };
        self.states = Some(std::io::BufWriter::new(file));
        Ok(states)
    }

    /// Append one batch's corpus state (length-prefixed).
    pub fn keep_state(&mut self, state: &[u8]) -> Result<()> {
        let path = self.states_path(self.pass);
        if let Some(w) = self.states.as_mut() {
            w.write_all(&(state.len() as u64).to_le_bytes())
                .and_then(|()| w.write_all(state))
                .map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }

    fn states_len(&mut self) -> Result<u64> {
        let path = self.states_path(self.pass);
        match self.states.as_mut() {
            None => Ok(0),
            Some(w) => {
                w.flush().map_err(|e| Error::io(&path, e))?;
                w.get_ref().sync_data().map_err(|e| Error::io(&path, e))?;
                w.get_ref()
                    .metadata()
                    .map(|m| m.len())
                    .map_err(|e| Error::io(&path, e))
            }
        }
    }

    /// Record a checkpoint after `batches` batches and `items` source items of the current pass.
    pub fn save(
        &mut self,
        target: &mut crate::run::Target<'_>,
        rejects: &mut RejectsWriter,
        stats: &RunStats,
        batches: u64,
        items: u64,
    ) -> Result<()> {
        let target_len = target.checkpoint()?;
        self.write(target_len, rejects, stats, batches, items, self.pass)
    }

    /// Record that pass `finished` is complete (its spill and merged state are saved).
    pub fn pass_done(
        &mut self,
        rejects: &mut RejectsWriter,
        stats: &RunStats,
        finished: usize,
    ) -> Result<()> {
        self.states = None;
        self.write(0, rejects, stats, 0, 0, finished + 1)
    }

    fn write(
        &mut self,
        target_len: u64,
        rejects: &mut RejectsWriter,
        stats: &RunStats,
        batches: u64,
        items: u64,
        pass: usize,
    ) -> Result<()> {
        let ck = Checkpoint {
            version: CHECKPOINT_VERSION,
            fingerprint: self.fingerprint.clone(),
            pass,
            batches,
            items,
            target_len,
            rejects_len: rejects.checkpoint()?,
            rejects_count: rejects.count,
            states_len: if pass == self.pass {
                self.states_len()?
            } else {
                0
            },
            stats: stats.clone(),
        };
        let path = self.dir.join("checkpoint.json");
        let mut f = AtomicFile::create(&path)?;
        f.write_all(&serde_json::to_vec(&ck).map_err(|e| Error::io(&path, e.into()))?)?;
        f.commit()
    }

    /// The run finished: remove its folder.
    pub fn finish(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
