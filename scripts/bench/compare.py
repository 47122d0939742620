#!/usr/bin/env python3
"""The side-by-side benchmark driver (scripts/bench-compare.sh runs it in a
throw-away venv): scaffold against JAX (jit) and PyTorch (eager, and
torch.compile where it works) on the same cases and the same inputs.

1. `scaffold bench export` writes each case's inputs, parameters and values.
2. One long-lived worker per framework (replica_jax.py, replica_torch.py)
   loads the export, reproduces scaffold's values to common.RTOL (or the run
   stops with exit 1), compiles, and waits for timing requests.
3. R interleaved rounds: per case, scaffold (`scaffold bench time`, a fresh
   process each round), then each worker, in an order that rotates every round,
   so background load drifts over all of them alike. Every process is pinned to
   the same N CPUs and N threads.
4. A table: per pass the median over rounds of each framework's per-round
   median, and scaffold's time divided by each framework's, per round.
5. Memory (unless --memory-steps 0): for every pass, a fresh process per
   framework sets the case up, resets its peak RSS and runs the pass K times;
   the table gives the peak RSS growth (scaffold: `scaffold bench memory`).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scaffold", required=True, help="the scaffold binary")
    p.add_argument("--case", default="all", choices=["block", "meta", "mid", "all"])
    p.add_argument("--threads", type=int, default=1, help="threads (and CPUs) for every framework")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=1.0, help="per pass, per framework, per round")
    p.add_argument("--frameworks", default="jax,torch", help="comma-separated: jax, torch")
    p.add_argument("--no-compile", action="store_true", help="torch eager only (no torch.compile variant)")
    p.add_argument("--export", help="export folder (default: a temporary one, removed afterwards)")
    p.add_argument("--json", help="also write every measurement to this file")
    p.add_argument("--memory-steps", type=int, default=20, help="steps per pass for the memory table (0: none)")
    a = p.parse_args()
    if a.threads < 1 or a.rounds < 1 or not a.seconds > 0:
        p.error("--threads and --rounds must be >= 1 and --seconds > 0")
    a.cases = list(common.CASES) if a.case == "all" else [a.case]
    a.frameworks = [f for f in a.frameworks.split(",") if f]
    for f in a.frameworks:
        if f not in ("jax", "torch"):
            p.error(f"unknown framework {f!r} (jax, torch)")
    return a


def cpus(threads):
    """The first `threads` CPUs this process may use: every child is pinned to them."""
    avail = sorted(os.sched_getaffinity(0))
    if threads > len(avail):
        print(f"warning: --threads {threads} > the {len(avail)} CPUs available; pinning to all of them",
              file=sys.stderr)
    return set(avail[:threads])


def child_env(threads):
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS"):
        env[k] = str(threads)
    return env


class Worker:
    """A replica process speaking common.serve's line protocol."""

    def __init__(self, name, args, export, cpu_set, log_dir):
        cmd = [sys.executable, os.path.join(HERE, f"replica_{name}.py"), "--export", export,
               "--cases", ",".join(args.cases), "--threads", str(args.threads)]
        if args.no_compile:
            cmd.append("--no-compile")
        self.name = name
        self.log = os.path.join(log_dir, f"{name}.stderr")  # framework chatter, shown if the worker dies
        self.err = open(self.log, "w")
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, stderr=self.err,
                                  env=child_env(args.threads), preexec_fn=lambda: os.sched_setaffinity(0, cpu_set))

    def read(self):
        line = self.p.stdout.readline()
        if not line:
            self.p.wait()
            with open(self.log) as f:
                tail = f.read()[-3000:]
            raise SystemExit(f"{self.name} replica exited ({self.p.returncode}) unexpectedly; its stderr ends:\n{tail}")
        return json.loads(line)

    def start(self):
        """Checks and notes, up to "ready"; (checks, notes, ok)."""
        checks, notes = [], []
        while True:
            m = self.read()
            if m["event"] == "check":
                checks.append(m)
            elif m["event"] == "note":
                notes.append(m)
            elif m["event"] in ("ready", "failed"):
                return checks, notes, m["event"] == "ready", m["framework"]

    def request(self, req):
        """Sends one request; the replies up to its "done"."""
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        out = []
        while True:
            m = self.read()
            if m["event"] == "done":
                return out
            out.append(m)

    def memory(self, case, pass_name, steps):
        return self.request({"cmd": "memory", "case": case, "pass": pass_name, "steps": steps})

    def time(self, case, seconds):
        return self.request({"cmd": "time", "case": case, "seconds": seconds})

    def quit(self):
        try:
            self.p.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
            self.p.stdin.flush()
            self.p.wait(timeout=60)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.p.kill()
            self.p.wait()
        self.err.close()


