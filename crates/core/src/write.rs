//! Writers: JSONL (compression from the extension), a folder of `.txt` files,
//! or stdout. Files are written under a temporary name and renamed when
//! complete, so an interrupted run never leaves a file that looks finished.

use crate::document::{Document, Reject};
use crate::error::{Error, Result};
use serde_json::Value;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Component, Path, PathBuf};

/// Marker file that identifies a folder as textmill output (safe to replace).
pub const OUTPUT_MARKER: &str = ".textmill-output";

/// Where the kept documents go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputKind {
    /// JSONL, uncompressed.
    Jsonl,
    /// JSONL, gzip.
    JsonlGz,
    /// JSONL, zstd.
    JsonlZst,
    /// A folder of `.txt` files mirroring the input ids.
    TextDir,
    /// JSONL on stdout.
    Stdout,
}

impl OutputKind {
    /// The kind an output path selects.
    pub fn of(path: &Path) -> Result<OutputKind> {
        let s = path.to_string_lossy();
        if s == "-" {
            return Ok(OutputKind::Stdout);
        }
        if s.ends_with('/') || path.is_dir() {
            return Ok(OutputKind::TextDir);
        }
        let lower = s.to_ascii_lowercase();
        if lower.ends_with(".jsonl") {
            Ok(OutputKind::Jsonl)
        } else if lower.ends_with(".jsonl.gz") {
            Ok(OutputKind::JsonlGz)
        } else if lower.ends_with(".jsonl.zst") {
            Ok(OutputKind::JsonlZst)
        } else {
            Err(Error::Input {
                path: path.to_path_buf(),
                message: "output must end in .jsonl, .jsonl.gz, .jsonl.zst, / (a folder of .txt files) or be -".into(),
            })
        }
    }
}

/// The path beside an output with a suffix, the output's own extension
/// removed: `out/` and `out.jsonl.gz` → `out.rejects.jsonl`; `-` → `textmill.rejects.jsonl`.
pub fn beside(output: &Path, suffix: &str) -> PathBuf {
    let s = output.to_string_lossy();
    if s == "-" {
        return PathBuf::from(format!("textmill{suffix}"));
    }
    let mut stem = s.trim_end_matches('/');
    for ext in [".jsonl.gz", ".jsonl.zst", ".jsonl"] {
        if stem.len() > ext.len() && stem.to_ascii_lowercase().ends_with(ext) {
            stem = &stem[..stem.len() - ext.len()];
            break;
        }
    }
    PathBuf::from(format!("{stem}{suffix}"))
}

/// The name a file is written under until it is complete: `<path>.partial`.
/// Fixed (not per process) so that `run --resume` finds it again.
pub fn temp_name(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".partial");
    PathBuf::from(s)
}

/// The compression a file name asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gz,
    Zst,
}

/// An open (possibly compressing) stream over the temporary file.
enum Stream {
    Plain(BufWriter<File>),
    Gz(flate2::write::GzEncoder<BufWriter<File>>),
    Zst(zstd::stream::write::Encoder<'static, BufWriter<File>>),
}

/// A file written under a temporary name and renamed by [`AtomicFile::commit`].
///
/// [`AtomicFile::checkpoint`] makes everything written so far durable and
/// returns the file's length; a later process can [`AtomicFile::resume`] at
/// that length. Compressed files start a new gzip member or zstd frame at each
/// checkpoint (both formats allow concatenation), so the bytes are the same
/// whether or not the run was interrupted.
pub struct AtomicFile {
    path: PathBuf,
    temp: PathBuf,
    stream: Option<Stream>,
    compression: Compression,
}

impl AtomicFile {
    /// Create `path`'s temporary twin (and missing parent folders); compress
    /// when the name ends in `.gz` or `.zst`.
    pub fn create(path: &Path) -> Result<AtomicFile> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let temp = temp_name(path);
        let file = File::create(&temp).map_err(|e| Error::io(&temp, e))?;
        AtomicFile::wrap(path, temp, file)
    }

