#!/usr/bin/env bash
# Measures ingest: converts the 70-host UGR'16 day (983,035 unidirectional
# NetFlow records, gzip) to the canonical CSV with a release build and
# prints records per second and peak memory (max RSS).
# Usage: bench/ingest.sh [INPUT]   (run from the repository root)
set -euo pipefail

input="${1:-../shared/data/ugr16/ugr16_day1_70hosts.csv.gz}"
if [[ ! -e "$input" ]]; then
    echo "error: input $input not found (expected the data folder at ../shared/data)" >&2
    exit 1
fi
if [[ ! -x /usr/bin/time ]]; then
    echo "error: /usr/bin/time not found (install GNU time, e.g. apt-get install time)" >&2
    exit 1
fi

cargo build --release --quiet -p flowchronicle-cli
output="$(mktemp --suffix=.csv)"
report="$(mktemp)"
trap 'rm -f "$output" "$report"' EXIT

/usr/bin/time -v ./target/release/flowchronicle -q convert "$input" -o "$output" 2>"$report"

records="$(gzip -cdf "$input" | tail -n +2 | grep -vc '^Summary' || true)"
seconds="$(awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, t, ":"); s = 0
    for (i = 1; i <= n; i++) s = s * 60 + t[i]
    print s }' "$report")"
max_rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$report")"
flows="$(($(wc -l <"$output") - 1))"

echo "input:        $input"
echo "records:      $records"
echo "flows out:    $flows"
echo "wall time:    ${seconds} s"
awk -v r="$records" -v s="$seconds" 'BEGIN { printf "records/s:    %.0f\n", r / s }'
awk -v k="$max_rss_kb" 'BEGIN { printf "max RSS:      %.1f MiB\n", k / 1024 }'
