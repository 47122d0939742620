#!/usr/bin/env bash
# Plausibility of every registered explainer on synth-text (planted signal
# tokens = the gold rationale), for teachers trained with seeds 1, 2, 3 (the
# task's default teacher config, teachers/configs/synth-text.yaml).
#
#   experiments/plausibility-synth-text.sh [WORKDIR] > results/plausibility-synth-text.md
#
# Trains the teachers into WORKDIR/teacher-S (kept and reused if present), runs
# `scaffold explain --n $N` (default 200 test examples) per explainer and seed,
# and prints a markdown table: mean and min..max over the seeds of the mean
# per-example ROC-AUC, average precision and recall@k against the gold tokens.
# `permuted` deranges gradient-norm's explanations (--base gradient-norm);
# `rationale` is the gold itself (upper bound); one extra row runs
# gradient-x-input with --set sign=abs. Env: SCAFFOLD (the binary,
# default zig-out/bin/scaffold), SEEDS (default "1 2 3"), N (default 200).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SCAFFOLD:-zig-out/bin/scaffold}
work=${1:-/tmp/plausibility-synth-text}
seeds=${SEEDS:-1 2 3}
n=${N:-200}
mkdir -p "$work"

# Every explainer in the registry: the CLI lists them for an unknown name.
explainers=$( ("$bin" explain --teacher-ckpt "$work" --explainer '?' --out "$work/x" 2>&1 || true) |
             sed -n 's/.*(known: \(.*\))$/\1/p' | tr -d ,)
[ -n "$explainers" ] || { echo "could not list the explainers of $bin" >&2; exit 1; }

for s in $seeds; do
  t="$work/teacher-$s"
  if [ ! -f "$t/teacher.ckpt" ]; then
    echo "training the synth-text teacher, seed $s" >&2
    "$bin" train-teacher --task synth-text --seed "$s" --out "$t" > "$work/train-$s.log"
  fi
done

tsv="$work/plausibility.tsv"
: > "$tsv"
for row in $explainers gradient-x-input:sign=abs; do
  e=${row%%:*}
  label=$e
  extra=()
  [ "$e" = permuted ] && extra=(--base gradient-norm)
  if [ "$row" != "$e" ]; then extra=(--set "${row#*:}"); label="$e (${row#*:})"; fi
  for s in $seeds; do
    o=$("$bin" explain --teacher-ckpt "$work/teacher-$s" --explainer "$e" "${extra[@]}" --n "$n" \
          --out "$work/pages/${row//[:=]/-}-$s")
    auc=$(awk '/plausibility AUC/ {print $3}' <<< "$o")
    ap=$(awk '/plausibility AP/ {print $3}' <<< "$o")
    rk=$(awk '/plausibility recall@k/ {print $3}' <<< "$o")
    acc=$(awk '/test accuracy/ {print $3}' <<< "$o")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$s" "$auc" "$ap" "$rk" "$acc" >> "$tsv"
    echo "$label seed $s: AUC $auc AP $ap recall@k $rk (teacher accuracy $acc)" >&2
  done
done

echo "| explainer | ROC-AUC mean (min..max) | AP mean (min..max) | recall@k mean (min..max) | AUC per seed ($(tr ' ' / <<< "$seeds")) |"
echo "|---|---|---|---|---|"
awk -F'\t' '
  function cell(sum, lo, hi, k) { return sprintf("%.3f (%.3f..%.3f)", sum / k, lo, hi) }
  {
    e = $1
    if (!(e in k)) { order[++ne] = e; lo3[e] = lo4[e] = lo5[e] = 2; hi3[e] = hi4[e] = hi5[e] = -1 }
    k[e]++; s3[e] += $3; s4[e] += $4; s5[e] += $5
    if ($3 < lo3[e]) lo3[e] = $3; if ($3 > hi3[e]) hi3[e] = $3
    if ($4 < lo4[e]) lo4[e] = $4; if ($4 > hi4[e]) hi4[e] = $4
    if ($5 < lo5[e]) lo5[e] = $5; if ($5 > hi5[e]) hi5[e] = $5
    per[e] = per[e] (per[e] == "" ? "" : " / ") sprintf("%.3f", $3)
  }
  END {
    for (i = 1; i <= ne; i++) {
      e = order[i]
      printf "| %s | %s | %s | %s | %s |\n", e, cell(s3[e], lo3[e], hi3[e], k[e]), cell(s4[e], lo4[e], hi4[e], k[e]),
             cell(s5[e], lo5[e], hi5[e], k[e]), per[e]
    }
  }' "$tsv"
