// bench.h — benchmarks print ratios, not verdicts: throughput of scaffold's ops
// against raw BLIS on the same shapes, and step costs against a plain step.
#ifndef SC_BENCH_H
#define SC_BENCH_H

#include <stdio.h>

#include "core/clock.h"  // sc_now
#include "core/err.h"

// Runs fn(arg) until at least min_seconds have passed (and at least 3 times);
// returns the median seconds per call.
double sc_bench_time(void (*fn)(void *), void *arg, double min_seconds);

// What a step does with BLIS, from `reps` more calls with accounting on:
// GEMM flops per second of step time, and the share of step time inside BLIS.
typedef struct sc_blas_cost {
    double gflops, share;
} sc_blas_cost;
sc_blas_cost sc_blas_measure(void (*fn)(void *), void *arg, int reps);

int sc_bench_engine(FILE *out, int quick);
int sc_bench_train(FILE *out, int quick);
int sc_bench_meta(FILE *out, int quick);
int sc_bench_active(FILE *out, int quick);  // K-center greedy on 10^4-10^5 points (bench_active.c)

// The side-by-side comparison with JAX and PyTorch (scripts/bench-compare.sh).
// Cases: "block" (bench/block.h), "meta" and "mid" (bench/meta_case.h).
extern const char *const sc_bench_cases[];  // NULL-terminated
int sc_bench_case_known(const char *name);

// Writes DIR/CASE/{tensors.bin, index.json} (bench/export.h) for one case, or
// every case for "all": inputs, parameters, configuration, and the values
// scaffold computes on them, which a replica must reproduce. Progress lines on
// log (may be NULL). 0, or -1 with err.
int sc_bench_export(const char *dir, const char *case_name, FILE *log, sc_err *err);

// Times scaffold on one case with `threads` BLIS threads, each pass for at
// least `seconds`, and prints one JSON object per pass on out:
//   {"framework": "scaffold", "case": C, "pass": P, "ms": median, "runs": N, "threads": T,
//    "gflops": G, "blas_share": S, "fingerprint": V}
// V is the case's first check value (as exported), so a driver can tell that
// this process built the same inputs as the export. 0, or -1 with err.
int sc_bench_time_case(FILE *out, const char *case_name, int threads, double seconds, sc_err *err);

// Peak resident memory one pass needs: sets the case up, resets the process's
// peak RSS, runs the pass `steps` times and prints
//   {"framework": "scaffold", "case": C, "pass": P, "rss_growth_mib": M, "steps": K, "threads": T}
// M = peak RSS during the passes minus the RSS before them, in MiB. Passes:
// forward, forward+backward, double-backward (block); plain, explained,
// meta-unrolled-1 (meta, mid). Linux only (/proc/self/clear_refs). 0, or -1 with err.
int sc_bench_memory_case(FILE *out, const char *case_name, const char *pass, int threads, int steps, sc_err *err);

#endif
