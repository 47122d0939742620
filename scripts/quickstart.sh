#!/usr/bin/env bash
# The main job: installs what is missing, builds scaffold (ReleaseFast), checks
# the dependencies and the hypergradients, then runs the quickstart experiment
# (experiments/quickstart.yaml): a teacher on the generated synth-text task and
# students trained with and without its explanations — static ones, the gold
# rationale, and a meta-learned (SMaT) explainer — 3 seeds each, ending with the
# simulatability table (results/quickstart/summary.md). A few minutes on 2 cores.
# Safe to re-run: finished runs are kept (--resume).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
scripts/zig build -Doptimize=ReleaseFast
zig-out/bin/scaffold --version
zig-out/bin/scaffold selfcheck
zig-out/bin/scaffold hypercheck --method unrolled
zig-out/bin/scaffold run experiments/quickstart.yaml --jobs 2 --resume
