// Explanation-based learning losses (explain/xbl_losses.c): the distance map
// against brute force, loss values where the answer is known, and the full chain
// (model -> input gradient with create_graph -> loss) differentiated in the
// model's parameters, first order against central differences and second order
// (Hessian-vector products) against differences of gradients, in f64, for both
// losses, both saliency targets and both saliencies (the input gradient, and
// Grad-CAM of a hidden feature map with the unit losses on its cells); Grad-CAM
// of the CNN equals its class activation map clipped at 0, over U.
#include "sc_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "explain/xbl_losses.h"
#include "models/model.h"
#include "ops/ops.h"
#include "models_util.h"

// ---- the distance map ---------------------------------------------------------------------

static void brute_distance(const uint8_t *mk, int64_t h, int64_t w, double *out) {
    double diag = sqrt((double)(h * h + w * w));
    int any = 0;
    for (int64_t i = 0; i < h * w; i++) any |= mk[i] != 0;
    for (int64_t r = 0; r < h; r++)
        for (int64_t c = 0; c < w; c++) {
            double best = INFINITY;
            for (int64_t r2 = 0; r2 < h; r2++)
                for (int64_t c2 = 0; c2 < w; c2++)
                    if (mk[r2 * w + c2]) best = fmin(best, (double)((r - r2) * (r - r2) + (c - c2) * (c - c2)));
            out[r * w + c] = any ? sqrt(best) / diag : 0;
        }
}

static void test_distance_map_matches_brute_force(void **state) {
    (void)state;
    const int64_t sizes[][2] = {{1, 1}, {1, 9}, {9, 1}, {7, 5}, {28, 28}, {13, 31}};
    sc_rng rng;
    sc_rng_seed(&rng, 5);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int64_t h = sizes[s][0], w = sizes[s][1], n = 4, nd, ni;
        uint8_t *mk = calloc((size_t)(n * h * w), 1);
        float *got = malloc(sizeof(float) * (size_t)(n * h * w));
        double *want = malloc(sizeof(double) * (size_t)(h * w));
        sc_xbl_distance_scratch(h, w, &nd, &ni);
        double *scratch = malloc(sizeof(double) * (size_t)nd);
        int64_t *iscratch = malloc(sizeof(int64_t) * (size_t)ni);
        // Example 0: no object; 1: every pixel; 2: sparse random pixels; 3: a block.
        for (int64_t i = 0; i < h * w; i++) {
            mk[h * w + i] = 1;
            mk[2 * h * w + i] = sc_rng_uniform(&rng) < 0.08;
            mk[3 * h * w + i] = (i / w) >= h / 3 && (i / w) <= h / 2 && (i % w) >= w / 4 && (i % w) <= w / 2;
        }
        sc_xbl_distance_map(mk, n, h, w, got, scratch, iscratch);
        for (int64_t b = 0; b < n; b++) {
            brute_distance(mk + b * h * w, h, w, want);
            for (int64_t i = 0; i < h * w; i++)
                if (fabs(got[b * h * w + i] - want[i]) > 1e-6)
                    fail_msg("%lldx%lld example %lld pixel %lld: %.7f, brute force %.7f", (long long)h, (long long)w,
                             (long long)b, (long long)i, got[b * h * w + i], want[i]);
        }
        free(mk), free(got), free(want), free(scratch), free(iscratch);
    }
}

// ---- loss values --------------------------------------------------------------------------

