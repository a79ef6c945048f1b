#!/usr/bin/env bash
# Measures generation: fits a model on the 10-host UGR'16 day (search cut
# at 120 s, skipped when the model file exists), then generates one day of
# flows to the canonical CSV with a release build and prints flows per
# second and peak memory (max RSS).
# Usage: bench/generate.sh [MODEL] [INPUT]   (run from the repository root)
set -euo pipefail

model="${1:-/tmp/flowchronicle-bench-model.json}"
input="${2:-../shared/data/ugr16/ugr16_day1_10hosts.csv.gz}"
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
    cargo run --release --quiet -p flowchronicle --example fit_model -- "$model" 120 "$input"
fi

output="$(mktemp --suffix=.csv)"
report="$(mktemp)"
trap 'rm -f "$output" "$report"' EXIT

/usr/bin/time -v ./target/release/flowchronicle generate -m "$model" -o "$output" \
    --duration 1d --seed 1 2>"$report"

seconds="$(awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, t, ":"); s = 0
    for (i = 1; i <= n; i++) s = s * 60 + t[i]
    print s }' "$report")"
max_rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$report")"
flows="$(($(wc -l <"$output") - 1))"

grep -E "^\[|INFO|wrote" "$report" || true
echo "model:        $model"
echo "flows out:    $flows"
echo "wall time:    ${seconds} s"
awk -v f="$flows" -v s="$seconds" 'BEGIN { printf "flows/s:      %.0f\n", f / s }'
awk -v k="$max_rss_kb" 'BEGIN { printf "max RSS:      %.1f MiB\n", k / 1024 }'
