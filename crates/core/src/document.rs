//! The document model: an id, a text, and the record it came from.

use serde_json::{Map, Value};
use std::sync::Arc;

/// Where a document came from, for rejects and error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Input file, as given or relative to the input folder.
    pub file: Arc<str>,
    /// 1-based line number in a JSONL file; 0 for a whole `.txt` file.
    pub line: u64,
}

/// One document flowing through the pipeline.
///
/// `record` holds every field of the input record in its original order;
/// its `text` entry is a placeholder while the text lives in `text`, so a
/// JSONL record goes out with its fields untouched except what stages change.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Grows with input order (file index and byte offset, see [`crate::read::ordinal`]);
    /// the same in sharded and whole runs. Not contiguous.
    pub ordinal: u64,
    /// Document id.
    pub id: String,
    /// Current text.
    pub text: String,
    /// The input record (all fields; `text` is a placeholder).
    pub record: Map<String, Value>,
    /// Where it came from.
    pub origin: Origin,
}

impl Document {
    /// A document from a plain text file: `{"id", "text"}`.
    pub fn from_text(ordinal: u64, id: String, text: String, origin: Origin) -> Document {
        let mut record = Map::new();
        record.insert("id".into(), Value::String(id.clone()));
        record.insert("text".into(), Value::Null);
        Document {
            ordinal,
            id,
            text,
            record,
            origin,
        }
    }

    /// Append the JSON text of every field except `text` to `out`, as
    /// plugins receive it: one buffer serves a batch.
    pub fn write_fields_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        let mut first = true;
        for (k, v) in &self.record {
            if k == "text" {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            // Writing a string or a Value into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, k);
            out.push(b':');
            let _ = serde_json::to_writer(&mut *out, v);
        }
        out.push(b'}');
    }

    /// Merge keys into the record's `metadata` object (created when absent).
    pub fn merge_metadata(&mut self, patch: Map<String, Value>) {
        if patch.is_empty() {
            return;
        }
        let slot = self
            .record
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            // Readers reject records whose metadata is not an object, so this
            // only happens for records built by hand; keep the old value.
            let old = std::mem::replace(slot, Value::Object(Map::new()));
            if let Value::Object(m) = slot {
                m.insert("original".into(), old);
            }
        }
        if let Value::Object(m) = slot {
            m.extend(patch);
        }
    }

    /// The full record with the current text in place, for writing.
    pub fn to_record(&self) -> Map<String, Value> {
        let mut record = self.record.clone();
        match record.get_mut("text") {
            Some(slot) => *slot = Value::String(self.text.clone()),
            None => {
                record.insert("text".into(), Value::String(self.text.clone()));
            }
        }
        record
    }

    /// Append the full record with the current text in place, as one JSON
    /// line: the bytes of `to_record()` serialised, without copying the record.
    pub fn write_jsonl(&self, out: &mut Vec<u8>) {
        // Serialising JSON values into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &RecordWithText(self));
        out.push(b'\n');
    }

    /// The record's metadata object, if any.
    pub fn metadata(&self) -> Option<&Map<String, Value>> {
        self.record.get("metadata").and_then(Value::as_object)
    }
}

/// A document's record with its current text in the `text` slot (appended
/// when the record has none, as [`Document::to_record`] does).
struct RecordWithText<'a>(&'a Document);

impl serde::Serialize for RecordWithText<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let doc = self.0;
        let has_text = doc.record.contains_key("text");
        let mut m = s.serialize_map(Some(doc.record.len() + usize::from(!has_text)))?;
        for (k, v) in &doc.record {
            if k == "text" {
                m.serialize_entry(k, &doc.text)?;
            } else {
                m.serialize_entry(k, v)?;
            }
        }
        if !has_text {
            m.serialize_entry("text", &doc.text)?;
        }
        m.end()
    }
}

/// A document (or an unreadable piece of input) that did not make it to the output.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    /// Document id, when known.
    pub id: Option<String>,
    /// Machine-readable reason (`duplicate`, `malformed_json`, `plugin_panic`, ...).
    pub reason: String,
    /// Stage that rejected it (`read` for input errors).
    pub stage: String,
    /// Where it came from.
    pub origin: Origin,
    /// Extra fields: `message`, `duplicate_of`, `similarity`, ...
    pub detail: Map<String, Value>,
    /// The record as the stage saw it (text included), when there was one.
    pub record: Option<Map<String, Value>>,
    /// The raw input, for input that is not a record (a malformed JSONL line).
    pub raw: Option<String>,
}

impl Reject {
    /// The JSON line written to the rejects file.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert(
            "id".into(),
            self.id.clone().map(Value::String).unwrap_or(Value::Null),
        );
        m.insert("reason".into(), Value::String(self.reason.clone()));
        m.insert("stage".into(), Value::String(self.stage.clone()));
        m.insert("file".into(), Value::String(self.origin.file.to_string()));
        if self.origin.line > 0 {
            m.insert("line".into(), Value::from(self.origin.line));
        }
        for (k, v) in &self.detail {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if let Some(r) = &self.record {
            m.insert("record".into(), Value::Object(r.clone()));
        }
        if let Some(raw) = &self.raw {
            m.insert("raw".into(), Value::String(raw.clone()));
        }
        Value::Object(m)
    }

    /// Reject a whole document at a stage.
    pub fn of_document(
        doc: &Document,
        stage: &str,
        reason: &str,
        detail: Map<String, Value>,
    ) -> Reject {
        Reject {
            id: Some(doc.id.clone()),
            reason: reason.to_string(),
            stage: stage.to_string(),
            origin: doc.origin.clone(),
            detail,
            record: Some(doc.to_record()),
            raw: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Document {
        let record: Map<String, Value> =
            serde_json::from_str(r#"{"id":"a","text":null,"source":"x.com","metadata":{"k":1}}"#)
                .unwrap();
        Document {
            ordinal: 0,
            id: "a".into(),
            text: "hello".into(),
            record,
            origin: Origin {
                file: "f.jsonl".into(),
                line: 1,
            },
        }
    }

    #[test]
    fn fields_json_has_every_field_but_text() {
        let mut json = Vec::new();
        doc().write_fields_json(&mut json);
        assert_eq!(json, br#"{"id":"a","source":"x.com","metadata":{"k":1}}"#);
    }

    #[test]
    fn record_keeps_field_order_with_new_text_in_place() {
        let mut d = doc();
        d.text = "new".into();
        d.merge_metadata(serde_json::from_str(r#"{"summary":"s"}"#).unwrap());
        assert_eq!(
            serde_json::to_string(&d.to_record()).unwrap(),
            r#"{"id":"a","text":"new","source":"x.com","metadata":{"k":1,"summary":"s"}}"#
        );
    }

    #[test]
    fn jsonl_line_is_the_serialised_record() {
        let mut d = doc();
        d.text = "tab\there \"q\" é".into();
        let mut line = Vec::new();
        d.write_jsonl(&mut line);
        let mut expected = serde_json::to_vec(&d.to_record()).unwrap();
        expected.push(b'\n');
        assert_eq!(line, expected);
        // A record without a text slot gets the text at the end.
        d.record.remove("text");
        line.clear();
        d.write_jsonl(&mut line);
        let mut expected = serde_json::to_vec(&d.to_record()).unwrap();
        expected.push(b'\n');
        assert_eq!(line, expected);
    }
}