static void test_loss_values(void **state) {
    sc_ctx *ctx = *state;
    const int64_t sh[3] = {2, 2, 2};
    const double g[8] = {1, 2, 3, 4, 0, 0, 5, 0};
    const double wrong[8] = {0, 1, 1, 0, 1, 1, 1, 1};
    // rrr: example 0 keeps 2 and 3 (4 + 9), example 1 keeps 5 (25): mean 19.
    sc_tensor *l = sc_xbl_rrr_loss(ctx, sc_from_f64(ctx, SC_F64, 3, sh, g), sc_from_f64(ctx, SC_F64, 3, sh, wrong));
    assert_non_null(l);
    assert_true(fabs(sc_tensor_get(l, 0) - 19.0) < 1e-12);
    // distance: all of example 1's saliency sits at distance 0.75, example 0's on
    // distance 0 except 4^2 of 30 at 0.5: (16 * 0.5 / 30 + 0.75) / 2.
    const double dist[8] = {0, 0, 0, 0.5, 0.1, 0.2, 0.75, 0.3};
    l = sc_xbl_distance_loss(ctx, sc_from_f64(ctx, SC_F64, 3, sh, g), sc_from_f64(ctx, SC_F64, 3, sh, dist));
    assert_non_null(l);
    assert_true(fabs(sc_tensor_get(l, 0) - (16 * 0.5 / 30 + 0.75) / 2) < 1e-12);
    // Shapes that differ are named.
    const int64_t sh2[3] = {2, 4, 1};
    assert_null(sc_xbl_rrr_loss(ctx, sc_from_f64(ctx, SC_F64, 3, sh, g), sc_from_f64(ctx, SC_F64, 3, sh2, wrong)));
    if (!strstr(ctx->err.msg, "xbl rrr loss: saliency (2, 2, 2) f64 and map (2, 4, 1) f64 differ in shape"))
        fail_msg("%s", ctx->err.msg);
}

// ---- the chain, differentiated ------------------------------------------------------------

enum { B = 2, H = 3, W = 4, D = H * W, HID = 6, K = 3, U = 3, KC = HID / U };
static double X[B * D], W1[D * HID], W2[HID * K], MAP[B * D], CELLS[B * U];
static const int32_t Y[B] = {2, 0};

// L(W1, W2): logits = tanh(x W1) W2, then the saliency with create_graph, then
// the loss. Input gradient: g = dS/dx (B, H, W) with the pixel losses. Grad-CAM:
// of the feature map F = x W1 viewed (B, U, KC) (U cells of KC channels), its
// (B, U) map with the unit losses on per-cell maps.
typedef struct {
    int loss;  // 0 rrr, 1 distance
    sc_xbl_target target;
    int gradcam;
} chain;

static sc_tensor *chain_loss(sc_ctx *ctx, const chain *c, sc_tensor *w1, sc_tensor *w2) {
    sc_tensor *x = sc_from_f64(ctx, SC_F64, 2, (int64_t[]){B, D}, X);
    x->requires_grad = 1;
    sc_tensor *h = sc_matmul(ctx, x, w1);                                  // (B, HID)
    sc_tensor *feat = sc_reshape(ctx, h, 3, (int64_t[]){B, U, KC});        // (B, U, KC)
    sc_tensor *logits = sc_matmul(ctx, sc_tanh(ctx, sc_reshape(ctx, feat, 2, (int64_t[]){B, HID})), w2);  // (B, K)
    sc_tensor *y = sc_empty(ctx, SC_I32, 1, (int64_t[]){B});
    memcpy(y->data, Y, sizeof Y);
    if (c->gradcam) {
        sc_tensor *cam = sc_xbl_gradcam(ctx, logits, feat, c->target, y, 1);  // (B, U)
        sc_tensor *g = sc_reshape(ctx, cam, 3, (int64_t[]){B, U, 1});
        sc_tensor *map = sc_from_f64(ctx, SC_F64, 2, (int64_t[]){B, U}, CELLS);
        return c->loss ? sc_xbl_distance_token_loss(ctx, g, map, NULL) : sc_xbl_rrr_token_loss(ctx, g, map, NULL);
    }
    sc_tensor *g = sc_xbl_input_gradient(ctx, logits, x, c->target, y, 1);  // (B, D)
    int64_t img[3] = {B, H, W};
    sc_tensor *gi = sc_reshape(ctx, g, 3, img), *map = sc_from_f64(ctx, SC_F64, 3, img, MAP);
    return c->loss ? sc_xbl_distance_loss(ctx, gi, map) : sc_xbl_rrr_loss(ctx, gi, map);
}

static double loss_at(sc_ctx *ctx, const chain *c) {
    sc_ctx_reset(ctx);
    sc_tensor *w1 = sc_from_f64(ctx, SC_F64, 2, (int64_t[]){D, HID}, W1);
    sc_tensor *w2 = sc_from_f64(ctx, SC_F64, 2, (int64_t[]){HID, K}, W2);
    w1->requires_grad = w2->requires_grad = 1;
    sc_tensor *l = chain_loss(ctx, c, w1, w2);
    assert_non_null(l);
    return sc_tensor_get(l, 0);
}

