//! `strip_disclaimer`: removes boilerplate from scraped text (error-page
//! preambles, navigation, consent banners, legal disclaimers, copyright lines,
//! share bars, related-article lists, newsletter prompts, comment footers,
//! "read the full story" tails) without losing a line of the story, and says
//! why it removed each line.
//!
//! Four layers, each a parameter (see [`config::RawConfig`]):
//! - [`rules`]: versioned rule packs (`rules/*.toml`, embedded), plus user packs and inline patterns;
//!   the `bylines` pack cuts bylines and publication stamps off the top of a page.
//! - structure ([`stage`]): top and bottom zones, footer blocks, the headline.
//! - [`learned`]: lines that recur across different stories of one site (corpus stage).
//! - [`classify`]: a jusText-style line classifier, judging each line by the
//!   function words of its own language ([`lang`]: detected per document and
//!   script, or the `language` parameter); on a language it cannot read it
//!   abstains, so a non-English page loses only what rules, the learned
//!   layer and structure name.
//!
//! The host runs it as a corpus stage: `observe` every batch, `merge`,
//! `finish`, then `apply` every document. A document that would come out empty
//! is dropped with reason `all_boilerplate`.
//!
//! ## Explain output
//! With `explain = true`, each changed document gets `metadata.strip_disclaimer`:
//!
//! ```json
//! {"headline_line": 5, "languages": {"latin": "en"},
//!  "removed": [
//!   {"line": 1, "text": "403", "kind": "error_page", "by": "rule", "pack": "error_pages",
//!    "pack_version": "1.0.0", "match": "line", "pattern": "403"},
//!   {"line": 17, "text": "...", "kind": "disclaimer", "by": "footer", "header_line": 16, "pack": "legal_disclaimers"},
//!   {"line": 20, "text": "...", "kind": "learned", "by": "learned", "site": "Daily Post", "site_docs": 41},
//!   {"line": 2, "text": "...", "kind": "classifier", "by": "classifier", "zone": "top", "score": 0.21, "class": "bad"}]}
//! ```
//!
//! A document dropped as `all_boilerplate` gets the same record in its
//! reject detail, `detail.strip_disclaimer` (beside `lines_removed`), so the
//! rejects file and `textmill explain` say why each line went; without
//! `explain` the detail is only `lines_removed`.
//!
//! A byline cut from the start of a kept line is recorded the same way with
//! `"kind": "byline", "match": "prefix"` and the cut text in `text`; the rest
//! of that line is kept verbatim.
//!
//! `line` is the 0-based line index in the input text; `match` is one of
//! `line`, `phrase`, `short_phrase`, `regex`, `footer_header`, `prefix`; `zone` is `top`,
//! `core`, `bottom` (or `any` with `structure = false`).
//!
//! ## Stats
//! `docs_in`, `docs_changed`, `lines_in`, `lines_removed`, `bytes_removed`
//! (removed lines and prefixes), `lines_removed.<kind>` (pack kind, `learned`
//! or `classifier`), `prefixes_removed.<kind>` (a byline or stamp cut from the
//! start of a line, kind `byline`) and `docs_dropped.all_boilerplate`.
//!
//! ```
//! use textmill_plugin_sdk::{CorpusStage, Doc, Plugin, Stats, Action, serde_json::json};
//! use textmill_strip_disclaimer::StripDisclaimer;
//! let mut stage = StripDisclaimer::from_config(&json!({"learned": false})).unwrap();
//! stage.finish(&[]).unwrap();
//! let text = "Skip to main content\nA headline\nThe first paragraph of the story tells what happened and why it matters to readers.\n© 2024 Daily Post. All rights reserved.\n";
//! let doc = Doc { ordinal: 0, id: "a", text, fields_json: "{}" };
//! let out = stage.apply(&doc, &mut Stats::default());
//! assert_eq!(out.action, Action::Replace("A headline\nThe first paragraph of the story tells what happened and why it matters to readers.\n".into()));
//! ```
#![deny(missing_docs)]

mod avx512;
pub mod classify;
pub mod config;
pub mod lang;
pub mod learned;
pub mod phrases;
pub mod prepare;
pub mod rules;
pub mod stage;

use config::{RawConfig, Settings};
use learned::Learned;
use textmill_plugin_sdk::serde_json::Value;
use textmill_plugin_sdk::{
    ConfigError, CorpusStage, Doc, Outcome, Param, Plugin, Stats, export_plugin, parse_config,
};
use textmill_text::lines::join_lines_sized;

