//! `textmill new-plugin`: writes a plugin crate that builds on its own, with
//! the SDK vendored beside it (the SDK's sources are compiled into textmill).

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use textmill_core::plugin_sdk::abi::ABI_VERSION;

const CARGO_TOML: &str = include_str!("../templates/plugin/Cargo.toml.in");
const LIB_RS: &str = include_str!("../templates/plugin/lib.rs.in");
const README: &str = include_str!("../templates/plugin/README.md.in");

/// The SDK's own files, vendored into every new plugin.
const SDK_FILES: &[(&str, &str)] = &[
    ("src/lib.rs", include_str!("../../plugin-sdk/src/lib.rs")),
    ("src/abi.rs", include_str!("../../plugin-sdk/src/abi.rs")),
    ("src/glue.rs", include_str!("../../plugin-sdk/src/glue.rs")),
    (
        "src/tests.rs",
        include_str!("../../plugin-sdk/src/tests.rs"),
    ),
];

/// A stand-alone manifest for the vendored SDK (the workspace one inherits fields).
fn sdk_manifest() -> String {
    format!(
        "[package]\nname = \"textmill-plugin-sdk\"\nversion = \"{}\"\nedition = \"2024\"\ndescription = \"textmill plugin SDK, ABI {ABI_VERSION} (vendored by textmill new-plugin)\"\n\n[dependencies]\nserde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\nserde_path_to_error = \"0.1\"\nthiserror = \"2\"\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// True for names usable as a stage name and in a library file name.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Write the crate `textmill-NAME` into `dir` and return its folder.
pub fn new_plugin(name: &str, dir: &Path) -> anyhow::Result<PathBuf> {
    if !valid_name(name) {
        bail!(
            "plugin name `{name}` must start with a lowercase letter and use only a-z, 0-9 and _"
        );
    }
    let root = dir.join(format!("textmill-{name}"));
    if root.exists() {
        bail!("{} already exists", root.display());
    }
    let fill = |t: &str| {
        t.replace("@NAME@", name)
            .replace("@ABI@", &ABI_VERSION.to_string())
    };
    let mut files: Vec<(PathBuf, String)> = vec![
        (root.join("Cargo.toml"), fill(CARGO_TOML)),
        (root.join("src/lib.rs"), fill(LIB_RS)),
        (root.join("README.md"), fill(README)),
        (root.join(".gitignore"), "/target\n".to_string()),
        (
            root.join("vendor/textmill-plugin-sdk/Cargo.toml"),
            sdk_manifest(),
        ),
    ];
    for (rel, text) in SDK_FILES {
        files.push((
            root.join("vendor/textmill-plugin-sdk").join(rel),
            text.to_string(),
        ));
    }
    for (path, text) in files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_identifiers() {
        assert!(valid_name("word_count2"));
        assert!(!valid_name("Word"));
        assert!(!valid_name("../x"));
        assert!(!valid_name(""));
    }
}
