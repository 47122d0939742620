// scaffold explain — runs an explainer on a trained teacher's first test
// examples (--spread: evenly spaced ones) and writes a self-contained HTML report (OUT/index.html): a metrics
// table (teacher accuracy on those examples; mean plausibility against gold
// rationales where the task has them), then one block per example — text
// tokens shaded by saliency, or an image with the saliency grid as a red
// heatmap (PNG embedded as a data: URI). The metrics also go to stdout.
// Controls: `rationale` gets the task's gold units; `permuted` deranges the
// explanations of the --base explainer (run on the same batch).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fs.h"
#include "eval/plausibility.h"
#include "explain/explainer.h"
#include "io/checkpoint.h"
#include "models/inputs.h"
#include "report/html.h"
#include "report/png.h"
#include "train/pipeline.h"

#define EXPLAIN_BATCH 10
#define IMG_SCALE 8

typedef struct report {
    sc_html h;
    const sc_pipeline *p;
    long n_correct, n_seen;
    float *scores, *gold, *mask;  // (n, U_max) for plausibility, rows padded with mask 0
    int64_t U_max;
    int has_gold;
    double decoy_mass;  // sum over examples of the saliency share on decoy cells
    long n_decoy;
    sc_explainer *base;  // --base: the explanations the `permuted` control deranges
} report;

static const char *class_name(const sc_task *t, int32_t c, char *buf, size_t cap) {
    if (t->classes && c >= 0 && (size_t)c < t->n_classes) return t->classes[c];
    snprintf(buf, cap, "%d", (int)c);
    return buf;
}

static void block_head(report *r, long i, int32_t pred, int32_t gold) {
    char b1[32], b2[32];
    sc_html_printf(&r->h, "<div class=\"ex\"><div class=\"lab\">#%ld &nbsp; prediction <b>", i);
    sc_html_escape(&r->h, class_name(r->p->task, pred, b1, sizeof b1));
    sc_html_printf(&r->h, "</b> &nbsp; gold <b>");
    sc_html_escape(&r->h, class_name(r->p->task, gold, b2, sizeof b2));
    sc_html_printf(&r->h, "</b>%s</div>\n", pred == gold ? "" : " &nbsp; <span class=\"bad\">wrong</span>");
}

static int shown(const sc_batch *b, size_t i, size_t t) {
    return b->mask[i * b->T + t] && b->ids[i * b->T + t] != SC_TOK_CLS;
}

// Tokens ([CLS] skipped) with background alpha = the saliency min-max scaled
// over the shown tokens (softmax rows are often nearly flat); gold rationale
// tokens are underlined; the raw value is the tooltip.
static void text_block(report *r, const sc_batch *b, size_t i, const float *sal, int64_t U) {
    const sc_vocab *v = &r->p->vocab;
    float mn = INFINITY, mx = -INFINITY;
    for (size_t t = 0; t < b->T && (int64_t)t < U; t++)
        if (shown(b, i, t)) {
            if (sal[t] > mx) mx = sal[t];
            if (sal[t] < mn) mn = sal[t];
        }
    sc_html_printf(&r->h, "<div class=\"txt\">");
    for (size_t t = 0; t < b->T && (int64_t)t < U; t++) {
        int32_t id = b->ids[i * b->T + t];
        if (!shown(b, i, t)) continue;
        double a = mx > mn ? (sal[t] - mn) / (mx - mn) : 0;
        int is_gold = b->rationale && b->rationale[i * b->T + t] > 0;
        sc_html_printf(&r->h, "<span style=\"background:rgba(220,30,30,%.3f)%s\" title=\"%.4g\">", a,
                       is_gold ? ";border-bottom:2px solid #06c" : "", sal[t]);
        sc_html_escape(&r->h, id >= 0 && (size_t)id < v->n ? sc_vocab_str(v, (size_t)id) : "?");
        sc_html_printf(&r->h, "</span> ");
    }
    sc_html_printf(&r->h, "</div></div>\n");
}

