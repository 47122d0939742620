// xbl_losses.c — see xbl_losses.h. The losses are composites of engine ops, so
// their gradients of any order come from the ops' own rules.
#include "explain/xbl_losses.h"

#include <math.h>

#include "ops/ops.h"

// dS/dx for S of the target (xbl_losses.h); x any tensor on the tape.
static sc_tensor *score_gradient(sc_ctx *ctx, sc_tensor *logits, sc_tensor *x, sc_xbl_target target, sc_tensor *y,
                                 int create_graph) {
    if (logits->ndim != 2) return sc_fail(ctx, "xbl input gradient: logits must be (B, K)");
    sc_tensor *s;
    if (target == SC_XBL_SUM_LOGPROBS) {
        s = sc_sum_all(ctx, sc_log_softmax(ctx, logits, 1));  // sum_b sum_k log p_k
    } else {
        if (!y || y->ndim != 1 || y->shape[0] != logits->shape[0])
            return sc_fail(ctx, "xbl input gradient: target-logit saliency needs targets (B)");
        sc_tensor *onehot = sc_one_hot(ctx, y, logits->shape[1], logits->dtype);  // (B, K)
        s = sc_sum_all(ctx, sc_mul(ctx, logits, onehot));  // sum_b f_{y_b}
    }
    sc_tensor **g = s ? sc_grad(ctx, &s, 1, &x, 1, NULL, create_graph) : NULL;
    return g ? g[0] : NULL;
}

sc_tensor *sc_xbl_input_gradient(sc_ctx *ctx, sc_tensor *logits, sc_tensor *x, sc_xbl_target target, sc_tensor *y,
                                 int create_graph) {
    if (ctx->failed) return NULL;
    if (!logits || !x) return sc_fail(ctx, "xbl input gradient: missing logits or input");
    if (!x->requires_grad) return sc_fail(ctx, "xbl input gradient: the input must be a leaf with requires_grad");
    return score_gradient(ctx, logits, x, target, y, create_graph);
}

sc_tensor *sc_xbl_gradcam(sc_ctx *ctx, sc_tensor *logits, sc_tensor *feat, sc_xbl_target target, sc_tensor *y,
                          int create_graph) {
    if (ctx->failed) return NULL;
    if (!feat || feat->ndim != 3 || !logits || logits->shape[0] != feat->shape[0])
        return sc_fail(ctx, "xbl grad-cam: the feature map must be (B, U, K) with logits (B, classes)");
    if (!feat->requires_grad) return sc_fail(ctx, "xbl grad-cam: the feature map is not on the tape");
    // dS/dF through the same scalar as the input gradient: a "leaf" check does not apply.
    sc_tensor *dF = score_gradient(ctx, logits, feat, target, y, create_graph);  // (B, U, K)
    if (!dF) return NULL;
    sc_tensor *alpha = sc_mean(ctx, dF, 1, 1);                         // (B, 1, K)
    return sc_relu(ctx, sc_sum(ctx, sc_mul(ctx, feat, alpha), 2, 0));  // (B, U)
}

static int check_same(sc_ctx *ctx, const char *what, sc_tensor *g, sc_tensor *m) {
    if (ctx->failed) return -1;
    if (!g || !m) return sc_fail(ctx, "%s: missing saliency or map", what), -1;
    if (!sc_same_shape(g, m)) {
        char a[64], b[64];
        return sc_fail(ctx, "%s: saliency %s and map %s differ in shape", what, sc_shape_str(g, a, sizeof a),
                       sc_shape_str(m, b, sizeof b)),
               -1;
    }
    return 0;
}

// Per-example sums of t (B, ...) -> (B).
static sc_tensor *per_example_sum(sc_ctx *ctx, sc_tensor *t) {
    int64_t flat[2] = {t->shape[0], -1};
    return sc_sum(ctx, sc_reshape(ctx, t, 2, flat), 1, 0);
}

sc_tensor *sc_xbl_rrr_loss(sc_ctx *ctx, sc_tensor *g, sc_tensor *wrong_mask) {
    if (check_same(ctx, "xbl rrr loss", g, wrong_mask)) return NULL;
    sc_tensor *a = sc_mul(ctx, g, wrong_mask);
    return sc_mean(ctx, per_example_sum(ctx, sc_mul(ctx, a, a)), 0, 0);
}

sc_tensor *sc_xbl_distance_loss(sc_ctx *ctx, sc_tensor *g, sc_tensor *dist) {
    if (check_same(ctx, "xbl distance loss", g, dist)) return NULL;
    sc_tensor *s = sc_mul(ctx, g, g);                                      // (B, ...) saliency
    sc_tensor *num = per_example_sum(ctx, sc_mul(ctx, s, dist));          // (B)
    sc_tensor *den = sc_add_scalar(ctx, per_example_sum(ctx, s), SC_XBL_EPS);  // (B)
    return sc_mean(ctx, sc_div(ctx, num, den), 0, 0);
}

// ---- tokens ---------------------------------------------------------------------------

static int check_tokens(sc_ctx *ctx, const char *what, sc_tensor *g, sc_tensor *m, sc_tensor *units) {
    if (ctx->failed) return -1;
    if (!g || !m) return sc_fail(ctx, "%s: missing saliency or map", what), -1;
    char a[64], b[64];
    if (g->ndim != 3 || m->ndim != 2 || m->shape[0] != g->shape[0] || m->shape[1] != g->shape[1] ||
        (units && !sc_same_shape(units, m)))
        return sc_fail(ctx, "%s: gradient %s must be (B, T, E) and the map %s (B, T)", what,
                       sc_shape_str(g, a, sizeof a), sc_shape_str(m, b, sizeof b)),
               -1;
    return 0;
}

