// report_xbl.c — the explanation-based learning part of `scaffold report`
// (report.h): per task the table of report/compare_xbl.h, a dot-and-interval
// chart of clean accuracy and decoy reliance per method, the saliency maps of
// the first test examples before (method none) and after each method, and
// the concept map of concept-prune runs. The maps come from files beside each
// run's metrics.msgpack, read when present:
//   saliency.msgpack  {format: "scaffold-saliency", version: 1, task, modality: image | text,
//                      examples: [{index, label, pred, height, width, input: [H*W], saliency: [H*W],
//                                  decoy: [H*W]} | {..., tokens: [str], saliency: [T], decoy: [T]}]}
//   concepts.msgpack  {format: "scaffold-concepts", version: 1, k, points: [[x, y, concept, label, flagged]],
//                      concepts: [{size, decoy_share, purity, flagged, thumbs: [[H*W]], height, width}]}
// Absent, a map is "not recorded"; a file that does not read as its format
// says is shown as unreadable with the reason (the page is still written).
// Like the result files, these are untrusted: every size and value is checked
// before use.
#include "report/report.h"

#include <inttypes.h>
#include <msgpack.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fs.h"
#include "data/rawfile.h"
#include "io/mpcheck.h"
#include "report/compare_xbl.h"
#include "report/figures.h"
#include "report/html.h"
#include "report/plot.h"
#include "report/png.h"
#include "report/report_xbl.h"

#define MAX_EXAMPLES 8
#define MAX_SIDE 512      // image height/width accepted
#define MAX_TOKENS 1024
#define MAX_POINTS 5000
#define MAX_CONCEPTS 64
#define MAX_THUMBS 6

// ---- reading the side files ---------------------------------------------------------------

typedef struct aux {
    char *buf;
    msgpack_unpacked up;
    const msgpack_object *root;
} aux;

static const msgpack_object *get(const msgpack_object *m, const char *key) {
    size_t n = strlen(key);
    if (!m || m->type != MSGPACK_OBJECT_MAP) return NULL;
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n && !memcmp(k->via.str.ptr, key, n))
            return &m->via.map.ptr[i].val;
    }
    return NULL;
}

// A finite number in [lo, hi] (NaN fails the comparison too).
static int num(const msgpack_object *o, double lo, double hi, double *v) {
    if (!o) return -1;
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER: *v = (double)o->via.u64; break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: *v = (double)o->via.i64; break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: *v = o->via.f64; break;
    case MSGPACK_OBJECT_BOOLEAN: *v = o->via.boolean; break;
    default: return -1;
    }
    return *v >= lo && *v <= hi ? 0 : -1;
}

// An array of exactly `want` numbers in [lo, hi] into out.
static int floats(const msgpack_object *o, size_t want, double lo, double hi, float *out) {
    if (!o || o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != want) return -1;
    for (size_t i = 0; i < want; i++) {
        double v;
        if (num(&o->via.array.ptr[i], lo, hi, &v)) return -1;
        out[i] = (float)v;
    }
    return 0;
}

static void aux_free(aux *a) {
    msgpack_unpacked_destroy(&a->up);
    free(a->buf);
}

// 1: absent; 0: loaded (a map with `format`); -1: unreadable (err says why).
static int aux_load(aux *a, const char *dir, const char *name, const char *format, sc_err *err) {
    char path[1200];
    struct stat st;
    size_t n = 0, off = 0;
    memset(a, 0, sizeof *a);
    msgpack_unpacked_init(&a->up);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (stat(path, &st)) return 1;
    if (sc_read_file(path, &a->buf, &n, err)) return -1;
    if (sc_mp_check((const uint8_t *)a->buf, n, 1u << 24, 8, err) ||
        msgpack_unpack_next(&a->up, a->buf, n, &off) < MSGPACK_UNPACK_EXTRA_BYTES || off != n)
        return sc_errf(err, "%s: not msgpack", path);
    a->root = &a->up.data;
    const msgpack_object *f = get(a->root, "format");
    size_t k = strlen(format);
    if (!f || f->type != MSGPACK_OBJECT_STR || f->via.str.size != k || memcmp(f->via.str.ptr, format, k))
        return sc_errf(err, "%s: not a map with format \"%s\"", path, format);
    return 0;
}

