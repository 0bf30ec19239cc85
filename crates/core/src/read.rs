//! Readers: a folder of `.txt` files, JSONL (plain, `.gz`, `.zst`), or stdin.
//!
//! Reading never stops at a bad document: an unreadable file, a malformed
//! JSONL line, invalid UTF-8, an oversized or empty document each become a
//! [`Reject`] naming the file and line, and reading goes on.

use crate::config::{InputConfig, InputFormat, Utf8Policy};
use crate::document::{Document, Origin, Reject};
use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One item read from the input.
#[derive(Debug)]
pub enum Item {
    /// A document.
    Doc(Document),
    /// Input that could not become a document.
    Reject(Reject),
}

/// One item as the reader hands it over: ready, or a JSONL line whose
/// parsing is left to the worker that takes it (so several workers parse,
/// not the one reading thread).
#[derive(Debug)]
// Batches hold items inline, as they held documents: boxing the large
// variant would cost an allocation per document of the spill passes.
#[allow(clippy::large_enum_variant)]
pub enum Raw {
    /// A document or a reject.
    Item(Item),
    /// A JSONL line to parse with [`JsonlLine::parse`].
    Line(JsonlLine),
}

/// A non-blank JSONL line within `max_document_bytes`, not yet parsed.
#[derive(Debug)]
pub struct JsonlLine {
    bytes: Vec<u8>,
    name: Arc<str>,
    line: u64,
    ordinal: u64,
}

impl JsonlLine {
    /// Bytes of the line.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True for an empty line (the reader never hands one over).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The document the line holds, or the reject that says why it holds none.
    pub fn parse(self, config: &InputConfig) -> Item {
        parse_jsonl_line(&self.bytes, &self.name, self.line, self.ordinal, config)
    }
}

/// How one input file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The whole file is one document.
    Text,
    /// One JSON record per line, uncompressed.
    Jsonl,
    /// JSONL, gzip-compressed.
    JsonlGz,
    /// JSONL, zstd-compressed.
    JsonlZst,
}

impl FileKind {
    /// The kind of a file from its name, under a format override.
    pub fn of(path: &Path, format: InputFormat) -> Option<FileKind> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let compressed = if name.ends_with(".gz") {
            Some(FileKind::JsonlGz)
        } else if name.ends_with(".zst") {
            Some(FileKind::JsonlZst)
        } else {
            None
        };
        match format {
            InputFormat::Text => Some(FileKind::Text),
            InputFormat::Jsonl => Some(compressed.unwrap_or(FileKind::Jsonl)),
            InputFormat::Auto => {
                if name.ends_with(".txt") {
                    Some(FileKind::Text)
                } else if name.ends_with(".jsonl") || name.ends_with(".json") {
                    Some(FileKind::Jsonl)
                } else if name.ends_with(".jsonl.gz") || name.ends_with(".json.gz") {
                    Some(FileKind::JsonlGz)
                } else if name.ends_with(".jsonl.zst") || name.ends_with(".json.zst") {
                    Some(FileKind::JsonlZst)
                } else {
                    None
                }
            }
        }
    }
}

/// One input file and the name documents from it carry.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Path to open.
    pub path: PathBuf,
    /// Name used in ids and rejects (relative to the input folder).
    pub name: Arc<str>,
    /// How to read it.
    pub kind: FileKind,
    /// Size in bytes (0 when unknown).
    pub size: u64,
    /// Position in the full sorted input (before sharding); the high bits of ordinals.
    pub index: u32,
    /// Byte range whose lines this plan reads (a line belongs to the range
    /// holding its first byte); `None` for the whole file.
    pub range: Option<std::ops::Range<u64>>,
}

/// Bits of an ordinal that hold the byte offset inside a file (1 TiB per file).
pub const ORDINAL_OFFSET_BITS: u32 = 40;

