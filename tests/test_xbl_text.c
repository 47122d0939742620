// Explanation-based learning on text: the token losses (explain/xbl_losses.c)
// — the 1-D distance map against brute force, loss values where the answer is
// known, and the chain embedding table -> gathered token embeddings -> model ->
// input gradient (create_graph) -> token loss differentiated in the parameters,
// first order against central differences and second order (Hessian-vector
// products) against differences of gradients, in f64 — and the synth-text
// generator's decoy options (data/synth_text.c): the decoy agrees with the label
// outside test and not in it, the masks are disjoint, bad options are refused.
#include "sc_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "explain/xbl_losses.h"
#include "ops/ops.h"

// ---- the token distance map -------------------------------------------------------------

static void test_distance_map_1d_matches_brute_force(void **state) {
    (void)state;
    sc_rng rng;
    sc_rng_seed(&rng, 3);
    uint8_t m[40];
    float got[40];
    for (int trial = 0; trial < 400; trial++) {
        int64_t n = 1 + trial % 40;
        double p = trial % 3 == 0 ? 0.05 : 0.3;
        int any = 0;
        for (int64_t i = 0; i < n; i++) any |= (m[i] = sc_rng_uniform(&rng) < p);
        sc_xbl_distance_map_1d(m, n, got);
        for (int64_t i = 0; i < n; i++) {
            int64_t best = -1;
            for (int64_t j = 0; j < n; j++)
                if (m[j] && (best < 0 || llabs(i - j) < best)) best = llabs(i - j);
            double want = any ? (double)best / (double)n : 0;
            if (fabs(got[i] - want) > 1e-7)
                fail_msg("n %lld word %lld: %.7f, brute force %.7f", (long long)n, (long long)i, got[i], want);
        }
    }
    const uint8_t obj[5] = {0, 0, 1, 0, 0};  // a worked case: 2/5, 1/5, 0, 1/5, 2/5
    sc_xbl_distance_map_1d(obj, 5, got);
    assert_true(fabs(got[0] - 0.4) < 1e-7 && fabs(got[3] - 0.2) < 1e-7 && got[2] == 0);
}

// ---- loss values --------------------------------------------------------------------------

static void test_token_loss_values(void **state) {
    sc_ctx *ctx = *state;
    // g (2, 3, 2): token saliencies (sum of squares): ex 0: 5, 25, 1; ex 1: 4, 0, 9.
    const double g[12] = {1, 2, 3, 4, 1, 0, 2, 0, 0, 0, 3, 0};
    const double wrong[6] = {0, 1, 0, 1, 0, 1}, units[6] = {1, 1, 1, 0, 1, 1};
    const int64_t gs[3] = {2, 3, 2}, ms[2] = {2, 3};
    sc_tensor *G = sc_from_f64(ctx, SC_F64, 3, gs, g), *A = sc_from_f64(ctx, SC_F64, 2, ms, wrong);
    sc_tensor *U = sc_from_f64(ctx, SC_F64, 2, ms, units);
    // rrr: ex 0 keeps token 1 (25); ex 1 keeps token 2 (9; token 0 is no unit): mean 17.
    sc_tensor *l = sc_xbl_rrr_token_loss(ctx, G, A, U);
    assert_non_null(l);
    assert_true(fabs(sc_tensor_get(l, 0) - 17.0) < 1e-12);
    // distance with D = (0, 0.5, 1 | 0.25, 0, 0.5): ex 0 (12.5 + 1) / 31, ex 1 4.5 / 9.
    const double dist[6] = {0, 0.5, 1, 0.25, 0, 0.5};
    l = sc_xbl_distance_token_loss(ctx, G, sc_from_f64(ctx, SC_F64, 2, ms, dist), U);
    assert_non_null(l);
    assert_true(fabs(sc_tensor_get(l, 0) - (13.5 / 31 + 0.5) / 2) < 1e-12);
    // Shapes that do not fit are named.
    assert_null(sc_xbl_rrr_token_loss(ctx, G, sc_from_f64(ctx, SC_F64, 3, gs, g), NULL));
    if (!strstr(ctx->err.msg, "xbl rrr token loss: gradient (2, 3, 2) f64 must be (B, T, E) and the map"))
        fail_msg("%s", ctx->err.msg);
}

// ---- the chain, differentiated ------------------------------------------------------------

