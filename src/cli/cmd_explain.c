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

// ---- the command ----------------------------------------------------------------------

// What the command line asked for.
typedef struct explain_args {
    const char *ckdir, *name, *out, *base_name;
    long n_ex;
    int spread;
    sc_config cfg;  // --set: settings of the explainer (not of --base)
} explain_args;

// Everything one run holds. It lives on the heap (sc_config ~59 KB, sc_model and
// each sc_explainer ~78 KB: too big for a stack frame) and starts zeroed, so
// explain_state_free may run after a failure at any step: a free on a zeroed
// object, or on one whose init failed, is a no-op.
typedef struct explain_state {
    explain_args a;
    sc_model model;
    sc_ckpt_extra x;     // the checkpoint's task and vocabulary
    sc_pipeline pipe;
    sc_explainer ex, base_ex;
    sc_ctx ctx;
    sc_batch b;
    uint32_t *test;  // test split indices; the first n_ex are explained
    size_t n_test;
    report r;
    sc_html body;  // the example blocks, put under the metrics table once it is known
    double acc;
    sc_plausibility pl;
    char page[1100];  // OUT/index.html
} explain_state;

// Fills a from argv; 0, or the usage error's exit code (the message is printed).
static int parse_args(explain_args *a, const sc_command *me, int argc, char **argv, sc_err *err) {
    a->n_ex = 20;
    sc_config_init(&a->cfg);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(arg, "--teacher-ckpt") && has) a->ckdir = argv[++i];
        else if (!strcmp(arg, "--explainer") && has) a->name = argv[++i];
        else if (!strcmp(arg, "--base") && has) a->base_name = argv[++i];
        else if (!strcmp(arg, "--spread")) a->spread = 1;
        else if (!strcmp(arg, "--out") && has) a->out = argv[++i];
        else if (!strcmp(arg, "--set") && has) {
            if (sc_config_set_kv(&a->cfg, argv[++i], err)) return sc_cli_usage_error(me, "%s", err->msg);
        } else if (!strcmp(arg, "--n") && has) {
            char *end;
            a->n_ex = strtol(argv[++i], &end, 10);
            if (*end || !argv[i][0] || a->n_ex < 1 || a->n_ex > 100000)
                return sc_cli_usage_error(me, "--n expects an integer in 1..100000, got '%s'", argv[i]);
        } else {
            return sc_cli_usage_error(me, "unexpected argument '%s'", arg);
        }
    }
    if (!a->ckdir) return sc_cli_usage_error(me, "--teacher-ckpt is required (a folder holding teacher.ckpt)");
    if (!a->name) return sc_cli_usage_error(me, "--explainer is required");
    if (!a->out) return sc_cli_usage_error(me, "--out is required");
    return 0;
}

// Both explainer names must be registered (the error lists the known ones), and
// --base goes with the `permuted` control and only with it: usage errors, found
// before the checkpoint is read.
static int check_explainers(const explain_args *a, const sc_command *me) {
    const char *names[2] = {a->name, a->base_name};
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
    if ((strcmp(a->name, "permuted") == 0) != (a->base_name != NULL))
        return sc_cli_usage_error(me, a->base_name ? "--base only applies to --explainer permuted"
                                                   : "--explainer permuted needs --base E (the explanations it deranges)");
    return 0;
}

// The teacher and its task (rebuilt with the checkpoint's vocabulary), the
// explainer(s) and the step context.
static int open_teacher(explain_state *s, sc_err *err) {
    const explain_args *a = &s->a;
    char path[1024];
    snprintf(path, sizeof path, "%s/teacher.ckpt", a->ckdir);
    sc_ckpt_extra_init(&s->x);
    if (sc_checkpoint_load(path, &s->model, &s->x, err)) return -1;
    if (!s->x.task[0]) return sc_errf(err, "%s: the checkpoint names no task", path);
    if (sc_pipeline_open(&s->pipe, s->x.task, s->x.vocab, err)) return -1;
    s->r.p = &s->pipe;
    if (s->pipe.shape.regression)
        return sc_errf(err, "task '%s' is a regression task: explain reports need classes", s->x.task);
    if (sc_explainer_create(&s->ex, a->name, &a->cfg, &s->model, err)) return -1;
    if (a->base_name) {  // the base explainer takes its defaults (--set configures the permuted control)
        if (sc_explainer_create(&s->base_ex, a->base_name, NULL, &s->model, err)) return -1;
        s->r.base = &s->base_ex;
    }
    return sc_ctx_init(&s->ctx, (size_t)512 << 20, 0xE1A1ull, err);
}

