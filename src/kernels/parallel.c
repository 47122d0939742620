#define _GNU_SOURCE  // sched_getaffinity, CPU_COUNT
#include "kernels/parallel.h"

#include <sched.h>
#include <stdlib.h>

#include <blis-openmp/blis.h>  // Debian libblis-openmp-dev; see build.zig
#include <omp.h>               // libgomp's, found by build.zig

// libgomp's entry point for a parallel region: what GCC emits for
// `#pragma omp parallel num_threads(n)` (libgomp manual, "The libgomp ABI").
// Zig's clang emits only LLVM's __kmpc calls, which libgomp does not provide,
// so the region is entered by hand; fn runs on every thread of the team, the
// calling thread included, and the call returns when all have finished.
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);

static int n_threads = 1;

void sc_set_threads(int nthreads) {
    n_threads = nthreads < 1 ? 1 : nthreads;
    bli_thread_set_num_threads(n_threads);
}

int sc_get_threads(void) { return n_threads; }

int sc_cpus_available(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set)) return 1;
    int n = CPU_COUNT(&set);
    return n < 1 ? 1 : n;
}

int sc_threads_for_run(long asked) {
    long n = asked > 0 ? asked : sc_cpus_available();
    const char *env = getenv("SCAFFOLD_THREADS_PER_RUN");
    if (env && *env) {
        char *end;
        long cap = strtol(env, &end, 10);
        if (!*end && cap >= 1 && cap < n) n = cap;
    }
    return (int)n;
}

typedef struct {
    sc_range_fn fn;
    void *ctx;
    int64_t n, chunk;
} region;

// libgomp may give a team smaller than asked for (OMP_THREAD_LIMIT, nesting), so
// each thread takes every team-size-th chunk rather than assuming one chunk each.
static void run_chunks(void *data) {
    const region *r = data;
    int64_t step = omp_get_num_threads();
    for (int64_t lo = omp_get_thread_num() * r->chunk; lo < r->n; lo += step * r->chunk)
        r->fn(r->ctx, lo, lo + r->chunk < r->n ? lo + r->chunk : r->n);
}

static void split(int64_t n, int64_t min_chunk, int64_t align, sc_range_fn fn, void *ctx) {
    if (n <= 0) return;
    if (min_chunk < align) min_chunk = align;
    int64_t parts = n / min_chunk;
    if (parts > n_threads) parts = n_threads;
    if (parts < 2) {
        fn(ctx, 0, n);
        return;
    }
    // Equal chunks rounded up to the alignment; the last one takes the rest.
    int64_t chunk = (n + parts - 1) / parts;
    chunk = (chunk + align - 1) / align * align;
    region r = {fn, ctx, n, chunk};
    GOMP_parallel(run_chunks, &r, (unsigned)parts, 0);
}

void sc_parallel_for(int64_t n, int64_t min_chunk, sc_range_fn fn, void *ctx) {
    split(n, min_chunk, SC_PARALLEL_ALIGN, fn, ctx);
}

void sc_parallel_rows(int64_t n, int64_t min_chunk, sc_range_fn fn, void *ctx) { split(n, min_chunk, 1, fn, ctx); }

int64_t sc_parallel_min_rows(int64_t row_elems) {
    return row_elems >= SC_PARALLEL_MIN_ELEMENTS ? 1 : SC_PARALLEL_MIN_ELEMENTS / (row_elems > 0 ? row_elems : 1);
}
