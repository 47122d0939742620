// student.c — the student run's explainers, hooks and the SMaT meta step (student.h).
#include "smat/student.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "models/inputs.h"
#include "ops/ops.h"

const sc_config_spec sc_student_spec[] = {
    {"beta", "auto", "explanation-loss weight (auto: 5 attention/controls, 0.2 gradient/perturbation, 0 none)"},
    {"expl_loss", "kl", "explanation loss: kl (softmax student), sparsemax or entmax15 (Fenchel-Young)"},
    {"student_explainer", "auto",
     "the student's explainer, differentiable w.r.t. the student (auto: attention if the student has attention, "
     "else gradient-x-input)"},
    {"meta_lr", "auto", "meta (teacher explainer) AdamW learning rate (auto: 5e-4, 2e-4 for regression)"},
    {"meta_clip", "5", "meta gradient global-norm clipping"},
    {"meta_interval", "1", "student steps between meta steps"},
    {"meta_batch", "auto", "student-valid examples per meta step (auto: the batch size)"},
    {"meta_schedule", "constant", "meta lr: constant | linear | cosine decay after meta_warmup, over the run's meta steps"},
    {"meta_warmup", "0", "meta lr: linear warmup over this many meta steps"},
    {"meta_min_lr", "0.1", "meta lr: final value of a decay, as a fraction of meta_lr"},
    {"hypergrad", "unrolled", "hypergradient method: a row of the registry (smat/hg_methods.c): unrolled, neumann, cg, darts"},
    {"unroll", "1", "unrolled: inner steps k >= 1"},
    {"terms", "3", "neumann: series terms; cg: iterations"},
    {"hg_alpha", "0", "neumann: series step (0 = the inner lr)"},
    {"hg_eps", "0.01", "darts: finite-difference epsilon numerator"},
    {"scouts", "0",
     "learning runs: young students (own init, optimizer, resets) whose hypergradients are averaged with the "
     "co-trained student's (smat/scouts.h)"},
    {"scout_reset", "100", "scouts: steps a scout trains before it restarts from a fresh initialization"},
    {"init_embeddings", "false", "text: start from the teacher's token embeddings (needs the teacher's width)"},
    {NULL, NULL, NULL},
};

double sc_student_default_beta(const char *e) {
    const sc_explainer_def *d = strcmp(e, "none") ? sc_explainer_find(e) : NULL;
    return d ? d->default_beta : 0;  // none (or unknown: creating it fails later, naming it)
}

static int auto_double(sc_config *cfg, const char *key, double def, double lo, double hi, double *out, sc_err *err) {
    const char *v = sc_config_str(cfg, key);
    if (v && !strcmp(v, "auto")) {
        *out = def;
        return 0;
    }
    return sc_config_double(cfg, key, lo, hi, out, err);
}

