//! Rule packs: versioned data files that name boilerplate, compiled into one
//! matcher.
//!
//! A pack is a TOML file:
//!
//! ```toml
//! name = "legal_disclaimers"   # used in `disable_packs`, stats and explain output
//! version = "1.0.0"
//! kind = "disclaimer"          # counter suffix: lines_removed.disclaimer
//! lines = ["legal disclaimer"] # whole lines
//! phrases = ["without warranty of any kind"]  # anywhere in a line, may span line breaks
//! short_phrases = ["disclaimer"]               # only in short lines
//! footer_headers = ["legal disclaimer"]        # whole line that opens a footer block
//! regexes = ['^\s*(©|\(c\)|copyright\b)']      # over the trimmed original line
//! prefixes = ['By \\. {{NAME}} \\. ']            # cut from the start of a top line
//! [defines]                                    # `{{NAME}}` in `prefixes`
//! NAME = '\p{Lu}\w+(?: \p{Lu}\w+)*'
//! ```
//!
//! `prefixes` are regexes (case-sensitive unless they say `(?i)`: a byline is
//! told from a sentence by its capitalised name) anchored at the start of a
//! line. They are tried on the first lines of a page, down to the first
//! paragraph, again and again while one matches, so a byline, then a
//! "Published" stamp, then an "Updated" stamp come off one after the other.
//! A line consumed whole is removed; otherwise only the matched prefix is cut
//! and the rest of the line is kept verbatim (see [`RuleSet::cut_prefix`]).
//!
//! Every string except the regexes is normalised with
//! [`normalize_for_match`] when the pack is loaded, and lines are normalised
//! the same way, so case, punctuation, quotes and spacing never matter.
//! Phrases are searched for once over the whole document's normalised text
//! (lines joined by a space, see [`crate::phrases`]), so a phrase that a
//! scraper broke across lines ("the page you were / looking for") is matched
//! as one block.

use crate::phrases::PhraseSet;
use crate::prepare::Keys;
use regex::RegexSet;
use std::borrow::Cow;
use std::collections::HashMap;
use textmill_text::hash::hash64;
use textmill_text::normalize::normalize_for_match;

/// The packs shipped with the plugin, embedded so the cdylib works wherever it is copied.
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    ("error_pages", include_str!("../rules/error_pages.toml")),
    (
        "legal_disclaimers",
        include_str!("../rules/legal_disclaimers.toml"),
    ),
    ("copyright", include_str!("../rules/copyright.toml")),
    ("consent", include_str!("../rules/consent.toml")),
    ("navigation", include_str!("../rules/navigation.toml")),
    ("share", include_str!("../rules/share.toml")),
    (
        "newsletter_paywall",
        include_str!("../rules/newsletter_paywall.toml"),
    ),
    ("comments", include_str!("../rules/comments.toml")),
    ("related", include_str!("../rules/related.toml")),
    ("truncation", include_str!("../rules/truncation.toml")),
    ("bylines", include_str!("../rules/bylines.toml")),
];

/// A problem with a rule pack, naming the pack.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// The pack is not valid TOML or has unknown keys.
    #[error("rule pack `{origin}`: {message}")]
    Parse {
        /// File path or built-in name.
        origin: String,
        /// What the TOML parser said (with line and column).
        message: String,
    },
    /// A pack file could not be read.
    #[error("rule pack `{path}`: {source}")]
    Read {
        /// The path from the config.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A regex in a pack does not compile.
    #[error("rule pack `{pack}`: regex `{pattern}`: {message}")]
    Regex {
        /// Pack name.
        pack: String,
        /// The pattern.
        pattern: String,
        /// Why it does not compile.
        message: String,
    },
}

