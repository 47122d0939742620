#!/usr/bin/env bash
# The main job: installs what is missing, builds scaffold (ReleaseFast) and runs
# the quickstart. Safe to re-run.
#
# Until the experiment pipeline lands, the quickstart is a real smoke job: the
# version and the dependency self-check (a BLIS GEMM against a naive loop, a
# msgpack round trip, Unicode normalization, YAML, zlib, LAPACKE least squares).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
scripts/zig build -Doptimize=ReleaseFast
zig-out/bin/scaffold --version
zig-out/bin/scaffold selfcheck
