//! The corpus state: a versioned binary format holding document records.
//!
//! Layout (little-endian):
//!
//! ```text
//! magic  b"TMDEDUP\0"           8 bytes
//! version u32 = 3
//! params: num_perm u32, shingle_size u32, sentence_min_words u32,
//!         min_line_chars u32, near_paragraphs u8, keep u8,
//!         keep_field (u32 length + UTF-8), perm_seed u64
//! count  u64
//! count records:
//!   ordinal u64, id (u32 length + UTF-8), exact u64, keep_key f64,
//!   shingles u32, removed lines u32 + n x u32, signature num_perm x u16,
//!   sentences u32 + n x u64
//!
//! With `near_duplicates = false` num_perm is 0 and no sentences are kept.
//! ```
//!
//! A record is `44 + id bytes + 4 * removed lines + 2 * num_perm + 8 *
//! sentences` bytes: with the default 128 hashes, a 9-byte id, the 17
//! sentences of a typical news page and no repeated line about 445 bytes, so
//! 10 million documents take about 4.5 GB. No text is kept. The header holds
//! every parameter that changes what a record means, so states (and saved
//! indexes) made with different ones refuse to merge. Parameters used only
//! when deciding (`threshold`, `bands`, `containment`, ...) are not in it: an
//! index can be reused with another threshold.

use crate::config::{Config, KeepRule};
use crate::features::DocRecord;
use crate::lsh::PERM_SEED;

const MAGIC: &[u8; 8] = b"TMDEDUP\0";
/// Version of the state format.
/// 3: each record lists the lines within-document dedupe removes (2 had a flag).
pub const VERSION: u32 = 3;

/// Why a state could not be read or merged.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StateError {
    /// Not a dedupe state at all.
    #[error("not a dedupe state (bad magic)")]
    BadMagic,
    /// Written by another format version.
    #[error("state format version {found}, this plugin reads version {VERSION}")]
    Version {
        /// The version found.
        found: u32,
    },
    /// Made with different parameters.
    #[error("state was made with {name} = {found}, this stage has {name} = {expected}")]
    Params {
        /// Parameter name.
        name: &'static str,
        /// Value in the state.
        found: String,
        /// Value in this stage's config.
        expected: String,
    },
    /// Cut short or corrupt.
    #[error("state is truncated or corrupt at byte {0}")]
    Truncated(usize),
}

/// The parameters recorded in a state header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    num_perm: u32,
    shingle_size: u32,
    sentence_min_words: u32,
    min_line_chars: u32,
    near_paragraphs: bool,
    keep: u8,
    keep_field: String,
    perm_seed: u64,
}

impl Header {
    /// The header for a config.
    pub fn of(config: &Config) -> Header {
        Header {
            num_perm: config.num_perm as u32,
            shingle_size: config.shingle_size as u32,
            sentence_min_words: config.sentence_min_words as u32,
            min_line_chars: config.min_line_chars as u32,
            near_paragraphs: config.near_paragraphs,
            keep: match config.keep {
                KeepRule::First => 0,
                KeepRule::Longest => 1,
                KeepRule::Field => 2,
            },
            keep_field: config.keep_field.clone().unwrap_or_default(),
            perm_seed: PERM_SEED,
        }
    }

