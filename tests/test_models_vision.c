// Vision models: the ViT and CNN, teacher and student. Units are the
// cells of a grid over the image (config key patch). Output and state shapes
// for several batch sizes (incl. the ViT's [CLS] at attention position 0); the
// cell embeddings are the image's pixels regrouped, and gradients with respect
// to them are the pixel gradients regrouped (also as a leaf on a detached
// model); CAMs are the head applied per cell (mean over cells = logits - bias,
// f64, 1e-10); seeding; config and image-size errors; finite-difference checks
// of d(logit)/d(parameter) and of Hessian-vector products; regression heads;
// checkpoint round trips; overfitting a tiny image set.
#include "sc_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/checkpoint.h"
#include "models/model.h"
#include "nn/vit.h"
#include "ops/ops.h"
#include "models_util.h"
#include "tasks_util.h"

// A small non-square geometry: 2 channels, 8 x 12 pixels.
#define IC 2
#define IH 8
#define IW 12

typedef struct arch {
    mu_arch m;      // the model and its "key=value" overrides
    int64_t patch;  // the cell size its config gives
} arch;

static const arch archs[] = {
    {{"teacher", "vit", {"layers=2", "width=16", "heads=4", "dropout=0", NULL}}, 4},
    {{"student", "vit", {"width=8", "patch=2", "dropout=0", NULL}}, 2},
    {{"student", "cnn", {"width=4", "channels=6", NULL}}, 4},
    {{"student", "cnn", {"width=3", "channels=5", "patch=2", "pool=avg", NULL}}, 2},
    {{"teacher", "cnn", {"width=2", "channels=3", NULL}}, 4},
};
#define N_ARCHS ((int)(sizeof archs / sizeof archs[0]))

static int is_cnn(const arch *a) { return !strcmp(a->m.name, "cnn"); }

static sc_model_shape image_shape(int64_t n_out, int regression) {
    sc_model_shape s = {.modality = SC_IMAGE, .n_outputs = n_out, .regression = regression, .C = IC, .H = IH, .W = IW};
    return s;
}

// B images with pixels uniform in [0, 1] from a fixed generator.
static sc_tensor *random_images(sc_ctx *ctx, int64_t B, int64_t C, int64_t H, int64_t W, sc_dtype dt, uint64_t seed) {
    sc_rng r;
    sc_rng_seed(&r, seed);
    sc_tensor *t = sc_empty(ctx, dt, 4, (int64_t[]){B, C, H, W});
    assert_non_null(t);
    for (int64_t i = 0; i < t->numel; i++) sc_tensor_set(t, i, sc_rng_uniform(&r));
    return t;
}

static sc_inputs image_inputs(sc_tensor *images) {
    sc_inputs in = {.B = images->shape[0], .images = images};
    return in;
}

// embeddings[b, u, (c p + i) p + j] == image[b, c, gy p + i, gx p + j] with u = gy gw + gx.
static void expect_cells(const sc_tensor *cells, const sc_tensor *img, int64_t p) {
    const int64_t B = img->shape[0], C = img->shape[1], H = img->shape[2], W = img->shape[3], gw = W / p;
    mu_expect_shape(cells, 3, (int64_t[]){B, (H / p) * gw, C * p * p});
    for (int64_t b = 0; b < B; b++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t y = 0; y < H; y++)
                for (int64_t x = 0; x < W; x++) {
                    const int64_t u = (y / p) * gw + x / p, k = (c * p + y % p) * p + x % p;
                    const double want = sc_tensor_get(img, ((b * C + c) * H + y) * W + x);
                    assert_true(sc_tensor_get(cells, (b * cells->shape[1] + u) * cells->shape[2] + k) == want);
                }
}

