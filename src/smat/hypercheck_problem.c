// hypercheck_problem.c — the tiny real SMaT bilevel problem of `scaffold
// hypercheck` (see hypercheck.h): real task data, real models and explainers,
// the real SMaT losses, everything in f64 so finite differences are meaningful.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/inputs.h"
#include "smat/hypercheck.h"
#include "train/trainer.h"

// Every weight matrix ×2, attention projections ×30 in all (see sc_hc_setup).
#define HC_SHARPEN 2.0
#define HC_SHARPEN_QKV 15.0

static void sharpen(sc_model *m) {
    for (int i = 0; i < m->params.n; i++) {
        sc_tensor *t = m->params.t[i];
        if (t->ndim < 2) continue;
        double f = HC_SHARPEN * (strstr(m->params.names[i], "qkv") ? HC_SHARPEN_QKV : 1);
        for (int64_t e = 0; e < t->numel; e++) sc_tensor_set(t, e, f * sc_tensor_get(t, e));
    }
}

static int tiny_model(sc_model *m, const char *role, const char *layers, const sc_pipeline *p, uint64_t seed,
                      sc_err *err) {
    const sc_model_def *def = sc_model_find(role, "transformer");
    if (!def) return sc_errf(err, "hypercheck: no %s architecture 'transformer'", role);
    sc_config *c = malloc(sizeof *c);  // ~59 KB: too big for the stack
    if (!c) return sc_errf(err, "hypercheck: out of memory");
    sc_config_init(c);
    const char *kv[][2] = {{"layers", layers}, {"width", "8"}, {"heads", "2"}, {"mlp_ratio", "2"},
                           {"dropout", "0"}, {"dtype", "f64"}};
    int rc = 0;
    for (size_t i = 0; i < sizeof kv / sizeof kv[0] && !rc; i++)
        if (sc_config_set(c, kv[i][0], kv[i][1], "hypercheck", err)) rc = -1;
    if (!rc) rc = sc_model_create(m, def, &p->shape, c, seed, err);
    free(c);
    return rc;
}

static sc_tensor *inner_cb(void *user, sc_ctx *ctx, int j) {
    sc_hc_problem *p = user;
    int k = j % SC_HC_BATCHES;
    return sc_smat_inner_loss(&p->smat, ctx, &p->in[k], p->idx[k], 4, 0);
}

static sc_tensor *outer_cb(void *user, sc_ctx *ctx) {
    sc_hc_problem *p = user;
    return sc_smat_outer_loss(&p->smat, ctx, &p->vin, p->vidx, 4);
}

// Batch `idx` (4 examples) as input tensors in the step arena.
static int make_inputs(sc_hc_problem *p, sc_ctx *ctx, sc_batch *b, const uint32_t *idx, sc_inputs *in,
                       sc_err *err) {
    if (sc_batch_fill(b, &p->pipe.data, &p->pipe.enc, idx, 4, err)) return -1;
    if (sc_inputs_from_batch(ctx, b, p->pipe.shape.modality, SC_F64, in))
        return sc_errf(err, "hypercheck: inputs: %s", ctx->err.msg);
    return 0;
}

static int pick(sc_hc_problem *p, sc_ctx *ctx, uint64_t seed, sc_err *err) {
    size_t np = 0, nv = 0;
    uint32_t *pool = sc_pipeline_split(&p->pipe, SC_SPLIT_STUDENT_POOL, &np);
    uint32_t *val = sc_pipeline_split(&p->pipe, SC_SPLIT_STUDENT_VALID, &nv);
    int rc = -1;
    if (!pool || !val || np < 4 * SC_HC_BATCHES || nv < 4) {
        sc_errf(err, "hypercheck: synth-text has too few student examples (%zu pool, %zu valid)", np, nv);
        goto done;
    }
    for (int k = 0; k < SC_HC_BATCHES; k++)  // seeded, distinct picks: stride through the pool
        for (int i = 0; i < 4; i++) p->idx[k][i] = pool[(seed * 7919 + (size_t)(k * 4 + i) * 37) % np];
    for (int i = 0; i < 4; i++) p->vidx[i] = val[(seed * 104729 + (size_t)i * 41) % nv];
    sc_batch b;
    if (sc_batch_alloc(&b, &p->pipe.data, &p->pipe.enc, 4, err)) goto done;
    rc = 0;
    for (int k = 0; k < SC_HC_BATCHES && !rc; k++) rc = make_inputs(p, ctx, &b, p->idx[k], &p->in[k], err);
    if (!rc) rc = make_inputs(p, ctx, &b, p->vidx, &p->vin, err);
    // The simulation labels: the teacher's argmax on every example used.
    int32_t pc[4];
    for (int k = 0; k <= SC_HC_BATCHES && !rc; k++) {
        const uint32_t *ix = k < SC_HC_BATCHES ? p->idx[k] : p->vidx;
        sc_ctx_mark m = sc_ctx_get_mark(ctx);
        rc = sc_predict(&p->pipe, &p->teacher, ctx, ix, 4, 4, pc, NULL, err);
        sc_ctx_rewind(ctx, m);
        for (int i = 0; i < 4 && !rc; i++) p->sim_labels[ix[i]] = pc[i];
    }
    sc_batch_free(&b);
done:
    free(pool);
    free(val);
    return rc;
}

