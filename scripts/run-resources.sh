#!/usr/bin/env bash
# Peak resident memory of each kind of run of experiments/pretrained.yaml and
# the quickstart, for the sbatch resources README.md recommends: every run for
# 20 steps (the model, the data, the step arena and the evaluation are all at
# full size by then) under /usr/bin/time. Needs the pretrained backbones and
# the runs of results/pretrained and results/quickstart. Prints a table.
#
# usage: scripts/run-resources.sh [SCAFFOLD_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-zig-out/bin/scaffold}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
P=results/pretrained
mr=(--task movie-reviews --init results/pretrain-english)
fm=(--task fashion-mnist --init results/pretrain-fashion-mnist)
mrs=("${mr[@]}" --teacher-ckpt $P/teachers/movie-reviews --n 1000 --seed 1)
fms=("${fm[@]}" --teacher-ckpt $P/teachers/fashion-mnist --n 2000 --seed 1)
measure() {  # label, scaffold args...
  local label=$1; shift
  /usr/bin/time -f %M -o "$tmp/rss" "$bin" "$@" --set max_steps=20 --out "$tmp/run" >"$tmp/log" 2>&1 ||
    { echo "$label: failed"; tail -5 "$tmp/log"; exit 1; }
  printf '| %s | %d MiB |\n' "$label" $(( $(tail -1 "$tmp/rss") / 1024 ))
  rm -rf "$tmp/run"
}
echo "| run | peak memory |"
echo "|---|---:|"
measure "movie-reviews teacher" train-teacher "${mr[@]}" --seed 1
for e in none gradient-x-input integrated-gradients; do
  measure "movie-reviews student N=1000, $e" train-student "${mrs[@]}" --explainer $e
done
measure "movie-reviews student N=1000, SMaT co-trained" train-student "${mrs[@]}" --explainer attention --learn-explainer
measure "movie-reviews student N=1000, SMaT transfer" train-student "${mrs[@]}" \
  --explainer-ckpt $P/runs/movie-reviews/smat/n1000/seed1/explainer.ckpt
measure "fashion-mnist teacher" train-teacher "${fm[@]}" --seed 1
measure "fashion-mnist student N=2000, none" train-student "${fms[@]}" --explainer none
measure "fashion-mnist student N=2000, SMaT co-trained" train-student "${fms[@]}" --explainer attention --learn-explainer
measure "synth-text student N=100, SMaT co-trained" train-student --task synth-text \
  --teacher-ckpt results/quickstart/teachers/synth-text --n 100 --seed 1 --explainer attention --learn-explainer
