//! Helpers for the end-to-end tests: run the real `textmill` binary, build
//! the out-of-tree test plugin once, read JSONL outputs.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// A fixture under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// The `textmill` binary, with the plugin path pointing at the test plugin's folder.
pub fn textmill() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_textmill"));
    c.env("TEXTMILL_PLUGIN_PATH", shout_plugin_dir());
    c.env_remove("SLURM_ARRAY_TASK_ID");
    c
}

/// Run and return output, printing it when the test fails.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("spawn textmill");
    eprintln!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Read a JSONL file into values.
pub fn read_jsonl(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

/// Build the plugins of `tests/fixtures/test-plugins` (`shout`, a document
/// stage, and `firstcopy`, a corpus stage) outside the workspace, against the
/// SDK only, once per test process; returns the folder holding the libraries.
pub fn shout_plugin_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let src = fixture("test-plugins");
        let crate_dir =
            std::env::temp_dir().join(format!("textmill-test-plugins-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&crate_dir);
        for member in ["shout", "firstcopy"] {
            std::fs::create_dir_all(crate_dir.join(member).join("src")).expect("temp crate dir");
            std::fs::copy(
                src.join(member).join("Cargo.toml"),
                crate_dir.join(member).join("Cargo.toml"),
            )
            .expect("copy manifest");
            std::fs::copy(
                src.join(member).join("src/lib.rs"),
                crate_dir.join(member).join("src/lib.rs"),
            )
            .expect("copy source");
        }
        let manifest = std::fs::read_to_string(src.join("Cargo.toml.in"))
            .expect("manifest")
            .replace(
                "@SDK@",
                &root().join("crates/plugin-sdk").display().to_string(),
            );
        std::fs::write(crate_dir.join("Cargo.toml"), manifest).expect("write manifest");
        // A target folder of its own, kept between runs, so the outer build lock is never contended.
        let target = root().join("target/e2e-plugins");
        assert!(
            cargo_build(&crate_dir, &target, false),
            "building the out-of-tree test plugins failed"
        );
        // Keep only the plugin libraries in the folder the host searches.
        let plugin_dir = target.join("plugins");
        std::fs::create_dir_all(&plugin_dir).expect("plugin dir");
        for name in ["shout", "firstcopy"] {
            let lib = format!(
                "{}textmill_{name}{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            );
            std::fs::copy(target.join("debug").join(&lib), plugin_dir.join(&lib))
                .expect("copy plugin library");
        }
        let _ = std::fs::remove_dir_all(&crate_dir);
        plugin_dir
    })
    .clone()
}

/// `cargo build` a crate outside the workspace into `target` (offline first:
/// its dependencies are the workspace's, already downloaded). True on success.
pub fn cargo_build(crate_dir: &Path, target: &Path, release: bool) -> bool {
    let build = |offline: bool| {
        let mut c = Command::new(env!("CARGO"));
        c.current_dir(crate_dir)
            .args(["build", "--quiet"])
            .env("CARGO_TARGET_DIR", target);
        if release {
            c.arg("--release");
        }
        if offline {
            c.arg("--offline");
        }
        c.status().map(|s| s.success()).unwrap_or(false)
    };
    build(true) || build(false)
}

/// Compile a C fixture from `tests/fixtures/bad-libs` into a shared library.
pub fn c_library(name: &str, out_dir: &Path) -> PathBuf {
    let lib = out_dir.join(format!(
        "{}textmill_{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(fixture(&format!("bad-libs/{name}.c")))
        .status()
        .expect("run cc");
    assert!(status.success(), "cc failed");
    lib
}

/// Write a config file into `dir` and return its path.
pub fn config(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("pipeline.toml");
    std::fs::write(&p, text).expect("write config");
    p
}
