//! Loading plugin libraries through the versioned C ABI, and calling them.
//!
//! The ABI version symbol is checked before the vtable is read; a library
//! without it, with another version, or built with `panic = "abort"` is
//! refused with a message naming the file. Standard and third-party plugins
//! load the same way.

use crate::document::Document;
use libloading::Library;
use serde_json::{Map, Value};
use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use textmill_plugin_sdk::Param;
use textmill_plugin_sdk::abi::*;

/// Why a plugin library could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PluginError {
    /// dlopen failed.
    #[error("{path}: cannot load library: {message}")]
    Load {
        /// Library file.
        path: PathBuf,
        /// Loader message.
        message: String,
    },
    /// The library does not export the ABI version symbol.
    #[error("{path}: not a textmill plugin (no `textmill_plugin_abi_version` symbol)")]
    NotAPlugin {
        /// Library file.
        path: PathBuf,
    },
    /// ABI versions differ.
    #[error(
        "{path}: ABI version mismatch: host ABI {host}, plugin ABI {plugin}; rebuild the plugin against textmill-plugin-sdk with ABI {host}"
    )]
    AbiMismatch {
        /// Library file.
        path: PathBuf,
        /// Host ABI.
        host: u32,
        /// Plugin ABI.
        plugin: u32,
    },
    /// Something else about the library is unacceptable.
    #[error("{path}: {message}")]
    Invalid {
        /// Library file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// No library provides the plugin.
    #[error("plugin `{name}` not found in {searched}")]
    NotFound {
        /// Plugin name.
        name: String,
        /// Folders searched, for the message.
        searched: String,
    },
}

