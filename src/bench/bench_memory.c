// bench_memory.c — `scaffold bench memory`: how much resident memory one pass
// of a side-by-side case needs beyond what the process holds once the case is
// set up (scripts/bench/compare.py runs the same measurement in the JAX and
// PyTorch replicas). Linux resets a process's peak RSS when "5" is written to
// /proc/self/clear_refs; the growth is then the peak (VmHWM) after `steps`
// passes minus the resident size (VmRSS) before them. Setting a case up runs
// its steps once (the values a replica must reproduce), so the step arena's
// pages are first given back to the OS: the growth is what the passes touch.
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/block.h"
#include "bench/meta_case.h"
#include "core/rss.h"
#include "kernels/parallel.h"

static const char *const block_passes[] = {"forward", "forward+backward", "double-backward", NULL};
static const char *const meta_passes[] = {"plain", "explained", "meta-unrolled-1", NULL};

static int reset_peak(sc_err *err) {
    malloc_trim(0);  // freed heap (BLIS's, the setup's) back to the OS, as the replicas do
    return !sc_rss_reset_peak() ? 0 : sc_errf(err, "bench memory: cannot reset the peak RSS (/proc/self/clear_refs): Linux 4.0 or later needed");
}

// Runs fn(arg) `steps` times and returns the peak RSS growth in MiB (< 0 on error).
static double growth_mib(void (*fn)(void *), void *arg, int steps, sc_err *err) {
    if (reset_peak(err)) return -1;
    long before = sc_rss_kib("VmRSS");
    for (int i = 0; i < steps; i++) fn(arg);
    long peak = sc_rss_kib("VmHWM");
    if (before < 0 || peak < 0) return sc_errf(err, "bench memory: cannot read /proc/self/status"), -1;
    return (double)(peak > before ? peak - before : 0) / 1024.0;
}

static int pass_index(const char *const *names, const char *pass) {
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], pass)) return i;
    return -1;
}

static int block_memory(int p, int steps, double *mib, sc_err *err) {
    sc_ctx ctx;
    sc_bench_block b;
    if (sc_ctx_init(&ctx, 2048u << 20, 1, err)) return -1;
    if (sc_bench_block_init(&b, &ctx, err)) {
        sc_ctx_free(&ctx);
        return -1;
    }
    b.mode = (sc_block_mode)p;
    sc_arena_release(&ctx.arena);  // the setup's pages: the passes must touch their own
    *mib = growth_mib(sc_bench_block_run, &b, steps, err);
    int rc = *mib < 0 ? -1 : ctx.failed ? sc_errf(err, "bench memory block: %s", ctx.err.msg) : 0;
    sc_ctx_free(&ctx);
    sc_bench_block_free(&b);
    return rc;
}

static int meta_memory(const char *case_name, int p, int steps, double *mib, sc_err *err) {
    sc_meta_case *c = malloc(sizeof *c);
    if (!c) return sc_errf(err, "bench memory: out of memory");
    if (sc_meta_case_open(c, case_name, err)) {
        free(c);
        return -1;
    }
    c->env->st.cfg.hg = sc_hg_default();
    c->pass = (sc_meta_pass)p;
    sc_arena_release(&c->env->ctx.arena);  // opening the case ran steps: give their pages back
    *mib = growth_mib(sc_meta_case_run, c, steps, err);
    int rc = *mib < 0 ? -1 : c->env->ctx.failed ? sc_errf(err, "bench memory %s: %s", case_name, c->env->ctx.err.msg) : 0;
    sc_meta_case_close(c);
    free(c);
    return rc;
}

int sc_bench_memory_case(FILE *out, const char *case_name, const char *pass, int threads, int steps, sc_err *err) {
    if (!sc_bench_case_known(case_name))
        return sc_errf(err, "bench memory: unknown case '%s' (known: block, meta, mid)", case_name);
    int block = !strcmp(case_name, "block");
    const char *const *names = block ? block_passes : meta_passes;
    int p = pass_index(names, pass);
    if (p < 0)
        return sc_errf(err, "bench memory: case '%s' has no pass '%s' (its passes: %s, %s, %s)", case_name, pass,
                       names[0], names[1], names[2]);
    int saved = sc_get_threads();
    sc_set_threads(threads);
    double mib = 0;
    int rc = block ? block_memory(p, steps, &mib, err) : meta_memory(case_name, p, steps, &mib, err);
    sc_set_threads(saved);
    if (!rc)
        fprintf(out, "{\"framework\": \"scaffold\", \"case\": \"%s\", \"pass\": \"%s\", \"rss_growth_mib\": %.4g, "
                     "\"steps\": %d, \"threads\": %d}\n", case_name, pass, mib, steps, threads);
    return rc;
}
