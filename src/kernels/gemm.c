#include "kernels/gemm.h"

#include "core/clock.h"
#include "kernels/gemm_direct.h"
#include "kernels/gemm_sup.h"
#include "kernels/parallel.h"

#include <blis-openmp/blis.h>  // Debian libblis-openmp-dev; see build.zig

#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>

// Which BLIS kernels run. BLIS 0.9 picks its sub-configuration from the CPU's
// vendor and family; a CPU it does not know (AMD Zen 4 and 5, or a VM that
// hides the model) gets 'generic': portable C kernels at ~1/5 of the speed
// (this machine, AMD EPYC with AVX-512: 38 GFLOP/s generic vs 210-228 skx on
// one thread, sgemm 800x64x192 to 1024^3). Every CPU with AVX-512 F/DQ/BW/VL
// runs the skx kernels, so such a CPU gets skx; one BLIS would pick right
// anyway (Intel Skylake-X and later) is unaffected. BLIS reads BLIS_ARCH_TYPE
// (the sub-configuration's number in this build's arch_t) once, at its first
// call: hence a constructor, before main. A BLIS_ARCH_TYPE already set (the
// memcheck pass picks kernels valgrind can decode) wins.
// BLIS checks every call's arguments (object equality, strides, sizes): ~3%
// of a small training step (perf, bench time --case meta). The wrappers below
// already hand it only consistent shapes and canonical strides (canon), so the
// checks are switched off. The level is per thread in BLIS 0.9: the calling
// thread here, and each thread that runs a batch (batch_range).
static void checks_off(void) { bli_error_checking_level_set(BLIS_NO_ERROR_CHECKING); }

// AVX-512 F, DQ, BW and VL (CPUID leaf 7: EBX bits 16, 17, 30, 31), and the
// OS saving the AVX-512 state (XCR0 bits 1, 2 and 5-7). Read directly:
// __builtin_cpu_supports reports no AVX-512 in Zig's runtime.
static int has_avx512_skx(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;  // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0xe6u) != 0xe6u) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    unsigned need = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);
    return (b & need) == need;
}

__attribute__((constructor)) static void sc_blas_pick_kernels(void) {
    checks_off();
    if (getenv("BLIS_ARCH_TYPE") || !has_avx512_skx()) return;
    char id[16];
    snprintf(id, sizeof id, "%d", (int)BLIS_ARCH_SKX);
    setenv("BLIS_ARCH_TYPE", id, 0);
}

const char *sc_blas_kernels(void) { return bli_arch_string(bli_arch_query_id()); }

// BLIS rejects k == 0 products in some configurations; the mathematically right
// answer is C = beta * C, which we do by hand so callers need no special case.
static void scale_c_f32(int64_t m, int64_t n, float beta, float *c, int64_t rsc, int64_t csc) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            float *p = c + i * rsc + j * csc;
            *p = beta == 0.0f ? 0.0f : beta * *p;
        }
}

static void scale_c_f64(int64_t m, int64_t n, double beta, double *c, int64_t rsc, int64_t csc) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double *p = c + i * rsc + j * csc;
            *p = beta == 0.0 ? 0.0 : beta * *p;
        }
}

// BLIS validates strides even along a dimension of size 1, where they are
// meaningless; give such a dimension the stride a contiguous layout would have.
static void canon(int64_t rows, int64_t cols, int64_t *rs, int64_t *cs) {
    if (rows == 1) *rs = cols * (*cs ? *cs : 1);
    if (cols == 1) *cs = 1;
    if (rows == 1 && cols == 1) *rs = *cs = 1;
}

// Optional accounting of the time spent inside BLIS and of the products' flops
// (`scaffold bench train` and `bench meta` report the share of step time and
// the GFLOP/s a step achieves). Off by default: two clock reads a call.
static int prof_on;
static double prof_seconds, prof_flops;

void sc_blas_profile(int on) { prof_on = on; }
double sc_blas_seconds(void) { return prof_seconds; }
double sc_blas_flops(void) { return prof_flops; }
void sc_blas_profile_reset(void) { prof_seconds = prof_flops = 0; }

// A product this small runs on the calling thread: splitting it costs more in
// BLIS's barriers than the second core gives back (scaffold bench engine,
// "2 threads"). The numbers are the same either way (BLIS splits m and n only).
static const double small_flops = 1 << 21;
static int small_product(int64_t m, int64_t n, int64_t k) { return 2.0 * (double)m * (double)n * (double)k < small_flops; }
// Below this many multiply-adds a product goes straight to BLIS's micro-kernel
// (gemm_direct.h): the same bits without the 3-4 µs of a BLIS call (`scaffold
// bench engine`, "small products"; at 64^3 the two cost the same).
static int direct_product(int64_t m, int64_t n, int64_t k) { return (double)m * (double)n * (double)k < 65536.0; }
static rntm_t *serial_rntm(rntm_t *r) {
    bli_rntm_set_num_threads(1, r);
    return r;
}