/// The ordinal of the document starting at `offset` in input file `index`:
/// it grows with input order and is the same whether the input is read whole
/// or in shards, so corpus stages decide the same way in both.
pub fn ordinal(index: u32, offset: u64) -> u64 {
    ((index as u64) << ORDINAL_OFFSET_BITS) | (offset & ((1u64 << ORDINAL_OFFSET_BITS) - 1))
}

/// Everything that will be read, in order, plus problems found while listing.
#[derive(Debug, Default)]
pub struct InputPlan {
    /// Files in read order (sorted by relative path).
    pub files: Vec<InputFile>,
    /// Read stdin instead of files.
    pub stdin: Option<FileKind>,
    /// Entries that could not be listed or opened (become rejects).
    pub unreadable: Vec<Reject>,
}

impl InputPlan {
    /// Total bytes of the listed files (for progress).
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// Keep only shard `index` of `count`: the input, files in sorted order
    /// taken as one run of bytes, is cut into `count` equal byte ranges.
    /// Uncompressed JSONL files are split on line boundaries; other files go
    /// whole to the shard holding their first byte. Listing problems go to shard 0.
    pub fn shard(self, index: usize, count: usize) -> InputPlan {
        let total: u64 = self.total_bytes();
        let count = count.max(1) as u64;
        let index = index as u64;
        // First byte position of shard i: ceil(i * total / count).
        let lo = |i: u64| -> u64 { ((i as u128 * total as u128).div_ceil(count as u128)) as u64 };
        let shard_of = |pos: u64| -> u64 {
            if total == 0 {
                0
            } else {
                ((pos as u128 * count as u128 / total as u128) as u64).min(count - 1)
            }
        };
        let (start, end) = (lo(index), lo(index + 1));
        let mut files = Vec::new();
        let mut at = 0u64;
        for f in self.files {
            let (a, b) = (at, at + f.size);
            at = b;
            if f.kind == FileKind::Jsonl && f.size > 0 {
                let (s, e) = (a.max(start), b.min(end));
                if s < e {
                    let range = (s - a)..(e - a);
                    let whole = range.start == 0 && range.end == f.size;
                    files.push(InputFile {
                        range: if whole { None } else { Some(range) },
                        ..f
                    });
                }
            } else if shard_of(a) == index {
                files.push(f);
            }
        }
        InputPlan {
            files,
            stdin: self.stdin.filter(|_| index == 0),
            unreadable: if index == 0 {
                self.unreadable
            } else {
                Vec::new()
            },
        }
    }

    /// List the input: a file, a folder (recursively, sorted; symlinks are
    /// followed, and a symlink loop or a dangling link becomes an `unreadable`
    /// reject instead of hanging the run) or `-`.
    pub fn list(path: &Path, config: &InputConfig) -> Result<InputPlan> {
        if path.as_os_str() == "-" {
            let kind = match config.format {
                InputFormat::Text => FileKind::Text,
                _ => FileKind::Jsonl,
            };
            return Ok(InputPlan {
                stdin: Some(kind),
                ..InputPlan::default()
            });
        }
        let meta = std::fs::metadata(path).map_err(|e| Error::Input {
            path: path.to_path_buf(),
            message: if e.kind() == std::io::ErrorKind::NotFound {
                "does not exist".into()
            } else {
                e.to_string()
            },
        })?;
        let mut plan = InputPlan::default();
        if meta.is_file() {
            let kind = FileKind::of(path, config.format).ok_or_else(|| Error::Input {
                path: path.to_path_buf(),
                message: "unknown extension (expected .txt, .jsonl, .jsonl.gz or .jsonl.zst; set [input] format to force one)".into(),
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            plan.files.push(InputFile {
                path: path.to_path_buf(),
                name: name.into(),
                kind,
                size: meta.len(),
                index: 0,
                range: None,
            });
            return Ok(plan);
        }
        let walker = walkdir::WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let at = e
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| path.to_path_buf());
                    plan.unreadable
                        .push(listing_reject(path, &at, &e.to_string()));
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry.path().strip_prefix(path).unwrap_or(entry.path());
            if rel
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
            {
                continue;
            }
            let Some(kind) = FileKind::of(entry.path(), config.format) else {
                continue;
            };
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            let name = rel.to_string_lossy().replace('\\', "/");
            plan.files.push(InputFile {
                path: entry.path().to_path_buf(),
                name: name.into(),
                kind,
                size,
                index: plan.files.len() as u32,
                range: None,
            });
        }
        Ok(plan)
    }
}

