#!/usr/bin/env bash
# The main job: installs what is missing, builds scaffold (ReleaseFast) and runs
# the quickstart. Safe to re-run.
#
# Until the experiment pipeline lands, the quickstart is: the dependency
# self-check, the second-order gradient check of every op, and a teacher trained
# on the generated synth-text task (a few seconds), written to
# results/quickstart/teacher/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
scripts/zig build -Doptimize=ReleaseFast
zig-out/bin/scaffold --version
zig-out/bin/scaffold selfcheck
zig-out/bin/scaffold gradcheck --order 2 | tail -n 1
zig-out/bin/scaffold train-teacher --task synth-text --teacher transformer \
  --set epochs=3 --out results/quickstart/teacher
