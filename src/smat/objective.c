// objective.c — the SMaT inner and outer losses (see objective.h).
//
// The teacher is frozen: its forward pass runs in no-grad mode, so the attention
// logits a learnable teacher explainer mixes are constants and the explanation
// depends on φ alone. Gradient explainers still record their own fresh
// forward/backward (they need grad mode) but without create_graph, so their
// saliency is a constant too. On the student side they run with create_graph on
// the student's forward (logits and st->embeddings): d f_y / d e_u stays on the
// tape and the trainer's backward differentiates it again.
#include "smat/objective.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/inputs.h"
#include "ops/ops.h"

sc_tensor *sc_smat_sim_loss(const sc_smat *s, sc_ctx *ctx, sc_tensor *y, const uint32_t *idx, size_t n) {
    if (!y) return NULL;
    int64_t B = (int64_t)n;
    if (s->pipe->shape.regression) {
        if (!s->sim_targets) return sc_fail(ctx, "smat: no teacher scores for the regression simulation loss");
        sc_tensor *tg = sc_empty(ctx, y->dtype, 2, (int64_t[]){B, 1});  // (B, 1)
        if (!tg) return NULL;
        for (size_t i = 0; i < n; i++) sc_tensor_set(tg, (int64_t)i, s->sim_targets[idx[i]]);
        return sc_mse(ctx, y, tg);
    }
    if (!s->sim_labels) return sc_fail(ctx, "smat: no teacher predictions for the simulation loss");
    sc_tensor *lab = sc_empty(ctx, SC_I32, 1, &B);  // (B)
    if (!lab) return NULL;
    for (size_t i = 0; i < n; i++) ((int32_t *)lab->data)[i] = s->sim_labels[idx[i]];
    return sc_cross_entropy(ctx, y, lab);
}

// E_T on a batch, computed: a no-grad teacher forward, then the explainer in
// grad mode (recorded when it has parameters). gold (B, U) may be NULL.
static sc_tensor *teacher_expl_compute(sc_smat *s, sc_ctx *ctx, const sc_inputs *in, const sc_tensor *gold) {
    sc_model_state st;
    memset(&st, 0, sizeof st);
    sc_no_grad_begin(ctx);
    sc_tensor *y = sc_model_forward(s->teacher, ctx, in, 0, &st);  // (B, K)
    sc_no_grad_end(ctx);
    if (!y) return NULL;
    sc_explain_args a = {.model = s->teacher, .in = in, .st = &st, .logits = y, .gold = gold};
    return sc_explain(s->teacher_expl, ctx, &a);
}

// Rows lo..lo+k of a batch's inputs, as contiguous copies in the arena.
static int inputs_rows(sc_ctx *ctx, const sc_inputs *in, int64_t lo, int64_t k, sc_inputs *out) {
    *out = (sc_inputs){.B = k};
    sc_tensor *const src[4] = {in->ids, in->mask, in->images, in->features};
    sc_tensor **dst[4] = {&out->ids, &out->mask, &out->images, &out->features};
    for (int i = 0; i < 4; i++)
        if (src[i] && !(*dst[i] = sc_contiguous(ctx, sc_slice(ctx, src[i], 0, lo, lo + k)))) return -1;
    return in->unit_replace ? (sc_fail(ctx, "smat: masked-unit inputs have no teacher explanation"), -1) : 0;
}

// Stores the teacher explainer's features of the batch's examples not stored
// yet: no-grad teacher forwards on chunks of SC_FEATURE_CHUNK examples (the
// batch's padded length, so the numbers are those of the whole batch), the
// arena rewound after each, so that meeting new examples costs a step one
// chunk's forward of memory rather than the whole batch's.
#define SC_FEATURE_CHUNK 8
static int store_features(sc_smat *s, sc_ctx *ctx, const sc_inputs *in, const uint32_t *idx, size_t n) {
    for (size_t lo = 0; lo < n; lo += SC_FEATURE_CHUNK) {
        size_t k = n - lo < SC_FEATURE_CHUNK ? n - lo : SC_FEATURE_CHUNK;
        if (sc_feature_cache_has(s->fcache, idx + lo, k)) continue;
        sc_ctx_mark mark = sc_ctx_get_mark(ctx);
        sc_inputs part;
        sc_model_state st;
        memset(&st, 0, sizeof st);
        if (inputs_rows(ctx, in, (int64_t)lo, (int64_t)k, &part)) return -1;
        sc_no_grad_begin(ctx);
        sc_explain_args a = {.model = s->teacher, .in = &part, .st = &st};
        a.logits = sc_model_forward(s->teacher, ctx, &part, 0, &st);  // (k, K)
        sc_no_grad_end(ctx);
        sc_tensor *f = a.logits ? sc_explain_features(s->teacher_expl, ctx, &a) : NULL;  // (k, P, U)
        sc_err err;
        if (f && sc_feature_cache_store(s->fcache, idx + lo, k, f, st.unit_mask, &err))
            sc_fail(ctx, "smat: %s", err.msg);
        if (ctx->failed) return -1;
        sc_ctx_rewind(ctx, mark);
    }
    return 0;
}