    fn check(&self, expected: &Header) -> Result<(), StateError> {
        let differs = |name: &'static str, found: String, exp: String| {
            if found == exp {
                Ok(())
            } else {
                Err(StateError::Params {
                    name,
                    found,
                    expected: exp,
                })
            }
        };
        // An exact-only state has no signature (num_perm 0): say which
        // setting differs rather than a hash count the user never set.
        differs(
            "near_duplicates",
            (self.num_perm > 0).to_string(),
            (expected.num_perm > 0).to_string(),
        )?;
        differs(
            "num_perm",
            self.num_perm.to_string(),
            expected.num_perm.to_string(),
        )?;
        differs(
            "shingle_size",
            self.shingle_size.to_string(),
            expected.shingle_size.to_string(),
        )?;
        differs(
            "sentence_min_words",
            self.sentence_min_words.to_string(),
            expected.sentence_min_words.to_string(),
        )?;
        differs(
            "min_line_chars",
            self.min_line_chars.to_string(),
            expected.min_line_chars.to_string(),
        )?;
        differs(
            "near_paragraphs",
            self.near_paragraphs.to_string(),
            expected.near_paragraphs.to_string(),
        )?;
        differs("keep", self.keep.to_string(), expected.keep.to_string())?;
        differs(
            "keep_field",
            self.keep_field.clone(),
            expected.keep_field.clone(),
        )?;
        differs(
            "perm_seed",
            self.perm_seed.to_string(),
            expected.perm_seed.to_string(),
        )
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        for v in [
            self.num_perm,
            self.shingle_size,
            self.sentence_min_words,
            self.min_line_chars,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.push(self.near_paragraphs as u8);
        out.push(self.keep);
        put_str(out, &self.keep_field);
        out.extend_from_slice(&self.perm_seed.to_le_bytes());
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A u32 count, then each value little-endian.
fn put_list<T: Copy, const N: usize>(out: &mut Vec<u8>, values: &[T], le: fn(T) -> [u8; N]) {
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for &v in values {
        out.extend_from_slice(&le(v));
    }
}

/// Append one record.
fn write_record(out: &mut Vec<u8>, r: &DocRecord) {
    out.extend_from_slice(&r.ordinal.to_le_bytes());
    put_str(out, &r.id);
    out.extend_from_slice(&r.exact.to_le_bytes());
    out.extend_from_slice(&r.keep_key.to_le_bytes());
    out.extend_from_slice(&r.shingles.to_le_bytes());
    put_list(out, &r.removed_lines, u32::to_le_bytes);
    for v in &r.sig {
        out.extend_from_slice(&v.to_le_bytes());
    }
    put_list(out, &r.sentences, u64::to_le_bytes);
}

/// Encode records under a config's header.
pub fn encode<'a>(config: &Config, records: impl IntoIterator<Item = &'a DocRecord>) -> Vec<u8> {
    let mut body = Vec::new();
    let mut count: u64 = 0;
    for r in records {
        write_record(&mut body, r);
        count += 1;
    }
    let mut out = Vec::with_capacity(body.len() + 64);
    Header::of(config).write(&mut out);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// A cursor over state bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StateError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(StateError::Truncated(self.pos))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], StateError> {
        let pos = self.pos;
        self.take(N)?
            .try_into()
            .map_err(|_| StateError::Truncated(pos))
    }
    fn u8(&mut self) -> Result<u8, StateError> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, StateError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, StateError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, StateError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    /// The u32 count of a list of `item`-byte values, checked against the
    /// bytes left so a corrupt count cannot reserve or loop without end.
    fn list_len(&mut self, item: usize) -> Result<usize, StateError> {
        let n = self.u32()? as usize;
        if n > (self.bytes.len() - self.pos) / item {
            return Err(StateError::Truncated(self.pos));
        }
        Ok(n)
    }
    fn string(&mut self) -> Result<String, StateError> {
        let pos = self.pos;
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| StateError::Truncated(pos))
    }

    fn header(&mut self) -> Result<Header, StateError> {
        if self.take(MAGIC.len()).map_err(|_| StateError::BadMagic)? != MAGIC {
            return Err(StateError::BadMagic);
        }
        let version = self.u32()?;
        if version != VERSION {
            return Err(StateError::Version { found: version });
        }
        Ok(Header {
            num_perm: self.u32()?,
            shingle_size: self.u32()?,
            sentence_min_words: self.u32()?,
            min_line_chars: self.u32()?,
            near_paragraphs: self.u8()? != 0,
            keep: self.u8()?,
            keep_field: self.string()?,
            perm_seed: self.u64()?,
        })
    }
}

/// Split a state into its checked header and the (count, body bytes) of its records.
fn open<'a>(bytes: &'a [u8], config: &Config) -> Result<(u64, &'a [u8]), StateError> {
    let mut r = Reader { bytes, pos: 0 };
    r.header()?.check(&Header::of(config))?;
    let count = r.u64()?;
    Ok((count, &bytes[r.pos..]))
}

