// The engine: every registered op passes finite-difference checks (orders 1-3),
// the checker itself catches wrong and non-differentiable rules, gradients
// accumulate over reuse, no-grad / detach work, a backward pass without
// create_graph keeps the step arena to one rule's worth (same bits), and bad
// input fails cleanly.
#include "sc_test.h"

#include <math.h>
#include <string.h>

#include "autograd/gradcheck.h"
#include "ops/ops.h"

#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})

static sc_ctx *new_ctx(void) {
    static sc_ctx ctx;
    sc_err err;
    assert_int_equal(sc_ctx_init(&ctx, 64u << 20, 7, &err), 0);
    return &ctx;
}

static void test_gradcheck_every_op(void **state) {
    (void)state;
    int n;
    const sc_gc_case *const *cases = sc_gradcheck_cases(&n);
    assert_true(n >= 35);
    int max_order = sc_test_quick() ? 2 : 3;
    for (int i = 0; i < n; i++)
        for (int order = 1; order <= max_order; order++) {
            sc_gc_result r;
            sc_err err;
            if (sc_gradcheck_case(cases[i], order, &r, &err)) fail_msg("%s order %d: %s", cases[i]->name, order, err.msg);
            if (!r.ok)
                fail_msg("%s order %d: max abs err %.3e rel %.3e", cases[i]->name, order, r.max_abs, r.max_rel);
            assert_true(r.n_coords > 0);
        }
}

// ---- the checker must be able to fail ----------------------------------------------
// tanh with a wrong rule (d tanh = 1 - y instead of 1 - y^2): order 1 must fail.
static void wrong_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    gin[0] = sc_mul(ctx, g, sc_rsub_scalar(ctx, n->out, 1.0));
}
// tanh whose rule is numerically right but built from a detached copy of y: first
// order passes, the second order (which differentiates the rule) must fail.
static void detached_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    sc_tensor *y = sc_detach(ctx, n->out);
    gin[0] = sc_mul(ctx, g, sc_rsub_scalar(ctx, sc_mul(ctx, y, y), 1.0));
}
static const sc_op_def BAD = {"bad_tanh", wrong_rule}, DETACHED = {"detached_tanh", detached_rule};

static sc_tensor *custom_tanh(sc_ctx *ctx, sc_tensor *x, const sc_op_def *def) {
    sc_no_grad_begin(ctx);
    sc_tensor *y = sc_tanh(ctx, x);
    sc_no_grad_end(ctx);
    sc_record(ctx, def, y, 1, &x);
    return y;
}
static sc_tensor *f_bad(sc_ctx *ctx, sc_tensor **x) { return custom_tanh(ctx, x[0], &BAD); }
static sc_tensor *f_detached(sc_ctx *ctx, sc_tensor **x) { return custom_tanh(ctx, x[0], &DETACHED); }
static void mk(sc_arena *s, sc_rng *r, sc_tensor **x) { x[0] = sc_gc_uniform(s, r, 1, SHAPE(5), -1.5, 1.5, 0.1); }

static void test_gradcheck_catches_bad_rules(void **state) {
    (void)state;
    sc_gc_case bad = {"bad_tanh", 1, 0, mk, f_bad}, det = {"detached_tanh", 1, 0, mk, f_detached};
    sc_gc_result r;
    sc_err err;
    assert_int_equal(sc_gradcheck_case(&bad, 1, &r, &err), 0);
    assert_false(r.ok);
    assert_true(r.max_abs > 1e-2);
    assert_int_equal(sc_gradcheck_case(&det, 1, &r, &err), 0);
    assert_true(r.ok);
    assert_int_equal(sc_gradcheck_case(&det, 2, &r, &err), 0);
    assert_false(r.ok);
}

// ---- semantics ------------------------------------------------------------------------
static sc_tensor *leaf(sc_ctx *ctx, sc_dtype dt, int nd, const int64_t *shape, const double *v) {
    sc_tensor *t = sc_from_f64(ctx, dt, nd, shape, v);
    t->requires_grad = 1;
    return t;
}

