//! The per-document decision: which lines go, and why.
//!
//! Order of evidence for each line: a rule pack, then a learned per-site
//! pattern, then page structure and the classifier.
//!
//! 1. Lines named by a rule or the learned layer are boilerplate.
//! 2. The classifier labels the rest (`classify`), with named boilerplate as `Bad`, and
//!    resolves short lines from their neighbours.
//! 3. A footer header ("Legal Disclaimer:", "Related Articles") after the first
//!    good line, with no more good prose below it than above, removes itself
//!    and every line under it.
//! 4. The story core runs from the first to the last good line above the
//!    footer. In the core only named boilerplate and lines the classifier
//!    rejects in context go. Above the core only the headline (the title-like
//!    line right before the first paragraph, plus any short prose lead lines
//!    between them) stays. Below it only prose lines that continue the last
//!    paragraph without a break stay.
//! 5. The story's last line goes when it points elsewhere for the rest
//!    ("Continue at X for the rest of this report"): a truncation tail found
//!    by position and cue words ([`Why::Tail`]), whatever the wording.
//! 6. When unnamed boilerplate prose opened the core, a title-like line
//!    right above one of the first surviving paragraphs is kept as headline.
//!
//! Before all this, the `bylines` pack's prefix patterns run on the top
//! lines: a byline line is named boilerplate (and skipped by the headline
//! walk), and a byline or stamp that opens the first paragraph is cut off it
//! ([`Decision::cut`]).

use crate::classify::{self, Class, Features};
use crate::config::Settings;
use crate::lang;
use crate::learned::Learned;
use crate::prepare::Keys;
use crate::rules::{MatchHow, PrefixCut, RuleHit};
use std::borrow::Cow;
use std::cell::Cell;
use textmill_plugin_sdk::serde_json::{Map, Value, json};
use textmill_text::lines::{Line, lines};

/// Why a line was removed.
#[derive(Debug, Clone, PartialEq)]
pub enum Why<'a> {
    /// A rule pack named it.
    Rule(RuleHit<'a>),
    /// A learned per-site pattern, seen in `docs` documents of the site.
    Learned {
        /// Documents of the site containing the line.
        docs: u32,
    },
    /// It sits under a footer header at line `header` (which a rule named).
    Footer {
        /// Index of the header line.
        header: usize,
        /// Pack index of the header's rule.
        pack: usize,
    },
    /// The story's last line points elsewhere for the rest ("Continue at
    /// X for the rest of this report"): a truncation tail found by position
    /// and cue words, not by a listed phrase.
    Tail,
    /// The classifier and structure rejected it.
    Classifier {
        /// Zone: `top`, `core` or `bottom`.
        zone: &'static str,
        /// Classifier score of the line.
        score: f32,
        /// Class after the context pass.
        class: Class,
    },
}

/// The decision for one document.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    /// All lines of the input.
    pub lines: Vec<Line<'a>>,
    /// Per line: `None` kept, `Some(why)` removed.
    pub removed: Vec<Option<Why<'a>>>,
    /// Index of the line kept as headline, if one was found.
    pub headline: Option<usize>,
    /// A byline or stamp cut from the start of a kept line: (line, cut).
    pub cut: Option<(usize, PrefixCut)>,
    /// The language judging each script's lines.
    pub langs: lang::DocLangs,
}

impl Decision<'_> {
    /// The kept lines, in order (blank lines included; `join_lines` collapses
    /// them), with the prefix cut applied.
    pub fn kept(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .zip(&self.removed)
            .filter(|(_, r)| r.is_none())
            .map(|(l, _)| match &self.cut {
                Some((i, c)) if *i == l.index => &l.text[c.len..],
                _ => l.text,
            })
    }

    /// The prefix cut, when its line is kept.
    pub fn kept_cut(&self) -> Option<(usize, &PrefixCut)> {
        match &self.cut {
            Some((i, c)) if self.removed[*i].is_none() => Some((*i, c)),
            _ => None,
        }
    }

    /// Number of removed lines.
    pub fn removed_count(&self) -> usize {
        self.removed.iter().filter(|r| r.is_some()).count()
    }
}

