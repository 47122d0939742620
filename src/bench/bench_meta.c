// bench_meta.c — `scaffold bench meta`: what the SMaT meta step costs, as
// ratios of a plain student step, in time and in peak step-arena memory, with
// the GEMM throughput each step achieves and the share of it spent in BLIS.
//
// Setting: the "meta" case of bench/meta_case.h (synth-text batches, the
// default teacher and student transformers with attention explainers, the
// paper's student SGD and β = 5), 1 BLIS thread. Rows: the plain and the
// explained student step, then a meta step for each hypergradient method. The
// literature reports 2–3× a plain step for one unrolled step.
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/meta_case.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"

typedef struct row_cost {
    double t;       // median seconds per step
    size_t peak;    // peak arena growth of one step (bytes)
    double gflops;  // GEMM flops / step time
    double blas;    // share of the step inside BLIS
} row_cost;

static row_cost measure(sc_meta_case *c, int quick) {
    row_cost r;
    sc_ctx *ctx = &c->env->ctx;
    size_t base = ctx->arena.used;
    ctx->arena.peak = base;
    sc_meta_case_run(c);
    r.peak = ctx->arena.peak - base;
    r.t = sc_bench_time(sc_meta_case_run, c, quick ? 0.2 : 1.5);
    sc_blas_cost cost = sc_blas_measure(sc_meta_case_run, c, quick ? 2 : 5);
    r.gflops = cost.gflops, r.blas = cost.share;
    return r;
}

static void print_row(FILE *out, const char *name, const row_cost *r, const row_cost *plain) {
    fprintf(out, "  %-28s %10.2f %8.2f %12.1f %8.2f %8.2f %6.0f%%\n", name, r->t * 1e3, r->t / plain->t,
            r->peak / 1048576.0, (double)r->peak / (double)plain->peak, r->gflops, 100 * r->blas);
}

// Every registered method (unrolled at k = 1, the paper, and k = 3; J = 3 terms).
static int meta_rows(FILE *out, sc_meta_case *c, int quick, const row_cost *plain, sc_err *err) {
    sc_student *st = &c->env->st;
    c->pass = SC_META_STEP;
    for (int m = 0, row = 0; m < sc_hg_n_methods; m++) {
        const sc_hg_method_def *def = &sc_hg_methods[m];
        for (int k = 1; k <= 3; k += 2, row++) {
            if (k > 1 && !(def->flags & SC_HG_USES_UNROLL)) break;
            if (quick && row > 0) break;
            st->cfg.hg = sc_hg_default();
            st->cfg.hg.method = m;
            st->cfg.hg.unroll = k;
            st->cfg.hg.terms = 3;
            char name[64];
            if (def->flags & SC_HG_USES_UNROLL) snprintf(name, sizeof name, "meta: %s-%d%s", def->name, k, k == 1 ? " (paper)" : "");
            else if (def->flags & SC_HG_USES_TERMS) snprintf(name, sizeof name, "meta: %s J=3", def->name);
            else snprintf(name, sizeof name, "meta: %s", def->name);
            row_cost r = measure(c, quick);
            if (c->env->ctx.failed) return sc_errf(err, "%s: %s", name, c->env->ctx.err.msg);
            print_row(out, name, &r, plain);
        }
    }
    return 0;
}

int sc_bench_meta(FILE *out, int quick) {
    sc_err err;
    sc_meta_case *c = malloc(sizeof *c);  // holds batches and an optimizer: on the heap
    int saved = sc_get_threads(), rc = 1;
    sc_set_threads(1);
    if (!c) {
        fprintf(stderr, "bench meta: out of memory\n");
        return 1;
    }
    if (sc_meta_case_open(c, "meta", &err)) {
        fprintf(stderr, "bench meta: %s\n", err.msg);
        free(c);
        sc_set_threads(saved);
        return 1;
    }
    sc_student_env *env = c->env;
    fprintf(out, "== SMaT meta step vs a plain student step (synth-text, batch %zu, teacher transformer %lld params, "
                 "student transformer %lld params, 1 BLIS thread, BLIS kernels '%s')\n",
            c->n, (long long)sc_params_numel(&env->teacher.params), (long long)sc_params_numel(&env->student.params),
            sc_blas_kernels());
    fprintf(out, "  %-28s %10s %8s %12s %8s %8s %7s\n", "step", "ms", "x plain", "peak MiB", "x plain", "GFLOP/s",
            "BLIS");
    c->pass = SC_META_PLAIN;
    row_cost plain = measure(c, quick);
    print_row(out, "plain (no explanations)", &plain, &plain);
    c->pass = SC_META_EXPLAINED;
    row_cost r = measure(c, quick);
    print_row(out, "explained (beta 5)", &r, &plain);
    if (meta_rows(out, c, quick, &plain, &err)) {
        fprintf(stderr, "bench meta: %s\n", err.msg);
    } else {
        fprintf(out, "  (a training step with the meta step costs the explained step plus the meta step; GFLOP/s:\n"
                     "   GEMM flops per second of step time; BLIS: the share of the step inside BLIS calls)\n");
        rc = 0;
    }
    sc_meta_case_close(c);
    free(c);
    sc_set_threads(saved);
    return rc;
}