/// Library file names a plugin called `name` may have.
pub fn library_names(name: &str) -> Vec<String> {
    let stem = format!("textmill_{name}");
    vec![
        format!(
            "{}{stem}{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        ),
        format!("{stem}{}", std::env::consts::DLL_SUFFIX),
    ]
}

/// A loaded plugin library and what it says about itself.
pub struct PluginLibrary {
    /// The file it came from.
    pub path: PathBuf,
    /// Stage name.
    pub name: String,
    /// Plugin version.
    pub version: String,
    /// One-line description.
    pub description: String,
    /// `KIND_DOCUMENT` or `KIND_CORPUS`.
    pub kind: u32,
    /// ABI version.
    pub abi_version: u32,
    /// Parameters with defaults.
    pub params: Vec<Param>,
    /// Its entry in the crash reporter's table.
    slot: crate::crash::PluginSlot,
    info: *const TmPluginInfo,
    // Declared last so it is dropped after everything taken from it.
    _library: Library,
}

// SAFETY: the info pointer refers to immutable static data inside the
// library, which lives as long as `_library`; the vtable functions are
// required by the ABI to be callable from any thread.
unsafe impl Send for PluginLibrary {}
// SAFETY: see above.
unsafe impl Sync for PluginLibrary {}

fn text(s: TmStr) -> String {
    // SAFETY: plugin info strings point into the library's static data.
    String::from_utf8_lossy(unsafe { s.as_bytes() }).into_owned()
}

impl PluginLibrary {
    /// Load a library and check its ABI before reading anything else.
    pub fn load(path: &Path) -> Result<PluginLibrary, PluginError> {
        refuse_writable_by_others(path)?;
        // SAFETY: loading a library runs its initialisers; textmill loads only
        // files from the configured plugin folders, and refuses files others can write.
        let library = unsafe { Library::new(path) }.map_err(|e| PluginError::Load {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        // SAFETY: the symbol's type is fixed by the ABI (`extern "C" fn() -> u32`).
        let version_fn =
            unsafe { library.get::<unsafe extern "C" fn() -> u32>(ABI_VERSION_SYMBOL) }.map_err(
                |_| PluginError::NotAPlugin {
                    path: path.to_path_buf(),
                },
            )?;
        // SAFETY: calling the plugin's version function, which takes no input.
        let plugin_abi = unsafe { version_fn() };
        if plugin_abi != ABI_VERSION {
            return Err(PluginError::AbiMismatch {
                path: path.to_path_buf(),
                host: ABI_VERSION,
                plugin: plugin_abi,
            });
        }
        // SAFETY: same ABI version, so the info symbol has this type.
        let info_fn = unsafe {
            library.get::<unsafe extern "C" fn() -> *const TmPluginInfo>(PLUGIN_INFO_SYMBOL)
        }
        .map_err(|_| PluginError::Invalid {
            path: path.to_path_buf(),
            message: "missing `textmill_plugin_info` symbol".into(),
        })?;
        // SAFETY: returns a pointer to static data in the library.
        let info = unsafe { info_fn() };
        if info.is_null() {
            return Err(PluginError::Invalid {
                path: path.to_path_buf(),
                message: "plugin info is null".into(),
            });
        }
        // SAFETY: non-null pointer to the plugin's static info.
        let i = unsafe { &*info };
        if i.abi_version != ABI_VERSION {
            return Err(PluginError::AbiMismatch {
                path: path.to_path_buf(),
                host: ABI_VERSION,
                plugin: i.abi_version,
            });
        }
        if i.panic_unwind != 1 {
            return Err(PluginError::Invalid {
                path: path.to_path_buf(),
                message: "built with panic = \"abort\"; plugins must use panic = \"unwind\" so a panic fails one batch instead of the whole run".into(),
            });
        }
        if i.kind == KIND_CORPUS && (i.observe.is_none() || i.merge.is_none() || i.finish.is_none())
        {
            return Err(PluginError::Invalid {
                path: path.to_path_buf(),
                message: "corpus stage without observe/merge/finish".into(),
            });
        }
        if i.kind != KIND_CORPUS && i.kind != KIND_DOCUMENT {
            return Err(PluginError::Invalid {
                path: path.to_path_buf(),
                message: format!("unknown plugin kind {}", i.kind),
            });
        }
        let params: Vec<Param> =
            serde_json::from_str(&text(i.params_json)).map_err(|e| PluginError::Invalid {
                path: path.to_path_buf(),
                message: format!("parameter schema is not valid JSON: {e}"),
            })?;
        let name = text(i.name);
        let slot = crate::crash::register(format!("`{name}` ({})", path.display()));
        Ok(PluginLibrary {
            slot,
            path: path.to_path_buf(),
            name,
            version: text(i.version),
            description: text(i.description),
            kind: i.kind,
            abi_version: i.abi_version,
            params,
            info,
            _library: library,
        })
    }

    fn info(&self) -> &TmPluginInfo {
        // SAFETY: checked non-null at load; lives as long as the library.
        unsafe { &*self.info }
    }

    /// True for corpus stages.
    pub fn is_corpus(&self) -> bool {
        self.kind == KIND_CORPUS
    }

    /// Create a stage instance from its parameters; the plugin validates them.
    pub fn instantiate(
        self: &Arc<Self>,
        params: &Map<String, Value>,
    ) -> Result<StageInstance, textmill_plugin_sdk::ConfigError> {
        let config = serde_json::to_string(params).unwrap_or_else(|_| "{}".into());
        let mut err = TmBytes::empty();
        let busy = self.slot.enter();
        // SAFETY: valid config view and out-pointer; `create` is from a checked vtable.
        let ptr = unsafe { (self.info().create)(TmStr::from_str(&config), &mut err) };
        drop(busy);
        if ptr.is_null() {
            let bytes = PluginBytes {
                bytes: err,
                _library: self.clone(),
            };
            return Err(serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                textmill_plugin_sdk::ConfigError::new(String::from_utf8_lossy(&bytes).into_owned())
            }));
        }
        Ok(StageInstance {
            library: self.clone(),
            ptr,
        })
    }
}

/// Bytes a plugin returned, read in place and released on drop: a merged
/// corpus state can be hundreds of megabytes, which a copy would fault in
/// page by page.
pub struct PluginBytes {
    bytes: TmBytes,
    // Holds the library loaded until `release` (its code) has run.
    _library: Arc<PluginLibrary>,
}

// SAFETY: the bytes are immutable until released, and the ABI requires
// `release` to be callable from any thread.
unsafe impl Send for PluginBytes {}
// SAFETY: see above; `&PluginBytes` only reads.
unsafe impl Sync for PluginBytes {}

impl std::ops::Deref for PluginBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `data` is valid until `release(owner)`, which runs on drop.
        unsafe { self.bytes.data.as_bytes() }
    }
}