static void test_accumulation_and_third_order(void **state) {
    (void)state;
    sc_ctx *ctx = new_ctx();
    const double xv[3] = {0.5, -1.0, 2.0};
    sc_tensor *x = leaf(ctx, SC_F64, 1, SHAPE(3), xv);
    // L = sum(x*x + x): x is used three times; dL/dx = 2x + 1.
    sc_tensor *L = sc_sum_all(ctx, sc_add(ctx, sc_mul(ctx, x, x), x));
    sc_tensor **g = sc_grad(ctx, &L, 1, &x, 1, NULL, 0);
    assert_non_null(g);
    for (int i = 0; i < 3; i++) assert_true(fabs(sc_tensor_get(g[0], i) - (2 * xv[i] + 1)) < 1e-12);
    // L4 = sum(x^4): d = 4x^3, d2 (sum) = 12x^2, d3 = 24x — three nested grads.
    sc_tensor *x2 = sc_mul(ctx, x, x);
    sc_tensor *L4 = sc_sum_all(ctx, sc_mul(ctx, x2, x2));
    sc_tensor **g1 = sc_grad(ctx, &L4, 1, &x, 1, NULL, 1);
    sc_tensor *s1 = sc_sum_all(ctx, g1[0]);
    sc_tensor **g2 = sc_grad(ctx, &s1, 1, &x, 1, NULL, 1);
    sc_tensor *s2 = sc_sum_all(ctx, g2[0]);
    sc_tensor **g3 = sc_grad(ctx, &s2, 1, &x, 1, NULL, 0);
    assert_non_null(g3);
    for (int i = 0; i < 3; i++) {
        assert_true(fabs(sc_tensor_get(g1[0], i) - 4 * pow(xv[i], 3)) < 1e-12);
        assert_true(fabs(sc_tensor_get(g2[0], i) - 12 * xv[i] * xv[i]) < 1e-12);
        assert_true(fabs(sc_tensor_get(g3[0], i) - 24 * xv[i]) < 1e-12);
    }
    sc_ctx_free(ctx);
}

static void test_no_grad_detach_unused(void **state) {
    (void)state;
    sc_ctx *ctx = new_ctx();
    const double v[2] = {1.0, 2.0};
    sc_tensor *x = leaf(ctx, SC_F64, 1, SHAPE(2), v), *y = leaf(ctx, SC_F64, 1, SHAPE(2), v);
    uint32_t before = ctx->n_nodes;
    sc_no_grad_begin(ctx);
    sc_tensor *z = sc_exp(ctx, x);
    sc_no_grad_end(ctx);
    assert_int_equal(ctx->n_nodes, before);
    assert_false(z->requires_grad);
    // L = sum(detach(x) * x): only the second factor carries gradient -> dL/dx = x.
    sc_tensor *L = sc_sum_all(ctx, sc_mul(ctx, sc_detach(ctx, x), x));
    sc_tensor *ins[2] = {x, y};
    sc_tensor **g = sc_grad(ctx, &L, 1, ins, 2, NULL, 0);
    assert_non_null(g);
    for (int i = 0; i < 2; i++) {
        assert_true(fabs(sc_tensor_get(g[0], i) - v[i]) < 1e-12);
        assert_true(sc_tensor_get(g[1], i) == 0.0);  // y is unused: zeros
    }
    // grad mutates nothing: running it twice gives the same numbers.
    sc_tensor **g2 = sc_grad(ctx, &L, 1, ins, 2, NULL, 0);
    for (int i = 0; i < 2; i++) assert_true(sc_tensor_get(g2[0], i) == sc_tensor_get(g[0], i));
    sc_ctx_free(ctx);
}

static void test_views_share_data(void **state) {
    (void)state;
    sc_ctx *ctx = new_ctx();
    sc_tensor *x = sc_zeros(ctx, SC_F32, 3, SHAPE(2, 3, 4));
    sc_tensor *t = sc_transpose(ctx, x, 0, 2);
    sc_tensor *s = sc_slice(ctx, x, 1, 1, 3);
    sc_tensor *r = sc_reshape(ctx, x, 2, SHAPE(6, 4));
    sc_tensor *e = sc_expand(ctx, sc_slice(ctx, x, 0, 0, 1), 3, SHAPE(5, 3, 4));
    assert_ptr_equal(t->data, x->data);
    assert_ptr_equal(r->data, x->data);
    assert_ptr_equal(s->data, (float *)x->data + 4);
    assert_ptr_equal(e->data, x->data);
    assert_int_equal(t->shape[0], 4);
    assert_int_equal(e->stride[0], 0);
    assert_false(sc_tensor_is_contiguous(t));
    sc_tensor_set(x, 5, 3.5);  // element (0, 1, 1)
    assert_true(sc_tensor_get(t, 1 * 6 + 1 * 2 + 0) == 3.5);  // t[1, 1, 0]
    sc_ctx_free(ctx);
}

