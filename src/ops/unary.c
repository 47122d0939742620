// unary.c — elementwise maps of one tensor (and scalar variants). Forward kernels
// run on a contiguous copy of the input; each rule follows its forward.
#include <math.h>

#include "kernels/fastmath.h"
#include "kernels/parallel.h"
#include "ops/op_util.h"

typedef enum {
    U_NEG, U_ADDS, U_MULS, U_POWS, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_ABS,
    U_TANH, U_SIGMOID, U_RELU, U_GELU, U_GELU_D, U_CLAMP,
} un_kind;

// GELU, tanh form: 0.5 x (1 + tanh(k0 (x + k1 x^3))).
#define GELU_K0 0.7978845608028654  // sqrt(2 / pi)
#define GELU_K1 0.044715

#define UNARY_KERNEL(T, SUFFIX, EXP, LOG, SQRT, POW, TANH, FABS)                                  \
    static void unary_##SUFFIX(un_kind k, T *o, const T *x, int64_t n, T c0, T c1) {            \
        switch (k) {                                                                            \
        case U_NEG: for (int64_t i = 0; i < n; i++) o[i] = -x[i]; break;                        \
        case U_ADDS: for (int64_t i = 0; i < n; i++) o[i] = x[i] + c0; break;                   \
        case U_MULS: for (int64_t i = 0; i < n; i++) o[i] = x[i] * c0; break;                   \
        case U_POWS: for (int64_t i = 0; i < n; i++) o[i] = POW(x[i], c0); break;               \
        case U_EXP: for (int64_t i = 0; i < n; i++) o[i] = EXP(x[i]); break;                    \
        case U_LOG: for (int64_t i = 0; i < n; i++) o[i] = LOG(x[i]); break;                    \
        case U_SQRT: for (int64_t i = 0; i < n; i++) o[i] = SQRT(x[i]); break;                  \
        case U_RSQRT: for (int64_t i = 0; i < n; i++) o[i] = (T)1 / SQRT(x[i]); break;          \
        case U_ABS: for (int64_t i = 0; i < n; i++) o[i] = FABS(x[i]); break;                   \
        case U_TANH: for (int64_t i = 0; i < n; i++) o[i] = TANH(x[i]); break;                  \
        case U_SIGMOID: /* stable on both tails */                                              \
            for (int64_t i = 0; i < n; i++) {                                                   \
                T e = EXP(-FABS(x[i]));                                                         \
                o[i] = x[i] >= 0 ? (T)1 / ((T)1 + e) : e / ((T)1 + e);                          \
            }                                                                                   \
            break;                                                                              \
        case U_RELU: for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0 ? x[i] : (T)0; break;      \
        case U_GELU:                                                                            \
            for (int64_t i = 0; i < n; i++) {                                                   \
                T v = x[i];                                                                     \
                o[i] = (T)0.5 * v * ((T)1 + TANH((T)GELU_K0 * (v + (T)GELU_K1 * v * v * v)));   \
            }                                                                                   \
            break;                                                                              \
        case U_GELU_D: /* d gelu / dx: the ops of gelu_rule's graph, one statement each */      \
            for (int64_t i = 0; i < n; i++) {                                                   \
                T v = x[i], x2 = v * v, a = x2 * (T)GELU_K1;                                    \
                a = a + (T)1;                                                                   \
                a = v * a;                                                                      \
                T u = a * (T)GELU_K0, t = TANH(u), left = t + (T)1;                             \
                left = left * (T)0.5;                                                           \
                T s = t * t;                                                                    \
                s = -s;                                                                         \
                s = s + (T)1;                                                                   \
                T du = x2 * (T)(3 * GELU_K1);                                                   \
                du = du + (T)1;                                                                 \
                T r = v * s;                                                                    \
                r = r * du;                                                                     \
                r = r * (T)(0.5 * GELU_K0);                                                     \
                o[i] = left + r;                                                                \
            }                                                                                   \
            break;                                                                              \
        case U_CLAMP:                                                                           \
            for (int64_t i = 0; i < n; i++) o[i] = x[i] < c0 ? c0 : (x[i] > c1 ? c1 : x[i]);    \
            break;                                                                              \
        }                                                                                       \
    }

UNARY_KERNEL(float, f32, sc_expf_fast, logf, sqrtf, powf, sc_tanhf_fast, fabsf)
UNARY_KERNEL(double, f64, exp, log, sqrt, pow, tanh, fabs)

// One kernel call over elements [lo, hi): the unit sc_parallel_for hands out.
typedef struct {
    un_kind k;
    sc_dtype dtype;
    void *o;
    const void *x;
    double c0, c1;
} unary_job;

