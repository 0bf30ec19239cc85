//! The spill format between passes: length-prefixed binary frames, so a
//! document's text is copied as bytes, never JSON-escaped and parsed again.
//!
//! One frame per document (integers little-endian):
//!
//! ```text
//! ordinal u64, origin line u64,
//! origin file, id, text, record: each a u64 length and that many bytes
//! ```
//!
//! `record` is the document's record as JSON, with its `text` placeholder in
//! place, so the field order survives the spill. A spill is written and read
//! by the same binary within one run (or one sharded run's passes, which
//! check the config fingerprint), so the format carries no version.

use crate::document::{Document, Origin};
use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Append one document's frame to `out`.
pub(crate) fn encode(doc: &Document, out: &mut Vec<u8>) {
    out.extend_from_slice(&doc.ordinal.to_le_bytes());
    out.extend_from_slice(&doc.origin.line.to_le_bytes());
    for part in [
        doc.origin.file.as_bytes(),
        doc.id.as_bytes(),
        doc.text.as_bytes(),
    ] {
        out.extend_from_slice(&(part.len() as u64).to_le_bytes());
        out.extend_from_slice(part);
    }
    let at = out.len();
    out.extend_from_slice(&0u64.to_le_bytes());
    // Writing a map of JSON values into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &doc.record);
    let len = (out.len() - at - 8) as u64;
    out[at..at + 8].copy_from_slice(&len.to_le_bytes());
}

/// Reads a spill file back into documents.
pub(crate) struct SpillReader {
    reader: BufReader<std::fs::File>,
    path: PathBuf,
    /// Bytes consumed so far.
    pub(crate) bytes: u64,
    /// The previous frame's origin file, shared while it repeats.
    last_file: Option<Arc<str>>,
}

impl SpillReader {
    /// Open a spill file.
    pub(crate) fn open(path: &Path) -> Result<SpillReader> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Ok(SpillReader {
            reader: BufReader::with_capacity(1 << 16, file),
            path: path.to_path_buf(),
            bytes: 0,
            last_file: None,
        })
    }

    fn corrupt(&self, message: &str) -> Error {
        Error::Input {
            path: self.path.clone(),
            message: format!("corrupt spill file at byte {}: {message}", self.bytes),
        }
    }

    fn u64(&mut self) -> Result<u64> {
        let mut b = [0u8; 8];
        self.reader
            .read_exact(&mut b)
            .map_err(|e| self.read_error(e))?;
        self.bytes += 8;
        Ok(u64::from_le_bytes(b))
    }

    fn part(&mut self) -> Result<Vec<u8>> {
        let len = self.u64()?;
        // Sized up front (a corrupt length reserves at most 64 MiB, and
        // reading stops at the end of the file).
        let mut buf = Vec::with_capacity(len.min(1 << 26) as usize);
        let got = (&mut self.reader)
            .take(len)
            .read_to_end(&mut buf)
            .map_err(|e| self.read_error(e))?;
        if got as u64 != len {
            return Err(self.corrupt("frame cut short"));
        }
        self.bytes += len;
        Ok(buf)
    }

    fn string(&mut self, what: &str) -> Result<String> {
        String::from_utf8(self.part()?).map_err(|_| self.corrupt(&format!("{what} is not UTF-8")))
    }

    fn read_error(&self, e: std::io::Error) -> Error {
        if e.kind() == ErrorKind::UnexpectedEof {
            self.corrupt("frame cut short")
        } else {
            Error::io(&self.path, e)
        }
    }

    fn frame(&mut self) -> Result<Document> {
        let ordinal = self.u64()?;
        let line = self.u64()?;
        let file = self.string("origin file")?;
        let file = match &self.last_file {
            Some(f) if **f == *file => f.clone(),
            _ => {
                let f: Arc<str> = file.into();
                self.last_file = Some(f.clone());
                f
            }
        };
        let id = self.string("id")?;
        let text = self.string("text")?;
        let record = self.part()?;
        let record: Map<String, Value> =
            serde_json::from_slice(&record).map_err(|e| self.corrupt(&format!("record: {e}")))?;
        Ok(Document {
            ordinal,
            id,
            text,
            record,
            origin: Origin { file, line },
        })
    }
}

impl Iterator for SpillReader {
    type Item = Result<Document>;

    fn next(&mut self) -> Option<Result<Document>> {
        match self.reader.fill_buf() {
            Ok([]) => None,
            Ok(_) => Some(self.frame()),
            Err(e) => Some(Err(Error::io(&self.path, e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, text: &str, file: &str) -> Document {
        let record: Map<String, Value> = serde_json::from_str(&format!(
            r#"{{"id":{},"text":null,"source":"x.com","metadata":{{"k":[1,2]}}}}"#,
            serde_json::to_string(id).unwrap()
        ))
        .unwrap();
        Document {
            ordinal: 7 << 40 | 99,
            id: id.into(),
            text: text.into(),
            record,
            origin: Origin {
                file: file.into(),
                line: 3,
            },
        }
    }

    #[test]
    fn documents_come_back_as_they_went_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.spill");
        let docs = [
            doc("a", "line one\n\"quoted\" \u{202e}rtl\u{0} nul", "f.jsonl"),
            doc("b", "", "f.jsonl"),
            doc("c\n", "é", "g.txt"),
        ];
        let mut bytes = Vec::new();
        for d in &docs {
            encode(d, &mut bytes);
        }
        std::fs::write(&path, &bytes).unwrap();
        let back: Vec<Document> = SpillReader::open(&path)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(back, docs);
        assert!(Arc::ptr_eq(&back[0].origin.file, &back[1].origin.file));
    }

    #[test]
    fn a_cut_frame_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.spill");
        let mut bytes = Vec::new();
        encode(&doc("a", "some text", "f.jsonl"), &mut bytes);
        encode(&doc("b", "more text", "f.jsonl"), &mut bytes);
        bytes.truncate(bytes.len() - 5);
        std::fs::write(&path, &bytes).unwrap();
        let mut r = SpillReader::open(&path).unwrap();
        assert!(r.next().unwrap().is_ok());
        let e = r.next().unwrap().unwrap_err().to_string();
        assert!(e.contains("s.spill") && e.contains("cut short"), "{e}");
    }
}
