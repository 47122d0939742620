// report_pretrain.c — the page of a pretraining run (`scaffold report DIR` on
// the output of `scaffold pretrain`): what was trained on what, and the loss
// curves (training loss averaged between points, held-out loss at each point).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "io/result_read.h"
#include "report/figures.h"
#include "report/html.h"
#include "report/plot.h"
#include "report/report.h"

#define MAX_POINTS 100000

static int curve_svg(sc_html *page, const float *step, const float *train, const float *valid, size_t n,
                     const char *objective, sc_err *err) {
    sc_html g;
    sc_html_init(&g);
    sc_html_printf(&g, "$D << EOD\n");
    for (size_t i = 0; i < n; i++) {
        if (isfinite(train[i])) sc_html_printf(&g, "%.0f %.6g %.6g\n", step[i], train[i], valid[i]);
        else sc_html_printf(&g, "%.0f NaN %.6g\n", step[i], valid[i]);
    }
    sc_html_printf(&g, "EOD\nset key top right\nset grid\nset xlabel 'step'\nset ylabel '%s loss'\n"
                       "plot $D using 1:2 with lines lw 2 lc rgb '#5b8cc7' title 'training (mean since the previous "
                       "point)', $D using 1:3 with linespoints lw 2 pt 7 ps 0.6 lc rgb '#c75b5b' title 'held out'\n",
                   strcmp(objective, "masked-cells") ? "masked-token cross-entropy" : "masked-cell squared-error");
    int rc = g.oom ? sc_errf(err, "report: out of memory") : sc_plot_svg(page, "pretrain-loss", 720, 360, g.p, err);
    sc_html_free(&g);
    return rc;
}

static void config_rows(sc_html *h, const sc_result_doc *d, const char *key) {
    const msgpack_object *m = sc_result_get(d, key);
    if (!m || m->type != MSGPACK_OBJECT_MAP) return;
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key, *v = &m->via.map.ptr[i].val;
        if (k->type != MSGPACK_OBJECT_STR || v->type != MSGPACK_OBJECT_STR) continue;
        char ks[128], vs[256];
        snprintf(ks, sizeof ks, "%.*s", (int)k->via.str.size, k->via.str.ptr);
        snprintf(vs, sizeof vs, "%.*s", (int)v->via.str.size, v->via.str.ptr);
        sc_html_printf(h, "<tr><td>");
        sc_html_escape(h, ks);
        sc_html_printf(h, "</td><td>");
        sc_html_escape(h, vs);
        sc_html_printf(h, "</td></tr>\n");
    }
}

static int page(sc_html *h, const sc_result_doc *d, const char *dir, sc_err *err) {
    char arch[64], obj[32], corpus[128], digest[80];
    double steps, params, tokens, seconds, tps;
    float *st = NULL, *tr = NULL, *va = NULL;
    size_t n1, n2, n3;
    int rc = sc_result_str(d, "arch", arch, sizeof arch, err) || sc_result_str(d, "objective", obj, sizeof obj, err) ||
             sc_result_str(d, "corpus.name", corpus, sizeof corpus, err) ||
             sc_result_str(d, "corpus.digest", digest, sizeof digest, err) || sc_result_num(d, "steps", &steps, err) ||
             sc_result_num(d, "params", &params, err) || sc_result_num(d, "train.tokens", &tokens, err) ||
             sc_result_num(d, "train.seconds", &seconds, err) ||
             sc_result_num(d, "train.tokens_per_second", &tps, err) ||
             sc_result_floats_in(d, "curve.step", MAX_POINTS, 0, 1e12, &st, &n1, err) ||
             sc_result_floats_in(d, "curve.valid_loss", MAX_POINTS, 0, 1e6, &va, &n3, err) ||
             sc_result_floats(d, "curve.train_loss", &tr, &n2, err);
    if (!rc && (n1 != n2 || n1 != n3 || !n1)) rc = sc_errf(err, "curve: step, train_loss and valid_loss differ in length");
    if (!rc) {
        int text = strcmp(obj, "masked-cells") != 0;
        sc_html_printf(h, "<h1>scaffold pretrain</h1><p>");
        sc_html_escape(h, dir);
        sc_html_printf(h, ": a <b>");
        sc_html_escape(h, arch);
        sc_html_printf(h, "</b> of %.0f parameters trained by %s prediction on <b>", params, obj);
        sc_html_escape(h, corpus);
        sc_html_printf(h, "</b> (digest %.12s…) for %.0f steps: %.3g M %s seen in %.1f minutes (%.0f/s). Held-out "
                          "loss %.4f → %.4f.</p>\n", digest, steps, tokens / 1e6, text ? "tokens" : "cells",
                       seconds / 60, tps, va[0], va[n3 - 1]);
        rc = curve_svg(h, st, tr, va, n1, obj, err);
        sc_html_printf(h, "<table><tr><th>model key</th><th>value</th></tr>\n");
        config_rows(h, d, "config.model");
        sc_html_printf(h, "</table><table><tr><th>pretraining key</th><th>value</th></tr>\n");
        config_rows(h, d, "config.pretrain");
        sc_html_printf(h, "</table>\n");
    }
    free(st), free(tr), free(va);
    return rc ? -1 : 0;
}

int sc_report_pretrain_write(const char *dir, const char *out_path, const char *figdir, sc_err *err) {
    char path[2048];
    snprintf(path, sizeof path, "%s/metrics.msgpack", dir);
    sc_result_doc d;
    if (sc_result_load(&d, path, err)) return -1;
    sc_html h;
    sc_html_init(&h);
    sc_figs figs = {0};
    if (figdir && sc_figs_init(&figs, figdir, err)) {
        sc_result_doc_free(&d);
        return -1;
    }
    h.figs = figdir ? &figs : NULL;
    sc_html_printf(&h, "<!doctype html><html><head><meta charset=\"utf-8\"><title>scaffold pretrain</title><style>"
                       "body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}table{border-collapse:"
                       "collapse;margin:1em 0;display:inline-table;vertical-align:top;margin-right:2em}td,th{border:1px "
                       "solid #ccc;padding:3px 8px}th{background:#f0f0f0}svg{display:block;margin:1em 0}</style>"
                       "</head><body>");
    int rc = page(&h, &d, dir, err);
    if (rc) sc_err_prefix(err, "%s", path);
    sc_html_printf(&h, "</body></html>\n");
    if (!rc && h.oom) rc = sc_errf(err, "report: out of memory");
    if (!rc) rc = sc_atomic_write(out_path, h.p, h.n, err);
    sc_html_free(&h);
    sc_figs_free(&figs);
    sc_result_doc_free(&d);
    return rc;
}

int sc_report_is_pretrain(const char *dir) {
    char path[2048], kind[32];
    snprintf(path, sizeof path, "%s/metrics.msgpack", dir);
    sc_result_doc d;
    sc_err e;
    if (sc_result_load(&d, path, &e)) return 0;
    int yes = !sc_result_str(&d, "kind", kind, sizeof kind, &e) && !strcmp(kind, "pretrain");
    sc_result_doc_free(&d);
    return yes;
}
