#!/usr/bin/env bash
# scaffold side by side with JAX (jit) and PyTorch (eager; torch.compile where it
# works) on the same cases and the very same inputs (scripts/bench/compare.py):
#   block  one pre-LN transformer block: forward, forward+backward, double backward
#   meta   the plain, explained and unrolled-1 meta steps of `scaffold bench meta`
#   mid    the same three steps, teacher 4 x 256, student 2 x 128, T = 64
# Builds scaffold (ReleaseFast), installs JAX and PyTorch into a throw-away venv,
# checks that each replica reproduces scaffold's values on the exported inputs
# (relative 1e-4; a mismatch stops the run with exit 1), pins every framework to
# the same N CPUs and N threads, runs R interleaved rounds and prints medians
# and per-round ratios. Timings mean something only on an otherwise idle machine.
#
# Python stays out of scaffold itself and out of CI: nothing else calls this.
#
# usage: scripts/bench-compare.sh [--threads N] [--rounds R] [--case block|meta|mid|all]
#                                 [--seconds S] [--frameworks jax,torch] [--no-compile]
#                                 [--venv DIR] [--keep-venv] [--scaffold BIN] [--json FILE]
#                                 [--memory-steps K]
#   --memory-steps  steps per pass for the peak-RSS table (default 20; 0: skip it)
#   --venv DIR    use (or create and keep) this venv instead of a throw-away one
#   --keep-venv   do not remove the throw-away venv (its path is printed)
#   --scaffold    a scaffold binary to use instead of building one
# PyPI's torch wheel for Linux is the CUDA build (about 6 GB installed with JAX);
# it runs on the CPU. The first run takes minutes (download, then compiling).
set -euo pipefail
cd "$(dirname "$0")/.."

threads=1 rounds=5 case=all seconds=1 frameworks=jax,torch compile=1 venv="" keep=0 bin="" json="" memsteps=20
# The usage lines of the header above; to stdout for --help, stderr (exit 2) otherwise.
usage() {
  local code=${1:-2}
  sed -n '/^# usage:/,/^# PyPI/p' "$0" | sed 's/^# \{0,1\}//' | head -n -1 >&$((code ? 2 : 1))
  exit "$code"
}
need() { [ $# -ge 2 ] && [ -n "$2" ] || { echo "bench-compare: $1 needs a value" >&2; usage; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) need "$@"; threads=$2; shift 2 ;;
    --rounds) need "$@"; rounds=$2; shift 2 ;;
    --case) need "$@"; case=$2; shift 2 ;;
    --seconds) need "$@"; seconds=$2; shift 2 ;;
    --frameworks) need "$@"; frameworks=$2; shift 2 ;;
    --no-compile) compile=0; shift ;;
    --venv) need "$@"; venv=$2; shift 2 ;;
    --keep-venv) keep=1; shift ;;
    --scaffold) need "$@"; bin=$2; shift 2 ;;
    --json) need "$@"; json=$2; shift 2 ;;
    --memory-steps) need "$@"; memsteps=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench-compare: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "bench-compare: --threads $threads: expected a whole number >= 1" >&2; exit 2; }
[[ "$memsteps" =~ ^[0-9]+$ ]] || { echo "bench-compare: --memory-steps $memsteps: expected a whole number >= 0" >&2; exit 2; }
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "bench-compare: --rounds $rounds: expected a whole number >= 1" >&2; exit 2; }
case "$case" in block|meta|mid|all) ;; *) echo "bench-compare: --case $case: expected block, meta, mid or all" >&2; exit 2 ;; esac

if [ -z "$bin" ]; then
  out="${TMPDIR:-/tmp}/scaffold-bench-bin"
  echo "building scaffold (ReleaseFast) into $out ..." >&2
  scripts/zig build install -Doptimize=ReleaseFast -Dcpu=x86_64_v3 -p "$out" >&2
  bin="$out/bin/scaffold"
fi
[ -x "$bin" ] || { echo "bench-compare: no scaffold binary at $bin" >&2; exit 2; }

if [ -z "$venv" ]; then
  venv=$(mktemp -d "${TMPDIR:-/tmp}/scaffold-bench-venv-XXXXXX")
  if [ "$keep" = 0 ]; then trap 'rm -rf "$venv"' EXIT; else echo "venv kept at $venv" >&2; fi
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "installing JAX and PyTorch into $venv (a few minutes) ..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet "jax[cpu]" torch numpy
fi

args=(--scaffold "$bin" --threads "$threads" --rounds "$rounds" --case "$case" --seconds "$seconds"
      --frameworks "$frameworks" --memory-steps "$memsteps")
[ "$compile" = 1 ] || args+=(--no-compile)
[ -z "$json" ] || args+=(--json "$json")
# The pinning the issue asks for, for every process: BLAS/OpenMP pools here, XLA
# and torch's own in the replicas (scripts/bench/common.py), CPUs in compare.py.
export OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads BLIS_NUM_THREADS=$threads
"$venv/bin/python" scripts/bench/compare.py "${args[@]}"
