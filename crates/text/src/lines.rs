//! Lines and paragraphs with their byte spans, so stages can remove pieces of
//! a text and rebuild the rest without copying or re-wrapping it.

use crate::swar::for_each_block;
use std::ops::Range;

/// One line of a text: its content without the line ending, and its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// Line number, 0-based.
    pub index: usize,
    /// The line without its `\n` or `\r\n`.
    pub text: &'a str,
    /// Byte offset of the line's first byte in the whole text.
    pub start: usize,
}

impl Line<'_> {
    /// Byte span of the line's content (line ending excluded).
    pub fn span(&self) -> Range<usize> {
        self.start..self.start + self.text.len()
    }

    /// True when the line holds only whitespace.
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// Split text into lines on `\n`, stripping a trailing `\r`. A final line
/// ending does not produce an empty last line; a lone `\r` (old Mac) is a break too.
pub fn lines(text: &str) -> Vec<Line<'_>> {
    let bytes = text.as_bytes();
    // News lines average about 140 bytes: room for most pages at once.
    let mut out = Vec::with_capacity(bytes.len() / 128 + 4);
    let mut start = 0;
    // Breaks are found 64 bytes at a time (most blocks hold none or one).
    for_each_block(bytes, b'\n', b'\r', |base, mut breaks| {
        while breaks != 0 {
            let i = base + breaks.trailing_zeros() as usize;
            breaks &= breaks - 1;
            let end = match bytes[i] {
                b'\n' if i > start && bytes[i - 1] == b'\r' => i - 1,
                b'\n' => i,
                // A CR before a LF ends nothing: the LF ends the line.
                _ if bytes.get(i + 1) == Some(&b'\n') => continue,
                _ => i,
            };
            out.push(Line {
                index: out.len(),
                text: &text[start..end],
                start,
            });
            start = i + 1;
        }
    });
    if start < bytes.len() {
        out.push(Line {
            index: out.len(),
            text: &text[start..],
            start,
        });
    }
    out
}

/// Join kept lines with `\n`, ending with a single `\n` when any line is kept.
/// Blank lines at the very start and end are dropped and runs of blank lines
/// collapse to one, so removing blocks never leaves holes behind.
pub fn join_lines<'a>(kept: impl IntoIterator<Item = &'a str>) -> String {
    join_lines_sized(kept, 0)
}

/// [`join_lines`] into a string of `capacity` bytes reserved up front, such
/// as the length of the text the lines come from: growing a page-sized
/// string by doubling costs more than the copy itself.
pub fn join_lines_sized<'a>(kept: impl IntoIterator<Item = &'a str>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut pending_blank = false;
    for line in kept {
        let line = line.trim_end();
        if line.trim().is_empty() {
            pending_blank = !out.is_empty();
            continue;
        }
        if pending_blank {
            out.push('\n');
            pending_blank = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A paragraph: a maximal run of non-blank lines (blank-line separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// Index of its first line.
    pub first_line: usize,
    /// Index one past its last line.
    pub end_line: usize,
}

/// Group lines into paragraphs separated by blank lines.
pub fn paragraphs(lines: &[Line<'_>]) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for l in lines {
        match (l.is_blank(), start) {
            (true, Some(s)) => {
                out.push(Paragraph {
                    first_line: s,
                    end_line: l.index,
                });
                start = None;
            }
            (false, None) => start = Some(l.index),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Paragraph {
            first_line: s,
            end_line: lines.len(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lf_crlf_and_cr_and_keeps_spans() {
        let t = "a\r\nbb\ncc\rd";
        let ls = lines(t);
        let texts: Vec<&str> = ls.iter().map(|l| l.text).collect();
        assert_eq!(texts, ["a", "bb", "cc", "d"]);
        for l in &ls {
            assert_eq!(&t[l.span()], l.text);
        }
    }

    /// The lines as a byte-at-a-time loop finds them.
    fn lines_by_bytes(text: &str) -> Vec<(usize, &str)> {
        let b = text.as_bytes();
        let (mut out, mut start, mut i) = (Vec::new(), 0, 0);
        while i < b.len() {
            match b[i] {
                b'\r' if b.get(i + 1) == Some(&b'\n') => {
                    out.push((start, &text[start..i]));
                    i += 1;
                    start = i + 1;
                }
                b'\r' | b'\n' => {
                    out.push((start, &text[start..i]));
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        if start < b.len() {
            out.push((start, &text[start..]));
        }
        out
    }

    #[test]
    fn lines_agree_with_a_byte_loop_across_64_byte_blocks() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for len in 0..400 {
            for _ in 0..20 {
                let text: String = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        match x % 16 {
                            0 => '\n',
                            1 => '\r',
                            2 => ' ',
                            3 => '\u{2019}',
                            _ => (b'a' + (x >> 8) as u8 % 26) as char,
                        }
                    })
                    .collect();
                let got: Vec<(usize, &str)> =
                    lines(&text).iter().map(|l| (l.start, l.text)).collect();
                assert_eq!(got, lines_by_bytes(&text), "{text:?}");
                assert!(lines(&text).iter().enumerate().all(|(i, l)| l.index == i));
            }
        }
    }

    #[test]
    fn final_newline_adds_no_empty_line_but_inner_blanks_stay() {
        assert_eq!(lines("a\n\nb\n").len(), 3);
        assert!(lines("").is_empty());
    }

    #[test]
    fn join_collapses_blank_runs_and_trims_the_ends() {
        assert_eq!(join_lines(["", "a", "", "", "b", " "]), "a\n\nb\n");
        assert_eq!(join_lines(["  "]), "");
    }

    #[test]
    fn paragraphs_are_blank_separated_runs() {
        let ls = lines("a\nb\n\nc\n");
        assert_eq!(
            paragraphs(&ls),
            [
                Paragraph {
                    first_line: 0,
                    end_line: 2
                },
                Paragraph {
                    first_line: 3,
                    end_line: 4
                }
            ]
        );
    }
}
