//! Pipeline configuration: a TOML file with `[input]`, `[output]`, `[run]` and
//! an ordered list of `[[stage]]` tables.
//!
//! Read in two steps (shape here, plugins in [`crate::pipeline`]): this module
//! checks every table against its known keys and types and reports *all*
//! problems at once, each with file, line, column, stage and, for a typo, the
//! nearest valid key.

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// One configuration problem, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigIssue {
    /// Config file.
    pub file: PathBuf,
    /// 1-based line (0 when the problem has no position).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Stage number (1-based) and plugin name, for problems inside a `[[stage]]`.
    pub stage: Option<(usize, String)>,
    /// The key concerned.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The nearest valid key, for an unknown key.
    pub suggestion: Option<String>,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": ")?;
        if let Some((i, name)) = &self.stage {
            write!(f, "stage {i} ({name}): ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{s}`?")?;
        }
        Ok(())
    }
}

/// Every problem found in a configuration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigIssue>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} configuration error{}",
            if n == 1 { "" } else { "s" }
        )?;
        for issue in &self.0 {
            write!(f, "\n  {issue}")?;
        }
        Ok(())
    }
}

/// Input format: from the file extension, or forced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// By extension: `.txt` is one document, `.jsonl[.gz|.zst]` one per line.
    Auto,
    /// Every file is one plain-text document.
    Text,
    /// Every file is JSONL (compression still from the extension).
    Jsonl,
}

/// What to do with bytes that are not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf8Policy {
    /// The document goes to rejects with reason `invalid_utf8`.
    Reject,
    /// Bad bytes become U+FFFD and the document gets `metadata.lossy_utf8 = true`.
    Lossy,
}

/// `[input]`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputConfig {
    /// File, folder or `-` (stdin). Relative paths are relative to the config file.
    pub path: Option<PathBuf>,
    /// Format override (default `auto`).
    pub format: InputFormat,
    /// Invalid UTF-8 policy (default `reject`).
    pub invalid_utf8: Utf8Policy,
    /// Largest document accepted, in bytes (default 64 MiB); larger ones are rejected.
    pub max_document_bytes: usize,
}

/// `[output]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputConfig {
    /// `.jsonl[.gz|.zst]` file, folder ending in `/`, or `-` (stdout).
    pub path: Option<PathBuf>,
    /// Rejects file (default `<output>.rejects.jsonl`).
    pub rejects: Option<PathBuf>,
    /// Stats file (default `<output>.stats.json`).
    pub stats: Option<PathBuf>,
}

/// Which rejects make the run's exit status non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectsExit {
    /// Only documents rejected because of an error (unreadable input, plugin failure).
    Errors,
    /// Any reject, including deliberate drops such as duplicates.
    Any,
    /// Never.
    Never,
}

/// `[run]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// Worker threads; 0 means one per core (default 0).
    pub threads: usize,
    /// Most documents per batch (default 256).
    pub batch_docs: NonZeroUsize,
    /// Most text bytes per batch (default 4 MiB); a batch closes at whichever comes first.
    pub batch_bytes: NonZeroUsize,
    /// Folders searched for plugin libraries before `TEXTMILL_PLUGIN_PATH` and the executable's folder.
    pub plugin_dirs: Vec<PathBuf>,
    /// Which rejects give exit status 3 (default `errors`).
    pub rejects_exit: RejectsExit,
}

/// One `[[stage]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct StageConfig {
    /// 1-based position in the pipeline.
    pub index: usize,
    /// Plugin name (`plugin = "dedupe"`).
    pub plugin: String,
    /// Explicit library file, instead of searching the plugin folders.
    pub path: Option<PathBuf>,
    /// The plugin's own parameters (every key but `plugin` and `path`).
    pub params: Map<String, Value>,
    /// Line and column of each key (`plugin` and `path` included), for error messages.
    pub key_positions: BTreeMap<String, (usize, usize)>,
    /// Line and column of the `[[stage]]` header.
    pub position: (usize, usize),
}

/// A parsed pipeline configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineConfig {
    /// The config file (relative paths inside it are relative to its folder).
    pub file: PathBuf,
    /// `[input]`.
    pub input: InputConfig,
    /// `[output]`.
    pub output: OutputConfig,
    /// `[run]`.
    pub run: RunConfig,
    /// `[[stage]]` tables in order.
    pub stages: Vec<StageConfig>,
}