// A column-stored B (B = Wᵀ of a row-major W, in every dense layer's input
// gradient g Wᵀ, and attention's Q Kᵀ) is copied to rows before an f32 product
// of m >= 8 rows. BLIS picks its small-product kernels by the operands' storage:
// for such a B it takes dot-product kernels, each C element eight interleaved
// partial sums reduced at the end, which on AVX2 CPUs run at half the speed of
// its row kernels (800 x 32 x 32: 80 against 38 µs, `scaffold bench engine`).
// The copy costs k * n loads and stores, repaid from m = 8 rows on; it took
// 7.5-11% off the SMaT meta step (results/reference/bench-compare/
// b-to-rows-experiment.txt). The row kernels sum each element in k order, so
// the copy decides the bits: sc_sgemm's numbers are BLIS's on (A, B by rows).
// The copy lives on the stack up to b_rows_stack floats, else on the heap; if
// that allocation fails, B is used as stored (the same product, other rounding).
enum { b_rows_stack = 8192 };
static const float *b_by_rows(int64_t m, int64_t n, int64_t k, const float *b, int64_t *rsb, int64_t *csb,
                              float *stack, float **heap) {
    *heap = NULL;
    if (m < 8 || *rsb != 1 || *csb == 1 || n < 2 || k < 2) return b;
    float *dst = stack;
    if (n * k > b_rows_stack && !(dst = *heap = malloc(sizeof(float) * (size_t)(n * k)))) return b;
    for (int64_t j = 0; j < n; j++) {  // column j of B (contiguous in k) to column j of the (k, n) copy
        const float *src = b + j * *csb;
        for (int64_t kk = 0; kk < k; kk++) dst[kk * n + j] = src[kk];
    }
    *rsb = n, *csb = 1;
    return dst;
}

// A product on the calling thread, by the cheapest path that gives BLIS's
// bits: its micro-kernel on panels packed here (gemm_direct.h), its
// small-product kernels called here (gemm_sup.h), or a BLIS call.
static void sgemm_serial(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa,
                         const float *b, int64_t rsb, int64_t csb, float beta, float *c, int64_t rsc, int64_t csc) {
    if (direct_product(m, n, k) && !sc_sgemm_direct(m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc))
        return;
    if (!sc_sgemm_sup(m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc)) return;
    rntm_t serial = BLIS_RNTM_INITIALIZER;
    bli_rntm_set_num_threads(1, &serial);
    bli_sgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, (dim_t)m, (dim_t)n, (dim_t)k, &alpha, (float *)a, (inc_t)rsa,
                 (inc_t)csa, (float *)b, (inc_t)rsb, (inc_t)csb, &beta, c, (inc_t)rsc, (inc_t)csc, NULL, &serial);
}

void sc_sgemm(int64_t m, int64_t n, int64_t k, float alpha,
              const float *a, int64_t rsa, int64_t csa,
              const float *b, int64_t rsb, int64_t csb, float beta,
              float *c, int64_t rsc, int64_t csc) {
    if (m == 0 || n == 0) return;
    if (k == 0) { scale_c_f32(m, n, beta, c, rsc, csc); return; }
    canon(m, k, &rsa, &csa);
    canon(k, n, &rsb, &csb);
    canon(m, n, &rsc, &csc);
    double t0 = prof_on ? sc_now() : 0;
    float stack[b_rows_stack], *heap;
    b = b_by_rows(m, n, k, b, &rsb, &csb, stack, &heap);
    if (small_product(m, n, k))
        sgemm_serial(m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc);
    else
        bli_sgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, (dim_t)m, (dim_t)n, (dim_t)k, &alpha, (float *)a,
                     (inc_t)rsa, (inc_t)csa, (float *)b, (inc_t)rsb, (inc_t)csb, &beta, c, (inc_t)rsc, (inc_t)csc,
                     NULL, NULL);
    free(heap);
    if (prof_on) {
        prof_seconds += sc_now() - t0;
        prof_flops += 2.0 * (double)m * (double)n * (double)k;
    }
}