fn listing_reject(root: &Path, at: &Path, message: &str) -> Reject {
    let name = at
        .strip_prefix(root)
        .unwrap_or(at)
        .to_string_lossy()
        .into_owned();
    let mut detail = Map::new();
    detail.insert("message".into(), Value::String(message.to_string()));
    Reject {
        id: None,
        reason: "unreadable".into(),
        stage: "read".into(),
        origin: Origin {
            file: name.into(),
            line: 0,
        },
        detail,
        record: None,
        raw: None,
    }
}

fn reject(
    origin: Origin,
    id: Option<String>,
    reason: &str,
    message: String,
    raw: Option<String>,
) -> Item {
    let mut detail = Map::new();
    detail.insert("message".into(), Value::String(message));
    Item::Reject(Reject {
        id,
        reason: reason.into(),
        stage: "read".into(),
        origin,
        detail,
        record: None,
        raw,
    })
}

/// Reads the items of an [`InputPlan`] in order, assigning ordinals.
pub struct Reader {
    plan: std::vec::IntoIter<InputFile>,
    pending: std::vec::IntoIter<Reject>,
    stdin: Option<FileKind>,
    current: Option<FileReader>,
    config: InputConfig,
    bytes_read: u64,
    /// The current JSONL line, reused from line to line.
    line: Vec<u8>,
}

/// Where reading stands inside a JSONL file.
struct LineCursor {
    lines: Box<dyn BufRead + Send>,
    name: Arc<str>,
    /// The file's index in the full input.
    index: u32,
    /// Lines read so far (the next line's number minus one).
    line: u64,
    /// Byte offset of the next line.
    offset: u64,
    /// Stop at the first line starting at or after this offset.
    end: Option<u64>,
}

enum FileReader {
    Lines(LineCursor),
    Done,
}

/// Strip a leading UTF-8 byte order mark.
fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Read one `\n`-terminated line, keeping at most `max + 1` bytes of it so a
/// huge line cannot exhaust memory. Returns the line's full length, or None at EOF.
fn read_line_bounded(
    r: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<usize>> {
    buf.clear();
    let mut total = 0usize;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok(if total == 0 { None } else { Some(total) });
        }
        let (used, done) = match memchr_newline(chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = (max + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..used.min(room)]);
        total += used;
        r.consume(used);
        if done {
            if buf.last() == Some(&b'\n') {
                buf.pop();
            }
            return Ok(Some(total));
        }
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}

impl Reader {
    /// Start reading a plan.
    pub fn new(plan: InputPlan, config: &InputConfig) -> Reader {
        Reader {
            plan: plan.files.into_iter(),
            pending: plan.unreadable.into_iter(),
            stdin: plan.stdin,
            current: None,
            config: config.clone(),
            bytes_read: 0,
            line: Vec::new(),
        }
    }

