#include "train/trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "eval/metrics.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "models/inputs.h"
#include "ops/ops.h"
#include "train/progress.h"

const sc_config_spec sc_trainer_spec[] = {
    {"optimizer", "adamw", "sgd | adam | adamw"},
    {"lr", "1e-3", "peak learning rate"},
    {"weight_decay", "0.01", "weight decay (coupled for sgd/adam, decoupled for adamw)"},
    {"momentum", "0.9", "SGD momentum"},
    {"clip", "1.0", "global gradient-norm clipping (0 = off)"},
    {"schedule", "cosine", "constant | linear | cosine decay after warmup"},
    {"warmup", "100", "linear warmup steps"},
    {"min_lr", "0.1", "final learning rate as a fraction of lr"},
    {"epochs", "10", "maximum epochs (1..1024: per-epoch curves are kept in full)"},
    {"batch_size", "32", "examples per step"},
    {"patience", "3", "epochs without validation improvement before stopping"},
    {"eval_batch", "256", "examples per evaluation batch"},
    {"max_steps", "0", "stop after this many steps (0 = no limit)"},
    {"threads", "auto", "threads for products and large kernels: N, or auto (the CPUs this run may use; scaffold run --jobs J gives each run CPUs/J); the numbers do not depend on it"},
    {"log_every", "50", "steps between progress lines when not on a terminal"},
    {"arena_mb", "2048", "per-step arena reservation in MiB (address space; pages are used on touch)"},
    {NULL, NULL, NULL},
};

int sc_train_opts_from_config(sc_train_opts *o, sc_config *cfg, sc_err *err) {
    memset(o, 0, sizeof *o);
    if (sc_config_apply_defaults(cfg, sc_trainer_spec, "trainer", err)) return -1;
    static const char *const optims[] = {"sgd", "adam", "adamw", NULL};
    static const char *const scheds[] = {"constant", "linear", "cosine", NULL};
    int kind, sched;
    double wd, mom, clip, minf;
    long warm;
    if (sc_config_choice(cfg, "optimizer", optims, &kind, err) ||
        sc_config_double(cfg, "lr", 0, 10, &o->lr, err) ||
        sc_config_double(cfg, "weight_decay", 0, 10, &wd, err) ||
        sc_config_double(cfg, "momentum", 0, 0.999999, &mom, err) ||
        sc_config_double(cfg, "clip", 0, 1e9, &clip, err) || sc_config_choice(cfg, "schedule", scheds, &sched, err) ||
        sc_config_long(cfg, "warmup", 0, 100000000, &warm, err) || sc_config_double(cfg, "min_lr", 0, 1, &minf, err) ||
        sc_config_long(cfg, "epochs", 1, SC_MAX_EPOCHS, &o->epochs, err) ||
        sc_config_long(cfg, "batch_size", 1, 65536, &o->batch_size, err) ||
        sc_config_long(cfg, "patience", 1, 100000, &o->patience, err) ||
        sc_config_long(cfg, "eval_batch", 1, 65536, &o->eval_batch, err) ||
        sc_config_long(cfg, "max_steps", 0, 1000000000, &o->max_steps, err) ||
        sc_config_long_or_auto(cfg, "threads", 1, 256, &o->threads, err) ||
        sc_config_long(cfg, "log_every", 1, 1000000000, &o->log_every, err) ||
        sc_config_long(cfg, "arena_mb", 16, 1 << 20, &o->arena_mb, err))
        return -1;
    o->optim = kind == 0 ? sc_optim_sgd_cfg(mom, wd, clip) : sc_optim_adam_cfg(kind == 2, wd, clip);
    o->sched.kind = (sc_sched_kind)sched;
    o->sched.base_lr = o->lr;
    o->sched.floor_lr = o->lr * minf;
    o->sched.warmup = warm;
    return 0;
}

// ---- evaluation -----------------------------------------------------------------------

