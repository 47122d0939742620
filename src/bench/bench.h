// bench.h — benchmarks print ratios, not verdicts: throughput of scaffold's ops
// against raw BLIS on the same shapes, and step costs against a plain step.
#ifndef SC_BENCH_H
#define SC_BENCH_H

#include <stdio.h>

#include "core/clock.h"  // sc_now


// Runs fn(arg) until at least min_seconds have passed (and at least 3 times);
// returns the median seconds per call.
double sc_bench_time(void (*fn)(void *), void *arg, double min_seconds);

int sc_bench_engine(FILE *out, int quick);
int sc_bench_train(FILE *out, int quick);
int sc_bench_meta(FILE *out, int quick);

#endif