    /// Bytes read so far (uncompressed), for progress.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    fn text_file(&mut self, file: &InputFile) -> Item {
        let (path, name) = (file.path.as_path(), file.name.clone());
        let origin = Origin {
            file: name.clone(),
            line: 0,
        };
        let id = Some(name.to_string());
        let bytes = match read_bounded(path, self.config.max_document_bytes) {
            Ok(Ok(b)) => b,
            Ok(Err(size)) => {
                return reject(
                    origin,
                    id,
                    "too_large",
                    format!(
                        "{size} bytes is over max_document_bytes = {}",
                        self.config.max_document_bytes
                    ),
                    None,
                );
            }
            Err(e) => return reject(origin, id, "unreadable", e.to_string(), None),
        };
        self.bytes_read += bytes.len() as u64;
        self.text_document(
            strip_bom(&bytes).to_vec(),
            name,
            origin,
            ordinal(file.index, 0),
        )
    }

    fn text_document(
        &mut self,
        bytes: Vec<u8>,
        name: Arc<str>,
        origin: Origin,
        ordinal: u64,
    ) -> Item {
        let id = Some(name.to_string());
        let (text, lossy) = match decode(bytes, self.config.invalid_utf8, &origin, &id) {
            Ok(t) => t,
            Err(item) => return *item,
        };
        if let Some(item) = unusable_text(&text, &origin, &id) {
            return item;
        }
        let text = normalize_line_endings(text);
        let mut doc = Document::from_text(ordinal, name.to_string(), text, origin);
        if lossy {
            doc.merge_metadata(lossy_flag());
        }
        Item::Doc(doc)
    }
}

/// The document a JSONL line holds (a byte order mark already cut off), or
/// the reject that says why it holds none.
fn parse_jsonl_line(
    bytes: &[u8],
    name: &Arc<str>,
    line: u64,
    ordinal: u64,
    config: &InputConfig,
) -> Item {
    let origin = Origin {
        file: name.clone(),
        line,
    };
    let raw = || String::from_utf8_lossy(&bytes[..bytes.len().min(1000)]).into_owned();
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) if e.is_data() || e.is_syntax() || e.is_eof() => {
            // Retry lossily so a record with bad bytes inside a string is not lost.
            if let (Utf8Policy::Lossy, Ok(v)) = (
                config.invalid_utf8,
                serde_json::from_str::<Value>(&String::from_utf8_lossy(bytes)),
            ) {
                v
            } else {
                let reason = if std::str::from_utf8(bytes).is_err() {
                    "invalid_utf8"
                } else {
                    "malformed_json"
                };
                return reject(
                    origin,
                    None,
                    reason,
                    format!("{name}:{line}: {e}"),
                    Some(raw()),
                );
            }
        }
        Err(e) => {
            return reject(
                origin,
                None,
                "malformed_json",
                format!("{name}:{line}: {e}"),
                Some(raw()),
            );
        }
    };
    let Value::Object(mut record) = value else {
        return reject(
            origin,
            None,
            "not_an_object",
            format!("{name}:{line}: a JSONL line must be a JSON object"),
            Some(raw()),
        );
    };
    let id = match record.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => {
            return reject(
                origin,
                None,
                "invalid_id",
                format!("{name}:{line}: `id` must be a string or a number"),
                Some(raw()),
            );
        }
        None => {
            let id = format!("{name}:{line}");
            record.insert("id".into(), Value::String(id.clone()));
            id
        }
    };
    let text = match record.get_mut("text") {
        Some(Value::String(s)) => std::mem::take(s),
        Some(_) => {
            return reject(
                origin,
                Some(id),
                "invalid_text",
                format!("{name}:{line}: `text` must be a string"),
                Some(raw()),
            );
        }
        None => {
            return reject(
                origin,
                Some(id),
                "missing_text",
                format!("{name}:{line}: no `text` field"),
                Some(raw()),
            );
        }
    };
    if let Some(item) = unusable_text(&text, &origin, &Some(id.clone())) {
        return item;
    }

    if matches!(record.get("metadata"), Some(m) if !m.is_object()) {
        return reject(
            origin,
            Some(id),
            "invalid_metadata",
            format!("{name}:{line}: `metadata` must be an object"),
            Some(raw()),
        );
    }
    if let Some(slot) = record.get_mut("text") {
        *slot = Value::Null;
    }
    Item::Doc(Document {
        ordinal,
        id,
        text,
        record,
        origin,
    })
}

