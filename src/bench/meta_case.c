// meta_case.c — building and stepping the SMaT benchmark cases (meta_case.h).
#include "bench/meta_case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fs.h"
#include "models/inputs.h"
#include "ops/ops.h"

enum { BATCH = 32 };

// The mid case's task: synth-text with every sentence 63 words long, so every
// batch is T = 64 with [CLS] (text batches are trimmed to their longest
// example; equal lengths make the shape fixed). Written to a temporary folder
// rather than shipped in tasks/: it is a benchmark shape, not a task to study.
static const char mid_task_yaml[] =
    "name: bench-mid\n"
    "description: synth-text sentences of 63 words for the mid-size benchmark case (T = 64)\n"
    "modality: text\n"
    "labels: {kind: classification, classes: [negative, positive]}\n"
    "source:\n"
    "  kind: synthetic\n"
    "  generator: synth-text\n"
    "  seed: 7\n"
    "  size: 1000\n"
    "  params: {vocab: 1000, min_len: 63, max_len: 63, signal: 4, distractors: 4}\n"
    "splits:\n"
    "  seed: 20221128\n"
    "  partitions:\n"
    "    all: {teacher-train: 0.5, teacher-valid: 0.1, student-pool: 0.2, student-valid: 0.05, test: 0.15}\n"
    "input: {max_tokens: 64, rationales: tokens}\n";

// Both explainers' temperature (the initial value of their learned log T). A
// random teacher's attention logits are nearly flat: at T = 1, β·L_expl is
// 3e-5 of L_in on the meta case, so a replica whose explanation path were wrong
// would still match L_in to 1e-4 and its check would prove nothing. At T = 0.01
// it is a fifth of L_in (and moves the outer loss), at the same cost.
#define EXPL_SETS "teacher.temperature=0.01", "student_explainer.temperature=0.01"
static char *meta_sets[] = {EXPL_SETS};
static char *mid_teacher_sets[] = {"layers=4", "width=256", "heads=4"};
static char *mid_student_sets[] = {EXPL_SETS, "layers=2", "width=128", "heads=2"};

// Writes the mid task into a fresh temporary folder; its path into task (cap bytes).
static int write_mid_task(sc_meta_case *c, char *task, size_t cap, sc_err *err) {
    const char *t = getenv("TMPDIR");
    snprintf(c->tmp, sizeof c->tmp, "%s/scaffold-bench-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(c->tmp)) {
        int rc = sc_errf(err, "bench mid: cannot create a temporary folder %s", c->tmp);
        c->tmp[0] = '\0';
        return rc;
    }
    snprintf(task, cap, "%s/bench-mid", c->tmp);
    char yaml[1200];
    snprintf(yaml, sizeof yaml, "%s/task.yaml", task);
    if (sc_mkdirs(task, err)) return -1;
    return sc_atomic_write(yaml, mid_task_yaml, sizeof mid_task_yaml - 1, err);
}

static void remove_mid_task(sc_meta_case *c) {
    if (!c->tmp[0]) return;
    char p[1200];
    snprintf(p, sizeof p, "%s/bench-mid/task.yaml", c->tmp);
    unlink(p);
    snprintf(p, sizeof p, "%s/bench-mid", c->tmp);
    rmdir(p);
    rmdir(c->tmp);
    c->tmp[0] = '\0';
}

// The student run's own building (smat/student_run.h) on B pool and B valid examples.
static int open_env(sc_meta_case *c, const char *case_name, sc_err *err) {
    sc_student_run_cfg r = sc_student_run_defaults();
    r.teacher_arch = "transformer", r.task = "synth-text", r.explainer = "attention", r.learn = 1;
    r.arch = "transformer", r.n = BATCH, r.seed = 1, r.log = NULL;
    char task[1100];
    r.sets = meta_sets, r.n_sets = 2;
    if (!strcmp(case_name, "mid")) {
        if (write_mid_task(c, task, sizeof task, err)) return -1;
        r.task = task;
        r.teacher_sets = mid_teacher_sets, r.n_teacher_sets = 3;
        r.sets = mid_student_sets, r.n_sets = 5;
    } else if (strcmp(case_name, "meta")) {
        return sc_errf(err, "bench: unknown SMaT case '%s' (known: meta, mid)", case_name);
    }
    if (sc_student_env_open(&c->env, &r, err)) return -1;
    if (c->env->n_valid < BATCH) return sc_errf(err, "bench %s: the student-valid split is too small", case_name);
    return 0;
}