/// The stage: compiled settings plus what the learned layer found.
#[derive(Debug)]
pub struct StripDisclaimer {
    settings: Settings,
    learned: Learned,
}

impl StripDisclaimer {
    /// The site of a document: the configured field, else a `url` field's host.
    pub fn site_of(&self, doc: &Doc<'_>) -> String {
        if let Some(s) = plain_string_field(doc.fields_json, &self.settings.site_field) {
            return s.to_string();
        }
        let fields = doc.fields();
        let get = |name: &str| -> Option<Value> {
            fields
                .get(name)
                .cloned()
                .or_else(|| match fields.get("metadata") {
                    Some(Value::Object(m)) => m.get(name).cloned(),
                    _ => None,
                })
        };
        if let Some(Value::String(s)) = get(&self.settings.site_field) {
            return s;
        }
        if let Some(Value::String(u)) = get("url") {
            return url_host(&u).to_string();
        }
        String::new()
    }
}

/// The value of `"name": "value"` when the key occurs exactly once in the
/// JSON text (in a key's place: after `{`, `,` or whitespace) and the value
/// is a plain string (no escapes): the common case, read without parsing the
/// record (which was a visible share of the profile). Anything else returns
/// None and the caller parses.
fn plain_string_field<'a>(json: &'a str, name: &str) -> Option<&'a str> {
    let b = json.as_bytes();
    let n = name.len();
    let mut after_key = None;
    // Quotes found by `memchr`: no searcher is built and nothing allocated
    // per document.
    for (q, _) in json.match_indices('"') {
        let is_key = b.get(q + 1..q + 1 + n) == Some(name.as_bytes())
            && b.get(q + 1 + n) == Some(&b'"')
            && (q == 0 || matches!(b[q - 1], b'{' | b',' | b' ' | b'\t' | b'\n' | b'\r'));
        if is_key {
            if after_key.is_some() {
                return None;
            }
            after_key = Some(q + n + 2);
        }
    }
    let rest = json[after_key?..].trim_start().strip_prefix(':')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    let value = &rest[..end];
    (!value.contains('\\')).then_some(value)
}

/// Host of a URL without scheme, port, credentials and `www.`.
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = host.split(':').next().unwrap_or(host);
    host.strip_prefix("www.").unwrap_or(host)
}

impl Plugin for StripDisclaimer {
    const NAME: &'static str = "strip_disclaimer";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Removes boilerplate lines (rule packs, per-site learning, structure, classifier) and explains each removal.";

    fn params() -> Vec<Param> {
        config::params()
    }

    fn from_config(config: &Value) -> Result<Self, ConfigError> {
        // An absent table arrives as null; treat it as all defaults.
        let empty = Value::Object(Default::default());
        let config = if config.is_null() { &empty } else { config };
        let raw: RawConfig = parse_config(config)?;
        Ok(StripDisclaimer {
            settings: raw.build()?,
            learned: Learned::default(),
        })
    }
}

