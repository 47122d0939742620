#include <stdlib.h>

#include "bench/bench.h"
#include "kernels/gemm.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double sc_bench_time(void (*fn)(void *), void *arg, double min_seconds) {
    enum { MAX_RUNS = 1000 };
    double t[MAX_RUNS];
    int n = 0;
    fn(arg);  // warm-up: page faults, BLIS pack buffers
    double start = sc_now();
    while (n < MAX_RUNS && (n < 3 || sc_now() - start < min_seconds)) {
        double t0 = sc_now();
        fn(arg);
        t[n++] = sc_now() - t0;
    }
    qsort(t, (size_t)n, sizeof t[0], cmp_double);
    return t[n / 2];
}

sc_blas_cost sc_blas_measure(void (*fn)(void *), void *arg, int reps) {
    sc_blas_profile_reset();
    sc_blas_profile(1);
    double t0 = sc_now();
    for (int r = 0; r < reps; r++) fn(arg);
    double total = sc_now() - t0;
    sc_blas_profile(0);
    sc_blas_cost c = {.gflops = total > 0 ? sc_blas_flops() / total * 1e-9 : 0,
                      .share = total > 0 ? sc_blas_seconds() / total : 0};
    return c;
}