int sc_meta_case_theta(const sc_meta_case *c, sc_tensor **theta) {
    int n = 0;
    for (int i = 0; i < c->env->student.params.n; i++) theta[n++] = c->env->student.params.t[i];
    for (int i = 0; i < c->env->st.sexpl.params.n; i++) theta[n++] = c->env->st.sexpl.params.t[i];
    return n;
}

// The optimizer, both batches and their input tensors.
static int build_steps(sc_meta_case *c, sc_err *err) {
    sc_student_env *e = c->env;
    sc_pipeline *pp = &e->pipe;
    sc_tensor *theta[SC_PARAMS_MAX];
    int n_theta = sc_meta_case_theta(c, theta);  // optimized together, as in train-student
    sc_optim_cfg oc = sc_optim_sgd_cfg(0, 0.01, 5);
    if (sc_optim_init(&c->opt, &oc, theta, n_theta, err)) return -1;
    c->have_opt = 1;
    if (sc_batch_alloc(&c->b, &pp->data, &pp->enc, BATCH, err)) return -1;
    c->have_b = 1;
    if (sc_batch_alloc(&c->vb, &pp->data, &pp->enc, BATCH, err)) return -1;
    c->have_vb = 1;
    c->idx = e->train, c->vidx = e->valid, c->n = c->vn = BATCH;
    if (sc_batch_fill(&c->b, &pp->data, &pp->enc, c->idx, c->n, err) ||
        sc_batch_fill(&c->vb, &pp->data, &pp->enc, c->vidx, c->vn, err))
        return -1;
    if (sc_inputs_from_batch(&e->ctx, &c->b, pp->shape.modality, e->student.dtype, &c->in) ||
        sc_inputs_from_batch(&e->ctx, &c->vb, pp->shape.modality, e->student.dtype, &c->vin))
        return sc_errf(err, "bench: %s", e->ctx.err.msg);
    return 0;
}

int sc_meta_case_open(sc_meta_case *c, const char *case_name, sc_err *err) {
    memset(c, 0, sizeof *c);
    if (open_env(c, case_name, err) || build_steps(c, err)) {
        sc_meta_case_close(c);
        return -1;
    }
    c->beta = c->env->st.smat.beta;
    c->fwd_flags = SC_FWD_TRAINING;
    return 0;
}

void sc_meta_case_close(sc_meta_case *c) {
    if (c->have_b) sc_batch_free(&c->b);
    if (c->have_vb) sc_batch_free(&c->vb);
    if (c->have_opt) sc_optim_free(&c->opt);
    sc_student_env_close(c->env);
    remove_mid_task(c);
    memset(c, 0, sizeof *c);
}

void sc_meta_case_run(void *arg) {
    sc_meta_case *c = arg;
    sc_ctx *ctx = &c->env->ctx;
    sc_student *st = &c->env->st;
    sc_ctx_mark mk = sc_ctx_get_mark(ctx);
    if (c->pass == SC_META_STEP) {
        double outer;
        sc_err err;
        if (sc_student_meta_step(st, ctx, &c->opt, SC_META_CASE_LR, &c->in, c->idx, c->n, c->vidx, c->vn,
                                 SC_META_CASE_META_LR, &outer, &err))
            sc_fail(ctx, "%s", err.msg);
    } else {
        st->smat.beta = c->pass == SC_META_EXPLAINED ? c->beta : 0;
        sc_tensor *loss = sc_smat_inner_loss(&st->smat, ctx, &c->in, c->idx, c->n, c->fwd_flags);
        sc_tensor **g = loss ? sc_grad(ctx, &loss, 1, c->opt.p, c->opt.n, NULL, 0) : NULL;
        if (g) sc_optim_step(&c->opt, ctx, g, SC_META_CASE_LR);
        st->smat.beta = c->beta;
    }
    sc_ctx_rewind(ctx, mk);
}