impl CorpusStage for StripDisclaimer {
    fn observe(&self, docs: &[Doc<'_>]) -> Result<Vec<u8>, String> {
        if self.settings.learned.is_none() {
            return Ok(Vec::new());
        }
        let mut state = Vec::new();
        let mut keys = Vec::new();
        let mut scratch = learned::SigScratch::default();
        for doc in docs {
            keys.clear();
            // One cheap pass per line: the learned layer needs only
            // signatures, of the same lines `apply` will look up.
            for line in textmill_text::lines::lines(doc.text) {
                let (sig, words) = learned::line_sig_with(line.text, &mut scratch);
                if words > 0 && !learned::is_date_line(line.text) {
                    keys.push((sig, words));
                }
            }
            learned::push_doc(&mut state, learned::site_hash(&self.site_of(doc)), &keys);
        }
        Ok(state)
    }

    fn merge(&self, states: &[&[u8]]) -> Result<Vec<u8>, String> {
        learned::merge(states)
    }

    fn finish(&mut self, state: &[u8]) -> Result<(), String> {
        self.learned = match &self.settings.learned {
            Some(p) => Learned::build(state, p)?,
            None => Learned::default(),
        };
        Ok(())
    }

    fn apply(&self, doc: &Doc<'_>, stats: &mut Stats) -> Outcome {
        let mut tally = Tally::default();
        let out = self.apply_counting(doc, &mut tally);
        tally.add_to(stats);
        out
    }

    fn apply_batch(&self, docs: &[Doc<'_>], stats: &mut Stats) -> Vec<Outcome> {
        let mut tally = Tally::default();
        let out = docs
            .iter()
            .map(|d| self.apply_counting(d, &mut tally))
            .collect();
        tally.add_to(stats);
        out
    }
}

/// `apply`'s counters, summed over a batch and added to the stats once:
/// each `Stats::add` looks its name up, several times per document.
#[derive(Debug, Default)]
struct Tally<'s> {
    docs_in: usize,
    lines_in: usize,
    /// Documents that lost a line or a prefix, and what they lost.
    changed: usize,
    lines_removed: usize,
    bytes_removed: usize,
    docs_changed: usize,
    docs_dropped: usize,
    /// Lines removed per kind, and prefixes cut per kind.
    lines_by_kind: Vec<(&'s str, usize)>,
    prefixes_by_kind: Vec<(&'s str, usize)>,
}

impl<'s> Tally<'s> {
    /// One more of `kind` in `list`.
    fn count(list: &mut Vec<(&'s str, usize)>, kind: &'s str) {
        match list.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, c)) => *c += 1,
            None => list.push((kind, 1)),
        }
    }

    /// Add to `stats` the counters a per-document `apply` would have added
    /// (a counter no document touched stays absent).
    fn add_to(&self, stats: &mut Stats) {
        let mut add = |name: &str, n: usize, touched: bool| {
            if touched {
                stats.add(name, n as f64);
            }
        };
        add("docs_in", self.docs_in, self.docs_in > 0);
        add("lines_in", self.lines_in, self.docs_in > 0);
        add("lines_removed", self.lines_removed, self.changed > 0);
        add("bytes_removed", self.bytes_removed, self.changed > 0);
        add("docs_changed", self.docs_changed, self.docs_changed > 0);
        add(
            "docs_dropped.all_boilerplate",
            self.docs_dropped,
            self.docs_dropped > 0,
        );
        let mut name = String::new();
        for (prefix, list) in [
            ("lines_removed.", &self.lines_by_kind),
            ("prefixes_removed.", &self.prefixes_by_kind),
        ] {
            for (kind, n) in list {
                name.clear();
                name.push_str(prefix);
                name.push_str(kind);
                add(&name, *n, true);
            }
        }
    }
}

impl StripDisclaimer {
    /// `apply` for one document, its counters into `tally`.
    fn apply_counting<'s>(&'s self, doc: &Doc<'_>, tally: &mut Tally<'s>) -> Outcome {
        tally.docs_in += 1;
        let site = if self.learned.is_empty() && !self.settings.explain {
            String::new()
        } else {
            self.site_of(doc)
        };
        let d = stage::decide(
            &self.settings,
            &self.learned,
            learned::site_hash(&site),
            doc.text,
        );
        tally.lines_in += d.lines.len();
        let removed = d.removed_count();
        let cut = d.kept_cut();
        if removed == 0 && cut.is_none() {
            return Outcome::keep();
        }
        let mut bytes = 0usize;
        for (l, why) in d.lines.iter().zip(&d.removed) {
            if let Some(why) = why {
                let kind = stage::kind_of(why, &self.settings);
                Tally::count(&mut tally.lines_by_kind, kind);
                bytes += l.text.len() + 1;
            }
        }
        if let Some((_, c)) = cut {
            let kind = stage::pack_kind(&self.settings, c.pack);
            Tally::count(&mut tally.prefixes_by_kind, kind);
            bytes += c.len;
        }
        tally.changed += 1;
        tally.lines_removed += removed;
        tally.bytes_removed += bytes;
        let text = join_lines_sized(d.kept(), doc.text.len());
        let explained = self
            .settings
            .explain
            .then(|| stage::explain(&d, &self.settings, &site));
        if text.is_empty() {
            tally.docs_dropped += 1;
            let out = Outcome::drop("all_boilerplate").with_detail("lines_removed", removed);
            // A dropped document has no output record to carry metadata: the
            // reject record (and `textmill explain`) gets the per-line
            // reasons instead, so a wrongly dropped page can be diagnosed.
            match explained {
                Some(e) => out.with_detail("strip_disclaimer", e),
                None => out,
            }
        } else {
            tally.docs_changed += 1;
            let out = Outcome::replace(text);
            match explained {
                Some(e) => out.with_metadata("strip_disclaimer", e),
                None => out,
            }
        }
    }
}

export_plugin!(corpus: StripDisclaimer);

#[cfg(test)]
mod tests;
