// pretrain.c — sc_pretrain_run: configuration, vocabulary, encoding, the
// masked-token training loop with evaluation, checkpoints and resuming
// (pretrain.h). The resume and result files are pretrain_files.c.
#include "pretrain/pretrain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "core/fs.h"
#include "core/sha256.h"
#include "data/corpus.h"
#include "data/batch.h"
#include "io/checkpoint.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "pretrain/pretrain_impl.h"
#include "train/progress.h"

const sc_config_spec sc_pretrain_spec[] = {
    {"steps", "4000", "optimizer steps"},
    {"batch_size", "64", "items (texts or images) per step"},
    {"lr", "1e-3", "peak AdamW learning rate"},
    {"warmup", "200", "linear warmup steps; then linear decay to min_lr x lr at the last step"},
    {"min_lr", "0", "final learning rate as a fraction of lr"},
    {"weight_decay", "0.01", "decoupled weight decay"},
    {"clip", "1", "global gradient-norm clipping"},
    {"max_tokens", "128", "text: ids per text: [CLS] + at most max_tokens-1 tokens (longer texts are cut); a task "
                          "initialized from the backbone may use up to this many"},
    {"min_freq", "2", "text: vocabulary of tokens seen at least this often in the training texts"},
    {"max_vocab", "30000", "text: vocabulary size, specials and [MASK] included"},
    {"mask_prob", "auto",
     "share of each item's units chosen for prediction (auto: 0.15 of a text's tokens, of which 80% become [MASK], "
     "10% a random token, 10% stay; 0.5 of an image's cells)"},
    {"held_out", "1000", "items (texts or images) held out for the validation loss"},
    {"eval_every", "250", "steps between validation losses (a point of the loss curve)"},
    {"save_every", "500", "steps between checkpoints (pretrained.ckpt and pretrain.state)"},
    {"stop_at", "0", "save and stop after this step, to --resume later (a time-limited job); 0 = run to the end"},
    {"threads", "auto", "threads for products and large kernels: N, or auto (the CPUs this run may use; scaffold run --jobs J gives each run CPUs/J); the numbers do not depend on it"},
    {"log_every", "50", "steps between progress lines when not on a terminal"},
    {"arena_mb", "2048", "per-step arena reservation in MiB"},
    {NULL, NULL, NULL},
};

void pt_seed_for(sc_rng *g, uint64_t seed, long at, uint64_t purpose) {
    sc_rng_seed(g, seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(at + 1)) ^ (purpose << 56));
}
enum { RNG_ORDER = 1, RNG_MASK = 2, RNG_DROPOUT = 3, RNG_VALID = 4, RNG_SPLIT = 5 };

// --set keys of the run go to run_cfg, the others to the architecture.
static int split_sets(pt_run *r, sc_err *err) {
    sc_config_init(&r->run_cfg);
    sc_config_init(&r->model_cfg);
    for (int i = 0; i < r->c->n_sets; i++) {
        const char *kv = r->c->sets[i], *eq = strchr(kv, '=');
        if (!eq || eq == kv) return sc_errf(err, "--set '%s': expected KEY=VALUE", kv);
        int ours = 0;
        for (int k = 0; sc_pretrain_spec[k].key; k++)
            ours |= strlen(sc_pretrain_spec[k].key) == (size_t)(eq - kv) && !strncmp(sc_pretrain_spec[k].key, kv, (size_t)(eq - kv));
        if (sc_config_set_kv(ours ? &r->run_cfg : &r->model_cfg, kv, err)) return -1;
    }
    return sc_config_apply_defaults(&r->run_cfg, sc_pretrain_spec, "pretrain", err) ||
                   sc_model_check_config(r->def, &r->model_cfg, err)
               ? -1
               : 0;
}