/// Default batch size in documents.
pub fn default_batch_docs() -> NonZeroUsize {
    NonZeroUsize::new(256).unwrap_or(NonZeroUsize::MIN)
}

/// Default batch size in bytes.
pub fn default_batch_bytes() -> NonZeroUsize {
    NonZeroUsize::new(4 << 20).unwrap_or(NonZeroUsize::MIN)
}

/// Default largest document.
pub fn default_max_document_bytes() -> usize {
    64 << 20
}

/// The nearest candidate to `key` when it is close enough to be a typo.
pub fn suggest<'a>(key: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(key, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| c.to_string())
}

/// Byte offset → 1-based (line, column).
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map(|i| before.len() - i)
        .unwrap_or(before.len() + 1);
    (line, column)
}

/// Convert a TOML value to JSON (how plugin parameters cross the ABI).
fn to_json(v: &DeValue<'_>) -> Result<Value, String> {
    Ok(match v {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let n = i64::from_str_radix(
                digits
                    .trim_start_matches("0x")
                    .trim_start_matches("0o")
                    .trim_start_matches("0b"),
                i.radix(),
            )
            .map_err(|e| format!("integer {}: {e}", i.as_str()))?;
            Value::from(n)
        }
        DeValue::Float(f) => {
            let x: f64 = f
                .as_str()
                .replace('_', "")
                .parse()
                .map_err(|e| format!("float {}: {e}", f.as_str()))?;
            serde_json::Number::from_f64(x)
                .map(Value::Number)
                .ok_or_else(|| format!("float {} is not finite", f.as_str()))?
        }
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(a) => Value::Array(
            a.iter()
                .map(|x| to_json(x.get_ref()))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(t) => {
            let mut m = Map::new();
            for (k, x) in t.iter() {
                m.insert(k.get_ref().to_string(), to_json(x.get_ref())?);
            }
            Value::Object(m)
        }
    })
}

/// Collects issues while walking the TOML tree.
struct Checker<'a> {
    file: &'a Path,
    text: &'a str,
    issues: Vec<ConfigIssue>,
}

impl Checker<'_> {
    fn issue(
        &mut self,
        span: std::ops::Range<usize>,
        stage: Option<(usize, String)>,
        key: Option<&str>,
        message: String,
        suggestion: Option<String>,
    ) {
        let (line, column) = position(self.text, span.start);
        self.issues.push(ConfigIssue {
            file: self.file.to_path_buf(),
            line,
            column,
            stage,
            key: key.map(str::to_string),
            message,
            suggestion,
        });
    }

    /// Report keys of `table` that are not in `known`.
    fn unknown_keys(&mut self, table: &DeTable<'_>, known: &[&str], section: &str) {
        for (k, _) in table.iter() {
            let name = k.get_ref().as_ref();
            if !known.contains(&name) {
                let suggestion = suggest(name, known.iter().copied());
                self.issue(
                    k.span(),
                    None,
                    Some(name),
                    format!("unknown key `{name}` in [{section}]"),
                    suggestion,
                );
            }
        }
    }

    fn table<'t, 'i>(&mut self, root: &'t DeTable<'i>, name: &str) -> Option<&'t DeTable<'i>> {
        let (k, v) = root.iter().find(|(k, _)| k.get_ref().as_ref() == name)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.issue(
                    k.span(),
                    None,
                    Some(name),
                    format!("`{name}` must be a table, found {}", other.type_str()),
                    None,
                );
                None
            }
        }
    }

    fn get<'t, 'i>(
        &self,
        table: &'t DeTable<'i>,
        key: &str,
    ) -> Option<(&'t toml::Spanned<DeValue<'i>>, std::ops::Range<usize>)> {
        table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(k, v)| (v, k.span()))
    }

    fn string(&mut self, table: &DeTable<'_>, key: &str, section: &str) -> Option<String> {
        let (v, span) = self.get(table, key)?;
        match v.get_ref().as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                let found = v.get_ref().type_str();
                self.issue(
                    span,
                    None,
                    Some(key),
                    format!("[{section}] `{key}` must be a string, found {found}"),
                    None,
                );
                None
            }
        }
    }

    fn choice<T: Copy>(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        section: &str,
        choices: &[(&str, T)],
    ) -> Option<T> {
        let (_, span) = self.get(table, key)?;
        let s = self.string(table, key, section)?;
        match choices.iter().find(|(n, _)| *n == s) {
            Some((_, v)) => Some(*v),
            None => {
                let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                let suggestion = suggest(&s, names.iter().copied());
                self.issue(
                    span,
                    None,
                    Some(key),
                    format!(
                        "[{section}] `{key}` = \"{s}\" is not one of {}",
                        names.join(", ")
                    ),
                    suggestion,
                );
                None
            }
        }
    }

    fn integer(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        section: &str,
        min: i64,
    ) -> Option<usize> {
        let (v, span) = self.get(table, key)?;
        match to_json(v.get_ref()).ok().and_then(|j| j.as_i64()) {
            Some(n) if n >= min => Some(n as usize),
            _ => {
                self.issue(
                    span,
                    None,
                    Some(key),
                    format!("[{section}] `{key}` must be an integer ≥ {min}"),
                    None,
                );
                None
            }
        }
    }

    fn paths(&mut self, table: &DeTable<'_>, key: &str, section: &str) -> Vec<String> {
        let Some((v, span)) = self.get(table, key) else {
            return Vec::new();
        };
        match v.get_ref() {
            DeValue::String(s) => vec![s.to_string()],
            DeValue::Array(a) if a.iter().all(|x| x.get_ref().is_str()) => a
                .iter()
                .filter_map(|x| x.get_ref().as_str().map(str::to_string))
                .collect(),
            _ => {
                self.issue(
                    span,
                    None,
                    Some(key),
                    format!("[{section}] `{key}` must be a path or a list of paths"),
                    None,
                );
                Vec::new()
            }
        }
    }
}

