# cluster.sh — a single-node Slurm cluster on this machine, for the tests
# (sourced by tests/slurm/test_slurm.sh). Everything lives in one folder: its
# own munge key and socket, slurm.conf, state, spool and logs, and ports that
# were free, so it never touches a Slurm or munge the machine already runs.
#
#   slurm_up DIR      starts munged, slurmctld and slurmd; exports SLURM_CONF;
#                     returns non-zero with the reason in $slurm_why if it cannot
#   slurm_down DIR    cancels every job and stops the three daemons
#
# Debian's packages: slurmctld, slurmd, slurm-client, munge (scripts/bootstrap.sh).

slurm_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

slurm_up() {
  local d=$1 host cpus mem
  slurm_why=""
  for b in munged slurmctld slurmd sbatch squeue scancel scontrol; do
    command -v "$b" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"
    command -v "$b" >/dev/null 2>&1 || { slurm_why="$b is not installed (Debian: slurmctld slurmd slurm-client munge)"; return 1; }
  done
  mkdir -p "$d/state" "$d/spool" "$d/log"
  # munged checks that its key is private and owned by whoever runs it.
  dd if=/dev/urandom of="$d/munge.key" bs=128 count=1 status=none
  chmod 600 "$d/munge.key"
  chmod 700 "$d"
  if ! munged --force --socket="$d/munge.sock" --key-file="$d/munge.key" --pid-file="$d/munged.pid" \
       --log-file="$d/log/munged.log" --seed-file="$d/munged.seed" 2>"$d/log/munged.err"; then
    slurm_why="munged did not start: $(tail -1 "$d/log/munged.err")"; return 1
  fi
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
  local user; user=$(id -un)
  cat >"$d/slurm.conf" <<CONF
ClusterName=scaffoldtest
SlurmctldHost=$host
SlurmctldPort=$(slurm_free_port)
SlurmdPort=$(slurm_free_port)
AuthType=auth/munge
AuthInfo=socket=$d/munge.sock
CredType=cred/munge
SlurmUser=$user
SlurmdUser=$user
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=1024
MinJobAge=3600
ReturnToService=2
MpiDefault=none
SwitchType=switch/none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$d/slurm.conf"
  slurmctld -f "$SLURM_CONF" 2>"$d/log/slurmctld.err" || { slurm_why="slurmctld did not start: $(tail -1 "$d/log/slurmctld.err")"; return 1; }
  slurmd -f "$SLURM_CONF" 2>"$d/log/slurmd.err" || { slurm_why="slurmd did not start: $(tail -1 "$d/log/slurmd.err")"; return 1; }
  local i
  for i in $(seq 1 30); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then return 0; fi
    sleep 1
  done
  slurm_why="the node did not come up within 30 s: $(tail -3 "$d/log/slurmd.log" 2>/dev/null | tr '\n' ' ')"
  return 1
}

slurm_down() {
  local d=$1 f
  [ -n "${SLURM_CONF:-}" ] && scancel --user="$(id -un)" >/dev/null 2>&1
  for f in slurmd slurmctld munged; do
    [ -s "$d/$f.pid" ] && kill "$(cat "$d/$f.pid")" 2>/dev/null
  done
  sleep 1
  for f in slurmd slurmctld munged; do
    [ -s "$d/$f.pid" ] && kill -9 "$(cat "$d/$f.pid")" 2>/dev/null
  done
  return 0
}