static int read_opts(pt_run *r, sc_err *err) {
    pt_opts *o = &r->o;
    const sc_config *c = &r->run_cfg;
    if (sc_config_long(c, "steps", 1, 100000000, &o->steps, err) ||
        sc_config_long(c, "batch_size", 1, 4096, &o->batch, err) || sc_config_double(c, "lr", 0, 10, &o->lr, err) ||
        sc_config_long(c, "warmup", 0, 100000000, &o->warmup, err) ||
        sc_config_double(c, "min_lr", 0, 1, &o->min_lr, err) ||
        sc_config_double(c, "weight_decay", 0, 10, &o->weight_decay, err) ||
        sc_config_double(c, "clip", 0, 1e9, &o->clip, err) ||
        sc_config_long(c, "max_tokens", 3, 4096, &o->max_tokens, err) ||
        sc_config_long(c, "min_freq", 1, 1000000000, &o->min_freq, err) ||
        sc_config_long(c, "max_vocab", 8, 10000000, &o->max_vocab, err) ||
        sc_config_long(c, "held_out", 1, 100000000, &o->held_out, err) ||
        sc_config_long(c, "eval_every", 1, 100000000, &o->eval_every, err) ||
        sc_config_long(c, "save_every", 1, 100000000, &o->save_every, err) ||
        sc_config_long(c, "stop_at", 0, 100000000, &o->stop_at, err) ||
        sc_config_long_or_auto(c, "threads", 1, 256, &o->threads, err) ||
        sc_config_long(c, "log_every", 1, 100000000, &o->log_every, err) ||
        sc_config_long(c, "arena_mb", 16, 1 << 20, &o->arena_mb, err))
        return -1;
    const char *mp = sc_config_str(c, "mask_prob");
    if (mp && !strcmp(mp, "auto")) o->mask_prob = r->obj->mask_prob;
    else if (sc_config_double(c, "mask_prob", 0.01, 0.9, &o->mask_prob, err)) return -1;
    if (o->warmup > o->steps) o->warmup = o->steps;
    r->sched = (sc_schedule){.kind = SC_SCHED_LINEAR, .base_lr = o->lr, .floor_lr = o->lr * o->min_lr,
                             .warmup = o->warmup, .total = o->steps};
    return sc_schedule_check(&r->sched, err);
}

// Held-out items: the first held_out of a seeded permutation; the rest train.
static int split_items(pt_run *r, sc_err *err) {
    if ((size_t)r->o.held_out * 2 > r->n)
        return sc_errf(err, "%s has %zu items: too few to hold out held_out = %ld and train on the rest (set "
                       "held_out lower)", r->corpus_name, r->n, r->o.held_out);
    uint32_t *p = malloc(sizeof *p * r->n);
    if (!p) return sc_errf(err, "out of memory");
    for (size_t i = 0; i < r->n; i++) p[i] = (uint32_t)i;
    sc_rng g;
    pt_seed_for(&g, r->c->seed, 0, RNG_SPLIT);
    sc_rng_shuffle_u32(&g, p, r->n);
    r->n_valid = (size_t)r->o.held_out;
    r->n_train = r->n - r->n_valid;
    r->valid = p;
    r->train = malloc(sizeof *r->train * r->n_train);
    r->order = malloc(sizeof *r->order * r->n_train);
    if (!r->train || !r->order) return sc_errf(err, "out of memory");
    memcpy(r->train, p + r->n_valid, sizeof *r->train * r->n_train);
    r->order_epoch = -1;
    return 0;
}

