// Text models: the transformer teacher and student (both poolings) and the
// bag-of-embeddings student. Output and state shapes for several batch sizes;
// the exposed attention logits (pre-softmax, padded keys exactly -1e9, zero
// weight after softmax); embeddings connected to the outputs (also as a leaf on
// a detached model); padding invariance in f64; seeding; config errors;
// finite-difference checks of d(logit)/d(parameter); overfitting a tiny
// synthetic task with sc_optim; regression heads; copying the teacher's token
// embeddings into a student.
#include "sc_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"
#include "models/transfer.h"
#include "ops/ops.h"
#include "models_util.h"

#define V 13  // vocabulary: 0 = [PAD], 1 = [CLS], 2.. words
#define TMAX 9

// Small configs so that every check runs in milliseconds.
static const mu_arch archs[] = {
    {"teacher", "transformer", {"layers=2", "width=16", "heads=4", "dropout=0", NULL}},
    {"teacher", "transformer", {"layers=1", "width=8", "heads=2", "pooling=mean", "dropout=0", NULL}},
    {"student", "transformer", {"width=8", "dropout=0", NULL}},
    {"student", "bag", {"width=8", "hidden=6", "dropout=0", NULL}},
    {"student", "bag", {"width=8", "dropout=0", NULL}},
};
#define N_ARCHS ((int)(sizeof archs / sizeof archs[0]))

static sc_model_shape text_shape(int64_t n_out, int regression) {
    sc_model_shape s = {.modality = SC_TEXT, .n_outputs = n_out, .regression = regression, .vocab_size = V,
                        .max_tokens = TMAX};
    return s;
}

static int is_bag(const mu_arch *a) { return !strcmp(a->name, "bag"); }

