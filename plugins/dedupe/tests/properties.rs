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
