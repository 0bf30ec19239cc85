#!/usr/bin/env python3
"""The datatrove equivalent of configs/news.toml's cleaning and dedupe stages.

    python datatrove_pipeline.py --input DIR --work DIR [--workers 2] [--timings T.json]

--input is a folder of JSONL files ({"id", "text", "source"} per line); the
bench feeds it the four part files of the dirty-news corpus, whose
concatenation is exactly the file textmill reads. The result is
WORK/final/*.jsonl (datatrove's JSONL: id, text, metadata), one file per task.

Each stage is one LocalPipelineExecutor (tasks = workers = --workers, except
where a step needs another task count), run one after another:

1. clean: JsonlReader -> C4LineFormatter -> PhraseLineFormatter ->
   RepeatedLinesFormatter -> JsonlWriter            (steps.py)
2. exact: ExactDedupSignature (key: the normalised text) -> ExactFindDedups
   (1 task) -> ExactDedupFilter -> JsonlWriter
3. minhash: MinhashDedupSignature (5-grams, 14 buckets x 8 hashes) ->
   MinhashDedupBuckets (14 tasks) -> MinhashDedupCluster (1 task) ->
   MinhashDedupFilter -> JsonlWriter

Intermediate results are written uncompressed. The wall time of each stage
goes to --timings as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.dedup import (  # noqa: E402
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.dedup.exact_dedup import (  # noqa: E402
    ExactDedupConfig,
    ExactDedupFilter,
    ExactDedupSignature,
    ExactFindDedups,
)
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

import steps  # noqa: E402

RULES_DIR = HERE.parent.parent / "plugins" / "strip_disclaimer" / "rules"


def reader(folder: Path, glob: str = "*.jsonl") -> JsonlReader:
    return JsonlReader(str(folder), glob_pattern=glob, add_file_path=False, compression=None)


def writer(folder: Path) -> JsonlWriter:
    return JsonlWriter(str(folder), output_filename="${rank}.jsonl", compression=None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True, type=Path, help="folder of input JSONL files")
    ap.add_argument("--glob", default="*.jsonl", help="which files of --input to read")
    ap.add_argument("--work", required=True, type=Path, help="scratch and output folder (emptied first)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rules", type=Path, default=RULES_DIR, help="textmill's strip_disclaimer rule packs")
    ap.add_argument("--timings", type=Path, help="write stage wall times here (JSON)")
    a = ap.parse_args()

    if a.work.exists():
        shutil.rmtree(a.work)
    a.work.mkdir(parents=True)
    w = a.workers
    logs = a.work / "logs"
    exact_config = ExactDedupConfig(content_getter=steps.exact_key)
    minhash_config = MinhashConfig(n_grams=5, num_buckets=14, hashes_per_bucket=8)

    stages = {
        "clean": [
            LocalPipelineExecutor(
                pipeline=[
                    reader(a.input, a.glob),
                    steps.C4LineFormatter(),
                    steps.PhraseLineFormatter(str(a.rules)),
                    steps.RepeatedLinesFormatter(min_chars=30),
                    writer(a.work / "clean"),
                ],
                tasks=w, workers=w, logging_dir=str(logs / "clean"), skip_completed=False,
            )
        ],
        "exact": [
            LocalPipelineExecutor(
                pipeline=[reader(a.work / "clean"), ExactDedupSignature(str(a.work / "exact_sigs"), exact_config)],
                tasks=w, workers=w, logging_dir=str(logs / "exact1"), skip_completed=False,
            ),
            LocalPipelineExecutor(
                pipeline=[ExactFindDedups(str(a.work / "exact_sigs"), str(a.work / "exact_dups"), exact_config)],
                tasks=1, workers=1, logging_dir=str(logs / "exact2"), skip_completed=False,
            ),
            LocalPipelineExecutor(
                pipeline=[
                    reader(a.work / "clean"),
                    ExactDedupFilter(str(a.work / "exact_dups"), exact_config),
                    writer(a.work / "exact"),
                ],
                tasks=w, workers=w, logging_dir=str(logs / "exact3"), skip_completed=False,
            ),
        ],
        "minhash": [
            LocalPipelineExecutor(
                pipeline=[reader(a.work / "exact"), MinhashDedupSignature(str(a.work / "mh_sigs"), minhash_config)],
                tasks=w, workers=w, logging_dir=str(logs / "minhash1"), skip_completed=False,
            ),
            LocalPipelineExecutor(
                pipeline=[MinhashDedupBuckets(str(a.work / "mh_sigs"), str(a.work / "mh_buckets"), config=minhash_config)],
                tasks=minhash_config.num_buckets, workers=w, logging_dir=str(logs / "minhash2"), skip_completed=False,
            ),
            LocalPipelineExecutor(
                pipeline=[MinhashDedupCluster(str(a.work / "mh_buckets"), str(a.work / "mh_remove"), config=minhash_config)],
                tasks=1, workers=1, logging_dir=str(logs / "minhash3"), skip_completed=False,
            ),
            LocalPipelineExecutor(
                pipeline=[
                    reader(a.work / "exact"),
                    MinhashDedupFilter(str(a.work / "mh_remove")),
                    writer(a.work / "final"),
                ],
                tasks=w, workers=w, logging_dir=str(logs / "minhash4"), skip_completed=False,
            ),
        ],
    }

    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    for name, executors in stages.items():
        t0 = time.perf_counter()
        for ex in executors:
            ex.run()
        timings[name] = time.perf_counter() - t0
        print(f"datatrove stage {name}: {timings[name]:.2f}s", file=sys.stderr, flush=True)
    timings["total"] = time.perf_counter() - t_all
    if a.timings:
        a.timings.write_text(json.dumps(timings, indent=1) + "\n")
    print(json.dumps(timings))


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