enum { B = 2, T = 5, E = 3, V = 6, HID = 4, K = 2 };
enum { NT = V * E, N1 = T * E * HID, N2 = HID * K, P = NT + N1 + N2 };
static double TAB[NT], W1[N1], W2[N2], MAP[B * T], UNITS[B * T];
static const int32_t IDS[B * T] = {2, 3, 4, 5, 0, 2, 5, 5, 3, 4};  // [CLS] = 2, one padding (0)
static const int32_t Y[B] = {1, 0};

typedef struct {
    int loss;  // 0 rrr, 1 distance
    sc_xbl_target target;
} chain;

// logits = tanh(flat(table[ids]) W1) W2; g = dS/d(table[ids]) with create_graph.
static sc_tensor *chain_loss(sc_ctx *ctx, const chain *c, sc_tensor *const *w) {
    sc_tensor *ids = sc_empty(ctx, SC_I32, 2, (int64_t[]){B, T});
    memcpy(ids->data, IDS, sizeof IDS);
    sc_tensor *x = sc_gather_rows(ctx, w[0], ids);  // (B, T, E), not a leaf: the table's rows
    sc_tensor *flat = sc_reshape(ctx, x, 2, (int64_t[]){B, T * E});
    sc_tensor *logits = sc_matmul(ctx, sc_tanh(ctx, sc_matmul(ctx, flat, w[1])), w[2]);
    sc_tensor *y = sc_empty(ctx, SC_I32, 1, (int64_t[]){B});
    memcpy(y->data, Y, sizeof Y);
    sc_tensor *g = sc_xbl_input_gradient(ctx, logits, x, c->target, y, 1);
    sc_tensor *map = sc_from_f64(ctx, SC_F64, 2, (int64_t[]){B, T}, MAP);
    sc_tensor *units = sc_from_f64(ctx, SC_F64, 2, (int64_t[]){B, T}, UNITS);
    return c->loss ? sc_xbl_distance_token_loss(ctx, g, map, units) : sc_xbl_rrr_token_loss(ctx, g, map, units);
}

static void params(sc_ctx *ctx, sc_tensor **w) {
    w[0] = sc_from_f64(ctx, SC_F64, 2, (int64_t[]){V, E}, TAB);
    w[1] = sc_from_f64(ctx, SC_F64, 2, (int64_t[]){T * E, HID}, W1);
    w[2] = sc_from_f64(ctx, SC_F64, 2, (int64_t[]){HID, K}, W2);
    w[0]->requires_grad = w[1]->requires_grad = w[2]->requires_grad = 1;
}

static double *param(int64_t i) { return i < NT ? &TAB[i] : i < NT + N1 ? &W1[i - NT] : &W2[i - NT - N1]; }

static double loss_at(sc_ctx *ctx, const chain *c) {
    sc_ctx_reset(ctx);
    sc_tensor *w[3];
    params(ctx, w);
    sc_tensor *l = chain_loss(ctx, c, w);
    assert_non_null(l);
    return sc_tensor_get(l, 0);
}

// The gradient, or with v the Hessian-vector product, into out (P).
static void grad_at(sc_ctx *ctx, const chain *c, const double *v, double *out) {
    sc_ctx_reset(ctx);
    sc_tensor *w[3];
    params(ctx, w);
    sc_tensor *l = chain_loss(ctx, c, w);
    sc_tensor **g = sc_grad(ctx, &l, 1, w, 3, NULL, v != NULL);
    assert_non_null(g);
    if (v) {
        sc_tensor *dot = NULL;
        for (int k = 0, off = 0; k < 3; off += (int)w[k]->numel, k++) {
            sc_tensor *d = sc_sum_all(ctx, sc_mul(ctx, g[k], sc_from_f64(ctx, SC_F64, 2, w[k]->shape, v + off)));
            dot = dot ? sc_add(ctx, dot, d) : d;
        }
        g = sc_grad(ctx, &dot, 1, w, 3, NULL, 0);
        assert_non_null(g);
    }
    for (int k = 0, off = 0; k < 3; off += (int)w[k]->numel, k++)
        for (int64_t i = 0; i < w[k]->numel; i++) out[off + i] = sc_tensor_get(g[k], i);
}

