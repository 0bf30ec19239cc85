#!/usr/bin/env bash
# Measure textmill's quality on the shared evaluation sets through the real CLI.
#
#   tests/eval/quality.sh            # needs ../shared/eval beside the checkout
#
# Writes outputs and metrics under target/eval/ and prints one line per figure.
# Scorers: dirty-news/score.py, boilerplate/boilerplate_score.py,
# summarization/rouge_eval.py (pip package rouge-score, installed if missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${SHARED:-$root/../shared}/eval
work=${WORK:-$root/target/eval}
mkdir -p "$work"
cd "$root"
cargo build --release --workspace --quiet
tm="$root/target/release/textmill"
python3 -c "import rouge_score" 2>/dev/null || pip install --quiet rouge-score

# dirty-news: the corpus in id order (the generator's order; parts hold every 4th document).
python3 - "$shared/dirty-news/docs" "$work/dirty-news.jsonl" <<'PY'
import json, sys, glob
docs = [json.loads(l) for p in sorted(glob.glob(sys.argv[1] + "/*.jsonl")) for l in open(p)]
docs.sort(key=lambda d: d["id"])
with open(sys.argv[2], "w") as f:
    for d in docs:
        f.write(json.dumps(d, ensure_ascii=False) + "\n")
PY
"$tm" run -q configs/news.toml --input "$work/dirty-news.jsonl" --output "$work/dn.jsonl" || [ $? = 3 ]
python3 "$shared/dirty-news/score.py" --corpus "$shared/dirty-news" --output "$work/dn.jsonl" \
    --rejects "$work/dn.rejects.jsonl" --json "$work/dn-metrics.json" > "$work/dn-score.txt"

# boilerplate: real pages, strip_disclaimer alone.
for set in dragnet cleaneval-dev; do
    "$tm" run -q tests/eval/strip-only.toml --input "$shared/boilerplate/$set.jsonl" --output "$work/bp-$set.jsonl" || [ $? = 3 ]
    python3 "$shared/boilerplate/boilerplate_score.py" "$shared/boilerplate/$set.jsonl" "$work/bp-$set.jsonl" > "$work/bp-$set.txt"
done

# summarization: BBC with summarize alone at ratio 0.43; CNN/DM through news.toml (3 sentences).
"$tm" run -q tests/eval/summarize-ratio.toml --input "$shared/summarization/bbc/dev.jsonl" --output "$work/sum-bbc.jsonl"
python3 "$shared/summarization/rouge_eval.py" --refs "$shared/summarization/bbc/dev.jsonl" "$work/sum-bbc.jsonl" > "$work/sum-bbc.txt"
"$tm" run -q configs/news.toml --input "$shared/summarization/cnndm/dev.jsonl" --output "$work/sum-cnndm.jsonl" || [ $? = 3 ]
python3 "$shared/summarization/rouge_eval.py" --refs "$shared/summarization/cnndm/dev.jsonl" "$work/sum-cnndm.jsonl" > "$work/sum-cnndm.txt"

python3 - "$work" <<'PY'
import json, sys, re
w = sys.argv[1]
m = json.load(open(f"{w}/dn-metrics.json"))
def g(*keys):
    for k in keys:
        if k in m: return m[k]
        for v in m.values():
            if isinstance(v, dict) and k in v: return v[k]
    return None
print("dirty-news (configs/news.toml):")
for k in ["boilerplate_precision", "boilerplate_recall", "clean_text_recall", "headline_kept", "repeat_recall",
          "dup_precision", "dup_recall", "dup_f1", "docs_lost", "token_precision", "token_recall"]:
    print(f"  {k:24} {g(k)}")
print("  recall by kind:", g("boilerplate_recall_by_kind"))
for s in ["dragnet", "cleaneval-dev"]:
    print(f"boilerplate {s} (strip_disclaimer alone):", open(f"{w}/bp-{s}.txt").read().strip().replace("\n", " | "))
for s in ["bbc", "cnndm"]:
    last = open(f"{w}/sum-{s}.txt").read().strip().splitlines()[-1]
    r = json.loads(last)
    print(f"summarization {s}: R1 {r['rouge1']:.2f} R2 {r['rouge2']:.2f} RLsum {r['rougeLsum']:.2f} ({r['docs']} docs, {r['missing']} missing)")
PY
