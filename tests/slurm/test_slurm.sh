#!/usr/bin/env bash
# The Slurm backend against a real Slurm (tests/slurm/cluster.sh starts a
# single-node cluster on this machine): the quickstart manifest, with small
# settings, run by the local pool and submitted with --backend slurm must give
# identical summaries; a teacher killed mid-run (scancel) is reported failed by
# --status and in summary.md, and --resume completes it; a teacher requeued
# mid-run finishes; a run that fails on its own is reported once, not retried;
# --cancel empties the queue. Prints "slurm: N passed, M failed" (or one "slurm: skipped: WHY" line
# when Slurm cannot start here); the cluster is shut down at the end.
#
# usage: tests/slurm/test_slurm.sh SCAFFOLD_BINARY
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "$1")
here=$(pwd)
source tests/slurm/cluster.sh

work=$(mktemp -d /tmp/scaffold-slurm.XXXXXX)
cluster="$work/cluster"
mkdir -p "$cluster"
passed=0 failed=0
check() {  # description, command...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $what"
  else failed=$((failed + 1)); echo "FAIL $what"; fi
}
finish() {
  slurm_down "$cluster"
  if [ "${keep:-0}" -eq 0 ]; then rm -rf "$work"; fi
}
trap finish EXIT

if ! slurm_up "$cluster"; then
  echo "slurm: skipped: $slurm_why"
  exit 0
fi
echo "cluster up: $(sinfo -h -o '%P %D node(s) %c CPUs %T') (SLURM_CONF=$SLURM_CONF)"

# The quickstart manifest with small settings: 2 seeds, teacher and students
# trained briefly. Every row is kept, SMaT and its transfer row too.
m="$work/quickstart-small.yaml"
sed -e 's/^seeds: .*/seeds: [1, 2]/' -e 's/^  seed: 1$/  seed: 1\n  set: {epochs: 2}/' \
    experiments/quickstart.yaml >"$m"
printf 'student:\n  set: {epochs: 3}\n' >>"$m"
sed -i "s|^tasks: \[synth-text\]|tasks: [$here/tasks/synth-text]|" "$m"

# Waits until no job of OUT is queued (scaffold run --status exits when all are over).
wait_done() {  # OUT, seconds
  local out=$1 limit=$2 t=0
  while squeue -h -o %i | grep -q .; do
    sleep 2; t=$((t + 2))
    [ $t -ge "$limit" ] && { echo "  jobs still queued after $limit s:"; squeue; return 1; }
  done
  return 0
}

t0=$(date +%s)
"$bin" run "$m" --out "$work/local" --jobs 2 >"$work/local.log" 2>&1
check "local backend runs the manifest ($(( $(date +%s) - t0 )) s)" test -s "$work/local/summary.csv"

# Slurm: submit, then kill the teacher's job while it trains (scancel, as a
# time limit or preemption would): its students are cancelled by the
# dependency, the transfer runs find no teacher, and the collect job lists
# every run as failed. --resume then runs everything again.
t0=$(date +%s)
check "--backend slurm submits" "$bin" run "$m" --out "$work/slurm" --backend slurm --max-concurrent 2 --cpus 1 --mem 900M
tlog="$work/slurm/teachers/synth-text/log.txt"
for i in $(seq 1 300); do
  grep -q "teacher epoch 1 step" "$tlog" 2>/dev/null && break
  sleep 0.2
done
victim=$(squeue -h -r -t RUNNING -o '%i %j' | awk '$2 ~ /teacher/ {print $1; exit}')
[ -n "$victim" ] && scancel "$victim"
check "the teacher's job was cancelled while training (${victim:-not found})" test -n "$victim"
wait_done "$work/slurm" 600
echo "--- scaffold run --status (after the cancel)"
"$bin" run --status "$work/slurm" | tee "$work/status1.txt"
check "--status reports the cancelled teacher as failed" grep -qE "^failed +$victim +teachers/synth-text +CANCELLED \\(signal 15\\)" "$work/status1.txt"
check "the killed teacher left no run.key and no result" test ! -e "$work/slurm/teachers/synth-text/run.key" -a ! -e "$work/slurm/teachers/synth-text/metrics.msgpack"
check "--status: the students did not run (their teacher failed)" grep -qE ": 15 runs: 0 done, 0 running, 0 pending, 1 failed, 14 not run" "$work/status1.txt"
check "the collect job wrote summary.md listing the failed runs" grep -q "did not finish\|not run" "$work/slurm/summary.md"
# --resume, with --requeue: the teacher is requeued mid-run (as a preemption
# would), starts again from scratch and finishes; everything else follows.
rm -f "$tlog"  # the killed run's log: wait for the new one below
"$bin" run "$m" --out "$work/slurm" --backend slurm --resume --requeue >"$work/resume.log" 2>&1
check "--resume resubmits every unfinished run" grep -q "15 runs (0 finished earlier)" "$work/resume.log"
for i in $(seq 1 300); do
  grep -q "teacher epoch 1 step" "$tlog" 2>/dev/null && break
  sleep 0.2
