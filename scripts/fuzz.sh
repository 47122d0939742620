#!/usr/bin/env bash
# Fuzzes the loaders of hostile input with libFuzzer + ASan + UBSan (Debian clang;
# targets and how to add one: tests/fuzz/README.md).
#
#   scripts/fuzz.sh TARGET SECONDS   build and run one target for SECONDS (T1,T2,...: several in turn)
#   scripts/fuzz.sh all SECONDS      every target, SECONDS each, FUZZ_JOBS (2) at a time (what CI runs)
#   scripts/fuzz.sh --list           the targets
#   scripts/fuzz.sh --build [TARGET] only build (all targets by default)
#   scripts/fuzz.sh --seeds          regenerate the generated seeds (checkpoints, results)
#
# Builds into zig-out/fuzz/ (objects cached: only changed sources recompile), fuzzes
# a writable corpus in zig-out/fuzz/corpus/TARGET/ seeded from tests/fuzz/corpus/TARGET/
# and tests/fuzz/regress/TARGET/, prints the executions, and exits non-zero on any
# crash, leak, timeout or out-of-memory, saving the input to tests/fuzz/regress/TARGET/.
# Runs at nice 10 (FUZZ_NICE). FUZZ_ARGS adds libFuzzer flags (e.g. -max_len=65536).
set -uo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }

targets() { ls tests/fuzz/fuzz_*.c 2>/dev/null | sed 's#tests/fuzz/fuzz_\(.*\)\.c#\1#'; }

list() {
  # The one-line descriptions live in the target table (tests/fuzz/targets.c).
  for t in $(targets); do
    what=$(sed -n "s/^ *{\"$t\", sc_fuzz_$t, \"\(.*\)\"},\$/\1/p" tests/fuzz/targets.c)
    printf '%-12s %s\n' "$t" "$what"
  done
}

# Debian clang 14 with the libFuzzer/ASan/UBSan runtimes (bootstrap installs them).
need_toolchain() {
  if ! command -v clang >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    bash scripts/bootstrap.sh || exit 1
  fi
}

# The generated model registry (build.zig), then the requested make targets.
build() {  # MODE, make targets...
  local mode=$1; shift
  need_toolchain
  scripts/zig build gen || { echo "fuzz: zig build gen failed" >&2; exit 1; }
  nice -n "${FUZZ_NICE:-10}" make --no-print-directory -j"${FUZZ_MAKE_JOBS:-2}" -f tests/fuzz/Makefile MODE="$mode" "$@" ||
    { echo "fuzz: build failed" >&2; exit 1; }
}

