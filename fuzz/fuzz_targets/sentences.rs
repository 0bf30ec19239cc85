//! `textmill_text::sentences::sentences` on any UTF-8 text: every sentence is
//! a trimmed, non-empty slice of the input, in order, never overlapping,
//! inside the line it names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use textmill_text::lines::lines;
use textmill_text::sentences::sentences;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let ls = lines(text);
    let ss = sentences(text);
    let mut at = 0usize;
    let mut line = 0usize;
    for (i, s) in ss.iter().enumerate() {
        assert_eq!(s.index, i);
        let span = s.span();
        assert!(
            span.start >= at && span.end <= text.len(),
            "span {span:?} after {at}"
        );
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        assert_eq!(&text[span.clone()], s.text);
        assert!(!s.text.is_empty(), "empty sentence at {span:?}");
        assert_eq!(s.text.trim(), s.text, "untrimmed sentence");
        assert!(
            s.line >= line && s.line < ls.len(),
            "line {} after {line}",
            s.line
        );
        let l = ls[s.line].span();
        assert!(
            l.start <= span.start && span.end <= l.end,
            "{span:?} outside its line {l:?}"
        );
        at = span.end;
        line = s.line;
    }
    // Every line with text has at least one sentence.
    for l in &ls {
        if !l.text.trim().is_empty() {
            assert!(
                ss.iter().any(|s| s.line == l.index),
                "line {} has no sentence",
                l.index
            );
        }
    }
});
