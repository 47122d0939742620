// bench_export.c — `scaffold bench export`: each case's inputs, parameters,
// configuration and scaffold's values, in the layout of bench/export.h, for the
// JAX and PyTorch replicas of scripts/bench/.
//
// Everything a replica needs is read from the objects the timed steps use (the
// resolved configs, the optimizers' settings, the loss constants), so a change
// to a default changes the export rather than silently diverging from it; the
// replicas refuse configurations they do not implement.
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/block.h"
#include "bench/export.h"
#include "bench/meta_case.h"
#include "explain/losses.h"

const char *const sc_bench_cases[] = {"block", "meta", "mid", NULL};

int sc_bench_case_known(const char *name) {
    for (int i = 0; sc_bench_cases[i]; i++)
        if (!strcmp(sc_bench_cases[i], name)) return 1;
    return 0;
}

static int export_block(const char *dir, sc_err *err) {
    sc_ctx ctx;
    sc_bench_block b;
    sc_bx x;
    double loss, gsq, hsq;
    if (sc_ctx_init(&ctx, 2048u << 20, 1, err)) return -1;
    if (sc_bench_block_init(&b, &ctx, err)) {
        sc_ctx_free(&ctx);
        return -1;
    }
    int rc = sc_bench_block_values(&b, &loss, &gsq, &hsq, err);
    if (!rc && !(rc = sc_bx_open(&x, dir, "block", err))) {
        sc_bx_config_num(&x, "B", SC_BLOCK_B);
        sc_bx_config_num(&x, "T", SC_BLOCK_T);
        sc_bx_config_num(&x, "C", SC_BLOCK_C);
        sc_bx_config_num(&x, "heads", SC_BLOCK_H);
        sc_bx_config_num(&x, "ln_eps", 1e-5);
        sc_bx_config_str(&x, "gelu", "tanh");
        sc_bx_config_str(&x, "loss", "mean(y * r)");
        sc_bx_params(&x, "", &b.P);
        sc_bx_tensor(&x, "x", b.x);
        sc_bx_tensor(&x, "r", b.r);
        sc_bx_check(&x, "forward.loss", loss);                // forward
        sc_bx_check(&x, "forward+backward.grad_sq", gsq);     // Σ‖∇L‖²
        sc_bx_check(&x, "double-backward.hvp_sq", hsq);       // Σ‖∇ Σ‖∇L‖²‖²
        rc = sc_bx_close(&x, err);
    }
    sc_ctx_free(&ctx);  // first: the tape borrows the slab
    sc_bench_block_free(&b);
    return rc;
}

static const char *optim_kind(const sc_optim_cfg *c) {
    return c->kind == SC_OPTIM_SGD ? "sgd" : c->kind == SC_OPTIM_ADAM ? "adam" : "adamw";
}

static void num2(sc_bx *x, const char *prefix, const char *key, double v) {
    char k[96];
    snprintf(k, sizeof k, "%s%s", prefix, key);
    sc_bx_config_num(x, k, v);
}

static void optim_config(sc_bx *x, const char *prefix, const sc_optim_cfg *c) {
    char k[96];
    snprintf(k, sizeof k, "%skind", prefix);
    sc_bx_config_str(x, k, optim_kind(c));
    num2(x, prefix, "momentum", c->momentum);
    num2(x, prefix, "nesterov", c->nesterov);
    num2(x, prefix, "weight_decay", c->weight_decay);
    num2(x, prefix, "beta1", c->beta1);
    num2(x, prefix, "beta2", c->beta2);
    num2(x, prefix, "eps", c->eps);
    num2(x, prefix, "clip", c->clip_norm);
}