/// Remove `.` and `name/..` pairs without touching the file system
/// (`configs/../output` → `output`), so messages show the path a user expects.
pub fn clean_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// Resolve a path from the config file against the config file's folder.
fn resolve(base: &Path, p: &str) -> PathBuf {
    let path = PathBuf::from(p);
    if p == "-" || path.is_absolute() {
        return path;
    }
    let mut out = clean_path(&base.join(&path));
    // Keep a trailing `/` (it selects folder output).
    if p.ends_with('/') && !out.as_os_str().to_string_lossy().ends_with('/') {
        out.as_mut_os_string().push("/");
    }
    out
}

/// Keys of `[input]`.
pub const INPUT_KEYS: &[&str] = &["path", "format", "invalid_utf8", "max_document_bytes"];
/// Keys of `[output]`.
pub const OUTPUT_KEYS: &[&str] = &["path", "rejects", "stats"];
/// Keys of `[run]`.
pub const RUN_KEYS: &[&str] = &[
    "threads",
    "batch_docs",
    "batch_bytes",
    "plugin_dir",
    "rejects_exit",
];
/// Keys every `[[stage]]` has besides its plugin's parameters.
pub const STAGE_KEYS: &[&str] = &["plugin", "path"];

impl PipelineConfig {
    /// Read and check a config file.
    pub fn load(file: &Path) -> Result<PipelineConfig, ConfigErrors> {
        let text = std::fs::read_to_string(file).map_err(|e| {
            ConfigErrors(vec![ConfigIssue {
                file: file.to_path_buf(),
                line: 0,
                column: 0,
                stage: None,
                key: None,
                message: format!("cannot read: {e}"),
                suggestion: None,
            }])
        })?;
        PipelineConfig::parse(&text, file)
    }

