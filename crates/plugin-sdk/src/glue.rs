//! The `extern "C"` functions that [`crate::export_plugin!`] puts in a plugin's
//! vtable: they turn C views into safe types, catch panics, and hand results
//! back in plugin-owned buffers.

use crate::abi::*;
use crate::{Action, CorpusStage, Doc, DocumentStage, Outcome, Plugin, Stats};
use std::any::Any;
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// 1 when this plugin is built with `panic = "unwind"`, so the SDK can catch panics.
pub const PANIC_UNWIND: u8 = if cfg!(panic = "unwind") { 1 } else { 0 };

/// The parameter schema as JSON text.
pub fn params_json<T: Plugin>() -> String {
    serde_json::to_string(&T::params()).unwrap_or_else(|_| "[]".to_string())
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("plugin panicked: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("plugin panicked: {s}")
    } else {
        "plugin panicked".to_string()
    }
}

/// Release function for any boxed owner.
unsafe extern "C" fn release_box<O>(owner: *mut c_void) {
    if !owner.is_null() {
        // SAFETY: `owner` was produced by `Box::<O>::into_raw` in this module
        // and the host calls release exactly once.
        drop(unsafe { Box::from_raw(owner as *mut O) });
    }
}

/// Fill a [`TmBytes`] with an owned payload.
fn write_bytes(out: *mut TmBytes, status: i32, payload: Vec<u8>) {
    let owner = Box::new(payload);
    let data = TmStr::from_bytes(&owner);
    // SAFETY: the host passes a valid, writable out-pointer.
    unsafe {
        *out = TmBytes {
            status,
            data,
            owner: Box::into_raw(owner) as *mut c_void,
            release: Some(release_box::<Vec<u8>>),
        };
    }
}

/// `create` for any plugin type.
///
/// # Safety
/// `config_json` must be a valid view; `error` a writable out-pointer.
pub unsafe extern "C" fn create<T: Plugin>(config_json: TmStr, error: *mut TmBytes) -> *mut c_void {
    let result = catch_unwind(|| -> Result<T, crate::ConfigError> {
        // SAFETY: the host keeps the config text alive for the call.
        let bytes = unsafe { config_json.as_bytes() };
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| crate::ConfigError::new(format!("config is not JSON: {e}")))?;
        T::from_config(&value)
    });
    let err = match result {
        Ok(Ok(stage)) => return Box::into_raw(Box::new(stage)) as *mut c_void,
        Ok(Err(e)) => e,
        Err(p) => crate::ConfigError::new(panic_message(p)),
    };
    let json = serde_json::to_vec(&err).unwrap_or_default();
    write_bytes(error, STATUS_ERROR, json);
    std::ptr::null_mut()
}

/// `destroy` for any plugin type.
///
/// # Safety
/// `instance` must come from `create::<T>` and not be used afterwards.
pub unsafe extern "C" fn destroy<T: Plugin>(instance: *mut c_void) {
    if !instance.is_null() {
        // SAFETY: produced by Box::into_raw in `create::<T>`.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            drop(unsafe { Box::from_raw(instance as *mut T) })
        }));
    }
}

/// Convert the host's views into [`Doc`]s; documents whose text or id is not
/// UTF-8 get an error outcome instead of reaching the stage.
fn views<'a>(docs: &'a [TmDoc]) -> (Vec<Doc<'a>>, Vec<Option<Outcome>>) {
    let mut ok = Vec::with_capacity(docs.len());
    let mut slots = Vec::with_capacity(docs.len());
    for d in docs {
        // SAFETY: the host keeps every view alive for the duration of the call.
        let (id, text, fields) =
            unsafe { (d.id.as_bytes(), d.text.as_bytes(), d.fields_json.as_bytes()) };
        match (
            std::str::from_utf8(id),
            std::str::from_utf8(text),
            std::str::from_utf8(fields),
        ) {
            (Ok(id), Ok(text), Ok(fields_json)) => {
                ok.push(Doc {
                    ordinal: d.ordinal,
                    id,
                    text,
                    fields_json,
                });
                slots.push(None);
            }
            _ => slots.push(Some(Outcome::error("document is not valid UTF-8"))),
        }
    }
    (ok, slots)
}