// ---- bad input -------------------------------------------------------------------------
static void test_errors_name_op_and_shapes(void **state) {
    (void)state;
    sc_ctx *ctx = new_ctx();
    sc_tensor *a = sc_zeros(ctx, SC_F32, 2, SHAPE(2, 3)), *b = sc_zeros(ctx, SC_F32, 2, SHAPE(4, 3));
    assert_null(sc_add(ctx, a, b));
    assert_non_null(strstr(ctx->err.msg, "add: shapes (2, 3) f32 and (4, 3) f32 are not broadcastable"));
    // Sticky: the next op returns NULL and keeps the root-cause message.
    assert_null(sc_exp(ctx, a));
    assert_non_null(strstr(ctx->err.msg, "add:"));
    sc_ctx_reset(ctx);

    sc_tensor *d = sc_zeros(ctx, SC_F64, 2, SHAPE(2, 3)), *f = sc_zeros(ctx, SC_F32, 2, SHAPE(2, 3));
    assert_null(sc_mul(ctx, d, f));
    assert_non_null(strstr(ctx->err.msg, "mul: dtypes differ"));
    sc_ctx_reset(ctx);

    sc_tensor *m1 = sc_zeros(ctx, SC_F32, 2, SHAPE(2, 3)), *m2 = sc_zeros(ctx, SC_F32, 2, SHAPE(4, 5));
    assert_null(sc_matmul(ctx, m1, m2));
    assert_non_null(strstr(ctx->err.msg, "matmul: inner dimensions differ: (2, 3) f32 @ (4, 5) f32"));
    sc_ctx_reset(ctx);

    sc_tensor *c = sc_zeros(ctx, SC_F32, 1, SHAPE(3));  // requires_grad = 0: not on the tape
    sc_tensor *L = sc_sum_all(ctx, c);
    assert_null(sc_grad(ctx, &L, 1, &c, 1, NULL, 0));
    assert_non_null(strstr(ctx->err.msg, "does not require grad"));
    sc_ctx_reset(ctx);

    sc_tensor *v = sc_zeros(ctx, SC_F32, 1, SHAPE(3));
    v->requires_grad = 1;
    sc_tensor *y = sc_exp(ctx, v);  // not a scalar, and no grad_outputs
    assert_null(sc_grad(ctx, &y, 1, &v, 1, NULL, 0));
    assert_non_null(strstr(ctx->err.msg, "is not a scalar"));
    sc_ctx_reset(ctx);

    sc_tensor *idx = sc_full(ctx, SC_I32, 1, SHAPE(2), 9), *tab = sc_zeros(ctx, SC_F32, 2, SHAPE(4, 2));
    assert_null(sc_gather_rows(ctx, tab, idx));
    assert_non_null(strstr(ctx->err.msg, "index 9 at position 0 is outside [0, 4)"));
    sc_ctx_reset(ctx);

    assert_null(sc_reshape(ctx, a = sc_zeros(ctx, SC_F32, 2, SHAPE(2, 3)), 2, SHAPE(4, 2)));
    assert_non_null(strstr(ctx->err.msg, "reshape: cannot view (2, 3) f32 (6 elements)"));
    sc_ctx_free(ctx);
}

static void test_arena_exhaustion_is_an_error(void **state) {
    (void)state;
    sc_ctx ctx;
    sc_err err;
    assert_int_equal(sc_ctx_init(&ctx, 1u << 20, 1, &err), 0);  // 1 MiB
    sc_tensor *x = sc_zeros(&ctx, SC_F32, 2, SHAPE(256, 256));  // 256 KiB: fits
    assert_non_null(x);
    sc_tensor *y = x;
    for (int i = 0; i < 10 && y; i++) y = sc_exp(&ctx, y);  // the 4th copy no longer fits
    assert_null(y);
    assert_true(ctx.failed);
    assert_non_null(strstr(ctx.err.msg, "step arena exhausted allocating (256, 256) f32"));
    sc_ctx_reset(&ctx);
    assert_non_null(sc_exp(&ctx, sc_zeros(&ctx, SC_F32, 1, SHAPE(4))));  // usable again after reset
    sc_ctx_free(&ctx);
}

