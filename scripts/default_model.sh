#!/usr/bin/env bash
# Regenerates the model built into `flowchronicle generate`
# (crates/flowchronicle-cli/assets/default-model.json.gz): fits CIDDS-001
# week 3, 8,192-record sample, with seed 0 and default options, then
# compresses it with gzip -9 (without a file name or time stamp, so equal
# models give equal bytes). Rerun it whenever MODEL_VERSION or the model
# layout changes, since the binary rejects a built-in model of another
# version, and rebuild afterwards.
# Usage: scripts/default_model.sh [DATA_DIR]   (run from the repository root)
set -euo pipefail

data_dir="${1:-../shared/data/cidds-001}"
sample="cidds_wk3_8k.csv"
asset="crates/flowchronicle-cli/assets/default-model.json.gz"
if [[ ! -e "$data_dir/$sample" ]]; then
    echo "error: $data_dir/$sample not found (pass the folder holding the CIDDS-001 sample)" >&2
    exit 1
fi

# The binary embeds the asset, so an empty placeholder lets a checkout
# without it build the binary that fits its replacement.
[[ -e "$asset" ]] || : >"$asset"
cargo build --release --quiet -p flowchronicle-cli
binary="$(pwd)/target/release/flowchronicle"
model="$(mktemp --suffix=.json)"
trap 'rm -f "$model"' EXIT

# Run from the data folder so the model records the file name, not a
# path that only exists on this machine.
(cd "$data_dir" && "$binary" fit "$sample" -o "$model" --seed 0)
gzip -9 -n -c "$model" >"$asset.tmp"
mv "$asset.tmp" "$asset"
echo "model:      $(stat -c %s "$model") bytes"
echo "compressed: $(stat -c %s "$asset") bytes in $asset"