impl Drop for PluginBytes {
    fn drop(&mut self) {
        if let Some(release) = self.bytes.release {
            // SAFETY: released exactly once, as the ABI requires.
            unsafe { release(self.bytes.owner) };
        }
    }
}

#[cfg(unix)]
fn refuse_writable_by_others(path: &Path) -> Result<(), PluginError> {
    use std::os::unix::fs::PermissionsExt;
    for p in [Some(path), path.parent()].into_iter().flatten() {
        if p.as_os_str().is_empty() {
            continue;
        }
        if let Ok(m) = std::fs::metadata(p) {
            let mode = m.permissions().mode();
            // A sticky world-writable folder (/tmp) still lets others add files, so refuse it too.
            if mode & 0o002 != 0 {
                return Err(PluginError::Invalid {
                    path: path.to_path_buf(),
                    message: format!(
                        "{} is writable by every user; refusing to load code from it (chmod o-w)",
                        p.display()
                    ),
                });
            }
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_writable_by_others(_path: &Path) -> Result<(), PluginError> {
    Ok(())
}

/// Where plugins are looked for, in order.
#[derive(Debug, Clone, Default)]
pub struct PluginSearch {
    /// Folders, first match wins.
    pub dirs: Vec<PathBuf>,
}

impl PluginSearch {
    /// Config folders, then `TEXTMILL_PLUGIN_PATH`, then the executable's folder.
    pub fn new(config_dirs: &[PathBuf]) -> PluginSearch {
        let mut dirs: Vec<PathBuf> = config_dirs.to_vec();
        if let Some(env) = std::env::var_os("TEXTMILL_PLUGIN_PATH") {
            dirs.extend(std::env::split_paths(&env).filter(|p| !p.as_os_str().is_empty()));
        }
        if let Some(exe_dir) = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf))
        {
            dirs.push(exe_dir);
        }
        PluginSearch { dirs }
    }

    /// The search folders as one line, for messages.
    pub fn describe(&self) -> String {
        if self.dirs.is_empty() {
            return "no folders".into();
        }
        self.dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The library file for a plugin name.
    pub fn find(&self, name: &str) -> Result<PathBuf, PluginError> {
        let names = library_names(name);
        for dir in &self.dirs {
            for n in &names {
                let p = dir.join(n);
                if p.is_file() {
                    return Ok(p);
                }
            }
        }
        Err(PluginError::NotFound {
            name: name.to_string(),
            searched: self.describe(),
        })
    }

    /// Every plugin library in the search folders (first of each name wins),
    /// with the libraries that failed to load.
    pub fn list(&self) -> (Vec<PluginLibrary>, Vec<PluginError>) {
        let mut found: Vec<PluginLibrary> = Vec::new();
        let mut errors = Vec::new();
        for dir in &self.dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut files: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.sort();
            for p in files {
                let fname = p
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let is_lib =
                    fname.ends_with(std::env::consts::DLL_SUFFIX) && fname.contains("textmill_");
                if !is_lib {
                    continue;
                }
                match PluginLibrary::load(&p) {
                    Ok(lib) if found.iter().all(|f| f.name != lib.name) => found.push(lib),
                    Ok(_) => {}
                    Err(e) => errors.push(e),
                }
            }
        }
        (found, errors)
    }
}

/// How a batch call failed as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchFailure {
    /// `plugin_panic`, `plugin_error` or `plugin_malformed_output`.
    pub reason: &'static str,
    /// The plugin's message.
    pub message: String,
}