done
requeued=$(squeue -h -r -t RUNNING -o '%i %j' | awk '$2 ~ /teacher/ {print $1; exit}')
[ -n "$requeued" ] && scontrol requeue "$requeued"
check "the teacher's job was requeued while training (${requeued:-not found})" test -n "$requeued"
# Slurm holds a requeued job for ~2 minutes before it may start again; a test
# need not wait for that.
sleep 1
[ -n "$requeued" ] && scontrol update JobId="$requeued" StartTime=now >/dev/null 2>&1
wait_done "$work/slurm" 600
"$bin" run --status "$work/slurm" >"$work/status2.txt"
check "the requeued teacher ran again and finished" grep -q "^done .*/teachers/synth-text" "$work/slurm/slurm/logs/"*teacher*"${requeued%_*}_0.out"
check "--status: every run done after --resume" grep -qE ": 15 runs: 15 done, 0 running, 0 pending, 0 failed, 0 not run" "$work/status2.txt"
"$bin" run "$m" --out "$work/slurm" --backend slurm --resume >"$work/again.log" 2>&1
check "a third submission finds nothing to run" grep -q "nothing to submit" "$work/again.log"
echo "slurm backend: $(( $(date +%s) - t0 )) s"
check "local and Slurm summary.csv are identical" cmp "$work/local/summary.csv" "$work/slurm/summary.csv"
check "local and Slurm summary.md are identical" cmp "$work/local/summary.md" "$work/slurm/summary.md"

# A run that fails on its own (a step arena too small for its batch: the same
# error every time) is reported with its reason, once: Slurm does not retry it.
f="$work/fail.yaml"
cat >"$f" <<EOF
name: fail
tasks: [$here/tasks/synth-text]
teacher:
  ckpt: {synth-text: $work/slurm/teachers/synth-text}
explainers:
  - {name: none, label: tight, set: {arena_mb: 16, batch_size: 512}}
n: [100]
seeds: [1]
EOF
"$bin" run "$f" --out "$work/fail" --backend slurm >"$work/fail.log" 2>&1
wait_done "$work/fail" 300
"$bin" run --status "$work/fail" >"$work/status3.txt"
st=$?
check "--status reports a deterministic failure with its reason" \
  grep -qE "^failed .*runs/synth-text/tight/n100/seed1 .*step arena exhausted" "$work/status3.txt"
check "... and exits non-zero" test $st -ne 0
check "... ran once, not retried" test "$(cat "$work/fail/slurm/logs/"*students* 2>/dev/null | grep -c 'slurm array task 0')" -eq 1
check "... and is a FAILED row of summary.md" grep -q "| tight | 100 | 1 | scaffold train-student: step arena exhausted" "$work/fail/summary.md"

# --cancel: a fresh submission, cancelled at once, leaves nothing queued.
"$bin" run "$m" --out "$work/cancel" --backend slurm >/dev/null 2>&1
"$bin" run --cancel "$work/cancel" >"$work/cancel.log" 2>&1
sleep 2
check "--cancel leaves no job of the experiment queued" test -z "$(squeue -h -o %i)"
check "--status after --cancel shows nothing done" grep -qE ": [0-9]+ runs: 0 done" <("$bin" run --status "$work/cancel")

if [ $failed -gt 0 ]; then
  keep=1
  echo "kept $work for inspection; daemon logs in $cluster/log"
  for f in "$work"/*.log "$work/slurm/slurm/logs"/*; do [ -f "$f" ] && { echo "--- $f"; tail -15 "$f"; }; done
fi
echo "slurm: $passed passed, $failed failed"
[ $failed -eq 0 ]