// The teacher explainer of each φ variant (SC_HC_PHI_*): the attention
// explainer's defaults; with a learnable temperature (log T = log 0.7 at the
// check point: away from 0); or with the learned query weights too, their
// vector v set away from its zero start (where every row weighs alike).
static int teacher_explainer(sc_hc_problem *p, int variant, sc_err *err) {
    if (variant == SC_HC_PHI_COEF) return sc_explainer_create(&p->texpl, "attention", NULL, &p->teacher, err);
    sc_config *c = calloc(1, sizeof *c);
    if (!c) return sc_errf(err, "hypercheck: out of memory");
    sc_config_init(c);
    int rc = sc_config_set_kv(c, "learn_temperature=true", err) || sc_config_set_kv(c, "temperature=0.7", err) ||
                     (variant == SC_HC_PHI_QUERY && sc_config_set_kv(c, "aggregation=learned", err)) ||
                     sc_explainer_create(&p->texpl, "attention", c, &p->teacher, err)
                 ? -1
                 : 0;
    free(c);
    sc_tensor *v = rc ? NULL : sc_params_get(&p->texpl.params, "query");
    if (v)
        for (int64_t i = 0; i < v->numel; i++) sc_tensor_set(v, i, 0.8 * sin(1.0 + 2.3 * (double)i));
    return rc;
}

int sc_hc_setup(sc_hc_problem *p, sc_ctx *ctx, uint64_t seed, int variant, sc_err *err) {
    memset(p, 0, sizeof *p);
    if (sc_pipeline_open(&p->pipe, "synth-text", NULL, err)) return -1;
    p->have = 1;
    if (tiny_model(&p->teacher, "teacher", "2", &p->pipe, seed * 2 + 1, err)) return -1;
    p->have = 2;
    if (tiny_model(&p->student, "student", "1", &p->pipe, seed * 2 + 2, err)) return -1;
    p->have = 3;
    // Sharp models: at the default init (std 0.02) a width-8 model's attention
    // is nearly uniform, every head explains alike, the student's attention
    // barely moves its outputs, and dL_out/dφ is ~1e-11, below what finite
    // differences resolve. Scaled matrices (attention most) make heads matter.
    sharpen(&p->teacher);
    sharpen(&p->student);
    if (teacher_explainer(p, variant, err)) return -1;
    p->have = 4;
    if (sc_explainer_create(&p->sexpl, "attention", NULL, &p->student, err)) return -1;
    p->have = 5;
    // φ away from the uniform start, so the check is not at a symmetric point.
    sc_tensor *phi = p->texpl.params.t[0];
    for (int64_t i = 0; i < phi->numel; i++) sc_tensor_set(phi, i, sc_tensor_get(phi, i) + 0.15 * (double)(i % 3));
    p->sim_labels = calloc(p->pipe.data.n + 1, sizeof(int32_t));
    if (!p->sim_labels) return sc_errf(err, "hypercheck: out of memory");
    p->smat = (sc_smat){.pipe = &p->pipe, .teacher = &p->teacher, .teacher_expl = &p->texpl, .student = &p->student,
                        .student_expl = &p->sexpl, .loss = SC_EXPL_LOSS_KL, .beta = 1.0, .sim_labels = p->sim_labels};
    if (pick(p, ctx, seed, err)) return -1;
    for (int i = 0; i < p->student.params.n; i++) p->theta[p->n_theta++] = p->student.params.t[i];
    for (int i = 0; i < p->sexpl.params.n && p->n_theta < SC_PARAMS_MAX; i++)
        p->theta[p->n_theta++] = p->sexpl.params.t[i];
    p->b = (sc_bilevel){.user = p, .n_phi = p->texpl.params.n, .phi = p->texpl.params.t, .inner_loss = inner_cb,
                        .outer_loss = outer_cb};
    return 0;
}

void sc_hc_free(sc_hc_problem *p) {
    free(p->sim_labels);
    if (p->have >= 5) sc_explainer_free(&p->sexpl);
    if (p->have >= 4) sc_explainer_free(&p->texpl);
    if (p->have >= 3) sc_model_free(&p->student);
    if (p->have >= 2) sc_model_free(&p->teacher);
    if (p->have >= 1) sc_pipeline_close(&p->pipe);
    memset(p, 0, sizeof *p);
}
