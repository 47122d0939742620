// task_init_columns.c — what init-task decides from per-column statistics:
// header or not, the label column (few distinct values) and the text column
// (the longest values), the classes, and max_tokens from the texts' token
// counts (task_init_impl.h).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "data/grow.h"
#include "data/task_init_impl.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

void sc_init_col_free(colstat *c) {
    for (size_t i = 0; i < c->nv; i++) free(c->vals[i]);
    free(c->vals);
    free(c->cnt);
    free(c->line);
    free(c->file);
    free(c->first);
}

// One value below the first record (of input file `file`).
static int col_add(colstat *c, const char *v, long line, size_t file) {
    c->n++;
    c->bytes += (double)strlen(v);
    if (c->n == 1) c->numeric = 1;
    c->numeric &= sc_init_is_number(v);
    if (c->first && !strcmp(c->first, v)) c->first_later = 1;
    if (c->many) return 0;
    for (size_t i = 0; i < c->nv; i++)
        if (!strcmp(c->vals[i], v)) {
            c->cnt[i]++;
            return 0;
        }
    if (c->nv == SC_INIT_MAX_CLASSES + 1) {  // cannot be a label: stop collecting
        c->many = 1;
        return 0;
    }
    size_t cap = c->cap, cap2 = c->cap, cap3 = c->cap, cap4 = c->cap;
    if (sc_grow((void **)&c->vals, &cap, c->nv + 1, sizeof *c->vals, 8) ||
        sc_grow((void **)&c->cnt, &cap2, c->nv + 1, sizeof *c->cnt, 8) ||
        sc_grow((void **)&c->line, &cap3, c->nv + 1, sizeof *c->line, 8) ||
        sc_grow((void **)&c->file, &cap4, c->nv + 1, sizeof *c->file, 8) || !(c->vals[c->nv] = strdup(v)))
        return -1;
    c->cap = cap4;
    c->cnt[c->nv] = 1;
    c->file[c->nv] = file;
    c->line[c->nv++] = line;
    return 0;
}

// Non-empty distinct values (the empty label is dropped, never a class).
static size_t col_classes(const colstat *c) {
    size_t k = 0;
    for (size_t i = 0; i < c->nv; i++) k += c->vals[i][0] != '\0';
    return k;
}

static int col_few(const colstat *c) {
    size_t k = col_classes(c);
    return !c->many && !c->unusable && k >= 2 && k <= SC_INIT_MAX_CLASSES && (long)k * 2 <= (c->n > 4 ? c->n : 4);
}

int sc_init_stats_visit(void *ctx, const char *const *vals, const int *is_str, size_t nf, long line, long idx,
                       sc_err *err) {
    stats_ctx *s = ctx;
    if (idx == 0 && s->skip_first) return 0;
    for (size_t k = 0; k < nf; k++) {
        colstat *c = &s->cs[k];
        if (!vals[k]) {
            c->unusable = 1;
            continue;
        }
        if (is_str && !is_str[k]) c->nonstr = 1;
        if (idx == 0 && s->first_kept) {
            if (!(c->first = strdup(vals[k]))) return sc_init_oom(err);
        } else if (col_add(c, vals[k], line, s->file)) {
            return sc_init_oom(err);
        }
    }
    return 0;
}

// Header: some few-valued column never repeats its first value, or an all-numeric column starts with a word.
int sc_init_looks_like_header(const colstat *cs, size_t n) {
    for (size_t k = 0; k < n; k++) {
        if (!cs[k].first) continue;
        if (col_few(&cs[k]) && !cs[k].first_later) return 1;
        if (cs[k].n && cs[k].numeric && !sc_init_is_number(cs[k].first)) return 1;
    }
    return 0;
}

static int name_hint(const char *s) {
    static const char *const hints[] = {"label", "labels", "class", "category", "sentiment", "polarity",
                                        "target", "y", "gold_label", "tag", NULL};
    for (int i = 0; hints[i]; i++)
        if (!strcasecmp(s, hints[i])) return 1;
    return 0;
}

// The label (few values; a label-like header name first) and the text (the longest mean value).
static int choose_columns(sc_init_guess *g, const colstat *cs, const char *what, sc_err *err) {
    g->label = g->text = -1;
    for (int pass = 0; pass < 2 && g->label < 0; pass++)
        for (size_t k = 0; k < g->ncols; k++) {
            if (!col_few(&cs[k]) || (pass == 0 && !(g->cols && name_hint(g->cols[k])))) continue;
            if (g->label < 0 || col_classes(&cs[k]) < col_classes(&cs[g->label])) g->label = (int)k;
        }
    double best = -1;
    for (size_t k = 0; k < g->ncols; k++) {
        double mean = cs[k].n ? cs[k].bytes / (double)cs[k].n : 0;
        if ((int)k == g->label || cs[k].unusable || cs[k].nonstr || mean <= best) continue;
        best = mean;
        g->text = (int)k;
        g->text_mean = mean;
    }
    if (g->label >= 0 && g->text >= 0) return 0;
    char list[600] = "";
    for (size_t k = 0; k < g->ncols && strlen(list) < 500; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%zu: %s%zu distinct values", k ? "; " : "",
                 k, cs[k].many ? "more than " : "", cs[k].many ? (size_t)SC_INIT_MAX_CLASSES : col_classes(&cs[k]));
    if (g->label < 0)
        return sc_errf(err, "%s: no column looks like a label (2 to %d distinct values, at most half the records): "
                       "columns %s; init-task writes classification tasks only", what, SC_INIT_MAX_CLASSES, list);
    return sc_errf(err, "%s: no column besides the label holds text (strings in every record): columns %s", what,
                   list);
}

