// losses.c — explanation losses (see losses.h for the math). Composites only:
// every step is a differentiable op, so the SMaT meta-gradient (a gradient of
// this loss's gradient) needs no rule of its own here.
#include "explain/losses.h"

#include "ops/op_util.h"
#include "ops/ops.h"

const char *sc_expl_norm_name(sc_expl_norm n) {
    switch (n) {
    case SC_NORM_SOFTMAX: return "softmax";
    case SC_NORM_SPARSEMAX: return "sparsemax";
    case SC_NORM_ENTMAX15: return "entmax15";
    case SC_NORM_NONE: return "none";
    }
    return "?";
}

const char *sc_expl_loss_name(sc_expl_loss_kind k) {
    switch (k) {
    case SC_EXPL_LOSS_KL: return "kl";
    case SC_EXPL_LOSS_SPARSEMAX: return "sparsemax";
    case SC_EXPL_LOSS_ENTMAX15: return "entmax15";
    }
    return "?";
}

int sc_expl_loss_check(sc_expl_loss_kind loss, sc_expl_norm teacher, sc_expl_norm student, sc_err *err) {
    if ((unsigned)teacher > SC_NORM_ENTMAX15 || (unsigned)student > SC_NORM_ENTMAX15)
        return sc_errf(err, "explanation loss: unknown normalizer (teacher %d, student %d)", (int)teacher,
                       (int)student);
    switch (loss) {
    case SC_EXPL_LOSS_KL:
        if (student != SC_NORM_SOFTMAX)
            return sc_errf(err,
                           "explanation loss kl: student normalizer %s gives exact zeros and KL(p || q) "
                           "takes log q (log 0 where the %s teacher has mass); use a softmax student or "
                           "the %s loss",
                           sc_expl_norm_name(student), sc_expl_norm_name(teacher), sc_expl_norm_name(student));
        return 0;
    case SC_EXPL_LOSS_SPARSEMAX:
        if (student != SC_NORM_SPARSEMAX)
            return sc_errf(err,
                           "explanation loss sparsemax: the sparsemax Fenchel-Young loss is defined by the "
                           "sparsemax normalizer, but the student uses %s",
                           sc_expl_norm_name(student));
        return 0;
    case SC_EXPL_LOSS_ENTMAX15:
        if (student != SC_NORM_ENTMAX15)
            return sc_errf(err,
                           "explanation loss entmax15: the entmax-1.5 Fenchel-Young loss is defined by the "
                           "entmax15 normalizer, but the student uses %s",
                           sc_expl_norm_name(student));
        return 0;
    }
    return sc_errf(err, "explanation loss: unknown loss kind %d", (int)loss);
}

// Shapes: p, scores and mask must all be (B, U).
static int check_shapes(sc_ctx *ctx, const char *name, sc_tensor *p, sc_tensor *scores, sc_tensor *mask) {
    char b1[64], b2[64];
    if (scores->ndim != 2 || !sc_same_shape(p, scores)) {
        sc_fail(ctx, "%s: teacher p %s and student scores %s must both be (B, U)", name,
                sc_shape_str(p, b1, sizeof b1), sc_shape_str(scores, b2, sizeof b2));
        return -1;
    }
    if (p->dtype != scores->dtype || p->dtype == SC_I32) {
        sc_fail(ctx, "%s: p %s and scores %s need the same float dtype", name, sc_shape_str(p, b1, sizeof b1),
                sc_shape_str(scores, b2, sizeof b2));
        return -1;
    }
    if (mask && (mask->ndim != 2 || mask->shape[0] != p->shape[0] || mask->shape[1] != p->shape[1])) {
        sc_fail(ctx, "%s: mask %s must match scores %s", name, sc_shape_str(mask, b1, sizeof b1),
                sc_shape_str(scores, b2, sizeof b2));
        return -1;
    }
    return 0;
}

sc_tensor *sc_expl_mask_scores(sc_ctx *ctx, sc_tensor *scores, sc_tensor *mask) {
    if (!mask) return scores;
    SC_GUARD2(ctx, scores, mask);
    sc_tensor *fill = sc_scalar(ctx, scores->dtype, SC_EXPL_MASK_FILL);  // () constant
    return sc_where(ctx, mask, scores, fill);                            // (B, U)
}

// Teacher p restricted to valid units: (B, U).
static sc_tensor *mask_target(sc_ctx *ctx, sc_tensor *p, sc_tensor *mask) {
    if (!mask) return p;
    sc_tensor *zero = sc_scalar(ctx, p->dtype, 0.0);  // () constant
    return sc_where(ctx, mask, p, zero);
}

sc_tensor *sc_expl_kl_loss(sc_ctx *ctx, sc_tensor *p, sc_tensor *scores, sc_tensor *mask) {
    SC_GUARD2(ctx, p, scores);
    if (check_shapes(ctx, "expl_kl_loss", p, scores, mask)) return NULL;
    sc_tensor *q = sc_softmax(ctx, sc_expl_mask_scores(ctx, scores, mask), -1);  // (B, U)
    // Masked units: p = 0 there, so p (log p - log q) vanishes whatever the clipping.
    return sc_kl_div(ctx, mask_target(ctx, p, mask), q, SC_EXPL_KL_EPS);  // mean over B of the row sums
}

