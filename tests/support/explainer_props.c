#include "explainer_props.h"

#include <math.h>
#include <string.h>

#include "models_util.h"
#include "ops/ops.h"
#include "sc_test.h"
#include "smat/student.h"

void ep_create(sc_explainer *e, const char *name, const char *const *kv, const sc_model *m) {
    sc_config cfg;
    sc_err err = {{0}};
    sc_config_init(&cfg);
    for (int i = 0; kv && kv[i]; i++) assert_int_equal(sc_config_set_kv(&cfg, kv[i], &err), 0);
    if (sc_explainer_create(e, name, &cfg, m, &err)) fail_msg("%s: %s", name, err.msg);
}

// STUDENT_OK: d(r . raw scores) / d(model parameters) on a forward on the tape is finite and nonzero.
static void check_student_ok(sc_ctx *ctx, sc_explainer *e, const sc_model *m, const sc_inputs *in) {
    const char *name = e->def->name;
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    sc_model_state st;
    sc_tensor *out = mu_forward(m, ctx, in, &st);
    sc_explain_args a = {.model = m, .in = in, .st = &st, .logits = out, .create_graph = 1, .raw_scores = 1};
    sc_tensor *s = sc_explain(e, ctx, &a);
    if (!s) fail_msg("%s: %s", name, ctx->err.msg);
    sc_tensor *r = sc_empty(ctx, SC_F64, 2, s->shape);
    assert_non_null(r);
    sc_test_fill(r, 17, 1.0);
    sc_tensor *L = sc_sum_all(ctx, sc_mul(ctx, s, r));
    sc_tensor **g = sc_grad(ctx, &L, 1, m->params.t, m->params.n, NULL, 0);
    if (!g) fail_msg("%s: %s", name, ctx->err.msg);
    double tot = 0;
    for (int k = 0; k < m->params.n; k++)
        for (int64_t j = 0; j < g[k]->numel; j++) tot += fabs(sc_tensor_get(g[k], j));
    if (!(tot > 0) || !isfinite(tot))
        fail_msg("%s: STUDENT_OK but the gradient of its scores w.r.t. the model is %g", name, tot);
    sc_ctx_rewind(ctx, mark);
}

void ep_properties(sc_ctx *ctx, const sc_explainer_def *const *defs, int n) {
    static const mu_arch text = {"teacher", "transformer", {"layers=2", "width=8", "heads=2", "dropout=0", NULL}};
    const int64_t V = 11, T = 7, lens[3] = {6, 2, 4};
    sc_model_shape shape = {.modality = SC_TEXT, .n_outputs = 3, .vocab_size = V, .max_tokens = T};
    sc_model m;
    mu_make(&m, &text, "f64", &shape, 3);
    sc_inputs in;
    mu_text_inputs(ctx, &in, 3, T, lens, V, SC_F64, 5);
    for (int i = 0; i < n; i++) {
        const sc_explainer_def *d = defs[i];
        if (sc_explainer_find(d->name) != d) fail_msg("%s: not the registry's entry of that name", d->name);
        assert_true(d->default_beta > 0);
        assert_true(sc_student_default_beta(d->name) == d->default_beta);
        sc_explainer e;
        ep_create(&e, d->name, NULL, &m);
        if (((d->flags & SC_EXPL_LEARNABLE) != 0) != (e.params.n > 0))
            fail_msg("%s: LEARNABLE flag %d but %d parameter tensors", d->name, !!(d->flags & SC_EXPL_LEARNABLE),
                     e.params.n);
        if (d->flags & SC_EXPL_STUDENT_OK) check_student_ok(ctx, &e, &m, &in);
        sc_explainer_free(&e);
        const char *got;
        sc_err err = {{0}};
        if (d->flags & SC_EXPL_STUDENT_OK) {
            assert_int_equal(sc_student_explainer_resolve(d->name, &m, &got, &err), 0);
            assert_string_equal(got, d->name);
        } else {
            assert_int_equal(sc_student_explainer_resolve(d->name, &m, &got, &err), -1);
            assert_non_null(strstr(err.msg, "gradient-x-input"));  // the message lists what qualifies
        }
    }
    assert_true(sc_student_default_beta("none") == 0);
    sc_ctx_reset(ctx);
    sc_model_free(&m);
}
