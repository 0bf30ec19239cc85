//! `textmill_text::lines`: `lines`, `paragraphs` and `join_lines` on any
//! UTF-8 text. Spans are in bounds, on char boundaries, in order, never
//! overlapping, and exactly one line break (`\n`, `\r\n` or `\r`) apart.
#![no_main]

use libfuzzer_sys::fuzz_target;
use textmill_text::lines::{join_lines, lines, paragraphs};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let ls = lines(text);
    let mut at = 0usize;
    for (i, l) in ls.iter().enumerate() {
        assert_eq!(l.index, i);
        let span = l.span();
        assert!(
            span.start >= at && span.end <= text.len(),
            "span {span:?} out of order or bounds"
        );
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        assert_eq!(&text[span.clone()], l.text);
        assert!(
            !l.text.contains('\n') && !l.text.contains('\r'),
            "{:?}",
            l.text
        );
        if i > 0 {
            let gap = &text[at..span.start];
            assert!(
                matches!(gap, "\n" | "\r\n" | "\r"),
                "gap {gap:?} between lines"
            );
        } else {
            assert_eq!(span.start, 0);
        }
        at = span.end;
    }
    // After the last line only its line ending can follow.
    assert!(
        matches!(&text[at..], "" | "\n" | "\r\n" | "\r"),
        "tail {:?}",
        &text[at..]
    );

    let ps = paragraphs(&ls);
    let mut prev_end = 0usize;
    for p in &ps {
        assert!(p.first_line >= prev_end && p.first_line < p.end_line && p.end_line <= ls.len());
        assert!(ls[p.first_line..p.end_line].iter().all(|l| !l.is_blank()));
        prev_end = p.end_line;
    }
    let non_blank = ls.iter().filter(|l| !l.is_blank()).count();
    assert_eq!(
        ps.iter().map(|p| p.end_line - p.first_line).sum::<usize>(),
        non_blank
    );

    let joined = join_lines(ls.iter().map(|l| l.text));
    assert!(joined.is_empty() || joined.ends_with('\n'));
    assert!(!joined.contains("\n\n\n") && !joined.starts_with('\n'));
    // Joining is a fixed point: the joined text's lines join to themselves.
    assert_eq!(join_lines(lines(&joined).iter().map(|l| l.text)), joined);
});
