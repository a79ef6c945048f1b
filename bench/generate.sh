#!/usr/bin/env bash
# Measures generation: fits a model with `flowchronicle fit` (search cut at
# TIME_LIMIT when given, skipped when the model file exists), then generates DURATION
# of flows to the canonical CSV with a release build and prints flows per
# second and peak memory (max RSS).
# Usage: bench/generate.sh [MODEL] [INPUT] [DURATION] [TIME_LIMIT]
# Run it from the repository root. The defaults are a model of the 70-host
# UGR'16 day in /tmp, 1d and no time limit (the full search takes about
# 4 minutes on 2 cores). Set THREADS to pass --threads.
set -euo pipefail

model="${1:-/tmp/flowchronicle-bench-model-70hosts.json}"
input="${2:-../shared/data/ugr16/ugr16_day1_70hosts.csv.gz}"
duration="${3:-1d}"
limit=()
if [[ -n "${4:-}" ]]; then
    limit=(--time-limit "$4")
fi
if [[ ! -x /usr/bin/time ]]; then
    echo "error: /usr/bin/time not found (install GNU time, e.g. apt-get install time)" >&2
    exit 1
fi

cargo build --release --quiet -p flowchronicle-cli
if [[ ! -e "$model" ]]; then
    if [[ ! -e "$input" ]]; then
        echo "error: input $input not found (expected the data folder at ../shared/data)" >&2
        exit 1
    fi
    ./target/release/flowchronicle fit "$input" -o "$model" --seed 0 "${limit[@]}"
fi

output="$(mktemp --suffix=.csv)"
report="$(mktemp)"
trap 'rm -f "$output" "$report"' EXIT

threads=()
if [[ -n "${THREADS:-}" ]]; then
    threads=(--threads "$THREADS")
fi
/usr/bin/time -v ./target/release/flowchronicle generate -m "$model" -o "$output" \
    --duration "$duration" --seed 1 "${threads[@]}" 2>"$report"

seconds="$(awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, t, ":"); s = 0
    for (i = 1; i <= n; i++) s = s * 60 + t[i]
    print s }' "$report")"
max_rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$report")"
flows="$(($(wc -l <"$output") - 1))"

grep -E "^\[|INFO|wrote" "$report" || true
echo "model:        $model"
echo "duration:     $duration"
echo "flows out:    $flows"
echo "wall time:    ${seconds} s"
awk -v f="$flows" -v s="$seconds" 'BEGIN { printf "flows/s:      %.0f\n", f / s }'
awk -v k="$max_rss_kb" 'BEGIN { printf "max RSS:      %.1f MiB\n", k / 1024 }'
