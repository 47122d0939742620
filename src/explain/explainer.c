// explainer.c — the explainer registry, creation, and the shared normalizers.
#include "explain/explainer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"

extern const sc_explainer_def sc_explainer_attention, sc_explainer_attention_uniform,
    sc_explainer_attention_last_layer, sc_explainer_attention_head, sc_explainer_gradient_norm,
    sc_explainer_gradient_x_input, sc_explainer_attention_x_gradient, sc_explainer_random,
    sc_explainer_permuted, sc_explainer_rationale, sc_explainer_integrated_gradients, sc_explainer_occlusion, sc_explainer_lime;

// The built-ins, then what sc_explainer_register added; NULL after the last.
static const sc_explainer_def *registry[SC_EXPLAINER_MAX] = {
    &sc_explainer_attention,       &sc_explainer_attention_uniform, &sc_explainer_attention_last_layer,
    &sc_explainer_attention_head,  &sc_explainer_gradient_norm,     &sc_explainer_gradient_x_input,
    &sc_explainer_attention_x_gradient, &sc_explainer_random,       &sc_explainer_permuted,
    &sc_explainer_rationale,
    &sc_explainer_integrated_gradients, &sc_explainer_occlusion,    &sc_explainer_lime,
};

static int n_registry(void) {
    int n = 0;
    while (n < SC_EXPLAINER_MAX && registry[n]) n++;
    return n;
}

const char *const sc_explain_norm_names[] = {"softmax", "sparsemax", "entmax15", "none", NULL};

const char *sc_explainer_need_name(unsigned bit) {
    switch (bit) {
    case SC_EXPL_NEEDS_ATTENTION: return "attention logits of every layer";
    case SC_EXPL_NEEDS_EMBED_GRAD: return "gradients w.r.t. the unit embeddings";
    case SC_EXPL_NEEDS_FORWARDS: return "more forward passes on modified inputs";
    case SC_EXPL_NEEDS_BASE: return "another explainer's explanation (--base)";
    case SC_EXPL_NEEDS_RATIONALE: return "the task's ground-truth rationales";
    default: return NULL;
    }
}

const char *sc_explainer_nearest(const char *name) {
    const char *best = NULL;
    int best_d = 3;
    for (int i = 0, n = n_registry(); i < n; i++) {
        int d = sc_edit_distance(name, registry[i]->name);
        if (d < best_d) best_d = d, best = registry[i]->name;
    }
    return best;
}

const char *sc_explainer_names(char *buf, size_t cap) {
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0, n = n_registry(); i < n; i++) {
        int w = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", registry[i]->name);
        if (w < 0 || (size_t)w >= cap - o) {
            if (cap > 4) snprintf(buf + (o < cap - 4 ? o : cap - 4), 4, "...");
            break;
        }
        o += (size_t)w;
    }
    return buf;
}

const sc_explainer_def *sc_explainer_find(const char *name) {
    for (int i = 0, n = n_registry(); name && i < n; i++)
        if (!strcmp(registry[i]->name, name)) return registry[i];
    return NULL;
}

const sc_explainer_def *const *sc_explainer_list(int *n) {
    *n = n_registry();
    return registry;
}

