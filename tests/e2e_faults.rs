//! Faults: plugins that abort or return malformed results, plugin files others
//! can write, and a full disk. Each gives a clear message, and nothing that
//! looks finished is left behind.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;

fn input(dir: &std::path::Path, n: usize) {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&serde_json::json!({"id": format!("d{i}"), "text": format!("document {i} {}", "word ".repeat(50))}).to_string());
        s.push('\n');
    }
    std::fs::write(dir.join("in.jsonl"), s).unwrap();
}

#[test]
fn an_aborting_plugin_is_named_and_leaves_no_finished_output() {
    let dir = tempfile::tempdir().unwrap();
    input(dir.path(), 50);
    let cfg = config(
        dir.path(),
        "[input]\npath = \"in.jsonl\"\n[output]\npath = \"out.jsonl\"\n[[stage]]\nplugin = \"shout\"\nabort_on = \"d20\"\n",
    );
    let out = run(textmill().arg("run").arg(&cfg));
    assert_eq!(out.status.code(), None, "killed by SIGABRT");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the process died (fatal signal) inside plugin `shout` ("),
        "{err}"
    );
    assert!(!dir.path().join("out.jsonl").exists());
}

#[test]
fn malformed_plugin_results_become_rejects_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    input(dir.path(), 12);
    let lib = c_library("malformed", dir.path());
    for (mode, message) in [
        ("short", "returned 2 outcomes for 3 documents"),
        ("utf8", "new text is not UTF-8"),
        ("action", "unknown action 42"),
    ] {
        let cfg = config(
            dir.path(),
            &format!(
                "[input]\npath = \"in.jsonl\"\n[run]\nbatch_docs = 3\n[[stage]]\nplugin = \"malformed\"\npath = \"{}\"\nmode = \"{mode}\"\n",
                lib.display()
            ),
        );
        let out_path = dir.path().join(format!("{mode}.jsonl"));
        let out = run(textmill()
            .arg("run")
            .arg("--output")
            .arg(&out_path)
            .arg(&cfg));
        assert_eq!(out.status.code(), Some(3), "{mode}");
        let rejects = read_jsonl(&dir.path().join(format!("{mode}.rejects.jsonl")));
        assert_eq!(
            rejects.len(),
            12,
            "{mode}: every document of every batch is a reject"
        );
        assert!(
            rejects
                .iter()
                .all(|r| r["reason"] == "plugin_malformed_output"),
            "{mode}"
        );
        assert!(
            rejects[0]["message"].as_str().unwrap().contains(message),
            "{mode}: {}",
            rejects[0]["message"]
        );
        assert_eq!(std::fs::read_to_string(&out_path).unwrap(), "");
    }
}

#[test]
fn plugin_files_or_folders_others_can_write_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    let lib = format!(
        "{}textmill_shout{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    std::fs::copy(shout_plugin_dir().join(&lib), plugins.join(&lib)).unwrap();
    let cfg = config(
        dir.path(),
        &format!(
            "[run]\nplugin_dir = \"{}\"\n[[stage]]\nplugin = \"shout\"\n",
            plugins.display()
        ),
    );
    std::fs::set_permissions(plugins.join(&lib), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&plugins, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(run(textmill().arg("validate").arg(&cfg)).status.success());
    std::fs::set_permissions(plugins.join(&lib), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = run(textmill().arg("validate").arg(&cfg));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("is writable by every user; refusing to load code from it")
    );
    std::fs::set_permissions(plugins.join(&lib), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&plugins, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = run(textmill().arg("validate").arg(&cfg));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("{} is writable by every user", plugins.display()))
    );
}

/// A 512 KiB tmpfs, unmounted when dropped (needs root, as CI has).
struct SmallDisk(std::path::PathBuf);

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_a_clear_error_and_leaves_no_finished_output() {
    let dir = tempfile::tempdir().unwrap();
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=512k", "tmpfs"])
        .arg(&disk)
        .status();
    assert!(
        mounted.map(|s| s.success()).unwrap_or(false),
        "mounting a tmpfs needs root (CI runs as root)"
    );
    let _disk = SmallDisk(disk.clone());
    input(dir.path(), 4000); // about 1.1 MB of output
    let cfg = config(
        dir.path(),
        "[input]\npath = \"in.jsonl\"\n[[stage]]\nplugin = \"shout\"\n",
    );
    let out = run(textmill()
        .arg("run")
        .arg("--output")
        .arg(disk.join("out.jsonl"))
        .arg(&cfg));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        err.contains(&disk.display().to_string()),
        "the message names the file: {err}"
    );
    assert!(
        !disk.join("out.jsonl").exists(),
        "no truncated output under the final name"
    );
}