// The backbone, the objective's head, AdamW over both, the context.
static int build_model(pt_run *r, sc_err *err) {
    if (sc_model_create(&r->model, r->def, &r->shape, &r->model_cfg, r->c->seed, err)) return -1;
    r->have_model = 1;
    // Room for either head: text (C, C) + 3 C + V; images C + (C, P) + P, P <= 4096.
    int64_t C = r->model.info.width > 0 ? r->model.info.width : 1024, V = r->shape.vocab_size;
    size_t bytes = (size_t)(C * C + C * 4096 + 4 * C + V + 4096) * sc_dtype_size(r->model.dtype);
    if (sc_params_init(&r->head, bytes, err)) return -1;
    r->have_head = 1;
    sc_rng g;
    pt_seed_for(&g, r->c->seed, 0, 0x48);
    size_t units = (size_t)(r->o.max_tokens > 4096 ? r->o.max_tokens : 4096);  // a row's units, at most
    r->targets = malloc(sizeof *r->targets * (size_t)r->o.batch * units);
    r->maskbuf = malloc(sizeof *r->maskbuf * (size_t)r->o.batch * units);
    if (!r->targets || !r->maskbuf) return sc_errf(err, "out of memory");
    if (r->obj->build_head(r, &g, err)) return -1;
    r->n_theta = 0;
    for (int i = 0; i < r->model.params.n; i++) r->theta[r->n_theta++] = r->model.params.t[i];
    for (int i = 0; i < r->head.n; i++) {
        if (r->n_theta >= SC_PARAMS_MAX) return sc_errf(err, "more than %d parameter tensors", SC_PARAMS_MAX);
        r->theta[r->n_theta++] = r->head.t[i];
    }
    sc_optim_cfg oc = sc_optim_adam_cfg(1, r->o.weight_decay, r->o.clip);
    if (sc_optim_init(&r->opt, &oc, r->theta, r->n_theta, err)) return -1;
    r->have_opt = 1;
    if (sc_ctx_init(&r->ctx, (size_t)r->o.arena_mb << 20, r->c->seed, err)) return -1;
    r->have_ctx = 1;
    return 0;
}

// The run's identity: architecture, resolved configurations, seed, corpus.
static void run_key(pt_run *r) {
    sc_sha256 h;
    sc_sha256_init(&h);
    sc_sha256_update(&h, r->def->name, strlen(r->def->name) + 1);
    const sc_config *cs[2] = {&r->run_cfg, &r->model.cfg};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < cs[k]->n; i++) {
            // threads, logging, the checkpoint cadence and the arena do not change the numbers.
            const char *key = cs[k]->e[i].key;
            if (k == 0 && (!strcmp(key, "threads") || !strcmp(key, "log_every") || !strcmp(key, "save_every") ||
                           !strcmp(key, "stop_at") || !strcmp(key, "arena_mb")))
                continue;
            sc_sha256_update(&h, key, strlen(key) + 1);
            sc_sha256_update(&h, cs[k]->e[i].value, strlen(cs[k]->e[i].value) + 1);
        }
    uint64_t s = r->c->seed;
    sc_sha256_update(&h, &s, sizeof s);
    sc_sha256_update(&h, r->digest, strlen(r->digest) + 1);
    // The batching scheme: a state written by another one must not be resumed.
    static const char scheme[] = "batches: length-bucketed windows of 64";
    sc_sha256_update(&h, scheme, sizeof scheme);
    uint8_t d[32];
    sc_sha256_final(&h, d);
    sc_sha256_to_hex(d, r->key);
}

// ---- batches and steps -----------------------------------------------------------------

// Mean loss over the held-out items' chosen units, with the same masks every time.
static int valid_loss(pt_run *r, double *out, sc_err *err) {
    sc_rng g;
    pt_seed_for(&g, r->c->seed, 0, RNG_VALID);
    double sum = 0, count = 0, seen;
    for (size_t s = 0; s < r->n_valid; s += (size_t)r->o.batch) {
        size_t k = r->n_valid - s < (size_t)r->o.batch ? r->n_valid - s : (size_t)r->o.batch, m = 0;
        sc_ctx_reset(&r->ctx);
        sc_no_grad_begin(&r->ctx);
        sc_tensor *l = r->obj->loss(r, r->valid + s, k, &g, 0, &m, &seen);
        sc_no_grad_end(&r->ctx);
        if (!l) return sc_errf(err, "validation: %s", r->ctx.err.msg);
        sum += sc_tensor_get(l, 0) * (double)m, count += (double)m;
    }
    sc_ctx_reset(&r->ctx);
    *out = sum / count;
    return 0;
}

typedef struct by_len {
    uint32_t len, pos, item;
} by_len;

static int cmp_len(const void *a, const void *b) {
    const by_len *x = a, *y = b;
    return x->len != y->len ? (x->len < y->len ? -1 : 1) : (x->pos < y->pos ? -1 : x->pos > y->pos);
}

