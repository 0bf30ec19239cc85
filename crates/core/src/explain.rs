//! Explain mode: run a pipeline in memory over a small input and report, for
//! one document, what each stage did to it — the lines it removed, whether
//! it dropped the document and why, and the metadata it added.
//!
//! Corpus stages observe every document of the input, so a duplicate is
//! explained against the other documents of the same file.

use crate::document::Document;
use crate::error::{Error, Result};
use crate::pipeline::Pipeline;
use crate::plugin::DocResult;
use crate::read::{InputPlan, Item, Reader};
use serde_json::{Map, Value};
use std::path::Path;

/// Most documents explain mode reads (it holds them all in memory).
pub const EXPLAIN_MAX_DOCS: usize = 100_000;

/// What one stage did to the explained document.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Kept; the lines removed (in order) and lines added, and metadata added.
    Kept {
        /// Lines of the text before that are gone after.
        removed: Vec<String>,
        /// Lines of the text after that were not there before.
        added: Vec<String>,
        /// Metadata keys the stage set.
        metadata: Map<String, Value>,
    },
    /// Dropped with a reason and details.
    Dropped {
        /// Reason.
        reason: String,
        /// Reject details (`duplicate_of`, ...).
        detail: Map<String, Value>,
    },
    /// The stage failed on it.
    Failed {
        /// The message.
        message: String,
    },
}

/// One stage's effect.
#[derive(Debug, Clone, PartialEq)]
pub struct StageTrace {
    /// 1-based stage number.
    pub index: usize,
    /// Plugin name.
    pub name: String,
    /// What happened.
    pub effect: Effect,
}

/// The explanation of one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The document's id.
    pub id: String,
    /// Text as read.
    pub input: String,
    /// Per stage, until the document was dropped.
    pub stages: Vec<StageTrace>,
    /// Final text, when the document survived.
    pub output: Option<String>,
}

/// Lines of `before` not matched, in order, by lines of `after` (and the reverse).
pub fn line_diff(before: &str, after: &str) -> (Vec<String>, Vec<String>) {
    let a: Vec<&str> = before.lines().filter(|l| !l.trim().is_empty()).collect();
    let b: Vec<&str> = after.lines().filter(|l| !l.trim().is_empty()).collect();
    // Longest common subsequence; documents in explain mode are small.
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i].trim() == b[j].trim() {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut removed, mut added) = (0, 0, Vec::new(), Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i].trim() == b[j].trim() {
            i += 1;
            j += 1;
        } else if j == b.len() || (i < a.len() && lcs[i + 1][j] >= lcs[i][j + 1]) {
            removed.push(a[i].to_string());
            i += 1;
        } else {
            added.push(b[j].to_string());
            j += 1;
        }
    }
    (removed, added)
}

/// Explain the document `id` (or the first one) of `input`.
pub fn explain(pipeline: &mut Pipeline, input: &Path, id: Option<&str>) -> Result<Explanation> {
    let plan = InputPlan::list(input, &pipeline.config.input)?;
    let mut docs: Vec<Document> = Reader::new(plan, &pipeline.config.input)
        .filter_map(|item| match item {
            Item::Doc(d) => Some(d),
            Item::Reject(_) => None,
        })
        .take(EXPLAIN_MAX_DOCS)
        .collect();
    let target = match id {
        Some(id) => docs.iter().position(|d| d.id == id),
        None => (!docs.is_empty()).then_some(0),
    };
    let Some(target) = target else {
        return Err(Error::Input {
            path: input.to_path_buf(),
            message: match id {
                Some(id) => format!("no readable document with id `{id}`"),
                None => "no readable document".into(),
            },
        });
    };
    let ordinal = docs[target].ordinal;
    let mut explanation = Explanation {
        id: docs[target].id.clone(),
        input: docs[target].text.clone(),
        stages: Vec::new(),
        output: None,
    };
    for stage in pipeline.stages.iter_mut() {
        let (index, name) = (stage.config.index, stage.config.plugin.clone());
        let stage_err = |m: String| Error::Stage {
            index,
            name: name.clone(),
            message: m,
        };
        if stage.is_corpus() {
            let state = stage
                .instance
                .observe(&docs)
                .map_err(|f| stage_err(f.message))?;
            let merged = stage
                .instance
                .merge(&[state])
                .map_err(|f| stage_err(f.message))?;
            stage
                .instance
                .finish(&merged)
                .map_err(|f| stage_err(f.message))?;
        }
        let results = stage
            .instance
            .process(&docs)
            .map_err(|f| stage_err(format!("{}: {}", f.reason, f.message)))?;
        let mut kept = Vec::with_capacity(docs.len());
        let mut target_alive = false;
        for (mut doc, r) in docs.into_iter().zip(results.docs) {
            let is_target = doc.ordinal == ordinal;
            match r {
                DocResult::Keep(text, meta) => {
                    if is_target {
                        let after = text.as_deref().unwrap_or(&doc.text);
                        let (removed, added) = line_diff(&doc.text, after);
                        explanation.stages.push(StageTrace {
                            index,
                            name: name.clone(),
                            effect: Effect::Kept {
                                removed,
                                added,
                                metadata: meta.clone(),
                            },
                        });
                        target_alive = true;
                    }
                    if let Some(t) = text {
                        doc.text = t;
                    }
                    doc.merge_metadata(meta);
                    kept.push(doc);
                }
                DocResult::Drop(reason, detail) if is_target => {
                    explanation.stages.push(StageTrace {
                        index,
                        name: name.clone(),
                        effect: Effect::Dropped { reason, detail },
                    });
                }
                DocResult::Error(message) if is_target => {
                    explanation.stages.push(StageTrace {
                        index,
                        name: name.clone(),
                        effect: Effect::Failed { message },
                    });
                }
                _ => {}
            }
        }
        docs = kept;
        if !target_alive {
            return Ok(explanation);
        }
    }
    explanation.output = docs
        .into_iter()
        .find(|d| d.ordinal == ordinal)
        .map(|d| d.text);
    Ok(explanation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_diff_finds_removed_and_added_lines_in_order() {
        let (removed, added) = line_diff("a\nb\nc\nb\n", "a\nc\nd\n");
        assert_eq!(removed, ["b", "b"]);
        assert_eq!(added, ["d"]);
        assert_eq!(line_diff("x\n\ny", "x\ny"), (vec![], vec![]));
    }
}