# Moves libFuzzer's artifacts into tests/fuzz/regress/TARGET/; prints what it saved.
save_artifacts() {  # target, artifact dir
  local t=$1 dir=$2 saved=0
  mkdir -p "tests/fuzz/regress/$t"
  for a in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*; do
    [ -f "$a" ] || continue
    local known=""
    for r in "tests/fuzz/regress/$t"/*; do
      [ -f "$r" ] && cmp -s "$a" "$r" && known=$r
    done
    if [ -n "$known" ]; then
      echo "fuzz: $t fails on the saved regression input $known (not fixed yet)"
    else
      local dst="tests/fuzz/regress/$t/$(basename "$a")"
      cp "$a" "$dst"
      echo "fuzz: $t: saved the failing input as $dst"
      echo "      replay it: zig-out/fuzz/bin/fuzz_$t $dst"
      echo "      commit it with the fix: git add $dst (tests/test_fuzz_regress.c replays it)"
    fi
    rm -f "$a"
    saved=$((saved + 1))
  done
  return $saved
}

run_one() {  # target, seconds; prints one summary line last; returns non-zero on failure
  local t=$1 secs=$2
  local bin=zig-out/fuzz/bin/fuzz_$t work=zig-out/fuzz/corpus/$t art=zig-out/fuzz/artifacts/$t
  local log=zig-out/fuzz/logs/$t.log
  mkdir -p "$work" "$art" zig-out/fuzz/logs
  rm -f "$art"/*
  local dict=()
  [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
  local seeds=("tests/fuzz/corpus/$t")
  [ -d "tests/fuzz/regress/$t" ] && seeds+=("tests/fuzz/regress/$t")
  # The tasks root (configs under teachers/ and students/) is the repository, as for the CLI.
  # An empty data cache of its own (unless SCAFFOLD_DATA is set): a manifest naming a
  # fetched task would otherwise load 70,000 images per execution, and nothing a
  # target does may depend on what this machine happens to have cached.
  mkdir -p zig-out/fuzz/data
  SCAFFOLD_DATA="${SCAFFOLD_DATA:-$PWD/zig-out/fuzz/data}" \
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    nice -n "${FUZZ_NICE:-10}" "$bin" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$art/" "${dict[@]}" ${FUZZ_ARGS:-} "$work" "${seeds[@]}" >"$log" 2>&1
  local rc=$?
  local execs cov files
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  files=$(find "$work" -type f | wc -l)
  save_artifacts "$t" "$art"
  local saved=$?
  if [ $rc -ne 0 ] || [ $saved -ne 0 ]; then
    grep -E 'ERROR|runtime error|SUMMARY|fuzz invariant|Test unit written|^==[0-9]+==|#[0-9]+ 0x' "$log" | head -40
    echo "fuzz: $t FAILED (libFuzzer exit $rc; full log: $log)"
    printf 'RESULT %-12s %10s execs  cov %6s  corpus %5s  FAILED\n' "$t" "${execs:-?}" "${cov:-?}" "$files"
    return 1
  fi
  printf 'RESULT %-12s %10s execs  cov %6s  corpus %5s  ok\n' "$t" "${execs:-?}" "${cov:-?}" "$files"
}

case "${1:-}" in
  -h|--help|"") usage; [ -n "${1:-}" ]; exit $? ;;
  --list) list; exit 0 ;;
  --build)
    if [ -n "${2:-}" ]; then build fuzz "zig-out/fuzz/bin/fuzz_$2"; else build fuzz fuzz-all; fi
    exit 0 ;;
  --seeds)
    build sanitize zig-out/sanitize/bin/gen_seeds
    zig-out/sanitize/bin/gen_seeds tests/fuzz && python3 tests/fuzz/gen_data_seeds.py tests/fuzz
    exit $? ;;
esac

target=$1
secs=${2:-}
[[ "$secs" =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh TARGET|all SECONDS (see --help)" >&2; exit 2; }
if [ "$target" = all ]; then
  todo=$(targets)
else
  todo=${target//,/ }  # one target, or several separated by commas (built once, run in turn)
  for t in $todo; do
    targets | grep -qx "$t" || { echo "fuzz: no target '$t' (scripts/fuzz.sh --list)" >&2; exit 2; }
  done
fi

start=$(date +%s)
bins=()
for t in $todo; do bins+=("zig-out/fuzz/bin/fuzz_$t"); done
build fuzz "${bins[@]}"
echo "fuzz: built in $(( $(date +%s) - start )) s"
failed=0
summary=()
outdir=$(mktemp -d)
trap 'rm -rf "$outdir"' EXIT
# FUZZ_JOBS targets at a time (default 2, this machine's cores); each one's output
# is held back and printed in target order once all have run.
jobs_max=${FUZZ_JOBS:-2}
for t in $todo; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
  echo "== fuzz $t (${secs} s)"
  ( run_one "$t" "$secs" >"$outdir/$t"; echo $? >"$outdir/$t.rc" ) &
done
wait
for t in $todo; do
  [ "$(cat "$outdir/$t.rc" 2>/dev/null)" = 0 ] || failed=$((failed + 1))
  grep -v '^RESULT' "$outdir/$t"
  line=$(grep '^RESULT' "$outdir/$t")
  summary+=("${line#RESULT }")
done
echo
echo "== summary ($(( $(date +%s) - start )) s in all)"
printf '%s\n' "${summary[@]}"
echo "fuzz: $(( $(echo $todo | wc -w) - failed )) targets clean, $failed failed"
[ $failed -eq 0 ]