/// Merge states in input order into one: their records, concatenated.
/// Associative, and decisions never depend on the grouping because every
/// record carries its ordinal.
pub fn merge(states: &[&[u8]], config: &Config) -> Result<Vec<u8>, StateError> {
    let mut total: u64 = 0;
    let mut bodies = Vec::with_capacity(states.len());
    for s in states {
        let (count, body) = open(s, config)?;
        total += count;
        bodies.push(body);
    }
    let mut out = Vec::with_capacity(bodies.iter().map(|b| b.len()).sum::<usize>() + 64);
    Header::of(config).write(&mut out);
    out.extend_from_slice(&total.to_le_bytes());
    for b in bodies {
        out.extend_from_slice(b);
    }
    Ok(out)
}

/// Records held in flat arrays, one allocation per field rather than per
/// document: what `finish` works on. About `52 + id + 4 * removed lines + 2
/// * num_perm + 8 * sentences` bytes per document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Corpus {
    num_perm: usize,
    /// Ordinal of each document.
    pub ordinals: Vec<u64>,
    /// Exact-text hash of each document.
    pub exact: Vec<u64>,
    /// Keep-rule score of each document.
    pub keep_key: Vec<f64>,
    /// Distinct shingle count of each document.
    pub shingles: Vec<u32>,
    sigs: Vec<u16>,
    removed_end: Vec<u64>,
    removed: Vec<u32>,
    sent_end: Vec<u64>,
    sents: Vec<u64>,
    id_end: Vec<u64>,
    ids: String,
}

impl Corpus {
    /// An empty corpus for signatures of `num_perm` hashes.
    pub fn new(num_perm: usize) -> Corpus {
        Corpus {
            num_perm,
            ..Corpus::default()
        }
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.ordinals.len()
    }

    /// True when there are no documents.
    pub fn is_empty(&self) -> bool {
        self.ordinals.is_empty()
    }

    /// MinHash signature of document `i`.
    pub fn sig(&self, i: usize) -> &[u16] {
        &self.sigs[i * self.num_perm..(i + 1) * self.num_perm]
    }

    /// Sentence entries of document `i`, in text order.
    pub fn sentences(&self, i: usize) -> &[u64] {
        let start = if i == 0 {
            0
        } else {
            self.sent_end[i - 1] as usize
        };
        &self.sents[start..self.sent_end[i] as usize]
    }

    /// The lines within-document dedupe removes from document `i`.
    pub fn removed_lines(&self, i: usize) -> &[u32] {
        let start = if i == 0 {
            0
        } else {
            self.removed_end[i - 1] as usize
        };
        &self.removed[start..self.removed_end[i] as usize]
    }

    /// Id of document `i`.
    pub fn id(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.id_end[i - 1] as usize
        };
        &self.ids[start..self.id_end[i] as usize]
    }

    /// Add one record.
    pub fn push(&mut self, r: &DocRecord) {
        self.ordinals.push(r.ordinal);
        self.exact.push(r.exact);
        self.keep_key.push(r.keep_key);
        self.shingles.push(r.shingles);
        self.removed.extend_from_slice(&r.removed_lines);
        self.removed_end.push(self.removed.len() as u64);
        self.sigs.extend_from_slice(&r.sig);
        self.sents.extend_from_slice(&r.sentences);
        self.sent_end.push(self.sents.len() as u64);
        self.ids.push_str(&r.id);
        self.id_end.push(self.ids.len() as u64);
    }

    /// Document `i` as a record.
    pub fn record(&self, i: usize) -> DocRecord {
        DocRecord {
            ordinal: self.ordinals[i],
            id: self.id(i).to_string(),
            exact: self.exact[i],
            keep_key: self.keep_key[i],
            shingles: self.shingles[i],
            removed_lines: self.removed_lines(i).to_vec(),
            sig: self.sig(i).to_vec(),
            sentences: self.sentences(i).to_vec(),
        }
    }

    /// Append the records of a state, checking its header.
    pub fn append_state(&mut self, bytes: &[u8], config: &Config) -> Result<(), StateError> {
        let (count, body) = open(bytes, config)?;
        let offset = bytes.len() - body.len();
        let mut r = Reader { bytes, pos: offset };
        for _ in 0..count {
            self.ordinals.push(r.u64()?);
            let pos = r.pos;
            let n = r.u32()? as usize;
            let id = std::str::from_utf8(r.take(n)?).map_err(|_| StateError::Truncated(pos))?;
            self.ids.push_str(id);
            self.id_end.push(self.ids.len() as u64);
            self.exact.push(r.u64()?);
            self.keep_key.push(f64::from_bits(r.u64()?));
            self.shingles.push(r.u32()?);
            for _ in 0..r.list_len(4)? {
                self.removed.push(r.u32()?);
            }
            self.removed_end.push(self.removed.len() as u64);
            for _ in 0..self.num_perm {
                self.sigs.push(r.u16()?);
            }
            for _ in 0..r.list_len(8)? {
                self.sents.push(r.u64()?);
            }
            self.sent_end.push(self.sents.len() as u64);
        }
        if r.pos != bytes.len() {
            return Err(StateError::Truncated(r.pos));
        }
        Ok(())
    }

    /// Documents `from..` put in ordinal order (ties keep their order):
    /// batches may reach `merge` grouped in any way.
    pub fn sort_from(&mut self, from: usize) {
        let sorted = self.ordinals[from..].windows(2).all(|w| w[0] <= w[1]);
        if sorted {
            return;
        }
        let mut order: Vec<usize> = (from..self.len()).collect();
        order.sort_by_key(|&i| self.ordinals[i]);
        let mut out = Corpus::new(self.num_perm);
        for i in (0..from).chain(order) {
            out.push(&self.record(i));
        }
        *self = out;
    }
}