// Gradient (first order), or with v the Hessian-vector product, written to out (D*HID + HID*K).
static void grad_at(sc_ctx *ctx, const chain *c, const double *v, double *out) {
    sc_ctx_reset(ctx);
    sc_tensor *w[2] = {sc_from_f64(ctx, SC_F64, 2, (int64_t[]){D, HID}, W1),
                       sc_from_f64(ctx, SC_F64, 2, (int64_t[]){HID, K}, W2)};
    w[0]->requires_grad = w[1]->requires_grad = 1;
    sc_tensor *l = chain_loss(ctx, c, w[0], w[1]);
    sc_tensor **g = sc_grad(ctx, &l, 1, w, 2, NULL, v != NULL);
    assert_non_null(g);
    if (v) {
        sc_tensor *dot = sc_add(ctx, sc_sum_all(ctx, sc_mul(ctx, g[0], sc_from_f64(ctx, SC_F64, 2, w[0]->shape, v))),
                                sc_sum_all(ctx, sc_mul(ctx, g[1], sc_from_f64(ctx, SC_F64, 2, w[1]->shape, v + D * HID))));
        g = sc_grad(ctx, &dot, 1, w, 2, NULL, 0);
        assert_non_null(g);
    }
    for (int64_t i = 0; i < D * HID; i++) out[i] = sc_tensor_get(g[0], i);
    for (int64_t i = 0; i < HID * K; i++) out[D * HID + i] = sc_tensor_get(g[1], i);
}

static double *param(int64_t i) { return i < D * HID ? &W1[i] : &W2[i - D * HID]; }

static void test_chain_first_and_second_order(void **state) {
    sc_ctx *ctx = *state;
    sc_rng rng;
    sc_rng_seed(&rng, 17);
    for (int i = 0; i < B * D; i++) X[i] = 2 * sc_rng_uniform(&rng) - 1;
    for (int i = 0; i < D * HID; i++) W1[i] = 0.8 * (2 * sc_rng_uniform(&rng) - 1);
    for (int i = 0; i < HID * K; i++) W2[i] = 0.8 * (2 * sc_rng_uniform(&rng) - 1);
    enum { P = D * HID + HID * K };
    double grad[P], v[P], hv[P], gp[P], gm[P];
    for (int i = 0; i < P; i++) v[i] = 2 * sc_rng_uniform(&rng) - 1;
    for (int loss = 0; loss < 2; loss++) {
        // rrr: the wrong region is a 0/1 mask; distance: a distance map of an object.
        uint8_t obj[B * D];
        for (int i = 0; i < B * D; i++) obj[i] = (i % W) < 2 && ((i % D) / W) < 2;
        if (loss) {
            float d[B * D];
            int64_t nd, ni;
            sc_xbl_distance_scratch(H, W, &nd, &ni);
            double *s = malloc(sizeof(double) * (size_t)nd);
            int64_t *is = malloc(sizeof(int64_t) * (size_t)ni);
            sc_xbl_distance_map(obj, B, H, W, d, s, is);
            free(s), free(is);
            for (int i = 0; i < B * D; i++) MAP[i] = d[i];
        } else {
            for (int i = 0; i < B * D; i++) MAP[i] = !obj[i];
        }
        // Cells: a decoy share in [0, 1] (rrr), a mean distance (distance).
        for (int i = 0; i < B * U; i++) CELLS[i] = loss ? 0.2 * (i % U) : (i % U == 1 ? 0.25 : i % U == 2 ? 1.0 : 0.0);
        for (int combo = 0; combo < 4; combo++) {
            int target = combo & 1, gradcam = combo >> 1;
            chain c = {loss, (sc_xbl_target)target, gradcam};
            grad_at(ctx, &c, NULL, grad);
            double worst = 0, h = 1e-6;
            for (int64_t i = 0; i < P; i++) {
                double keep = *param(i);
                *param(i) = keep + h;
                double lp = loss_at(ctx, &c);
                *param(i) = keep - h;
                double lm = loss_at(ctx, &c);
                *param(i) = keep;
                worst = fmax(worst, fabs(grad[i] - (lp - lm) / (2 * h)) / fmax(1, fabs(grad[i])));
            }
            if (worst > 1e-6) fail_msg("loss %d target %d gradcam %d: first order off by %.3e", loss, target, gradcam, worst);
            // Second order: H v against (grad(θ + h v) - grad(θ - h v)) / 2h.
            grad_at(ctx, &c, v, hv);
            for (int64_t i = 0; i < P; i++) *param(i) += h * v[i];
            grad_at(ctx, &c, NULL, gp);
            for (int64_t i = 0; i < P; i++) *param(i) -= 2 * h * v[i];
            grad_at(ctx, &c, NULL, gm);
            for (int64_t i = 0; i < P; i++) *param(i) += h * v[i];
            worst = 0;
            for (int64_t i = 0; i < P; i++) worst = fmax(worst, fabs(hv[i] - (gp[i] - gm[i]) / (2 * h)) / fmax(1, fabs(hv[i])));
            if (worst > 1e-5) fail_msg("loss %d target %d gradcam %d: second order off by %.3e", loss, target, gradcam, worst);
            assert_true(loss_at(ctx, &c) > 0);
        }
    }
}

