// An explainer added from outside the library, in this one file, as a
// researcher's own program would (src/README.md, "How to add … an explainer"):
// `input-norm` is defined below and plugged in with sc_explainer_register. It
// is then found and listed like a built-in; held to the same registry
// properties as the built-ins (tests/support/explainer_props.c); its saliency
// is the masked softmax it claims on a text transformer, a ViT and an MLP; its
// learnable log-temperature and the embeddings pass gradcheck in f64 (orders 1
// to 3, distribution and raw scores); and a student is trained with it end to
// end through sc_student_run (teacher from sc_teacher_run on synth-text), SMaT
// meta-learning its temperature. Registration refuses bad definitions, naming
// why, and a full table.
#include "sc_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autograd/gradcheck.h"
#include "explain/explainer.h"
#include "explainer_props.h"
#include "models_util.h"
#include "io/result_read.h"
#include "ops/ops.h"
#include "smat/student_run.h"
#include "smat/teacher_run.h"

// ---- the explainer: everything a researcher writes -------------------------------
//
// input-norm: the saliency of unit u is the softmax over the real units of
// ||e_u|| / T, where e_u is the unit's input embedding (st->embeddings) and
// T = exp(log_t) with log_t learnable (initialized from the `temperature` key).
// Units the model embeds with a larger norm get more mass; SMaT can sharpen or
// flatten the distribution. It takes no gradient of the model, so create_graph
// changes nothing: its scores are on the tape whenever the forward pass's
// embeddings are (the student's side), which makes it usable as a student
// explainer. With raw_scores it returns ||e_u|| / T, what its softmax reads.

typedef struct input_norm_settings {
    sc_tensor *log_t;  // (1) the learnable log-temperature, in e->params
} input_norm_settings;

// ||e_u|| / exp(log_t) over E (B, U, D): the scores (B, U), or (raw == 0) their
// softmax over the units with unit_mask 1 (the others exactly 0).
static sc_tensor *input_norm_of(sc_ctx *ctx, sc_tensor *E, const sc_tensor *unit_mask, sc_tensor *log_t, int raw) {
    int64_t s11[2] = {1, 1};
    sc_tensor *inv_t = sc_reshape(ctx, sc_exp(ctx, sc_neg(ctx, log_t)), 2, s11);  // (1, 1)
    sc_tensor *z = sc_mul(ctx, sc_l2_norm(ctx, E, -1, 0), inv_t);                  // (B, U)
    return raw ? z : sc_explain_normalize(ctx, z, unit_mask, SC_NORM_SOFTMAX, 1.0);
}

static sc_tensor *input_norm_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    const input_norm_settings *s = e->settings;
    sc_tensor *E = a->st->embeddings;
    if (!E || E->ndim != 3 || E->shape[1] != a->st->n_units)
        return sc_fail(ctx, "explainer input-norm: the model's state has no unit embeddings (B, U, D)");
    return input_norm_of(ctx, E, a->st->unit_mask, s->log_t, a->raw_scores);
}

static int input_norm_init(sc_explainer *e, const sc_model *m, sc_err *err) {
    input_norm_settings *s = e->settings;
    double t0;
    if (sc_config_double(&e->cfg, "temperature", 1e-3, 1e3, &t0, err)) return -1;
    int64_t one = 1;
    s->log_t = sc_params_add(&e->params, "log_temperature", m->dtype, 1, &one, err);
    if (!s->log_t) return -1;
    sc_init_const(s->log_t, log(t0));
    e->coef = s->log_t;  // what result files record (explainer_params.teacher_before ...)
    return 0;
}

static const sc_config_spec input_norm_spec[] = {
    {"temperature", "1", "initial temperature T of softmax(||e_u|| / T); SMaT learns log T"},
    {NULL, NULL, NULL},
};

