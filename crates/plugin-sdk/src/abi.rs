//! The C ABI between the `textmill` host and a plugin library.
//!
//! Only `#[repr(C)]` data crosses: pointer-and-length byte strings, plain
//! integers and `extern "C"` function pointers. Anything a plugin hands back
//! (results, state bytes, error text) lives in a buffer the plugin owns and
//! carries its own release function, so the host never frees memory with an
//! allocator it does not own.
//!
//! Loading protocol:
//! 1. the host resolves [`ABI_VERSION_SYMBOL`] and calls it; if the number is
//!    not [`ABI_VERSION`], it stops there and never reads the vtable;
//! 2. only then it resolves [`PLUGIN_INFO_SYMBOL`] and reads [`TmPluginInfo`].
//!
//! Version rule: any change to a struct or function signature in this module
//! bumps [`ABI_VERSION`]. Adding a new plugin *kind* or a new optional symbol
//! does not.

use std::ffi::c_void;

/// The ABI version this SDK builds and the host accepts.
pub const ABI_VERSION: u32 = 1;

/// Exported symbol: `extern "C" fn() -> u32` returning the plugin's ABI version.
pub const ABI_VERSION_SYMBOL: &[u8] = b"textmill_plugin_abi_version\0";

/// Exported symbol: `extern "C" fn() -> *const TmPluginInfo`.
pub const PLUGIN_INFO_SYMBOL: &[u8] = b"textmill_plugin_info\0";

/// A borrowed byte string: pointer and length. UTF-8 unless stated otherwise.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TmStr {
    /// First byte; may be dangling when `len == 0`.
    pub ptr: *const u8,
    /// Number of bytes.
    pub len: usize,
}

impl TmStr {
    /// The empty string.
    pub const EMPTY: TmStr = TmStr {
        ptr: std::ptr::NonNull::<u8>::dangling().as_ptr(),
        len: 0,
    };

    /// Borrow a Rust string slice (the slice must outlive every use of the result).
    // A borrowed view, not a parse: `FromStr` (which owns nothing) does not fit.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(s: &str) -> TmStr {
        TmStr {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }

    /// Borrow a byte slice (the slice must outlive every use of the result).
    pub fn from_bytes(b: &[u8]) -> TmStr {
        TmStr {
            ptr: b.as_ptr(),
            len: b.len(),
        }
    }

    /// View as bytes.
    ///
    /// # Safety
    /// `ptr` must point to `len` readable bytes that stay alive for `'a`.
    pub unsafe fn as_bytes<'a>(&self) -> &'a [u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

// SAFETY: TmStr is a plain pointer/length pair used for read-only views; the
// data it points to is immutable for the duration of a call.
unsafe impl Send for TmStr {}
// SAFETY: see above.
unsafe impl Sync for TmStr {}

/// Plugin kind: a document stage (one document in, one outcome out).
pub const KIND_DOCUMENT: u32 = 0;
/// Plugin kind: a corpus stage (observe → merge → finish → apply).
pub const KIND_CORPUS: u32 = 1;

/// Call status: success.
pub const STATUS_OK: i32 = 0;
/// Call status: the plugin returned an error (message in the result).
pub const STATUS_ERROR: i32 = 1;
/// Call status: the plugin panicked; the SDK caught it (message in the result).
pub const STATUS_PANIC: i32 = 2;

/// Outcome action: keep the document, text unchanged.
pub const ACTION_KEEP: u32 = 0;
/// Outcome action: keep the document with the new text in `text`.
pub const ACTION_REPLACE: u32 = 1;
/// Outcome action: drop the document; `reason` says why.
pub const ACTION_DROP: u32 = 2;
/// Outcome action: the plugin could not process this document; `reason` says why.
pub const ACTION_ERROR: u32 = 3;

/// One document handed to a plugin.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TmDoc {
    /// Grows with input order; the same in sharded and whole runs; not contiguous.
    pub ordinal: u64,
    /// Document id.
    pub id: TmStr,
    /// Current text.
    pub text: TmStr,
    /// JSON object text with every field of the record except `text`
    /// (`id`, `metadata`, and any other field the input carried).
    pub fields_json: TmStr,
}

/// What a plugin decided for one document.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TmOutcome {
    /// One of the `ACTION_*` constants.
    pub action: u32,
    /// New text when `action == ACTION_REPLACE`.
    pub text: TmStr,
    /// Machine-readable reason for a drop or error (`duplicate`, `all_boilerplate`).
    pub reason: TmStr,
    /// Empty, or a JSON object merged into the record's `metadata`.
    pub metadata_json: TmStr,
    /// Empty, or a JSON object of extra fields for the reject record
    /// (`duplicate_of`, `similarity`, a message).
    pub detail_json: TmStr,
}

