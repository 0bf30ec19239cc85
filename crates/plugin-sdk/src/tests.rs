//! Round trips through the generated C glue, exactly as the host calls it.

use crate::abi::*;
use crate::{ConfigError, Doc, DocumentStage, Outcome, Param, Plugin, Stats, parse_config};

struct Upper {
    panic_on: Option<String>,
}

impl Plugin for Upper {
    const NAME: &'static str = "upper";
    const VERSION: &'static str = "0.0.1";
    const DESCRIPTION: &'static str = "Uppercases text; drops empty documents.";
    fn params() -> Vec<Param> {
        vec![Param::new(
            "panic_on",
            "string",
            serde_json::Value::Null,
            "Panic on this id.",
        )]
    }
    fn from_config(config: &serde_json::Value) -> Result<Self, ConfigError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            panic_on: Option<String>,
        }
        let raw: Raw = parse_config(config)?;
        Ok(Upper {
            panic_on: raw.panic_on,
        })
    }
}

impl DocumentStage for Upper {
    fn process(&self, doc: &Doc<'_>, stats: &mut Stats) -> Outcome {
        if self.panic_on.as_deref() == Some(doc.id) {
            panic!("asked to panic on {}", doc.id);
        }
        stats.add("seen", 1.0);
        if doc.text.is_empty() {
            Outcome::drop("empty").with_detail("why", "no text")
        } else {
            Outcome::replace(doc.text.to_uppercase()).with_metadata("upper", true)
        }
    }
}

crate::export_plugin!(document: Upper);

fn info() -> &'static TmPluginInfo {
    // SAFETY: the exported function returns a pointer to a static.
    unsafe { &*textmill_plugin_info() }
}

fn create_with(config: &str) -> Result<*mut std::ffi::c_void, ConfigError> {
    let mut err = TmBytes::empty();
    // SAFETY: valid views and out-pointer.
    let inst = unsafe { (info().create)(TmStr::from_str(config), &mut err) };
    if inst.is_null() {
        // SAFETY: on failure the plugin filled `err`.
        let e = serde_json::from_slice(unsafe { err.data.as_bytes() }).unwrap();
        // SAFETY: release the plugin-owned buffer once.
        unsafe { err.release.unwrap()(err.owner) };
        return Err(e);
    }
    Ok(inst)
}

fn run(
    inst: *mut std::ffi::c_void,
    docs: &[(&str, &str)],
) -> (i32, Vec<(u32, String, String)>, String) {
    let views: Vec<TmDoc> = docs
        .iter()
        .enumerate()
        .map(|(i, (id, text))| TmDoc {
            ordinal: i as u64,
            id: TmStr::from_str(id),
            text: TmStr::from_str(text),
            fields_json: TmStr::from_str("{}"),
        })
        .collect();
    let mut out = TmBatchResult::empty();
    // SAFETY: valid instance, views and out-pointer.
    unsafe { (info().process)(inst, views.as_ptr(), views.len(), &mut out) };
    // SAFETY: views into the plugin-owned result, read before release.
    let rows = unsafe { std::slice::from_raw_parts(out.outcomes, out.len) }
        .iter()
        .map(|o| unsafe {
            (
                o.action,
                String::from_utf8(o.text.as_bytes().to_vec()).unwrap(),
                String::from_utf8(o.reason.as_bytes().to_vec()).unwrap(),
            )
        })
        .collect();
    // SAFETY: as above.
    let message = unsafe { String::from_utf8(out.message.as_bytes().to_vec()).unwrap() };
    let status = out.status;
    // SAFETY: released once.
    unsafe { out.release.unwrap()(out.owner) };
    (status, rows, message)
}

#[test]
fn info_describes_the_plugin() {
    assert_eq!(textmill_plugin_abi_version(), ABI_VERSION);
    let info = info();
    assert_eq!(info.kind, KIND_DOCUMENT);
    assert_eq!(info.panic_unwind, 1);
    // SAFETY: static strings.
    assert_eq!(unsafe { info.name.as_bytes() }, b"upper");
    let params: Vec<Param> =
        serde_json::from_slice(unsafe { info.params_json.as_bytes() }).unwrap();
    assert_eq!(params[0].name, "panic_on");
}