int sc_student_cfg_from_config(sc_student_cfg *c, sc_config *cfg, const char *explainer, int regression,
                               long batch_size, sc_err *err) {
    memset(c, 0, sizeof *c);
    if (sc_config_apply_defaults(cfg, sc_student_spec, "student", err)) return -1;
    static const char *const losses[] = {"kl", "sparsemax", "entmax15", NULL};
    static const char *const scheds[] = {"constant", "linear", "cosine", NULL};
    int loss, method, sched;
    long unroll, terms, warm;
    double mb, minf;
    c->hg = sc_hg_default();
    if (auto_double(cfg, "beta", sc_student_default_beta(explainer), 0, 1e6, &c->beta, err) ||
        sc_config_choice(cfg, "expl_loss", losses, &loss, err) ||
        auto_double(cfg, "meta_lr", regression ? 2e-4 : 5e-4, 0, 10, &c->meta_lr, err) ||
        sc_config_double(cfg, "meta_clip", 0, 1e9, &c->meta_clip, err) ||
        sc_config_long(cfg, "meta_interval", 1, 1000000, &c->meta_interval, err) ||
        auto_double(cfg, "meta_batch", (double)batch_size, 1, 65536, &mb, err) ||
        sc_config_choice(cfg, "meta_schedule", scheds, &sched, err) ||
        sc_config_long(cfg, "meta_warmup", 0, 100000000, &warm, err) ||
        sc_config_double(cfg, "meta_min_lr", 0, 1, &minf, err) ||
        sc_config_choice(cfg, "hypergrad", sc_hg_method_names(), &method, err) ||
        sc_config_long(cfg, "unroll", 1, 64, &unroll, err) || sc_config_long(cfg, "terms", 1, 1000, &terms, err) ||
        sc_config_double(cfg, "hg_alpha", 0, 10, &c->hg.alpha, err) ||
        sc_config_double(cfg, "hg_eps", 1e-12, 10, &c->hg.eps, err) ||
        sc_config_long(cfg, "scouts", 0, 64, &c->scouts, err) ||
        sc_config_long(cfg, "scout_reset", 1, 100000000, &c->scout_reset, err) ||
        sc_config_bool(cfg, "init_embeddings", &c->init_embeddings, err))
        return -1;
    if (!strcmp(explainer, "none") && c->beta != 0)
        return sc_errf(err, "student config: beta = %g with explainer 'none' (no explanations to learn from)", c->beta);
    c->loss = (sc_expl_loss_kind)loss;
    c->meta_batch = (long)mb;
    c->meta_sched = (sc_schedule){.kind = (sc_sched_kind)sched, .base_lr = c->meta_lr, .floor_lr = c->meta_lr * minf,
                                  .warmup = warm};
    c->hg.method = (sc_hg_method)method;
    c->hg.unroll = (int)unroll;
    c->hg.terms = (int)terms;
    return 0;
}

// The unit normalizer an explainer was configured with (softmax if it has none).
static sc_expl_norm unit_norm_of(const sc_explainer *e) {
    const char *v = sc_config_str(&e->cfg, "unit_normalizer");
    for (int i = 0; v && sc_explain_norm_names[i]; i++)
        if (!strcmp(v, sc_explain_norm_names[i])) return (sc_expl_norm)i;
    return SC_NORM_SOFTMAX;
}

int sc_student_explainer_resolve(const char *name, const sc_model *student, const char **out, sc_err *err) {
    if (!name || !strcmp(name, "auto")) {
        *out = student->info.n_layers > 0 ? "attention" : "gradient-x-input";
        return 0;
    }
    const sc_explainer_def *d = sc_explainer_find(name);
    if (d && (d->flags & SC_EXPL_STUDENT_OK)) {
        *out = d->name;
        return 0;
    }
    // The message lists what qualifies, from the registry's own flags.
    char ok[512] = "";
    int n;
    const sc_explainer_def *const *all = sc_explainer_list(&n);
    for (int i = 0; i < n; i++)
        if (all[i]->flags & SC_EXPL_STUDENT_OK) {
            size_t l = strlen(ok);
            snprintf(ok + l, sizeof ok - l, ", %s", all[i]->name);
        }
    return sc_errf(err,
                   "student_explainer '%s': the student's explanation must be differentiable w.r.t. its parameters "
                   "(perturbation explainers and controls are not); use auto%s",
                   name, ok);
}

