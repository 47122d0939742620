"""What the replicas share: reading `scaffold bench export`, checking values
against scaffold's, timing, and the line protocol the driver (compare.py) speaks.

Nothing here imports JAX or PyTorch: the replicas pin thread counts through the
environment before they import their framework.

Export layout (src/bench/export.h): CASE/index.json names every tensor of
CASE/tensors.bin (raw little-endian f32/f64/i32, row-major) with its offset and
shape; "config" holds the case's settings, "checks" the values scaffold
computed, which a replica must reproduce before its timings mean anything.
"""
import json
import os
import sys
import time

import numpy as np

FORMAT = "scaffold-bench-export 1"
CASES = ("block", "meta", "mid")
# Relative tolerance of a loss: |replica - scaffold| <= RTOL * |scaffold|.
RTOL = 1e-4


class Export:
    def __init__(self, case_dir):
        with open(os.path.join(case_dir, "index.json")) as f:
            index = json.load(f)
        if index.get("format") != FORMAT:
            raise SystemExit(f"{case_dir}: format {index.get('format')!r}, this replica reads {FORMAT!r}")
        if index.get("byte_order") != "little":
            raise SystemExit(f"{case_dir}: byte order {index.get('byte_order')!r} (expected little)")
        self.case = index["case"]
        self.config = index["config"]
        self.checks = index["checks"]
        raw = np.fromfile(os.path.join(case_dir, "tensors.bin"), dtype=np.uint8)
        dtypes = {"f32": "<f4", "f64": "<f8", "i32": "<i4"}
        self.tensors = {}
        for t in index["tensors"]:
            dt = np.dtype(dtypes[t["dtype"]])
            n = int(np.prod(t["shape"], dtype=np.int64))
            a = raw[t["offset"]:t["offset"] + n * dt.itemsize].view(dt)
            if a.size != n:
                raise SystemExit(f"{case_dir}: tensor {t['name']} runs past the end of tensors.bin")
            self.tensors[t["name"]] = a.reshape(t["shape"]).copy()

    def prefixed(self, prefix):
        """The tensors named prefix + NAME, as {NAME: array}, in export order."""
        return {k[len(prefix):]: v for k, v in self.tensors.items() if k.startswith(prefix)}

    def cfg(self, key):
        if key not in self.config:
            raise SystemExit(f"export {self.case}: no config key {key!r}")
        return self.config[key]

    def require(self, key, *allowed):
        """Fails loudly when the export asks for something the replica does not implement."""
        v = self.cfg(key)
        if v not in allowed:
            raise SystemExit(f"export {self.case}: {key} = {v!r}; this replica implements only {allowed}")
        return v


def load_cases(export_dir, cases):
    return {c: Export(os.path.join(export_dir, c)) for c in cases}


def check_scalar(case, name, got, want, rtol=RTOL):
    """A check line: scaffold's value, the replica's, and whether they agree to rtol."""
    got = float(got.detach() if hasattr(got, "detach") else got)  # a torch tensor, a jax or numpy scalar
    rel = abs(got - want) / max(abs(want), 1e-30)
    return {"event": "check", "case": case, "name": name, "scaffold": want, "replica": got, "rel": rel,
            "tol": rtol, "ok": bool(rel <= rtol)}


def check_vector(case, name, got, want, rtol=RTOL):
    """Vectors (the hypergradient): ‖got − want‖ / ‖want‖ <= rtol."""
    got = np.asarray(got, dtype=np.float64).ravel()
    want = np.asarray(want, dtype=np.float64).ravel()
    rel = float(np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30))
    return {"event": "check", "case": case, "name": name, "scaffold": float(np.linalg.norm(want)),
            "replica": float(np.linalg.norm(got)), "rel": rel, "tol": rtol, "ok": bool(rel <= rtol)}