/// Put the stage's outcomes back in the slots of the documents it saw.
fn splice(slots: Vec<Option<Outcome>>, decided: Vec<Outcome>) -> Result<Vec<Outcome>, String> {
    let expected = slots.iter().filter(|s| s.is_none()).count();
    if decided.len() != expected {
        return Err(format!(
            "stage returned {} outcomes for {} documents",
            decided.len(),
            expected
        ));
    }
    let mut decided = decided.into_iter();
    Ok(slots
        .into_iter()
        .map(|s| s.unwrap_or_else(|| decided.next().unwrap_or_else(Outcome::keep)))
        .collect())
}

/// Everything a [`TmBatchResult`] points into.
struct BatchOwner {
    outcomes: Vec<Outcome>,
    metadata: Vec<String>,
    details: Vec<String>,
    views: Vec<TmOutcome>,
    stats: String,
    message: String,
}

fn json_object_text(map: &serde_json::Map<String, serde_json::Value>) -> String {
    if map.is_empty() {
        String::new()
    } else {
        serde_json::to_string(map).unwrap_or_default()
    }
}

fn write_batch(out: *mut TmBatchResult, result: Result<(Vec<Outcome>, Stats), (i32, String)>) {
    let (status, outcomes, stats, message) = match result {
        Ok((o, s)) => (STATUS_OK, o, s, String::new()),
        Err((status, m)) => (status, Vec::new(), Stats::default(), m),
    };
    let mut owner = Box::new(BatchOwner {
        metadata: outcomes
            .iter()
            .map(|o| json_object_text(&o.metadata))
            .collect(),
        details: outcomes
            .iter()
            .map(|o| json_object_text(&o.detail))
            .collect(),
        outcomes,
        views: Vec::new(),
        stats: if stats.0.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&stats.0).unwrap_or_default()
        },
        message,
    });
    let views: Vec<TmOutcome> = owner
        .outcomes
        .iter()
        .zip(owner.metadata.iter().zip(owner.details.iter()))
        .map(|(o, (meta, detail))| {
            let (action, text, reason) = match &o.action {
                Action::Keep => (ACTION_KEEP, TmStr::EMPTY, TmStr::EMPTY),
                Action::Replace(t) => (ACTION_REPLACE, TmStr::from_str(t), TmStr::EMPTY),
                Action::Drop(r) => (ACTION_DROP, TmStr::EMPTY, TmStr::from_str(r)),
                Action::Error(r) => (ACTION_ERROR, TmStr::EMPTY, TmStr::from_str(r)),
            };
            TmOutcome {
                action,
                text,
                reason,
                metadata_json: TmStr::from_str(meta),
                detail_json: TmStr::from_str(detail),
            }
        })
        .collect();
    owner.views = views;
    let result = TmBatchResult {
        status,
        message: TmStr::from_str(&owner.message),
        outcomes: owner.views.as_ptr(),
        len: owner.views.len(),
        stats_json: TmStr::from_str(&owner.stats),
        owner: std::ptr::null_mut(),
        release: Some(release_box::<BatchOwner>),
    };
    // The strings and vectors above live on the heap, so moving the box's
    // pointer into `owner` does not move what the views point to.
    let owner_ptr = Box::into_raw(owner) as *mut c_void;
    // SAFETY: the host passes a valid, writable out-pointer.
    unsafe {
        *out = TmBatchResult {
            owner: owner_ptr,
            ..result
        };
    }
}

fn run_batch(
    docs: *const TmDoc,
    len: usize,
    out: *mut TmBatchResult,
    decide: impl FnOnce(&[Doc<'_>], &mut Stats) -> Vec<Outcome>,
) {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let docs: &[TmDoc] = if len == 0 {
            &[]
        } else {
            // SAFETY: the host passes `len` valid documents.
            unsafe { std::slice::from_raw_parts(docs, len) }
        };
        let (views, slots) = views(docs);
        let mut stats = Stats::default();
        let decided = decide(&views, &mut stats);
        splice(slots, decided).map(|o| (o, stats))
    }));
    let result = match result {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(m)) => Err((STATUS_ERROR, m)),
        Err(p) => Err((STATUS_PANIC, panic_message(p))),
    };
    write_batch(out, result);
}