// Which test examples are explained, a batch to hold them, and the (n, U_max)
// buffers plausibility is computed over when the task has gold rationales.
static int pick_examples(explain_state *s, sc_err *err) {
    explain_args *a = &s->a;
    const sc_pipeline *pipe = &s->pipe;
    s->test = sc_pipeline_split(pipe, SC_SPLIT_TEST, &s->n_test);
    if (!s->test) return sc_errf(err, "out of memory");
    if ((size_t)a->n_ex > s->n_test) a->n_ex = (long)s->n_test;
    // --spread: every (n_test / n)-th test example instead of the first n (test
    // splits of class-ordered sources, e.g. movie-reviews, start with one class).
    if (a->spread)
        for (long i = 0; i < a->n_ex; i++) s->test[i] = s->test[(size_t)i * s->n_test / (size_t)a->n_ex];
    if (a->n_ex == 0) return sc_errf(err, "task '%s' has no test examples", s->x.task);
    if (sc_batch_alloc(&s->b, &pipe->data, pipe->has_text ? &pipe->enc : NULL, EXPLAIN_BATCH, err)) return -1;
    report *r = &s->r;
    r->has_gold = (pipe->data.rat != NULL && pipe->has_text) || pipe->data.obj_mask != NULL;
    if (r->has_gold) {
        r->U_max = pipe->has_text ? pipe->shape.max_tokens : 4096;
        size_t cells = (size_t)a->n_ex * (size_t)r->U_max;
        r->scores = calloc(cells, sizeof(float));
        r->gold = calloc(cells, sizeof(float));
        r->mask = calloc(cells, sizeof(float));
        if (!r->scores || !r->gold || !r->mask) return sc_errf(err, "out of memory");
    }
    return 0;
}

// Explains the chosen examples batch by batch; their blocks go to s->body (the
// metrics table above them needs every batch first).
static int explain_examples(explain_state *s, sc_err *err) {
    const sc_pipeline *pipe = &s->pipe;
    long n_ex = s->a.n_ex;
    int rc = 0;
    for (long at = 0; at < n_ex && !rc; at += EXPLAIN_BATCH) {
        size_t nb = (size_t)(n_ex - at < EXPLAIN_BATCH ? n_ex - at : EXPLAIN_BATCH);
        sc_ctx_reset(&s->ctx);
        if (sc_batch_fill(&s->b, &pipe->data, pipe->has_text ? &pipe->enc : NULL, s->test + at, nb, err) ||
            run_batch(&s->r, &s->ex, &s->model, &s->ctx, &s->b, at, err))
            rc = -1;
    }
    sc_ctx_reset(&s->ctx);
    s->body = s->r.h;  // the page itself starts afresh in r.h
    sc_html_init(&s->r.h);
    if (rc) return -1;
    s->acc = (double)s->r.n_correct / (double)s->r.n_seen;
    if (s->r.has_gold && sc_plausibility_batch(s->r.scores, s->r.gold, s->r.mask, n_ex, s->r.U_max, &s->pl, err))
        return -1;
    return 0;
}