int sc_student_init(sc_student *s, sc_pipeline *p, sc_model *teacher, sc_model *student, const char *explainer,
                    const sc_config *tcfg, const char *student_explainer, const sc_config *scfg,
                    const sc_student_cfg *cfg, uint64_t seed, sc_err *err) {
    memset(s, 0, sizeof *s);
    s->pipe = p;
    s->teacher = teacher;
    s->student = student;
    s->cfg = *cfg;
    size_t N = p->data.n;
    s->sim_labels = calloc(N + 1, sizeof(int32_t));
    s->sim_targets = calloc(N + 1, sizeof(float));
    if (!s->sim_labels || !s->sim_targets) {
        sc_student_free(s);
        return sc_errf(err, "student: out of memory");
    }
    int expl = strcmp(explainer, "none") != 0;
    if (!expl && cfg->learn) {
        sc_student_free(s);
        return sc_errf(err, "--learn-explainer needs a teacher explainer with parameters, not 'none'");
    }
    if (expl) {
        const sc_explainer_def *d = sc_explainer_find(explainer);
        if (cfg->learn && d && !(d->flags & SC_EXPL_LEARNABLE)) {
            sc_errf(err, "--learn-explainer: teacher explainer '%s' has no learnable parameters (use 'attention')",
                    explainer);
            goto fail;
        }
        if (sc_explainer_create(&s->texpl, explainer, tcfg, teacher, err)) goto fail;
        s->have_texpl = 1;
        if (cfg->learn && s->texpl.params.n == 0) {
            sc_errf(err, "--learn-explainer: teacher explainer '%s' has no learnable parameters (use 'attention')",
                    explainer);
            goto fail;
        }
    }
    if (expl && cfg->beta > 0) {
        const char *name;
        if (sc_student_explainer_resolve(student_explainer, student, &name, err)) goto fail;
        if (sc_explainer_create(&s->sexpl, name, scfg, student, err)) {
            sc_err e2 = *err;
            sc_errf(err, "student explainer: %s (students without attention: student_explainer=gradient-x-input or "
                    "gradient-norm)", e2.msg);
            goto fail;
        }
        s->have_sexpl = 1;
        if (sc_expl_loss_check(cfg->loss, unit_norm_of(&s->texpl), unit_norm_of(&s->sexpl), err)) goto fail;
    }
    if (cfg->learn) {
        sc_optim_cfg mc = sc_optim_adam_cfg(1, 0.0, cfg->meta_clip);
        if (sc_optim_init_params(&s->meta_opt, &mc, &s->texpl.params, err)) goto fail;
        s->have_meta = 1;
        if (sc_batcher_init(&s->vb, &p->data, SC_SPLIT_STUDENT_VALID, seed ^ 0x4D455441ull, 1, err)) goto fail;
        s->have_vb = 1;
        s->vidx = malloc(sizeof(uint32_t) * (size_t)cfg->meta_batch);
        if (!s->vidx) {
            sc_errf(err, "student: out of memory");
            goto fail;
        }
    }
    if (sc_batch_alloc(&s->vbatch, &p->data, p->has_text ? &p->enc : NULL, (size_t)cfg->meta_batch, err)) {
        s->vbatch.mem = NULL;
        goto fail;
    }
    s->smat = (sc_smat){.pipe = p, .teacher = teacher, .teacher_expl = s->have_texpl ? &s->texpl : NULL,
                        .student = student, .student_expl = s->have_sexpl ? &s->sexpl : NULL, .loss = cfg->loss,
                        .beta = cfg->beta, .sim_labels = s->sim_labels, .sim_targets = s->sim_targets};
    // A learned teacher explainer reads the frozen teacher through parameter-free
    // features: computed once per example, not once per step (feature_cache.h).
    int P = cfg->learn && s->have_sexpl ? sc_explainer_feature_rows(&s->texpl) : 0;
    if (P > 0) {
        int64_t U = p->has_text ? p->shape.max_tokens : teacher->info.n_units;
        if (sc_feature_cache_init(&s->fcache, P, U, N, err)) goto fail;
        s->smat.fcache = &s->fcache;
    }
    return 0;
fail:
    sc_student_free(s);
    return -1;
}

void sc_student_free(sc_student *s) {
    if (s->have_texpl) sc_explainer_free(&s->texpl);
    if (s->have_sexpl) sc_explainer_free(&s->sexpl);
    if (s->have_meta) sc_optim_free(&s->meta_opt);
    if (s->have_vb) sc_batcher_free(&s->vb);
    if (s->vbatch.mem) sc_batch_free(&s->vbatch);
    sc_scouts_free(&s->scouts);
    sc_smat_cache_free(&s->smat);
    sc_feature_cache_free(&s->fcache);
    free(s->vidx);
    free(s->sim_labels);
    free(s->sim_targets);
    memset(s, 0, sizeof *s);
}

int sc_student_teacher_predict(sc_student *s, sc_ctx *ctx, const uint32_t *idx, size_t n, long eval_batch,
                               sc_err *err) {
    int32_t *pc = malloc(sizeof(int32_t) * (n + 1));
    float *ps = malloc(sizeof(float) * (n + 1));
    int rc = -1;
    if (!pc || !ps) {
        sc_errf(err, "student: out of memory for %zu teacher predictions", n);
    } else if (!sc_predict(s->pipe, s->teacher, ctx, idx, n, eval_batch, pc, ps, err)) {
        for (size_t i = 0; i < n; i++) {
            s->sim_labels[idx[i]] = pc[i];
            s->sim_targets[idx[i]] = ps[i];
        }
        rc = 0;
    }
    free(pc);
    free(ps);
    return rc;
}