    /// Check config text; `file` names it in messages and anchors relative paths.
    pub fn parse(text: &str, file: &Path) -> Result<PipelineConfig, ConfigErrors> {
        let mut c = Checker {
            file,
            text,
            issues: Vec::new(),
        };
        let (root, parse_errors) = DeTable::parse_recoverable(text);
        for e in parse_errors {
            let span = e.span().unwrap_or(0..0);
            c.issue(
                span,
                None,
                None,
                format!("TOML syntax: {}", e.message()),
                None,
            );
        }
        let root = root.get_ref();
        let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
        c.unknown_keys(root, &["input", "output", "run", "stage"], "top level");

        let mut input = InputConfig {
            path: None,
            format: InputFormat::Auto,
            invalid_utf8: Utf8Policy::Reject,
            max_document_bytes: default_max_document_bytes(),
        };
        if let Some(t) = c.table(root, "input") {
            c.unknown_keys(t, INPUT_KEYS, "input");
            input.path = c.string(t, "path", "input").map(|p| resolve(&base, &p));
            let formats = [
                ("auto", InputFormat::Auto),
                ("txt", InputFormat::Text),
                ("jsonl", InputFormat::Jsonl),
            ];
            input.format = c
                .choice(t, "format", "input", &formats)
                .unwrap_or(InputFormat::Auto);
            let policies = [("reject", Utf8Policy::Reject), ("lossy", Utf8Policy::Lossy)];
            input.invalid_utf8 = c
                .choice(t, "invalid_utf8", "input", &policies)
                .unwrap_or(Utf8Policy::Reject);
            input.max_document_bytes = c
                .integer(t, "max_document_bytes", "input", 1)
                .unwrap_or(input.max_document_bytes);
        }

        let mut output = OutputConfig {
            path: None,
            rejects: None,
            stats: None,
        };
        if let Some(t) = c.table(root, "output") {
            c.unknown_keys(t, OUTPUT_KEYS, "output");
            output.path = c.string(t, "path", "output").map(|p| resolve(&base, &p));
            output.rejects = c.string(t, "rejects", "output").map(|p| resolve(&base, &p));
            output.stats = c.string(t, "stats", "output").map(|p| resolve(&base, &p));
        }

        let mut run = RunConfig {
            threads: 0,
            batch_docs: default_batch_docs(),
            batch_bytes: default_batch_bytes(),
            plugin_dirs: Vec::new(),
            rejects_exit: RejectsExit::Errors,
        };
        if let Some(t) = c.table(root, "run") {
            c.unknown_keys(t, RUN_KEYS, "run");
            run.threads = c.integer(t, "threads", "run", 0).unwrap_or(0);
            if let Some(n) = c
                .integer(t, "batch_docs", "run", 1)
                .and_then(NonZeroUsize::new)
            {
                run.batch_docs = n;
            }
            if let Some(n) = c
                .integer(t, "batch_bytes", "run", 1)
                .and_then(NonZeroUsize::new)
            {
                run.batch_bytes = n;
            }
            run.plugin_dirs = c
                .paths(t, "plugin_dir", "run")
                .iter()
                .map(|p| resolve(&base, p))
                .collect();
            let exits = [
                ("errors", RejectsExit::Errors),
                ("any", RejectsExit::Any),
                ("never", RejectsExit::Never),
            ];
            run.rejects_exit = c
                .choice(t, "rejects_exit", "run", &exits)
                .unwrap_or(RejectsExit::Errors);
        }

        let mut stages = Vec::new();
        if let Some((k, v)) = root.iter().find(|(k, _)| k.get_ref().as_ref() == "stage") {
            match v.get_ref() {
                DeValue::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let index = i + 1;
                        let position = position(text, item.span().start);
                        let DeValue::Table(t) = item.get_ref() else {
                            c.issue(
                                item.span(),
                                None,
                                Some("stage"),
                                format!("stage {index} must be a table ([[stage]])"),
                                None,
                            );
                            continue;
                        };
                        let plugin = match c.get(t, "plugin") {
                            Some((v, _)) if v.get_ref().is_str() => {
                                v.get_ref().as_str().unwrap_or_default().to_string()
                            }
                            Some((_, span)) => {
                                c.issue(
                                    span,
                                    Some((index, "?".into())),
                                    Some("plugin"),
                                    "`plugin` must be a string".into(),
                                    None,
                                );
                                continue;
                            }
                            None => {
                                c.issue(
                                    item.span(),
                                    Some((index, "?".into())),
                                    Some("plugin"),
                                    "missing key `plugin` (the stage's plugin name)".into(),
                                    None,
                                );
                                continue;
                            }
                        };
                        let path = c.string(t, "path", "stage").map(|p| resolve(&base, &p));
                        let mut params = Map::new();
                        let mut key_positions = BTreeMap::new();
                        for (k, v) in t.iter() {
                            let name = k.get_ref().as_ref();
                            key_positions.insert(
                                name.to_string(),
                                crate::config::position(text, k.span().start),
                            );
                            if STAGE_KEYS.contains(&name) {
                                continue;
                            }
                            match to_json(v.get_ref()) {
                                Ok(j) => {
                                    params.insert(name.to_string(), j);
                                }
                                Err(e) => c.issue(
                                    k.span(),
                                    Some((index, plugin.clone())),
                                    Some(name),
                                    e,
                                    None,
                                ),
                            }
                        }
                        stages.push(StageConfig {
                            index,
                            plugin,
                            path,
                            params,
                            key_positions,
                            position,
                        });
                    }
                }
                _ => c.issue(
                    k.span(),
                    None,
                    Some("stage"),
                    "`stage` must be an array of tables ([[stage]])".into(),
                    None,
                ),
            }
        }

        if c.issues.is_empty() {
            Ok(PipelineConfig {
                file: file.to_path_buf(),
                input,
                output,
                run,
                stages,
            })
        } else {
            Err(ConfigErrors(c.issues))
        }
    }
}