// E_T from the teacher explainer's features (feature_cache.h), read from the
// store after storing any the batch's examples lack.
static sc_tensor *teacher_expl_stored(sc_smat *s, sc_ctx *ctx, const sc_inputs *in, const uint32_t *idx,
                                      size_t n) {
    if (!sc_feature_cache_has(s->fcache, idx, n) && store_features(s, ctx, in, idx, n)) return NULL;
    sc_explain_args a = {.model = s->teacher, .in = in};
    sc_tensor *f, *um;
    int64_t V = in->ids ? in->ids->shape[1] : s->fcache->U;
    if (sc_feature_cache_load(s->fcache, ctx, idx, n, V, s->teacher->dtype, &f, &um)) return NULL;
    return sc_explain_from_features(s->teacher_expl, ctx, f, um, &a);
}

// Units of a batch: the padded length for text, the cache width otherwise.
static int64_t batch_units(const sc_smat *s, const sc_inputs *in) {
    return in->ids ? in->ids->shape[1] : s->cache_U;
}

sc_tensor *sc_smat_teacher_expl(sc_smat *s, sc_ctx *ctx, const sc_inputs *in, const uint32_t *idx, size_t n) {
    if (ctx->failed) return NULL;
    if (!s->teacher_expl) return sc_fail(ctx, "smat: no teacher explainer (beta = 0 runs have no explanations)");
    int cached = s->cache != NULL;
    for (size_t i = 0; cached && i < n; i++) cached = s->cache_have[idx[i]] != 0;
    if (!cached) return s->fcache ? teacher_expl_stored(s, ctx, in, idx, n) : teacher_expl_compute(s, ctx, in, NULL);
    int64_t U = batch_units(s, in), B = (int64_t)n;
    if (U > s->cache_U)
        return sc_fail(ctx, "smat: batch has %lld units, the explanation cache %lld", (long long)U,
                       (long long)s->cache_U);
    sc_dtype dt = s->student->dtype;
    sc_tensor *p = sc_empty(ctx, dt, 2, (int64_t[]){B, U});  // (B, U)
    if (!p) return NULL;
    for (int64_t b = 0; b < B; b++) {
        const float *row = s->cache + (size_t)idx[b] * (size_t)s->cache_U;
        for (int64_t u = 0; u < U; u++) sc_tensor_set(p, b * U + u, row[u]);
    }
    return p;
}

sc_tensor *sc_smat_expl_loss(sc_smat *s, sc_ctx *ctx, const sc_inputs *in, const sc_model_state *st, sc_tensor *y,
                             const uint32_t *idx, size_t n) {
    if (ctx->failed || !y) return NULL;
    if (s->beta == 0 || !s->teacher_expl || !s->student_expl) return sc_zeros(ctx, y->dtype, 0, NULL);
    if (!st || !st->unit_mask) return sc_fail(ctx, "smat: the explanation loss needs the student's forward state");
    sc_tensor *p = sc_smat_teacher_expl(s, ctx, in, idx, n);  // (B, U) distribution
    if (!p) return NULL;
    sc_explain_args a = {.model = s->student, .in = in, .st = st, .logits = y, .create_graph = 1, .raw_scores = 1};
    sc_tensor *scores = sc_explain(s->student_expl, ctx, &a);  // (B, U) pre-normalizer
    if (!scores) return NULL;
    if (!sc_same_shape(p, scores)) {
        char b1[64], b2[64];
        return sc_fail(ctx, "smat: teacher explanation %s and student scores %s differ in shape",
                       sc_shape_str(p, b1, sizeof b1), sc_shape_str(scores, b2, sizeof b2));
    }
    sc_tensor *l = sc_expl_loss(ctx, s->loss, p, scores, st->unit_mask);
    return sc_mul_scalar(ctx, l, s->beta);
}

sc_tensor *sc_smat_inner_loss(sc_smat *s, sc_ctx *ctx, const sc_inputs *in, const uint32_t *idx, size_t n,
                              unsigned fwd_flags) {
    if (ctx->failed) return NULL;
    sc_model_state st;
    memset(&st, 0, sizeof st);
    int expl = s->beta != 0 && s->teacher_expl && s->student_expl;
    sc_tensor *y = sc_model_forward(s->student, ctx, in, fwd_flags, expl ? &st : NULL);  // (B, K)
    sc_tensor *l = sc_smat_sim_loss(s, ctx, y, idx, n);
    if (!l || !expl) return l;
    sc_tensor *e = sc_smat_expl_loss(s, ctx, in, &st, y, idx, n);
    return e ? sc_add(ctx, l, e) : NULL;
}