/// A batch result owned by the plugin; the host calls `release(owner)` when done.
#[repr(C)]
#[derive(Debug)]
pub struct TmBatchResult {
    /// One of the `STATUS_*` constants.
    pub status: i32,
    /// Error or panic message when `status != STATUS_OK`.
    pub message: TmStr,
    /// One outcome per input document, same order (`len` equals the batch size).
    pub outcomes: *const TmOutcome,
    /// Number of outcomes.
    pub len: usize,
    /// Empty, or a JSON object `{counter: number}` added to the stage's stats.
    pub stats_json: TmStr,
    /// Opaque owner of every buffer above.
    pub owner: *mut c_void,
    /// Frees `owner`; null when there is nothing to free.
    pub release: Option<unsafe extern "C" fn(owner: *mut c_void)>,
}

impl TmBatchResult {
    /// An empty result, for the host to pass as an out-parameter.
    pub fn empty() -> TmBatchResult {
        TmBatchResult {
            status: STATUS_OK,
            message: TmStr::EMPTY,
            outcomes: std::ptr::null(),
            len: 0,
            stats_json: TmStr::EMPTY,
            owner: std::ptr::null_mut(),
            release: None,
        }
    }
}

/// Bytes owned by the plugin (corpus state, error text); released by `release(owner)`.
#[repr(C)]
#[derive(Debug)]
pub struct TmBytes {
    /// One of the `STATUS_*` constants.
    pub status: i32,
    /// The payload, or the error message when `status != STATUS_OK`.
    pub data: TmStr,
    /// Opaque owner of `data`.
    pub owner: *mut c_void,
    /// Frees `owner`; null when there is nothing to free.
    pub release: Option<unsafe extern "C" fn(owner: *mut c_void)>,
}

impl TmBytes {
    /// An empty value, for the host to pass as an out-parameter.
    pub fn empty() -> TmBytes {
        TmBytes {
            status: STATUS_OK,
            data: TmStr::EMPTY,
            owner: std::ptr::null_mut(),
            release: None,
        }
    }
}

/// Creates a stage instance from the stage's config (JSON object text).
/// On failure returns null and fills `error` (a JSON object `{"key"?, "message"}`).
pub type CreateFn = unsafe extern "C" fn(config_json: TmStr, error: *mut TmBytes) -> *mut c_void;
/// Destroys an instance made by `create`.
pub type DestroyFn = unsafe extern "C" fn(instance: *mut c_void);
/// Document stage: processes a batch, filling `out` with one outcome per document.
pub type ProcessFn = unsafe extern "C" fn(
    instance: *mut c_void,
    docs: *const TmDoc,
    len: usize,
    out: *mut TmBatchResult,
);
/// Corpus stage: observes a batch and returns its partial state.
pub type ObserveFn =
    unsafe extern "C" fn(instance: *mut c_void, docs: *const TmDoc, len: usize, out: *mut TmBytes);
/// Corpus stage: merges `n` partial states, given in input order, into one.
pub type MergeFn =
    unsafe extern "C" fn(instance: *mut c_void, states: *const TmStr, n: usize, out: *mut TmBytes);
/// Corpus stage: installs the fully merged state before any `apply`; fills `out`
/// with an empty payload on success or an error message.
pub type FinishFn = unsafe extern "C" fn(instance: *mut c_void, state: TmStr, out: *mut TmBytes);

/// The plugin's description and vtable, returned by [`PLUGIN_INFO_SYMBOL`].
#[repr(C)]
pub struct TmPluginInfo {
    /// Must equal [`ABI_VERSION`]; checked again after the version symbol.
    pub abi_version: u32,
    /// 1 when the plugin was built with `panic = "unwind"` (required).
    pub panic_unwind: u8,
    /// One of `KIND_DOCUMENT`, `KIND_CORPUS`.
    pub kind: u32,
    /// Stage name used in configs (`plugin = "dedupe"`).
    pub name: TmStr,
    /// Plugin version (semver text).
    pub version: TmStr,
    /// One-line description.
    pub description: TmStr,
    /// JSON array of `{"name","type","default","description"}` objects.
    pub params_json: TmStr,
    /// Makes an instance from config.
    pub create: CreateFn,
    /// Frees an instance.
    pub destroy: DestroyFn,
    /// Document stages: process a batch. Corpus stages: apply the finished state to a batch.
    pub process: ProcessFn,
    /// Corpus stages only.
    pub observe: Option<ObserveFn>,
    /// Corpus stages only.
    pub merge: Option<MergeFn>,
    /// Corpus stages only.
    pub finish: Option<FinishFn>,
}

// SAFETY: the info struct is immutable static data (string views into
// 'static memory and function pointers).
unsafe impl Sync for TmPluginInfo {}
// SAFETY: see above.
unsafe impl Send for TmPluginInfo {}