int sc_predict(sc_pipeline *p, const sc_model *m, sc_ctx *ctx, const uint32_t *idx, size_t n, long eval_batch,
               int32_t *pred_class, float *pred_score, sc_err *err) {
    sc_batch b;
    if (sc_batch_alloc(&b, &p->data, p->has_text ? &p->enc : NULL, (size_t)eval_batch, err)) return -1;
    int rc = 0;
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    sc_no_grad_begin(ctx);
    for (size_t s = 0; s < n && !rc; s += (size_t)eval_batch) {
        size_t k = n - s < (size_t)eval_batch ? n - s : (size_t)eval_batch;
        sc_inputs in;
        if (sc_batch_fill(&b, &p->data, p->has_text ? &p->enc : NULL, idx + s, k, err) ||
            sc_inputs_from_batch(ctx, &b, p->shape.modality, m->dtype, &in)) {
            rc = ctx->failed ? sc_errf(err, "%s", ctx->err.msg) : -1;
            break;
        }
        sc_tensor *y = sc_model_forward(m, ctx, &in, 0, NULL);  // (k, n_outputs)
        if (!y) {
            rc = sc_errf(err, "%s", ctx->err.msg);
            break;
        }
        int64_t K = y->shape[1];
        for (size_t i = 0; i < k; i++) {
            if (pred_score) pred_score[s + i] = (float)sc_tensor_get(y, (int64_t)i * K);
            if (pred_class) {
                int64_t best = 0;
                for (int64_t c = 1; c < K; c++)
                    if (sc_tensor_get(y, (int64_t)i * K + c) > sc_tensor_get(y, (int64_t)i * K + best)) best = c;
                pred_class[s + i] = (int32_t)best;
            }
        }
        sc_ctx_rewind(ctx, mark);
    }
    sc_no_grad_end(ctx);
    sc_ctx_rewind(ctx, mark);
    sc_batch_free(&b);
    return rc;
}

int sc_evaluate(sc_pipeline *p, const sc_model *m, sc_ctx *ctx, const uint32_t *idx, size_t n, long eval_batch,
                const int32_t *labels, const float *targets, double *metric, double *rmse, sc_err *err) {
    int reg = p->shape.regression;
    int32_t *pc = reg ? NULL : malloc(sizeof(int32_t) * (n + 1));
    int32_t *ref_c = reg ? NULL : malloc(sizeof(int32_t) * (n + 1));
    float *ps = reg ? malloc(sizeof(float) * (n + 1)) : NULL, *ref_s = reg ? malloc(sizeof(float) * (n + 1)) : NULL;
    int rc = -1;
    if ((reg && (!ps || !ref_s)) || (!reg && (!pc || !ref_c))) {
        sc_errf(err, "evaluate: out of memory for %zu predictions", n);
        goto done;
    }
    if (sc_predict(p, m, ctx, idx, n, eval_batch, pc, ps, err)) goto done;
    if (reg) {
        for (size_t i = 0; i < n; i++) ref_s[i] = targets[idx[i]];
        *metric = sc_pearson(ps, ref_s, n);
        if (rmse) *rmse = sc_rmse(ps, ref_s, n);
    } else {
        for (size_t i = 0; i < n; i++) ref_c[i] = labels[idx[i]];
        *metric = sc_accuracy(pc, ref_c, n);
        if (rmse) *rmse = 0;
    }
    rc = 0;
done:
    free(pc);
    free(ref_c);
    free(ps);
    free(ref_s);
    return rc;
}

// ---- training ---------------------------------------------------------------------------

// The best parameters so far, one copy per tensor (the slab has red zones under
// valgrind, so it is copied tensor by tensor).
static void copy_params(sc_tensor *const *P, int n, char *buf, int to_buf) {
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t bytes = (size_t)P[i]->numel * sc_dtype_size(P[i]->dtype);
        if (to_buf) memcpy(buf + off, P[i]->data, bytes);
        else memcpy(P[i]->data, buf + off, bytes);
        off += bytes;
    }
}

static sc_tensor *task_loss(sc_ctx *ctx, const sc_trainer *t, sc_tensor *y, const uint32_t *idx, size_t n) {
    int64_t B = (int64_t)n;
    if (t->pipe->shape.regression) {
        sc_tensor *tg = sc_empty(ctx, y->dtype, 2, (int64_t[]){B, 1});
        if (!tg) return NULL;
        for (size_t i = 0; i < n; i++) sc_tensor_set(tg, (int64_t)i, t->targets[idx[i]]);
        return sc_mse(ctx, y, tg);
    }
    sc_tensor *lab = sc_empty(ctx, SC_I32, 1, &B);
    if (!lab) return NULL;
    for (size_t i = 0; i < n; i++) ((int32_t *)lab->data)[i] = t->labels[idx[i]];
    return sc_cross_entropy(ctx, y, lab);
}

// One run's working state, shared by the pieces of sc_train below.
typedef struct train_run {
    sc_trainer *t;
    sc_ctx *ctx;
    sc_train_result *res;
    long total;  // steps planned (epochs × steps per epoch, capped by max_steps)
    int budget_binds;  // max_steps is below epochs × steps per epoch
    // θ = the model's tensors, then the extra ones (one optimizer, one clip norm over all).
    sc_tensor *theta[SC_PARAMS_MAX];
    int n_theta;
    sc_optim opt;
    char *best;       // θ at the best validation metric so far (copy_params)
    uint32_t *order;  // this epoch's shuffled training indices
    sc_batch b;
    sc_progress prog;
    sc_rng shuffle_rng;
    long step;
    double t0;
} train_run;