// ---- the table and the chart ----------------------------------------------------------------

static void html_value(sc_html *h, const sc_boot_ci *ci, int m, int n_runs) {
    double k = m == SC_CMPX_DISTANCE ? 1 : 100;
    int p = m == SC_CMPX_DISTANCE ? 3 : 1;
    if (isnan(ci->mean)) {
        sc_html_printf(h, "<td>– (not recorded)</td>");
        return;
    }
    sc_html_printf(h, "<td>%.*f [%.*f, %.*f]", p, ci->mean * k, p, ci->lo * k, p, ci->hi * k);
    if (n_runs > 1) sc_html_printf(h, " SD %.*f", p, ci->seed_sd * k);
    sc_html_printf(h, "</td>");
}

static void html_row(sc_html *h, const sc_cmpx *x, const sc_cmpx_row *r, const char *name, const char *chosen) {
    int nf = sc_cmpx_n_failed(x, r->task, r->label);
    sc_html_printf(h, "<tr><td>");
    sc_html_escape(h, name);
    if (chosen) {
        sc_html_printf(h, ": <b>");
        sc_html_escape(h, chosen);
        sc_html_printf(h, "</b>");
    }
    sc_html_printf(h, "</td><td>%d%s</td>", r->n_runs, nf ? " (some failed)" : "");
    for (int m = 0; m < SC_CMPX_N; m++) html_value(h, &r->ci[m], m, r->n_runs);
    sc_html_printf(h, "</tr>\n");
}

static void html_table(sc_html *h, const sc_cmpx *x, const char *task) {
    sc_html_printf(h, "<table><tr><th>method</th><th>seeds</th>");
    for (int m = 0; m < SC_CMPX_N; m++) sc_html_printf(h, "<th>%s</th>", sc_cmpx_metric_titles[m]);
    sc_html_printf(h, "</tr>\n");
    for (int i = 0; i < x->n_rows; i++)
        if (!strcmp(x->rows[i].task, task)) html_row(h, x, &x->rows[i], x->rows[i].label, NULL);
    for (int i = 0; i < x->n_rows; i++) {  // the validation-selected rows, each method once
        const sc_cmpx_row *r = &x->rows[i];
        if (strcmp(r->task, task) || (i && !strcmp(x->rows[i - 1].task, task) && !strcmp(x->rows[i - 1].method, r->method)))
            continue;
        char why[1400], name[128];
        const sc_cmpx_row *s = sc_cmpx_selected(x, task, r->method, why, sizeof why);
        snprintf(name, sizeof name, "%s (lambda selected on validation)", r->method);
        if (s) html_row(h, x, s, name, s->label);
        else if (why[0]) {
            sc_html_printf(h, "<tr><td>");
            sc_html_escape(h, name);
            sc_html_printf(h, "</td><td colspan=\"%d\">", SC_CMPX_N + 1);
            sc_html_escape(h, why);
            sc_html_printf(h, "</td></tr>\n");
        }
    }
    sc_html_printf(h, "</table>\n<p>Mean over seeds [95%% interval] and seed SD. Intervals: percentile bootstrap over "
                      "seeds (%d resamples of the seeds' per-run values, with replacement): xbl result files hold "
                      "per-run values, not per-example data. Test accuracy has the decoy randomised (the swap test); "
                      "lambda is selected on mean valid.clean_accuracy, never on test.</p>\n", x->resamples);
    for (int i = 0; i < x->n_failed; i++)
        if (!strcmp(x->failed[i].task, task)) {
            sc_html_printf(h, "<p>Failed: ");
            sc_html_escape(h, x->failed[i].label);
            sc_html_printf(h, ", seed %" PRIu64 ": ", x->failed[i].seed);
            sc_html_escape(h, x->failed[i].reason);
            sc_html_printf(h, "</p>\n");
        }
}