/// The text of `bytes` under the invalid-UTF-8 policy: the text and whether
/// bad bytes were replaced, or the reject.
fn decode(
    bytes: Vec<u8>,
    policy: Utf8Policy,
    origin: &Origin,
    id: &Option<String>,
) -> std::result::Result<(String, bool), Box<Item>> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok((s, false)),
        Err(e) => match policy {
            Utf8Policy::Lossy => Ok((String::from_utf8_lossy(e.as_bytes()).into_owned(), true)),
            // Boxed: the rare reject should not widen every `Ok` return.
            Utf8Policy::Reject => Err(Box::new(reject(
                origin.clone(),
                id.clone(),
                "invalid_utf8",
                format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
                None,
            ))),
        },
    }
}

/// Empty text and binary data (NUL bytes) cannot be cleaned: say so.
fn unusable_text(text: &str, origin: &Origin, id: &Option<String>) -> Option<Item> {
    if text.trim().is_empty() {
        return Some(reject(
            origin.clone(),
            id.clone(),
            "empty",
            "the document has no text".into(),
            None,
        ));
    }
    if let Some(at) = text.bytes().position(|b| b == 0) {
        let message = format!("binary data: NUL byte at offset {at}");
        return Some(reject(origin.clone(), id.clone(), "binary", message, None));
    }
    None
}

/// Plain-text files from old Windows and Mac tools end lines with `\r\n` or
/// `\r`; documents carry `\n` only, so every stage sees the same lines.
fn normalize_line_endings(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn lossy_flag() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("lossy_utf8".into(), Value::Bool(true));
    m
}

/// Read a whole file unless it is over `max` bytes (then `Err(size)`).
fn read_bounded(path: &Path, max: usize) -> std::io::Result<std::result::Result<Vec<u8>, u64>> {
    let f = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    let n = f.take(max as u64 + 1).read_to_end(&mut bytes)?;
    if n > max {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(n as u64);
        return Ok(Err(size));
    }
    Ok(Ok(bytes))
}

impl Iterator for Reader {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        match self.next_raw()? {
            Raw::Item(item) => Some(item),
            Raw::Line(line) => Some(line.parse(&self.config)),
        }
    }
}