void sc_dgemm(int64_t m, int64_t n, int64_t k, double alpha,
              const double *a, int64_t rsa, int64_t csa,
              const double *b, int64_t rsb, int64_t csb, double beta,
              double *c, int64_t rsc, int64_t csc) {
    if (m == 0 || n == 0) return;
    if (k == 0) { scale_c_f64(m, n, beta, c, rsc, csc); return; }
    canon(m, k, &rsa, &csa);
    canon(k, n, &rsb, &csb);
    canon(m, n, &rsc, &csc);
    double t0 = prof_on ? sc_now() : 0;
    rntm_t serial = BLIS_RNTM_INITIALIZER, *rntm = small_product(m, n, k) ? serial_rntm(&serial) : NULL;
    bli_dgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, (dim_t)m, (dim_t)n, (dim_t)k, &alpha,
                 (double *)a, (inc_t)rsa, (inc_t)csa, (double *)b, (inc_t)rsb, (inc_t)csb, &beta,
                 c, (inc_t)rsc, (inc_t)csc, NULL, rntm);
    if (prof_on) {
        prof_seconds += sc_now() - t0;
        prof_flops += 2.0 * (double)m * (double)n * (double)k;
    }
}

// BLIS keeps packing-buffer pools for the life of the process; freeing them at
// exit keeps leak checkers quiet about memory that is really still owned.
// Each product of a batch whole on one thread: many small products (attention's
// per-head (T, T) and (T, d) ones) split across threads by product instead of
// inside each, where BLIS's barriers would dominate.
typedef struct {
    int f64;
    int64_t m, n, k, rsa, csa, rsb, csb, rsc, csc, oc_step;
    const void *a, *b;
    void *c;
    const int64_t *oa, *ob;
} batch_job;

static void batch_range(void *p, int64_t lo, int64_t hi) {
    const batch_job *j = p;
    checks_off();
    rntm_t serial = BLIS_RNTM_INITIALIZER;
    bli_rntm_set_num_threads(1, &serial);
    for (int64_t i = lo; i < hi; i++) {
        if (j->f64) {
            double one = 1, zero = 0;
            bli_dgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, (dim_t)j->m, (dim_t)j->n, (dim_t)j->k, &one,
                         (double *)j->a + j->oa[i], (inc_t)j->rsa, (inc_t)j->csa, (double *)j->b + j->ob[i],
                         (inc_t)j->rsb, (inc_t)j->csb, &zero, (double *)j->c + i * j->oc_step, (inc_t)j->rsc,
                         (inc_t)j->csc, NULL, &serial);
        } else {
            float stack[b_rows_stack], *heap;
            int64_t rsb = j->rsb, csb = j->csb;
            const float *b = b_by_rows(j->m, j->n, j->k, (const float *)j->b + j->ob[i], &rsb, &csb, stack, &heap);
            sgemm_serial(j->m, j->n, j->k, 1.0f, (const float *)j->a + j->oa[i], j->rsa, j->csa, b, rsb, csb, 0.0f,
                         (float *)j->c + i * j->oc_step, j->rsc, j->csc);
            free(heap);
        }
    }
}

void sc_gemm_batch(int f64, int64_t batches, int64_t m, int64_t n, int64_t k, const void *a, const int64_t *oa,
                   int64_t rsa, int64_t csa, const void *b, const int64_t *ob, int64_t rsb, int64_t csb, void *c) {
    if (batches <= 0 || m == 0 || n == 0) return;
    if (k == 0 || batches == 1 || sc_get_threads() == 1 || !small_product(m, n, k)) {
        for (int64_t i = 0; i < batches; i++) {
            if (f64)
                sc_dgemm(m, n, k, 1.0, (const double *)a + oa[i], rsa, csa, (const double *)b + ob[i], rsb, csb, 0.0,
                         (double *)c + i * m * n, n, 1);
            else
                sc_sgemm(m, n, k, 1.0f, (const float *)a + oa[i], rsa, csa, (const float *)b + ob[i], rsb, csb,
                         0.0f, (float *)c + i * m * n, n, 1);
        }
        return;
    }
    batch_job j = {f64, m, n, k, rsa, csa, rsb, csb, n, 1, m * n, a, b, c, oa, ob};
    canon(m, k, &j.rsa, &j.csa);
    canon(k, n, &j.rsb, &j.csb);
    canon(m, n, &j.rsc, &j.csc);
    double t0 = prof_on ? sc_now() : 0;
    sc_parallel_rows(batches, 1, batch_range, &j);
    if (prof_on) {
        prof_seconds += sc_now() - t0;
        prof_flops += 2.0 * (double)m * (double)n * (double)k * (double)batches;
    }
}

void sc_blas_finalize(void) { bli_finalize(); }