// Clean accuracy and decoy reliance per row, each a dot with its interval.
static int chart(sc_html *page, const sc_cmpx *x, const char *task, sc_err *err) {
    sc_html g;
    sc_html_init(&g);
    sc_html_printf(&g, "$D << EOD\n");
    for (int i = 0; i < x->n_rows; i++) {
        const sc_cmpx_row *r = &x->rows[i];
        if (strcmp(r->task, task)) continue;
        const sc_boot_ci *c = &r->ci[SC_CMPX_CLEAN_ACC], *d = &r->ci[SC_CMPX_RELIANCE];
        sc_plot_label(&g, r->label);
        sc_html_printf(&g, " %.4f %.4f %.4f %.4f %.4f %.4f\n", 100 * c->mean, 100 * c->lo, 100 * c->hi, 100 * d->mean,
                       100 * d->lo, 100 * d->hi);
    }
    sc_html_printf(&g, "EOD\nset grid ytics\nset xtics rotate by -25\nset ylabel '%% (95%% CI over seeds)'\n"
                       "set yrange [0:100]\nset offsets 0.5, 0.5, 0, 0\nset key outside right\n"
                       "plot $D using ($0-0.1):2:3:4:xtic(1) with yerrorbars pt 7 ps 0.8 lc rgb '#2b7bba' "
                       "title 'clean accuracy', $D using ($0+0.1):5:6:7 with yerrorbars pt 5 ps 0.8 "
                       "lc rgb '#d7301f' title 'decoy reliance'\n");
    char fig[160];
    snprintf(fig, sizeof fig, "%s-clean-accuracy-and-reliance", task);
    int rc = g.oom ? sc_errf(err, "report: out of memory") : sc_plot_svg(page, fig, 760, 360, g.p, err);
    sc_html_free(&g);
    return rc;
}

// ---- saliency maps --------------------------------------------------------------------------

// Outlines the decoy (H, W) on an image upscaled by `scale`: the sides of
// decoy pixels that face a non-decoy pixel (or the border) turn cyan.
static void outline(uint8_t *rgb, const float *decoy, int H, int W, int scale) {
    int OW = W * scale;
    for (int py = 0; py < H; py++)
        for (int px = 0; px < W; px++) {
            if (decoy[py * W + px] <= 0.5f) continue;
            int up = py == 0 || decoy[(py - 1) * W + px] <= 0.5f, dn = py == H - 1 || decoy[(py + 1) * W + px] <= 0.5f;
            int lf = px == 0 || decoy[py * W + px - 1] <= 0.5f, rt = px == W - 1 || decoy[py * W + px + 1] <= 0.5f;
            for (int y = 0; y < scale; y++)
                for (int x = 0; x < scale; x++) {
                    if (!((up && y == 0) || (dn && y == scale - 1) || (lf && x == 0) || (rt && x == scale - 1))) continue;
                    uint8_t *o = rgb + 3 * ((size_t)(py * scale + y) * (size_t)OW + (size_t)(px * scale + x));
                    o[0] = 0, o[1] = 200, o[2] = 255;
                }
        }
}

// A grayscale image (min-max scaled), its saliency overlay (NULL: none) and
// decoy outline (NULL: none) as an <img> with a data URI, and as <fig>.png
// with --figures (fig NULL: never).
static int image_tag(sc_html *h, float *gray, int H, int W, const float *sal, const float *decoy, int scale,
                     const char *fig, sc_err *err) {
    float mn = gray[0], mx = gray[0];
    for (int i = 0; i < H * W; i++) mn = gray[i] < mn ? gray[i] : mn, mx = gray[i] > mx ? gray[i] : mx;
    for (int i = 0; i < H * W; i++) gray[i] = mx > mn ? (gray[i] - mn) / (mx - mn) : 0;
    uint8_t *rgb = malloc((size_t)H * W * scale * scale * 3);
    void *png = NULL;
    size_t n = 0;
    if (!rgb) return sc_errf(err, "report: out of memory");
    int rc = sc_png_heatmap_rgb(rgb, gray, H, W, sal, H, W, scale, err);
    if (!rc && decoy) outline(rgb, decoy, H, W, scale);
    if (!rc) rc = sc_png_encode_rgb(rgb, W * scale, H * scale, &png, &n, err);
    if (!rc) {
        sc_html_printf(h, "<img alt=\"saliency\" src=\"data:image/png;base64,");
        sc_html_base64(h, png, n);
        sc_html_printf(h, "\">");
        if (fig) rc = sc_fig_save(h, fig, "png", png, n, err);
    }
    free(png);
    free(rgb);
    return rc;
}