// The configuration of a SMaT case: models, explainers, losses, optimizers.
static void meta_config(sc_bx *x, const sc_meta_case *c) {
    const sc_student_env *e = c->env;
    const sc_student *st = &e->st;
    sc_bx_config_str(x, "task", e->pipe.task->name);
    sc_bx_config_num(x, "vocab_size", (double)e->pipe.shape.vocab_size);
    sc_bx_config_num(x, "max_tokens", (double)e->pipe.shape.max_tokens);
    sc_bx_config_num(x, "n_outputs", (double)e->pipe.shape.n_outputs);
    sc_bx_config_num(x, "regression", e->pipe.shape.regression);
    sc_bx_config_num(x, "beta", c->beta);
    sc_bx_config_num(x, "lr", SC_META_CASE_LR);
    sc_bx_config_num(x, "meta_lr", SC_META_CASE_META_LR);
    sc_bx_config_str(x, "hypergrad", sc_hg_method_name(st->cfg.hg.method));
    sc_bx_config_num(x, "unroll", st->cfg.hg.unroll);
    sc_bx_config_str(x, "expl_loss", sc_expl_loss_name(st->smat.loss));
    sc_bx_config_num(x, "kl_eps", SC_EXPL_KL_EPS);
    sc_bx_config_num(x, "expl_mask_fill", SC_EXPL_MASK_FILL);
    sc_bx_config_num(x, "attention_mask_fill", -1e9);  // ops/attention.c and explain's normalizer
    sc_bx_config_num(x, "clip_eps", 1e-6);              // optim/clip.c
    sc_bx_config_num(x, "ln_eps", 1e-5);                // nn/encoder.c
    sc_bx_config_str(x, "gelu", "tanh");
    optim_config(x, "student_optim.", &c->opt.cfg);
    optim_config(x, "meta_optim.", &st->meta_opt.cfg);
    sc_bx_config_all(x, "teacher.", &e->teacher.cfg);
    sc_bx_config_all(x, "student.", &e->student.cfg);
    sc_bx_config_all(x, "texpl.", &st->texpl.cfg);
    sc_bx_config_all(x, "sexpl.", &st->sexpl.cfg);
}

// A batch's ids, mask and simulation labels (the teacher's argmax) as prefix.*.
static void batch_tensors(sc_bx *x, const char *prefix, const sc_inputs *in, const sc_student *st,
                          const uint32_t *idx, size_t n) {
    char k[96];
    int32_t *lab = malloc(sizeof(int32_t) * (n + 1));
    if (!lab) {
        x->failed = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) lab[i] = st->sim_labels[idx[i]];
    int64_t nn = (int64_t)n;
    snprintf(k, sizeof k, "%s.ids", prefix);
    sc_bx_tensor(x, k, in->ids);
    snprintf(k, sizeof k, "%s.mask", prefix);
    sc_bx_tensor(x, k, in->mask);
    snprintf(k, sizeof k, "%s.labels", prefix);
    sc_bx_i32(x, k, lab, 1, &nn);
    free(lab);
}

static int export_meta(const char *dir, const char *case_name, sc_err *err) {
    sc_meta_case *c = malloc(sizeof *c);
    if (!c) return sc_errf(err, "bench export: out of memory");
    if (sc_meta_case_open(c, case_name, err)) {
        free(c);
        return -1;
    }
    sc_meta_values v;
    sc_bx x;
    int rc = sc_bx_open(&x, dir, case_name, err);
    if (!rc) {  // the tensors first: computing the values leaves the state as it was, but read it untouched
        const sc_student *st = &c->env->st;
        meta_config(&x, c);
        sc_bx_params(&x, "teacher.", &c->env->teacher.params);
        sc_bx_params(&x, "texpl.", &st->texpl.params);
        sc_bx_params(&x, "student.", &c->env->student.params);
        sc_bx_params(&x, "sexpl.", &st->sexpl.params);
        batch_tensors(&x, "train", &c->in, st, c->idx, c->n);
        batch_tensors(&x, "valid", &c->vin, st, c->vidx, c->vn);
        if ((rc = sc_meta_case_values(c, &v, err))) {
            sc_bx_abort(&x);
        } else {
            int64_t np = v.n_phi;
            sc_bx_check(&x, "plain.loss", v.plain);
            sc_bx_check(&x, "plain.loss_after_step", v.plain_after);
            sc_bx_check(&x, "explained.loss", v.explained);
            sc_bx_check(&x, "explained.loss_after_step", v.explained_after);
            sc_bx_check(&x, "meta.outer_loss", v.outer);
            sc_bx_f32(&x, "check.meta.dphi", v.dphi, 1, &np);
            sc_bx_f32(&x, "check.meta.phi_after", v.phi_after, 1, &np);
            sc_meta_values_free(&v);
            rc = sc_bx_close(&x, err);
        }
    }
    sc_meta_case_close(c);
    free(c);
    return rc;
}

int sc_bench_export(const char *dir, const char *case_name, FILE *log, sc_err *err) {
    int all = !strcmp(case_name, "all");
    if (!all && !sc_bench_case_known(case_name))
        return sc_errf(err, "bench export: unknown case '%s' (known: block, meta, mid, all)", case_name);
    for (int i = 0; sc_bench_cases[i]; i++) {
        const char *name = sc_bench_cases[i];
        if (!all && strcmp(name, case_name)) continue;
        int rc = !strcmp(name, "block") ? export_block(dir, err) : export_meta(dir, name, err);
        if (rc) return -1;
        if (log) fprintf(log, "wrote %s/%s/index.json and tensors.bin\n", dir, name);
    }
    return 0;
}