// Σ_u y^1.5 per row, (B,). y^1.5 is C1 at 0 but its second derivative is not
// finite there, so exact zeros go through a where() with a safe constant branch
// (the constant mask is taken from the forward values; y = 0 units contribute 0).
static sc_tensor *sum_pow15(sc_ctx *ctx, sc_tensor *y) {
    if (!y) return NULL;
    sc_tensor *pos = sc_empty(ctx, SC_F32, y->ndim, y->shape);  // (B, U) constant 0/1
    if (!pos) return NULL;
    float *pm = pos->data;
    if (sc_tensor_is_contiguous(y) && y->dtype == SC_F32) {
        const float *yd = y->data;
        for (int64_t i = 0; i < y->numel; i++) pm[i] = yd[i] > 0.0f ? 1.0f : 0.0f;
    } else if (sc_tensor_is_contiguous(y)) {
        const double *yd = y->data;
        for (int64_t i = 0; i < y->numel; i++) pm[i] = yd[i] > 0.0 ? 1.0f : 0.0f;
    } else {
        for (int64_t i = 0; i < y->numel; i++) pm[i] = sc_tensor_get(y, i) > 0.0 ? 1.0f : 0.0f;
    }
    sc_tensor *one = sc_scalar(ctx, y->dtype, 1.0), *zero = sc_scalar(ctx, y->dtype, 0.0);
    sc_tensor *safe = sc_where(ctx, pos, y, one);                          // (B, U), > 0
    sc_tensor *pw = sc_where(ctx, pos, sc_pow_scalar(ctx, safe, 1.5), zero);  // (B, U)
    return sc_sum(ctx, pw, -1, 0);                                         // (B,)
}

// Shared FY part: <θ, y - p> per row, with θ the masked scores. Masked units have
// y = p = 0, so the huge fill value never enters the sum.
static sc_tensor *fy_linear(sc_ctx *ctx, sc_tensor *theta, sc_tensor *y, sc_tensor *p, sc_tensor *mask) {
    sc_tensor *d = sc_sub(ctx, y, p);  // (B, U)
    sc_tensor *th = theta;
    if (mask) th = sc_where(ctx, mask, theta, sc_scalar(ctx, theta->dtype, 0.0));  // (B, U), fill removed
    return sc_sum(ctx, sc_mul(ctx, th, d), -1, 0);                               // (B,)
}

sc_tensor *sc_expl_sparsemax_loss(sc_ctx *ctx, sc_tensor *p, sc_tensor *scores, sc_tensor *mask) {
    SC_GUARD2(ctx, p, scores);
    if (check_shapes(ctx, "expl_sparsemax_loss", p, scores, mask)) return NULL;
    sc_tensor *theta = sc_expl_mask_scores(ctx, scores, mask);  // (B, U)
    sc_tensor *y = sc_sparsemax(ctx, theta);                      // (B, U)
    sc_tensor *pt = mask_target(ctx, p, mask);                    // (B, U)
    sc_tensor *lin = fy_linear(ctx, scores, y, pt, mask);         // (B,)
    sc_tensor *yy = sc_sum(ctx, sc_mul(ctx, y, y), -1, 0);        // (B,)
    sc_tensor *pp = sc_sum(ctx, sc_mul(ctx, pt, pt), -1, 0);      // (B,)
    sc_tensor *row = sc_add(ctx, lin, sc_mul_scalar(ctx, sc_sub(ctx, pp, yy), 0.5));  // (B,)
    return sc_mean_all(ctx, row);
}

sc_tensor *sc_expl_entmax15_loss(sc_ctx *ctx, sc_tensor *p, sc_tensor *scores, sc_tensor *mask) {
    SC_GUARD2(ctx, p, scores);
    if (check_shapes(ctx, "expl_entmax15_loss", p, scores, mask)) return NULL;
    sc_tensor *theta = sc_expl_mask_scores(ctx, scores, mask);  // (B, U)
    sc_tensor *y = sc_entmax15(ctx, theta);                       // (B, U)
    sc_tensor *pt = mask_target(ctx, p, mask);                    // (B, U)
    sc_tensor *lin = fy_linear(ctx, scores, y, pt, mask);         // (B,)
    sc_tensor *ts = sc_sub(ctx, sum_pow15(ctx, pt), sum_pow15(ctx, y));      // (B,)
    sc_tensor *row = sc_add(ctx, lin, sc_mul_scalar(ctx, ts, 4.0 / 3.0));   // (B,)
    return sc_mean_all(ctx, row);
}

sc_tensor *sc_expl_loss(sc_ctx *ctx, sc_expl_loss_kind kind, sc_tensor *p, sc_tensor *scores, sc_tensor *mask) {
    switch (kind) {
    case SC_EXPL_LOSS_KL: return sc_expl_kl_loss(ctx, p, scores, mask);
    case SC_EXPL_LOSS_SPARSEMAX: return sc_expl_sparsemax_loss(ctx, p, scores, mask);
    case SC_EXPL_LOSS_ENTMAX15: return sc_expl_entmax15_loss(ctx, p, scores, mask);
    }
    return sc_fail(ctx, "expl_loss: unknown loss kind %d", (int)kind);
}