static int image_block(report *r, const sc_batch *b, size_t i, const float *sal, int64_t U, sc_err *err) {
    int H = (int)b->H, W = (int)b->W, C = (int)b->C;
    int g = (int)lround(sqrt((double)U));
    if (g * g != U) return sc_errf(err, "image saliency has %lld units, not a square grid", (long long)U);
    float *gray = malloc(sizeof(float) * (size_t)(H * W));
    uint8_t *rgb = malloc((size_t)H * W * 3 * IMG_SCALE * IMG_SCALE);
    int rc = -1;
    if (!gray || !rgb) {
        sc_errf(err, "out of memory");
        goto out;
    }
    const float *img = b->images + i * (size_t)(C * H * W);
    for (int k = 0; k < H * W; k++) {  // channel mean as gray
        float s = 0;
        for (int c = 0; c < C; c++) s += img[c * H * W + k];
        gray[k] = s / (float)C;
    }
    void *png;
    size_t n;
    if (sc_png_heatmap_rgb(rgb, gray, H, W, sal, g, g, IMG_SCALE, err) ||
        sc_png_encode_rgb(rgb, W * IMG_SCALE, H * IMG_SCALE, &png, &n, err))
        goto out;
    sc_html_printf(&r->h, "<img alt=\"saliency\" src=\"data:image/png;base64,");
    sc_html_base64(&r->h, png, n);
    sc_html_printf(&r->h, "\"></div>\n");
    free(png);
    rc = 0;
out:
    free(gray);
    free(rgb);
    return rc;
}

// Gold per unit: the token rationale, or for images a grid cell is gold if any
// of its pixels is in the object mask.
static void gold_row(const sc_batch *b, size_t i, int64_t U, float *gold) {
    if (b->rationale) {
        for (int64_t u = 0; u < U; u++) gold[u] = (size_t)u < b->T ? b->rationale[i * b->T + (size_t)u] : 0;
        return;
    }
    int H = (int)b->H, W = (int)b->W, g = (int)lround(sqrt((double)U));
    memset(gold, 0, sizeof(float) * (size_t)U);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (b->obj_mask[i * (size_t)(H * W) + (size_t)(y * W + x)] > 0) gold[(y * g / H) * g + x * g / W] = 1;
}

// Share of the (positive) saliency on grid cells touching the decoy patch: a
// model that relies on the decoy shortcut puts its explanation mass there.
static int decoy_share(const sc_batch *b, size_t i, const float *sal, int64_t U, double *share) {
    int H = (int)b->H, W = (int)b->W, g = (int)lround(sqrt((double)U));
    if (g * g != U) return -1;
    double on = 0, tot = 0;
    for (int64_t u = 0; u < U; u++) {
        double v = sal[u] > 0 ? sal[u] : 0;
        int cy = (int)(u / g), cx = (int)(u % g), hit = 0;
        for (int y = cy * H / g; y < (cy + 1) * H / g && !hit; y++)
            for (int x = cx * W / g; x < (cx + 1) * W / g && !hit; x++)
                hit = b->decoy_mask[i * (size_t)(H * W) + (size_t)(y * W + x)] > 0;
        tot += v;
        if (hit) on += v;
    }
    if (tot <= 0) return -1;
    *share = on / tot;
    return 0;
}

// The gold rationale per unit as a (B, U) tensor for the `rationale` control;
// NULL (no error) when the task has none.
static sc_tensor *gold_tensor(const report *r, sc_ctx *ctx, const sc_batch *b, const sc_tensor *unit_mask) {
    if (!r->has_gold || ctx->failed) return NULL;
    int64_t B = unit_mask->shape[0], U = unit_mask->shape[1];
    sc_tensor *g = sc_empty(ctx, unit_mask->dtype, 2, unit_mask->shape);
    float *row = g ? sc_arena_alloc(&ctx->arena, sizeof(float) * (size_t)U, 8) : NULL;
    if (!row) return NULL;
    for (int64_t i = 0; i < B; i++) {
        gold_row(b, (size_t)i, U, row);
        for (int64_t u = 0; u < U; u++) sc_tensor_set(g, i * U + u, row[u]);
    }
    return g;
}