static int collect_theta(train_run *r, sc_err *err) {
    const sc_params *sets[2] = {&r->t->model->params, r->t->extra};
    for (int k = 0; k < 2; k++)
        for (int i = 0; sets[k] && i < sets[k]->n; i++) {
            if (r->n_theta == SC_PARAMS_MAX)
                return sc_errf(err, "trainer: more than %d parameter tensors", SC_PARAMS_MAX);
            r->theta[r->n_theta++] = sets[k]->t[i];
        }
    return 0;
}

// Fisher–Yates over the training indices with the run's own stream, so the
// order depends on the seed only (not on what else drew from the context's RNG).
static void shuffle_order(train_run *r) {
    const sc_trainer *t = r->t;
    memcpy(r->order, t->train_idx, sizeof(uint32_t) * t->n_train);
    sc_rng_shuffle_u32(&r->shuffle_rng, r->order, t->n_train);
}

// One optimizer step on the k examples at order + s: forward, task loss (+ the
// hook's extra loss), gradient, update; then the after_step hook and progress.
static int train_step(train_run *r, long epoch, size_t s, size_t k, double *loss_sum, long *loss_n, sc_err *err) {
    sc_trainer *t = r->t;
    sc_ctx *ctx = r->ctx;
    sc_model *m = t->model;
    sc_pipeline *p = t->pipe;
    const uint32_t *idx = r->order + s;
    sc_ctx_reset(ctx);
    double ts = sc_now();
    sc_inputs in;
    sc_model_state st;
    if (sc_batch_fill(&r->b, &p->data, p->has_text ? &p->enc : NULL, idx, k, err)) return -1;
    sc_inputs_from_batch(ctx, &r->b, p->shape.modality, m->dtype, &in);
    sc_tensor *y = sc_model_forward(m, ctx, &in, SC_FWD_TRAINING, t->hooks.want_state ? &st : NULL);
    sc_tensor *loss = y ? task_loss(ctx, t, y, idx, k) : NULL;
    if (loss && t->hooks.extra_loss) {
        sc_tensor *extra = t->hooks.extra_loss(t->hooks.user, ctx, m, &in, t->hooks.want_state ? &st : NULL, idx, k);
        loss = extra ? sc_add(ctx, loss, extra) : NULL;
    }
    sc_tensor **g = loss ? sc_grad(ctx, &loss, 1, r->theta, r->n_theta, NULL, 0) : NULL;
    double lr = sc_schedule_lr(&t->opts.sched, r->step);
    if (!g || sc_optim_step(&r->opt, ctx, g, lr)) return sc_errf(err, "step %ld: %s", r->step + 1, ctx->err.msg);
    double lv = sc_tensor_get(loss, 0);
    if (!isfinite(lv))
        return sc_errf(err, "step %ld: the loss is %g (diverged; lower lr or raise clip)", r->step + 1, lv);
    *loss_sum += lv;
    (*loss_n)++;
    r->step++;
    r->res->step_seconds += sc_now() - ts;
    if (t->hooks.after_step) {
        double th = sc_now();
        sc_train_step ds = {.m = m, .opt = &r->opt, .lr = lr, .step = r->step, .total = r->total, .epoch = epoch, .idx = idx, .n = k,
                            .in = &in};
        if (t->hooks.after_step(t->hooks.user, ctx, &ds, err)) return -1;
        r->res->hook_seconds += sc_now() - th;
    }
    sc_progress_step(&r->prog, r->step, (int)epoch, *loss_sum / (double)*loss_n, NULL);
    return 0;
}

// After an epoch: the validation metric, the curves, the best θ so far and the
// patience count. *stop = 1 once `patience` epochs went by without improving.
static int end_epoch(train_run *r, long epoch, double loss_sum, long loss_n, long *bad_epochs, int *stop,
                     sc_err *err) {
    sc_trainer *t = r->t;
    sc_train_result *res = r->res;
    const sc_train_opts *o = &t->opts;
    sc_pipeline *p = t->pipe;
    sc_ctx_reset(r->ctx);
    double metric, rmse;
    if (sc_evaluate(p, t->model, r->ctx, t->valid_idx, t->n_valid, o->eval_batch, t->labels, t->targets, &metric,
                    &rmse, err))
        return -1;
    if (res->n_curve < SC_MAX_EPOCHS) {  // always: epochs <= SC_MAX_EPOCHS
        res->valid_curve[res->n_curve] = metric;
        res->loss_curve[res->n_curve++] = loss_n ? loss_sum / (double)loss_n : 0;
    }
    res->epochs_run = epoch;
    if (t->hooks.after_epoch) t->hooks.after_epoch(t->hooks.user, epoch);
    int improved = metric > res->best_valid;
    if (improved) {
        res->best_valid = metric;
        res->best_epoch = epoch;
        copy_params(r->theta, r->n_theta, r->best, 1);
        *bad_epochs = 0;
    } else {
        (*bad_epochs)++;
    }
    sc_progress_line(&r->prog, "%s epoch %ld: train loss %.4f, valid %s %.4f%s (%.1f s)", r->prog.label, epoch,
                     loss_n ? loss_sum / (double)loss_n : 0, p->shape.regression ? "pearson" : "acc", metric,
                     improved ? " *" : "", sc_now() - r->t0);
    if (*bad_epochs >= o->patience) {
        sc_progress_line(&r->prog, "%s early stop: no improvement for %ld epochs", r->prog.label, *bad_epochs);
        *stop = 1;
        res->stopped_by = SC_STOP_PATIENCE;
    }
    return 0;
}