// Forward shapes for several batch sizes and the state's documented layout.
static void test_shapes_and_state(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        const arch *a = &archs[k];
        sc_model m;
        sc_model_shape shape = image_shape(3, 0);
        mu_make(&m, &a->m, "f32", &shape, 1);
        const int64_t p = a->patch, U = (IH / p) * (IW / p);
        const int64_t bs[3] = {1, 2, 5};
        for (int ib = 0; ib < 3; ib++) {
            const int64_t B = bs[ib];
            sc_ctx_reset(ctx);
            sc_tensor *img = random_images(ctx, B, IC, IH, IW, SC_F32, 10 + (uint64_t)ib);
            sc_inputs in = image_inputs(img);
            sc_model_state st;
            sc_tensor *out = sc_model_forward(&m, ctx, &in, 0, &st);
            if (!out) fail_msg("%s: %s", a->m.name, ctx->err.msg);
            mu_expect_shape(out, 2, (int64_t[]){B, 3});
            assert_int_equal(st.n_units, U);
            mu_expect_shape(st.unit_mask, 2, (int64_t[]){B, U});
            for (int64_t i = 0; i < B * U; i++) assert_true(sc_tensor_get(st.unit_mask, i) == 1.0);
            expect_cells(st.embeddings, img, p);
            const int64_t C = st.pooled ? st.pooled->shape[1] : 0;
            mu_expect_shape(st.pooled, 2, (int64_t[]){B, C});
            mu_expect_shape(st.hidden[0], 3, (int64_t[]){B, U, C});
            if (is_cnn(a)) {
                assert_int_equal(st.n_layers, 0);
                assert_int_equal(st.unit_offset, 0);
                assert_int_equal(C, atoi(sc_config_str(&m.cfg, "channels")));
                mu_expect_shape(st.cam, 3, (int64_t[]){B, 3, U});
                continue;
            }
            assert_null(st.cam);
            assert_int_equal(st.unit_offset, 1);
            assert_int_equal(st.n_layers, atoi(sc_config_str(&m.cfg, "layers")));
            const int64_t H = st.n_heads, Q = 1 + U;
            assert_int_equal(H, atoi(sc_config_str(&m.cfg, "heads")));
            for (int l = 0; l < st.n_layers; l++) {
                mu_expect_shape(st.hidden[l + 1], 3, (int64_t[]){B, U, C});
                const sc_tensor *lg = st.attn_logits[l];
                mu_expect_shape(lg, 4, (int64_t[]){B, H, Q, Q});
                // nothing is masked: finite logits, every key gets weight
                sc_tensor *pr = sc_softmax(ctx, (sc_tensor *)lg, -1);
                assert_non_null(pr);
                for (int64_t i = 0; i < lg->numel; i++) {
                    assert_true(fabs(sc_tensor_get(lg, i)) < 1e3);
                    assert_true(sc_tensor_get(pr, i) > 0.0);
                }
            }
        }
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// The [CLS] offset: changing the pixels of cell u changes the first layer's
// attention logits exactly in row and column u + 1 (position 0 is [CLS]).
static void test_vit_cls_offset(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < 2; k++) {
        const arch *a = &archs[k];
        sc_model m;
        sc_model_shape shape = image_shape(2, 0);
        mu_make(&m, &a->m, "f64", &shape, 3);
        sc_ctx_reset(ctx);
        const int64_t p = a->patch, gw = IW / p, U = (IH / p) * gw, u = gw + 2;  // cell (1, 2)
        sc_tensor *img = random_images(ctx, 2, IC, IH, IW, SC_F64, 4);
        sc_tensor *img2 = sc_empty_like(ctx, img);
        memcpy(img2->data, img->data, sizeof(double) * (size_t)img->numel);
        for (int64_t c = 0; c < IC; c++)  // brighten cell u of example 1
            for (int64_t y = p; y < 2 * p; y++)
                for (int64_t x = 2 * p; x < 3 * p; x++) ((double *)img2->data)[((IC + c) * IH + y) * IW + x] += 0.5;
        sc_inputs in1 = image_inputs(img), in2 = image_inputs(img2);
        sc_model_state s1, s2;
        assert_non_null(sc_model_forward(&m, ctx, &in1, 0, &s1));
        assert_non_null(sc_model_forward(&m, ctx, &in2, 0, &s2));
        const sc_tensor *l1 = s1.attn_logits[0], *l2 = s2.attn_logits[0];
        const int64_t H = s1.n_heads, Q = 1 + U;
        for (int64_t i = 0; i < l1->numel; i++) {
            const int64_t b = i / (H * Q * Q), q = (i / Q) % Q, key = i % Q;
            const double d = fabs(sc_tensor_get(l1, i) - sc_tensor_get(l2, i));
            if (b == 1 && (q == u + 1 || key == u + 1)) assert_true(d > 1e-9);
            else assert_true(d == 0.0);
        }
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// d(logit)/d(embeddings) is the pixel gradient regrouped into cells (images as a
// leaf requiring grad); with SC_FWD_EMBED_LEAF on a model whose parameters are
// detached the embeddings are a fresh leaf with the same gradient.
static void test_embeddings_gradient(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        const arch *a = &archs[k];
        sc_model m;
        sc_model_shape shape = image_shape(2, 0);
        mu_make(&m, &a->m, "f64", &shape, 2);
        sc_ctx_reset(ctx);
        sc_tensor *img = random_images(ctx, 2, IC, IH, IW, SC_F64, 3);
        img->requires_grad = 1;
        sc_inputs in = image_inputs(img);
        sc_model_state st;
        sc_tensor *out = sc_model_forward(&m, ctx, &in, 0, &st);
        assert_non_null(out);
        assert_non_null(st.embeddings->node);  // consumed through the graph from the pixels
        sc_tensor *y = sc_sum_all(ctx, sc_slice(ctx, sc_slice(ctx, out, 0, 0, 1), 1, 1, 2));  // logit[0, 1]
        sc_tensor *wrt[2] = {st.embeddings, img};
        sc_tensor **g = sc_grad(ctx, &y, 1, wrt, 2, NULL, 0);
        if (!g) fail_msg("%s: %s", a->m.name, ctx->err.msg);
        sc_tensor *ge = g[0];
        sc_tensor *gp = sc_image_to_cells(ctx, sc_detach(ctx, g[1]), a->patch);  // (B, U, C p p)
        mu_expect_shape(ge, 3, gp->shape);
        const int64_t per = ge->numel / 2;
        for (int64_t i = 0; i < ge->numel; i++) {
            assert_true(fabs(sc_tensor_get(ge, i) - sc_tensor_get(gp, i)) < 1e-12);
            if (i >= per) assert_true(sc_tensor_get(ge, i) == 0.0);  // examples do not mix
        }
        double g0 = 0;
        for (int64_t i = 0; i < per; i++) g0 = fmax(g0, fabs(sc_tensor_get(ge, i)));
        assert_true(g0 > 1e-8);
        // the leaf on a frozen model: same gradient
        mu_set_requires_grad(&m, 0);
        img->requires_grad = 0;
        sc_model_state sl;
        sc_tensor *out2 = sc_model_forward(&m, ctx, &in, SC_FWD_EMBED_LEAF, &sl);
        assert_non_null(out2);
        assert_true(sl.embeddings->requires_grad);
        assert_null(sl.embeddings->node);
        sc_tensor *y2 = sc_sum_all(ctx, sc_slice(ctx, sc_slice(ctx, out2, 0, 0, 1), 1, 1, 2));
        sc_tensor **g2 = sc_grad(ctx, &y2, 1, &sl.embeddings, 1, NULL, 0);
        if (!g2) fail_msg("%s: %s", a->m.name, ctx->err.msg);
        for (int64_t i = 0; i < ge->numel; i++)
            assert_true(fabs(sc_tensor_get(g2[0], i) - sc_tensor_get(ge, i)) < 1e-12);
        mu_set_requires_grad(&m, 1);
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// CAM: cam[b, c, u] = sum_k W[k, c] F[b, k, u]; the mean over cells is the
// logit minus the head bias (f64, 1e-10), and the maps are differentiable.
static void test_cam(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 2; k < N_ARCHS; k++) {
        const arch *a = &archs[k];
        sc_model m;
        sc_model_shape shape = image_shape(3, 0);
        mu_make(&m, &a->m, "f64", &shape, 5);
        sc_tensor *hb = sc_params_get(&m.params, "head.b"), *hw = sc_params_get(&m.params, "head.w");
        for (int64_t c = 0; c < 3; c++) sc_tensor_set(hb, c, 0.3 * (double)(c + 1));  // a non-zero bias
        sc_ctx_reset(ctx);
        sc_tensor *img = random_images(ctx, 3, IC, IH, IW, SC_F64, 6);
        sc_inputs in = image_inputs(img);
        sc_model_state st;
        sc_tensor *out = sc_model_forward(&m, ctx, &in, 0, &st);
        assert_non_null(out);
        const int64_t U = st.n_units, K = hw->shape[0];
        double spread = 0;
        for (int64_t b = 0; b < 3; b++)
            for (int64_t c = 0; c < 3; c++) {
                double mean = 0;
                for (int64_t u = 0; u < U; u++) {
                    const double v = sc_tensor_get(st.cam, (b * 3 + c) * U + u);
                    double want = 0;
                    for (int64_t kk = 0; kk < K; kk++)
                        want += sc_tensor_get(hw, kk * 3 + c) * sc_tensor_get(st.hidden[0], (b * U + u) * K + kk);
                    assert_true(fabs(v - want) < 1e-12);
                    spread = fmax(spread, fabs(v - sc_tensor_get(st.cam, (b * 3 + c) * U)));
                    mean += v / (double)U;
                }
                const double logit = sc_tensor_get(out, b * 3 + c), bias = sc_tensor_get(hb, c);
                if (fabs(mean - (logit - bias)) > 1e-10)
                    fail_msg("%s: mean cam %.15g vs logit - bias %.15g", a->m.name, mean, logit - bias);
            }
        assert_true(spread > 1e-6);  // the maps are not constant over the cells
        sc_tensor *y = sc_sum_all(ctx, st.cam);
        sc_tensor **g = sc_grad(ctx, &y, 1, &hw, 1, NULL, 0);
        assert_non_null(g);
        assert_true(mu_max_abs(g[0]) > 0);
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// Same seed -> bit-identical parameters and outputs; another seed differs.
static void test_seed_determinism(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model a, b;
        sc_model_shape shape = image_shape(2, 0);
        mu_expect_seeding(&a, &b, &archs[k].m, &shape);
        assert_non_null(sc_params_get(&a.params, "head.w"));
        sc_ctx_reset(ctx);
        sc_inputs in = image_inputs(random_images(ctx, 2, IC, IH, IW, SC_F32, 1));
        sc_tensor *ya = sc_model_forward(&a, ctx, &in, 0, NULL), *yb = sc_model_forward(&b, ctx, &in, 0, NULL);
        assert_non_null(ya);
        assert_non_null(yb);
        assert_memory_equal(ya->data, yb->data, sizeof(float) * (size_t)ya->numel);
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&a);
        sc_model_free(&b);
    }
}

static void test_config_errors(void **state) {
    (void)state;
    const char *const bad[][3] = {
        {"teacher", "vit", "depth=3"},  {"student", "vit", "patch=5"},  {"student", "cnn", "patch=3"},
        {"teacher", "vit", "width=9"},  {"student", "cnn", "pool=median"}, {"student", "cnn", "patch=8"},
    };
    // patch=3 divides 12 x 12 but is not a power of two; patch=8 does not divide 12
    const char *const expect[] = {"depth", "divide", "power of two", "divisible", "median", "divide"};
    for (int i = 0; i < 6; i++) {
        sc_config cfg;
        sc_err err = {{0}};
        sc_config_init(&cfg);
        assert_int_equal(sc_config_set_kv(&cfg, bad[i][2], &err), 0);
        sc_model m;
        sc_model_shape shape = image_shape(2, 0);
        if (i == 2) shape.H = shape.W = 12;
        assert_int_equal(sc_model_create(&m, sc_model_find(bad[i][0], bad[i][1]), &shape, &cfg, 1, &err), -1);
        if (!strstr(err.msg, expect[i])) fail_msg("'%s' not in: %s", expect[i], err.msg);
    }
    // a text shape is refused by an image model
    sc_err err = {{0}};
    sc_model m;
    sc_model_shape shape = {.modality = SC_TEXT, .n_outputs = 2, .vocab_size = 5, .max_tokens = 4};
    assert_int_equal(sc_model_create(&m, sc_model_find("student", "cnn"), &shape, NULL, 1, &err), -1);
    assert_non_null(strstr(err.msg, "image"));
}

// Images of the wrong size are refused with a clear error, never a crash.
static void test_bad_image_size(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = image_shape(2, 0);
        mu_make(&m, &archs[k].m, "f32", &shape, 1);
        const int64_t dims[3][3] = {{IC, IH + 1, IW}, {IC, IH, IW - 4}, {IC + 1, IH, IW}};
        for (int d = 0; d < 3; d++) {
            sc_ctx_reset(ctx);
            sc_inputs in = image_inputs(random_images(ctx, 2, dims[d][0], dims[d][1], dims[d][2], SC_F32, 1));
            assert_null(sc_model_forward(&m, ctx, &in, 0, NULL));
            if (!strstr(ctx->err.msg, "expected images (B, 2, 8, 12)")) fail_msg("%s", ctx->err.msg);
        }
        sc_ctx_reset(ctx);
        sc_inputs none = {.B = 1};
        assert_null(sc_model_forward(&m, ctx, &none, 0, NULL));
        sc_ctx_reset(ctx);  // f64 pixels into an f32 model: a dtype error, not a crash
        sc_inputs wrong = image_inputs(random_images(ctx, 2, IC, IH, IW, SC_F64, 1));
        assert_null(sc_model_forward(&m, ctx, &wrong, 0, NULL));
        assert_true(ctx->failed);
        if (!strstr(ctx->err.msg, "f64")) fail_msg("%s", ctx->err.msg);
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
    // the grid helpers themselves
    sc_ctx_reset(ctx);
    assert_null(sc_image_to_cells(ctx, random_images(ctx, 1, 1, 6, 8, SC_F32, 1), 4));
    assert_non_null(strstr(ctx->err.msg, "divisible by patch 4"));
    sc_ctx_reset(ctx);
    // to_cells and cells_to_image are inverses
    sc_tensor *img = random_images(ctx, 2, 3, 8, 4, SC_F64, 2);
    sc_tensor *back = sc_cells_to_image(ctx, sc_image_to_cells(ctx, img, 2), 3, 4, 2, 2);
    assert_non_null(back);
    assert_memory_equal(back->data, img->data, sizeof(double) * (size_t)img->numel);
    sc_ctx_reset(ctx);
}

// Central differences of logit[1, 0] against sc_grad, a few coordinates of
// every parameter (f64, tiny configs).
static void test_param_gradients_fd(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = image_shape(2, 0);
        mu_make(&m, &archs[k].m, "f64", &shape, 6);
        sc_ctx_reset(ctx);
        sc_inputs in = image_inputs(random_images(ctx, 2, IC, IH, IW, SC_F64, 8));
        const int checked = mu_check_logit_grads(
            ctx, &m, &in, 1, 0, &(mu_fd){.n_coords = 3, .tol = 1e-6, .nonzero = 1e-9, .what = archs[k].m.name});
        assert_true(checked >= m.params.n);  // most coordinates carry gradient
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// The second-order check's loss: cross-entropy on (in, labels), and the direction v.
typedef struct hv_problem {
    const sc_inputs *in;
    sc_tensor *labels, *const *v;
} hv_problem;

// <v, dL/dθ> for the fixed direction v: the first-order gradient, kept on the
// tape when create_graph (SMaT differentiates through student updates).
static sc_tensor *grad_dot(sc_ctx *ctx, sc_model *m, const hv_problem *q, int create_graph) {
    sc_tensor *out = sc_model_forward(m, ctx, q->in, 0, NULL);
    sc_tensor *loss = sc_cross_entropy(ctx, out, q->labels);
    sc_tensor **g = sc_grad(ctx, &loss, 1, m->params.t, m->params.n, NULL, create_graph);
    if (!g) fail_msg("%s", ctx->err.msg);
    sc_tensor *s = NULL;
    for (int p = 0; p < m->params.n; p++) {
        sc_tensor *d = sc_sum_all(ctx, sc_mul(ctx, g[p], q->v[p]));
        s = s ? sc_add(ctx, s, d) : d;
    }
    return s;
}

// The value of <v, dL/dθ> (no graph kept).
static double grad_dot_value(sc_ctx *ctx, sc_model *m, void *arg) {
    sc_ctx_mark mk = sc_ctx_get_mark(ctx);
    const double s = sc_tensor_get(grad_dot(ctx, m, arg, 0), 0);
    sc_ctx_rewind(ctx, mk);
    return s;
}

// Second order: the Hessian-vector product H v from differentiating <v, grad>
// (create_graph) against central differences of <v, grad> (f64). H is
// symmetric, so d<v, g(θ)>/dθ_i = (H v)_i.
static void test_second_order(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = image_shape(3, 0);
        mu_make(&m, &archs[k].m, "f64", &shape, 12);
        sc_ctx_reset(ctx);
        sc_inputs in = image_inputs(random_images(ctx, 3, IC, IH, IW, SC_F64, 13));
        sc_tensor *labels = sc_empty(ctx, SC_I32, 1, (int64_t[]){3});
        for (int b = 0; b < 3; b++) ((int32_t *)labels->data)[b] = (b + 1) % 3;
        sc_tensor *v[SC_PARAMS_MAX];
        sc_rng r;
        sc_rng_seed(&r, 14);
        for (int p = 0; p < m.params.n; p++) {
            v[p] = sc_empty_like(ctx, m.params.t[p]);
            for (int64_t i = 0; i < v[p]->numel; i++) sc_tensor_set(v[p], i, sc_rng_normal(&r));
        }
        hv_problem q = {&in, labels, v};
        sc_tensor *s = grad_dot(ctx, &m, &q, 1);
        sc_tensor **hv = sc_grad(ctx, &s, 1, m.params.t, m.params.n, NULL, 0);
        if (!hv) fail_msg("%s: %s", archs[k].m.name, ctx->err.msg);
        const int n_checked = 3 * m.params.n;
        const int nonzero = mu_fd_check(ctx, &m, hv,
                                        &(mu_fd){.f = grad_dot_value, .arg = &q, .n_coords = 3, .tol = 1e-5,
                                                 .nonzero = 1e-8, .what = archs[k].m.name, .label = "Hv"});
        if (nonzero < n_checked / 2)
            fail_msg("%s: only %d of %d Hv coordinates non-zero", archs[k].m.name, nonzero, n_checked);
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// Regression: one output per example (a (B, 1, U) CAM for the CNN),
// differentiable through an MSE loss.
static void test_regression_head(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = image_shape(1, 1);
        mu_make(&m, &archs[k].m, "f64", &shape, 9);
        assert_int_equal(sc_params_get(&m.params, "head.w")->shape[1], 1);
        sc_ctx_reset(ctx);
        sc_inputs in = image_inputs(random_images(ctx, 4, IC, IH, IW, SC_F64, 2));
        sc_model_state st;
        sc_tensor *out = sc_model_forward(&m, ctx, &in, SC_FWD_TRAINING, &st);
        mu_expect_shape(out, 2, (int64_t[]){4, 1});
        if (is_cnn(&archs[k])) mu_expect_shape(st.cam, 3, (int64_t[]){4, 1, st.n_units});
        sc_tensor *loss = sc_mse(ctx, out, sc_full(ctx, SC_F64, 2, (int64_t[]){4, 1}, 0.5));
        sc_tensor *hw = sc_params_get(&m.params, "head.w");
        sc_tensor **g = sc_grad(ctx, &loss, 1, &hw, 1, NULL, 0);
        assert_non_null(g);
        assert_true(mu_max_abs(g[0]) > 0);
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// A tiny image set: noise plus a bright 4x4 square in the left or the right
// half of the image (the label). Each model gets the loss low with Adam.
static sc_tensor *square_side_loss(sc_ctx *ctx, sc_model *m, void *arg) {
    (void)arg;
    const int64_t B = 16;
    sc_tensor *img = random_images(ctx, B, IC, IH, IW, SC_F32, 77);  // the same 16 examples every step
    sc_tensor *labels = sc_empty(ctx, SC_I32, 1, (int64_t[]){B});
    for (int64_t b = 0; b < B; b++) {
        const int right = (int)(b % 2);
        const int64_t y0 = (b / 2) % 5, x0 = right ? 6 + (b / 4) % 3 : (b / 4) % 3;
        ((int32_t *)labels->data)[b] = right;
        for (int64_t c = 0; c < IC; c++)
            for (int64_t y = y0; y < y0 + 4; y++)
                for (int64_t x = x0; x < x0 + 4; x++) {
                    const int64_t i = ((b * IC + c) * IH + y) * IW + x;
                    sc_tensor_set(img, i, 0.3 * sc_tensor_get(img, i) + 2.0);
                }
    }
    sc_inputs in = image_inputs(img);
    return sc_cross_entropy(ctx, sc_model_forward(m, ctx, &in, SC_FWD_TRAINING, NULL), labels);
}

static void test_overfit_tiny_images(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = image_shape(2, 0);
        mu_make(&m, &archs[k].m, "f32", &shape, 11);
        char what[64];
        snprintf(what, sizeof what, "%s %s", archs[k].m.role, archs[k].m.name);
        mu_expect_fit(ctx, &m, &(mu_fit){.loss = square_side_loss, .steps = sc_test_quick() ? 70 : 150,
                                         .lr = is_cnn(&archs[k]) ? 1e-2 : 3e-3,  // the ViTs spike at 1e-2
                                         .target = sc_test_quick() ? 0.5 : 0.05, .what = what});
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// Save -> load through the registry -> bit-identical predictions and CAMs; the
// same seed gives the same file bytes.
static void test_checkpoint_round_trip(void **state) {
    sc_ctx *ctx = *state;
    char dir[300], a[400], b[400];
    tu_tmpdir(dir, sizeof dir);
    snprintf(a, sizeof a, "%s/a.ckpt", dir);
    snprintf(b, sizeof b, "%s/b.ckpt", dir);
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m, m2, l;
        sc_err err = {{0}};
        sc_model_shape shape = image_shape(3, 0);
        mu_make(&m, &archs[k].m, "f32", &shape, 21);
        mu_make(&m2, &archs[k].m, "f32", &shape, 21);
        if (sc_checkpoint_save(a, &m, NULL, &err) || sc_checkpoint_save(b, &m2, NULL, &err)) fail_msg("%s", err.msg);
        sc_test_expect_same_bytes(a, b);
        if (sc_checkpoint_load(a, &l, NULL, &err)) fail_msg("%s: %s", archs[k].m.name, err.msg);
        assert_ptr_equal(l.def, m.def);
        sc_ctx_reset(ctx);
        sc_inputs in = image_inputs(random_images(ctx, 3, IC, IH, IW, SC_F32, 22));
        sc_model_state s1, s2;
        sc_tensor *y1 = sc_model_forward(&m, ctx, &in, 0, &s1), *y2 = sc_model_forward(&l, ctx, &in, 0, &s2);
        if (!y1 || !y2) fail_msg("%s", ctx->err.msg);
        assert_memory_equal(y1->data, y2->data, sizeof(float) * (size_t)y1->numel);
        if (is_cnn(&archs[k])) {
            const sc_tensor *c1 = sc_contiguous(ctx, s1.cam), *c2 = sc_contiguous(ctx, s2.cam);
            assert_memory_equal(c1->data, c2->data, sizeof(float) * (size_t)c1->numel);
        }
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&l);
        sc_model_free(&m2);
        sc_model_free(&m);
    }
    tu_rmtree(dir);
}

// The registered defaults build and run on Fashion-MNIST geometry: 28 x 28
// grey images, 10 classes, a 7 x 7 grid of cells.
static void test_default_configs(void **state) {
    sc_ctx *ctx = *state;
    const char *const which[][2] = {{"teacher", "vit"}, {"student", "vit"}, {"student", "cnn"}};
    for (int k = 0; k < 3; k++) {
        sc_model m;
        sc_err err = {{0}};
        sc_model_shape shape = {.modality = SC_IMAGE, .n_outputs = 10, .C = 1, .H = 28, .W = 28};
        const sc_model_def *def = sc_model_find(which[k][0], which[k][1]);
        assert_non_null(def);
        if (sc_model_create(&m, def, &shape, NULL, 1, &err)) fail_msg("%s", err.msg);
        assert_true(sc_params_numel(&m.params) < 200000);
        sc_ctx_reset(ctx);
        sc_inputs in = image_inputs(random_images(ctx, 2, 1, 28, 28, SC_F32, 1));
        sc_model_state st;
        sc_tensor *out = sc_model_forward(&m, ctx, &in, SC_FWD_TRAINING, &st);
        if (!out) fail_msg("%s", ctx->err.msg);
        mu_expect_shape(out, 2, (int64_t[]){2, 10});
        assert_int_equal(st.n_units, 49);
        mu_expect_shape(st.embeddings, 3, (int64_t[]){2, 49, 16});
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}


int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes_and_state),
        cmocka_unit_test(test_vit_cls_offset),
        cmocka_unit_test(test_embeddings_gradient),
        cmocka_unit_test(test_cam),
        cmocka_unit_test(test_seed_determinism),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_bad_image_size),
        cmocka_unit_test(test_param_gradients_fd),
        cmocka_unit_test(test_second_order),
        cmocka_unit_test(test_regression_head),
        cmocka_unit_test(test_overfit_tiny_images),
        cmocka_unit_test(test_checkpoint_round_trip),
        cmocka_unit_test(test_default_configs),
    };
    return cmocka_run_group_tests_name("models_vision", tests, sc_test_ctx_setup, sc_test_ctx_teardown);
}