/// One rule pack as written in its file.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    /// Pack name, unique among loaded packs.
    pub name: String,
    /// Pack version (informational; shown in explain output).
    #[serde(default)]
    pub version: String,
    /// Boilerplate kind, the suffix of the `lines_removed.<kind>` counter.
    pub kind: String,
    /// Whole lines that are boilerplate.
    #[serde(default)]
    pub lines: Vec<String>,
    /// Phrases that make any line containing them boilerplate.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Phrases that count only in short lines (see `short_line_words`).
    #[serde(default)]
    pub short_phrases: Vec<String>,
    /// Whole lines that open a footer block: they and every line below go.
    #[serde(default)]
    pub footer_headers: Vec<String>,
    /// Case-insensitive regexes over the trimmed original line.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Regexes anchored at the start of a top line whose match is cut off
    /// (bylines, timestamps); `{{NAME}}` stands for `defines.NAME`.
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Named regex fragments for `prefixes`; a define may use earlier-sorted ones.
    #[serde(default)]
    pub defines: std::collections::BTreeMap<String, String>,
}

impl Pack {
    /// `prefixes` with every `{{NAME}}` replaced by its define (defines may
    /// nest a few levels). An unknown name is an error naming it.
    pub fn expanded_prefixes(&self) -> Result<Vec<String>, PackError> {
        let mut out = Vec::new();
        for p in &self.prefixes {
            let mut s = p.clone();
            // Defines may refer to one another; a few rounds cover any sane nesting.
            for _ in 0..4 {
                if !s.contains("{{") {
                    break;
                }
                for (k, v) in &self.defines {
                    s = s.replace(&format!("{{{{{k}}}}}"), &format!("(?:{v})"));
                }
            }
            if let Some(at) = s.find("{{") {
                let name: String = s[at + 2..].chars().take_while(|&c| c != '}').collect();
                return Err(PackError::Regex {
                    pack: self.name.clone(),
                    pattern: p.clone(),
                    message: format!("no define `{name}`"),
                });
            }
            out.push(s);
        }
        Ok(out)
    }
}

impl Pack {
    /// Parse a pack from TOML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Pack, PackError> {
        toml::from_str(text).map_err(|e| PackError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })
    }
}

/// How a rule matched a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchHow {
    /// The whole line is listed.
    Line,
    /// A phrase occurs in the line (or in a block spanning it).
    Phrase,
    /// A short-line phrase occurs in a short line.
    ShortPhrase,
    /// A regex matched.
    Regex,
    /// The line opens a footer block.
    FooterHeader,
    /// Prefix patterns consumed the whole line.
    Prefix,
}

impl MatchHow {
    /// Name used in explain output.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchHow::Line => "line",
            MatchHow::Phrase => "phrase",
            MatchHow::ShortPhrase => "short_phrase",
            MatchHow::Regex => "regex",
            MatchHow::FooterHeader => "footer_header",
            MatchHow::Prefix => "prefix",
        }
    }
}

/// Which pattern of which pack matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHit<'a> {
    /// Index into [`RuleSet::packs`].
    pub pack: usize,
    /// How it matched.
    pub how: MatchHow,
    /// The pattern as normalised (or the regex source), borrowed from the
    /// rule set: a page's hits copy no strings.
    pub pattern: Cow<'a, str>,
}

/// Metadata of a loaded pack kept for stats and explain output.
#[derive(Debug, Clone)]
pub struct PackInfo {
    /// Pack name.
    pub name: String,
    /// Pack version.
    pub version: String,
    /// Boilerplate kind.
    pub kind: String,
}

/// All loaded packs compiled into matchers built once, at config time.
#[derive(Debug)]
pub struct RuleSet {
    /// Loaded packs, in load order.
    pub packs: Vec<PackInfo>,
    /// Normalised whole line → (pack, is footer header).
    lines: HashMap<u64, (usize, bool, String)>,
    /// Phrase index over normalised text.
    phrases: Option<PhraseSet>,
    /// Per automaton pattern: (pack, short-only, normalised pattern).
    phrase_meta: Vec<(usize, bool, String)>,
    /// Byte length of the longest listed line.
    longest_line: usize,
    /// Regexes, one set for a single pass per line.
    regexes: Option<RegexSet>,
    /// Per regex: (pack, source).
    regex_meta: Vec<(usize, String)>,
    /// Prefix patterns, each anchored: (regex, pack, source as written).
    prefixes: Vec<(regex::Regex, usize, String)>,
}