/// `process` for a document stage.
///
/// # Safety
/// `instance` from `create::<T>`; `docs` points to `len` documents; `out` writable.
pub unsafe extern "C" fn process_document<T: DocumentStage>(
    instance: *mut c_void,
    docs: *const TmDoc,
    len: usize,
    out: *mut TmBatchResult,
) {
    // SAFETY: the instance outlives the call and is only read here.
    let stage = unsafe { &*(instance as *const T) };
    run_batch(docs, len, out, |d, s| stage.process_batch(d, s));
}

/// `process` for a corpus stage: applies the finished state.
///
/// # Safety
/// As [`process_document`], after `finish`.
pub unsafe extern "C" fn apply_corpus<T: CorpusStage>(
    instance: *mut c_void,
    docs: *const TmDoc,
    len: usize,
    out: *mut TmBatchResult,
) {
    // SAFETY: the instance outlives the call and is only read here.
    let stage = unsafe { &*(instance as *const T) };
    run_batch(docs, len, out, |d, s| stage.apply_batch(d, s));
}

fn run_bytes(out: *mut TmBytes, f: impl FnOnce() -> Result<Vec<u8>, String>) {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(bytes)) => write_bytes(out, STATUS_OK, bytes),
        Ok(Err(m)) => write_bytes(out, STATUS_ERROR, m.into_bytes()),
        Err(p) => write_bytes(out, STATUS_PANIC, panic_message(p).into_bytes()),
    }
}

/// `observe` for a corpus stage.
///
/// # Safety
/// As [`process_document`].
pub unsafe extern "C" fn observe<T: CorpusStage>(
    instance: *mut c_void,
    docs: *const TmDoc,
    len: usize,
    out: *mut TmBytes,
) {
    // SAFETY: the instance outlives the call and is only read here.
    let stage = unsafe { &*(instance as *const T) };
    run_bytes(out, || {
        let docs: &[TmDoc] = if len == 0 {
            &[]
        } else {
            // SAFETY: the host passes `len` valid documents.
            unsafe { std::slice::from_raw_parts(docs, len) }
        };
        let (views, slots) = views(docs);
        if slots.iter().any(Option::is_some) {
            return Err("batch holds a document that is not valid UTF-8".to_string());
        }
        stage.observe(&views)
    });
}

/// `merge` for a corpus stage.
///
/// # Safety
/// `states` points to `n` valid views.
pub unsafe extern "C" fn merge<T: CorpusStage>(
    instance: *mut c_void,
    states: *const TmStr,
    n: usize,
    out: *mut TmBytes,
) {
    // SAFETY: the instance outlives the call and is only read here.
    let stage = unsafe { &*(instance as *const T) };
    run_bytes(out, || {
        let states: &[TmStr] = if n == 0 {
            &[]
        } else {
            // SAFETY: the host passes `n` valid views.
            unsafe { std::slice::from_raw_parts(states, n) }
        };
        // SAFETY: each view stays alive for the call.
        let parts: Vec<&[u8]> = states.iter().map(|s| unsafe { s.as_bytes() }).collect();
        stage.merge(&parts)
    });
}

/// `finish` for a corpus stage.
///
/// # Safety
/// The host guarantees no other call on `instance` runs at the same time.
pub unsafe extern "C" fn finish<T: CorpusStage>(
    instance: *mut c_void,
    state: TmStr,
    out: *mut TmBytes,
) {
    // SAFETY: exclusive access during finish, guaranteed by the host.
    let stage = unsafe { &mut *(instance as *mut T) };
    run_bytes(out, || {
        // SAFETY: the view stays alive for the call.
        stage
            .finish(unsafe { state.as_bytes() })
            .map(|()| Vec::new())
    });
}