static const sc_explainer_def input_norm = {
    .name = "input-norm",
    .summary = "softmax over units of ||unit embedding|| / T, T learnable",
    .spec = input_norm_spec,
    .default_beta = 5.0,  // a distribution like attention's
    .flags = SC_EXPL_LEARNABLE | SC_EXPL_STUDENT_OK,
    .init = input_norm_init,
    .explain = input_norm_explain,
    .settings_size = sizeof(input_norm_settings),
};

// ---- the tests ---------------------------------------------------------------------

static int setup(void **state) {
    sc_err err;
    if (sc_explainer_register(&input_norm, &err)) {
        fprintf(stderr, "register input-norm: %s\n", err.msg);
        return -1;
    }
    return sc_test_ctx_setup(state);
}

// Found, listed (last), created by name; the registry properties of the built-ins.
static void test_registered_properties(void **state) {
    sc_ctx *ctx = *state;
    assert_ptr_equal(sc_explainer_find("input-norm"), &input_norm);
    int n;
    const sc_explainer_def *const *all = sc_explainer_list(&n);
    assert_true(n > 13);
    assert_ptr_equal(all[n - 1], &input_norm);
    const sc_explainer_def *mine[1] = {&input_norm};
    ep_properties(ctx, mine, 1);
}

// The saliency is softmax(||e_u|| / T) over the real units (T = 2 here), on a
// text transformer (padded units), a ViT and an MLP; raw scores are ||e_u|| / T.
static void test_saliency_values(void **state) {
    sc_ctx *ctx = *state;
    static const mu_arch text = {"teacher", "transformer", {"layers=1", "width=8", "heads=2", "dropout=0", NULL}};
    static const mu_arch vit = {"teacher", "vit", {"layers=1", "width=8", "heads=2", "dropout=0", NULL}};
    static const mu_arch mlp = {"teacher", "mlp", {"layers=1", "width=6", "dropout=0", NULL}};
    static const char *const t2[] = {"temperature=2", NULL};
    for (int which = 0; which < 3; which++) {
        sc_model m;
        sc_inputs in;
        memset(&in, 0, sizeof in);
        if (which == 0) {
            sc_model_shape sh = {.modality = SC_TEXT, .n_outputs = 3, .vocab_size = 11, .max_tokens = 7};
            mu_make(&m, &text, "f64", &sh, 3);
            const int64_t lens[3] = {6, 1, 3};
            mu_text_inputs(ctx, &in, 3, 7, lens, 11, SC_F64, 5);
        } else if (which == 1) {
            sc_model_shape sh = {.modality = SC_IMAGE, .n_outputs = 3, .C = 1, .H = 8, .W = 8};
            mu_make(&m, &vit, "f64", &sh, 4);
            in.B = 3;
            in.images = sc_empty(ctx, SC_F64, 4, (int64_t[]){3, 1, 8, 8});
            assert_non_null(in.images);
            sc_test_fill(in.images, 2, 1.0);
        } else {
            sc_model_shape sh = {.modality = SC_TABULAR, .n_outputs = 3, .F = 6};
            mu_make(&m, &mlp, "f64", &sh, 5);
            in.B = 3;
            in.features = sc_empty(ctx, SC_F64, 2, (int64_t[]){3, 6});
            assert_non_null(in.features);
            sc_test_fill(in.features, 3, 1.0);
        }
        sc_model_state st;
        mu_forward(&m, ctx, &in, &st);
        sc_explainer e;
        ep_create(&e, "input-norm", t2, &m);
        assert_int_equal(e.params.n, 1);
        assert_ptr_equal(e.coef, e.params.t[0]);
        sc_explain_args a = {.model = &m, .in = &in, .st = &st};
        sc_tensor *s = sc_explain(&e, ctx, &a);
        sc_explain_args ar = {.model = &m, .in = &in, .st = &st, .raw_scores = 1};
        sc_tensor *r = sc_explain(&e, ctx, &ar);
        if (!s || !r) fail_msg("%s", ctx->err.msg);
        const sc_tensor *E = st.embeddings, *um = st.unit_mask;
        int64_t B = E->shape[0], U = E->shape[1], D = E->shape[2];
        int masked = 0;
        for (int64_t b = 0; b < B; b++) {
            double z[64], tot = 0, mx = -INFINITY;
            assert_true(U <= 64);
            for (int64_t u = 0; u < U; u++) {
                double q = 0;
                for (int64_t d = 0; d < D; d++) q += pow(sc_tensor_get(E, (b * U + u) * D + d), 2);
                z[u] = sqrt(q) / 2.0;
                assert_true(fabs(sc_tensor_get(r, b * U + u) - z[u]) < 1e-12);
                if (sc_tensor_get(um, b * U + u) != 0) mx = fmax(mx, z[u]);
            }
            for (int64_t u = 0; u < U; u++)
                if (sc_tensor_get(um, b * U + u) != 0) tot += exp(z[u] - mx);
            for (int64_t u = 0; u < U; u++) {
                int real = sc_tensor_get(um, b * U + u) != 0;
                double want = real ? exp(z[u] - mx) / tot : 0.0, got = sc_tensor_get(s, b * U + u);
                if (real) assert_true(fabs(got - want) < 1e-12);
                else assert_true(got == 0.0), masked++;
            }
        }
        if (which == 0) assert_true(masked > 0);  // the padded text units were there to exclude
        sc_ctx_reset(ctx);
        sc_explainer_free(&e);
        sc_model_free(&m);
    }
}

