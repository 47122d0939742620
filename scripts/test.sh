#!/usr/bin/env bash
# The full test suite, exactly as CI runs it (.ci/run calls this):
#   1. bootstrap (installs what is missing); the include graph against the layer
#      order of src/README.md (scripts/check-layers.sh);
#   2. build with warnings as errors (ReleaseSafe: optimized, UB sanitizer on;
#      for x86-64-v3, which valgrind can decode, so one build serves passes 3-5);
#   3. every tests/test_*.c executable, two at a time; tests that need a built-in task's data
#      fetch it themselves (an empty cache is fine);
#   4. CLI smoke checks on the installed binary, the newcomer walkthrough of
#      tasks/README.md run verbatim (tests/newcomer/walkthrough.py), and the
#      Slurm backend on a single-node cluster started here (tests/slurm/);
#   5. memcheck: the test executables again under valgrind, two at a time
#      (SCAFFOLD_TEST_QUICK=1 shrinks slow cases; BLIS without its FMA kernels,
#      which valgrind emulates slowly): any memory error or leak fails;
#   6. sanitizers: the suite built by Debian's clang with ASan + UBSan
#      (scripts/sanitize.sh --quick);
#   7. fuzzing: every libFuzzer target for a short fixed budget (scripts/fuzz.sh
#      all 5, two at a time); a crash fails and its input is saved under tests/fuzz/regress/.
# Ends with one line "tests: N passed, M failed, K skipped"; exits non-zero on any failure.
#
# usage: scripts/test.sh [--no-memcheck] [--no-sanitize] [--no-fuzz] [FILTER]
#   FILTER: substring of test names (passes 3, 5, 6); skipped tests are listed.
set -uo pipefail
cd "$(dirname "$0")/.."

memcheck=1
sanitize=1
fuzz=1
filter=""
for a in "$@"; do
  case "$a" in
    --no-memcheck) memcheck=0 ;;
    --no-sanitize) sanitize=0 ;;
    --no-fuzz) fuzz=0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
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

# Stage times: each "== stage" line first ends the previous stage with its time.
stage_t0=$(date +%s)
stage_open=0
stage() {
  local now=$(date +%s)
  [ $stage_open -eq 1 ] && echo "   (stage time $(( now - stage_t0 )) s)"
  stage_t0=$now stage_open=1
  echo "== $1"
}

start=$(date +%s)
stage "layers (scripts/check-layers.sh)"
if bash scripts/check-layers.sh | tail -20; then ok 1; else bad 1 "layers: an upward include (see above)"; fi
rm -rf zig-out/tests zig-out/memcheck   # no stale executables from removed tests
stage "build (ReleaseSafe, x86-64-v3)"
if ! $zig build install tests -Doptimize=ReleaseSafe -Dcpu=x86_64_v3; then
  echo "build failed"
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

# Counts one cmocka executable's passed/failed/skipped tests from its log.
count_cmocka() {  # name, log, exit code
  local name=$1 log=$2 rc=$3
  local p f s
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  ok "${p:-0}"
  if [ "${s:-0}" -gt 0 ]; then
    skipped=$((skipped + s))
    while read -r t; do skips+=("$name: $t"); done < <(sed -n 's/^\[  SKIPPED \] \([a-z_0-9]*\)$/\1/p' "$log" | sort -u)
  fi
  if [ "${f:-0}" -gt 0 ]; then bad "$f" "$name"
  elif [ "$rc" -ne 0 ]; then bad 1 "$name (exit $rc)"; fi
}

# The test executables, the slowest first so that two workers finish together
# (measured: test_smat_teaches, test_run, test_student and test_scouts take
# most of both passes), then the rest in name order; FILTER applies.
tests_in_order() {
  local slow="test_smat_teaches test_run test_scouts test_student test_new_task_defaults test_xbl_manifest test_xbl_run test_models_vision test_explainer_plugin test_hypergrad test_pretrain"
  local t name
  for name in $slow; do [ -x "zig-out/tests/$name" ] && echo "zig-out/tests/$name"; done
  for t in zig-out/tests/test_*; do
    name=$(basename "$t")
    [[ " $slow " == *" $name "* ]] || echo "$t"
  done | sort
}
selected_tests() {
  local t
  tests_in_order | while read -r t; do
    [[ -n "$filter" && "$(basename "$t")" != *"$filter"* ]] || echo "$t"
  done
}