#[test]
fn a_batch_round_trips_with_actions_in_order() {
    let inst = create_with("{}").unwrap();
    let (status, rows, _) = run(inst, &[("a", "hi"), ("b", ""), ("c", "x")]);
    assert_eq!(status, STATUS_OK);
    assert_eq!(rows[0], (ACTION_REPLACE, "HI".into(), "".into()));
    assert_eq!(rows[1], (ACTION_DROP, "".into(), "empty".into()));
    assert_eq!(rows[2].1, "X");
    // SAFETY: instance from create.
    unsafe { (info().destroy)(inst) };
}

#[test]
fn unknown_config_keys_are_errors_naming_the_key() {
    let err = create_with(r#"{"panic_onn": "x"}"#).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("panic_onn"));
}

#[test]
fn a_panic_becomes_a_batch_error_with_its_message() {
    let inst = create_with(r#"{"panic_on": "b"}"#).unwrap();
    let (status, rows, message) = run(inst, &[("a", "hi"), ("b", "boom")]);
    assert_eq!(status, STATUS_PANIC);
    assert!(rows.is_empty());
    assert!(message.contains("asked to panic on b"), "{message}");
    // The instance is still usable after a caught panic.
    let (status, rows, _) = run(inst, &[("a", "ok")]);
    assert_eq!((status, rows.len()), (STATUS_OK, 1));
    // SAFETY: instance from create.
    unsafe { (info().destroy)(inst) };
}

#[test]
fn invalid_utf8_documents_get_an_error_outcome_and_others_proceed() {
    let inst = create_with("{}").unwrap();
    let bad = [0xffu8, 0xfe];
    let views = [
        TmDoc {
            ordinal: 0,
            id: TmStr::from_str("a"),
            text: TmStr::from_bytes(&bad),
            fields_json: TmStr::from_str("{}"),
        },
        TmDoc {
            ordinal: 1,
            id: TmStr::from_str("b"),
            text: TmStr::from_str("ok"),
            fields_json: TmStr::from_str("{}"),
        },
    ];
    let mut out = TmBatchResult::empty();
    // SAFETY: valid views and out-pointer.
    unsafe { (info().process)(inst, views.as_ptr(), 2, &mut out) };
    let rows = unsafe { std::slice::from_raw_parts(out.outcomes, out.len) };
    assert_eq!(rows[0].action, ACTION_ERROR);
    assert_eq!(rows[1].action, ACTION_REPLACE);
    // SAFETY: released once; instance from create.
    unsafe { out.release.unwrap()(out.owner) };
    unsafe { (info().destroy)(inst) };
}

#[test]
fn doc_field_looks_in_record_then_metadata() {
    let d = Doc {
        ordinal: 0,
        id: "x",
        text: "",
        fields_json: r#"{"id":"x","source":"a.com","metadata":{"url":"http://b"}}"#,
    };
    assert_eq!(d.field("source").unwrap(), "a.com");
    assert_eq!(d.field("url").unwrap(), "http://b");
    assert!(d.field("nope").is_none());
}

#[test]
fn config_errors_name_the_key_for_bad_values_too() {
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Raw {
        mode: Mode,
        size: std::num::NonZeroUsize,
        list: Vec<u32>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        Fast,
    }
    let err = |json: &str| parse_config::<Raw>(&serde_json::from_str(json).unwrap()).unwrap_err();
    assert_eq!(
        err(r#"{"mode": "slow", "size": 1, "list": []}"#)
            .key
            .as_deref(),
        Some("mode")
    );
    assert_eq!(
        err(r#"{"mode": "fast", "size": 0, "list": []}"#)
            .key
            .as_deref(),
        Some("size")
    );
    assert_eq!(
        err(r#"{"mode": "fast", "size": 1, "list": [1, "x"]}"#)
            .key
            .as_deref(),
        Some("list[1]")
    );
    assert_eq!(
        err(r#"{"mode": "fast", "size": 1}"#).key.as_deref(),
        Some("list")
    );
    assert_eq!(
        err(r#"{"mode": "fast", "size": 1, "list": [], "extra": 1}"#)
            .key
            .as_deref(),
        Some("extra")
    );
}
