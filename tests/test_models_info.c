// Every registered architecture (teachers/*.c, students/*.c) fills sc_model_info
// at build time with exactly the geometry a forward pass reports: attention
// layers and heads, units, the key position of unit 0. The explainers and SMaT
// read it instead of probing the model with a forward pass, so an architecture
// that got it wrong would silently mis-shape every explanation; a new
// architecture is checked here without editing this file. Also: a build that
// leaves the info unset is refused by sc_model_create.
#include "sc_test.h"

#include <stdio.h>
#include <string.h>

#include "models/model.h"
#include "ops/ops.h"

// Small hyperparameters, applied only where the architecture declares the key.
static const char *const small_kv[][2] = {
    {"layers", "2"}, {"width", "8"}, {"heads", "2"}, {"channels", "4"}, {"hidden", "4"}, {"dropout", "0"},
};

static int has_key(const sc_config_spec *spec, const char *key) {
    for (int i = 0; spec && spec[i].key; i++)
        if (!strcmp(spec[i].key, key)) return 1;
    return 0;
}

static sc_model_shape shape_for(sc_modality mod) {
    sc_model_shape s = {.modality = mod, .n_outputs = 3};
    if (mod == SC_TEXT) {
        s.vocab_size = 13;
        s.max_tokens = 6;
    } else if (mod == SC_IMAGE) {
        s.C = 1;
        s.H = 8;
        s.W = 12;  // a 2 x 3 grid of 4x4 cells: rows and columns must not be confused
    } else {
        s.F = 5;
    }
    return s;
}

// A full-length batch of 2 examples for the shape.
static sc_inputs inputs_for(sc_ctx *ctx, const sc_model_shape *s) {
    sc_inputs in = {.B = 2};
    if (s->modality == SC_TEXT) {
        int64_t sh[2] = {2, s->max_tokens};
        in.ids = sc_zeros(ctx, SC_I32, 2, sh);
        in.mask = sc_full(ctx, SC_F32, 2, sh, 1.0);
        int32_t *ids = in.ids->data;
        for (int64_t i = 0; i < 2 * s->max_tokens; i++) ids[i] = i % s->max_tokens == 0 ? 1 : 2 + (int32_t)(i % 7);
    } else if (s->modality == SC_IMAGE) {
        int64_t sh[4] = {2, s->C, s->H, s->W};
        in.images = sc_full(ctx, SC_F32, 4, sh, 0.5);
    } else {
        int64_t sh[2] = {2, s->F};
        in.features = sc_full(ctx, SC_F32, 2, sh, 0.25);
    }
    return in;
}

static void test_info_matches_forward(void **state) {
    sc_ctx *ctx = *state;
    int n;
    const sc_model_def *const *defs = sc_model_list(&n);
    assert_true(n >= 8);
    for (int i = 0; i < n; i++) {
        const sc_model_def *d = defs[i];
        sc_config cfg;
        sc_config_init(&cfg);
        sc_err err = {{0}};
        for (size_t k = 0; k < sizeof small_kv / sizeof small_kv[0]; k++) {
            if (!has_key(d->spec, small_kv[k][0])) continue;
            char kv[64];
            snprintf(kv, sizeof kv, "%s=%s", small_kv[k][0], small_kv[k][1]);
            assert_int_equal(sc_config_set_kv(&cfg, kv, &err), 0);
        }
        sc_model_shape sh = shape_for(d->modality);
        sc_model m;
        if (sc_model_create(&m, d, &sh, &cfg, 1, &err)) fail_msg("%s %s: %s", d->role, d->name, err.msg);
        sc_inputs in = inputs_for(ctx, &sh);
        sc_model_state st;
        memset(&st, 0, sizeof st);
        sc_no_grad_begin(ctx);
        sc_tensor *y = sc_model_forward(&m, ctx, &in, 0, &st);
        sc_no_grad_end(ctx);
        if (!y) fail_msg("%s %s: %s", d->role, d->name, ctx->err.msg);
        const sc_model_info *f = &m.info;
        if (f->n_layers != st.n_layers || f->n_heads != st.n_heads || f->n_units != st.n_units ||
            f->unit_offset != st.unit_offset)
            fail_msg("%s %s: info (layers %d, heads %d, units %lld, offset %d) but the forward pass reports "
                     "(%d, %d, %lld, %d)", d->role, d->name, f->n_layers, f->n_heads, (long long)f->n_units,
                     f->unit_offset, st.n_layers, st.n_heads, (long long)st.n_units, st.unit_offset);
        if (f->width > 0) {  // the last hidden states: one C-vector per unit
            const sc_tensor *h = st.hidden[st.n_layers];
            if (!h || h->ndim != 3 || h->shape[1] != st.n_units || h->shape[2] != f->width)
                fail_msg("%s %s: info width %lld but the last hidden states are not (B, %lld, %lld)", d->role,
                         d->name, (long long)f->width, (long long)st.n_units, (long long)f->width);
        }
        sc_ctx_reset(ctx);
        sc_model_free(&m);
    }
}

// An architecture whose build forgets the info is refused, naming it.
static int forgetful_build(sc_model *m, sc_rng *rng, sc_err *err) {
    (void)rng;
    (void)err;
    (void)m;
    return 0;
}

static void test_unset_info_is_refused(void **state) {
    (void)state;
    static const sc_config_spec none[] = {{NULL, NULL, NULL}};
    const sc_model_def def = {.name = "forgetful", .role = "student", .modality = SC_TABULAR, .summary = "test",
                              .spec = none, .build = forgetful_build, .forward = NULL};
    sc_model_shape sh = shape_for(SC_TABULAR);
    sc_model m;
    sc_err err = {{0}};
    assert_int_equal(sc_model_create(&m, &def, &sh, NULL, 1, &err), -1);
    assert_non_null(strstr(err.msg, "forgetful"));
    assert_non_null(strstr(err.msg, "m->info"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_matches_forward),
        cmocka_unit_test(test_unset_info_is_refused),
    };
    return cmocka_run_group_tests_name("models_info", tests, sc_test_ctx_setup, sc_test_ctx_teardown);
}