static void unary_range(void *p, int64_t lo, int64_t hi) {
    const unary_job *j = p;
    if (j->dtype == SC_F32)
        unary_f32(j->k, (float *)j->o + lo, (const float *)j->x + lo, hi - lo, (float)j->c0, (float)j->c1);
    else
        unary_f64(j->k, (double *)j->o + lo, (const double *)j->x + lo, hi - lo, j->c0, j->c1);
}

static sc_tensor *unary(sc_ctx *ctx, un_kind k, const sc_op_def *def, sc_tensor *x, double c0, double c1) {
    SC_GUARD1(ctx, x);
    if (sc_need_float(ctx, def->name, x)) return NULL;
    sc_tensor *xc = sc_contiguous(ctx, x);
    sc_tensor *out = sc_empty_like(ctx, x);
    if (!xc || !out) return NULL;
    unary_job job = {k, x->dtype, out->data, xc->data, c0, c1};
    sc_parallel_for(out->numel, SC_PARALLEL_MIN_ELEMENTS, unary_range, &job);
    sc_node *n = sc_record(ctx, def, out, 1, &x);
    if (n) n->fattr[0] = c0, n->fattr[1] = c1;
    return out;
}

// A constant (never recorded) 0/1 tensor: pred(x[i]) for the piecewise rules.
typedef enum { P_POS, P_SIGN, P_INSIDE } pred_kind;
static double pred(pred_kind p, double v, double lo, double hi) {
    switch (p) {
    case P_POS: return v > 0;
    case P_SIGN: return (v > 0) - (v < 0);
    default: return v > lo && v < hi;
    }
}

static sc_tensor *piecewise(sc_ctx *ctx, const sc_tensor *x, pred_kind p, double lo, double hi) {
    sc_tensor *m = sc_empty_like(ctx, x);
    if (!m) return NULL;
    if (sc_tensor_is_contiguous(x) && x->dtype == SC_F32) {
        const float *xv = x->data;
        float *mv = m->data;
        for (int64_t i = 0; i < m->numel; i++) mv[i] = (float)pred(p, xv[i], lo, hi);
    } else {
        for (int64_t i = 0; i < m->numel; i++) sc_tensor_set(m, i, pred(p, sc_tensor_get(x, i), lo, hi));
    }
    return m;
}

#define RULE(name) static void name(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need)
#define X (n->in[0])
#define Y (n->out)

RULE(neg_rule) { if (need[0]) gin[0] = sc_neg(ctx, g); }
RULE(adds_rule) { if (need[0]) gin[0] = g; }
RULE(muls_rule) { if (need[0]) gin[0] = sc_mul_scalar(ctx, g, n->fattr[0]); }
// d x^p = p x^(p-1)
RULE(pows_rule) {
    double p = n->fattr[0];
    if (!need[0]) return;
    if (p == 0.0) gin[0] = sc_zeros_like(ctx, X);
    else if (p == 1.0) gin[0] = g;
    else gin[0] = sc_mul(ctx, g, sc_mul_scalar(ctx, sc_pow_scalar(ctx, X, p - 1.0), p));
}
RULE(exp_rule) { if (need[0]) gin[0] = sc_mul(ctx, g, Y); }
RULE(log_rule) { if (need[0]) gin[0] = sc_div(ctx, g, X); }
// d sqrt(x) = 1 / (2 sqrt(x))
RULE(sqrt_rule) { if (need[0]) gin[0] = sc_div(ctx, sc_mul_scalar(ctx, g, 0.5), Y); }
// d x^(-1/2) = -x^(-3/2) / 2 = -(y / x) / 2
RULE(rsqrt_rule) { if (need[0]) gin[0] = sc_mul(ctx, g, sc_mul_scalar(ctx, sc_div(ctx, Y, X), -0.5)); }
RULE(abs_rule) { if (need[0]) gin[0] = sc_mul(ctx, g, piecewise(ctx, X, P_SIGN, 0, 0)); }
// d tanh = 1 - y^2
RULE(tanh_rule) { if (need[0]) gin[0] = sc_mul(ctx, g, sc_rsub_scalar(ctx, sc_mul(ctx, Y, Y), 1.0)); }
// d sigmoid = y (1 - y)
RULE(sigmoid_rule) { if (need[0]) gin[0] = sc_mul(ctx, g, sc_mul(ctx, Y, sc_rsub_scalar(ctx, Y, 1.0))); }
RULE(relu_rule) { if (need[0]) gin[0] = sc_mul(ctx, g, piecewise(ctx, X, P_POS, 0, 0)); }
RULE(clamp_rule) {
    if (need[0]) gin[0] = sc_mul(ctx, g, piecewise(ctx, X, P_INSIDE, n->fattr[0], n->fattr[1]));
}
// With u = k0 (x + k1 x^3), t = tanh(u):
//   d gelu / dx = (1 + t) / 2 + x (1 - t^2) k0 (1 + 3 k1 x^2) / 2
// With create_graph the rule is gelu_backward(x, g) = g · gelu_grad(x): one op of
// its own (gelu_grad's kernel runs the very float operations the same formula
// built from ops would, so the bits are those), whose rule in turn is built from
// ops. A graph then keeps one tensor per GELU where the formula from ops kept sixteen.
// Fused derivative for the no-graph backward (same formula, one pass).
#define GELU_BACK(T, TANH)                                                               \
    for (int64_t i = 0; i < n; i++) {                                                    \
        T v = x[i], t = TANH((T)GELU_K0 * (v + (T)GELU_K1 * v * v * v));                 \
        T d = (T)0.5 * ((T)1 + t) +                                                      \
              (T)0.5 * (T)GELU_K0 * v * ((T)1 - t * t) * ((T)1 + (T)(3 * GELU_K1) * v * v); \
        o[i] = gv[i] * d;                                                                \
    }