impl Reader {
    /// The next item, with a JSONL line left unparsed: the runner parses it
    /// on a worker, so parsing is not bound to this one thread.
    pub fn next_raw(&mut self) -> Option<Raw> {
        let ready = |item| Some(Raw::Item(item));
        if let Some(r) = self.pending.next() {
            return ready(Item::Reject(r));
        }
        loop {
            match self.current.take() {
                Some(FileReader::Lines(mut cur)) => {
                    if cur.end.is_some_and(|end| cur.offset >= end) {
                        continue;
                    }
                    let mut buf = std::mem::take(&mut self.line);
                    let max = self.config.max_document_bytes;
                    match read_line_bounded(cur.lines.as_mut(), &mut buf, max) {
                        Ok(None) => continue,
                        Ok(Some(len)) => {
                            cur.line += 1;
                            let (name, line, start) = (cur.name.clone(), cur.line, cur.offset);
                            let ordinal = ordinal(cur.index, start);
                            cur.offset += len as u64;
                            self.bytes_read += len as u64;
                            self.current = Some(FileReader::Lines(cur));
                            if buf.len() > max {
                                let message = format!(
                                    "{name}:{line}: {len} bytes is over max_document_bytes = {max}"
                                );
                                return ready(reject(
                                    Origin { file: name, line },
                                    None,
                                    "too_large",
                                    message,
                                    None,
                                ));
                            }
                            let bytes = if line == 1 { strip_bom(&buf) } else { &buf };
                            // A blank line is no item; any other leaves in a
                            // buffer of its own size (parsed by a worker).
                            let bytes = (!bytes.iter().all(u8::is_ascii_whitespace))
                                .then(|| bytes.to_vec());
                            // Keep the buffer unless one huge line grew it.
                            if buf.capacity() <= 1 << 20 {
                                self.line = buf;
                            }
                            let Some(bytes) = bytes else { continue };
                            return Some(Raw::Line(JsonlLine {
                                bytes,
                                name,
                                line,
                                ordinal,
                            }));
                        }
                        Err(e) => {
                            // A truncated or corrupt stream: report it and move on to the next file.
                            self.current = Some(FileReader::Done);
                            let (name, line) = (cur.name.clone(), cur.line);
                            let message = format!("{name}: after line {line}: {e}");
                            return ready(reject(
                                Origin {
                                    file: name,
                                    line: line + 1,
                                },
                                None,
                                "read_error",
                                message,
                                None,
                            ));
                        }
                    }
                }
                Some(FileReader::Done) | None => {
                    if let Some(kind) = self.stdin.take() {
                        let name: Arc<str> = "-".into();
                        let origin = Origin {
                            file: name.clone(),
                            line: 0,
                        };
                        if kind == FileKind::Text {
                            let mut bytes = Vec::new();
                            let limit = self.config.max_document_bytes as u64 + 1;
                            self.current = Some(FileReader::Done);
                            if let Err(e) =
                                std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
                            {
                                return ready(reject(
                                    origin,
                                    None,
                                    "unreadable",
                                    e.to_string(),
                                    None,
                                ));
                            }
                            return ready(self.text_document(bytes, name, origin, 0));
                        }
                        let lines = Box::new(BufReader::new(std::io::stdin()));
                        self.current = Some(FileReader::Lines(LineCursor {
                            lines,
                            name,
                            index: 0,
                            line: 0,
                            offset: 0,
                            end: None,
                        }));
                        continue;
                    }
                    let file = self.plan.next()?;
                    self.current = Some(FileReader::Done);
                    if file.kind == FileKind::Text {
                        return ready(self.text_file(&file));
                    }
                    match open_lines(&file) {
                        Ok(cur) => self.current = Some(FileReader::Lines(cur)),
                        Err(e) => {
                            let origin = Origin {
                                file: file.name.clone(),
                                line: 0,
                            };
                            return ready(reject(origin, None, "unreadable", e.to_string(), None));
                        }
                    }
                }
            }
        }
    }
}

/// Open a JSONL file at the first line of its range, knowing that line's number.
fn open_lines(file: &InputFile) -> std::io::Result<LineCursor> {
    let f = std::fs::File::open(&file.path)?;
    let mut cur = LineCursor {
        lines: match file.kind {
            FileKind::JsonlGz => Box::new(BufReader::with_capacity(
                1 << 16,
                flate2::read::MultiGzDecoder::new(f),
            )),
            FileKind::JsonlZst => Box::new(BufReader::with_capacity(
                1 << 16,
                zstd::stream::read::Decoder::new(f)?,
            )),
            _ => Box::new(BufReader::with_capacity(1 << 16, f)),
        },
        name: file.name.clone(),
        index: file.index,
        line: 0,
        offset: 0,
        end: None,
    };
    let Some(range) = file.range.clone() else {
        return Ok(cur);
    };
    cur.end = Some(range.end);
    if range.start > 0 {
        // The line holding byte start-1 belongs to the previous range: skip to its end.
        let mut f = std::fs::File::open(&file.path)?;
        std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(range.start - 1))?;
        let mut r = BufReader::with_capacity(1 << 16, f);
        let mut skipped = Vec::new();
        let n = r.read_until(b'\n', &mut skipped)? as u64;
        cur.offset = range.start - 1 + n;
        cur.line = count_newlines(&file.path, cur.offset)?;
        cur.lines = Box::new(r);
    }
    Ok(cur)
}