static void check_chain(sc_ctx *ctx, const chain *c, const double *v) {
    double grad[P], hv[P], gp[P], gm[P], worst = 0, h = 1e-6;
    grad_at(ctx, c, NULL, grad);
    for (int64_t i = 0; i < P; i++) {
        double keep = *param(i);
        *param(i) = keep + h;
        double lp = loss_at(ctx, c);
        *param(i) = keep - h;
        double lm = loss_at(ctx, c);
        *param(i) = keep;
        worst = fmax(worst, fabs(grad[i] - (lp - lm) / (2 * h)) / fmax(1, fabs(grad[i])));
    }
    if (worst > 1e-6) fail_msg("loss %d target %d: first order off by %.3e", c->loss, c->target, worst);
    double table_grad = 0;  // the penalty reaches the embedding table
    for (int64_t i = 0; i < NT; i++) table_grad += fabs(grad[i]);
    assert_true(table_grad > 1e-8);
    grad_at(ctx, c, v, hv);
    for (int64_t i = 0; i < P; i++) *param(i) += h * v[i];
    grad_at(ctx, c, NULL, gp);
    for (int64_t i = 0; i < P; i++) *param(i) -= 2 * h * v[i];
    grad_at(ctx, c, NULL, gm);
    for (int64_t i = 0; i < P; i++) *param(i) += h * v[i];
    worst = 0;
    for (int64_t i = 0; i < P; i++) worst = fmax(worst, fabs(hv[i] - (gp[i] - gm[i]) / (2 * h)) / fmax(1, fabs(hv[i])));
    if (worst > 1e-5) fail_msg("loss %d target %d: second order off by %.3e", c->loss, c->target, worst);
    assert_true(loss_at(ctx, c) > 0);
}

static void test_token_chain_first_and_second_order(void **state) {
    sc_ctx *ctx = *state;
    sc_rng rng;
    sc_rng_seed(&rng, 29);
    for (int i = 0; i < NT; i++) TAB[i] = 2 * sc_rng_uniform(&rng) - 1;
    for (int i = 0; i < N1; i++) W1[i] = 0.6 * (2 * sc_rng_uniform(&rng) - 1);
    for (int i = 0; i < N2; i++) W2[i] = 0.8 * (2 * sc_rng_uniform(&rng) - 1);
    double v[P];
    for (int i = 0; i < P; i++) v[i] = 2 * sc_rng_uniform(&rng) - 1;
    // Units: words only ([CLS] at 0 and the padding of example 0 excluded).
    for (int i = 0; i < B * T; i++) UNITS[i] = i % T != 0 && IDS[i] != 0;
    const uint8_t obj[B * T] = {0, 1, 0, 0, 0, 0, 0, 0, 1, 0};
    for (int loss = 0; loss < 2; loss++) {
        for (int b = 0; b < B; b++) {
            float d[T];
            sc_xbl_distance_map_1d(obj + b * T + 1, T - 1, d + 1);
            for (int t = 0; t < T; t++)  // rrr: the decoy is word 2 of each sentence
                MAP[b * T + t] = loss ? (t ? d[t] : 0) : (t == 3);
        }
        for (int target = 0; target < 2; target++) check_chain(ctx, &(chain){loss, (sc_xbl_target)target}, v);
    }
}

// ---- the generator ------------------------------------------------------------------------

// tasks/decoy-synth-text/task.yaml copied to dir/name with `from` replaced by `to`.
static void write_variant(const char *dir, const char *name, const char *from, const char *to) {
    size_t n;
    char *text = sc_test_slurp("tasks/decoy-synth-text/task.yaml", &n);
    assert_non_null(text);
    char *at = strstr(text, from), *nm = strstr(text, "name: decoy-synth-text\n");
    if (!at || !nm || nm > at) fail_msg("tasks/decoy-synth-text/task.yaml has no '%s' after its name", from);
    char path[600], cmd[700];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/%s", dir, name);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/%s/task.yaml", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    const char *after_name = nm + strlen("name: decoy-synth-text\n");
    fprintf(f, "%.*sname: %s\n%.*s%s%s", (int)(nm - text), text, name, (int)(at - after_name), after_name, to,
            at + strlen(from));
    fclose(f);
    free(text);
}