static int run_batch(report *r, sc_explainer *e, const sc_model *m, sc_ctx *ctx, sc_batch *b, long first,
                     sc_err *err) {
    const sc_pipeline *p = r->p;
    sc_inputs in;
    sc_model_state st;
    memset(&st, 0, sizeof st);
    sc_tensor *logits = NULL, *sal = NULL;
    if (!sc_inputs_from_batch(ctx, b, p->shape.modality, m->dtype, &in) &&
        (logits = sc_model_forward(m, ctx, &in, 0, &st)) != NULL) {
        sc_explain_args a = {.model = m, .in = &in, .st = &st, .logits = logits};
        a.gold = gold_tensor(r, ctx, b, st.unit_mask);
        if (r->base) a.base = sc_explain(r->base, ctx, &a);
        if (!ctx->failed) sal = sc_explain(e, ctx, &a);
    }
    if (!sal) return sc_errf(err, "%s", ctx->err.msg);
    int64_t B = (int64_t)b->B, K = logits->shape[1], U = sal->shape[1];
    float *row = malloc(sizeof(float) * (size_t)U);
    if (!row) return sc_errf(err, "out of memory");
    int rc = 0;
    for (int64_t i = 0; i < B && !rc; i++) {
        int32_t pred = 0;
        for (int64_t k = 1; k < K; k++)
            if (sc_tensor_get(logits, i * K + k) > sc_tensor_get(logits, i * K + pred)) pred = (int32_t)k;
        int32_t gold = b->labels[i];
        r->n_correct += pred == gold;
        for (int64_t u = 0; u < U; u++) row[u] = (float)sc_tensor_get(sal, i * U + u);
        long ex = first + (long)i;
        if (r->has_gold && U <= r->U_max) {
            float *s = r->scores + ex * r->U_max, *g = r->gold + ex * r->U_max, *mk = r->mask + ex * r->U_max;
            memcpy(s, row, sizeof(float) * (size_t)U);
            gold_row(b, (size_t)i, U, g);
            for (int64_t u = 0; u < U; u++) mk[u] = (float)sc_tensor_get(st.unit_mask, i * U + u);
        }
        double share;
        if (b->decoy_mask && !decoy_share(b, (size_t)i, row, U, &share)) {
            r->decoy_mass += share;
            r->n_decoy++;
        }
        block_head(r, ex, pred, gold);
        if (p->shape.modality == SC_TEXT) text_block(r, b, (size_t)i, row, U);
        else if (p->shape.modality == SC_IMAGE) rc = image_block(r, b, (size_t)i, row, U, err);
        else sc_html_printf(&r->h, "</div>\n");
    }
    r->n_seen += B;
    free(row);
    return rc;
}

static const char *page_head =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>scaffold explain</title>\n<style>"
    "body{font-family:sans-serif;margin:2em;max-width:60em}table.metrics td{padding:2px 12px}"
    ".ex{border-top:1px solid #ccc;padding:8px 0}.lab{color:#444;font-size:90%}.bad{color:#c00}"
    ".txt{line-height:1.9}.txt span{padding:1px 2px}img{image-rendering:pixelated}"
    // images: a grid of blocks rather than one per line
    ".images .ex{display:inline-block;vertical-align:top;margin:0 12px 8px 0;border-top:none}"
    ".images .lab{max-width:224px}"
    "</style></head>\n";