// Texts: batches of similar lengths, so a batch pads little (the corpus's texts run
// from 5 to 128 tokens; padding every batch to its longest text tripled the
// step). Windows of 64 batches of the shuffled order are sorted by length and cut
// into batches, then the batches are shuffled: every text once per epoch, the
// order a function of (seed, epoch) alone.
static int bucket_by_length(pt_run *r, size_t k, size_t per_epoch, sc_rng *g) {
    size_t n = per_epoch * k, w = k * 64;
    by_len *tmp = malloc(sizeof *tmp * (w < n ? w : n));
    uint32_t *batch = malloc(sizeof *batch * per_epoch), *out = malloc(sizeof *out * n);
    int rc = tmp && batch && out ? 0 : -1;
    for (size_t s = 0; !rc && s < n; s += w) {
        size_t m = n - s < w ? n - s : w;
        for (size_t i = 0; i < m; i++) tmp[i] = (by_len){r->len[r->order[s + i]], (uint32_t)i, r->order[s + i]};
        qsort(tmp, m, sizeof *tmp, cmp_len);
        for (size_t i = 0; i < m; i++) r->order[s + i] = tmp[i].item;
    }
    for (size_t b = 0; !rc && b < per_epoch; b++) batch[b] = (uint32_t)b;
    if (!rc) sc_rng_shuffle_u32(g, batch, per_epoch);
    for (size_t b = 0; !rc && b < per_epoch; b++) memcpy(out + b * k, r->order + (size_t)batch[b] * k, sizeof *out * k);
    if (!rc) memcpy(r->order, out, sizeof *out * n);
    free(tmp), free(batch), free(out);
    return rc;
}

// Step r->step + 1 on its batch: the epoch's permutation, then a slice of it.
static int train_step(pt_run *r, double *loss, double *n_tok, sc_err *err) {
    size_t per_epoch = r->n_train / (size_t)r->o.batch;  // the last partial batch of an epoch is dropped
    if (!per_epoch) per_epoch = 1;
    long epoch = r->step / (long)per_epoch;
    size_t k = r->n_train < (size_t)r->o.batch ? r->n_train : (size_t)r->o.batch;
    if (epoch != r->order_epoch) {
        sc_rng g;
        pt_seed_for(&g, r->c->seed, epoch, RNG_ORDER);
        memcpy(r->order, r->train, sizeof *r->order * r->n_train);
        sc_rng_shuffle_u32(&g, r->order, r->n_train);
        if (r->len && bucket_by_length(r, k, per_epoch, &g)) return sc_errf(err, "out of memory");
        r->order_epoch = epoch;
    }
    sc_ctx_reset(&r->ctx);
    sc_rng gm;
    pt_seed_for(&gm, r->c->seed, r->step, RNG_MASK);
    pt_seed_for(&r->ctx.rng, r->c->seed, r->step, RNG_DROPOUT);
    size_t m = 0;
    const uint32_t *idx = r->order + (size_t)(r->step % (long)per_epoch) * k;
    sc_tensor *l = r->obj->loss(r, idx, k, &gm, 1, &m, n_tok);
    sc_tensor **g = l ? sc_grad(&r->ctx, &l, 1, r->theta, r->n_theta, NULL, 0) : NULL;
    if (!g || sc_optim_step(&r->opt, &r->ctx, g, sc_schedule_lr(&r->sched, r->step)))
        return sc_errf(err, "step %ld: %s", r->step + 1, r->ctx.err.msg);
    *loss = sc_tensor_get(l, 0);
    if (!isfinite(*loss)) return sc_errf(err, "step %ld: the loss is %g (lower lr?)", r->step + 1, *loss);
    r->step++;
    return 0;
}

// ---- files, resume, the loop ------------------------------------------------------------

static void paths(const pt_run *r, sc_pretrain_outcome *o) {
    snprintf(o->ckpt_path, sizeof o->ckpt_path, "%s/pretrained.ckpt", r->c->out);
    snprintf(o->state_path, sizeof o->state_path, "%s/pretrain.state", r->c->out);
    snprintf(o->metrics_path, sizeof o->metrics_path, "%s/metrics.msgpack", r->c->out);
}