// Forward shapes for several batch sizes and the state's documented layout.
static void test_shapes_and_state(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = text_shape(3, 0);
        mu_make(&m, &archs[k], "f32", &shape, 1);
        const int64_t bs[3] = {1, 2, 5}, lens[5] = {4, 8, 1, 6, 3};
        for (int ib = 0; ib < 3; ib++) {
            const int64_t B = bs[ib], T = 7 + ib;  // T <= TMAX
            sc_ctx_reset(ctx);
            sc_inputs in;
            int64_t l[5];
            for (int b = 0; b < 5; b++) l[b] = lens[b] < T ? lens[b] : T - 1;
            mu_text_inputs(ctx, &in, B, T, l, V, SC_F32, 10 + (uint64_t)ib);
            sc_model_state st;
            sc_tensor *out = sc_model_forward(&m, ctx, &in, 0, &st);
            if (!out) fail_msg("%s: %s", archs[k].name, ctx->err.msg);
            mu_expect_shape(out, 2, (int64_t[]){B, 3});
            assert_int_equal(st.n_units, T);
            assert_int_equal(st.unit_offset, 0);
            mu_expect_shape(st.unit_mask, 2, (int64_t[]){B, T});
            for (int64_t i = 0; i < B * T; i++)
                assert_true(sc_tensor_get(st.unit_mask, i) == (i % T == 0 ? 0.0 : sc_tensor_get(in.mask, i)));
            const int64_t C = st.embeddings ? st.embeddings->shape[2] : 0;
            mu_expect_shape(st.embeddings, 3, (int64_t[]){B, T, C});
            mu_expect_shape(st.pooled, 2, (int64_t[]){B, C});
            const int64_t Q = is_bag(&archs[k]) ? 1 : T;
            if (is_bag(&archs[k])) {
                assert_int_equal(st.n_layers, 1);
                assert_int_equal(st.n_heads, 1);
            } else {
                assert_int_equal(st.n_layers, atoi(sc_config_str(&m.cfg, "layers")));
                mu_expect_shape(st.hidden[st.n_layers], 3, (int64_t[]){B, T, C});
            }
            mu_expect_shape(st.hidden[0], 3, (int64_t[]){B, T, C});
            for (int l2 = 0; l2 < st.n_layers; l2++) {
                const sc_tensor *lg = st.attn_logits[l2];
                const int64_t H = st.n_heads;
                mu_expect_shape(lg, 4, (int64_t[]){B, H, Q, T});
                sc_tensor *p = sc_softmax(ctx, (sc_tensor *)lg, -1);
                assert_non_null(p);
                for (int64_t i = 0; i < lg->numel; i++) {
                    const int64_t b = i / (H * Q * T), t = i % T;
                    // keys excluded: padding for self-attention, padding and [CLS] for pooling
                    const int excluded = is_bag(&archs[k]) ? sc_tensor_get(st.unit_mask, b * T + t) == 0.0
                                                           : sc_tensor_get(in.mask, b * T + t) == 0.0;
                    if (excluded) {
                        assert_true(sc_tensor_get(lg, i) == -1e9);
                        assert_true(sc_tensor_get(p, i) == 0.0);
                    } else {
                        assert_true(fabs(sc_tensor_get(lg, i)) < 1e3);
                        assert_true(sc_tensor_get(p, i) > 0.0);
                    }
                }
            }
        }
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// d(logit)/d(embeddings) is non-zero on real tokens and exactly zero on padding;
// with SC_FWD_EMBED_LEAF the same holds on a model whose parameters are detached.
static void test_embeddings_gradient(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = text_shape(2, 0);
        mu_make(&m, &archs[k], "f64", &shape, 2);
        for (int leaf = 0; leaf < 2; leaf++) {
            sc_ctx_reset(ctx);
            if (leaf) mu_set_requires_grad(&m, 0);
            sc_inputs in;
            const int64_t lens[2] = {3, 6}, T = 8;
            mu_text_inputs(ctx, &in, 2, T, lens, V, SC_F64, 3);
            sc_model_state st;
            sc_tensor *out = sc_model_forward(&m, ctx, &in, leaf ? SC_FWD_EMBED_LEAF : 0, &st);
            assert_non_null(out);
            assert_true(st.embeddings->requires_grad);
            if (leaf) assert_null(st.embeddings->node);
            sc_tensor *y = sc_sum_all(ctx, sc_slice(ctx, sc_slice(ctx, out, 0, 0, 1), 1, 1, 2));  // logit[0, 1]
            sc_tensor **g = sc_grad(ctx, &y, 1, &st.embeddings, 1, NULL, 0);
            if (!g) fail_msg("%s: %s", archs[k].name, ctx->err.msg);
            const int64_t C = st.embeddings->shape[2];
            double real = 0, pad = 0, other = 0;
            for (int64_t i = 0; i < g[0]->numel; i++) {
                const int64_t b = i / (T * C), t = (i / C) % T;
                const double v = fabs(sc_tensor_get(g[0], i));
                if (b == 1) other = fmax(other, v);
                else if (t > lens[0]) pad = fmax(pad, v);
                else if (t > 0) real = fmax(real, v);
            }
            assert_true(real > 1e-8);
            assert_true(pad == 0.0);
            assert_true(other == 0.0);  // examples do not mix
            if (leaf) mu_set_requires_grad(&m, 1);
        }
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// Adding padding columns changes nothing (f64, 1e-10), whatever the padded ids,
// also for a sequence of [CLS] alone; a row's logits do not depend on the batch.
static void test_padding_invariance(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = text_shape(3, 0);
        mu_make(&m, &archs[k], "f64", &shape, 4);
        sc_ctx_reset(ctx);
        const int64_t lens[4] = {2, 4, 1, 0};  // the last: [CLS] alone
        sc_inputs a, b;
        mu_text_inputs(ctx, &a, 4, 5, lens, V, SC_F64, 5);
        mu_text_inputs(ctx, &b, 4, TMAX, lens, V, SC_F64, 5);  // same words (same draws), more padding
        for (int64_t r = 0; r < 4; r++)
            for (int64_t t = 0; t < 5; t++)
                assert_int_equal(((int32_t *)a.ids->data)[r * 5 + t], ((int32_t *)b.ids->data)[r * TMAX + t]);
        // padded ids are arbitrary: fill them with words in b
        for (int64_t r = 0; r < 4; r++)
            for (int64_t t = lens[r] + 1; t < TMAX; t++) ((int32_t *)b.ids->data)[r * TMAX + t] = 2 + (int32_t)t;
        sc_tensor *ya = sc_model_forward(&m, ctx, &a, 0, NULL);
        sc_tensor *yb = sc_model_forward(&m, ctx, &b, 0, NULL);
        assert_non_null(ya);
        assert_non_null(yb);
        for (int64_t i = 0; i < ya->numel; i++)
            assert_true(fabs(sc_tensor_get(ya, i) - sc_tensor_get(yb, i)) < 1e-10);
        // a batch of one gives the same logits as its row in the batch
        sc_inputs c;
        mu_text_inputs(ctx, &c, 1, 5, lens, V, SC_F64, 5);
        sc_tensor *yc = sc_model_forward(&m, ctx, &c, 0, NULL);
        assert_non_null(yc);
        for (int64_t j = 0; j < 3; j++) assert_true(fabs(sc_tensor_get(yc, j) - sc_tensor_get(ya, j)) < 1e-10);
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

static void test_seed_determinism(void **state) {
    (void)state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model a, b;
        sc_model_shape shape = text_shape(2, 0);
        mu_expect_seeding(&a, &b, &archs[k], &shape);
        assert_non_null(sc_params_get(&a.params, "embed.tokens"));
        assert_non_null(sc_params_get(&a.params, "head.w"));
        sc_model_free(&a);
        sc_model_free(&b);
    }
}

static void test_config_errors(void **state) {
    (void)state;
    const char *const bad[][3] = {
        {"teacher", "transformer", "depth=3"},    {"student", "bag", "layers=1"},
        {"teacher", "transformer", "pooling=max"}, {"student", "transformer", "width=9"},
        {"student", "bag", "activation=tanh"},
    };
    const char *const expect[] = {"depth", "layers", "max", "divisible", "tanh"};
    for (int i = 0; i < 5; i++) {
        sc_config cfg;
        sc_err err = {{0}};
        sc_config_init(&cfg);
        assert_int_equal(sc_config_set_kv(&cfg, bad[i][2], &err), 0);
        sc_model m;
        sc_model_shape shape = text_shape(2, 0);
        assert_int_equal(sc_model_create(&m, sc_model_find(bad[i][0], bad[i][1]), &shape, &cfg, 1, &err), -1);
        if (!strstr(err.msg, expect[i])) fail_msg("'%s' not in: %s", expect[i], err.msg);
    }
    // a tabular shape is refused by a text model
    sc_err err = {{0}};
    sc_model m;
    sc_model_shape shape = {.modality = SC_TABULAR, .n_outputs = 2, .F = 3};
    assert_int_equal(sc_model_create(&m, sc_model_find("student", "bag"), &shape, NULL, 1, &err), -1);
    assert_non_null(strstr(err.msg, "text"));
}

static void test_inputs(void **state) {
    sc_ctx *ctx = *state;
    sc_model m;
    sc_model_shape shape = text_shape(2, 0);
    mu_make(&m, &archs[2], "f32", &shape, 1);
    sc_ctx_reset(ctx);
    sc_inputs in;
    const int64_t lens[1] = {3};
    mu_text_inputs(ctx, &in, 1, TMAX + 1, lens, V, SC_F32, 1);
    assert_null(sc_model_forward(&m, ctx, &in, 0, NULL));
    assert_non_null(strstr(ctx->err.msg, "max_tokens"));
    sc_ctx_reset(ctx);
    mu_text_inputs(ctx, &in, 1, 4, lens, V, SC_F32, 1);
    ((int32_t *)in.ids->data)[2] = V + 5;  // out of the vocabulary
    assert_null(sc_model_forward(&m, ctx, &in, 0, NULL));
    assert_non_null(strstr(ctx->err.msg, "gather_rows"));
    sc_ctx_reset(ctx);
    sc_model_free(&m);
    // a mask of another dtype is converted; a mask of another shape is refused
    for (int k = 0; k < N_ARCHS; k++) {
        mu_make(&m, &archs[k], "f64", &shape, 1);
        sc_ctx_reset(ctx);
        sc_inputs a, b;
        const int64_t l2[2] = {2, 5};
        mu_text_inputs(ctx, &a, 2, 7, l2, V, SC_F64, 3);
        mu_text_inputs(ctx, &b, 2, 7, l2, V, SC_F32, 3);
        sc_tensor *ya = sc_model_forward(&m, ctx, &a, 0, NULL), *yb = sc_model_forward(&m, ctx, &b, 0, NULL);
        assert_non_null(ya);
        assert_non_null(yb);
        for (int64_t i = 0; i < ya->numel; i++) assert_true(sc_tensor_get(ya, i) == sc_tensor_get(yb, i));
        b.mask = sc_slice(ctx, b.mask, 1, 0, 6);
        assert_null(sc_model_forward(&m, ctx, &b, 0, NULL));
        if (!strstr(ctx->err.msg, "mask (2, 6)")) fail_msg("%s", ctx->err.msg);
        sc_ctx_reset(ctx);
        sc_model_free(&m);
    }
}

// Probe c of embed.tokens: the [CLS] row and words present in the batch (the
// inputs are the argument); other parameters: the default spread.
static int64_t token_coord(const sc_model *m, int p, int c, const void *arg) {
    if (strcmp(m->params.names[p], "embed.tokens")) return -1;
    const sc_inputs *in = arg;
    const int32_t id = c == 0 ? 1 : ((int32_t *)in->ids->data)[7 + c];
    return id * m->params.t[p]->shape[1] + c;
}

// Central differences of logit[1, 0] against sc_grad, a few coordinates of
// every parameter (f64, tiny configs).
static void test_param_gradients_fd(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = text_shape(2, 0);
        mu_make(&m, &archs[k], "f64", &shape, 6);
        sc_ctx_reset(ctx);
        sc_inputs in;
        const int64_t lens[2] = {3, 5};
        mu_text_inputs(ctx, &in, 2, 7, lens, V, SC_F64, 8);
        const int checked = mu_check_logit_grads(ctx, &m, &in, 1, 0,
                                                 &(mu_fd){.coord = token_coord, .coord_arg = &in, .n_coords = 3,
                                                          .tol = 1e-6, .nonzero = 1e-9, .what = archs[k].name});
        assert_true(checked >= m.params.n);  // most coordinates carry gradient
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// Second order, as the meta-gradient needs: the Hessian-vector product of a
// loss that reads both the logits and the attention logits (an explanation
// loss), from sc_grad with create_graph, against central differences of the
// first-order gradient along v (f64).
static double hvp_loss_grads(sc_ctx *ctx, sc_model *m, const sc_inputs *in, const sc_tensor *labels, int create,
                             sc_tensor ***g_out) {
    sc_model_state st;
    sc_tensor *out = sc_model_forward(m, ctx, in, 0, &st);
    sc_tensor *loss = sc_cross_entropy(ctx, out, (sc_tensor *)labels);
    // + mean squared softmax of the last layer's attention over keys (a smooth function of the logits)
    sc_tensor *p = sc_softmax(ctx, st.attn_logits[st.n_layers - 1], -1);
    loss = sc_add(ctx, loss, sc_mean_all(ctx, sc_mul(ctx, p, p)));
    *g_out = sc_grad(ctx, &loss, 1, m->params.t, m->params.n, NULL, create);
    if (!*g_out) fail_msg("%s", ctx->err.msg);
    return sc_tensor_get(loss, 0);
}

static void test_hessian_vector_product(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = text_shape(2, 0);
        mu_make(&m, &archs[k], "f64", &shape, 12);
        sc_ctx_reset(ctx);
        sc_inputs in;
        const int64_t lens[2] = {3, 5};
        mu_text_inputs(ctx, &in, 2, 6, lens, V, SC_F64, 13);
        sc_tensor *labels = sc_empty(ctx, SC_I32, 1, (int64_t[]){2});
        ((int32_t *)labels->data)[0] = 0;
        ((int32_t *)labels->data)[1] = 1;
        // v: a fixed random direction over every parameter
        sc_rng r;
        sc_rng_seed(&r, 99);
        sc_tensor *v[SC_PARAMS_MAX];
        for (int p = 0; p < m.params.n; p++) {
            v[p] = sc_empty(ctx, SC_F64, m.params.t[p]->ndim, m.params.t[p]->shape);
            for (int64_t i = 0; i < v[p]->numel; i++) sc_tensor_set(v[p], i, sc_rng_normal(&r));
        }
        sc_tensor **g;
        hvp_loss_grads(ctx, &m, &in, labels, 1, &g);
        sc_tensor *gv = NULL;
        for (int p = 0; p < m.params.n; p++) {
            sc_tensor *d = sc_sum_all(ctx, sc_mul(ctx, g[p], v[p]));
            gv = gv ? sc_add(ctx, gv, d) : d;
        }
        sc_tensor **hv = sc_grad(ctx, &gv, 1, m.params.t, m.params.n, NULL, 0);
        if (!hv) fail_msg("%s", ctx->err.msg);
        // central differences of the gradient along v
        const double h = 1e-5;
        sc_tensor **gs[2];
        for (int s = 0; s < 2; s++) {
            for (int p = 0; p < m.params.n; p++)
                for (int64_t i = 0; i < v[p]->numel; i++)
                    sc_tensor_set(m.params.t[p], i,
                                  sc_tensor_get(m.params.t[p], i) + (s ? -2 * h : h) * sc_tensor_get(v[p], i));
            hvp_loss_grads(ctx, &m, &in, labels, 0, &gs[s]);
        }
        for (int p = 0; p < m.params.n; p++)  // restore
            for (int64_t i = 0; i < v[p]->numel; i++)
                sc_tensor_set(m.params.t[p], i, sc_tensor_get(m.params.t[p], i) + h * sc_tensor_get(v[p], i));
        double worst = 0, scale = 0;
        for (int p = 0; p < m.params.n; p++)
            for (int64_t i = 0; i < hv[p]->numel; i++) {
                const double fd = (sc_tensor_get(gs[0][p], i) - sc_tensor_get(gs[1][p], i)) / (2 * h);
                worst = fmax(worst, fabs(fd - sc_tensor_get(hv[p], i)));
                scale = fmax(scale, fabs(fd));
            }
        if (!(scale > 1e-6 && worst < 1e-6 * fmax(1.0, scale)))
            fail_msg("%s %s: Hessian-vector product off by %.3g (scale %.3g)", archs[k].role, archs[k].name, worst,
                     scale);
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// Regression: one output per example, differentiable through an MSE loss.
static void test_regression_head(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = text_shape(1, 1);
        mu_make(&m, &archs[k], "f64", &shape, 9);
        assert_int_equal(sc_params_get(&m.params, "head.w")->shape[1], 1);
        sc_ctx_reset(ctx);
        sc_inputs in;
        const int64_t lens[4] = {1, 2, 3, 4};
        mu_text_inputs(ctx, &in, 4, 6, lens, V, SC_F64, 2);
        sc_tensor *out = sc_model_forward(&m, ctx, &in, SC_FWD_TRAINING, NULL);
        mu_expect_shape(out, 2, (int64_t[]){4, 1});
        sc_tensor *loss = sc_mse(ctx, out, sc_full(ctx, SC_F64, 2, (int64_t[]){4, 1}, 0.5));
        sc_tensor **g = sc_grad(ctx, &loss, 1, m.params.t, m.params.n, NULL, 0);
        assert_non_null(g);
        assert_true(mu_max_abs(g[m.params.n - 2]) > 0);  // head.w
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// A tiny task: is word 5 in the sentence? Each model gets the loss low with Adam.
static sc_tensor *word5_loss(sc_ctx *ctx, sc_model *m, void *arg) {
    (void)arg;
    const int64_t B = 16, T = 6;
    int64_t lens[16];
    for (int b = 0; b < B; b++) lens[b] = 2 + b % 4;
    sc_inputs in;
    mu_text_inputs(ctx, &in, B, T, lens, V, SC_F32, 77);  // the same 16 examples every step
    sc_tensor *labels = sc_empty(ctx, SC_I32, 1, (int64_t[]){B});
    for (int b = 0; b < B; b++) {
        int has = 0;
        for (int t = 1; t <= lens[b]; t++) has |= ((int32_t *)in.ids->data)[b * T + t] == 5;
        ((int32_t *)labels->data)[b] = has;
    }
    return sc_cross_entropy(ctx, sc_model_forward(m, ctx, &in, SC_FWD_TRAINING, NULL), labels);
}

static void test_overfit_tiny_task(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = text_shape(2, 0);
        mu_make(&m, &archs[k], "f32", &shape, 11);
        char what[64];
        snprintf(what, sizeof what, "%s %s", archs[k].role, archs[k].name);
        mu_expect_fit(ctx, &m, &(mu_fit){.loss = word5_loss, .steps = sc_test_quick() ? 60 : 250, .lr = 1e-2,
                                         .target = sc_test_quick() ? 0.45 : 0.05, .what = what});
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

static void test_init_embeddings_from_teacher(void **state) {
    (void)state;
    sc_model t, s, s_small, bag_s;
    sc_model_shape shape = text_shape(2, 0);
    const mu_arch teacher = {"teacher", "transformer", {"layers=1", "width=8", "heads=2", NULL}};
    const mu_arch student_small = {"student", "transformer", {"width=4", NULL}};
    mu_make(&t, &teacher, "f32", &shape, 1);
    mu_make(&s, &archs[2], "f64", &shape, 2);       // width 8, another dtype
    mu_make(&s_small, &student_small, "f32", &shape, 3);
    mu_make(&bag_s, &archs[3], "f32", &shape, 4);   // the bag student, width 8
    sc_err err = {{0}};
    assert_int_equal(sc_model_init_embeddings_from(&s, &t, &err), 0);
    assert_int_equal(sc_model_init_embeddings_from(&bag_s, &t, &err), 0);
    const sc_tensor *te = sc_params_get(&t.params, "embed.tokens");
    const sc_tensor *se = sc_params_get(&s.params, "embed.tokens");
    const sc_tensor *be = sc_params_get(&bag_s.params, "embed.tokens");
    for (int64_t i = 0; i < te->numel; i++) {
        assert_true(sc_tensor_get(se, i) == sc_tensor_get(te, i));
        assert_true(sc_tensor_get(be, i) == sc_tensor_get(te, i));
    }
    // other parameters untouched: the positions still differ
    assert_true(sc_tensor_get(sc_params_get(&s.params, "embed.pos"), 0) !=
                sc_tensor_get(sc_params_get(&t.params, "embed.pos"), 0));
    assert_int_equal(sc_model_init_embeddings_from(&s_small, &t, &err), -1);
    if (!strstr(err.msg, "(13, 4)") || !strstr(err.msg, "(13, 8)")) fail_msg("%s", err.msg);
    // a model without token embeddings
    sc_model mlp;
    sc_model_shape ts = {.modality = SC_TABULAR, .n_outputs = 2, .F = 3};
    assert_int_equal(sc_model_create(&mlp, sc_model_find("teacher", "mlp"), &ts, NULL, 1, &err), 0);
    assert_int_equal(sc_model_init_embeddings_from(&s, &mlp, &err), -1);
    assert_non_null(strstr(err.msg, "embed.tokens"));
    sc_model_free(&mlp);
    sc_model_free(&t);
    sc_model_free(&s);
    sc_model_free(&s_small);
    sc_model_free(&bag_s);
}

// Dropout (the `dropout` key) acts in training mode only: evaluation is
// deterministic, training draws differ from evaluation and from each other.
static void test_dropout_modes(void **state) {
    sc_ctx *ctx = *state;
    const mu_arch with_dropout[2] = {
        {"teacher", "transformer", {"layers=1", "width=8", "heads=2", "dropout=0.3", NULL}},
        {"student", "bag", {"width=8", "hidden=8", "dropout=0.3", NULL}},
    };
    for (int k = 0; k < 2; k++) {
        sc_model m;
        sc_model_shape shape = text_shape(2, 0);
        mu_make(&m, &with_dropout[k], "f64", &shape, 5);
        sc_ctx_reset(ctx);
        sc_inputs in;
        const int64_t lens[3] = {3, 5, 6};
        mu_text_inputs(ctx, &in, 3, 7, lens, V, SC_F64, 1);
        sc_tensor *e1 = sc_model_forward(&m, ctx, &in, 0, NULL), *e2 = sc_model_forward(&m, ctx, &in, 0, NULL);
        sc_tensor *t1 = sc_model_forward(&m, ctx, &in, SC_FWD_TRAINING, NULL);
        sc_tensor *t2 = sc_model_forward(&m, ctx, &in, SC_FWD_TRAINING, NULL);
        assert_non_null(t2);
        double d_eval = 0, d_train = 0, d_tt = 0;
        for (int64_t i = 0; i < e1->numel; i++) {
            d_eval = fmax(d_eval, fabs(sc_tensor_get(e1, i) - sc_tensor_get(e2, i)));
            d_train = fmax(d_train, fabs(sc_tensor_get(e1, i) - sc_tensor_get(t1, i)));
            d_tt = fmax(d_tt, fabs(sc_tensor_get(t1, i) - sc_tensor_get(t2, i)));
        }
        assert_true(d_eval == 0.0);
        assert_true(d_train > 1e-6);
        assert_true(d_tt > 1e-6);
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// The registered defaults build and run (sizes meant for two CPU cores).
static void test_default_configs(void **state) {
    sc_ctx *ctx = *state;
    const char *const which[][2] = {{"teacher", "transformer"}, {"student", "transformer"}, {"student", "bag"}};
    for (int k = 0; k < 3; k++) {
        sc_model m;
        sc_err err = {{0}};
        sc_model_shape shape = text_shape(2, 0);
        shape.vocab_size = 500;
        shape.max_tokens = 32;
        const sc_model_def *def = sc_model_find(which[k][0], which[k][1]);
        assert_non_null(def);
        if (sc_model_create(&m, def, &shape, NULL, 1, &err)) fail_msg("%s", err.msg);
        assert_true(sc_params_numel(&m.params) < 200000);
        sc_ctx_reset(ctx);
        sc_inputs in;
        const int64_t lens[2] = {10, 31};
        mu_text_inputs(ctx, &in, 2, 32, lens, V, SC_F32, 1);
        sc_tensor *out = sc_model_forward(&m, ctx, &in, SC_FWD_TRAINING, NULL);
        if (!out) fail_msg("%s", ctx->err.msg);
        mu_expect_shape(out, 2, (int64_t[]){2, 2});
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}


int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes_and_state),
        cmocka_unit_test(test_embeddings_gradient),
        cmocka_unit_test(test_padding_invariance),
        cmocka_unit_test(test_seed_determinism),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_inputs),
        cmocka_unit_test(test_param_gradients_fd),
        cmocka_unit_test(test_hessian_vector_product),
        cmocka_unit_test(test_regression_head),
        cmocka_unit_test(test_overfit_tiny_task),
        cmocka_unit_test(test_init_embeddings_from_teacher),
        cmocka_unit_test(test_dropout_modes),
        cmocka_unit_test(test_default_configs),
    };
    return cmocka_run_group_tests_name("models_text", tests, sc_test_ctx_setup, sc_test_ctx_teardown);
}
