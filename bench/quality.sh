#!/usr/bin/env bash
# Compares FlowChronicle with the IndependentBN and SequenceBN baselines on
# two time splits of real traffic, and prints one quality table per split
# with each generator's average rank over the eight metrics.
#
# - UGR'16, 10 hosts, 2016-04-11: train on flows starting 00:00-12:00 UTC,
#   use the flows starting 12:00-24:00 as the reference, and generate the
#   same 12 hours from each model.
# - CIDDS-001, 8,192 records sampled over a week: train on the flows before
#   the median start time, use the rest as the reference, and generate the
#   reference's span. Evaluated with --paper-compatible --cidds-rules, so
#   the figures compare with the published ones.
#
# usage: bench/quality.sh [WORK_DIR]   (default: /tmp/flowchronicle-quality)
# environment:
#   TIME_LIMIT  search time limit of the FlowChronicle fit (default 10m)
#   REPEATS     evaluation repeats of 10,000 rows (default 20)
#   SEED        seed of fitting, generation and evaluation (default 1)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/flowchronicle-quality}"
time_limit="${TIME_LIMIT:-10m}"
repeats="${REPEATS:-20}"
seed="${SEED:-1}"
ugr16="$root/../shared/data/ugr16/ugr16_day1_10hosts.csv.gz"
cidds="$root/../shared/data/cidds-001/cidds_wk3_8k.csv"

for input in "$ugr16" "$cidds"; do
    if [ ! -f "$input" ]; then
        echo "error: $input not found; place the data folder at ../shared/data beside the checkout" >&2
        exit 1
    fi
done

cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p flowchronicle-cli
binary="$root/target/release/flowchronicle"
echo "cores: $(nproc), memory: $(free -g | awk '/^Mem:/ {print $2}') GB" >&2

# Fits FlowChronicle and both baselines on DIR/train.csv.
fit_models() {
    local dir="$1"
    local started
    started=$(date +%s)
    "$binary" fit "$dir/train.csv" -o "$dir/fc.json" --seed "$seed" --time-limit "$time_limit"
    echo "FlowChronicle fit: $(($(date +%s) - started)) s" >&2
    "$binary" fit "$dir/train.csv" -o "$dir/ibn.json" --seed "$seed" --method independent-bn
    "$binary" fit "$dir/train.csv" -o "$dir/sbn.json" --seed "$seed" --method sequence-bn
}

# Generates DIR/{fc,ibn,sbn}.csv over START (Unix seconds or RFC 3339)
# and DURATION.
generate_flows() {
    local dir="$1" start="$2" duration="$3"
    for model in fc ibn sbn; do
        "$binary" generate -m "$dir/$model.json" -o "$dir/$model.csv" \
            --start "$start" --duration "$duration" --seed "$seed"
    done
}

# Evaluates the reference and the three generated files against the
# training flows, writes DIR/evaluation.{md,json} and prints the ranked
# table. Extra arguments go to `evaluate`.
evaluate_split() {
    local dir="$1"
    shift
    local files=("$dir/reference.csv" "$dir/fc.csv" "$dir/ibn.csv" "$dir/sbn.csv")
    for format in markdown json; do
        local extension="md"
        [ "$format" = json ] && extension="json"
        "$binary" evaluate --real "$dir/train.csv" --synthetic "${files[@]}" \
            --holdout "$dir/reference.csv" --repeats "$repeats" --seed "$seed" \
            --format "$format" "$@" >"$dir/evaluation.$extension"
    done
    python3 "$root/bench/rank.py" "$dir/evaluation.json" \
        "Reference (real)=$dir/reference.csv" \
        "FlowChronicle=$dir/fc.csv" \
        "IndependentBN=$dir/ibn.csv" \
        "SequenceBN=$dir/sbn.csv"
}

# Prints the row counts of the split files.
report_split() {
    local dir="$1"
    for file in train reference fc ibn sbn; do
        echo "$file.csv: $(($(wc -l <"$dir/$file.csv") - 1)) flows" >&2
    done
}

echo "== UGR'16, 10 hosts: train 2016-04-11 00:00-12:00, reference 12:00-24:00 ==" >&2
dir="$work/ugr16"
mkdir -p "$dir"
"$binary" convert "$ugr16" -o "$dir/all.csv"
# Canonical CSV starts each line with an RFC 3339 UTC time, so string
# comparison orders it. The converter also keeps flows that started late
# on 2016-04-10, and those belong to neither half.
awk -F, -v train="$dir/train.csv" -v reference="$dir/reference.csv" '
    NR == 1 { print > train; print > reference; next }
    $1 >= "2016-04-11T00:00:00" && $1 < "2016-04-11T12:00:00" { print > train; next }
    $1 >= "2016-04-11T12:00:00" && $1 < "2016-04-12T00:00:00" { print > reference }
' "$dir/all.csv"
fit_models "$dir"
generate_flows "$dir" 2016-04-11T12:00:00Z 12h
report_split "$dir"
evaluate_split "$dir" | tee "$dir/table.md"

echo "== CIDDS-001, 8k sample: split at the median start time ==" >&2
dir="$work/cidds"
mkdir -p "$dir"
"$binary" convert "$cidds" -o "$dir/all.csv"
# The converter writes flows in start-time order, so the first half of the
# rows is the half before the median start time.
rows=$(($(wc -l <"$dir/all.csv") - 1))
half=$((rows / 2))
head -n $((half + 1)) "$dir/all.csv" >"$dir/train.csv"
{ head -n 1 "$dir/all.csv"; tail -n +$((half + 2)) "$dir/all.csv"; } >"$dir/reference.csv"
# Output span: the reference's first start time, rounded down to a second,
# to its last start time, rounded up.
read -r start duration < <(python3 - "$dir/reference.csv" <<'EOF'
import csv, math, sys
from datetime import datetime

with open(sys.argv[1], newline="") as handle:
    times = [datetime.fromisoformat(row["ts"].replace("Z", "+00:00")).timestamp()
             for row in csv.DictReader(handle)]
first, last = math.floor(min(times)), math.ceil(max(times))
print(first, f"{last - first + 1}s")
EOF
)
fit_models "$dir"
generate_flows "$dir" "$start" "$duration"
report_split "$dir"
evaluate_split "$dir" --paper-compatible --cidds-rules | tee "$dir/table.md"
