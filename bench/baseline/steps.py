"""Custom steps of the datatrove baseline: line cleaning and the exact-dedup key.

datatrove 0.10.1 has no pipeline step that removes single lines and keeps the
document (its C4QualityFilter removes lines but also drops whole documents),
so the baseline's line cleaning is three small BaseFormatter subclasses:

- C4LineFormatter: the C4 line rules of datatrove's C4QualityFilter (Raffel
  et al. 2020), with one exemption so the headline survives (see below).
- PhraseLineFormatter: drops lines that are, or contain, a boilerplate phrase.
  The phrases are read from textmill's own strip_disclaimer rule packs
  (plugins/strip_disclaimer/rules/*.toml: `lines`, `footer_headers` and
  `phrases`), so both tools start from the same phrase knowledge.
- RepeatedLinesFormatter: drops a line whose normalised form (>= 30 chars)
  already occurred earlier in the document, like textmill's within-document
  dedupe (min_line_chars = 30).

`exact_key` is the content ExactDedup hashes: the whole text, normalised as
textmill's dedupe normalises it (case, punctuation, whitespace).

They live in a module of their own (not in the __main__ script) so that
datatrove's worker processes can import them.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path

from datatrove.pipeline.formatters.base import BaseFormatter

# datatrove.pipeline.filters.c4_filters
END_PUNCTUATION = (".", "?", "!", '"', "'")
ELLIPSIS = "..."
POLICY_SUBSTRINGS = [
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
]
MIN_WORDS_PER_LINE = 3
MAX_WORD_LENGTH = 1000
# Headline exemption: at most this many words (textmill's summarize uses 30 too).
MAX_HEADLINE_WORDS = 30


def _c4_reason(line: str) -> str | None:
    """Why C4's line rules remove `line` (stripped), or None to keep it."""
    words = line.split()
    if len(words) < MIN_WORDS_PER_LINE:
        return "too_few_words"
    if max(len(w) for w in words) > MAX_WORD_LENGTH:
        return "long_word"
    low = line.lower()
    if "javascript" in low:
        return "javascript"
    if any(p in low for p in POLICY_SUBSTRINGS):
        return "policy"
    if not line.endswith(END_PUNCTUATION) or line.endswith(ELLIPSIS):
        return "no_terminal_punct"
    return None


class C4LineFormatter(BaseFormatter):
    """C4's line rules: keep lines of >= 3 words that end in terminal punctuation
    and mention neither javascript nor a cookie/privacy policy.

    Deviation from C4: the first line that fails only the terminal-punctuation
    rule, has at most 30 words and is followed (after blank lines) by a line
    that C4 keeps, is kept as the headline. Blank lines are kept as paragraph
    breaks. C4's document-level rules (lorem ipsum, curly brackets, fewer than
    5 sentences) are not applied: textmill's pipeline drops no document for
    those reasons either.
    """

    name = "C4 line rules"

    def format(self, text: str) -> str:
        lines = text.split("\n")
        reasons = [None if not ln.strip() else _c4_reason(ln.strip()) for ln in lines]
        out = []
        headline_done = False
        for i, ln in enumerate(lines):
            r = reasons[i]
            if not ln.strip():
                out.append("")
                continue
            if r is None:
                out.append(ln)
                continue
            if not headline_done and r == "no_terminal_punct" and len(ln.split()) <= MAX_HEADLINE_WORDS:
                j = i + 1
                while j < len(lines) and not lines[j].strip():
                    j += 1
                if j < len(lines) and reasons[j] is None:
                    headline_done = True
                    out.append(ln)
                    continue
            self.stat_update(f"lines_removed.{r}")
        return "\n".join(out).strip("\n")


_DROP = re.compile(r"['\u2018\u2019\"\u201c\u201d.`\u00b4]")
_SEP = re.compile(r"[^\w]+|_+")


def normalize(text: str) -> str:
    """textmill's normalize_for_match, approximately: NFKC, lower case, quotes and
    periods dropped, other punctuation and whitespace collapsed to one space."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _SEP.sub(" ", _DROP.sub("", text)).strip()


def load_rule_packs(rules_dir: Path) -> tuple[set[str], list[str]]:
    """Whole-line patterns and phrases of textmill's strip_disclaimer packs."""
    whole: set[str] = set()
    phrases: set[str] = set()
    for f in sorted(rules_dir.glob("*.toml")):
        pack = tomllib.loads(f.read_text(encoding="utf-8"))
        for key in ("lines", "footer_headers"):
            whole.update(normalize(s) for s in pack.get(key, []))
        phrases.update(normalize(s) for s in pack.get("phrases", []))
    whole.discard("")
    phrases.discard("")
    return whole, sorted(phrases, key=len, reverse=True)


class PhraseLineFormatter(BaseFormatter):
    """Drops a line whose normalised text is a boilerplate line, or contains a
    boilerplate phrase, from textmill's rule packs. Phrases that run across a
    line break, regexes, short (weak) phrases, bylines and footer blocks are
    not handled."""

    name = "boilerplate phrases"

    def __init__(self, rules_dir: str):
        super().__init__()
        whole, phrases = load_rule_packs(Path(rules_dir))
        self.whole = frozenset(whole)
        # One alternation, anchored on word boundaries of the normalised text.
        self.pattern = re.compile(r"(?:^| )(?:" + "|".join(re.escape(p) for p in phrases) + r")(?: |$)")

    def format(self, text: str) -> str:
        out = []
        for ln in text.split("\n"):
            if not ln.strip():
                out.append("")
                continue
            key = normalize(ln)
            if key in self.whole:
                self.stat_update("lines_removed.line")
                continue
            if self.pattern.search(key):
                self.stat_update("lines_removed.phrase")
                continue
            out.append(ln)
        return "\n".join(out).strip("\n")


class RepeatedLinesFormatter(BaseFormatter):
    """Drops a line whose normalised text (at least 30 characters) occurred
    earlier in the same document; the first occurrence stays."""

    name = "repeated lines"

    def __init__(self, min_chars: int = 30):
        super().__init__()
        self.min_chars = min_chars

    def format(self, text: str) -> str:
        seen: set[str] = set()
        out = []
        for ln in text.split("\n"):
            if ln.strip():
                key = normalize(ln)
                if len(key) >= self.min_chars:
                    if key in seen:
                        self.stat_update("lines_removed.repeat")
                        continue
                    seen.add(key)
            out.append(ln)
        return "\n".join(out)


def exact_key(doc) -> str:
    """ExactDedup's content: the normalised text (the `-> str` annotation tells
    datatrove which hash function to use)."""
    return normalize(doc.text)