// One image example: input, saliency and decoy, each H*W.
static int image_example(sc_html *h, const msgpack_object *e, const char *fig, sc_err *err) {
    double hh, ww;
    if (num(get(e, "height"), 1, MAX_SIDE, &hh) || num(get(e, "width"), 1, MAX_SIDE, &ww))
        return sc_errf(err, "an example's height/width is not a number in [1, %d]", MAX_SIDE);
    int H = (int)hh, W = (int)ww, side = H > W ? H : W, scale = side < 112 ? 112 / side : 1;
    float *buf = malloc(sizeof(float) * 3 * (size_t)H * W);
    if (!buf) return sc_errf(err, "report: out of memory");
    float *in = buf, *sal = buf + H * W, *dec = buf + 2 * H * W;
    int rc = 0;
    if (floats(get(e, "input"), (size_t)H * W, -1e6, 1e6, in) || floats(get(e, "saliency"), (size_t)H * W, 0, 1e30, sal) ||
        floats(get(e, "decoy"), (size_t)H * W, 0, 1, dec))
        rc = sc_errf(err, "an example's input, saliency or decoy is not %d numbers in range", H * W);
    if (!rc) rc = image_tag(h, in, H, W, sal, dec, scale, fig, err);
    free(buf);
    return rc;
}

// One text example: tokens shaded by saliency, decoy tokens underlined.
static int text_example(sc_html *h, const msgpack_object *e, sc_err *err) {
    const msgpack_object *t = get(e, "tokens");
    if (!t || t->type != MSGPACK_OBJECT_ARRAY || t->via.array.size > MAX_TOKENS)
        return sc_errf(err, "an example's tokens are not a list of at most %d strings", MAX_TOKENS);
    size_t n = t->via.array.size;
    float *sal = malloc(sizeof(float) * 2 * (n ? n : 1)), *dec = sal ? sal + n : NULL;
    if (!sal) return sc_errf(err, "report: out of memory");
    int rc = 0;
    if (floats(get(e, "saliency"), n, 0, 1e30, sal) || floats(get(e, "decoy"), n, 0, 1, dec))
        rc = sc_errf(err, "an example's saliency or decoy is not one number in range per token");
    float mx = 0;
    for (size_t i = 0; !rc && i < n; i++) mx = sal[i] > mx ? sal[i] : mx;
    sc_html_printf(h, "<p class=\"tok\">");
    for (size_t i = 0; !rc && i < n; i++) {
        const msgpack_object *s = &t->via.array.ptr[i];
        if (s->type != MSGPACK_OBJECT_STR) {
            rc = sc_errf(err, "token %zu is not a string", i);
            break;
        }
        char tok[96];
        size_t k = s->via.str.size < sizeof tok - 1 ? s->via.str.size : sizeof tok - 1;
        for (size_t j = 0; j < k; j++) tok[j] = (unsigned char)s->via.str.ptr[j] < 0x20 ? ' ' : s->via.str.ptr[j];
        tok[k] = '\0';
        sc_html_printf(h, "<span style=\"background:rgba(215,48,31,%.2f)%s\">", mx > 0 ? 0.8 * sal[i] / mx : 0.0,
                       dec[i] > 0.5f ? ";text-decoration:underline" : "");
        sc_html_escape(h, tok);
        sc_html_printf(h, "</span> ");
    }
    sc_html_printf(h, "</p>");
    free(sal);
    return rc;
}