def scaffold_round(args, case, cpu_set, fingerprint):
    cmd = [args.scaffold, "bench", "time", "--case", case, "--threads", str(args.threads),
           "--seconds", str(args.seconds)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=child_env(args.threads),
                       preexec_fn=lambda: os.sched_setaffinity(0, cpu_set))
    if r.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    out = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    for m in out:  # the same seeds, the same binary: the very same inputs as the export
        if abs(m["fingerprint"] - fingerprint) > 1e-9 * max(abs(fingerprint), 1e-30):
            raise SystemExit(f"scaffold bench time {case}: fingerprint {m['fingerprint']!r} differs from the "
                             f"export's {fingerprint!r}: not the exported inputs (another binary?)")
    return out


def print_checks(checks, notes):
    print(f"\n== values: each replica against scaffold on the exported inputs (tolerance: relative {common.RTOL:g})")
    print(f"  {'framework':<14} {'case':<6} {'value':<28} {'scaffold':>14} {'replica':>14} {'rel. diff':>10}  ok")
    for c in checks:
        print(f"  {c['framework']:<14} {c['case']:<6} {c['name']:<28} {c['scaffold']:>14.7g} {c['replica']:>14.7g} "
              f"{c['rel']:>10.2e}  {'yes' if c['ok'] else 'NO  <-- MISMATCH'}")
    for n in notes:
        print(f"  note: {n['framework']} {n['case']}: {n['note']}")