sc_tensor *sc_xbl_token_saliency(sc_ctx *ctx, sc_tensor *g, sc_tensor *units) {
    if (ctx->failed || !g) return NULL;
    sc_tensor *s = sc_sum(ctx, sc_mul(ctx, g, g), 2, 0);  // (B, T)
    return units ? sc_mul(ctx, s, units) : s;
}

sc_tensor *sc_xbl_rrr_token_loss(sc_ctx *ctx, sc_tensor *g, sc_tensor *wrong_mask, sc_tensor *units) {
    if (check_tokens(ctx, "xbl rrr token loss", g, wrong_mask, units)) return NULL;
    sc_tensor *s = sc_xbl_token_saliency(ctx, g, units);
    return sc_mean(ctx, sc_sum(ctx, sc_mul(ctx, s, wrong_mask), 1, 0), 0, 0);
}

sc_tensor *sc_xbl_distance_token_loss(sc_ctx *ctx, sc_tensor *g, sc_tensor *dist, sc_tensor *units) {
    if (check_tokens(ctx, "xbl distance token loss", g, dist, units)) return NULL;
    sc_tensor *s = sc_xbl_token_saliency(ctx, g, units);                      // (B, T)
    sc_tensor *num = sc_sum(ctx, sc_mul(ctx, s, dist), 1, 0);                 // (B)
    sc_tensor *den = sc_add_scalar(ctx, sc_sum(ctx, s, 1, 0), SC_XBL_EPS);     // (B)
    return sc_mean(ctx, sc_div(ctx, num, den), 0, 0);
}

void sc_xbl_distance_map_1d(const uint8_t *obj, int64_t n, float *dist) {
    // Forward pass: distance to the nearest object word on the left (or n + 1:
    // none yet); backward pass: the minimum with the nearest on the right.
    int64_t last = -1;
    for (int64_t i = 0; i < n; i++) {
        if (obj[i]) last = i;
        dist[i] = (float)(last < 0 ? n + 1 : i - last);
    }
    if (last < 0) {  // no object word: nothing to be far from
        for (int64_t i = 0; i < n; i++) dist[i] = 0;
        return;
    }
    last = -1;
    for (int64_t i = n - 1; i >= 0; i--) {
        if (obj[i]) last = i;
        double d = last < 0 ? (double)dist[i] : fmin((double)dist[i], (double)(last - i));
        dist[i] = (float)(d / (double)n);
    }
}

// ---- the distance map --------------------------------------------------------------------

// A stand-in for "no object here" in the squared-distance transform: larger than
// any squared distance on an image up to 2^19 pixels a side, and small enough
// that BIG + q^2 is still an exact integer in a double, so the lower envelope
// below is computed exactly.
#define BIG 1e12

// d[q] = min_p ((q - p)^2 + f[p]) for q in [0, n): the lower envelope of the
// parabolas rooted at (p, f[p]) (Felzenszwalb & Huttenlocher 2012). v holds the
// envelope's parabola roots, z the boundaries between them (n + 1 entries).
static void edt_1d(const double *f, int64_t n, double *d, int64_t *v, double *z) {
    int64_t k = 0;
    v[0] = 0;
    z[0] = -INFINITY;
    z[1] = INFINITY;
    for (int64_t q = 1; q < n; q++) {
        double s;
        for (;;) {  // where the new parabola overtakes the envelope's last one;
            int64_t p = v[k];  // z[0] = -inf ends the loop at k = 0 (s is finite)
            s = ((f[q] + (double)(q * q)) - (f[p] + (double)(p * p))) / (double)(2 * q - 2 * p);
            if (s > z[k]) break;
            k--;
        }
        k++;
        v[k] = q;
        z[k] = s;
        z[k + 1] = INFINITY;
    }
    k = 0;
    for (int64_t q = 0; q < n; q++) {
        while (z[k + 1] < (double)q) k++;
        double dq = (double)(q - v[k]);
        d[q] = dq * dq + f[v[k]];
    }
}

void sc_xbl_distance_scratch(int64_t h, int64_t w, int64_t *n_doubles, int64_t *n_ints) {
    int64_t m = h > w ? h : w;
    *n_doubles = 3 * (m + 1) + h * w;  // f, d, z of one line, and the column pass's result
    *n_ints = m;
}

void sc_xbl_distance_map(const uint8_t *mask, int64_t n, int64_t h, int64_t w, float *dist, double *scratch,
                         int64_t *iscratch) {
    int64_t m = h > w ? h : w;
    double *f = scratch, *d = f + (m + 1), *z = d + (m + 1), *cols = z + (m + 1);  // cols: (h, w)
    double diag = sqrt((double)(h * h + w * w));
    for (int64_t b = 0; b < n; b++) {
        const uint8_t *mk = mask + b * h * w;
        float *out = dist + b * h * w;
        int any = 0;
        for (int64_t i = 0; i < h * w && !any; i++) any = mk[i] != 0;
        if (!any) {
            for (int64_t i = 0; i < h * w; i++) out[i] = 0;
            continue;
        }
        for (int64_t c = 0; c < w; c++) {  // down each column: squared distance to the nearest object row
            for (int64_t r = 0; r < h; r++) f[r] = mk[r * w + c] ? 0 : BIG;
            edt_1d(f, h, d, iscratch, z);
            for (int64_t r = 0; r < h; r++) cols[r * w + c] = d[r];
        }
        for (int64_t r = 0; r < h; r++) {  // along each row: combine the columns' squared distances
            edt_1d(cols + r * w, w, d, iscratch, z);
            for (int64_t c = 0; c < w; c++) out[r * w + c] = (float)(sqrt(d[c]) / diag);
        }
    }
}
