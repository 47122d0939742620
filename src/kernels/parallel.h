// parallel.h — the threads of one run: BLIS's products and the largest
// elementwise kernels share one team.
//
// BLIS is Debian's OpenMP build, whose team of threads (libgomp's) is kept
// alive between calls. sc_parallel_for runs a kernel's loop on that same team,
// so a product and the elementwise work around it never compete for a core,
// and nothing starts a thread per call.
//
// Determinism: a kernel given to sc_parallel_for computes every element exactly
// as the serial loop would (no reduction is split across threads), and chunks
// start on multiples of SC_PARALLEL_ALIGN elements, so a vectorised loop
// assigns each element to the same SIMD lane or tail as the serial loop does.
// BLIS splits a product's rows and columns between threads, never its inner
// dimension. Hence: same seed, same numbers, at any thread count.
#ifndef SC_KERNELS_PARALLEL_H
#define SC_KERNELS_PARALLEL_H

#include <stdint.h>

#define SC_PARALLEL_ALIGN 64

// Threads used by BLIS and by sc_parallel_for from now on (clamped to >= 1).
void sc_set_threads(int nthreads);
int sc_get_threads(void);

// The threads a run uses. `asked` is a count, or 0 for "auto": every CPU this
// process may run on (its affinity mask: a Slurm job's --cpus-per-task, a
// taskset). SCAFFOLD_THREADS_PER_RUN, set by `scaffold run --jobs J` for its runs
// (the CPUs divided by J), caps both, so J runs never oversubscribe the machine.
// Only the speed depends on the result, never the numbers (see above).
int sc_threads_for_run(long asked);
// CPUs in this process's affinity mask (at least 1).
int sc_cpus_available(void);

// Below this many elements per thread, starting the team costs more than it saves
// (measured: scaffold bench engine, "parallel kernels").
#define SC_PARALLEL_MIN_ELEMENTS 16384

// Calls fn(ctx, lo, hi) over [0, n) split into at most sc_get_threads() chunks
// of at least min_chunk items each; fewer than 2 chunks run on the calling
// thread. fn must only write the outputs of items [lo, hi).
//   sc_parallel_for:  items are elements of a vectorised loop; chunks start on
//                     multiples of SC_PARALLEL_ALIGN.
//   sc_parallel_rows: items are rows (or other units) each computed whole by the
//                     same code, so any split gives the same numbers.
typedef void (*sc_range_fn)(void *ctx, int64_t lo, int64_t hi);
void sc_parallel_for(int64_t n, int64_t min_chunk, sc_range_fn fn, void *ctx);
void sc_parallel_rows(int64_t n, int64_t min_chunk, sc_range_fn fn, void *ctx);

// Rows needed for one chunk of about SC_PARALLEL_MIN_ELEMENTS elements when a row
// holds row_elems of them (at least 1).
int64_t sc_parallel_min_rows(int64_t row_elems);

#endif
