//! `strip_disclaimer` on generated news pages, driven as the host drives a
//! corpus stage (observe, merge, finish, apply; two sites, so the learned
//! layer has something to learn): what it keeps are input lines in input
//! order, a kept line losing at most a byline prefix.

use proptest::prelude::*;
use textmill_plugin_sdk::{Action, CorpusStage, Doc, Plugin, Stats};
use textmill_strip_disclaimer::StripDisclaimer;

#[path = "../../../tests/common/pages.rs"]
mod pages;

#[test]
fn kept_lines_are_input_lines_in_order() {
    let stage = std::cell::RefCell::new(
        StripDisclaimer::from_config(&serde_json::json!({})).expect("default config"),
    );
    let changed = std::cell::Cell::new(0);
    pages::runner(64)
        .run(&prop::collection::vec(pages::page(), 1..=6), |texts| {
            let mut stage = stage.borrow_mut();
            let ids: Vec<String> = (0..texts.len()).map(|i| format!("d{i}")).collect();
            let fields: Vec<String> = (0..texts.len())
                .map(|i| format!("{{\"url\":\"https://site{}.example/{i}\"}}", i % 2))
                .collect();
            let docs: Vec<Doc<'_>> = (0..texts.len())
                .map(|i| Doc {
                    ordinal: i as u64,
                    id: &ids[i],
                    text: &texts[i],
                    fields_json: &fields[i],
                })
                .collect();
            let (a, b) = docs.split_at(docs.len() / 2);
            let states = [stage.observe(a).unwrap(), stage.observe(b).unwrap()];
            let merged = stage.merge(&[&states[0], &states[1]]).unwrap();
            stage.finish(&merged).unwrap();
            for d in &docs {
                match stage.apply(d, &mut Stats::default()).action {
                    Action::Keep => {}
                    Action::Replace(t) => {
                        changed.set(changed.get() + 1);
                        if let Err(e) = pages::lines_in_order(d.text, &t, true) {
                            return Err(TestCaseError::fail(format!("{e}\npage:\n{}", d.text)));
                        }
                    }
                    Action::Drop(reason) => prop_assert_eq!(reason, "all_boilerplate"),
                    Action::Error(e) => return Err(TestCaseError::fail(e)),
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(
        changed.get() > 48,
        "only {} pages were changed",
        changed.get()
    );
}
