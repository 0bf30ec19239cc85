//! Run statistics: per stage documents in/out, drops per reason, bytes, time,
//! and the plugin's own counters. Merged across batches with `+=`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::ops::AddAssign;

/// Counts for one stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageStats {
    /// 1-based position in the pipeline.
    pub index: usize,
    /// Plugin name.
    pub name: String,
    /// Documents that entered the stage.
    pub docs_in: u64,
    /// Documents that left it.
    pub docs_out: u64,
    /// Documents dropped or failed, per reason.
    pub dropped: BTreeMap<String, u64>,
    /// Text bytes that entered.
    pub bytes_in: u64,
    /// Text bytes that left (kept documents only).
    pub bytes_out: u64,
    /// Seconds spent inside the plugin, summed over threads.
    pub seconds: f64,
    /// The plugin's own counters.
    pub counters: BTreeMap<String, f64>,
}

impl StageStats {
    /// Bytes removed by this stage (dropped documents and removed text).
    pub fn bytes_removed(&self) -> u64 {
        self.bytes_in.saturating_sub(self.bytes_out)
    }

    /// Add a plugin's counters.
    pub fn add_counters(&mut self, counters: &Map<String, Value>) {
        for (k, v) in counters {
            if let Some(x) = v.as_f64() {
                *self.counters.entry(k.clone()).or_insert(0.0) += x;
            }
        }
    }
}

impl AddAssign<&StageStats> for StageStats {
    fn add_assign(&mut self, o: &StageStats) {
        self.docs_in += o.docs_in;
        self.docs_out += o.docs_out;
        for (k, v) in &o.dropped {
            *self.dropped.entry(k.clone()).or_insert(0) += v;
        }
        self.bytes_in += o.bytes_in;
        self.bytes_out += o.bytes_out;
        self.seconds += o.seconds;
        for (k, v) in &o.counters {
            *self.counters.entry(k.clone()).or_insert(0.0) += v;
        }
    }
}

/// Counts for a whole run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStats {
    /// Documents read.
    pub docs_read: u64,
    /// Input bytes read (uncompressed).
    pub bytes_read: u64,
    /// Input that could not become a document, per reason.
    pub read_rejects: BTreeMap<String, u64>,
    /// Per stage, in pipeline order.
    pub stages: Vec<StageStats>,
    /// Documents written to the output.
    pub docs_written: u64,
    /// Records written to the rejects file.
    pub rejects_written: u64,
    /// Of those, rejects caused by errors (unreadable input, plugin failures).
    pub error_rejects: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Worker threads used.
    pub threads: usize,
}

impl RunStats {
    /// A plain-text table for the end of a run.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<3} {:<18} {:>9} {:>9} {:>11} {:>8}  {}\n",
            "#", "stage", "docs in", "docs out", "bytes -%", "secs", "dropped"
        );
        for s in &self.stages {
            let pct = if s.bytes_in == 0 {
                0.0
            } else {
                100.0 * s.bytes_removed() as f64 / s.bytes_in as f64
            };
            let dropped: Vec<String> = s.dropped.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!(
                "{:<3} {:<18} {:>9} {:>9} {:>10.1}% {:>8.2}  {}\n",
                s.index,
                s.name,
                s.docs_in,
                s.docs_out,
                pct,
                s.seconds,
                dropped.join(" ")
            ));
        }
        let read: Vec<String> = self
            .read_rejects
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        out.push_str(&format!(
            "read {} docs ({:.1} MB){}; wrote {} docs, {} rejects in {:.2}s ({:.1} MB/s, {} threads)\n",
            self.docs_read,
            self.bytes_read as f64 / 1e6,
            if read.is_empty() { String::new() } else { format!(", unreadable: {}", read.join(" ")) },
            self.docs_written,
            self.rejects_written,
            self.seconds,
            if self.seconds > 0.0 { self.bytes_read as f64 / 1e6 / self.seconds } else { 0.0 },
            self.threads
        ));
        out
    }
}

impl AddAssign<&RunStats> for RunStats {
    /// Add another shard's or pass's stats (stages matched by position).
    fn add_assign(&mut self, o: &RunStats) {
        self.docs_read += o.docs_read;
        self.bytes_read += o.bytes_read;
        for (k, v) in &o.read_rejects {
            *self.read_rejects.entry(k.clone()).or_insert(0) += v;
        }
        if self.stages.len() < o.stages.len() {
            self.stages.resize(o.stages.len(), StageStats::default());
        }
        for (mine, theirs) in self.stages.iter_mut().zip(&o.stages) {
            mine.index = theirs.index;
            mine.name.clone_from(&theirs.name);
            *mine += theirs;
        }
        self.docs_written += o.docs_written;
        self.rejects_written += o.rejects_written;
        self.error_rejects += o.error_rejects;
        self.seconds += o.seconds;
        self.threads = self.threads.max(o.threads);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_stats_add_up() {
        let mut a = StageStats {
            docs_in: 2,
            bytes_in: 10,
            bytes_out: 4,
            ..Default::default()
        };
        a.dropped.insert("duplicate".into(), 1);
        let mut b = a.clone();
        b.counters.insert("lines".into(), 3.0);
        a += &b;
        assert_eq!(
            (a.docs_in, a.dropped["duplicate"], a.bytes_removed()),
            (4, 2, 12)
        );
        assert_eq!(a.counters["lines"], 3.0);
    }
}