// ---- the meta step ------------------------------------------------------------------------

typedef struct meta_user {
    sc_smat *smat;  // the co-trained student's objective, or a scout's
    const sc_inputs *in, *vin;
    const uint32_t *idx, *vidx;
    size_t n, vn;
} meta_user;

static sc_tensor *inner_cb(void *user, sc_ctx *ctx, int j) {
    (void)j;  // every unrolled step uses the same train batch
    meta_user *u = user;
    return sc_smat_inner_loss(u->smat, ctx, u->in, u->idx, u->n, 0);
}

static sc_tensor *outer_cb(void *user, sc_ctx *ctx) {
    meta_user *u = user;
    return sc_smat_outer_loss(u->smat, ctx, u->vin, u->vidx, u->vn);
}

// dφ (fresh zeros, then the method's result) of L_out after one update of u's
// student with opt at lr.
static int hypergrad_at(sc_student *s, sc_ctx *ctx, meta_user *u, sc_optim *opt, double lr, sc_tensor **dphi,
                        double *outer, sc_err *err) {
    int n_phi = s->texpl.params.n;
    for (int i = 0; i < n_phi; i++) {
        const sc_tensor *ph = s->texpl.params.t[i];
        dphi[i] = sc_zeros(ctx, ph->dtype, ph->ndim, ph->shape);
        if (!dphi[i]) return sc_errf(err, "meta step: %s", ctx->err.msg);
    }
    sc_bilevel b = {.user = u, .opt = opt, .lr = lr, .n_phi = n_phi, .phi = s->texpl.params.t,
                    .inner_loss = inner_cb, .outer_loss = outer_cb};
    return sc_hypergrad(&b, ctx, &s->cfg.hg, dphi, outer, err);
}

// Each scout's dφ added into sum[], then the scout's real step (smat/scouts.h).
static int scouts_meta(sc_student *s, sc_ctx *ctx, meta_user u, sc_tensor **sum, sc_err *err) {
    int n_phi = s->texpl.params.n;
    for (int k = 0; k < s->scouts.n; k++) {
        sc_ctx_mark mark = sc_ctx_get_mark(ctx);
        sc_tensor *d[SC_PARAMS_MAX];
        double outer;
        u.smat = &s->scouts.s[k].smat;
        if (hypergrad_at(s, ctx, &u, &s->scouts.s[k].opt, sc_scout_lr(&s->scouts, k), d, &outer, err)) return -1;
        for (int i = 0; i < n_phi; i++)
            for (int64_t j = 0; j < sum[i]->numel; j++)
                sc_tensor_set(sum[i], j, sc_tensor_get(sum[i], j) + sc_tensor_get(d[i], j));
        sc_ctx_rewind(ctx, mark);
        if (sc_scout_step(&s->scouts, k, ctx, u.in, u.idx, u.n, err)) return -1;
    }
    return 0;
}

int sc_student_meta_step(sc_student *s, sc_ctx *ctx, sc_optim *opt, double lr, const sc_inputs *in,
                         const uint32_t *idx, size_t n, const uint32_t *vidx, size_t vn, double meta_lr,
                         double *outer, sc_err *err) {
    if (!s->have_meta) return sc_errf(err, "meta step: the run does not learn the teacher explainer");
    if (vn > s->vbatch.max_B) return sc_errf(err, "meta step: %zu validation examples > meta_batch", vn);
    const sc_pipeline *p = s->pipe;
    sc_inputs vin;
    if (sc_batch_fill(&s->vbatch, &p->data, p->has_text ? &p->enc : NULL, vidx, vn, err)) return -1;
    if (sc_inputs_from_batch(ctx, &s->vbatch, p->shape.modality, s->student->dtype, &vin))
        return sc_errf(err, "meta step: %s", ctx->err.msg);
    sc_tensor *dphi[SC_PARAMS_MAX];
    meta_user u = {.smat = &s->smat, .in = in, .vin = &vin, .idx = idx, .vidx = vidx, .n = n, .vn = vn};
    if (hypergrad_at(s, ctx, &u, opt, lr, dphi, outer, err)) return -1;
    if (s->scouts.n) {  // the mean over the co-trained student and the scouts
        if (scouts_meta(s, ctx, u, dphi, err)) return -1;
        for (int i = 0; i < s->texpl.params.n; i++)
            for (int64_t j = 0; j < dphi[i]->numel; j++)
                sc_tensor_set(dphi[i], j, sc_tensor_get(dphi[i], j) / (1.0 + s->scouts.n));
    }
    if (meta_lr > 0 && sc_optim_step(&s->meta_opt, ctx, dphi, meta_lr))
        return sc_errf(err, "meta step: %s", ctx->err.msg);
    return 0;
}