def run_rounds(args, workers, export, cpu_set):
    fp = {c: common.Export(os.path.join(export, c)) for c in args.cases}
    first = {"block": "forward.loss", "meta": "plain.loss", "mid": "plain.loss"}
    runners = [("scaffold", None)] + [(w.name, w) for w in workers]
    rows = []  # every measurement: dict(round, case, pass, framework, ms, ...)
    for r in range(args.rounds):
        for case in args.cases:
            k = r % len(runners)
            for name, w in runners[k:] + runners[:k]:
                got = scaffold_round(args, case, cpu_set, fp[case].checks[first[case]]) if w is None \
                    else w.time(case, args.seconds)
                rows += [dict(m, round=r) for m in got]
        print(f"  round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    return rows


PASSES = {"block": ["forward", "forward+backward", "double-backward"],
          "meta": ["plain", "explained", "meta-unrolled-1"], "mid": ["plain", "explained", "meta-unrolled-1"]}


def measure_memory(args, export, cpu_set):
    """Peak RSS growth per pass: a fresh process per framework and pass."""
    mem = []
    for case in args.cases:
        for p in PASSES[case]:
            cmd = [args.scaffold, "bench", "memory", "--case", case, "--pass", p, "--threads", str(args.threads),
                   "--steps", str(args.memory_steps)]
            r = subprocess.run(cmd, capture_output=True, text=True, env=child_env(args.threads),
                               preexec_fn=lambda: os.sched_setaffinity(0, cpu_set))
            if r.returncode:
                raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
            mem += [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
            for f in args.frameworks:
                w = Worker(f, argparse.Namespace(**dict(vars(args), cases=[case], no_compile=True)), export, cpu_set,
                           export)
                try:
                    if w.start()[2]:
                        mem += w.memory(case, p, args.memory_steps)
                finally:
                    w.quit()
            print(f"  memory: {case} {p} done", file=sys.stderr, flush=True)
    return mem


def print_memory(args, mem):
    fws = list(dict.fromkeys(m["framework"] for m in mem))
    print(f"\n== peak RSS growth (MiB) over {args.memory_steps} steps of one pass, in a fresh process after setup")
    print(f"  {'case':<6} {'pass':<18}" + "".join(f" {f:>10}" for f in fws))
    for case in args.cases:
        for p in PASSES[case]:
            got = {m["framework"]: m["rss_growth_mib"] for m in mem if m["case"] == case and m["pass"] == p}
            print(f"  {case:<6} {p:<18}" + "".join(f" {got[f]:>10.1f}" if f in got else f" {'n/a':>10}" for f in fws))


def print_table(args, rows):
    fws = []
    for m in rows:
        if m["framework"] not in fws:
            fws.append(m["framework"])
    others = [f for f in fws if f != "scaffold"]
    print(f"\n== medians over {args.rounds} rounds (ms per step; {args.threads} thread(s); each round's value is "
          f"the median of >= {args.seconds:g} s of steps)")
    head = f"  {'case':<6} {'pass':<18}" + "".join(f" {f:>14}" for f in fws) + "".join(
        f" {'scaffold/' + f:>20}" for f in others)
    print(head)
    per_round = []
    for case in args.cases:
        passes = []
        for m in rows:
            if m["case"] == case and m["pass"] not in passes:
                passes.append(m["pass"])
        for p in passes:
            by = {f: {m["round"]: m["ms"] for m in rows if m["case"] == case and m["pass"] == p
                      and m["framework"] == f and m.get("ms") is not None} for f in fws}
            med = {f: statistics.median(v.values()) if v else None for f, v in by.items()}
            line = f"  {case:<6} {p:<18}" + "".join(f" {med[f]:>14.2f}" if med[f] else f" {'n/a':>14}" for f in fws)
            for f in others:
                rat = [by["scaffold"][r] / by[f][r] for r in by["scaffold"] if r in by[f]]
                line += f" {statistics.median(rat):>20.2f}" if rat else f" {'n/a':>20}"
                if rat:
                    per_round.append(f"  {case:<6} {p:<18} scaffold/{f:<14} " + " ".join(f"{x:.2f}" for x in rat))
            print(line)
    print("\n== per-round ratios (scaffold time / framework time; > 1: scaffold is slower)")
    print("\n".join(per_round))
    sc = [m for m in rows if m["framework"] == "scaffold"]
    if sc:
        print("\n== scaffold's GEMMs (median over rounds): GFLOP/s of step time, share of the step inside BLIS")
        for case in args.cases:
            for p in dict.fromkeys(m["pass"] for m in sc if m["case"] == case):
                ms = [m for m in sc if m["case"] == case and m["pass"] == p]
                print(f"  {case:<6} {p:<18} {statistics.median(m['gflops'] for m in ms):8.2f} GFLOP/s "
                      f"{100 * statistics.median(m['blas_share'] for m in ms):5.0f}% in BLIS")
    errors = [m for m in rows if m.get("error")]
    for m in errors:
        print(f"  error: {m['framework']} {m['case']} {m['pass']} round {m['round'] + 1}: {m['error']}")


def main():
    args = parse()
    cpu_set = cpus(args.threads)
    tmp = None
    export = args.export
    if not export:
        tmp = tempfile.TemporaryDirectory(prefix="scaffold-bench-compare-")
        export = tmp.name
    print(f"load average before: {os.getloadavg()[0]:.2f} (timings mean something only on an otherwise idle "
          f"machine)", flush=True)
    r = subprocess.run([args.scaffold, "bench", "export", "--out", export, "--case", args.case],
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"scaffold bench export failed ({r.returncode}):\n{r.stderr}")
    workers = [Worker(f, args, export, cpu_set, export) for f in args.frameworks]
    checks, notes, ok, versions = [], [], True, []
    try:
        for w in workers:  # loading and compiling happen in parallel; the checks are read in turn
            c, n, good, version = w.start()
            checks += c
            notes += n
            ok &= good
            versions.append(version)
        print("frameworks: " + ", ".join(versions))
        print_checks(checks, notes)
        if not ok:
            print("\nFAILED: a replica does not compute what scaffold computes; no timings", file=sys.stderr)
            return 1
        rows = run_rounds(args, workers, export, cpu_set)
    finally:
        for w in workers:
            w.quit()
    print_table(args, rows)
    mem = measure_memory(args, export, cpu_set) if args.memory_steps > 0 else []
    if mem:
        print_memory(args, mem)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": args.threads, "rounds": args.rounds, "checks": checks, "rows": rows,
                       "memory": mem}, f, indent=1)
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