def median_ms(run, seconds):
    """Like sc_bench_time: one warm-up call, then calls until `seconds` have
    passed (at least 3); the median in milliseconds and the number of calls.
    run() must return only when its work is done (block_until_ready)."""
    run()
    ts = []
    start = time.perf_counter()
    while len(ts) < 3 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        run()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2] * 1e3, len(ts)


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def rss_growth_mib(run, steps):
    """Peak RSS growth over `steps` calls of run, in MiB: after a garbage
    collection and glibc's malloc_trim (setting up ran the pass once, for the
    checks, and freed memory would otherwise stay resident and hide what the
    pass needs), the process's peak RSS is reset (Linux: "5" to
    /proc/self/clear_refs); then VmHWM after the calls minus VmRSS before them. scaffold's
    `bench memory` measures the same way."""
    import ctypes
    import gc
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # freed heap back to the OS: the setup's steps do not hide the pass's
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = _status_kib("VmRSS")
    for _ in range(steps):
        run()
    return max(0, _status_kib("VmHWM") - before) / 1024.0


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def serve(framework, checks, timers, threads, notes=()):
    """The replica's side of the protocol. checks: check lines (already
    computed); timers: {case: [(label, pass, run)]}, label the framework column
    ("jax", "torch", "torch.compile"); notes: lines about variants left out.
    Prints the checks, exits 1 if one failed, else prints {"event": "ready"} and
    answers, one JSON object per line on stdin:
        {"cmd": "time", "case": C, "seconds": S}  ->  one {"event": "time", ...} per timer, then {"event": "done"}
        {"cmd": "memory", "case": C, "pass": P, "steps": K}
                                                   ->  {"event": "memory", "rss_growth_mib": M, ...}, {"event": "done"}
        {"cmd": "quit"}                            ->  exit 0"""
    for c in checks:
        c.setdefault("framework", framework)
        emit(c)
    for n in notes:
        emit(dict(n, event="note"))
    if not all(c["ok"] for c in checks):
        emit({"event": "failed", "framework": framework})
        sys.exit(1)
    emit({"event": "ready", "framework": framework})
    for line in sys.stdin:
        req = json.loads(line)
        if req["cmd"] == "quit":
            return
        if req["cmd"] == "memory":  # the main variant (jit / eager) of one pass, in a fresh worker
            for label, name, run in timers.get(req["case"], []):
                if label == framework.split()[0] and name == req["pass"]:
                    emit({"event": "memory", "framework": label, "case": req["case"], "pass": name,
                          "rss_growth_mib": rss_growth_mib(run, int(req["steps"])), "steps": int(req["steps"])})
            emit({"event": "done", "framework": framework})
            continue
        for label, name, run in timers.get(req["case"], []):
            try:
                ms, n = median_ms(run, float(req["seconds"]))
                emit({"event": "time", "framework": label, "case": req["case"], "pass": name, "ms": ms, "runs": n,
                      "threads": threads})
            except Exception as e:  # a variant failing at run time is reported, not fatal
                emit({"event": "time", "framework": label, "case": req["case"], "pass": name, "ms": None,
                      "error": f"{type(e).__name__}: {e}"[:300]})
        emit({"event": "done", "framework": framework})


def finish(framework, checks, timers, threads, check_only, notes=()):
    """--check-only: print the checks and exit (1 on a mismatch); else serve."""
    if check_only:
        for c in checks:
            c.setdefault("framework", framework)
            emit(c)
        for n in notes:
            emit(dict(n, event="note"))
        sys.exit(0 if all(c["ok"] for c in checks) else 1)
    serve(framework, checks, timers, threads, notes)


def parse_args(argv):
    import argparse
    p = argparse.ArgumentParser(description="a replica of scaffold's benchmark cases (scripts/bench/)")
    p.add_argument("--export", required=True, help="the folder `scaffold bench export --out` wrote")
    p.add_argument("--cases", default=",".join(CASES), help="comma-separated: block, meta, mid")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--check-only", action="store_true", help="print the checks and exit (non-zero on a mismatch)")
    p.add_argument("--no-compile", action="store_true", help="torch: eager only, no torch.compile variant")
    a = p.parse_args(argv)
    a.cases = [c for c in a.cases.split(",") if c]
    for c in a.cases:
        if c not in CASES:
            p.error(f"unknown case {c!r} (known: {', '.join(CASES)})")
    return a


def pin_threads(threads):
    """Before the framework is imported: every thread pool this process may
    start gets `threads` threads (OpenMP, MKL, OpenBLAS). XLA sizes its CPU pool
    from the CPUs the process may run on, which compare.py pins to `threads`;
    with one thread its Eigen pool is switched off too. (A value of XLA_FLAGS
    that does not start with "--" is read as a file name, so only real flags go
    there.)"""
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[k] = str(threads)
    flags = os.environ.get("XLA_FLAGS", "")
    eigen = "false" if threads == 1 else "true"
    os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_multi_thread_eigen={eigen}".strip()