// gradcheck of the explainer's computation w.r.t. its parameter log_t (x[0])
// and the embeddings (x[1]), with a unit mask holding padding (x[2], constant).
static void gc_make(sc_arena *store, sc_rng *rng, sc_tensor **x) {
    x[0] = sc_gc_uniform(store, rng, 1, (int64_t[]){1}, -0.7, 0.7, 0);
    x[1] = sc_gc_uniform(store, rng, 3, (int64_t[]){2, 5, 3}, -1, 1, 0.2);  // norms kept away from 0
    x[2] = sc_empty_in(store, SC_F64, 2, (int64_t[]){2, 5});
    for (int64_t i = 0; i < 10; i++) sc_tensor_set(x[2], i, i < 8);  // example 0: 5 real units, example 1: 3
}
static sc_tensor *gc_dist(sc_ctx *ctx, sc_tensor **x) { return input_norm_of(ctx, x[1], x[2], x[0], 0); }
static sc_tensor *gc_raw(sc_ctx *ctx, sc_tensor **x) { return input_norm_of(ctx, x[1], x[2], x[0], 1); }

static void test_gradcheck(void **state) {
    (void)state;
    const sc_gc_case cases[2] = {{"input-norm", 2, 1, gc_make, gc_dist}, {"input-norm-raw", 2, 1, gc_make, gc_raw}};
    int max_order = sc_test_quick() ? 2 : 3;
    for (int c = 0; c < 2; c++)
        for (int order = 1; order <= max_order; order++) {
            sc_gc_result r;
            sc_err err;
            if (sc_gradcheck_case(&cases[c], order, &r, &err)) fail_msg("%s order %d: %s", cases[c].name, order, err.msg);
            if (!r.ok) fail_msg("%s order %d: max abs err %.3e rel %.3e", cases[c].name, order, r.max_abs, r.max_rel);
            assert_true(r.n_coords > 0);
        }
}

