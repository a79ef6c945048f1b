#!/usr/bin/env bash
# Times `flowchronicle evaluate` on a 100,000-flow real file, a 30,000-flow
# holdout file and ten 100,000-flow synthetic files built from UGR'16 (see
# make_eval_data.py), with the default sampling: 20 repeats of 10,000 rows.
#
# usage: bench/evaluate.sh [WORK_DIR]   (default: /tmp/flowchronicle-bench-eval)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/flowchronicle-bench-eval}"
source_data="$root/../shared/data/ugr16/ugr16_day1_10hosts.csv.gz"

if [ ! -f "$source_data" ]; then
    echo "error: $source_data not found; place the data folder at ../shared/data beside the checkout" >&2
    exit 1
fi

if [ ! -f "$work/synthetic_9.csv" ] || [ ! -f "$work/holdout.csv" ]; then
    echo "building inputs in $work" >&2
    python3 "$root/bench/make_eval_data.py" "$source_data" "$work" 100000 10 30000
fi

cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p flowchronicle-cli
binary="$root/target/release/flowchronicle"

synthetic=()
for i in 0 1 2 3 4 5 6 7 8 9; do
    synthetic+=("$work/synthetic_$i.csv")
done

echo "cores: $(nproc), memory: $(free -g | awk '/^Mem:/ {print $2}') GB" >&2
start=$(date +%s.%N)
"$binary" evaluate --real "$work/real.csv" --synthetic "${synthetic[@]}" \
    --holdout "$work/holdout.csv" --seed 1 --format table
end=$(date +%s.%N)
echo "wall time: $(echo "$end - $start" | bc) s" >&2
