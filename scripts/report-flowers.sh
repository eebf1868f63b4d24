#!/usr/bin/env bash
# Re-creates the comparison report of the flowers runs: trains every flowers experiment in
# examples/ (the hand-crafted CNN, the few-shot variant, MobileNetV2 fine-tuned) into
# runs/flowers-report/<name>, skipping runs that already finished and resuming interrupted ones,
# then writes runs/flowers-report/report.html (+ report.md with PNG figures). The report holds
# data-set thumbnails: it stays under runs/ (gitignored), never in the repository.
# Training all of them takes about 32 minutes on 2 cores; FLOWERS_CONFIGS="a.yaml b.yaml" picks some.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=runs/flowers-report
mkdir -p "$out"
configs=${FLOWERS_CONFIGS:-"examples/flowers-cnn.yaml examples/flowers-fewshot.yaml examples/flowers-mobilenetv2.yaml"}
runs=()
for cfg in $configs; do
  name=$(basename "$cfg" .yaml)
  dir="$out/$name"
  if [ -f "$dir/result.json" ]; then
    echo "report:flowers: $dir already finished" >&2
  elif [ -d "$dir/checkpoints" ]; then
    node bin/fovea.js train --resume "$dir" >/dev/null
  else
    node bin/fovea.js train "$cfg" --out "$dir" >/dev/null
  fi
  runs+=("$dir")
done
node bin/fovea.js report "${runs[@]}" --out "$out/report.html"