// The examples of a saliency.msgpack; images also as <fig>-<i>.png with --figures.
static int saliency_examples(sc_html *h, const aux *a, const char *fig, sc_err *err) {
    const msgpack_object *ex = get(a->root, "examples"), *mod = get(a->root, "modality");
    if (!ex || ex->type != MSGPACK_OBJECT_ARRAY) return sc_errf(err, "no list 'examples'");
    int text = mod && mod->type == MSGPACK_OBJECT_STR && mod->via.str.size == 4 && !memcmp(mod->via.str.ptr, "text", 4);
    sc_html_printf(h, "<div class=\"maps\">");
    for (uint32_t i = 0; i < ex->via.array.size && i < MAX_EXAMPLES; i++) {
        const msgpack_object *e = &ex->via.array.ptr[i];
        double idx = -1, label = -1, pred = -1;
        num(get(e, "index"), 0, 1e12, &idx), num(get(e, "label"), 0, 1e6, &label), num(get(e, "pred"), 0, 1e6, &pred);
        char name[200];
        snprintf(name, sizeof name, "%s-%u", fig, i);
        sc_html_printf(h, "<figure>");
        if (text ? text_example(h, e, err) : image_example(h, e, name, err))
            return sc_err_prefix(err, "examples[%u]", i);
        sc_html_printf(h, "<figcaption>#%.0f: label %.0f, predicted %.0f</figcaption></figure>", idx, label, pred);
    }
    sc_html_printf(h, "</div>\n");
    return 0;
}

// A figure file that could not be written fails the page; a side file that
// does not read is only reported on it.
static int figure_failed(const sc_err *e) { return strstr(e->msg, "--figures") != NULL; }

// The maps of one row's smallest seed, or why there are none. -1 with err only
// when a figure file could not be written.
static int saliency_row(sc_html *h, const sc_cmpx_row *r, const char *role, sc_err *err) {
    aux a;
    sc_err e;
    char fig[200];
    snprintf(fig, sizeof fig, "%s-saliency-%s", r->task, r->label);
    sc_html_printf(h, "<h4>");
    sc_html_escape(h, r->label);
    sc_html_printf(h, " (%s, seed %" PRIu64 ")</h4>\n", role, r->runs[0].seed);
    int st = aux_load(&a, r->runs[0].dir, "saliency.msgpack", "scaffold-saliency", &e);
    size_t mark = h->n;
    if (st == 1) sc_html_printf(h, "<p>Saliency maps: not recorded (no saliency.msgpack in that run).</p>\n");
    if (st == 0 && saliency_examples(h, &a, fig, &e)) {
        if (figure_failed(&e)) {
            aux_free(&a);
            *err = e;
            return -1;
        }
        h->n = mark;  // drop the half-drawn examples
        if (h->p) h->p[mark] = '\0';
        st = -1;
    }
    if (st < 0) {
        sc_html_printf(h, "<p>Saliency maps: unreadable (");
        sc_html_escape(h, e.msg);
        sc_html_printf(h, ").</p>\n");
    }
    aux_free(&a);
    return 0;
}

static int saliency_section(sc_html *h, const sc_cmpx *x, const char *task, sc_err *err) {
    sc_html_printf(h, "<h3>Saliency of the first test examples, before (none) and after each method</h3>\n<p>Gray: "
                      "the input; red: the saliency (min-max scaled per example); cyan outline: the decoy (images); "
                      "underlined: decoy tokens (text).</p>\n");
    int any = 0;
    for (int i = 0; i < x->n_rows; i++) {
        const sc_cmpx_row *r = &x->rows[i];
        if (strcmp(r->task, task) || !r->n_runs) continue;
        if (saliency_row(h, r, !strcmp(r->method, "none") ? "before" : "after", err)) return -1;
        any = 1;
    }
    if (!any) sc_html_printf(h, "<p>No finished run.</p>\n");
    return 0;
}