/// One document's result, copied out of the plugin's buffer.
#[derive(Debug, Clone, PartialEq)]
pub enum DocResult {
    /// Keep; `Some(text)` replaces the text.
    Keep(Option<String>, Map<String, Value>),
    /// Dropped with a reason and reject details.
    Drop(String, Map<String, Value>),
    /// The stage could not process it.
    Error(String),
}

/// A batch's results and the stage's counters.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchResult {
    /// One per document, in order.
    pub docs: Vec<DocResult>,
    /// Counters to add to the stage's stats.
    pub counters: Map<String, Value>,
}

/// A configured stage: a plugin instance.
pub struct StageInstance {
    library: Arc<PluginLibrary>,
    ptr: *mut c_void,
}

// SAFETY: the ABI requires `process`, `observe` and `apply` to be callable
// concurrently on one instance (the SDK only hands out `&self`); `finish`
// takes `&mut self` and is only called with exclusive access.
unsafe impl Send for StageInstance {}
// SAFETY: see above.
unsafe impl Sync for StageInstance {}

impl Drop for StageInstance {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from this library's `create` and is destroyed once.
        unsafe { (self.library.info().destroy)(self.ptr) };
    }
}

/// The document views passed in one call, with the JSON they borrow.
struct Views {
    _fields: Vec<u8>,
    docs: Vec<TmDoc>,
}

fn views(docs: &[Document]) -> Views {
    // Every document's fields in one buffer: one allocation per call, not per document.
    let mut fields = Vec::with_capacity(docs.len() * 64);
    let ends: Vec<usize> = docs
        .iter()
        .map(|d| {
            d.write_fields_json(&mut fields);
            fields.len()
        })
        .collect();
    let views = docs
        .iter()
        .zip(&ends)
        .scan(0, |start, (d, &end)| {
            let json = &fields[*start..end];
            *start = end;
            Some(TmDoc {
                ordinal: d.ordinal,
                id: TmStr::from_str(&d.id),
                text: TmStr::from_str(&d.text),
                fields_json: TmStr::from_bytes(json),
            })
        })
        .collect();
    Views {
        _fields: fields,
        docs: views,
    }
}

fn json_object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    if bytes.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("expected a JSON object".into()),
        Err(e) => Err(e.to_string()),
    }
}

impl StageInstance {
    /// The library this stage comes from.
    pub fn library(&self) -> &PluginLibrary {
        &self.library
    }

    /// Process a batch (a document stage) or apply the finished state (a corpus stage).
    pub fn process(&self, docs: &[Document]) -> Result<BatchResult, BatchFailure> {
        let v = views(docs);
        let mut out = TmBatchResult::empty();
        let _busy = self.library.slot.enter();
        // SAFETY: views stay alive for the call; out is writable.
        unsafe { (self.library.info().process)(self.ptr, v.docs.as_ptr(), v.docs.len(), &mut out) };
        let result = read_batch(&out, docs.len());
        if let Some(release) = out.release {
            // SAFETY: released exactly once, after everything was copied.
            unsafe { release(out.owner) };
        }
        result
    }