/// Newlines in the first `len` bytes of a file (the line number where a range starts).
fn count_newlines(path: &Path, len: u64) -> std::io::Result<u64> {
    let mut r = std::fs::File::open(path)?.take(len);
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let got = r.read(&mut buf)?;
        if got == 0 {
            return Ok(n);
        }
        n += buf[..got].iter().filter(|&&b| b == b'\n').count() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn config() -> InputConfig {
        InputConfig {
            path: None,
            format: InputFormat::Auto,
            invalid_utf8: Utf8Policy::Reject,
            max_document_bytes: 1000,
        }
    }

    fn read_all(path: &Path, config: &InputConfig) -> Vec<Item> {
        Reader::new(InputPlan::list(path, config).unwrap(), config).collect()
    }

    fn summary(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                Item::Doc(d) => format!("doc {} {}", d.id, d.text),
                Item::Reject(r) => {
                    format!("reject {} {}:{}", r.reason, r.origin.file, r.origin.line)
                }
            })
            .collect()
    }

    #[test]
    fn a_folder_of_text_files_is_read_recursively_in_sorted_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("b.txt"), "B").unwrap();
        std::fs::write(dir.path().join("sub/a.txt"), "\u{feff}A").unwrap();
        std::fs::write(dir.path().join("a.txt"), "  \n").unwrap();
        std::fs::write(dir.path().join("notes.md"), "skipped").unwrap();
        let items = read_all(dir.path(), &config());
        assert_eq!(
            summary(&items),
            ["reject empty a.txt:0", "doc b.txt B", "doc sub/a.txt A"]
        );
    }

    #[test]
    fn jsonl_keeps_fields_and_rejects_bad_lines_with_their_line_number() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("in.jsonl");
        std::fs::write(
            &p,
            "{\"id\":\"a\",\"text\":\"x\",\"source\":\"s\"}\n{not json\n\n[1]\n{\"id\":\"c\"}\n{\"id\":7,\"text\":\"y\",\"metadata\":{}}\n{\"id\":\"t\",\"te",
        )
        .unwrap();
        let items = read_all(&p, &config());
        assert_eq!(
            summary(&items),
            [
                "doc a x",
                "reject malformed_json in.jsonl:2",
                "reject not_an_object in.jsonl:4",
                "reject missing_text in.jsonl:5",
                "doc 7 y",
                "reject malformed_json in.jsonl:7"
            ]
        );
        let Item::Doc(d) = &items[0] else { panic!() };
        let mut json = Vec::new();
        d.write_fields_json(&mut json);
        assert_eq!(json, br#"{"id":"a","source":"s"}"#);
        assert_eq!((d.ordinal, d.origin.line), (0, 1));
    }

    #[test]
    fn gzip_and_zstd_jsonl_read_like_plain_and_truncation_is_a_reject() {
        let dir = tempfile::tempdir().unwrap();
        let body = b"{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"}\n".repeat(50);
        let gz = dir.path().join("a.jsonl.gz");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&body).unwrap();
        std::fs::write(&gz, e.finish().unwrap()).unwrap();
        let zst = dir.path().join("b.jsonl.zst");
        std::fs::write(&zst, zstd::encode_all(&body[..], 3).unwrap()).unwrap();
        assert_eq!(read_all(&gz, &config()).len(), 100);
        assert_eq!(read_all(&zst, &config()).len(), 100);
        let full = std::fs::read(&gz).unwrap();
        std::fs::write(&gz, &full[..full.len() / 2]).unwrap();
        let items = read_all(&gz, &config());
        assert!(
            matches!(items.last(), Some(Item::Reject(r)) if r.reason == "read_error"),
            "{:?}",
            summary(&items)
        );
    }

    #[test]
    fn oversized_documents_and_invalid_utf8_are_rejected_or_lossy_per_policy() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big.txt"), "x".repeat(2000)).unwrap();
        std::fs::write(dir.path().join("bad.txt"), b"ok \xff\xfe end").unwrap();
        let mut long = format!("{{\"id\":\"l\",\"text\":\"{}\"}}\n", "y".repeat(5000)).into_bytes();
        long.extend_from_slice(b"{\"id\":\"s\",\"text\":\"short\"}\n");
        std::fs::write(dir.path().join("c.jsonl"), long).unwrap();
        assert_eq!(
            summary(&read_all(dir.path(), &config())),
            [
                "reject invalid_utf8 bad.txt:0",
                "reject too_large big.txt:0",
                "reject too_large c.jsonl:1",
                "doc s short"
            ]
        );
        let lossy = InputConfig {
            invalid_utf8: Utf8Policy::Lossy,
            ..config()
        };
        let items = read_all(&dir.path().join("bad.txt"), &lossy);
        let Item::Doc(d) = &items[0] else { panic!() };
        assert_eq!(d.text, "ok \u{fffd}\u{fffd} end");
        assert_eq!(d.metadata().unwrap()["lossy_utf8"], true);
    }

    #[test]
    fn binary_text_is_rejected_and_text_file_line_endings_become_lf() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), b"Head\r\nbody\rend\r\n").unwrap();
        std::fs::write(dir.path().join("b.txt"), [0u8; 64]).unwrap();
        std::fs::write(
            dir.path().join("c.jsonl"),
            "{\"id\":\"n\",\"text\":\"a\\u0000b\"}\n{\"id\":\"r\",\"text\":\"x\\r\\ny\"}\n",
        )
        .unwrap();
        let items = read_all(dir.path(), &config());
        assert_eq!(
            summary(&items),
            [
                "doc a.txt Head\nbody\nend\n",
                "reject binary b.txt:0",
                "reject binary c.jsonl:1",
                "doc r x\r\ny"
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_files_are_read_and_loops_or_dangling_links_are_rejects() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("real.txt"), "real").unwrap();
        std::os::unix::fs::symlink(d.join("real.txt"), d.join("sub/link.txt")).unwrap();
        std::os::unix::fs::symlink(d, d.join("sub/loop")).unwrap();
        std::os::unix::fs::symlink(d.join("gone.txt"), d.join("dangling.txt")).unwrap();
        let items = read_all(d, &config());
        assert_eq!(
            summary(&items),
            [
                "reject unreadable dangling.txt:0",
                "reject unreadable sub/loop:0",
                "doc real.txt real",
                "doc sub/link.txt real"
            ]
        );
    }

    #[test]
    fn a_missing_input_is_an_error_naming_it() {
        let err = InputPlan::list(Path::new("/no/such/input"), &config()).unwrap_err();
        assert_eq!(err.to_string(), "input /no/such/input: does not exist");
    }

    #[test]
    fn shards_partition_the_input_on_line_boundaries_with_the_same_ordinals_and_lines() {
        let dir = tempfile::tempdir().unwrap();
        let mut body = String::new();
        for i in 0..200 {
            body.push_str(&format!(
                "{{\"id\":\"j{i}\",\"text\":\"{}\"}}\n",
                "w ".repeat(i % 17 + 1)
            ));
        }
        std::fs::write(dir.path().join("a.jsonl"), &body).unwrap();
        std::fs::write(dir.path().join("b.txt"), "a text file").unwrap();
        let third: String = body.lines().take(60).map(|l| format!("{l}\n")).collect();
        std::fs::write(dir.path().join("c.jsonl"), third).unwrap();
        let whole: Vec<(u64, String, u64)> =
            docs_of(InputPlan::list(dir.path(), &config()).unwrap());
        for n in [1, 2, 3, 7, 500] {
            let mut parts = Vec::new();
            for i in 0..n {
                parts.extend(docs_of(
                    InputPlan::list(dir.path(), &config()).unwrap().shard(i, n),
                ));
            }
            assert_eq!(parts, whole, "{n} shards");
        }
        // Ordinals grow with input order.
        assert!(whole.windows(2).all(|w| w[0].0 < w[1].0));
    }

    fn docs_of(plan: InputPlan) -> Vec<(u64, String, u64)> {
        Reader::new(plan, &config())
            .map(|i| match i {
                Item::Doc(d) => (d.ordinal, d.id, d.origin.line),
                Item::Reject(r) => panic!("unexpected reject {r:?}"),
            })
            .collect()
    }
}