/// A prefix cut from a line by [`RuleSet::cut_prefix`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixCut {
    /// Bytes cut from the start of the line.
    pub len: usize,
    /// Pack of the first pattern that matched.
    pub pack: usize,
    /// Source of every pattern that matched, in order.
    pub patterns: Vec<String>,
}

impl RuleSet {
    /// Compile packs. Later packs win ties on whole lines, so user packs
    /// (loaded after the built-in ones) can re-classify a line.
    pub fn compile(packs: &[Pack]) -> Result<RuleSet, PackError> {
        let mut infos = Vec::new();
        let mut lines = HashMap::new();
        let mut phrase_pats = Vec::new();
        let mut phrase_meta = Vec::new();
        let mut regex_pats = Vec::new();
        let mut regex_meta = Vec::new();
        let mut prefixes = Vec::new();
        for (pi, p) in packs.iter().enumerate() {
            for (src, written) in p.expanded_prefixes()?.into_iter().zip(&p.prefixes) {
                let re =
                    regex::Regex::new(&format!("^(?:{src})")).map_err(|e| PackError::Regex {
                        pack: p.name.clone(),
                        pattern: written.clone(),
                        message: e.to_string(),
                    })?;
                prefixes.push((re, pi, written.clone()));
            }
            infos.push(PackInfo {
                name: p.name.clone(),
                version: p.version.clone(),
                kind: p.kind.clone(),
            });
            for l in &p.lines {
                let k = normalize_for_match(l);
                if !k.is_empty() {
                    lines.entry(hash64(k.as_bytes())).or_insert((pi, false, k));
                }
            }
            // Footer headers override plain lines: the block behaviour matters more.
            for l in &p.footer_headers {
                let k = normalize_for_match(l);
                if !k.is_empty() {
                    lines.insert(hash64(k.as_bytes()), (pi, true, k));
                }
            }
            for (list, short) in [(&p.phrases, false), (&p.short_phrases, true)] {
                for ph in list {
                    let k = normalize_for_match(ph);
                    if !k.is_empty() {
                        phrase_pats.push(k.clone());
                        phrase_meta.push((pi, short, k));
                    }
                }
            }
            for r in &p.regexes {
                // Validate each pattern alone so the error names it.
                let src = format!("(?i){r}");
                regex::Regex::new(&src).map_err(|e| PackError::Regex {
                    pack: p.name.clone(),
                    pattern: r.clone(),
                    message: e.to_string(),
                })?;
                regex_pats.push(src);
                regex_meta.push((pi, r.clone()));
            }
        }
        let phrases = if phrase_pats.is_empty() {
            None
        } else {
            Some(PhraseSet::new(&phrase_pats))
        };
        let regexes = if regex_pats.is_empty() {
            None
        } else {
            Some(RegexSet::new(&regex_pats).map_err(|e| PackError::Regex {
                pack: "*".into(),
                pattern: "(set)".into(),
                message: e.to_string(),
            })?)
        };
        Ok(RuleSet {
            packs: infos,
            longest_line: lines.values().map(|(_, _, k)| k.len()).max().unwrap_or(0),
            lines,
            phrases,
            phrase_meta,
            regexes,
            regex_meta,
            prefixes,
        })
    }

    /// The phrase matcher, which [`Keys::fill`] feeds while it builds keys.
    pub fn phrases(&self) -> Option<&PhraseSet> {
        self.phrases.as_ref()
    }

    /// True when some pack has prefix patterns.
    pub fn has_prefixes(&self) -> bool {
        !self.prefixes.is_empty()
    }

    /// Cut prefix patterns off the start of `line` while one matches (at most
    /// 8 rounds, so patterns that match nothing useful cannot loop). Returns
    /// None when none matched.
    pub fn cut_prefix(&self, line: &str) -> Option<PrefixCut> {
        let mut at = 0;
        let mut cut: Option<PrefixCut> = None;
        for _ in 0..8 {
            let rest = &line[at..];
            let hit = self
                .prefixes
                .iter()
                .find_map(|(re, pack, src)| match re.find(rest) {
                    Some(m) if m.end() > 0 => Some((m.end(), *pack, src)),
                    _ => None,
                });
            let Some((len, pack, src)) = hit else { break };
            at += len;
            let c = cut.get_or_insert(PrefixCut {
                len: 0,
                pack,
                patterns: Vec::new(),
            });
            c.len = at;
            c.patterns.push(src.clone());
        }
        cut
    }