int sc_init_cmp_class(const void *a, const void *b) {
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    if (sc_init_is_int(x) && sc_init_is_int(y)) {
        long u = strtol(x, NULL, 10), v = strtol(y, NULL, 10);
        if (u != v) return u < v ? -1 : 1;
    }
    return strcmp(x, y);
}

// classes = the label column's non-empty values, sorted; counts per class.
static int take_classes(sc_init_guess *g, const colstat *c, const sc_init_file *files, sc_err *err) {
    size_t k = col_classes(c);
    g->label_distinct = c->nv;
    if (!(g->classes = calloc(k + 1, sizeof *g->classes)) || !(g->counts = calloc(k + 1, sizeof *g->counts)))
        return sc_init_oom(err);
    for (size_t i = 0; i < c->nv; i++) {
        if (!c->vals[i][0]) {
            g->dropped = (long)c->cnt[i];
            continue;
        }
        int ascii = 1;
        for (const char *p = c->vals[i]; *p; p++) ascii &= (unsigned char)*p < 0x80;
        if (g->encoding == SC_ENC_LATIN1 && !ascii)
            return sc_errf(err, "%s line %ld: label '%s' is not ASCII in a Latin-1 file: labels are matched byte for "
                           "byte and task.yaml is UTF-8, so it cannot name this class; recode the file to UTF-8 "
                           "(iconv -f latin1 -t utf-8)", files[c->file[i]].name, c->line[i], c->vals[i]);
        if (!(g->classes[g->n_classes++] = strdup(c->vals[i]))) return sc_init_oom(err);
    }
    qsort(g->classes, g->n_classes, sizeof *g->classes, sc_init_cmp_class);
    for (size_t j = 0; j < g->n_classes; j++)
        for (size_t i = 0; i < c->nv; i++)
            if (!strcmp(c->vals[i], g->classes[j])) g->counts[j] = c->cnt[i];
    return 0;
}

// A header name task.yaml can use for column k: non-empty, the first with that
// name (the reader takes the first), and UTF-8.
static const char *bad_name(const sc_init_guess *g, int k) {
    const char *s = g->cols[k];
    if (!s[0]) return "is empty";
    for (int j = 0; j < k; j++)
        if (!strcmp(g->cols[j], s)) return "is also the name of an earlier column";
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p >= 0x80 && g->encoding == SC_ENC_LATIN1) return "has Latin-1 bytes (task.yaml is UTF-8)";
    return NULL;
}

int sc_init_tok_add(tok_ctx *t, const char *s, size_t len, int latin1, long line, sc_err *err) {
    const char *u;
    size_t ulen, bad;
    if (sc_text_to_utf8(s, len, latin1, &t->scratch, &t->scap, &u, &ulen, &bad))
        return sc_errf(err, "%s line %ld: invalid UTF-8 at byte %zu of the text", t->file, line, bad + 1);
    if (sc_tokenize(u, ulen, &t->tk, err)) return sc_err_prefix(err, "%s line %ld", t->file, line);
    if (sc_grow((void **)&t->n, &t->cap, t->nn + 1, sizeof *t->n, 256)) return sc_init_oom(err);
    t->n[t->nn++] = (long)t->tk.n;
    return 0;
}

int sc_init_tok_visit(void *ctx, const char *const *vals, const int *is_str, size_t nf, long line, long idx,
                     sc_err *err) {
    (void)is_str;
    (void)nf;
    tok_ctx *t = ctx;
    const char *label = vals[t->g->label], *text = vals[t->g->text];
    if ((idx == 0 && t->skip_first) || !label[0]) return 0;  // the header; a dropped (empty) label
    // JSON strings are UTF-8 whatever the file's bytes (the jsonl reader ignores read.encoding).
    int latin1 = t->g->encoding == SC_ENC_LATIN1 && t->g->format != SC_FMT_JSONL;
    return sc_init_tok_add(t, text, strlen(text), latin1, line, err);
}

static int cmp_long(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

// Percentiles as `scaffold tasks check` prints them; max_tokens = [CLS] + p95, rounded up to 8, in [8, 512].
void sc_init_tok_finish(tok_ctx *t) {
    sc_init_guess *g = t->g;
    g->examples = (long)t->nn;
    if (t->nn) {
        qsort(t->n, t->nn, sizeof *t->n, cmp_long);
        g->tok_median = t->n[t->nn / 2];
        g->tok_p95 = t->n[(size_t)(0.95 * (double)(t->nn - 1))];
        g->tok_max = t->n[t->nn - 1];
    }
    long m = (g->tok_p95 + 1 + 7) / 8 * 8;
    g->max_tokens = m < 8 ? 8 : m > 512 ? 512 : m;
    sc_tokens_free(&t->tk);
    free(t->scratch);
    free(t->n);
}

// Label, text, classes and header names from the per-column statistics of n files.
int sc_init_decide(sc_init_guess *g, colstat *cs, const sc_init_file *files, size_t n, sc_err *err) {
    char what[300];
    if (n > 1) snprintf(what, sizeof what, "%s and the %zu other files", files[0].name, n - 1);
    else snprintf(what, sizeof what, "%s", files[0].name);
    if (choose_columns(g, cs, what, err) || take_classes(g, &cs[g->label], files, err)) return -1;
    if (!g->header) return 0;
    const char *why = bad_name(g, g->label);
    int k = why ? g->label : g->text;
    if (!why) why = bad_name(g, g->text);
    if (why)
        snprintf(g->skip_why, sizeof g->skip_why, "the name of column %d %s", k, why);
    return 0;
}