// ---- Grad-CAM of the CNN is its class activation map ------------------------------------

// For the CNN (nn/cnn.h) the logits are mean_u F W + b, so with the gold logit
// as S, a_bk = W[k, y_b] / U and M_bu = relu(cam[b, y_b, u]) / U exactly.
static void test_gradcam_of_the_cnn_is_its_cam(void **state) {
    sc_ctx *ctx = *state;
    const mu_arch a = {"teacher", "cnn", {"width=3", "channels=5", NULL}};
    sc_model_shape shape = {.modality = SC_IMAGE, .n_outputs = 4, .C = 1, .H = 8, .W = 8};
    sc_model m;
    mu_make(&m, &a, "f64", &shape, 3);
    sc_rng rng;
    sc_rng_seed(&rng, 5);
    enum { NB = 3 };
    sc_tensor *img = sc_empty(ctx, SC_F64, 4, (int64_t[]){NB, 1, 8, 8});
    for (int64_t i = 0; i < img->numel; i++) sc_tensor_set(img, i, sc_rng_uniform(&rng));
    sc_inputs in = {.B = NB, .images = img};
    sc_model_state st = {0};
    sc_tensor *logits = sc_model_forward(&m, ctx, &in, 0, &st);
    assert_non_null(logits);
    sc_tensor *y = sc_empty(ctx, SC_I32, 1, (int64_t[]){NB});
    const int32_t labels[NB] = {3, 0, 2};
    memcpy(y->data, labels, sizeof labels);
    sc_tensor *cam = sc_xbl_gradcam(ctx, logits, st.hidden[0], SC_XBL_TARGET_LOGIT, y, 0);
    if (!cam) fail_msg("%s", ctx->err.msg);
    const int64_t Un = st.n_units;
    assert_int_equal(cam->shape[0], NB);
    assert_int_equal(cam->shape[1], Un);
    double worst = 0, mass = 0;
    for (int64_t b = 0; b < NB; b++)
        for (int64_t u = 0; u < Un; u++) {
            double ref = fmax(0, sc_tensor_get(st.cam, (b * 4 + labels[b]) * Un + u)) / (double)Un;
            worst = fmax(worst, fabs(sc_tensor_get(cam, b * Un + u) - ref));
            mass += ref;
        }
    if (worst > 1e-12) fail_msg("Grad-CAM differs from relu(CAM) / U by %.3e", worst);
    assert_true(mass > 0);  // not vacuous: some of the map is positive
    // A feature map that is not (B, U, K) is named.
    assert_null(sc_xbl_gradcam(ctx, logits, logits, SC_XBL_TARGET_LOGIT, y, 0));
    if (!strstr(ctx->err.msg, "xbl grad-cam: the feature map must be (B, U, K)")) fail_msg("%s", ctx->err.msg);
    sc_ctx_reset(ctx);
    sc_model_free(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance_map_matches_brute_force),
        cmocka_unit_test(test_loss_values),
        cmocka_unit_test(test_chain_first_and_second_order),
        cmocka_unit_test(test_gradcam_of_the_cnn_is_its_cam),
    };
    return sc_test_run_with_ctx("xbl_losses", tests);
}
