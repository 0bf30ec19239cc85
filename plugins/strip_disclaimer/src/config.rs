//! The stage's TOML table, read in two steps: [`RawConfig`] (serde, unknown
//! keys rejected) and [`RawConfig::build`] into a runnable [`Settings`].

use crate::lang;
use crate::learned::LearnParams;
use crate::rules::{BUILTIN_PACKS, Pack, RuleSet};
use textmill_plugin_sdk::{ConfigError, Param, serde_json::Value};

/// The stage's config table as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Apply rule packs. Default `true`.
    #[serde(default = "yes")]
    pub rules: bool,
    /// Names of built-in packs to leave out. Default `[]`.
    #[serde(default)]
    pub disable_packs: Vec<String>,
    /// Paths of extra pack files (same TOML format as the built-in ones). Default `[]`.
    #[serde(default)]
    pub packs: Vec<String>,
    /// Extra phrases; a line containing one is removed (pack `inline`, kind `custom`). Default `[]`.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Extra case-insensitive regexes over short lines (pack `inline`). Default `[]`.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Use page structure: top/bottom zones, footer blocks, headline. Default `true`.
    #[serde(default = "yes")]
    pub structure: bool,
    /// Learn per-site boilerplate across the corpus. Default `true`.
    #[serde(default = "yes")]
    pub learned: bool,
    /// A learned line occurs in at least this many documents of its site. Default 3.
    #[serde(default = "three")]
    pub learned_min_docs: u32,
    /// ... and in at least this share of its site's documents. Default 0.05.
    #[serde(default = "five_percent")]
    pub learned_min_share: f64,
    /// ... across at least this many different stories. Default 3.
    #[serde(default = "three")]
    pub learned_min_stories: u32,
    /// Metadata field naming the site; a `url` field's host is the fallback. Default `"source"`.
    #[serde(default = "source")]
    pub site_field: String,
    /// Use the line classifier. Default `true`.
    #[serde(default = "yes")]
    pub classifier: bool,
    /// Lines with at most this many words count as short for `short_phrases`. Default 15.
    #[serde(default = "fifteen")]
    pub short_line_words: usize,
    /// Record every removed line and why in metadata key `strip_disclaimer`. Default `false`.
    #[serde(default)]
    pub explain: bool,
    /// Language whose function words judge lines: `"auto"` detects it per
    /// document and script, or an ISO 639-1 code from [`crate::lang::LANGUAGES`]
    /// forces it for lines of its script. Lines of an unrecognised language
    /// are never removed by the classifier. Default `"auto"`.
    #[serde(default = "auto")]
    pub language: String,
}

fn auto() -> String {
    "auto".into()
}

fn yes() -> bool {
    true
}
fn three() -> u32 {
    3
}
fn five_percent() -> f64 {
    0.05
}
fn fifteen() -> usize {
    15
}
fn source() -> String {
    "source".into()
}

/// Parameter list for `textmill plugins strip_disclaimer` and key validation.
pub fn params() -> Vec<Param> {
    let builtin: Vec<&str> = BUILTIN_PACKS.iter().map(|(n, _)| *n).collect();
    vec![
        Param::new("rules", "bool", true, "Apply rule packs."),
        Param::new(
            "disable_packs",
            "array",
            Value::Array(vec![]),
            &format!("Built-in packs to leave out: {}.", builtin.join(", ")),
        ),
        Param::new(
            "packs",
            "array",
            Value::Array(vec![]),
            "Paths of extra rule pack TOML files.",
        ),
        Param::new(
            "phrases",
            "array",
            Value::Array(vec![]),
            "Extra phrases that remove any line containing them.",
        ),
        Param::new(
            "regexes",
            "array",
            Value::Array(vec![]),
            "Extra case-insensitive regexes over short lines.",
        ),
        Param::new(
            "structure",
            "bool",
            true,
            "Use page structure: top/bottom zones, footer blocks, headline.",
        ),
        Param::new(
            "learned",
            "bool",
            true,
            "Learn lines that recur across stories of one site as boilerplate.",
        ),
        Param::new(
            "learned_min_docs",
            "integer",
            3,
            "Minimum documents of a site containing a learned line.",
        ),
        Param::new(
            "learned_min_share",
            "float",
            0.05,
            "Minimum share of a site's documents containing a learned line.",
        ),
        Param::new(
            "learned_min_stories",
            "integer",
            3,
            "Minimum distinct stories among those documents.",
        ),
        Param::new(
            "site_field",
            "string",
            "source",
            "Field naming the site (a url field's host is the fallback).",
        ),
        Param::new("classifier", "bool", true, "Use the line classifier."),
        Param::new(
            "short_line_words",
            "integer",
            15,
            "Word limit of a short line for short_phrases and regexes.",
        ),
        Param::new(
            "explain",
            "bool",
            false,
            "Record removed lines and reasons in metadata.strip_disclaimer.",
        ),
        Param::new(
            "language",
            "string",
            "auto",
            &format!(
                "Language judging lines: auto (detect per document) or one of {}.",
                lang_codes()
            ),
        ),
    ]
}

