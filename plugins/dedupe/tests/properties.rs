//! Within-document dedupe on generated news pages with repeated paragraphs:
//! what it keeps are input lines in input order, and a second pass over its
//! output removes nothing.

use textmill_dedupe::within::dedupe_within;

#[path = "../../../tests/common/pages.rs"]
mod pages;

#[test]
fn within_document_dedupe_keeps_input_lines_in_order_and_is_idempotent() {
    let removed = std::cell::Cell::new(0);
    pages::runner(256)
        .run(&(pages::page(), proptest::bool::ANY), |(text, near)| {
            let once = dedupe_within(&text, 30, near);
            let out = once.text_or(&text);
            removed.set(removed.get() + once.lines_removed);
            if let Err(e) = pages::lines_in_order(&text, out, false) {
                return Err(proptest::test_runner::TestCaseError::fail(e));
            }
            proptest::prop_assert_eq!(dedupe_within(out, 30, near).text, None, "page:\n{}", text);
            Ok(())
        })
        .unwrap();
    assert!(removed.get() > 0, "no generated page had a repeat");
}

/// Line keys built from whole lines equal line keys built from sentences,
/// for news pages and for arbitrary text (odd spaces, ellipses, quotes,
/// scripts): the exact-only mode hashes the same keys as the full one.
#[test]
fn line_keys_do_not_depend_on_the_key_unit() {
    use proptest::prelude::*;
    use textmill_dedupe::within::{KeyUnit, analyze};
    let odd = prop::collection::vec(
        prop_oneof![
            3 => "[A-Za-z0-9 .,!?'\"()-]{1,12}",
            1 => prop::sample::select(vec![
                "\u{a0}", "\u{2003}", "\u{2026}", "\u{201c}", "\u{201d}", "\u{2019}", "\u{ff21}",
                "\u{fb01}", "Mr. ", "U.S. The ", ". ", "\n", "\r\n", "\n\n", "\t", "\u{3000}",
                "\u{2028}", "\u{0301}", "É", "ß", "İ",
            ])
            .prop_map(str::to_string),
            1 => "\\PC{1,4}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat());
    let text = prop_oneof![pages::page(), odd];
    pages::runner(512)
        .run(&(text, proptest::bool::ANY), |(text, near)| {
            let by_sentence = analyze(&text, 30, near, KeyUnit::Sentences);
            let by_line = analyze(&text, 30, near, KeyUnit::Lines);
            let keys = |a: &textmill_dedupe::within::Analysis<'_>| -> Vec<String> {
                (0..a.lines.len())
                    .map(|i| a.line_key(i).to_string())
                    .collect()
            };
            prop_assert_eq!(keys(&by_sentence), keys(&by_line), "text: {:?}", text);
            prop_assert_eq!(&by_sentence.keep, &by_line.keep);
            prop_assert_eq!(&by_sentence.keys, &by_line.keys);
            Ok(())
        })
        .unwrap();
}