    /// Reopen the temporary twin left by an interrupted run, cut to `len`
    /// bytes (the last checkpoint), to append after it.
    pub fn resume(path: &Path, len: u64) -> Result<AtomicFile> {
        let temp = temp_name(path);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(&temp)
            .map_err(|e| Error::io(&temp, e))?;
        let have = file.metadata().map_err(|e| Error::io(&temp, e))?.len();
        if have < len {
            return Err(Error::Input {
                path: temp,
                message: format!("has {have} bytes, the checkpoint says {len}: cannot resume"),
            });
        }
        file.set_len(len).map_err(|e| Error::io(&temp, e))?;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0))
            .map_err(|e| Error::io(&temp, e))?;
        AtomicFile::wrap(path, temp, file)
    }

    fn wrap(path: &Path, temp: PathBuf, file: File) -> Result<AtomicFile> {
        let name = path.to_string_lossy().to_ascii_lowercase();
        let compression = if name.ends_with(".gz") {
            Compression::Gz
        } else if name.ends_with(".zst") {
            Compression::Zst
        } else {
            Compression::None
        };
        let mut f = AtomicFile {
            path: path.to_path_buf(),
            temp,
            stream: None,
            compression,
        };
        f.stream = Some(f.open_stream(BufWriter::with_capacity(1 << 16, file))?);
        Ok(f)
    }

    fn open_stream(&self, w: BufWriter<File>) -> Result<Stream> {
        Ok(match self.compression {
            Compression::None => Stream::Plain(w),
            Compression::Gz => Stream::Gz(flate2::write::GzEncoder::new(
                w,
                flate2::Compression::default(),
            )),
            Compression::Zst => Stream::Zst(
                zstd::stream::write::Encoder::new(w, 3).map_err(|e| Error::io(&self.temp, e))?,
            ),
        })
    }

    /// End the current gzip member or zstd frame, flush, and hand back the file writer.
    fn finish_stream(&mut self) -> Result<BufWriter<File>> {
        let io = |e| Error::io(&self.temp, e);
        let mut w = match self.stream.take() {
            Some(Stream::Plain(w)) => w,
            Some(Stream::Gz(enc)) => enc.finish().map_err(io)?,
            Some(Stream::Zst(enc)) => enc.finish().map_err(io)?,
            None => {
                return Err(Error::Input {
                    path: self.temp.clone(),
                    message: "write after a failed write".into(),
                });
            }
        };
        w.flush().map_err(io)?;
        Ok(w)
    }

    /// Write bytes.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let result = match self.stream.as_mut() {
            Some(Stream::Plain(w)) => w.write_all(bytes),
            Some(Stream::Gz(w)) => w.write_all(bytes),
            Some(Stream::Zst(w)) => w.write_all(bytes),
            None => {
                return Err(Error::Input {
                    path: self.temp.clone(),
                    message: "write after a failed write".into(),
                });
            }
        };
        result.map_err(|e| Error::io(&self.temp, e))
    }

    /// Make what was written durable; returns the temporary file's length.
    pub fn checkpoint(&mut self) -> Result<u64> {
        let w = self.finish_stream()?;
        let len = {
            let file = w.get_ref();
            file.sync_data().map_err(|e| Error::io(&self.temp, e))?;
            file.metadata().map_err(|e| Error::io(&self.temp, e))?.len()
        };
        self.stream = Some(self.open_stream(w)?);
        Ok(len)
    }

    /// Finish compression, sync, and rename to the final name. Every error on
    /// the way (a full disk while finishing the last frame) is returned, and
    /// the final name then never appears.
    pub fn commit(mut self) -> Result<()> {
        let w = self.finish_stream()?;
        let file = w
            .into_inner()
            .map_err(|e| Error::io(&self.temp, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.temp, e))?;
        std::fs::rename(&self.temp, &self.path).map_err(|e| Error::io(&self.path, e))
    }

    /// Remove the temporary file (after a failed run).
    pub fn abandon(self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// Write a whole file under its temporary name and rename it.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

/// Append one JSON value and a newline.
fn write_json_line(out: &mut AtomicFile, value: &impl serde::Serialize) -> Result<()> {
    let mut line = serde_json::to_vec(value).map_err(|e| Error::io(&out.temp, e.into()))?;
    line.push(b'\n');
    out.write_all(&line)
}

/// Turn a document id into a safe relative file path inside the output folder:
/// no `..`, no absolute paths, no NUL or control characters, bounded length.
pub fn safe_relative_path(id: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for part in Path::new(id).components() {
        if let Component::Normal(p) = part {
            let cleaned: String = p
                .to_string_lossy()
                .chars()
                .map(|c| {
                    if c.is_control() || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|' | '\\')
                    {
                        '_'
                    } else {
                        c
                    }
                })
                .collect();
            // Keep each component under common file-name limits (255 bytes).
            let mut cut = cleaned.len().min(200);
            while !cleaned.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push(&cleaned[..cut]);
        }
    }
    if out.as_os_str().is_empty() {
        out.push("_");
    }
    if out.extension().and_then(|e| e.to_str()) != Some("txt") {
        let mut s = out.into_os_string();
        s.push(".txt");
        out = PathBuf::from(s);
    }
    out
}

/// Receives the kept documents in output order.
pub enum Sink {
    /// A JSONL file.
    Jsonl(AtomicFile),
    /// A folder of `.txt` files, built under a temporary name, with a metadata sidecar.
    TextDir {
        /// Final folder.
        path: PathBuf,
        /// Folder being written.
        temp: PathBuf,
        /// `<output>.metadata.jsonl`: ids and metadata, which `.txt` files cannot hold.
        metadata: AtomicFile,
    },
    /// JSONL on stdout.
    Stdout(BufWriter<std::io::Stdout>),
}

impl Sink {
    /// Open the sink an output path selects.
    pub fn open(path: &Path) -> Result<Sink> {
        Sink::open_at(path, None)
    }

    /// Reopen the sink of an interrupted run at a checkpoint (`len` from [`Sink::checkpoint`]).
    pub fn resume(path: &Path, len: u64) -> Result<Sink> {
        Sink::open_at(path, Some(len))
    }

    fn open_at(path: &Path, resume: Option<u64>) -> Result<Sink> {
        let file = |p: &Path| match resume {
            Some(len) => AtomicFile::resume(p, len),
            None => AtomicFile::create(p),
        };
        Ok(match OutputKind::of(path)? {
            OutputKind::Stdout if resume.is_some() => {
                return Err(Error::Input {
                    path: path.to_path_buf(),
                    message: "a run writing to stdout cannot be resumed".into(),
                });
            }
            OutputKind::Stdout => Sink::Stdout(BufWriter::new(std::io::stdout())),
            OutputKind::TextDir if resume.is_some() => {
                let final_dir = PathBuf::from(path.to_string_lossy().trim_end_matches('/'));
                let temp = temp_name(&final_dir);
                if !temp.is_dir() {
                    return Err(Error::Input {
                        path: temp,
                        message: "missing: cannot resume".into(),
                    });
                }
                // Files written after the checkpoint are written again with the same bytes.
                let metadata = file(&beside(path, ".metadata.jsonl"))?;
                Sink::TextDir {
                    path: final_dir,
                    temp,
                    metadata,
                }
            }
            OutputKind::TextDir => {
                let final_dir = PathBuf::from(path.to_string_lossy().trim_end_matches('/'));
                if final_dir.is_dir()
                    && !final_dir.join(OUTPUT_MARKER).exists()
                    && std::fs::read_dir(&final_dir)
                        .map(|mut d| d.next().is_some())
                        .unwrap_or(false)
                {
                    return Err(Error::Input {
                        path: final_dir,
                        message: "output folder exists and was not written by textmill; choose an empty or new folder".into(),
                    });
                }
                let temp = temp_name(&final_dir);
                let _ = std::fs::remove_dir_all(&temp);
                std::fs::create_dir_all(&temp).map_err(|e| Error::io(&temp, e))?;
                std::fs::write(temp.join(OUTPUT_MARKER), b"").map_err(|e| Error::io(&temp, e))?;
                let metadata = file(&beside(path, ".metadata.jsonl"))?;
                Sink::TextDir {
                    path: final_dir,
                    temp,
                    metadata,
                }
            }
            _ => Sink::Jsonl(file(path)?),
        })
    }

    /// Make what was written durable; returns the length to resume at.
    pub fn checkpoint(&mut self) -> Result<u64> {
        match self {
            Sink::Jsonl(f) => f.checkpoint(),
            Sink::TextDir { metadata, .. } => metadata.checkpoint(),
            Sink::Stdout(w) => w.flush().map(|()| 0).map_err(|e| Error::io("-", e)),
        }
    }

    /// True when the sink takes JSON lines, which workers can encode ahead
    /// (see [`Sink::write_jsonl`]).
    pub fn takes_jsonl(&self) -> bool {
        matches!(self, Sink::Jsonl(_) | Sink::Stdout(_))
    }

    /// Append JSON lines encoded by [`Document::write_jsonl`]. Only for a
    /// sink that [`takes_jsonl`](Sink::takes_jsonl).
    pub fn write_jsonl(&mut self, lines: &[u8]) -> Result<()> {
        match self {
            Sink::Jsonl(f) => f.write_all(lines),
            Sink::Stdout(w) => w.write_all(lines).map_err(|e| Error::io("-", e)),
            Sink::TextDir { temp, .. } => Err(Error::Input {
                path: temp.clone(),
                message: "a text folder cannot take JSON lines".into(),
            }),
        }
    }

    /// Write one document.
    pub fn write(&mut self, doc: &Document) -> Result<()> {
        match self {
            Sink::Jsonl(_) | Sink::Stdout(_) => {
                let mut line = Vec::with_capacity(doc.text.len() + 256);
                doc.write_jsonl(&mut line);
                self.write_jsonl(&line)
            }
            Sink::TextDir { temp, metadata, .. } => {
                let rel = safe_relative_path(&doc.id);
                let file = temp.join(&rel);
                if let Some(parent) = file.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                }
                std::fs::write(&file, doc.text.as_bytes()).map_err(|e| Error::io(&file, e))?;
                let mut m = serde_json::Map::new();
                m.insert("id".into(), Value::String(doc.id.clone()));
                m.insert(
                    "file".into(),
                    Value::String(rel.to_string_lossy().into_owned()),
                );
                if let Some(meta) = doc.metadata() {
                    m.insert("metadata".into(), Value::Object(meta.clone()));
                }
                write_json_line(metadata, &m)
            }
        }
    }

    /// Finish and move everything to its final name.
    pub fn commit(self) -> Result<()> {
        match self {
            Sink::Jsonl(f) => f.commit(),
            Sink::Stdout(mut w) => w.flush().map_err(|e| Error::io("-", e)),
            Sink::TextDir {
                path,
                temp,
                metadata,
            } => {
                metadata.commit()?;
                if path.exists() {
                    std::fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
                }
                std::fs::rename(&temp, &path).map_err(|e| Error::io(&path, e))
            }
        }
    }

    /// Remove temporary files after a failed run.
    pub fn abandon(self) {
        match self {
            Sink::Jsonl(f) => f.abandon(),
            Sink::Stdout(_) => {}
            Sink::TextDir { temp, metadata, .. } => {
                metadata.abandon();
                let _ = std::fs::remove_dir_all(temp);
            }
        }
    }
}

