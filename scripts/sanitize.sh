#!/usr/bin/env bash
# The test suite built with AddressSanitizer (+ LeakSanitizer) and UBSan by Debian's
# clang (-fsanitize=address,undefined -fno-sanitize-recover=all -O1 -g): every
# tests/test_*.c executable, and the scaffold binary the CLI tests run (SCAFFOLD_BIN).
# Any sanitizer report fails the test it happens in.
#
# usage: scripts/sanitize.sh [--quick] [FILTER]   (FILTER: substring of test names)
#   --quick   SCAFFOLD_TEST_QUICK=1: the slow cases shrink, as in the memcheck pass
#
# Builds into zig-out/sanitize/ (objects cached; tests/fuzz/Makefile MODE=sanitize).
# Ends with "sanitize: N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

quick=0
filter=""
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "scripts/sanitize.sh: unknown option '$a'" >&2; exit 2 ;;
    *) filter="$a" ;;
  esac
done

if ! command -v clang >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.a >/dev/null 2>&1; then
  bash scripts/bootstrap.sh || { echo "sanitize: 0 passed, 1 failed"; exit 1; }
fi

start=$(date +%s)
tests=()
for src in tests/test_*.c; do
  name=$(basename "$src" .c)
  [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
  tests+=("zig-out/sanitize/tests/$name")
done
echo "== build (clang, ASan + UBSan)"
scripts/zig build gen &&
  nice make --no-print-directory -j"${SANITIZE_MAKE_JOBS:-2}" -f tests/fuzz/Makefile MODE=sanitize \
    zig-out/sanitize/bin/scaffold "${tests[@]}" ||
  { echo "build failed"; echo "sanitize: 0 passed, 1 failed"; exit 1; }
built=$(date +%s)
echo "built in $((built - start)) s"

passed=0
failed=0
failures=()
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT
export CMOCKA_MESSAGE_OUTPUT=stdout
export SCAFFOLD_BIN=$PWD/zig-out/sanitize/bin/scaffold
# Leaks are errors (LeakSanitizer at exit); the first UB report stops the process.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}"
[ $quick -eq 1 ] && export SCAFFOLD_TEST_QUICK=1

echo "== tests (sanitized)"
for t in "${tests[@]}"; do
  name=$(basename "$t")
  echo "-- $name"
  t0=$(date +%s)
  "$t" >"$logdir/$name.log" 2>&1
  rc=$?
  cat "$logdir/$name.log"
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$logdir/$name.log" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$logdir/$name.log" | tail -1)
  passed=$((passed + ${p:-0}))
  if [ "${f:-0}" -gt 0 ]; then
    failed=$((failed + f)); failures+=("$name ($f failed)")
  elif [ $rc -ne 0 ]; then
    # A sanitizer report ends the process without cmocka's summary.
    failed=$((failed + 1)); failures+=("$name (exit $rc: see the sanitizer report above)")
  fi
  echo "($name: $(( $(date +%s) - t0 )) s)"
done

echo
echo "== summary (build $((built - start)) s, tests $(( $(date +%s) - built )) s)"
for f in "${failures[@]+"${failures[@]}"}"; do echo "FAILED: $f"; done
echo "sanitize: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