    /// Match every line of a document.
    ///
    /// `keys` are the normalised lines, `raw` the original lines, `words` the
    /// word count of each line. A phrase names no line of more than
    /// `phrase_line_words` words, a short phrase none of more than
    /// `short_line_words`. Returns the first hit per line (None when no rule
    /// names it).
    pub fn match_lines(
        &self,
        keys: &Keys,
        raw: &[&str],
        words: &[usize],
        short_line_words: usize,
        phrase_line_words: usize,
    ) -> Vec<Option<RuleHit<'_>>> {
        let n = keys.spans.len();
        let mut out: Vec<Option<RuleHit<'_>>> = vec![None; n];
        for (i, slot) in out.iter_mut().enumerate() {
            let k = keys.key(i);
            // Listed lines are short; a long paragraph cannot be one.
            if k.is_empty() || k.len() > self.longest_line {
                continue;
            }
            if let Some((pack, footer, pat)) = self.lines.get(&hash64(k.as_bytes())) {
                // A hash hit is confirmed on the text so a collision cannot remove a line.
                if pat == k {
                    *slot = Some(RuleHit {
                        pack: *pack,
                        how: if *footer {
                            MatchHow::FooterHeader
                        } else {
                            MatchHow::Line
                        },
                        pattern: Cow::Borrowed(pat),
                    });
                }
            }
        }
        if let Some(ps) = &self.phrases {
            // Over the keys joined by single spaces; blank lines leave a
            // double space, so a phrase never spans a blank line. Matches are
            // whole words only: "ad" must not fire inside "bread". The keys
            // were scanned for phrase starts as they were built, unless they
            // were built for another rule set.
            let mut found = Vec::new();
            match keys.phrase_starts(ps) {
                Some(starts) => ps.matches(keys.joined.as_bytes(), starts, &mut found),
                None => ps.find(keys.joined.as_bytes(), &mut found),
            }
            for m in &found {
                let (s, e) = (m.start, m.end);
                let (pack, short, ref pat) = self.phrase_meta[m.pattern];
                let max_words = if short {
                    short_line_words
                } else {
                    phrase_line_words
                };
                let first = keys
                    .spans
                    .partition_point(|&(st, _)| st <= s)
                    .saturating_sub(1);
                let last = keys
                    .spans
                    .partition_point(|&(st, _)| st < e)
                    .saturating_sub(1);
                for li in first..=last {
                    if out[li].is_some() {
                        continue;
                    }
                    if words[li] > max_words {
                        continue;
                    }
                    out[li] = Some(RuleHit {
                        pack,
                        how: if short {
                            MatchHow::ShortPhrase
                        } else {
                            MatchHow::Phrase
                        },
                        pattern: Cow::Borrowed(pat),
                    });
                }
            }
        }
        if let Some(set) = &self.regexes {
            for (i, r) in raw.iter().enumerate() {
                // Regexes describe short credit and menu lines; bounding the
                // length bounds their cost on long paragraphs.
                if out[i].is_some() || words[i] == 0 || words[i] > short_line_words {
                    continue;
                }
                let r = r.trim();
                // The DFA-backed `is_match` is cheap; `matches` only runs on a hit.
                if !set.is_match(r) {
                    continue;
                }
                if let Some(ri) = set.matches(r).iter().next() {
                    let (pack, ref src) = self.regex_meta[ri];
                    out[i] = Some(RuleHit {
                        pack,
                        how: MatchHow::Regex,
                        pattern: Cow::Borrowed(src),
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in rule set, compiled once for all tests.
    fn builtin() -> &'static RuleSet {
        static SET: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
        SET.get_or_init(|| {
            let packs: Vec<Pack> = BUILTIN_PACKS
                .iter()
                .map(|(n, t)| Pack::parse(t, n).expect("built-in pack parses"))
                .collect();
            RuleSet::compile(&packs).expect("built-in packs compile")
        })
    }

    /// The hits as `decide` gets them (keys scanned for the set's phrases
    /// as they are built); keys built without the scan give the same hits.
    fn run<'r>(rs: &'r RuleSet, text: &str) -> Vec<Option<RuleHit<'r>>> {
        let ls = textmill_text::lines::lines(text);
        let raw: Vec<&str> = ls.iter().map(|l| l.text).collect();
        let mut keys = Keys::default();
        keys.fill(&ls, text.len(), rs.phrases());
        let words: Vec<usize> = (0..ls.len())
            .map(|i| keys.key(i).split(' ').filter(|w| !w.is_empty()).count())
            .collect();
        let hits = rs.match_lines(&keys, &raw, &words, 15, 60);
        let unscanned = Keys::new(&ls, text.len());
        assert_eq!(rs.match_lines(&unscanned, &raw, &words, 15, 60), hits);
        hits
    }

    #[test]
    fn every_builtin_pack_parses_and_names_itself() {
        for (name, text) in BUILTIN_PACKS {
            let p = Pack::parse(text, name).expect("parses");
            assert_eq!(&p.name, name);
            assert!(!p.kind.is_empty());
        }
    }

    #[test]
    fn a_phrase_broken_across_lines_marks_the_whole_block() {
        let hits = run(
            builtin(),
            "Error! We're sorry, but the page you were\nlooking for doesn't exist.\nA story line.",
        );
        assert!(hits[0].is_some() && hits[1].is_some());
        assert!(hits[2].is_none());
    }

    #[test]
    fn phrases_match_whole_words_only() {
        let rs = RuleSet::compile(&[Pack {
            name: "t".into(),
            kind: "t".into(),
            phrases: vec!["ad".into()],
            ..Pack::default()
        }])
        .expect("compiles");
        let hits = run(&rs, "Fresh bread daily\nAD\nan ad here");
        assert_eq!(hits[0], None);
        assert!(hits[1].is_some() && hits[2].is_some());
    }

    #[test]
    fn short_phrases_leave_long_lines_alone() {
        let hits = run(
            builtin(),
            "Follow us\nThe minister said he would follow the advice of the committee on the matter of the budget and report back to parliament next week.",
        );
        assert!(hits[0].is_some());
        assert!(hits[1].is_none());
    }

    #[test]
    fn a_phrase_names_the_short_lines_it_spans_but_never_a_long_one() {
        // 70 words: longer than any line a phrase may name (60 in `run`).
        let story = "the council met on tuesday and agreed the plan ".repeat(7);
        let phrase = "your email address will not be published";
        let hits = run(
            builtin(),
            &format!(
                "{story}your email\naddress will not be published\n\
                 Please note that your\nemail address will not be published {story}\n\
                 {story}{phrase} {story}"
            ),
        );
        let named: Vec<bool> = hits.iter().map(Option::is_some).collect();
        // A phrase that starts in a long line's last words names the short
        // line it runs into; one that runs from a short line into a long
        // line's first words names the short line; one inside a long line
        // names nothing.
        assert_eq!(named, [false, true, true, false, false]);
    }

    #[test]
    fn copyright_regex_and_footer_headers() {
        let hits = run(builtin(), "© Daily Post 2021\nLegal Disclaimer:");
        assert_eq!(hits[0].as_ref().map(|h| h.how), Some(MatchHow::Regex));
        assert_eq!(
            hits[1].as_ref().map(|h| h.how),
            Some(MatchHow::FooterHeader)
        );
    }

    #[test]
    fn bad_regex_names_pack_and_pattern() {
        let err = RuleSet::compile(&[Pack {
            name: "mine".into(),
            kind: "x".into(),
            regexes: vec!["(".into()],
            ..Pack::default()
        }])
        .expect_err("must fail");
        assert!(err.to_string().contains("mine") && err.to_string().contains("`(`"));
    }
}