/// Decide which lines of `text` to remove. `site` is the site hash used for
/// learned patterns.
pub fn decide<'a>(
    settings: &'a Settings,
    learned: &Learned,
    site: u64,
    text: &'a str,
) -> Decision<'a> {
    let ls = lines(text);
    let n = ls.len();
    let mut keys = SPARE_KEYS.with(Cell::take);
    keys.fill(
        &ls,
        text.len(),
        settings.rules.as_ref().and_then(|r| r.phrases()),
    );
    let raw: Vec<&str> = ls.iter().map(|l| l.text).collect();
    // Each line is judged by its own language's function words; on lines of
    // an unrecognised language the classifier abstains (see `lang`).
    let langs = lang::detect(settings.language, &keys);
    let judged: Vec<Features>;
    let mut abstain = vec![false; n];
    let feats: &[Features] = if langs.all_english() {
        &keys.feats
    } else {
        judged = keys
            .feats
            .iter()
            .enumerate()
            .map(|(i, f)| {
                lang::judge(&langs, f, keys.key(i)).unwrap_or_else(|| {
                    abstain[i] = true;
                    *f
                })
            })
            .collect();
        &judged
    };
    // A script the page is written in, not a few quoted words or a language
    // menu ("Русский", "简体中文" on an English page): a third of the letters.
    let major = if abstain.iter().any(|&a| a) {
        let letters = lang::letters_by_script(text);
        let total: usize = letters.iter().sum();
        letters.map(|l| 3 * l >= total)
    } else {
        [false; lang::SCRIPTS]
    };
    let words: Vec<usize> = feats.iter().map(|f| f.words).collect();
    // A phrase inside a whole article on one line (CNN/DailyMail ships
    // articles as one line; "become a member" may be a quote) names nothing:
    // a boilerplate paragraph is never that long (`PHRASE_LINE_WORDS`).
    let mut hits: Vec<Option<RuleHit<'a>>> = match &settings.rules {
        Some(rs) => rs.match_lines(
            &keys,
            &raw,
            &words,
            settings.short_line_words,
            PHRASE_LINE_WORDS,
        ),
        None => vec![None; n],
    };
    // A short phrase ("facebook", "newsletter") is weak evidence: it does not
    // outweigh a line that reads as a sentence ("Ironically, he learnt his
    // fate on the same Facebook group.").
    for (h, f) in hits.iter_mut().zip(feats) {
        let how = h.as_ref().map(|h| h.how);
        if how == Some(MatchHow::ShortPhrase) && f.terminal && f.words > 6 {
            *h = None;
        }
    }
    let cut = cut_top_prefixes(settings, &ls, &raw, feats, &mut hits);
    let learned_docs: Vec<Option<u32>> = if learned.is_empty() {
        vec![None; n]
    } else {
        // Observe never records date lines, and only a date line has a date
        // line's signature, so no date is ever found here.
        keys.sigs
            .iter()
            .map(|&sig| match sig {
                0 => None,
                sig => learned.lookup(site, sig),
            })
            .collect()
    };
    let named = |i: usize| hits[i].is_some() || learned_docs[i].is_some();

    let scores: Vec<f32> = feats.iter().map(classify::score).collect();
    let mut classes: Vec<Class> = (0..n)
        .map(|i| {
            if feats[i].words == 0 {
                Class::Blank
            } else if named(i) {
                Class::Bad
            } else if abstain[i] {
                // No judgement on the words: a line of the page's own
                // script long enough to be prose is kept as prose, any
                // other (a title, a language menu entry, a quote in another
                // script) takes its neighbours' class, and only a line made of symbols (a menu
                // of separators, a row of icons) is bad on its own.
                if feats[i].symbol_share >= 0.2 {
                    Class::Bad
                } else if major[feats[i].script as usize] && lang::is_long(&feats[i], raw[i]) {
                    Class::Good
                } else {
                    Class::Short
                }
            } else {
                classify::classify(&feats[i], scores[i])
            }
        })
        .collect();
    classify::resolve_context(&mut classes);

    let mut removed: Vec<Option<Why<'a>>> = vec![None; n];
    for i in 0..n {
        if let Some(h) = &hits[i] {
            removed[i] = Some(Why::Rule(h.clone()));
        } else if let Some(d) = learned_docs[i] {
            removed[i] = Some(Why::Learned { docs: d });
        }
    }
    let mut headline = None;
    if settings.structure {
        let first_good = classes.iter().position(|&c| c == Class::Good);
        // Footer cut: a footer header below the first paragraph, with no more
        // prose under it than above it (so a "Related" box in a sidebar above
        // the article does not take the article with it).
        let good_chars = |r: std::ops::Range<usize>| -> usize {
            r.filter(|&i| classes[i] == Class::Good)
                .map(|i| raw[i].len())
                .sum()
        };
        let mut cut = n;
        if let Some(fg) = first_good {
            for (i, hit) in hits.iter().enumerate().take(n).skip(fg + 1) {
                let Some(h) = hit else { continue };
                if h.how == MatchHow::FooterHeader && good_chars(i + 1..n) <= good_chars(0..i) {
                    cut = i;
                    for (j, r) in removed.iter_mut().enumerate().skip(i + 1) {
                        if r.is_none() && !ls[j].is_blank() {
                            *r = Some(Why::Footer {
                                header: i,
                                pack: h.pack,
                            });
                        }
                    }
                    break;
                }
            }
        }
        let core_start = classes[..cut].iter().position(|&c| c == Class::Good);
        let core_end = classes[..cut].iter().rposition(|&c| c == Class::Good);
        let zone_of = |i: usize| match (core_start, core_end) {
            (Some(s), Some(_)) if i < s => "top",
            (Some(_), Some(e)) if i > e => "bottom",
            (Some(_), Some(_)) => "core",
            _ => "top",
        };
        // Lines kept outside the core.
        let mut keep_outside = vec![false; n];
        if let (Some(s), Some(e)) = (core_start, core_end) {
            // Walk up from the first paragraph: short prose lead lines, then the headline.
            let mut i = s;
            while i > 0 {
                i -= 1;
                if ls[i].is_blank() {
                    continue;
                }
                // Only strong evidence stops the walk: a headline may well
                // mention Facebook or a newsletter.
                // A byline line sits between headline and story; step over it.
                if hits[i].as_ref().is_some_and(|h| h.how == MatchHow::Prefix) {
                    continue;
                }
                // So is a phrase of a few words inside a longer title
                // ("Highlighting journalists on Google News").
                let weak = hits[i].as_ref().is_some_and(|h| {
                    h.how == MatchHow::ShortPhrase
                        || (h.how == MatchHow::Phrase
                            && h.pattern.split(' ').count() <= 3
                            && feats[i].words > h.pattern.split(' ').count() + 1)
                });
                if named(i)
                    && !(weak && learned_docs[i].is_none() && is_title_like(&feats[i], raw[i]))
                {
                    break;
                }
                let f = &feats[i];
                if f.terminal && f.words >= 4 && scores[i] >= classify::BAD_SCORE && f.words < 40 {
                    keep_outside[i] = true;
                    continue;
                }
                if is_title_like(f, raw[i]) {
                    keep_outside[i] = true;
                    headline = Some(i);
                    removed[i] = None;
                }
                break;
            }
            // Walk down from the last paragraph: prose lines that continue it without a break.
            for j in e + 1..cut {
                if ls[j].is_blank() || named(j) {
                    break;
                }
                let f = &feats[j];
                if f.terminal && scores[j] >= classify::BAD_SCORE && f.words >= 3 {
                    keep_outside[j] = true;
                } else {
                    break;
                }
            }
            // The story's last line: a short line that points elsewhere for
            // the rest is a syndication tail, whatever its wording.
            let last = (e..cut)
                .rev()
                .find(|&j| j == e || keep_outside[j])
                .unwrap_or(e);
            if last > s
                && Some(last) != headline
                && removed[last].is_none()
                && feats[last].words <= TAIL_WORDS
                && is_pointer(keys.key(last), raw[last])
            {
                keep_outside[last] = false;
                removed[last] = Some(Why::Tail);
            }
        }
        if settings.classifier || core_start.is_some() {
            for i in 0..cut.min(n) {
                if removed[i].is_some() || ls[i].is_blank() || keep_outside[i] {
                    continue;
                }
                let zone = zone_of(i);
                let drop = match zone {
                    "core" => settings.classifier && classes[i] == Class::Bad,
                    // Outside the core everything but the headline and lead/tail prose goes.
                    _ => true,
                };
                if drop {
                    removed[i] = Some(Why::Classifier {
                        zone,
                        score: scores[i],
                        class: classes[i],
                    });
                }
            }
            // When boilerplate prose above the story (an error message, a
            // cookie notice) opened the core, the story's headline sits inside
            // the core and the classifier dropped it as a short, title-cased
            // line. A paragraph that survived with such a line right above it
            // (among the first few paragraphs) gets that line back as its
            // headline.
            let firsts = (0..cut)
                .filter(|&i| classes[i] == Class::Good && removed[i].is_none())
                .take(3);
            for g in firsts {
                let Some(h) = (0..g).rev().find(|&i| !ls[i].is_blank()) else {
                    continue;
                };
                let f = &feats[h];
                if matches!(removed[h], Some(Why::Classifier { zone: "core", .. }))
                    && headline.is_none_or(|hl| hl < h)
                    && !f.terminal
                    && is_title_like(f, raw[h])
                {
                    removed[h] = None;
                    headline = Some(h);
                    break;
                }
            }
        }
    } else if settings.classifier {
        for i in 0..n {
            if removed[i].is_none() && classes[i] == Class::Bad {
                removed[i] = Some(Why::Classifier {
                    zone: "any",
                    score: scores[i],
                    class: classes[i],
                });
            }
        }
    }
    // A page far bigger than most does not keep its buffers for the rest of the run.
    if keys.joined.capacity() <= SPARE_KEYS_MAX_BYTES {
        SPARE_KEYS.with(|spare| spare.set(keys));
    }
    Decision {
        lines: ls,
        removed,
        headline,
        cut,
        langs,
    }
}

