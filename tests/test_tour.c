// The tour atop src/scaffold.h, compiled and run: its code snippets appear here
// verbatim (test_snippets_match checks every snippet line against this file, so
// the tour cannot drift from code that builds), with the inputs x, y it leaves
// to the reader, and the claims it makes checked: gradients on the tape can be
// differentiated again (a Hessian-vector product), and a bad shape is a sticky
// error naming the op.
#include "sc_test.h"

#include <stdio.h>
#include <string.h>

#include "scaffold.h"

static void test_tour_runs(void **state) {
    (void)state;
    // ---- section 1 (verbatim) ----
    sc_err err;
    sc_ctx ctx;                                  // step arena + tape + rng
    sc_ctx_init(&ctx, 256u << 20, /*seed*/ 1, &err);
    sc_params P;                                 // one slab, named views
    sc_params_init(&P, 64u << 20, &err);
    int64_t wshape[2] = {784, 10};
    sc_tensor *W = sc_params_add(&P, "w", SC_F32, 2, wshape, &err);  // (784, 10)
    sc_init_normal(W, &ctx.rng, 0.02);
    // ---- what the tour leaves to the reader: a batch x (4, 784) and labels y (4) ----
    int64_t xs[2] = {4, 784}, ys[1] = {4};
    sc_tensor *x = sc_empty(&ctx, SC_F32, 2, xs);
    sc_tensor *y = sc_zeros(&ctx, SC_I32, 1, ys);
    assert_non_null(x);
    assert_non_null(y);
    sc_test_fill(x, 7, 1.0);
    for (int i = 0; i < 4; i++) ((int32_t *)y->data)[i] = i;
    // ---- section 3 (verbatim) ----
    sc_tensor *loss = sc_cross_entropy(&ctx, sc_matmul(&ctx, x, W), y);  // ()
    sc_tensor **g = sc_grad(&ctx, &loss, 1, &W, 1, NULL, /*create_graph*/ 1);
    // g[0] (784, 10) is on the tape: a loss built from it can be
    // differentiated w.r.t. W (a Hessian-vector product) or anything else.
    assert_non_null(loss);
    assert_non_null(g);
    assert_true(g[0]->requires_grad);
    sc_tensor *v = sc_empty(&ctx, SC_F32, 2, wshape);  // a direction (784, 10)
    sc_test_fill(v, 3, 1.0);
    sc_tensor *gv = sc_sum_all(&ctx, sc_mul(&ctx, g[0], v));
    sc_tensor **hv = sc_grad(&ctx, &gv, 1, &W, 1, NULL, 0);  // H v
    assert_non_null(hv);
    double n = 0;
    for (int64_t i = 0; i < hv[0]->numel; i++) n += sc_tensor_get(hv[0], i) * sc_tensor_get(hv[0], i);
    assert_true(n > 0);  // cross-entropy of a linear model has curvature
    // ---- section 4: a bad shape is a sticky error naming the op ----
    int64_t bad[2] = {3, 5};
    sc_tensor *oops = sc_matmul(&ctx, x, sc_zeros(&ctx, SC_F32, 2, bad));
    if (!oops) fprintf(stdout, "%s\n", ctx.err.msg);
    assert_null(oops);
    assert_non_null(strstr(ctx.err.msg, "matmul"));
    assert_null(sc_add(&ctx, x, x));  // every op after the error returns NULL
    sc_ctx_free(&ctx);
    sc_params_free(&P);
}

// Every line of the tour's code snippets (comment lines indented 8 spaces) is in
// this file, whitespace aside; the one with "..." is prose.
static void test_snippets_match(void **state) {
    (void)state;
    size_t nh, nt;
    char *h = sc_test_slurp("src/scaffold.h", &nh), *t = sc_test_slurp(__FILE__, &nt);
    assert_non_null(h);
    assert_non_null(t);
    int lines = 0;
    for (char *p = h; (p = strstr(p, "\n//        ")); p++) {
        char line[256];
        const char *s = p + 11, *e = strchr(s, '\n');
        size_t k = (size_t)(e - s) < sizeof line - 1 ? (size_t)(e - s) : sizeof line - 1;
        memcpy(line, s, k);
        line[k] = '\0';
        if (strstr(line, "...")) continue;
        if (!strstr(t, line)) fail_msg("src/scaffold.h's tour line is not in %s:\n%s", __FILE__, line);
        lines++;
    }
    assert_true(lines >= 10);
    free(h);
    free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tour_runs),
        cmocka_unit_test(test_snippets_match),
    };
    return cmocka_run_group_tests_name("tour", tests, NULL, sc_test_teardown);
}