// A tiny teacher on synth-text (sc_teacher_run), then a student trained with
// input-norm as the teacher's explainer, meta-learned (SMaT), and as the
// student's own explainer (sc_student_run): the result file is written and
// reads back, simulatability is a number in [0, 1], the learned temperature is
// recorded and moved.
static void test_student_end_to_end(void **state) {
    (void)state;
    int quick = sc_test_quick();
    char root[] = "/tmp/sc_plugin_XXXXXX";
    assert_non_null(mkdtemp(root));
    char tdir[64], sdir[64];
    snprintf(tdir, sizeof tdir, "%s/teacher", root);
    snprintf(sdir, sizeof sdir, "%s/student", root);
    sc_err err;

    char *tsets[] = {"layers=1", "width=16", "heads=2", quick ? "max_steps=4" : "max_steps=60", "epochs=1",
                     "warmup=5", "lr=3e-3"};
    sc_teacher_run_cfg tc = sc_teacher_run_defaults();
    tc.task = "synth-text", tc.arch = "transformer", tc.sets = tsets, tc.n_sets = 7, tc.seed = 5, tc.out = tdir;
    tc.log = NULL;
    sc_teacher_outcome to;
    if (sc_teacher_run(&tc, &to, &err)) fail_msg("teacher run: %s", err.msg);

    char *ssets[] = {"layers=1", "width=16", "heads=2", "epochs=2", quick ? "max_steps=2" : "max_steps=0",
                     "student_explainer=input-norm", "teacher.temperature=2"};
    sc_student_run_cfg sc = sc_student_run_defaults();
    sc.teacher_ckpt = tdir, sc.explainer = "input-norm", sc.learn = 1, sc.n = 64, sc.seed = 2, sc.out = sdir;
    sc.sets = ssets, sc.n_sets = 7, sc.log = NULL;
    sc_student_outcome o;
    if (sc_student_run(&sc, &o, &err)) fail_msg("student run: %s", err.msg);
    assert_string_equal(o.explainer, "input-norm");
    assert_string_equal(o.student_explainer, "input-norm");
    assert_true(o.beta == 5.0);  // beta=auto: its default_beta
    assert_true(o.meta_steps > 0);
    assert_int_equal(o.n_phi, 1);
    assert_int_equal(o.n_psi, 1);
    assert_true(fabs(o.phi_before[0] - log(2.0)) < 1e-6);
    assert_true(o.phi_after[0] != o.phi_before[0]);  // SMaT moved the temperature
    assert_true(o.simulatability >= 0 && o.simulatability <= 1);

    sc_result_doc d;
    if (sc_result_load(&d, o.metrics_path, &err)) fail_msg("%s", err.msg);
    char name[64];
    double sim = NAN;
    float *after = NULL;
    size_t n_after = 0;
    if (sc_result_str(&d, "explainer", name, sizeof name, &err) ||
        sc_result_real(&d, "test.simulatability", 0, 1, &sim, &err) ||
        sc_result_floats(&d, "explainer_params.teacher_after", &after, &n_after, &err))
        fail_msg("%s", err.msg);
    assert_string_equal(name, "input-norm");
    assert_true(sim == o.simulatability);
    assert_int_equal(n_after, 1);
    assert_true(after[0] == o.phi_after[0]);
    free(after);
    sc_result_doc_free(&d);
    sc_student_outcome_free(&o);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

// Registration refuses, naming why, and leaves the registry as it was.
static void test_register_refusals(void **state) {
    (void)state;
    int n0;
    sc_explainer_list(&n0);
    sc_explainer_def d = input_norm;
    struct {
        const char *name;
        void (*edit)(sc_explainer_def *);
        const char *want;
    } bad[] = {
        {"input-norm", NULL, "taken"},       {"attention", NULL, "taken"},   {"", NULL, "1 to"},
        {"Input-Norm", NULL, "a-z, 0-9"},    {"in_norm", NULL, "a-z, 0-9"},  {"a/b", NULL, "a-z, 0-9"},
        {"none", NULL, "reserved"},          {"auto", NULL, "reserved"},
        {"x123456789x123456789x123456789x123456789x123456789", NULL, "1 to 48"},
    };
    sc_err err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = input_norm;
        d.name = bad[i].name;
        assert_int_equal(sc_explainer_register(&d, &err), -1);
        if (!strstr(err.msg, bad[i].want)) fail_msg("'%s': %s", bad[i].name, err.msg);
    }
    assert_int_equal(sc_explainer_register(NULL, &err), -1);
    d = input_norm, d.name = NULL;
    assert_int_equal(sc_explainer_register(&d, &err), -1);
    assert_non_null(strstr(err.msg, "no name"));
    d = input_norm, d.name = "ok-name", d.init = NULL;
    assert_int_equal(sc_explainer_register(&d, &err), -1);
    assert_non_null(strstr(err.msg, "init and explain"));
    d = input_norm, d.name = "ok-name", d.explain = NULL;
    assert_int_equal(sc_explainer_register(&d, &err), -1);
    assert_non_null(strstr(err.msg, "init and explain"));
    d = input_norm, d.name = "ok-name", d.spec = NULL;
    assert_int_equal(sc_explainer_register(&d, &err), -1);
    assert_non_null(strstr(err.msg, "no spec"));
    d = input_norm, d.name = "ok-name", d.flags = 1u << 7;
    assert_int_equal(sc_explainer_register(&d, &err), -1);
    assert_non_null(strstr(err.msg, "unknown flags"));
    d = input_norm, d.name = "ok-name", d.default_beta = 0;
    assert_int_equal(sc_explainer_register(&d, &err), -1);
    assert_non_null(strstr(err.msg, "default_beta"));
    d.default_beta = NAN;
    assert_int_equal(sc_explainer_register(&d, &err), -1);
    // The features/from_features split: all three hooks or none.
    const sc_explainer_def *att = sc_explainer_find("attention");
    assert_non_null(att->features);
    d = input_norm, d.name = "ok-name", d.features = att->features;
    assert_int_equal(sc_explainer_register(&d, &err), -1);
    assert_non_null(strstr(err.msg, "all three or none"));
    d.feature_rows = att->feature_rows;
    assert_int_equal(sc_explainer_register(&d, &err), -1);
    assert_non_null(strstr(err.msg, "all three or none"));
    int n1;
    sc_explainer_list(&n1);
    assert_int_equal(n1, n0);
    assert_null(sc_explainer_find("ok-name"));
}