int sc_explainer_register(const sc_explainer_def *d, sc_err *err) {
    if (!d || !d->name) return sc_errf(err, "register explainer: no definition or no name");
    const char *nm = d->name;
    size_t len = strlen(nm);
    if (len == 0 || len > SC_EXPLAINER_NAME_MAX)
        return sc_errf(err, "register explainer '%s': a name has 1 to %d characters", nm, SC_EXPLAINER_NAME_MAX);
    for (size_t i = 0; i < len; i++)
        if (!((nm[i] >= 'a' && nm[i] <= 'z') || (nm[i] >= '0' && nm[i] <= '9') || nm[i] == '-'))
            return sc_errf(err, "register explainer '%s': a name is made of a-z, 0-9 and '-' only", nm);
    if (!strcmp(nm, "none") || !strcmp(nm, "auto"))
        return sc_errf(err, "register explainer '%s': the name is reserved ('none': no explainer, 'auto': the "
                       "student's default)", nm);
    if (sc_explainer_find(nm)) return sc_errf(err, "register explainer '%s': the name is taken", nm);
    if (!d->init || !d->explain) return sc_errf(err, "register explainer '%s': init and explain are required", nm);
    if (!d->feature_rows != !d->features || !d->features != !d->from_features)
        return sc_errf(err, "register explainer '%s': feature_rows, features and from_features go together "
                       "(all three or none)", nm);
    if (!d->spec)
        return sc_errf(err, "register explainer '%s': no spec (a configuration without keys is {{NULL, NULL, NULL}})",
                       nm);
    if (d->flags & ~(unsigned)(SC_EXPL_LEARNABLE | SC_EXPL_STUDENT_OK))
        return sc_errf(err, "register explainer '%s': unknown flags 0x%x (SC_EXPL_LEARNABLE, SC_EXPL_STUDENT_OK)", nm,
                       d->flags & ~(unsigned)(SC_EXPL_LEARNABLE | SC_EXPL_STUDENT_OK));
    if (d->needs & ~SC_EXPL_NEEDS_ALL)
        return sc_errf(err, "register explainer '%s': unknown needs bits 0x%x (SC_EXPL_NEEDS_*)", nm,
                       d->needs & ~SC_EXPL_NEEDS_ALL);
    if (!(d->default_beta > 0) || !isfinite(d->default_beta))
        return sc_errf(err, "register explainer '%s': default_beta %g must be a positive number (beta=auto uses it)",
                       nm, d->default_beta);
    int n = n_registry();
    if (n == SC_EXPLAINER_MAX)
        return sc_errf(err, "register explainer '%s': the registry is full (SC_EXPLAINER_MAX = %d explainers, the "
                       "built-ins included)", nm, SC_EXPLAINER_MAX);
    registry[n] = d;
    return 0;
}

int sc_explainer_learnable(const sc_explainer_def *d) { return d && (d->flags & SC_EXPL_LEARNABLE); }

int sc_explainer_create(sc_explainer *e, const char *name, const sc_config *cfg, const sc_model *m, sc_err *err) {
    memset(e, 0, sizeof *e);
    e->def = sc_explainer_find(name);
    if (!e->def) {
        char names[1024];
        return sc_errf(err, "unknown explainer '%s' (known: %s; `scaffold explainers` describes them)", name,
                       sc_explainer_names(names, sizeof names));
    }
    if (cfg) e->cfg = *cfg;
    else sc_config_init(&e->cfg);
    const sc_config_spec *specs[1] = {e->def->spec};
    char what[80];
    snprintf(what, sizeof what, "explainer %s", name);
    if (sc_config_apply_defaults(&e->cfg, e->def->spec, what, err)) return -1;
    if (sc_config_check_known(&e->cfg, specs, 1, what, err)) return -1;
    if (sc_params_init(&e->params, (size_t)1 << 16, err)) return -1;
    if (e->def->settings_size && !(e->settings = calloc(1, e->def->settings_size))) {
        sc_explainer_free(e);
        return sc_errf(err, "explainer %s: out of memory for its settings", name);
    }
    e->n_layers = m->info.n_layers;  // the model's geometry, known since it was built
    e->n_heads = m->info.n_heads;
    if (e->def->init(e, m, err)) {
        sc_explainer_free(e);
        return -1;
    }
    if (sc_explainer_learnable(e->def) != (e->params.n > 0)) {  // the flag must tell the truth
        sc_errf(err, "explainer %s: declared %s (SC_EXPL_LEARNABLE), but its init created %d parameter tensors", name,
                sc_explainer_learnable(e->def) ? "learnable" : "not learnable", e->params.n);
        sc_explainer_free(e);
        return -1;
    }
    return 0;
}

void sc_explainer_free(sc_explainer *e) {
    sc_params_free(&e->params);
    free(e->settings);
    e->settings = NULL;
    e->coef = NULL;
}

sc_tensor *sc_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    if (ctx->failed) return NULL;
    if (!a || !a->model || !a->in || !a->st || !a->st->unit_mask)
        return sc_fail(ctx, "explain %s: missing model, inputs or state", e->def->name);
    sc_tensor *s = e->def->explain(e, ctx, a);
    if (s && (s->ndim != 2 || s->shape[0] != a->st->unit_mask->shape[0] || s->shape[1] != a->st->n_units))
        return sc_fail(ctx, "explain %s: saliency has the wrong shape", e->def->name);
    return s;
}

int sc_explainer_feature_rows(const sc_explainer *e) {
    return e && e->def && e->def->feature_rows ? e->def->feature_rows(e) : 0;
}

