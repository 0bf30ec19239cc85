//! Building a runnable pipeline from a config: find each stage's plugin,
//! check its keys against the plugin's parameter list, and let the plugin
//! validate the values — all before any document is read. `validate` and
//! `run` both go through [`Pipeline::build`].

use crate::config::{ConfigErrors, ConfigIssue, PipelineConfig, StageConfig, suggest};
use crate::plugin::{PluginLibrary, PluginSearch, StageInstance};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// One ready stage.
pub struct Stage {
    /// Its config table.
    pub config: StageConfig,
    /// The plugin instance.
    pub instance: StageInstance,
}

impl Stage {
    /// True for corpus stages (observe → merge → finish → apply).
    pub fn is_corpus(&self) -> bool {
        self.instance.library().is_corpus()
    }

    /// Plugin name.
    pub fn name(&self) -> &str {
        &self.config.plugin
    }
}

/// A config with every stage loaded and validated.
pub struct Pipeline {
    /// The config it came from.
    pub config: PipelineConfig,
    /// Stages in order.
    pub stages: Vec<Stage>,
}

impl Pipeline {
    /// Load plugins and create stages, collecting every problem.
    pub fn build(config: PipelineConfig) -> Result<Pipeline, ConfigErrors> {
        Pipeline::build_with(config, false)
    }

    /// Like [`Pipeline::build`]; with `explain`, every stage that has an
    /// `explain` parameter runs with `explain = true`, whatever the config says.
    pub fn build_with(config: PipelineConfig, explain: bool) -> Result<Pipeline, ConfigErrors> {
        let search = PluginSearch::new(&config.run.plugin_dirs);
        let mut libraries: HashMap<PathBuf, Arc<PluginLibrary>> = HashMap::new();
        let mut issues: Vec<ConfigIssue> = Vec::new();
        let mut stages = Vec::new();
        let file = config.file.clone();
        for sc in &config.stages {
            let path = match &sc.path {
                Some(p) => Ok(p.clone()),
                None => search.find(&sc.plugin),
            };
            let path = match path {
                Ok(p) => p,
                Err(e) => {
                    issues.push(sc.issue(&file, Some("plugin"), e.to_string(), None));
                    continue;
                }
            };
            let library = match libraries.get(&path) {
                Some(l) => l.clone(),
                None => match PluginLibrary::load(&path) {
                    Ok(l) => {
                        let l = Arc::new(l);
                        libraries.insert(path.clone(), l.clone());
                        l
                    }
                    Err(e) => {
                        issues.push(sc.issue(&file, Some("plugin"), e.to_string(), None));
                        continue;
                    }
                },
            };
            if library.name != sc.plugin {
                issues.push(sc.issue(
                    &file,
                    Some("plugin"),
                    format!(
                        "{} provides plugin `{}`, not `{}`",
                        path.display(),
                        library.name,
                        sc.plugin
                    ),
                    None,
                ));
                continue;
            }
            let known: Vec<&str> = library.params.iter().map(|p| p.name.as_str()).collect();
            let mut unknown = false;
            for key in sc.params.keys() {
                if !known.contains(&key.as_str()) {
                    unknown = true;
                    let suggestion = suggest(key, known.iter().copied());
                    issues.push(sc.issue(
                        &file,
                        Some(key),
                        format!("unknown key `{key}`"),
                        suggestion,
                    ));
                }
            }
            if unknown {
                continue;
            }
            let mut params = sc.params.clone();
            resolve_path_params(&mut params, &library.params, &file);
            if explain && known.contains(&"explain") {
                params.insert("explain".into(), serde_json::Value::Bool(true));
            }
            match library.instantiate(&params) {
                Ok(instance) => stages.push(Stage {
                    config: sc.clone(),
                    instance,
                }),
                Err(e) => {
                    // A path such as `packs[2]` or `table.key` is positioned at its top-level key.
                    let key = e
                        .key
                        .as_deref()
                        .map(|k| k.split(['[', '.']).next().unwrap_or(k))
                        .filter(|k| sc.key_positions.contains_key(*k));
                    issues.push(sc.issue(&file, key, e.to_string(), None));
                }
            }
        }
        if issues.is_empty() {
            Ok(Pipeline { config, stages })
        } else {
            Err(ConfigErrors(issues))
        }
    }
}

/// Parameters the plugin declares as `path` (a string) or `paths` (a list of
/// strings) are resolved against the config file's folder, like every other
/// path in a config; absolute paths stay as they are.
fn resolve_path_params(
    params: &mut serde_json::Map<String, serde_json::Value>,
    schema: &[textmill_plugin_sdk::Param],
    config_file: &std::path::Path,
) {
    use serde_json::Value;
    let base = config_file.parent().unwrap_or(std::path::Path::new(""));
    let fix = |v: &mut Value| {
        if let Value::String(s) = v {
            let p = std::path::Path::new(s.as_str());
            if !p.is_absolute() && !s.is_empty() {
                *s = crate::config::clean_path(&base.join(p))
                    .to_string_lossy()
                    .into_owned();
            }
        }
    };
    for param in schema {
        let Some(value) = params.get_mut(&param.name) else {
            continue;
        };
        match (param.kind.as_str(), value) {
            ("path", v) => fix(v),
            ("paths", Value::Array(items)) => items.iter_mut().for_each(fix),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use textmill_plugin_sdk::Param;

    #[test]
    fn path_parameters_are_relative_to_the_config_file() {
        let schema = [
            Param::new("index_out", "path", serde_json::Value::Null, ""),
            Param::new("packs", "paths", serde_json::json!([]), ""),
            Param::new("name", "string", "", ""),
        ];
        let mut params: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            r#"{"index_out": "../out/idx", "packs": ["p.toml", "/abs/q.toml"], "name": "x/y"}"#,
        )
        .unwrap();
        resolve_path_params(
            &mut params,
            &schema,
            std::path::Path::new("/cfg/dir/news.toml"),
        );
        assert_eq!(params["index_out"], "/cfg/out/idx");
        assert_eq!(
            params["packs"],
            serde_json::json!(["/cfg/dir/p.toml", "/abs/q.toml"])
        );
        assert_eq!(params["name"], "x/y");
    }
}