static sc_tensor *gelu_back_fused(sc_ctx *ctx, sc_tensor *xt, sc_tensor *g) {
    sc_tensor *xc = sc_contiguous(ctx, xt), *gc = sc_contiguous(ctx, g), *out = sc_empty_like(ctx, xt);
    if (!xc || !gc || !out) return NULL;
    int64_t n = out->numel;
    if (out->dtype == SC_F32) {
        const float *x = xc->data, *gv = gc->data;
        float *o = out->data;
        GELU_BACK(float, sc_tanhf_fast)
    } else {
        const double *x = xc->data, *gv = gc->data;
        double *o = out->data;
        GELU_BACK(double, tanh)
    }
    return out;
}

RULE(gelu_rule) {
    if (!need[0]) return;
    if (!sc_same_shape(g, X)) {
        gin[0] = sc_mul(ctx, g, sc_gelu_grad(ctx, X));
        return;
    }
    gin[0] = ctx->create_graph ? sc_gelu_backward(ctx, X, g) : gelu_back_fused(ctx, X, g);
}

// d^2 gelu / dx^2 = k0 s (a + 3 k1 x^2 - k0 x t a^2), s = 1 - t^2, a = 1 + 3 k1 x^2
// (the derivative of the formula above), from ops, so that it differentiates again.
static sc_tensor *gelu_d2(sc_ctx *ctx, sc_tensor *x) {
    sc_tensor *x2 = sc_mul(ctx, x, x);
    sc_tensor *u = sc_mul(ctx, x, sc_add_scalar(ctx, sc_mul_scalar(ctx, x2, GELU_K1), 1.0));
    sc_tensor *t = sc_tanh(ctx, sc_mul_scalar(ctx, u, GELU_K0));
    sc_tensor *s = sc_rsub_scalar(ctx, sc_mul(ctx, t, t), 1.0);
    sc_tensor *k = sc_mul_scalar(ctx, x2, 3.0 * GELU_K1), *a = sc_add_scalar(ctx, k, 1.0);
    sc_tensor *q = sc_mul_scalar(ctx, sc_mul(ctx, sc_mul(ctx, x, t), sc_mul(ctx, a, a)), GELU_K0);
    return sc_mul_scalar(ctx, sc_mul(ctx, s, sc_sub(ctx, sc_add(ctx, a, k), q)), GELU_K0);
}

RULE(gelu_grad_rule) {
    if (need[0]) gin[0] = sc_mul(ctx, g, gelu_d2(ctx, X));
}

// out = G gelu'(X):  dG = g gelu'(X),  dX = g G gelu''(X)
RULE(gelu_backward_rule) {
    sc_tensor *G = n->in[1];
    if (need[1]) gin[1] = sc_mul(ctx, g, sc_gelu_grad(ctx, X));
    if (need[0]) gin[0] = sc_mul(ctx, sc_mul(ctx, g, G), gelu_d2(ctx, X));
}

static const sc_op_def OP_NEG = {"neg", neg_rule}, OP_ADDS = {"add_scalar", adds_rule},
                       OP_MULS = {"mul_scalar", muls_rule}, OP_POWS = {"pow_scalar", pows_rule},
                       OP_EXP = {"exp", exp_rule}, OP_LOG = {"log", log_rule}, OP_SQRT = {"sqrt", sqrt_rule},
                       OP_RSQRT = {"rsqrt", rsqrt_rule}, OP_ABS = {"abs", abs_rule},
                       OP_TANH = {"tanh", tanh_rule}, OP_SIGMOID = {"sigmoid", sigmoid_rule},
                       OP_RELU = {"relu", relu_rule}, OP_GELU = {"gelu", gelu_rule},
                       OP_GELU_D = {"gelu_grad", gelu_grad_rule},
                       OP_GELU_BACK = {"gelu_backward", gelu_backward_rule},
                       OP_CLAMP = {"clamp", clamp_rule};