// ---- the concept map ------------------------------------------------------------------------

static int concept_scatter(sc_html *h, const aux *a, const char *fig, sc_err *err) {
    const msgpack_object *p = get(a->root, "points");
    if (!p || p->type != MSGPACK_OBJECT_ARRAY || p->via.array.size > MAX_POINTS)
        return sc_errf(err, "'points' is not a list of at most %d points", MAX_POINTS);
    sc_html g;
    sc_html_init(&g);
    for (int flagged = 0; flagged < 2; flagged++) {
        sc_html_printf(&g, "$P%d << EOD\n", flagged);
        for (uint32_t i = 0; i < p->via.array.size; i++) {
            const msgpack_object *q = &p->via.array.ptr[i];
            float v[5];
            if (floats(q, 5, -1e12, 1e12, v)) {
                sc_html_free(&g);
                return sc_errf(err, "points[%u] is not [x, y, concept, label, flagged]", i);
            }
            if ((v[4] > 0.5f) == flagged) sc_html_printf(&g, "%g %g %d\n", v[0], v[1], 1 + (int)(v[2] < 0 ? 0 : v[2] > 64 ? 64 : v[2]));
        }
        sc_html_printf(&g, "EOD\n");
    }
    sc_html_printf(&g, "set key outside right\nset xlabel 'PC 1'\nset ylabel 'PC 2'\nplot $P0 using 1:2:3 with points "
                       "pt 7 ps 0.4 lc variable title 'examples (colour: concept)', $P1 using 1:2:3 with points pt 6 "
                       "ps 0.9 lc variable title 'examples of flagged concepts'\n");
    int rc = g.oom ? sc_errf(err, "report: out of memory") : sc_plot_svg(h, fig, 760, 420, g.p, err);
    sc_html_free(&g);
    return rc;
}

// Text concepts: up to MAX_THUMBS of their sentences (lists of words).
static void concept_sentences(sc_html *h, const msgpack_object *t) {
    for (uint32_t k = 0; k < t->via.array.size && k < MAX_THUMBS; k++) {
        const msgpack_object *w = &t->via.array.ptr[k];
        sc_html_printf(h, "<br>“");
        for (uint32_t j = 0; w->type == MSGPACK_OBJECT_ARRAY && j < w->via.array.size && j < MAX_TOKENS; j++) {
            const msgpack_object *s = &w->via.array.ptr[j];
            if (s->type != MSGPACK_OBJECT_STR) continue;
            char tok[96];
            size_t n = s->via.str.size < sizeof tok - 1 ? s->via.str.size : sizeof tok - 1;
            for (size_t q = 0; q < n; q++) tok[q] = (unsigned char)s->via.str.ptr[q] < 0x20 ? ' ' : s->via.str.ptr[q];
            tok[n] = '\0';
            sc_html_printf(h, "%s", j ? " " : "");
            sc_html_escape(h, tok);
        }
        sc_html_printf(h, "”");
    }
}

static int concept_strip(sc_html *h, const msgpack_object *c, uint32_t i, sc_err *err) {
    double size = 0, share = 0, purity = 0, flagged = 0, hh = 0, ww = 0;
    if (num(get(c, "size"), 0, 1e12, &size) || num(get(c, "decoy_share"), 0, 1, &share) ||
        num(get(c, "purity"), 0, 1, &purity) || num(get(c, "flagged"), 0, 1, &flagged))
        return sc_errf(err, "concepts[%u]: size, decoy_share, purity or flagged missing or out of range", i);
    sc_html_printf(h, "<p>Concept %u%s: %.0f examples, decoy share %.1f%%, purity %.1f%% ", i, flagged ? " (flagged)" : "",
                   size, 100 * share, 100 * purity);
    const msgpack_object *t = get(c, "thumbs"), *words = get(c, "tokens");
    if (words && words->type == MSGPACK_OBJECT_ARRAY) concept_sentences(h, words);
    if (t && t->type == MSGPACK_OBJECT_ARRAY && t->via.array.size &&
        !num(get(c, "height"), 1, MAX_SIDE, &hh) && !num(get(c, "width"), 1, MAX_SIDE, &ww)) {
        int H = (int)hh, W = (int)ww;
        float *img = malloc(sizeof(float) * (size_t)H * W);
        if (!img) return sc_errf(err, "report: out of memory");
        for (uint32_t k = 0; k < t->via.array.size && k < MAX_THUMBS; k++) {
            if (floats(&t->via.array.ptr[k], (size_t)H * W, -1e6, 1e6, img) ||
                image_tag(h, img, H, W, NULL, NULL, H > 56 ? 1 : 56 / H, NULL, err)) {
                free(img);
                return sc_errf(err, "concepts[%u].thumbs[%u] is not %d numbers", i, k, H * W);
            }
        }
        free(img);
    }
    sc_html_printf(h, "</p>\n");
    return 0;
}

