//! Generated news pages for property tests: real sentences, boilerplate
//! lines from `strip_disclaimer`'s rule packs, and repeated paragraphs.
//! Shared by the property tests of `crates/core` and the plugins, each of
//! which includes it with `#[path]` (they are separate crates).
#![allow(dead_code)]

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Sentences of a real news page (`tests/fixtures/seed/menafn-kursk.clean.txt`).
pub const SENTENCES: &[&str] = &[
    "Kiev refuses Putin’s suggestion of mercy for troops in Kursk Region",
    "(MENAFN) Despite being largely encircled, Ukrainian forces operating in Russia’s Kursk Region will continue their mission, Ukrainian Foreign Minister Andrey Sibiga stated in an interview on Saturday.",
    "Speaking with Japan’s NHK, Sibiga asserted that Ukraine had already achieved its primary objectives in the offensive.",
    "Ukraine launched its cross-border incursion into Kursk Region last August, initially capturing the town of Sudzha and several villages.",
    "However, the Russian military quickly halted the advance and has since regained most of the lost territory.",
    "According to Russian General Staff Chief Valery Gerasimov, 86% of the land previously occupied by Ukrainian forces has been reclaimed.",
    "Despite this, Sibiga reaffirmed Kiev’s commitment to continuing the operation, calling it a crucial factor in upcoming negotiations.",
    "His statement comes after Russian President Vladimir Putin expressed willingness to accept a 30-day ceasefire.",
    "US President Donald Trump also weighed in on the situation, acknowledging that thousands of Ukrainian soldiers were in a dire position.",
    "In response, Putin assured that any Ukrainian troops who surrendered would be treated with leniency and guaranteed safety.",
    "Despite these developments, Ukrainian President Vladimir Zelensky denied that his forces were surrounded.",
    "Mr. Smith paid $1.13bn in the U.S. on Jan. 5, officials said.",
];

/// Boilerplate lines built from phrases of `strip_disclaimer`'s rule packs
/// (`plugins/strip_disclaimer/rules/*.toml`) and the seed page's footer.
pub const BOILERPLATE: &[&str] = &[
    "403",
    "Sorry!! Error! We're sorry, but the page you were looking for doesn't exist.",
    "Skip to main content",
    "Share this article",
    "Follow us on Twitter",
    "Sign up for our daily newsletter",
    "Advertisement",
    "Legal Disclaimer:",
    "MENAFN provides the information “as is” without warranty of any kind.",
    "© 2024 Daily Post. All rights reserved.",
    "The views expressed in this article do not necessarily reflect the views of the publisher.",
    "Comments",
    "No comment",
    "By Jane Doe, Reuters",
];

/// One line: one to three real sentences, or a boilerplate line.
pub fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(SENTENCES), 1..=3).prop_map(|s| s.join(" ")),
        1 => prop::sample::select(BOILERPLATE).prop_map(str::to_string),
    ]
}

/// A page: paragraphs of one to three lines, blank-line separated, some of
/// them repeats of an earlier paragraph (scrapers duplicate whole blocks).
pub fn page() -> impl Strategy<Value = String> {
    let paragraph = prop::collection::vec(line(), 1..=3).prop_map(|ls| ls.join("\n"));
    (
        prop::collection::vec(paragraph, 1..=8),
        prop::collection::vec(any::<prop::sample::Index>(), 0..=3),
    )
        .prop_map(|(mut ps, repeats)| {
            for r in repeats {
                let copy = ps[r.index(ps.len())].clone();
                ps.push(copy);
            }
            ps.join("\n\n") + "\n"
        })
}

/// A runner with a fixed seed and no failure file.
pub fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[8; 32]))
}

/// Whether every non-blank line of `output` is, in order, a distinct line of
/// `input` (trailing whitespace aside); with `allow_prefix_cut` it may also
/// be the end of that line (a byline cut off its start). On failure, says
/// which output line has no match.
pub fn lines_in_order(input: &str, output: &str, allow_prefix_cut: bool) -> Result<(), String> {
    let ins: Vec<&str> = input.lines().map(str::trim_end).collect();
    let mut next = 0;
    for out in output.lines().filter(|l| !l.trim().is_empty()) {
        match ins[next..]
            .iter()
            .position(|l| *l == out || (allow_prefix_cut && l.ends_with(out)))
        {
            Some(k) => next += k + 1,
            None => {
                return Err(format!(
                    "output line {out:?} is no input line after line {next}"
                ));
            }
        }
    }
    Ok(())
}
