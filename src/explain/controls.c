// controls.c — control explainers that carry no information about the example.
//
// random: softmax over the real units of N(0, 1) scores drawn from a fixed seed
// (the same scores at every call). permuted: row b is another example's
// explanation, row pi(b) of a->base (the teacher's explanations of the batch),
// for a fixed derangement pi (Sattolo's algorithm: one B-cycle, so no example
// keeps its own), re-masked to row b's units and renormalized (uniform over the
// real units if nothing is left). A batch of one cannot be deranged: uniform.

#include "explain/explainer.h"
#include "ops/ops.h"

static sc_tensor *random_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    const sc_tensor *um = a->st->unit_mask;  // (B, U)
    sc_tensor *z = sc_empty(ctx, um->dtype, 2, um->shape);
    if (!z) return NULL;
    sc_rng r;
    sc_rng_seed(&r, e->seed);
    for (int64_t i = 0; i < z->numel; i++) sc_tensor_set(z, i, sc_rng_normal(&r));
    return sc_explain_normalize(ctx, z, um, SC_NORM_SOFTMAX, e->temperature);
}

static sc_tensor *permuted_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    const sc_tensor *um = a->st->unit_mask, *base = a->base;  // (B, U) both
    if (!base || !sc_same_shape(base, um)) {
        char b1[64], b2[64];
        return sc_fail(ctx, "explainer permuted: needs a base explanation of shape %s, got %s",
                       sc_shape_str(um, b1, sizeof b1), base ? sc_shape_str(base, b2, sizeof b2) : "none");
    }
    int64_t B = um->shape[0], U = um->shape[1];
    int64_t *pi = sc_arena_alloc(&ctx->arena, (size_t)B * sizeof *pi, 8);
    sc_tensor *out = sc_empty(ctx, um->dtype, 2, um->shape);
    if (!pi || !out) return sc_fail(ctx, "explainer permuted: out of step memory");
    for (int64_t b = 0; b < B; b++) pi[b] = b;
    sc_rng r;
    sc_rng_seed(&r, e->seed);
    for (int64_t i = B - 1; i > 0; i--) {  // Sattolo: j < i, so the result is a single cycle
        int64_t j = (int64_t)sc_rng_below(&r, (uint64_t)i), t = pi[i];
        pi[i] = pi[j];
        pi[j] = t;
    }
    for (int64_t b = 0; b < B; b++) {
        double tot = 0, n = 0;
        for (int64_t u = 0; u < U; u++) {
            double m = sc_tensor_get(um, b * U + u) != 0;
            double v = B > 1 ? m * sc_tensor_get(base, pi[b] * U + u) : 0;
            sc_tensor_set(out, b * U + u, v);
            tot += v;
            n += m;
        }
        for (int64_t u = 0; u < U; u++) {
            double m = sc_tensor_get(um, b * U + u) != 0;
            double v = tot > 0 ? sc_tensor_get(out, b * U + u) / tot : (n > 0 ? m / n : 0);
            sc_tensor_set(out, b * U + u, v);
        }
    }
    return out;
}

static int init_control(sc_explainer *e, const sc_model *m, sc_err *err) {
    (void)m;
    long seed;
    if (sc_config_long(&e->cfg, "seed", 0, 2147483647L, &seed, err)) return -1;
    e->seed = (uint64_t)seed;
    e->temperature = 1.0;
    return 0;
}

static const sc_config_spec spec[] = {
    {"seed", "0", "seed of the random scores / of the derangement"},
    {NULL, NULL, NULL},
};

const sc_explainer_def sc_explainer_random = {"random", "control: softmax of fixed random scores", spec,
                                              init_control, random_explain};
const sc_explainer_def sc_explainer_permuted = {
    "permuted", "control: another example's explanation (a fixed derangement of the batch)", spec,
    init_control, permuted_explain};