int sc_cmd_explain(int argc, char **argv) {
    const sc_command *me = sc_cli_find("explain");
    const char *ckdir = NULL, *name = NULL, *out = NULL, *base_name = NULL;
    long n_ex = 20;
    int spread = 0;
    sc_config cfg;
    sc_config_init(&cfg);
    sc_err err = {{0}};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--teacher-ckpt") && has) ckdir = argv[++i];
        else if (!strcmp(a, "--explainer") && has) name = argv[++i];
        else if (!strcmp(a, "--base") && has) base_name = argv[++i];
        else if (!strcmp(a, "--spread")) spread = 1;
        else if (!strcmp(a, "--out") && has) out = argv[++i];
        else if (!strcmp(a, "--set") && has) {
            if (sc_config_set_kv(&cfg, argv[++i], &err)) return sc_cli_usage_error(me, "%s", err.msg);
        } else if (!strcmp(a, "--n") && has) {
            char *end;
            n_ex = strtol(argv[++i], &end, 10);
            if (*end || !argv[i][0] || n_ex < 1 || n_ex > 100000)
                return sc_cli_usage_error(me, "--n expects an integer in 1..100000, got '%s'", argv[i]);
        } else {
            return sc_cli_usage_error(me, "unexpected argument '%s'", a);
        }
    }
    if (!ckdir) return sc_cli_usage_error(me, "--teacher-ckpt is required (a folder holding teacher.ckpt)");
    if (!name) return sc_cli_usage_error(me, "--explainer is required");
    if (!out) return sc_cli_usage_error(me, "--out is required");
    const char *names[2] = {name, base_name};
    for (int q = 0; q < 2; q++)
        if (names[q] && !sc_explainer_find(names[q])) {
            int n;
            const sc_explainer_def *const *l = sc_explainer_list(&n);
            char known[1024] = "";
            for (int k = 0; k < n; k++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", k ? ", " : "", l[k]->name);
            return sc_cli_usage_error(me, "unknown %s '%s' (known: %s)", q ? "--base explainer" : "explainer",
                                      names[q], known);
        }
    if ((strcmp(name, "permuted") == 0) != (base_name != NULL))
        return sc_cli_usage_error(me, base_name ? "--base only applies to --explainer permuted"
                                                : "--explainer permuted needs --base E (the explanations it deranges)");

    sc_model model;
    sc_ckpt_extra x;
    sc_pipeline pipe;
    sc_explainer ex, base_ex;
    sc_ctx ctx;
    sc_batch b;
    report r;
    memset(&r, 0, sizeof r);
    sc_html_init(&r.h);
    memset(&b, 0, sizeof b);
    int have_model = 0, have_pipe = 0, have_ex = 0, have_base = 0, have_ctx = 0, have_batch = 0;
    int status = SC_EXIT_FAIL;
    uint32_t *test = NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s/teacher.ckpt", ckdir);
    sc_ckpt_extra_init(&x);
    if (sc_checkpoint_load(path, &model, &x, &err)) goto fail;
    have_model = 1;
    if (!x.task[0]) {
        sc_errf(&err, "%s: the checkpoint names no task", path);
        goto fail;
    }
    if (sc_pipeline_open(&pipe, x.task, x.vocab, &err)) goto fail;
    have_pipe = 1;
    r.p = &pipe;
    if (pipe.shape.regression) {
        sc_errf(&err, "task '%s' is a regression task: explain reports need classes", x.task);
        goto fail;
    }
    if (sc_explainer_create(&ex, name, &cfg, &model, &err)) goto fail;
    have_ex = 1;
    if (base_name) {  // the base explainer takes its defaults (--set configures the permuted control)
        sc_config none;
        sc_config_init(&none);
        if (sc_explainer_create(&base_ex, base_name, &none, &model, &err)) goto fail;
        have_base = 1;
        r.base = &base_ex;
    }
    if (sc_ctx_init(&ctx, (size_t)512 << 20, 0xE1A1ull, &err)) goto fail;
    have_ctx = 1;
    size_t n_test;
    test = sc_pipeline_split(&pipe, SC_SPLIT_TEST, &n_test);
    if (!test) {
        sc_errf(&err, "out of memory");
        goto fail;
    }
    if ((size_t)n_ex > n_test) n_ex = (long)n_test;
    // --spread: every (n_test / n)-th test example instead of the first n (test
    // splits of class-ordered sources, e.g. movie-reviews, start with one class).
    if (spread)
        for (long i = 0; i < n_ex; i++) test[i] = test[(size_t)i * n_test / (size_t)n_ex];
    if (n_ex == 0) {
        sc_errf(&err, "task '%s' has no test examples", x.task);
        goto fail;
    }
    if (sc_batch_alloc(&b, &pipe.data, pipe.has_text ? &pipe.enc : NULL, EXPLAIN_BATCH, &err)) goto fail;
    have_batch = 1;
    r.has_gold = (pipe.data.rat != NULL && pipe.has_text) || pipe.data.obj_mask != NULL;
    if (r.has_gold) {
        r.U_max = pipe.has_text ? pipe.shape.max_tokens : 4096;
        size_t cells = (size_t)n_ex * (size_t)r.U_max;
        r.scores = calloc(cells, sizeof(float));
        r.gold = calloc(cells, sizeof(float));
        r.mask = calloc(cells, sizeof(float));
        if (!r.scores || !r.gold || !r.mask) {
            sc_errf(&err, "out of memory");
            goto fail;
        }
    }
    sc_html body;
    sc_html_init(&body);
    sc_html tmp = r.h;  // examples go to `body` first, the metrics table on top afterwards
    r.h = body;
    for (long s = 0; s < n_ex; s += EXPLAIN_BATCH) {
        size_t nb = (size_t)(n_ex - s < EXPLAIN_BATCH ? n_ex - s : EXPLAIN_BATCH);
        sc_ctx_reset(&ctx);
        if (sc_batch_fill(&b, &pipe.data, pipe.has_text ? &pipe.enc : NULL, test + s, nb, &err) ||
            run_batch(&r, &ex, &model, &ctx, &b, s, &err)) {
            body = r.h;
            r.h = tmp;
            sc_html_free(&body);
            goto fail;
        }
    }
    sc_ctx_reset(&ctx);
    body = r.h;
    r.h = tmp;

    double acc = (double)r.n_correct / (double)r.n_seen;
    sc_plausibility pl = {0};
    if (r.has_gold &&
        sc_plausibility_batch(r.scores, r.gold, r.mask, n_ex, r.U_max, &pl, &err)) {
        sc_html_free(&body);
        goto fail;
    }
    sc_html_printf(&r.h, "%s<body%s>\n<h1>", page_head, pipe.shape.modality == SC_IMAGE ? " class=\"images\"" : "");
    sc_html_escape(&r.h, name);
    if (base_name) {
        sc_html_printf(&r.h, " (of ");
        sc_html_escape(&r.h, base_name);
        sc_html_printf(&r.h, ")");
    }
    sc_html_printf(&r.h, " on ");
    sc_html_escape(&r.h, x.task);
    sc_html_printf(&r.h, "</h1>\n<table class=\"metrics\">\n<tr><td>examples</td><td>%ld</td></tr>\n"
                         "<tr><td>test accuracy</td><td>%.4f</td></tr>\n", n_ex, acc);
    if (spread)
        sc_html_printf(&r.h, "<tr><td>chosen</td><td>evenly spaced over the %zu test examples</td></tr>\n", n_test);
    if (r.has_gold && pl.n_used > 0)
        sc_html_printf(&r.h, "<tr><td>plausibility ROC-AUC</td><td>%.4f</td></tr>\n"
                             "<tr><td>plausibility AP</td><td>%.4f</td></tr>\n"
                             "<tr><td>plausibility recall@k</td><td>%.4f</td></tr>\n"
                             "<tr><td>examples with gold rationales</td><td>%lld (%lld skipped)</td></tr>\n",
                       pl.auc, pl.ap, pl.recall_at_k, (long long)pl.n_used, (long long)pl.n_skipped);
    if (r.n_decoy)
        sc_html_printf(&r.h, "<tr><td>saliency share on the decoy</td><td>%.4f</td></tr>\n",
                       r.decoy_mass / (double)r.n_decoy);
    sc_html_printf(&r.h, "</table>\n");
    sc_html_put(&r.h, body.p ? body.p : "", body.n);
    int body_oom = body.oom;
    sc_html_free(&body);
    sc_html_printf(&r.h, "</body></html>\n");
    if (r.h.oom || body_oom) {
        sc_errf(&err, "out of memory building the report");
        goto fail;
    }
    char page[1100];
    snprintf(page, sizeof page, "%s/index.html", out);
    if (sc_mkdirs(out, &err) || sc_atomic_write(page, r.h.p, r.h.n, &err)) goto fail;

    printf("explain %s on %s: %ld test examples\n", name, x.task, n_ex);
    printf("  %-22s %.4f\n", "test accuracy", acc);
    if (r.has_gold && pl.n_used > 0) {
        printf("  %-22s %.4f\n", "plausibility AUC", pl.auc);
        printf("  %-22s %.4f\n", "plausibility AP", pl.ap);
        printf("  %-22s %.4f\n", "plausibility recall@k", pl.recall_at_k);
        printf("  %-22s %lld used, %lld skipped\n", "gold rationales", (long long)pl.n_used, (long long)pl.n_skipped);
    }
    if (r.n_decoy) printf("  %-22s %.4f\n", "saliency on decoy", r.decoy_mass / (double)r.n_decoy);
    printf("  wrote %s\n", page);
    status = SC_EXIT_OK;
    goto done;
fail:
    fprintf(stderr, "scaffold explain: %s\n", err.msg);
done:
    free(test);
    free(r.scores);
    free(r.gold);
    free(r.mask);
    sc_html_free(&r.h);
    if (have_batch) sc_batch_free(&b);
    if (have_ctx) sc_ctx_free(&ctx);
    if (have_ex) sc_explainer_free(&ex);
    if (have_base) sc_explainer_free(&base_ex);
    if (have_pipe) sc_pipeline_close(&pipe);
    if (have_model) sc_model_free(&model);
    sc_ckpt_extra_free(&x);
    return status;
}
