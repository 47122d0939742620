// controls.c — control explainers that carry no information about the example.
//
// random: softmax over the real units of N(0, 1) scores drawn from a fixed seed
// (the same scores at every call). permuted: row b is another example's
// explanation, row pi(b) of a->base (the teacher's explanations of the batch),
// for a fixed derangement pi (Sattolo's algorithm: one B-cycle, so no example
// keeps its own), re-masked to row b's units and renormalized (uniform over the
// real units if nothing is left). A batch of one cannot be deranged: uniform.
// rationale: the ground truth (a->gold), uniform over the gold units.

#include "explain/explainer.h"
#include "ops/ops.h"

typedef struct control_settings {
    uint64_t seed;  // of the random scores / of the derangement
} control_settings;

static sc_tensor *random_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    const sc_tensor *um = a->st->unit_mask;  // (B, U)
    sc_tensor *z = sc_empty(ctx, um->dtype, 2, um->shape);
    if (!z) return NULL;
    sc_rng r;
    sc_rng_seed(&r, ((const control_settings *)e->settings)->seed);
    for (int64_t i = 0; i < z->numel; i++) sc_tensor_set(z, i, sc_rng_normal(&r));
    return sc_explain_normalize(ctx, z, um, SC_NORM_SOFTMAX, 1.0);
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
    sc_rng_seed(&r, ((const control_settings *)e->settings)->seed);
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

// The task's ground-truth rationale (a->gold, 1 on gold units) as a distribution
// over the real units: uniform over the gold units, uniform over every real unit
// for an example without any gold unit. An upper-bound control for students.
static sc_tensor *rationale_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    (void)e;
    const sc_tensor *um = a->st->unit_mask, *gold = a->gold;  // (B, U) both
    if (!gold)
        return sc_fail(ctx, "explainer rationale: the task has no ground-truth rationales "
                            "(needs `rationales: tokens | pixels` in its task file)");
    if (!sc_same_shape(gold, um)) {
        char b1[64], b2[64];
        return sc_fail(ctx, "explainer rationale: gold %s does not fit the units %s", sc_shape_str(gold, b1, sizeof b1),
                       sc_shape_str(um, b2, sizeof b2));
    }
    int64_t B = um->shape[0], U = um->shape[1];
    sc_tensor *out = sc_empty(ctx, um->dtype, 2, um->shape);
    if (!out) return NULL;
    for (int64_t b = 0; b < B; b++) {
        double ng = 0, n = 0;
        for (int64_t u = 0; u < U; u++) {
            double m = sc_tensor_get(um, b * U + u) != 0;
            n += m;
            ng += m * (sc_tensor_get(gold, b * U + u) > 0);
        }
        for (int64_t u = 0; u < U; u++) {
            double m = sc_tensor_get(um, b * U + u) != 0, g = m * (sc_tensor_get(gold, b * U + u) > 0);
            sc_tensor_set(out, b * U + u, ng > 0 ? g / ng : (n > 0 ? m / n : 0));
        }
    }
    return out;
}

static int init_control(sc_explainer *e, const sc_model *m, sc_err *err) {
    (void)m;
    long seed;
    if (sc_config_long(&e->cfg, "seed", 0, 2147483647L, &seed, err)) return -1;
    ((control_settings *)e->settings)->seed = (uint64_t)seed;
    return 0;
}

static const sc_config_spec spec[] = {
    {"seed", "0", "seed of the random scores / of the derangement"},
    {NULL, NULL, NULL},
};

// The controls read nothing of the model but its unit mask (random), or what
// the caller passes besides it (permuted: a base explanation; rationale: gold).
const sc_explainer_def sc_explainer_random = {
    .name = "random", .summary = "control: softmax of fixed random scores", .spec = spec, .default_beta = 5.0,
    .flags = 0, .init = init_control, .explain = random_explain, .settings_size = sizeof(control_settings),
    .needs = 0};
const sc_explainer_def sc_explainer_permuted = {
    .name = "permuted", .summary = "control: another example's explanation (a fixed derangement of the batch)",
    .spec = spec, .default_beta = 5.0, .flags = 0, .init = init_control, .explain = permuted_explain,
    .settings_size = sizeof(control_settings), .needs = SC_EXPL_NEEDS_BASE};
const sc_explainer_def sc_explainer_rationale = {
    .name = "rationale", .summary = "control: the task's ground-truth rationale, uniform over gold units",
    .spec = spec, .default_beta = 5.0, .flags = 0, .init = init_control, .explain = rationale_explain,
    .settings_size = sizeof(control_settings), .needs = SC_EXPL_NEEDS_RATIONALE};
