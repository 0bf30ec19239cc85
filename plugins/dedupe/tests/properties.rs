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

/// `apply` rebuilds a document's text from the removed line numbers that
/// `observe` recorded ([`without_lines`]); that text is the one a fresh
/// [`dedupe_within`] gives, on pages with blank runs, whitespace-only lines,
/// CRLF and lone CR breaks, and on pages that need more than one pass.
#[test]
fn the_text_rebuilt_from_removed_lines_is_the_within_document_dedupe_text() {
    use proptest::prelude::*;
    use textmill_dedupe::within::{KeyUnit, analyze, settled, without_lines};
    let breaks = prop::sample::select(vec![
        "\n",
        "\n\n",
        "\n \n\t\n",
        "\r\n",
        "\r",
        "  \n",
        "\n\n\n",
    ]);
    let messy = (
        prop::collection::vec((pages::line(), breaks), 1..=14),
        prop::collection::vec(any::<(prop::sample::Index, prop::sample::Index)>(), 0..=6),
    )
        .prop_map(|(mut parts, copies)| {
            // Copy runs of one to three lines, as scrapers repeat blocks.
            for (at, len) in copies {
                let start = at.index(parts.len());
                let end = (start + 1 + len.index(3)).min(parts.len());
                let run: Vec<_> = parts[start..end].to_vec();
                parts.extend(run);
            }
            parts
                .iter()
                .map(|(l, b)| format!("{l}{b}"))
                .collect::<String>()
        });
    // Found by this test: a page that settles only on a second pass.
    let kiev = "Kiev refuses Putin’s suggestion of mercy for troops in Kursk Region";
    let by = "By Jane Doe, Reuters";
    let multi_pass = format!(
        "{kiev}\n\n\n{by}\n{by}\n{kiev}\n\n\n{by}\n{by}\n{by}\n{kiev}\n\n\n{by}\n{by}\n{by}\n{by}\n{by}\n"
    );
    let check = |text: &str, near: bool| -> Result<usize, String> {
        let expected = dedupe_within(text, 30, near);
        let (rebuilt, count) = settled(text, 30, near, KeyUnit::Lines, |_, _, removed| {
            (without_lines(text, removed), removed.len())
        });
        if rebuilt != expected.text || count != expected.lines_removed {
            return Err(format!(
                "rebuilt {rebuilt:?} ({count} removed), expected {expected:?}"
            ));
        }
        // Whether a second pass removed more than the first.
        Ok(usize::from(
            analyze(text, 30, near, KeyUnit::Lines).lines_removed < count,
        ))
    };
    assert_eq!(check(&multi_pass, false), Ok(1));
    let (removing, more_passes) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    pages::runner(512)
        .run(
            &(prop_oneof![pages::page(), messy], proptest::bool::ANY),
            |(text, near)| {
                let passes = check(&text, near).map_err(TestCaseError::fail)?;
                more_passes.set(more_passes.get() + passes);
                removing.set(
                    removing.get() + usize::from(dedupe_within(&text, 30, near).lines_removed > 0),
                );
                Ok(())
            },
        )
        .unwrap();
    assert!(
        removing.get() > 100,
        "only {} pages had a repeat",
        removing.get()
    );
    eprintln!("{} of 512 pages needed a second pass", more_passes.get());
}