# Runs FUNCTION EXECUTABLE LOG for every selected test, two at a time (this
# machine's two cores); each writes LOG and LOG.rc and prints its time.
run_two_at_a_time() {  # function, log dir
  local fn=$1 dir=$2 t
  mkdir -p "$dir"
  selected_tests | while read -r t; do printf '%s\0%s\0' "$t" "$dir/$(basename "$t").log"; done |
    xargs -0 -n 2 -P 2 bash -c "$fn \"\$0\" \"\$1\""
}

# One test executable as it is; writes LOG and LOG.rc, prints its time.
unit_one() {  # executable, log
  local t0=$(date +%s)
  "$1" >"$2" 2>&1
  echo $? >"$2.rc"
  echo "   $(basename "$1"): $(( $(date +%s) - t0 )) s"
}
export -f unit_one

logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT
export CMOCKA_MESSAGE_OUTPUT=stdout
# Tests run two at a time on two cores: each run's "auto" threads is then one,
# as `scaffold run --jobs 2` would make it (tests that compare thread counts
# lift the cap themselves).
export SCAFFOLD_THREADS_PER_RUN=1

stage "unit and integration tests (two at a time)"
run_two_at_a_time unit_one "$logdir/unit"
while read -r t; do
  name=$(basename "$t")
  echo "-- $name"
  cat "$logdir/unit/$name.log"
  count_cmocka "$name" "$logdir/unit/$name.log" "$(cat "$logdir/unit/$name.log.rc" 2>/dev/null || echo 127)"
done < <(selected_tests | sort)

stage "CLI smoke (zig-out/bin/scaffold)"
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
# The benchmarks' numbers are not checked (timing is not a test), but they must run.
smoke 0 "scaffold bench engine --quick runs" bench engine --quick
smoke 0 "scaffold bench train --quick runs" bench train --quick
smoke 0 "scaffold bench meta --quick runs" bench meta --quick
smoke 0 "scaffold bench active --quick runs" bench active --quick
# The newcomer walkthrough of tasks/README.md, its commands run verbatim on this
# binary in a temp folder with its own HOME and data cache, ending in a result
# whose `none` students left chance (tests/newcomer/walkthrough.py; ~1 minute).
walk_t0=$(date +%s)
if python3 tests/newcomer/walkthrough.py zig-out/bin/scaffold >"$logdir/walkthrough.log" 2>&1; then
  ok 1; echo "ok   newcomer walkthrough of tasks/README.md ($(( $(date +%s) - walk_t0 )) s)"
else
  bad 1 "smoke: newcomer walkthrough (tasks/README.md)"
  echo "FAIL newcomer walkthrough of tasks/README.md"; tail -60 "$logdir/walkthrough.log"
fi

# The Slurm backend against a real single-node Slurm started here from Debian's
# packages (tests/slurm/test_slurm.sh, ~1 minute): local and Slurm summaries
# identical, a killed job picked up by --resume, --status, --cancel, --requeue,
# a deterministic failure reported once.
# Where Slurm cannot start, one visible "skipped" line says why.
slurm_t0=$(date +%s)
bash tests/slurm/test_slurm.sh zig-out/bin/scaffold >"$logdir/slurm.log" 2>&1
slurm_rc=$?
if skip=$(grep -m1 '^slurm: skipped: ' "$logdir/slurm.log"); then
  skipped=$((skipped + 1)); skips+=("${skip#slurm: }"); echo "SKIP $skip"
elif [ $slurm_rc -eq 0 ] && grep -qE '^slurm: [0-9]+ passed, 0 failed' "$logdir/slurm.log"; then
  ok 1; echo "ok   Slurm backend on a local cluster: $(grep -E '^slurm: ' "$logdir/slurm.log" | tail -1) ($(( $(date +%s) - slurm_t0 )) s)"