// The backbone with its vocabulary and provenance, then the resume state, then
// the result file; each written atomically.
static int save_all(pt_run *r, const sc_pretrain_outcome *o, sc_err *err) {
    sc_ckpt_extra x;
    sc_ckpt_extra_init(&x);
    x.vocab = r->have_vocab ? &r->vocab : NULL;
    x.rng = r->ctx.rng;
    x.step = r->step;
    snprintf(x.pre_objective, sizeof x.pre_objective, "%s", r->obj->name);
    snprintf(x.pre_corpus, sizeof x.pre_corpus, "%s", r->corpus_name);
    snprintf(x.pre_digest, sizeof x.pre_digest, "%s", r->digest);
    double last = r->curve.n ? r->curve.valid[r->curve.n - 1] : NAN;
    int rc = sc_ckpt_extra_set_metric(&x, "valid_mlm_loss", last, err) ||
             sc_checkpoint_save(o->ckpt_path, &r->model, &x, err) || pt_state_save(r, o->state_path, err) ||
             pt_metrics_write(r, o->metrics_path, err);
    sc_ckpt_extra_free(&x);
    return rc ? -1 : 0;
}

// --resume: the backbone from pretrained.ckpt, the rest from pretrain.state.
static int resume(pt_run *r, const sc_pretrain_outcome *o, sc_err *err) {
    struct stat st;
    if (stat(o->state_path, &st) || stat(o->ckpt_path, &st))
        return sc_errf(err, "--resume: %s has no pretrained.ckpt and pretrain.state to resume from", r->c->out);
    sc_model saved;
    sc_ckpt_extra x;
    sc_ckpt_extra_init(&x);
    if (sc_checkpoint_load(o->ckpt_path, &saved, &x, err)) return -1;
    int rc = 0;
    if (saved.params.n != r->model.params.n || (r->have_vocab && (!x.vocab || x.vocab->n != r->vocab.n)))
        rc = sc_errf(err, "%s: another model or vocabulary than this configuration builds", o->ckpt_path);
    for (int i = 0; !rc && i < saved.params.n; i++) {
        sc_tensor *a = saved.params.t[i], *b = r->model.params.t[i];
        if (strcmp(saved.params.names[i], r->model.params.names[i]) || !sc_same_shape(a, b) || a->dtype != b->dtype)
            rc = sc_errf(err, "%s: parameter '%s' differs from this configuration's", o->ckpt_path,
                         saved.params.names[i]);
        else memcpy(b->data, a->data, (size_t)a->numel * sc_dtype_size(a->dtype));
    }
    sc_model_free(&saved);
    sc_ckpt_extra_free(&x);
    char sum[65];
    if (rc || sc_params_checksum(&r->model.params, sum, err) || pt_state_load(r, o->state_path, sum, err)) return -1;
    return 0;
}

static int evaluate_point(pt_run *r, double train_sum, long train_n, sc_progress *pg, sc_err *err) {
    double v;
    if (valid_loss(r, &v, err)) return -1;
    double t = train_n ? train_sum / (double)train_n : NAN;
    if (pt_curve_add(&r->curve, r->step, t, v)) return sc_errf(err, "out of memory");
    if (r->c->log && train_n) sc_progress_line(pg, "pretrain step %ld: train loss %.4f, valid loss %.4f", r->step, t, v);
    else if (r->c->log) sc_progress_line(pg, "pretrain step %ld: valid loss %.4f", r->step, v);
    return 0;
}