thread_local! {
    /// Each worker's key buffers, reused from document to document (they
    /// were a visible share of the stage's allocations).
    static SPARE_KEYS: Cell<Keys> = Cell::new(Keys::default());
}

/// Largest key buffer kept for the next document.
const SPARE_KEYS_MAX_BYTES: usize = 1 << 20;

/// Lines longer than this many words are story, whatever phrase they
/// contain (a story quoting "continue reading" or "subscribe to our"). The
/// longest boilerplate paragraphs in dirty-news (a legal disclaimer) run to
/// 55 words; longer boilerplate that recurs on a site is still caught by the
/// learned layer, which does not look at length. On the held-out corpus this
/// limit (instead of 120) kept 0.06 points more content and lost no
/// boilerplate.
const PHRASE_LINE_WORDS: usize = 60;

/// How many non-blank lines from the top may carry a byline: a title, a
/// kicker, a byline and a stamp, with a little navigation above them.
const BYLINE_LINES: usize = 8;

/// Try the prefix patterns (bylines, stamps) on the page's top lines, down to
/// the first paragraph. A line consumed whole becomes a rule hit; the first
/// line with a partial match gets its prefix cut and ends the search.
fn cut_top_prefixes(
    settings: &Settings,
    ls: &[Line<'_>],
    raw: &[&str],
    feats: &[Features],
    hits: &mut [Option<RuleHit<'_>>],
) -> Option<(usize, PrefixCut)> {
    let rs = settings.rules.as_ref().filter(|r| r.has_prefixes())?;
    let mut seen = 0;
    for (i, l) in ls.iter().enumerate() {
        if l.is_blank() {
            continue;
        }
        seen += 1;
        if seen > BYLINE_LINES {
            break;
        }
        if let Some(c) = rs.cut_prefix(raw[i]) {
            if raw[i][c.len..].trim().is_empty() {
                if hits[i].is_none() {
                    hits[i] = Some(RuleHit {
                        pack: c.pack,
                        how: MatchHow::Prefix,
                        pattern: Cow::Owned(c.patterns.join(" + ")),
                    });
                }
                continue;
            }
            return Some((i, c));
        }
        // The first paragraph ends the header: bylines are not searched inside the story.
        let f = &feats[i];
        if f.words >= classify::SHORT_WORDS && classify::score(f) >= classify::GOOD_SCORE {
            break;
        }
    }
    None
}

/// Longest story-final line that can be a truncation tail.
const TAIL_WORDS: usize = 25;

/// Words that say "the rest of the text" ...
const TAIL_PART: &[&str] = &[
    "continue",
    "continued",
    "continues",
    "continuing",
    "rest",
    "full",
    "remainder",
    "remaining",
    "original",
    "originally",
    "excerpt",
    "excerpted",
    "abridged",
    "shortened",
    "truncated",
    "part",
    "complete",
    "entire",
    "whole",
    "more",
];
/// ... of "the text" (within a few words after) ...
const TAIL_TEXT: &[&str] = &[
    "story", "article", "report", "piece", "post", "coverage", "text", "item", "feature",
    "reading", "stories", "articles",
];
/// ... is "elsewhere".
const TAIL_WHERE: &[&str] = &[
    "at",
    "on",
    "via",
    "see",
    "visit",
    "here",
    "available",
    "link",
    "click",
    "website",
    "site",
];

/// A line that points the reader elsewhere for the rest of the story: a
/// part-of-the-text phrase ("the rest of this report", "continue reading",
/// "the full story") and a place (or a domain). Together they rarely occur
/// in a story's own closing sentence ("He said the full report would
/// follow" has no place; "will report back when we have more information"
/// has no part-of-the-text phrase). Questions are never tails.
fn is_pointer(key: &str, raw: &str) -> bool {
    if raw.trim_end().ends_with('?') {
        return false;
    }
    let words: Vec<&str> = key.split(' ').collect();
    let part_of_text = words.iter().enumerate().any(|(i, w)| {
        TAIL_PART.contains(w)
            && words[i + 1..(i + 5).min(words.len())]
                .iter()
                .any(|t| TAIL_TEXT.contains(t))
    });
    part_of_text && (words.iter().any(|w| TAIL_WHERE.contains(w)) || has_domain(raw))
}

/// True when the line carries a web domain ("example.co.uk", "www.x.com").
fn has_domain(raw: &str) -> bool {
    const TLDS: &[&str] = &[
        "com", "org", "net", "co", "uk", "au", "ca", "ie", "nz", "in", "io", "news", "info",
    ];
    raw.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | '"' | '\''))
        .any(|w| {
            let w = w.trim_end_matches(['.', '!', '?', ':']);
            let mut parts = w.rsplit('.');
            let tld = parts.next().unwrap_or("");
            w.contains('.')
                && parts.next().is_some_and(|p| !p.is_empty())
                && TLDS.contains(&tld.to_ascii_lowercase().as_str())
        })
}