int sc_student_scouts_init(sc_student *s, const sc_train_opts *opts, uint64_t seed, sc_err *err) {
    if (!s->cfg.learn || s->cfg.scouts <= 0) return 0;
    return sc_scouts_init(&s->scouts, (int)s->cfg.scouts, s->cfg.scout_reset, &s->smat, &opts->optim, &opts->sched,
                          seed, err);
}

double sc_student_meta_lr(const sc_student_cfg *c, long meta_step, long total_steps) {
    sc_schedule s = c->meta_sched;
    s.total = total_steps / (c->meta_interval > 0 ? c->meta_interval : 1);  // the run's meta steps
    if (s.warmup > s.total) s.warmup = s.total;
    return sc_schedule_lr(&s, meta_step);
}

// ---- trainer hooks ------------------------------------------------------------------------

static sc_tensor *extra_loss(void *user, sc_ctx *ctx, const sc_model *m, const sc_inputs *in,
                             const sc_model_state *st, const uint32_t *idx, size_t n) {
    (void)m;
    sc_student *s = user;
    // The trainer does not pass the outputs; the (attention) student explainer
    // does not read them, so any tensor of the model's dtype stands in.
    sc_tensor *y = st ? (st->pooled ? st->pooled : st->unit_mask) : NULL;
    if (!y) return sc_fail(ctx, "student: the explanation loss needs the forward state");
    return sc_smat_expl_loss(&s->smat, ctx, in, st, y, idx, n);
}

static int after_step(void *user, sc_ctx *ctx, const sc_train_step *st, sc_err *err) {
    sc_student *s = user;
    if (st->step % s->cfg.meta_interval) return 0;
    size_t vn = sc_batcher_next(&s->vb, (size_t)s->cfg.meta_batch, s->vidx);
    if (!vn) vn = sc_batcher_next(&s->vb, (size_t)s->cfg.meta_batch, s->vidx);  // a new epoch of the split
    if (!vn) return sc_errf(err, "meta step: the student-valid split is empty");
    double t0 = sc_now(), outer = 0, meta_lr = sc_student_meta_lr(&s->cfg, s->meta_steps, st->total);
    if (sc_student_meta_step(s, ctx, st->opt, st->lr, st->in, st->idx, st->n, s->vidx, vn, meta_lr, &outer, err))
        return -1;
    s->meta_seconds += sc_now() - t0;
    s->meta_steps++;
    s->meta_sum += outer;
    s->meta_n++;
    return 0;
}

static void after_epoch(void *user, long epoch) {
    (void)epoch;
    sc_student *s = user;
    if (s->meta_n && s->n_meta_curve < SC_MAX_EPOCHS) s->meta_curve[s->n_meta_curve++] = s->meta_sum / (double)s->meta_n;
    s->meta_sum = 0;
    s->meta_n = 0;
}

void sc_student_hooks(sc_student *s, sc_train_hooks *h, sc_params **extra) {
    memset(h, 0, sizeof *h);
    h->user = s;
    if (s->smat.beta > 0 && s->have_texpl && s->have_sexpl) {
        h->extra_loss = extra_loss;
        h->want_state = 1;
    }
    if (s->cfg.learn) {
        h->after_step = after_step;
        h->after_epoch = after_epoch;
    }
    *extra = s->have_sexpl ? &s->sexpl.params : NULL;
}