/// The rejects file: one JSON line per reject, pass after pass, and within a
/// pass batch after batch in input order (a batch's input rejects, then each
/// stage's in input order). The same at any thread count.
pub struct RejectsWriter {
    file: AtomicFile,
    /// Rejects written so far.
    pub count: u64,
}

impl RejectsWriter {
    /// Create the rejects file (written atomically like the output).
    pub fn create(path: &Path) -> Result<RejectsWriter> {
        Ok(RejectsWriter {
            file: AtomicFile::create(path)?,
            count: 0,
        })
    }

    /// Reopen the rejects file of an interrupted run at a checkpoint.
    pub fn resume(path: &Path, len: u64, count: u64) -> Result<RejectsWriter> {
        Ok(RejectsWriter {
            file: AtomicFile::resume(path, len)?,
            count,
        })
    }

    /// Make what was written durable; returns the length to resume at.
    pub fn checkpoint(&mut self) -> Result<u64> {
        self.file.checkpoint()
    }

    /// Write one reject.
    pub fn write(&mut self, reject: &Reject) -> Result<()> {
        self.count += 1;
        write_json_line(&mut self.file, &reject.to_json())
    }

    /// Finish the file.
    pub fn commit(self) -> Result<()> {
        self.file.commit()
    }

    /// Remove the temporary file.
    pub fn abandon(self) {
        self.file.abandon()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Origin;

    fn doc(id: &str, text: &str) -> Document {
        Document::from_text(
            0,
            id.into(),
            text.into(),
            Origin {
                file: "f".into(),
                line: 0,
            },
        )
    }

    #[test]
    fn output_kind_follows_the_path() {
        assert_eq!(
            OutputKind::of(Path::new("a.jsonl")).unwrap(),
            OutputKind::Jsonl
        );
        assert_eq!(
            OutputKind::of(Path::new("a.jsonl.zst")).unwrap(),
            OutputKind::JsonlZst
        );
        assert_eq!(
            OutputKind::of(Path::new("out/")).unwrap(),
            OutputKind::TextDir
        );
        assert_eq!(OutputKind::of(Path::new("-")).unwrap(), OutputKind::Stdout);
        assert!(OutputKind::of(Path::new("a.csv")).is_err());
        assert_eq!(
            beside(Path::new("out/"), ".rejects.jsonl"),
            PathBuf::from("out.rejects.jsonl")
        );
        assert_eq!(
            beside(Path::new("d/out.jsonl.zst"), ".stats.json"),
            PathBuf::from("d/out.stats.json")
        );
    }

    #[test]
    fn nothing_appears_under_the_final_name_before_commit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("o.jsonl.gz");
        let mut sink = Sink::open(&p).unwrap();
        sink.write(&doc("a", "x")).unwrap();
        assert!(!p.exists());
        sink.commit().unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(File::open(&p).unwrap()),
            &mut s,
        )
        .unwrap();
        assert_eq!(s, "{\"id\":\"a\",\"text\":\"x\"}\n");
        let listing: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(listing.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn a_resumed_compressed_file_has_the_bytes_of_an_uninterrupted_one() {
        for name in ["r.jsonl", "r.jsonl.gz", "r.jsonl.zst"] {
            let dir = tempfile::tempdir().unwrap();
            let whole = dir.path().join(format!("whole-{name}"));
            let mut f = AtomicFile::create(&whole).unwrap();
            f.write_all(b"first\n").unwrap();
            f.checkpoint().unwrap();
            f.write_all(b"second\n").unwrap();
            f.commit().unwrap();

            let cut = dir.path().join(name);
            let mut f = AtomicFile::create(&cut).unwrap();
            f.write_all(b"first\n").unwrap();
            let len = f.checkpoint().unwrap();
            f.write_all(b"lost after the checkpoint\n").unwrap();
            let _ = f.checkpoint();
            drop(f); // the process dies here
            let mut f = AtomicFile::resume(&cut, len).unwrap();
            f.write_all(b"second\n").unwrap();
            f.commit().unwrap();
            assert_eq!(
                std::fs::read(&cut).unwrap(),
                std::fs::read(&whole).unwrap(),
                "{name}"
            );
        }
    }

    #[test]
    fn text_folder_mirrors_ids_and_refuses_foreign_folders() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out/");
        let mut sink = Sink::open(&out).unwrap();
        sink.write(&doc("sub/a.txt", "A\n")).unwrap();
        sink.write(&doc("../../etc/passwd", "B\n")).unwrap();
        sink.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("out/sub/a.txt")).unwrap(),
            "A\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("out/etc/passwd.txt")).unwrap(),
            "B\n"
        );
        // Our own folder can be replaced; a foreign one cannot.
        Sink::open(&out).unwrap().commit().unwrap();
        let foreign = dir.path().join("mine/");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("keep.txt"), "x").unwrap();
        assert!(Sink::open(&foreign).is_err());
    }

    #[test]
    fn ids_never_escape_the_output_folder() {
        assert_eq!(safe_relative_path("/abs/x"), PathBuf::from("abs/x.txt"));
        assert_eq!(safe_relative_path(".."), PathBuf::from("_.txt"));
        assert_eq!(safe_relative_path("a\0b"), PathBuf::from("a_b.txt"));
        assert!(
            safe_relative_path(&"x".repeat(1000))
                .to_string_lossy()
                .len()
                < 255
        );
    }
}