/// A headline: short, not a sentence run, not a symbol-laden menu line.
fn is_title_like(f: &Features, raw: &str) -> bool {
    f.words >= 2 && f.words <= 30 && raw.trim().len() <= 250 && f.symbol_share < 0.1
}

/// The boilerplate kind of rule pack `pack` ("rule" if there is none).
pub fn pack_kind(settings: &Settings, pack: usize) -> &str {
    settings
        .rules
        .as_ref()
        .and_then(|r| r.packs.get(pack))
        .map(|p| p.kind.as_str())
        .unwrap_or("rule")
}

/// Stats kind of a removal: the pack's kind, `learned` or `classifier`.
pub fn kind_of<'s>(why: &Why<'_>, settings: &'s Settings) -> &'s str {
    match why {
        Why::Rule(h) => pack_kind(settings, h.pack),
        Why::Footer { pack, .. } => pack_kind(settings, *pack),
        Why::Learned { .. } => "learned",
        Why::Tail => "truncation_tail",
        Why::Classifier { .. } => "classifier",
    }
}

/// The explain record (see the crate docs for its shape).
pub fn explain(d: &Decision<'_>, settings: &Settings, site: &str) -> Value {
    let mut removed = Vec::new();
    for (l, why) in d.lines.iter().zip(&d.removed) {
        let Some(why) = why else { continue };
        let mut m = Map::new();
        m.insert("line".into(), json!(l.index));
        m.insert("text".into(), json!(l.text));
        m.insert("kind".into(), json!(kind_of(why, settings)));
        let pack = |p: usize| settings.rules.as_ref().and_then(|r| r.packs.get(p));
        match why {
            Why::Rule(h) => {
                m.insert("by".into(), json!("rule"));
                if let Some(p) = pack(h.pack) {
                    m.insert("pack".into(), json!(p.name));
                    m.insert("pack_version".into(), json!(p.version));
                }
                m.insert("match".into(), json!(h.how.as_str()));
                m.insert("pattern".into(), json!(h.pattern));
            }
            Why::Footer { header, pack: p } => {
                m.insert("by".into(), json!("footer"));
                m.insert("header_line".into(), json!(header));
                if let Some(p) = pack(*p) {
                    m.insert("pack".into(), json!(p.name));
                }
            }
            Why::Learned { docs } => {
                m.insert("by".into(), json!("learned"));
                m.insert("site".into(), json!(site));
                m.insert("site_docs".into(), json!(docs));
            }
            Why::Tail => {
                m.insert("by".into(), json!("structure"));
                m.insert("zone".into(), json!("tail"));
            }
            Why::Classifier { zone, score, class } => {
                m.insert("by".into(), json!("classifier"));
                m.insert("zone".into(), json!(zone));
                m.insert("score".into(), json!((score * 1000.0).round() / 1000.0));
                m.insert("class".into(), json!(class.as_str()));
            }
        }
        removed.push(Value::Object(m));
    }
    if let Some((i, c)) = d.kept_cut() {
        let pack = settings.rules.as_ref().and_then(|r| r.packs.get(c.pack));
        let mut m = Map::new();
        m.insert("line".into(), json!(i));
        m.insert("text".into(), json!(&d.lines[i].text[..c.len]));
        m.insert(
            "kind".into(),
            json!(pack.map(|p| p.kind.as_str()).unwrap_or("rule")),
        );
        m.insert("by".into(), json!("rule"));
        if let Some(p) = pack {
            m.insert("pack".into(), json!(p.name));
            m.insert("pack_version".into(), json!(p.version));
        }
        m.insert("match".into(), json!("prefix"));
        m.insert("pattern".into(), json!(c.patterns.join(" + ")));
        removed.push(Value::Object(m));
    }
    json!({
        "headline_line": d.headline,
        "languages": d.langs.to_json(),
        "removed": removed,
    })
}