static int concept_map(sc_html *h, const aux *a, const char *fig, sc_err *err) {
    const msgpack_object *cs = get(a->root, "concepts");
    if (!cs || cs->type != MSGPACK_OBJECT_ARRAY || cs->via.array.size > MAX_CONCEPTS)
        return sc_errf(err, "'concepts' is not a list of at most %d concepts", MAX_CONCEPTS);
    if (concept_scatter(h, a, fig, err)) return -1;
    for (uint32_t i = 0; i < cs->via.array.size; i++)
        if (concept_strip(h, &cs->via.array.ptr[i], i, err)) return -1;
    return 0;
}

// The concept map of each concept-prune row's smallest seed. A plot that
// fails (gnuplot missing) fails the page, as the other charts do.
static int concept_section(sc_html *h, const sc_cmpx *x, const char *task, sc_err *err) {
    for (int i = 0; i < x->n_rows; i++) {
        const sc_cmpx_row *r = &x->rows[i];
        if (strcmp(r->task, task) || strcmp(r->method, "concept-prune") || !r->n_runs) continue;
        sc_html_printf(h, "<h3>Concepts of ");
        sc_html_escape(h, r->label);
        sc_html_printf(h, " (seed %" PRIu64 ")</h3>\n", r->runs[0].seed);
        aux a;
        sc_err e;
        int st = aux_load(&a, r->runs[0].dir, "concepts.msgpack", "scaffold-concepts", &e);
        size_t mark = h->n;
        if (st == 1) sc_html_printf(h, "<p>Concept map: not recorded (no concepts.msgpack in that run).</p>\n");
        char fig[200];
        snprintf(fig, sizeof fig, "%s-concepts-%s", task, r->label);
        if (st == 0 && concept_map(h, &a, fig, &e)) {
            if (strstr(e.msg, "gnuplot") || figure_failed(&e)) {
                aux_free(&a);
                *err = e;
                return -1;
            }
            h->n = mark;
            if (h->p) h->p[mark] = '\0';
            st = -1;
        }
        if (st < 0) {
            sc_html_printf(h, "<p>Concept map: unreadable (");
            sc_html_escape(h, e.msg);
            sc_html_printf(h, ").</p>\n");
        }
        aux_free(&a);
    }
    return 0;
}

// ---- the page ---------------------------------------------------------------------------------

int sc_report_xbl_section(sc_html *h, const sc_cmp *c, sc_err *err) {
    const sc_cmpx *x = sc_cmp_xbl(c);
    for (int i = 0; x && i < x->n_rows;) {
        const char *task = x->rows[i].task;
        sc_html_printf(h, "<h2>");
        sc_html_escape(h, task);
        sc_html_printf(h, ": explanation-guided learning</h2>\n");
        html_table(h, x, task);
        if (chart(h, x, task, err)) return -1;
        if (saliency_section(h, x, task, err)) return -1;
        if (concept_section(h, x, task, err)) return -1;
        while (i < x->n_rows && !strcmp(x->rows[i].task, task)) i++;
    }
    return h->oom ? sc_errf(err, "report: out of memory") : 0;
}
