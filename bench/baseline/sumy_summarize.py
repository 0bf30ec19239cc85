#!/usr/bin/env python3
"""sumy's TextRank, 3 sentences per document, as the summarize baseline.

    python sumy_summarize.py INPUT... --output PRED.jsonl [--sentences 3] [--stats S.json]

INPUT is JSONL files or folders of them (records with "id" and "text", such
as datatrove's output). Writes {"id", "summary"} per document, the summary's
sentences one per line in document order (what rouge_eval.py reads).

sumy's own English tokenizer needs NLTK's `punkt` data, which cannot be
downloaded here, so sumy gets a duck-typed tokenizer: a regex sentence
splitter (every line break is a boundary too) and a regex word splitter, as in
../shared/eval/summarization/baselines.py. A first line of at most 30 words
without final punctuation is taken as the headline and is not a candidate,
as in textmill's summarize.

--stats gets the document count, the time inside sumy's summarizer call and
the time of the whole loop (reading, splitting, summarizing, writing).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

# A sentence ends at . ! ? (and closing quotes/brackets) before whitespace and
# an opening quote, capital letter or digit. No abbreviation list.
_BOUNDARY = re.compile(r"([.!?]+[\"'\u2019\u201d)\]]*)\s+(?=[\"'\u2018\u201c(\[]?[A-Z0-9])")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
MAX_HEADLINE_WORDS = 30


def split_sentences(text: str) -> list[str]:
    out: list[str] = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if not line:
            continue
        start = 0
        for m in _BOUNDARY.finditer(line):
            out.append(line[start : m.end(1)])
            start = m.end()
        if start < len(line):
            out.append(line[start:])
    return out


def is_headline(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.endswith((".", "!", "?", '"', "\u201d")) and len(s.split()) <= MAX_HEADLINE_WORDS


class RegexTokenizer:
    """Duck-typed sumy tokenizer (sumy only calls these two methods)."""

    language = "english"

    def to_sentences(self, paragraph: str):
        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str):
        return tuple(_WORD.findall(sentence))


def inputs(paths: list[Path]):
    for p in paths:
        files = sorted(p.rglob("*.jsonl")) if p.is_dir() else [p]
        for f in files:
            if "reject" in f.name:
                continue
            with open(f, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        yield json.loads(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", type=Path)
    ap.add_argument("--output", required=True, type=Path)
    ap.add_argument("--sentences", type=int, default=3)
    ap.add_argument("--stats", type=Path)
    a = ap.parse_args()

    summarizer = TextRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tok = RegexTokenizer()
    docs = 0
    in_sumy = 0.0
    t0 = time.perf_counter()
    with open(a.output, "w", encoding="utf-8") as out:
        for rec in inputs(a.inputs):
            text = rec.get("text") or ""
            lines = text.strip("\n").split("\n")
            if lines and is_headline(lines[0]) and len(lines) > 1:
                lines = lines[1:]
            sents = split_sentences("\n".join(lines))
            t = time.perf_counter()
            if sents:
                doc = ObjectDocumentModel([Paragraph([Sentence(s, tok) for s in sents])])
                picked = [str(s) for s in summarizer(doc, a.sentences)]
            else:
                picked = []
            in_sumy += time.perf_counter() - t
            out.write(json.dumps({"id": rec.get("id"), "summary": "\n".join(picked)}, ensure_ascii=False) + "\n")
            docs += 1
    total = time.perf_counter() - t0
    stats = {"docs": docs, "seconds_in_sumy": in_sumy, "seconds_total": total,
             "docs_per_s_in_sumy": docs / in_sumy if in_sumy else None,
             "docs_per_s_total": docs / total if total else None}
    if a.stats:
        a.stats.write_text(json.dumps(stats, indent=1) + "\n")
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