sc_tensor *sc_explain_features(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    if (ctx->failed) return NULL;
    int P = sc_explainer_feature_rows(e);
    if (P <= 0) return sc_fail(ctx, "explain %s: this explainer has no parameter-free features", e->def->name);
    if (!a || !a->model || !a->in || !a->st || !a->st->unit_mask)
        return sc_fail(ctx, "explain %s: missing model, inputs or state", e->def->name);
    sc_no_grad_begin(ctx);
    sc_tensor *f = e->def->features(e, ctx, a);
    sc_no_grad_end(ctx);
    if (f && (f->ndim != 3 || f->shape[0] != a->st->unit_mask->shape[0] || f->shape[1] != P ||
              f->shape[2] != a->st->n_units))
        return sc_fail(ctx, "explain %s: features have the wrong shape", e->def->name);
    return f;
}

sc_tensor *sc_explain_from_features(sc_explainer *e, sc_ctx *ctx, sc_tensor *f, const sc_tensor *unit_mask,
                                    const sc_explain_args *a) {
    if (ctx->failed || !f || !unit_mask) return NULL;
    int P = sc_explainer_feature_rows(e);
    if (P <= 0) return sc_fail(ctx, "explain %s: this explainer has no parameter-free features", e->def->name);
    if (f->ndim != 3 || unit_mask->ndim != 2 || f->shape[0] != unit_mask->shape[0] || f->shape[1] != P ||
        f->shape[2] != unit_mask->shape[1]) {
        char b1[64], b2[64];
        return sc_fail(ctx, "explain %s: features %s do not fit the unit mask %s (expected (B, %d, U))",
                       e->def->name, sc_shape_str(f, b1, sizeof b1), sc_shape_str(unit_mask, b2, sizeof b2), P);
    }
    sc_tensor *s = e->def->from_features(e, ctx, f, unit_mask, a);
    if (s && !sc_same_shape(s, unit_mask)) return sc_fail(ctx, "explain %s: saliency has the wrong shape", e->def->name);
    return s;
}

sc_tensor *sc_explain_normalize(sc_ctx *ctx, sc_tensor *z, const sc_tensor *unit_mask, int kind, double temperature) {
    if (!z || !unit_mask) return NULL;
    if (!sc_same_shape(z, unit_mask)) {
        char b1[64], b2[64];
        return sc_fail(ctx, "explain normalize: z %s vs unit_mask %s", sc_shape_str(z, b1, sizeof b1),
                       sc_shape_str(unit_mask, b2, sizeof b2));
    }
    // pad = 1 where the unit is masked out: a constant, never differentiated.
    sc_tensor *pad = sc_empty(ctx, z->dtype, 2, z->shape);  // (B, U)
    if (!pad) return NULL;
    for (int64_t i = 0; i < pad->numel; i++) sc_tensor_set(pad, i, sc_tensor_get(unit_mask, i) == 0.0);
    if (kind == SC_NORM_NONE) {
        // Nonnegative scores divided by their masked sum (a tiny floor avoids 0/0).
        sc_tensor *zm = sc_masked_fill(ctx, z, pad, 0.0);
        sc_tensor *tot = sc_add_scalar(ctx, sc_sum(ctx, zm, -1, 1), 1e-30);
        return sc_div(ctx, zm, tot);
    }
    // Masked units get -1e9: exactly zero after softmax, sparsemax or entmax.
    sc_tensor *x = sc_masked_fill(ctx, sc_mul_scalar(ctx, z, 1.0 / temperature), pad, -1e9);
    if (kind == SC_NORM_SPARSEMAX) return sc_sparsemax(ctx, x);
    if (kind == SC_NORM_ENTMAX15) return sc_entmax15(ctx, x);
    return sc_softmax(ctx, x, -1);
}

sc_tensor *sc_explain_targets(sc_ctx *ctx, const sc_explain_args *a, sc_tensor *logits) {
    if (!logits) return NULL;
    int64_t B = logits->shape[0], K = logits->shape[1];
    sc_tensor *y = sc_empty(ctx, SC_I32, 1, &B);
    if (!y) return NULL;
    int32_t *yd = y->data;
    for (int64_t b = 0; b < B; b++) {
        if (a->targets) {
            yd[b] = a->targets[b];
            continue;
        }
        int32_t best = 0;
        for (int64_t k = 1; k < K; k++)
            if (sc_tensor_get(logits, b * K + k) > sc_tensor_get(logits, b * K + best)) best = (int32_t)k;
        yd[b] = best;
    }
    return y;
}