impl StageConfig {
    /// An issue about this stage, at a key's position when known.
    pub fn issue(
        &self,
        file: &Path,
        key: Option<&str>,
        message: String,
        suggestion: Option<String>,
    ) -> ConfigIssue {
        let (line, column) = key
            .and_then(|k| self.key_positions.get(k).copied())
            .unwrap_or(self.position);
        ConfigIssue {
            file: file.to_path_buf(),
            line,
            column,
            stage: Some((self.index, self.plugin.clone())),
            key: key.map(str::to_string),
            message,
            suggestion,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PipelineConfig, ConfigErrors> {
        PipelineConfig::parse(text, Path::new("/cfg/p.toml"))
    }

    #[test]
    fn a_full_config_parses_with_paths_relative_to_the_file() {
        let c = parse(
            "[input]\npath = \"../data\"\n[output]\npath = \"out/\"\n[run]\nthreads = 2\n[[stage]]\nplugin = \"dedupe\"\nthreshold = 0.8\nbands = 14\n",
        )
        .unwrap();
        assert_eq!(c.input.path, Some(PathBuf::from("/data")));
        assert_eq!(c.output.path, Some(PathBuf::from("/cfg/out/")));
        assert_eq!(c.run.threads, 2);
        assert_eq!(c.stages[0].plugin, "dedupe");
        assert_eq!(c.stages[0].params["threshold"], 0.8);
        assert_eq!(c.stages[0].key_positions["bands"], (10, 1));
    }

    #[test]
    fn every_error_is_reported_at_once_with_line_and_suggestion() {
        let err = parse("[input]\npaht = \"x\"\nformat = \"xml\"\n[run]\nthreads = -1\n[[stage]]\nthreshold = 1\n").unwrap_err();
        let text = err.to_string();
        assert_eq!(err.0.len(), 4, "{text}");
        assert!(
            text.contains("/cfg/p.toml:2:1: unknown key `paht` in [input]; did you mean `path`?"),
            "{text}"
        );
        assert!(
            text.contains(":3:1: [input] `format` = \"xml\" is not one of auto, txt, jsonl"),
            "{text}"
        );
        assert!(
            text.contains(":5:1: [run] `threads` must be an integer ≥ 0"),
            "{text}"
        );
        assert!(text.contains("stage 1 (?): missing key `plugin`"), "{text}");
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("[input\npath = 1\n").unwrap_err();
        assert!(
            err.0[0].line >= 1 && err.0[0].message.starts_with("TOML syntax"),
            "{err}"
        );
    }

    #[test]
    fn paths_are_cleaned_lexically() {
        assert_eq!(
            clean_path(Path::new("configs/../output/x.jsonl")),
            PathBuf::from("output/x.jsonl")
        );
        assert_eq!(clean_path(Path::new("../a/./b")), PathBuf::from("../a/b"));
        assert_eq!(clean_path(Path::new("a/..")), PathBuf::from("."));
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(
            suggest("treshold", ["threshold", "bands"]),
            Some("threshold".into())
        );
        assert_eq!(suggest("zzz", ["threshold", "bands"]), None);
    }
}