    fn call_bytes(&self, call: impl FnOnce(&mut TmBytes)) -> Result<PluginBytes, BatchFailure> {
        let mut out = TmBytes::empty();
        let busy = self.library.slot.enter();
        call(&mut out);
        drop(busy);
        let status = out.status;
        let bytes = PluginBytes {
            bytes: out,
            _library: self.library.clone(),
        };
        let reason = match status {
            STATUS_OK => return Ok(bytes),
            STATUS_PANIC => "plugin_panic",
            _ => "plugin_error",
        };
        Err(BatchFailure {
            reason,
            message: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    /// Corpus stage: observe a batch into a partial state.
    pub fn observe(&self, docs: &[Document]) -> Result<Vec<u8>, BatchFailure> {
        let observe = self.library.info().observe.ok_or(BatchFailure {
            reason: "plugin_error",
            message: "not a corpus stage".into(),
        })?;
        let v = views(docs);
        // SAFETY: views alive for the call; out writable.
        self.call_bytes(|out| unsafe { observe(self.ptr, v.docs.as_ptr(), v.docs.len(), out) })
            .map(|state| state.to_vec())
    }

    /// Corpus stage: merge partial states given in input order.
    pub fn merge(&self, states: &[Vec<u8>]) -> Result<PluginBytes, BatchFailure> {
        let merge = self.library.info().merge.ok_or(BatchFailure {
            reason: "plugin_error",
            message: "not a corpus stage".into(),
        })?;
        let views: Vec<TmStr> = states.iter().map(|s| TmStr::from_bytes(s)).collect();
        // SAFETY: views alive for the call; out writable.
        self.call_bytes(|out| unsafe { merge(self.ptr, views.as_ptr(), views.len(), out) })
    }

    /// Corpus stage: install the merged state. Needs `&mut` (exclusive access).
    pub fn finish(&mut self, state: &[u8]) -> Result<(), BatchFailure> {
        let finish = self.library.info().finish.ok_or(BatchFailure {
            reason: "plugin_error",
            message: "not a corpus stage".into(),
        })?;
        let ptr = self.ptr;
        // SAFETY: exclusive access through &mut self; view alive for the call.
        self.call_bytes(|out| unsafe { finish(ptr, TmStr::from_bytes(state), out) })
            .map(|_| ())
    }
}

fn read_batch(out: &TmBatchResult, expected: usize) -> Result<BatchResult, BatchFailure> {
    // SAFETY: the message view is valid until release.
    let message = || String::from_utf8_lossy(unsafe { out.message.as_bytes() }).into_owned();
    match out.status {
        STATUS_OK => {}
        STATUS_PANIC => {
            return Err(BatchFailure {
                reason: "plugin_panic",
                message: message(),
            });
        }
        _ => {
            return Err(BatchFailure {
                reason: "plugin_error",
                message: message(),
            });
        }
    }
    let malformed = |m: String| BatchFailure {
        reason: "plugin_malformed_output",
        message: m,
    };
    if out.len != expected || (expected > 0 && out.outcomes.is_null()) {
        return Err(malformed(format!(
            "returned {} outcomes for {expected} documents",
            out.len
        )));
    }
    let outcomes: &[TmOutcome] = if expected == 0 {
        &[]
    } else {
        // SAFETY: non-null, `len` outcomes, valid until release.
        unsafe { std::slice::from_raw_parts(out.outcomes, out.len) }
    };
    let mut docs = Vec::with_capacity(expected);
    for (i, o) in outcomes.iter().enumerate() {
        // SAFETY: every view in an outcome is valid until release.
        let (t, reason, meta, detail) = unsafe {
            (
                o.text.as_bytes(),
                o.reason.as_bytes(),
                o.metadata_json.as_bytes(),
                o.detail_json.as_bytes(),
            )
        };
        let reason = String::from_utf8_lossy(reason).into_owned();
        let meta =
            json_object(meta).map_err(|e| malformed(format!("document {i}: metadata: {e}")))?;
        let detail =
            json_object(detail).map_err(|e| malformed(format!("document {i}: detail: {e}")))?;
        docs.push(match o.action {
            ACTION_KEEP => DocResult::Keep(None, meta),
            ACTION_REPLACE => {
                let text = std::str::from_utf8(t)
                    .map_err(|e| malformed(format!("document {i}: new text is not UTF-8: {e}")))?;
                DocResult::Keep(Some(text.to_string()), meta)
            }
            ACTION_DROP => DocResult::Drop(
                if reason.is_empty() {
                    "dropped".into()
                } else {
                    reason
                },
                detail,
            ),
            ACTION_ERROR => DocResult::Error(reason),
            other => return Err(malformed(format!("document {i}: unknown action {other}"))),
        });
    }
    // SAFETY: valid until release.
    let counters = json_object(unsafe { out.stats_json.as_bytes() })
        .map_err(|e| malformed(format!("stats: {e}")))?;
    Ok(BatchResult { docs, counters })
}