/// Runtime settings built from a [`RawConfig`].
#[derive(Debug)]
pub struct Settings {
    /// Compiled rules (None when `rules = false`).
    pub rules: Option<RuleSet>,
    /// Use structure.
    pub structure: bool,
    /// Learned-layer thresholds (None when off).
    pub learned: Option<LearnParams>,
    /// Site field name.
    pub site_field: String,
    /// Use the classifier.
    pub classifier: bool,
    /// Short line word limit.
    pub short_line_words: usize,
    /// Explain removals.
    pub explain: bool,
    /// Language detection or a fixed language.
    pub language: lang::Setting,
}

fn lang_codes() -> String {
    lang::LANGUAGES
        .iter()
        .map(|l| l.code)
        .collect::<Vec<_>>()
        .join(", ")
}

impl RawConfig {
    /// Validate and compile. Every problem is a [`ConfigError`] naming its key.
    pub fn build(self) -> Result<Settings, ConfigError> {
        for name in &self.disable_packs {
            if !BUILTIN_PACKS.iter().any(|(n, _)| n == name) {
                let known: Vec<&str> = BUILTIN_PACKS.iter().map(|(n, _)| *n).collect();
                return Err(ConfigError::key(
                    "disable_packs",
                    format!("no built-in pack `{name}` (known: {})", known.join(", ")),
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.learned_min_share) {
            return Err(ConfigError::key(
                "learned_min_share",
                "must be between 0 and 1",
            ));
        }
        if self.learned_min_docs == 0 || self.learned_min_stories == 0 {
            return Err(ConfigError::key(
                "learned_min_docs",
                "learned_min_docs and learned_min_stories must be at least 1",
            ));
        }
        let language = match self.language.as_str() {
            "auto" => lang::Setting::Auto,
            code => lang::Setting::Fixed(lang::index_of(code).ok_or_else(|| {
                ConfigError::key(
                    "language",
                    format!(
                        "unknown language `{code}` (auto or one of: {})",
                        lang_codes()
                    ),
                )
            })?),
        };
        let rules = if self.rules {
            let mut packs = Vec::new();
            for (name, text) in BUILTIN_PACKS {
                if self.disable_packs.iter().any(|d| d == name) {
                    continue;
                }
                packs.push(Pack::parse(text, name).map_err(|e| ConfigError::new(e.to_string()))?);
            }
            for path in &self.packs {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError::key("packs", format!("{path}: {e}")))?;
                packs.push(
                    Pack::parse(&text, path)
                        .map_err(|e| ConfigError::key("packs", e.to_string()))?,
                );
            }
            if !self.phrases.is_empty() || !self.regexes.is_empty() {
                packs.push(Pack {
                    name: "inline".into(),
                    version: String::new(),
                    kind: "custom".into(),
                    phrases: self.phrases.clone(),
                    regexes: self.regexes.clone(),
                    ..Pack::default()
                });
            }
            Some(RuleSet::compile(&packs).map_err(|e| ConfigError::key("regexes", e.to_string()))?)
        } else {
            None
        };
        Ok(Settings {
            rules,
            structure: self.structure,
            learned: self.learned.then_some(LearnParams {
                min_docs: self.learned_min_docs,
                min_share: self.learned_min_share,
                min_stories: self.learned_min_stories,
            }),
            site_field: self.site_field,
            classifier: self.classifier,
            short_line_words: self.short_line_words,
            explain: self.explain,
            language,
        })
    }
}