// The table holds SC_EXPLAINER_MAX explainers; one more is refused by name of
// the limit. (Last: it fills the process's registry.)
static void test_register_full(void **state) {
    (void)state;
    static char names[SC_EXPLAINER_MAX][16];
    static sc_explainer_def defs[SC_EXPLAINER_MAX];
    int n;
    sc_explainer_list(&n);
    sc_err err;
    int k = 0;
    for (; n + k < SC_EXPLAINER_MAX; k++) {
        snprintf(names[k], sizeof names[k], "filler-%d", k);
        defs[k] = input_norm;
        defs[k].name = names[k];
        if (sc_explainer_register(&defs[k], &err)) fail_msg("%s: %s", names[k], err.msg);
    }
    snprintf(names[k], sizeof names[k], "filler-%d", k);
    defs[k] = input_norm;
    defs[k].name = names[k];
    assert_int_equal(sc_explainer_register(&defs[k], &err), -1);
    assert_non_null(strstr(err.msg, "full"));
    assert_non_null(strstr(err.msg, "SC_EXPLAINER_MAX"));
    sc_explainer_list(&n);
    assert_int_equal(n, SC_EXPLAINER_MAX);
    assert_ptr_equal(sc_explainer_find("filler-0"), &defs[0]);
    assert_null(sc_explainer_find(names[k]));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered_properties), cmocka_unit_test(test_saliency_values),
        cmocka_unit_test(test_gradcheck),             cmocka_unit_test(test_student_end_to_end),
        cmocka_unit_test(test_register_refusals),     cmocka_unit_test(test_register_full),
    };
    return cmocka_run_group_tests_name("explainer_plugin", tests, setup, sc_test_ctx_teardown);
}