else
  bad 1 "smoke: Slurm backend (tests/slurm/test_slurm.sh)"
  echo "FAIL Slurm backend (tests/slurm/test_slurm.sh)"; tail -80 "$logdir/slurm.log"
fi

# valgrind emulates fused multiply-add in software, exactly and ~100x slower
# than the rest of the guest code (VEX's h_generic_calc_MAddF32): BLIS's
# FMA kernels (haswell, zen*) then dominate a memcheck run. The memcheck pass
# asks BLIS for its AVX kernels without FMA ('sandybridge'); BLIS 0.9 takes the
# sub-configuration as a number, so find it by name.
blis_no_fma() {
  local id
  for id in $(seq 0 40); do
    local said  # captured first: grep -q in a pipe would end it early, and pipefail count that as a failure
    said=$(BLIS_ARCH_DEBUG=1 BLIS_ARCH_TYPE=$id zig-out/bin/scaffold selfcheck 2>&1)
    if [[ "$said" == *"sub-configuration 'sandybridge'"* ]]; then
      echo "$id"; return 0
    fi
  done
  return 1
}

# One test executable under memcheck; writes LOG and LOG.rc, prints its time.
memcheck_one() {  # executable, log
  local t0=$(date +%s)
  SCAFFOLD_TEST_QUICK=1 valgrind -q --suppressions=tests/valgrind.supp --leak-check=full \
    --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
    --error-exitcode=99 "$1" >"$2" 2>&1
  echo $? >"$2.rc"
  echo "   $(basename "$1"): $(( $(date +%s) - t0 )) s"
}
export -f memcheck_one

if [ $memcheck -eq 1 ]; then
  stage "memcheck (valgrind, two tests at a time)"
  if id=$(blis_no_fma); then export BLIS_ARCH_TYPE=$id; echo "BLIS sub-configuration 'sandybridge' (id $id): no FMA kernels"
  else echo "BLIS has no 'sandybridge' sub-configuration here: its FMA kernels make memcheck slow"; fi
  mcdir="$logdir/memcheck"
  run_two_at_a_time memcheck_one "$mcdir"
  for log in "$mcdir"/test_*.log; do
    [ -e "$log" ] || continue
    name=$(basename "$log" .log)
    rc=$(cat "$log.rc" 2>/dev/null || echo 127)
    if [ "$rc" -eq 0 ]; then ok 1; echo "clean   $name"
    else bad 1 "memcheck $name (exit $rc)"; echo "FAILED  $name"; grep -E '^==|FAILED' "$log" | head -60; fi
  done
  unset BLIS_ARCH_TYPE
fi

# A script that ends with "WHAT: N passed, M failed" (or "N targets clean, M failed").
run_counted() {  # label, command...
  local label=$1; shift
  "$@" >"$logdir/$label.log" 2>&1
  local rc=$?
  tail -40 "$logdir/$label.log"
  local line p f
  line=$(grep -E "^$label: [0-9]+ (passed|targets clean), [0-9]+ failed" "$logdir/$label.log" | tail -1)
  p=$(echo "$line" | sed -E 's/^[a-z]+: ([0-9]+) .*/\1/')
  f=$(echo "$line" | sed -E 's/.*, ([0-9]+) failed.*/\1/')
  ok "${p:-0}"
  if [ -z "$line" ]; then bad 1 "$label: no summary line (exit $rc)"
  elif [ "${f:-0}" -gt 0 ]; then bad "$f" "$label"
  elif [ $rc -ne 0 ]; then bad 1 "$label (exit $rc)"; fi
}

if [ $sanitize -eq 1 ]; then
  stage "sanitizers (ASan + UBSan, clang)"
  run_counted sanitize bash scripts/sanitize.sh --quick ${filter:+"$filter"}
fi

if [ $fuzz -eq 1 ] && [ -z "$filter" ]; then
  stage "fuzzing (every target, 5 s each, two at a time)"
  run_counted fuzz bash scripts/fuzz.sh all 5
fi

stage "summary ($(( $(date +%s) - start )) s)"
for f in "${skips[@]+"${skips[@]}"}"; do echo "SKIPPED: $f"; done
for f in "${failures[@]+"${failures[@]}"}"; do echo "FAILED: $f"; done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