// The page's title and metrics table (the same numbers print_summary prints).
static void page_top(explain_state *s) {
    const explain_args *a = &s->a;
    const report *r = &s->r;
    const sc_plausibility *pl = &s->pl;
    sc_html *h = &s->r.h;
    sc_html_printf(h, "%s<body%s>\n<h1>", page_head, s->pipe.shape.modality == SC_IMAGE ? " class=\"images\"" : "");
    sc_html_escape(h, a->name);
    if (a->base_name) {
        sc_html_printf(h, " (of ");
        sc_html_escape(h, a->base_name);
        sc_html_printf(h, ")");
    }
    sc_html_printf(h, " on ");
    sc_html_escape(h, s->x.task);
    sc_html_printf(h, "</h1>\n<table class=\"metrics\">\n<tr><td>examples</td><td>%ld</td></tr>\n"
                      "<tr><td>test accuracy</td><td>%.4f</td></tr>\n", a->n_ex, s->acc);
    if (a->spread)
        sc_html_printf(h, "<tr><td>chosen</td><td>evenly spaced over the %zu test examples</td></tr>\n", s->n_test);
    if (r->has_gold && pl->n_used > 0)
        sc_html_printf(h, "<tr><td>plausibility ROC-AUC</td><td>%.4f</td></tr>\n"
                          "<tr><td>plausibility AP</td><td>%.4f</td></tr>\n"
                          "<tr><td>plausibility recall@k</td><td>%.4f</td></tr>\n"
                          "<tr><td>examples with gold rationales</td><td>%lld (%lld skipped)</td></tr>\n",
                       pl->auc, pl->ap, pl->recall_at_k, (long long)pl->n_used, (long long)pl->n_skipped);
    if (r->n_decoy)
        sc_html_printf(h, "<tr><td>saliency share on the decoy</td><td>%.4f</td></tr>\n",
                       r->decoy_mass / (double)r->n_decoy);
    sc_html_printf(h, "</table>\n");
}

// Title and metrics, then the example blocks, written atomically to OUT/index.html.
static int write_page(explain_state *s, sc_err *err) {
    page_top(s);
    sc_html_put(&s->r.h, s->body.p ? s->body.p : "", s->body.n);
    sc_html_printf(&s->r.h, "</body></html>\n");
    if (s->r.h.oom || s->body.oom) return sc_errf(err, "out of memory building the report");
    snprintf(s->page, sizeof s->page, "%s/index.html", s->a.out);
    if (sc_mkdirs(s->a.out, err) || sc_atomic_write(s->page, s->r.h.p, s->r.h.n, err)) return -1;
    return 0;
}

static void print_summary(const explain_state *s) {
    const report *r = &s->r;
    const sc_plausibility *pl = &s->pl;
    printf("explain %s on %s: %ld test examples\n", s->a.name, s->x.task, s->a.n_ex);
    printf("  %-22s %.4f\n", "test accuracy", s->acc);
    if (r->has_gold && pl->n_used > 0) {
        printf("  %-22s %.4f\n", "plausibility AUC", pl->auc);
        printf("  %-22s %.4f\n", "plausibility AP", pl->ap);
        printf("  %-22s %.4f\n", "plausibility recall@k", pl->recall_at_k);
        printf("  %-22s %lld used, %lld skipped\n", "gold rationales", (long long)pl->n_used,
               (long long)pl->n_skipped);
    }
    if (r->n_decoy) printf("  %-22s %.4f\n", "saliency on decoy", r->decoy_mass / (double)r->n_decoy);
    printf("  wrote %s\n", s->page);
}

// Frees in reverse order of creation: the context before the explainers and the
// model whose parameters its tape may still borrow.
static void explain_state_free(explain_state *s) {
    free(s->test);
    free(s->r.scores);
    free(s->r.gold);
    free(s->r.mask);
    sc_html_free(&s->body);
    sc_html_free(&s->r.h);
    sc_batch_free(&s->b);
    sc_ctx_free(&s->ctx);
    sc_explainer_free(&s->ex);
    sc_explainer_free(&s->base_ex);
    sc_pipeline_close(&s->pipe);
    sc_model_free(&s->model);
    sc_ckpt_extra_free(&s->x);
}

int sc_cmd_explain(int argc, char **argv) {
    const sc_command *me = sc_cli_find("explain");
    explain_state *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "scaffold explain: out of memory\n");
        return SC_EXIT_FAIL;
    }
    sc_err err = {{0}};
    int status = parse_args(&s->a, me, argc, argv, &err);
    if (status == SC_EXIT_OK) status = check_explainers(&s->a, me);
    if (status == SC_EXIT_OK) {
        if (open_teacher(s, &err) || pick_examples(s, &err) || explain_examples(s, &err) || write_page(s, &err)) {
            fprintf(stderr, "scaffold explain: %s\n", err.msg);
            status = SC_EXIT_FAIL;
        } else {
            print_summary(s);
        }
    }
    explain_state_free(s);
    free(s);
    return status;
}