static int loop(pt_run *r, sc_pretrain_outcome *o, sc_err *err) {
    sc_progress pg;
    sc_progress_init(&pg, r->c->log, "pretrain", r->o.steps, r->o.log_every);
    pg.first = r->step;
    if (!r->curve.n && evaluate_point(r, 0, 0, &pg, err)) return -1;
    o->valid_loss0 = r->curve.valid[0];
    const double start = sc_now(), seconds0 = r->seconds, tokens0 = r->tokens;
    while (r->step < r->o.steps) {
        double loss, ntok;
        if (train_step(r, &loss, &ntok, err)) return -1;
        // The loss since the last curve point lives in r (and the resume state), so
        // an interrupted run's curve is the uninterrupted one's.
        r->tokens += ntok, r->acc_sum += loss, r->acc_n++;
        double dt = sc_now() - start;
        char extra[64];
        snprintf(extra, sizeof extra, "%.0f %s/s", dt > 0 ? (r->tokens - tokens0) / dt : 0.0,
                 r->have_vocab ? "tokens" : "cells");
        sc_progress_step(&pg, r->step, (int)r->order_epoch + 1, loss, extra);
        int last = r->step == r->o.steps, stop = r->step == r->o.stop_at;
        if (r->step % r->o.eval_every == 0 || last) {
            if (evaluate_point(r, r->acc_sum, r->acc_n, &pg, err)) return -1;
            r->acc_sum = 0, r->acc_n = 0;
        }
        if (r->step % r->o.save_every == 0 || last || stop) {
            r->seconds = seconds0 + (sc_now() - start);
            if (save_all(r, o, err)) return -1;
        }
        if (stop) break;
    }
    o->seconds = sc_now() - start;
    o->tokens_per_second = o->seconds > 0 ? (r->tokens - tokens0) / o->seconds : 0;
    return 0;
}

static void run_free(pt_run *r) {
    if (r->have_ctx) sc_ctx_free(&r->ctx);
    if (r->have_opt) sc_optim_free(&r->opt);
    if (r->have_head) sc_params_free(&r->head);
    if (r->have_model) sc_model_free(&r->model);
    if (r->have_vocab) sc_vocab_free(&r->vocab);
    if (r->have_batch) sc_batch_free(&r->batch);
    if (r->have_pipe) sc_pipeline_close(&r->pipe);
    free(r->ids), free(r->off), free(r->len), free(r->train), free(r->valid), free(r->order), free(r->image_idx);
    free(r->targets), free(r->maskbuf);
    pt_curve_free(&r->curve);
    free(r);
}

// The architecture fixes the objective: masked tokens for text, masked cells for images.
static int find_arch(pt_run *r, sc_err *err) {
    if (!(r->def = sc_model_find("teacher", r->c->arch)))
        return sc_errf(err, "no architecture '%s' (see `scaffold models`)", r->c->arch);
    if (r->def->modality == SC_TEXT) r->obj = &pt_masked_tokens;
    else if (r->def->modality == SC_IMAGE && !strcmp(r->def->name, "vit")) r->obj = &pt_masked_cells;
    else
        return sc_errf(err, "architecture '%s' cannot be pretrained: masked tokens need a text transformer, masked "
                       "cells a vit", r->c->arch);
    return 0;
}

static int setup(pt_run *r, sc_pretrain_outcome *o, sc_err *err) {
    if (split_sets(r, err) || read_opts(r, err) || split_items(r, err) || r->obj->prepare(r, err) ||
        build_model(r, err))
        return -1;
    run_key(r);
    paths(r, o);
    if (sc_mkdirs(r->c->out, err)) return -1;
    return r->c->resume ? resume(r, o, err) : 0;
}

// Set up, train, fill the outcome; frees r.
static int run_all(pt_run *r, sc_pretrain_outcome *o, sc_err *err) {
    const sc_pretrain_cfg *c = r->c;
    int saved_threads = sc_get_threads();
    int rc = setup(r, o, err);
    if (!rc) {
        sc_set_threads(sc_threads_for_run(r->o.threads));
        o->resumed_from = r->step;
        if (c->log)
            fprintf(c->log, "pretrain %s (%s) on %s: %lld parameters (+%lld in the head)%s; %zu train / %zu held-out "
                    "items; steps %ld to %ld\n", r->def->name, r->obj->name, r->corpus_name,
                    (long long)sc_params_numel(&r->model.params), (long long)sc_params_numel(&r->head),
                    r->have_vocab ? "; vocabulary of the training texts" : "", r->n_train, r->n_valid, r->step,
                    r->o.steps);
        rc = loop(r, o, err);
        sc_set_threads(saved_threads);
    }
    if (!rc) {
        o->steps = r->step;
        o->train_loss = r->curve.n ? r->curve.train[r->curve.n - 1] : NAN;
        o->valid_loss = r->curve.n ? r->curve.valid[r->curve.n - 1] : NAN;
        o->n_train = r->n_train, o->n_valid = r->n_valid, o->vocab_size = r->have_vocab ? r->vocab.n : 0;
        o->n_params = (long long)sc_params_numel(&r->model.params);
        snprintf(o->digest, sizeof o->digest, "%s", r->digest);
        snprintf(o->objective, sizeof o->objective, "%s", r->obj->name);
    }
    run_free(r);
    return rc ? -1 : 0;
}