// Without create_graph the backward pass rewinds the step arena after each
// rule (autograd/grad.c): a chain of 40 layers, each a product and a tanh, of a
// 64 x 64 input gets its gradient in a small fraction of the arena its forward
// pass took, with the same bits as the pass that keeps everything (create_graph).
static void test_backward_keeps_the_arena_small(void **state) {
    (void)state;
    sc_ctx *ctx = new_ctx();
    enum { N = 64, DEPTH = 40 };
    double xv[N * N], wv[N * N];
    sc_rng r;
    sc_rng_seed(&r, 3);
    for (int i = 0; i < N * N; i++) xv[i] = sc_rng_uniform(&r) - 0.5, wv[i] = (sc_rng_uniform(&r) - 0.5) / 4;
    double got[2][N * N];
    size_t forward = 0, during[2];
    for (int cg = 0; cg < 2; cg++) {
        sc_ctx_reset(ctx);
        sc_tensor *x = leaf(ctx, SC_F32, 2, SHAPE(N, N), xv), *w = leaf(ctx, SC_F32, 2, SHAPE(N, N), wv);
        size_t start = ctx->arena.used;
        sc_tensor *h = x;
        for (int l = 0; l < DEPTH; l++) h = sc_tanh(ctx, sc_matmul(ctx, h, w));  // shared w: accumulated 40 times
        sc_tensor *L = sc_sum_all(ctx, sc_mul(ctx, h, h));
        sc_tensor *ins[2] = {x, w};
        forward = ctx->arena.used - start;
        size_t before = ctx->arena.used;
        ctx->arena.peak = before;
        sc_tensor **g = sc_grad(ctx, &L, 1, ins, 2, NULL, cg);
        assert_non_null(g);
        during[cg] = ctx->arena.peak - before;
        for (int i = 0; i < N * N; i++) got[cg][i] = sc_tensor_get(g[1], i);
    }
    if (!(during[0] * 8 < forward))
        fail_msg("backward without create_graph grew the arena by %zu bytes, the forward pass took %zu", during[0],
                 forward);
    assert_true(during[1] > forward);  // the pass that keeps its graph holds every temporary
    assert_memory_equal(got[0], got[1], sizeof got[0]);
    sc_ctx_free(ctx);
}

static void test_rng_determinism(void **state) {
    (void)state;
    sc_rng a, b;
    sc_rng_seed(&a, 42);
    sc_rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++) assert_true(sc_rng_next(&a) == sc_rng_next(&b));
    sc_rng_seed(&b, 43);
    assert_true(sc_rng_next(&a) != sc_rng_next(&b));
    double mean = 0, var = 0;
    sc_rng_seed(&a, 1);
    enum { N = 20000 };
    for (int i = 0; i < N; i++) {
        double z = sc_rng_normal(&a);
        mean += z / N;
        var += z * z / N;
    }
    assert_true(fabs(mean) < 0.03 && fabs(var - 1.0) < 0.05);
    for (int i = 0; i < 1000; i++) assert_true(sc_rng_below(&a, 7) < 7);
}

static void test_matmul_f32_large_vs_f64(void **state) {
    (void)state;
    sc_ctx *ctx = new_ctx();
    sc_rng rng;
    sc_rng_seed(&rng, 3);
    int64_t M = 65, K = 130, N = 33;
    sc_tensor *a64 = sc_empty(ctx, SC_F64, 2, SHAPE(M, K)), *b64 = sc_empty(ctx, SC_F64, 2, SHAPE(N, K));
    sc_tensor *a32 = sc_empty(ctx, SC_F32, 2, SHAPE(M, K)), *b32 = sc_empty(ctx, SC_F32, 2, SHAPE(N, K));
    for (int64_t i = 0; i < M * K; i++) sc_tensor_set(a32, i, sc_tensor_get((sc_tensor_set(a64, i, sc_rng_normal(&rng)), a64), i));
    for (int64_t i = 0; i < N * K; i++) sc_tensor_set(b32, i, sc_tensor_get((sc_tensor_set(b64, i, sc_rng_normal(&rng)), b64), i));
    // a @ b^T with b^T a strided view: no copy, BLIS reads the strides.
    sc_tensor *c64 = sc_matmul(ctx, a64, sc_transpose(ctx, b64, 0, 1));
    sc_tensor *c32 = sc_matmul(ctx, a32, sc_transpose(ctx, b32, 0, 1));
    assert_non_null(c32);
    for (int64_t i = 0; i < M * N; i++) {
        double s = 0;
        for (int64_t k = 0; k < K; k++) s += sc_tensor_get(a64, (i / N) * K + k) * sc_tensor_get(b64, (i % N) * K + k);
        assert_true(fabs(sc_tensor_get(c64, i) - s) < 1e-10);
        assert_true(fabs(sc_tensor_get(c32, i) - s) < 1e-3);
    }
    sc_ctx_free(ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradcheck_every_op),
        cmocka_unit_test(test_gradcheck_catches_bad_rules),
        cmocka_unit_test(test_accumulation_and_third_order),
        cmocka_unit_test(test_no_grad_detach_unused),
        cmocka_unit_test(test_views_share_data),
        cmocka_unit_test(test_errors_name_op_and_shapes),
        cmocka_unit_test(test_arena_exhaustion_is_an_error),
        cmocka_unit_test(test_backward_keeps_the_arena_small),
        cmocka_unit_test(test_rng_determinism),
        cmocka_unit_test(test_matmul_f32_large_vs_f64),
    };
    return cmocka_run_group_tests_name("autograd", tests, NULL, sc_test_teardown);
}