/// Decode a state's records.
pub fn decode(bytes: &[u8], config: &Config) -> Result<Vec<DocRecord>, StateError> {
    let mut c = Corpus::new(config.num_perm);
    c.append_state(bytes, config)?;
    Ok((0..c.len()).map(|i| c.record(i)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(ordinal: u64, n: usize) -> DocRecord {
        DocRecord {
            ordinal,
            id: format!("doc-{ordinal}"),
            exact: ordinal * 7,
            keep_key: 1.5,
            shingles: 3,
            removed_lines: (0..ordinal as u32 % 3).map(|l| 2 * l + 1).collect(),
            sig: (0..n as u16).collect(),
            sentences: vec![1 << 20, 2 << 20],
        }
    }

    #[test]
    fn round_trip_and_merge_concatenates_in_order() {
        let c = Config::default();
        let a = encode(&c, &[rec(0, c.num_perm), rec(1, c.num_perm)]);
        let b = encode(&c, &[rec(2, c.num_perm)]);
        let e = encode(&c, &[]);
        let m = merge(&[&a, &e, &b], &c).unwrap();
        let got = decode(&m, &c).unwrap();
        assert_eq!(
            got,
            vec![rec(0, c.num_perm), rec(1, c.num_perm), rec(2, c.num_perm)]
        );
        // Associative: (a+e)+b == a+(e+b), byte for byte.
        let left = merge(&[&merge(&[&a, &e], &c).unwrap(), &b], &c).unwrap();
        let right = merge(&[&a, &merge(&[&e, &b], &c).unwrap()], &c).unwrap();
        assert_eq!(left, right);
        assert_eq!(left, m);
    }

    #[test]
    fn different_parameters_refuse_to_merge() {
        let c = Config::default();
        let other = Config::from_json(&json!({"shingle_size": 3})).unwrap();
        let a = encode(&c, &[]);
        let b = encode(&other, &[]);
        let err = merge(&[&a, &b], &c).unwrap_err();
        assert!(err.to_string().contains("shingle_size = 3"), "{err}");
    }

    #[test]
    fn garbage_and_truncation_are_errors_not_panics() {
        let c = Config::default();
        assert_eq!(decode(b"nope", &c).unwrap_err(), StateError::BadMagic);
        let a = encode(&c, &[rec(0, c.num_perm)]);
        for cut in [20, a.len() - 1] {
            assert!(decode(&a[..cut], &c).is_err());
        }
        let mut v = a.clone();
        v[8] = 9;
        assert_eq!(
            decode(&v, &c).unwrap_err(),
            StateError::Version { found: 9 }
        );
    }
}