static pt_run *new_run(const sc_pretrain_cfg *c, sc_pretrain_outcome *o, sc_err *err) {
    memset(o, 0, sizeof *o);
    if (!c->arch || !c->out) {
        sc_errf(err, "pretrain: no %s given", c->arch ? "output folder" : "architecture");
        return NULL;
    }
    pt_run *r = calloc(1, sizeof *r);
    if (!r) sc_errf(err, "pretrain: out of memory");
    else r->c = c;
    return r;
}

int sc_pretrain_run_texts(const sc_pretrain_cfg *c, const char *corpus_name, const char *digest, const char *blob,
                          const size_t *off, size_t n, sc_pretrain_outcome *o, sc_err *err) {
    pt_run *r = new_run(c, o, err);
    if (!r) return -1;
    r->corpus_name = corpus_name, r->digest = digest, r->blob = blob, r->text_off = off, r->n = n;
    if (find_arch(r, err) || (r->obj != &pt_masked_tokens &&
                              sc_errf(err, "architecture '%s' is not a text model: a corpus of texts needs one "
                                      "(`--task` gives images to a vit)", c->arch))) {
        run_free(r);
        return -1;
    }
    return run_all(r, o, err);
}

int sc_pretrain_run(const sc_pretrain_cfg *c, sc_pretrain_outcome *o, sc_err *err) {
    pt_run *r = new_run(c, o, err);
    if (!r) return -1;
    if (find_arch(r, err)) {
        run_free(r);
        return -1;
    }
    if (r->obj == &pt_masked_cells) {
        if (!c->task) {
            run_free(r);
            return sc_errf(err, "pretrain: a vit learns from a task's images: give --task NAME (its teacher-train "
                           "and student-pool images, without labels)");
        }
        if (pt_images_open(r, err)) {
            run_free(r);
            return -1;
        }
        return run_all(r, o, err);
    }
    run_free(r);
    if (!c->corpus) return sc_errf(err, "pretrain: no corpus given (--corpus NAME; see `scaffold corpus list`)");
    sc_corpus corpus;
    memset(&corpus, 0, sizeof corpus);
    if (sc_corpus_open(c->corpus, &corpus, err)) return -1;
    int rc = sc_pretrain_run_texts(c, corpus.name, corpus.digest, corpus.blob, corpus.off, corpus.n, o, err);
    sc_corpus_free(&corpus);
    return rc;
}

void sc_pretrain_outcome_print(FILE *f, const sc_pretrain_outcome *o) {
    fprintf(f, "pretrained %lld parameters (%s) on %zu items (%zu held out)", o->n_params, o->objective, o->n_train,
            o->n_valid);
    if (o->vocab_size) fprintf(f, ", vocabulary %zu", o->vocab_size);
    fprintf(f, "\n");
    fprintf(f, "  %-22s %ld%s\n", "steps", o->steps, o->resumed_from ? " (resumed)" : "");
    fprintf(f, "  %-22s %.4f -> %.4f\n", "held-out loss", o->valid_loss0, o->valid_loss);
    fprintf(f, "  %-22s %.1f s, %.0f %s/s\n", "this run", o->seconds, o->tokens_per_second,
            o->vocab_size ? "tokens" : "cells");
    fprintf(f, "  %-22s %.12s...\n", "corpus digest", o->digest);
    fprintf(f, "  wrote %s, %s and %s\n", o->ckpt_path, o->state_path, o->metrics_path);
}