// The decoy word of each example (the token under the decoy mask), or "".
static void decoy_word(const sc_dataset *d, size_t i, char *out, size_t cap) {
    const char *s = sc_dataset_text(d, i);
    out[0] = '\0';
    for (size_t k = 0; k < d->rat_len[i]; k++) {
        size_t len = strcspn(s, " ");
        if (d->decoy_mask[d->rat_off[i] + k]) snprintf(out, cap, "%.*s", (int)len, s);
        assert_false(d->decoy_mask[d->rat_off[i] + k] && d->rat[d->rat_off[i] + k]);  // disjoint
        s += len + (s[len] == ' ');
    }
}

static void test_generator_decoy(void **state) {
    (void)state;
    sc_task *t;
    sc_dataset d;
    sc_err err = {0};
    if (sc_task_open("decoy-synth-text", &t, &err) || sc_dataset_load(t, &d, &err)) fail_msg("%s", err.msg);
    assert_non_null(d.decoy_mask);
    size_t agree[2] = {0, 0}, count[2] = {0, 0};
    char w[64], first[2][64] = {"", ""};
    for (size_t i = 0; i < d.n; i++) {
        decoy_word(&d, i, w, sizeof w);
        if (!w[0]) fail_msg("example %zu has no decoy word", i);
        int test = d.split[i] == SC_SPLIT_TEST;
        if (!first[d.label[i]][0] && !test) snprintf(first[d.label[i]], 64, "%s", w);
        count[test]++;
        agree[test] += !strcmp(w, first[d.label[i]]);
    }
    assert_string_not_equal(first[0], first[1]);
    if (agree[0] != count[0]) fail_msg("outside test %zu of %zu decoys agree with the label", agree[0], count[0]);
    double test_agree = (double)agree[1] / (double)count[1];
    if (!(test_agree > 0.4 && test_agree < 0.6)) fail_msg("test: %.3f of the decoys agree with the label", test_agree);
    sc_dataset_free(&d);
    sc_task_free(t);
}

static void expect_refused(const char *dir, const char *name, const char *from, const char *to, const char *msg) {
    write_variant(dir, name, from, to);
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    sc_task *t = NULL;
    sc_dataset d;
    sc_err err = {0};
    int rc = sc_task_open(path, &t, &err);
    if (!rc) rc = sc_dataset_load(t, &d, &err);
    if (!rc) sc_dataset_free(&d);
    sc_task_free(t);
    if (!rc) fail_msg("%s: accepted '%s'", name, to);
    if (!strstr(err.msg, msg)) fail_msg("%s: expected '%s' in: %s", name, msg, err.msg);
}

static void test_generator_refuses_bad_options(void **state) {
    (void)state;
    char dir[] = "/tmp/sc_xbl_text_XXXXXX";
    assert_non_null(mkdtemp(dir));
    expect_refused(dir, "bad-noise", "signal_noise: 0.3", "signal_noise: 1.5",
                   "line 19: field 'source.params.signal_noise': expected a number in [0, 0.9], found 1.5");
    expect_refused(dir, "bad-test", "test_decoy: random", "test_decoy: sometimes",
                   "field 'source.params.test_decoy': expected random | none, found 'sometimes'");
    expect_refused(dir, "bad-decoy", "decoy: 1", "decoy: 2", "decoy");
    expect_refused(dir, "no-decoy", "decoy: 1", "decoy: 0",
                   "field 'source.params.signal_noise': only meaningful with decoy: 1");
    // test_decoy: none leaves the test split without a decoy word.
    write_variant(dir, "none-at-test", "test_decoy: random", "test_decoy: none");
    char path[600];
    snprintf(path, sizeof path, "%s/none-at-test", dir);
    sc_task *t;
    sc_dataset d;
    sc_err err = {0};
    if (sc_task_open(path, &t, &err) || sc_dataset_load(t, &d, &err)) fail_msg("%s", err.msg);
    for (size_t i = 0; i < d.n; i++) {
        char w[64];
        decoy_word(&d, i, w, sizeof w);
        if ((d.split[i] == SC_SPLIT_TEST) != !w[0]) fail_msg("example %zu (split %d): decoy '%s'", i, d.split[i], w);
    }
    sc_dataset_free(&d);
    sc_task_free(t);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance_map_1d_matches_brute_force),
        cmocka_unit_test(test_token_loss_values),
        cmocka_unit_test(test_token_chain_first_and_second_order),
        cmocka_unit_test(test_generator_decoy),
        cmocka_unit_test(test_generator_refuses_bad_options),
    };
    return sc_test_run_with_ctx("xbl_text", tests);
}
