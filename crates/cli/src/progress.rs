//! Progress while a run goes: a bar on a terminal, a log line every few
//! seconds otherwise (every batch with `-vv`), nothing with `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use textmill_core::run::Progress;

/// How often a non-terminal run logs a line.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// Reports progress of a run.
pub struct Reporter {
    bar: Option<ProgressBar>,
    log: bool,
    every_batch: bool,
}

impl Reporter {
    /// A reporter for stderr.
    pub fn new(quiet: bool, verbose: u8) -> Reporter {
        let every_batch = verbose >= 2;
        if quiet {
            return Reporter {
                bar: None,
                log: false,
                every_batch,
            };
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix} {bar:30} {bytes}/{total_bytes} {msg} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            Reporter {
                bar: Some(bar),
                log: false,
                every_batch,
            }
        } else {
            Reporter {
                bar: None,
                log: true,
                every_batch,
            }
        }
    }

    /// The callback the runner calls after each batch.
    pub fn callback(&self) -> Box<dyn Fn(Progress) + Send + Sync> {
        let bar = self.bar.clone();
        let log = self.log;
        let every_batch = self.every_batch;
        let last = Mutex::new((Instant::now(), 0usize));
        Box::new(move |p: Progress| {
            if every_batch {
                if let Some(bar) = &bar {
                    bar.println(format!(
                        "pass {}/{}: {} docs, {} bytes",
                        p.pass, p.passes, p.docs, p.bytes
                    ));
                } else {
                    eprintln!(
                        "textmill: pass {}/{}: {} docs, {} bytes",
                        p.pass, p.passes, p.docs, p.bytes
                    );
                }
            }
            if let Some(bar) = &bar {
                bar.set_prefix(format!("pass {}/{}", p.pass, p.passes));
                bar.set_length(p.total_bytes.unwrap_or(0).max(p.bytes));
                bar.set_position(p.bytes);
                bar.set_message(format!("{} docs", p.docs));
            } else if log && !every_batch {
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                if last.0.elapsed() >= LOG_EVERY || last.1 != p.pass {
                    *last = (Instant::now(), p.pass);
                    let total = p
                        .total_bytes
                        .map(|t| format!(" of {:.1} MB", t as f64 / 1e6))
                        .unwrap_or_default();
                    eprintln!(
                        "textmill: pass {}/{}: {} docs, {:.1} MB{total}",
                        p.pass,
                        p.passes,
                        p.docs,
                        p.bytes as f64 / 1e6
                    );
                }
            }
        })
    }

    /// Clear the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
