// bench_time.c — `scaffold bench time`: scaffold's side of one interleaved
// round of the side-by-side comparison (scripts/bench/compare.py): each pass
// of a case timed for at least `seconds`, one JSON object per line, so the
// driver can alternate scaffold, JAX and PyTorch rounds on the same machine.
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/block.h"
#include "bench/meta_case.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"

static void print_pass(FILE *out, const char *case_name, const char *pass, double t, int threads, sc_blas_cost cost,
                       double fingerprint) {
    fprintf(out,
            "{\"framework\": \"scaffold\", \"case\": \"%s\", \"pass\": \"%s\", \"ms\": %.6g, \"threads\": %d, "
            "\"gflops\": %.4g, \"blas_share\": %.4g, \"fingerprint\": %.17g}\n",
            case_name, pass, t * 1e3, threads, cost.gflops, cost.share, fingerprint);
    fflush(out);
}

static int time_block(FILE *out, int threads, double seconds, sc_err *err) {
    static const char *const names[3] = {"forward", "forward+backward", "double-backward"};
    sc_ctx ctx;
    sc_bench_block b;
    double loss, gsq, hsq;
    if (sc_ctx_init(&ctx, 2048u << 20, 1, err)) return -1;
    if (sc_bench_block_init(&b, &ctx, err)) {
        sc_ctx_free(&ctx);
        return -1;
    }
    int rc = sc_bench_block_values(&b, &loss, &gsq, &hsq, err);
    for (int mode = 0; mode < 3 && !rc; mode++) {
        b.mode = (sc_block_mode)mode;
        double t = sc_bench_time(sc_bench_block_run, &b, seconds);
        sc_blas_cost cost = sc_blas_measure(sc_bench_block_run, &b, 3);
        if (ctx.failed) rc = sc_errf(err, "bench time block: %s", ctx.err.msg);
        else print_pass(out, "block", names[mode], t, threads, cost, loss);
    }
    sc_ctx_free(&ctx);  // first: the tape borrows the slab
    sc_bench_block_free(&b);
    return rc;
}

static int time_meta(FILE *out, const char *case_name, int threads, double seconds, sc_err *err) {
    static const char *const names[3] = {"plain", "explained", "meta-unrolled-1"};
    sc_meta_case *c = malloc(sizeof *c);
    if (!c) return sc_errf(err, "bench time: out of memory");
    if (sc_meta_case_open(c, case_name, err)) {
        free(c);
        return -1;
    }
    c->env->st.cfg.hg = sc_hg_default();  // unrolled-1, the paper's
    double fingerprint = sc_meta_case_plain_loss(c);
    int rc = 0;
    for (int p = 0; p < 3 && !rc; p++) {
        c->pass = (sc_meta_pass)p;
        double t = sc_bench_time(sc_meta_case_run, c, seconds);
        sc_blas_cost cost = sc_blas_measure(sc_meta_case_run, c, 3);
        if (c->env->ctx.failed) rc = sc_errf(err, "bench time %s: %s", case_name, c->env->ctx.err.msg);
        else print_pass(out, case_name, names[p], t, threads, cost, fingerprint);
    }
    sc_meta_case_close(c);
    free(c);
    return rc;
}

int sc_bench_time_case(FILE *out, const char *case_name, int threads, double seconds, sc_err *err) {
    if (!sc_bench_case_known(case_name))
        return sc_errf(err, "bench time: unknown case '%s' (known: block, meta, mid)", case_name);
    int saved = sc_get_threads();
    sc_set_threads(threads);
    int rc = !strcmp(case_name, "block") ? time_block(out, threads, seconds, err)
                                         : time_meta(out, case_name, threads, seconds, err);
    sc_set_threads(saved);
    return rc;
}