sc_tensor *sc_neg(sc_ctx *ctx, sc_tensor *x) { return unary(ctx, U_NEG, &OP_NEG, x, 0, 0); }
sc_tensor *sc_add_scalar(sc_ctx *ctx, sc_tensor *x, double c) { return unary(ctx, U_ADDS, &OP_ADDS, x, c, 0); }
sc_tensor *sc_mul_scalar(sc_ctx *ctx, sc_tensor *x, double c) { return unary(ctx, U_MULS, &OP_MULS, x, c, 0); }
sc_tensor *sc_pow_scalar(sc_ctx *ctx, sc_tensor *x, double p) { return unary(ctx, U_POWS, &OP_POWS, x, p, 0); }
sc_tensor *sc_exp(sc_ctx *ctx, sc_tensor *x) { return unary(ctx, U_EXP, &OP_EXP, x, 0, 0); }
sc_tensor *sc_log(sc_ctx *ctx, sc_tensor *x) { return unary(ctx, U_LOG, &OP_LOG, x, 0, 0); }
sc_tensor *sc_sqrt(sc_ctx *ctx, sc_tensor *x) { return unary(ctx, U_SQRT, &OP_SQRT, x, 0, 0); }
sc_tensor *sc_rsqrt(sc_ctx *ctx, sc_tensor *x) { return unary(ctx, U_RSQRT, &OP_RSQRT, x, 0, 0); }
sc_tensor *sc_abs(sc_ctx *ctx, sc_tensor *x) { return unary(ctx, U_ABS, &OP_ABS, x, 0, 0); }
sc_tensor *sc_tanh(sc_ctx *ctx, sc_tensor *x) { return unary(ctx, U_TANH, &OP_TANH, x, 0, 0); }
sc_tensor *sc_sigmoid(sc_ctx *ctx, sc_tensor *x) { return unary(ctx, U_SIGMOID, &OP_SIGMOID, x, 0, 0); }
sc_tensor *sc_relu(sc_ctx *ctx, sc_tensor *x) { return unary(ctx, U_RELU, &OP_RELU, x, 0, 0); }
sc_tensor *sc_gelu(sc_ctx *ctx, sc_tensor *x) { return unary(ctx, U_GELU, &OP_GELU, x, 0, 0); }
sc_tensor *sc_gelu_grad(sc_ctx *ctx, sc_tensor *x) { return unary(ctx, U_GELU_D, &OP_GELU_D, x, 0, 0); }

// g gelu'(x) as one op: gelu_grad's kernel, then the product in place (the bits of
// g * gelu_grad(x), a graph keeping one tensor instead of two).
sc_tensor *sc_gelu_backward(sc_ctx *ctx, sc_tensor *x, sc_tensor *g) {
    SC_GUARD2(ctx, x, g);
    if (sc_need_like(ctx, "gelu_backward", "g", g, "x", x)) return NULL;
    sc_no_grad_begin(ctx);  // the node below records x and g
    sc_tensor *d = sc_gelu_grad(ctx, x), *gc = sc_contiguous(ctx, g);
    sc_no_grad_end(ctx);
    if (!d || !gc) return NULL;
    if (d->dtype == SC_F32) {
        float *dv = d->data;
        const float *gv = gc->data;
        for (int64_t i = 0; i < d->numel; i++) dv[i] = gv[i] * dv[i];
    } else {
        double *dv = d->data;
        const double *gv = gc->data;
        for (int64_t i = 0; i < d->numel; i++) dv[i] = gv[i] * dv[i];
    }
    sc_tensor *in[2] = {x, g};
    sc_record(ctx, &OP_GELU_BACK, d, 2, in);
    return d;
}
sc_tensor *sc_clamp(sc_ctx *ctx, sc_tensor *x, double lo, double hi) {
    if (x && lo > hi) return sc_fail(ctx, "clamp: lower bound %g above upper bound %g", lo, hi);
    return unary(ctx, U_CLAMP, &OP_CLAMP, x, lo, hi);
}
sc_tensor *sc_rsub_scalar(sc_ctx *ctx, sc_tensor *x, double c) { return sc_add_scalar(ctx, sc_neg(ctx, x), c); }