// Epochs until the step budget, the epoch limit or early stopping; θ ends at
// the best epoch's values.
static int train_epochs(train_run *r, sc_err *err) {
    sc_trainer *t = r->t;
    const sc_train_opts *o = &t->opts;
    long bad_epochs = 0;
    int stop = 0;
    for (long epoch = 1; epoch <= o->epochs && r->step < r->total && !stop; epoch++) {
        shuffle_order(r);
        double loss_sum = 0;
        long loss_n = 0;
        for (size_t s = 0; s < t->n_train && r->step < r->total; s += (size_t)o->batch_size) {
            size_t k = t->n_train - s < (size_t)o->batch_size ? t->n_train - s : (size_t)o->batch_size;
            if (train_step(r, epoch, s, k, &loss_sum, &loss_n, err)) return -1;
        }
        if (end_epoch(r, epoch, loss_sum, loss_n, &bad_epochs, &stop, err)) return -1;
    }
    if (!stop) r->res->stopped_by = r->budget_binds && r->step >= r->total ? SC_STOP_STEPS : SC_STOP_EPOCHS;
    copy_params(r->theta, r->n_theta, r->best, 0);
    return 0;
}

const char *sc_stop_name(int stopped_by) {
    return stopped_by == SC_STOP_PATIENCE ? "patience" : stopped_by == SC_STOP_STEPS ? "max_steps" : "epochs";
}

int sc_train(sc_trainer *t, sc_ctx *ctx, sc_train_result *res, sc_err *err) {
    memset(res, 0, sizeof *res);
    sc_train_opts *o = &t->opts;
    sc_pipeline *p = t->pipe;
    if (!t->n_train) return sc_errf(err, "training set is empty");
    if (!t->n_valid) return sc_errf(err, "validation set is empty");
    int saved_threads = sc_get_threads();
    sc_set_threads(sc_threads_for_run(o->threads));
    train_run r = {.t = t, .ctx = ctx, .res = res};
    long per_epoch = (long)((t->n_train + (size_t)o->batch_size - 1) / (size_t)o->batch_size);
    r.total = per_epoch * o->epochs;
    if (o->max_steps > 0 && o->max_steps < r.total) r.total = o->max_steps, r.budget_binds = 1;
    o->sched.total = r.total;
    if (o->sched.warmup > r.total) o->sched.warmup = r.total;
    if (sc_schedule_check(&o->sched, err) || collect_theta(&r, err) ||
        sc_optim_init(&r.opt, &o->optim, r.theta, r.n_theta, err))
        return -1;  // with o->threads still set, as this function always has on these early errors
    size_t slab = 0;
    for (int i = 0; i < r.n_theta; i++) slab += (size_t)r.theta[i]->numel * sc_dtype_size(r.theta[i]->dtype);
    r.best = malloc(slab ? slab : 1);
    r.order = malloc(sizeof(uint32_t) * t->n_train);
    int rc = -1;
    if (!r.best || !r.order) {
        sc_errf(err, "trainer: out of memory");
        goto done;
    }
    if (sc_batch_alloc(&r.b, &p->data, p->has_text ? &p->enc : NULL, (size_t)o->batch_size, err)) goto done;
    copy_params(r.theta, r.n_theta, r.best, 1);
    sc_progress_init(&r.prog, t->log, t->label ? t->label : "train", r.total, o->log_every);
    r.t0 = sc_now();
    res->best_valid = -INFINITY;
    sc_rng_seed(&r.shuffle_rng, t->seed ^ 0x5348554646ull);
    if (train_epochs(&r, err)) goto done;
    res->steps = r.step;
    res->seconds = sc_now() - r.t0;
    rc = 0;
done:
    sc_batch_free(&r.b);
    free(r.best);
    free(r.order);
    sc_optim_free(&r.opt);
    sc_set_threads(saved_threads);
    return rc;
}