sc_tensor *sc_smat_outer_loss(sc_smat *s, sc_ctx *ctx, const sc_inputs *in, const uint32_t *idx, size_t n) {
    if (ctx->failed) return NULL;
    sc_tensor *y = sc_model_forward(s->student, ctx, in, 0, NULL);  // (B, K), eval mode
    return sc_smat_sim_loss(s, ctx, y, idx, n);
}

// ---- the static cache --------------------------------------------------------------------

// Gold per unit (B, U): the token rationale, or for images a grid cell is gold
// when any of its pixels is in the object mask. NULL (no error) if the task has
// no rationales.
static sc_tensor *gold_units(sc_ctx *ctx, const sc_batch *b, int64_t U, sc_dtype dt) {
    if (!b->rationale && !b->obj_mask) return NULL;
    int64_t B = (int64_t)b->B;
    sc_tensor *g = sc_zeros(ctx, dt, 2, (int64_t[]){B, U});
    if (!g) return NULL;
    if (b->rationale) {
        for (int64_t i = 0; i < B; i++)
            for (int64_t u = 0; u < U && (size_t)u < b->T; u++)
                sc_tensor_set(g, i * U + u, b->rationale[(size_t)i * b->T + (size_t)u]);
        return g;
    }
    int H = (int)b->H, W = (int)b->W, gr = (int)lround(sqrt((double)U));
    if ((int64_t)gr * gr != U) return NULL;
    for (int64_t i = 0; i < B; i++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                if (b->obj_mask[(size_t)i * (size_t)(H * W) + (size_t)(y * W + x)] > 0)
                    sc_tensor_set(g, i * U + (y * gr / H) * gr + x * gr / W, 1.0);
    return g;
}

int sc_smat_cache_fill(sc_smat *s, sc_ctx *ctx, const uint32_t *idx, size_t n, size_t batch, sc_err *err) {
    const sc_pipeline *p = s->pipe;
    if (!s->teacher_expl) return sc_errf(err, "smat cache: no teacher explainer");
    if (batch == 0) batch = 1;
    sc_batch b;
    if (sc_batch_alloc(&b, &p->data, p->has_text ? &p->enc : NULL, batch, err)) return -1;
    int rc = 0;
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    for (size_t o = 0; o < n && !rc; o += batch) {
        size_t k = n - o < batch ? n - o : batch;
        sc_inputs in;
        sc_tensor *e = NULL;
        if (sc_batch_fill(&b, &p->data, p->has_text ? &p->enc : NULL, idx + o, k, err)) {
            rc = -1;
            break;
        }
        if (!sc_inputs_from_batch(ctx, &b, p->shape.modality, s->teacher->dtype, &in)) {
            // The units of this batch: text batches are trimmed to their longest
            // example (T); otherwise the teacher's fixed geometry (sc_model_info).
            int64_t U = in.ids ? in.ids->shape[1] : s->teacher->info.n_units;
            sc_tensor *gold = U ? gold_units(ctx, &b, U, s->teacher->dtype) : NULL;
            e = U ? teacher_expl_compute(s, ctx, &in, gold) : NULL;  // (k, U)
        }
        if (!e) {
            rc = sc_errf(err, "%s", ctx->failed ? ctx->err.msg : "teacher explanation failed");
            break;
        }
        int64_t U = e->shape[1];
        if (!s->cache) {
            s->cache_U = p->has_text ? p->shape.max_tokens : U;
            if (U > s->cache_U) s->cache_U = U;
            s->cache = calloc(p->data.n * (size_t)s->cache_U, sizeof(float));
            s->cache_have = calloc(p->data.n, 1);
            if (!s->cache || !s->cache_have) {
                sc_smat_cache_free(s);
                rc = sc_errf(err, "smat cache: out of memory for %zu x %lld explanations", p->data.n,
                             (long long)U);
                break;
            }
        }
        if (U > s->cache_U) {
            rc = sc_errf(err, "smat cache: %lld units exceed the cache width %lld", (long long)U,
                         (long long)s->cache_U);
            break;
        }
        for (size_t i = 0; i < k; i++) {
            float *row = s->cache + (size_t)idx[o + i] * (size_t)s->cache_U;
            memset(row, 0, sizeof(float) * (size_t)s->cache_U);
            for (int64_t u = 0; u < U; u++) row[u] = (float)sc_tensor_get(e, (int64_t)i * U + u);
            s->cache_have[idx[o + i]] = 1;
        }
        sc_ctx_rewind(ctx, mark);
    }
    sc_ctx_rewind(ctx, mark);
    sc_batch_free(&b);
    return rc;
}

void sc_smat_cache_free(sc_smat *s) {
    free(s->cache);
    free(s->cache_have);
    s->cache = NULL;
    s->cache_have = NULL;
    s->cache_U = 0;
}
