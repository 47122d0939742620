#!/usr/bin/env bash
# The full test suite, exactly as CI runs it (.ci/run calls this):
#   1. bootstrap (installs what is missing), build with warnings as errors;
#   2. every tests/test_*.c executable (ReleaseSafe: optimized, UB sanitizer on);
#   3. CLI smoke checks on the installed binary;
#   4. memcheck: the test executables again under valgrind (built for x86-64-v3,
#      which valgrind can decode; SCAFFOLD_TEST_QUICK=1 shrinks slow cases):
#      any memory error or leak fails.
# Ends with one line "tests: N passed, M failed"; exits non-zero on any failure.
#
# usage: scripts/test.sh [--no-memcheck] [FILTER]   (FILTER: substring of test names)
set -uo pipefail
cd "$(dirname "$0")/.."

memcheck=1
filter=""
for a in "$@"; do
  case "$a" in
    --no-memcheck) memcheck=0 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "scripts/test.sh: unknown option '$a'" >&2; exit 2 ;;
    *) filter="$a" ;;
  esac
done

bash scripts/bootstrap.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }
zig=scripts/zig
passed=0
failed=0
skipped=0
failures=()
skips=()

ok()   { passed=$((passed + $1)); }
bad()  { failed=$((failed + $1)); failures+=("$2"); }

start=$(date +%s)
rm -rf zig-out/tests zig-out/memcheck   # no stale executables from removed tests
echo "== build (ReleaseSafe)"
if ! $zig build install tests -Doptimize=ReleaseSafe; then
  echo "build failed"
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

# Runs one cmocka executable; counts its passed/failed tests from its summary.
run_cmocka() {  # name, log, command...
  local name=$1 log=$2; shift 2
  "$@" >"$log" 2>&1
  local rc=$?
  cat "$log"
  local p f
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  local s
  s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  ok "${p:-0}"
  if [ "${s:-0}" -gt 0 ]; then
    skipped=$((skipped + s))
    while read -r t; do skips+=("$name: $t"); done < <(sed -n 's/^\[  SKIPPED \] \([a-z_0-9]*\)$/\1/p' "$log" | sort -u)
  fi
  if [ "${f:-0}" -gt 0 ]; then bad "$f" "$name"
  elif [ $rc -ne 0 ]; then bad 1 "$name (exit $rc)"; fi
}

logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT
export CMOCKA_MESSAGE_OUTPUT=stdout

echo "== unit and integration tests"
for t in zig-out/tests/test_*; do
  name=$(basename "$t")
  [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
  echo "-- $name"
  run_cmocka "$name" "$logdir/$name.log" "$t"
done

echo "== CLI smoke (zig-out/bin/scaffold)"
smoke() {  # expected-exit, description, args...
  local want=$1 what=$2; shift 2
  zig-out/bin/scaffold "$@" >"$logdir/smoke.log" 2>&1
  local rc=$?
  if [ $rc -eq "$want" ]; then ok 1; echo "ok   $what"
  else bad 1 "smoke: $what"; echo "FAIL $what (exit $rc, want $want)"; cat "$logdir/smoke.log"; fi
}
smoke 0 "scaffold --version" --version
smoke 0 "scaffold --help" --help
smoke 0 "scaffold selfcheck" selfcheck
smoke 2 "unknown command exits 2" no-such-command
smoke 2 "unknown flag exits 2" --no-such-flag

if [ $memcheck -eq 1 ]; then
  echo "== memcheck (valgrind)"
  if $zig build tests -Doptimize=ReleaseSafe -Dcpu=x86_64_v3 --prefix zig-out/memcheck; then
    for t in zig-out/memcheck/tests/test_*; do
      name=$(basename "$t")
      [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
      echo "-- memcheck $name"
      SCAFFOLD_TEST_QUICK=1 valgrind -q --suppressions=tests/valgrind.supp --leak-check=full \
        --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
        --error-exitcode=99 "$t" >"$logdir/mc.log" 2>&1
      rc=$?
      if [ $rc -eq 0 ]; then ok 1; echo "clean"
      else bad 1 "memcheck $name (exit $rc)"; grep -E '^==|FAILED' "$logdir/mc.log" | head -60; fi
    done
  else
    bad 1 "memcheck build"
  fi
fi

echo
echo "== summary ($(( $(date +%s) - start )) s)"
for f in "${skips[@]+"${skips[@]}"}"; do echo "SKIPPED: $f"; done
for f in "${failures[@]+"${failures[@]}"}"; do echo "FAILED: $f"; done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
