// task_init.c — detecting a starter task from data files (the rules: task_init.h).
#include "data/task_init.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "data/csv.h"
#include "data/grow.h"
#include "data/json.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

// Per column, what the header, label and text choices need.
typedef struct colstat {
    char *first;      // the first record's value (NULL: missing)
    char **vals;      // distinct values of the records below it (capped: `many`)
    size_t *cnt;
    long *line;       // where each value first occurs
    size_t nv, cap;
    int many;         // more distinct values than a label can have
    int first_later;  // the first record's value occurs again below
    int numeric;      // every value below is a number
    int unusable;     // jsonl: missing from some object, or neither a string nor a number
    int nonstr;       // jsonl: some value is not a string (cannot be the text)
    double bytes;     // total length of the values below the first
    long n;
} colstat;

// A record as a visitor sees it: nf values (NULL = absent), is_str (jsonl only).
typedef int (*visit_fn)(void *ctx, const char *const *vals, const int *is_str, size_t nf, long line, long idx,
                        sc_err *err);

typedef struct walk_out {
    long records, first_line, first_end;  // records; the physical lines of the first one
    size_t width;
} walk_out;

static int oom(sc_err *err) { return sc_errf(err, "out of memory"); }

static int is_number(const char *s) {
    char *e;
    if (!*s) return 0;
    strtod(s, &e);
    return *e == '\0';
}

static int is_int(const char *s) {
    char *e;
    if (!*s) return 0;
    strtol(s, &e, 10);
    return *e == '\0';
}

// Every record of a csv/tsv file with the given quoting; all must be as wide as the first.
static int walk_table(const sc_init_file *f, char sep, char quote, int multiline, visit_fn fn, void *ctx,
                      walk_out *w, sc_err *err) {
    sc_csv c;
    sc_csv_init(&c, f->name, f->data, f->len, sep);
    c.quote = quote;
    c.multiline = multiline;
    memset(w, 0, sizeof *w);
    long first_line = 0;
    int r, rc = 0;
    while ((r = sc_csv_next(&c, err)) == 1) {
        if (!w->records) {
            w->width = c.nf;
            first_line = w->first_line = c.rec_line;
            w->first_end = c.line - 1;
        } else if (c.nf != w->width) {
            rc = sc_errf(err, "%s line %ld: %zu fields, but the first record (line %ld) has %zu", f->name, c.rec_line,
                         c.nf, first_line, w->width);
            break;
        }
        if (fn && fn(ctx, (const char *const *)c.fields, NULL, c.nf, c.rec_line, w->records, err)) {
            rc = -1;
            break;
        }
        w->records++;
    }
    if (r < 0) rc = -1;
    sc_csv_free(&c);
    return rc;
}

// Every non-blank line of a JSON-lines file as the values of the first object's keys.
static int walk_jsonl(const sc_init_file *f, sc_init_guess *g, visit_fn fn, void *ctx, walk_out *w, sc_err *err) {
    sc_json_obj o = {0};
    const char **vals = NULL;
    int *is_str = NULL, rc = 0;
    memset(w, 0, sizeof *w);
    long line = 1;
    for (const char *p = f->data, *end = f->data + f->len; p < end && !rc; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *q = p;
        p = nl ? nl + 1 : end;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
        if (q == e) continue;
        if (sc_json_parse_object(&o, q, (size_t)(e - q), err)) {
            rc = sc_err_prefix(err, "%s line %ld: not a JSON object (the first line is one, so the file was taken "
                               "for JSON lines)", f->name, line);
            break;
        }
        if (!g->cols) {  // the first object's keys are the columns
            if (!(g->cols = calloc(o.n + 1, sizeof *g->cols))) {
                rc = oom(err);
                break;
            }
            g->ncols = o.n;
            for (size_t k = 0; k < o.n && !rc; k++)
                if (!(g->cols[k] = strdup(o.v[k].key))) rc = oom(err);
        }
        if (!vals && (!(vals = calloc(g->ncols + 1, sizeof *vals)) || !(is_str = calloc(g->ncols + 1, sizeof *is_str))))
            rc = oom(err);
        if (rc) break;
        w->width = g->ncols;
        for (size_t k = 0; k < g->ncols; k++) {
            const sc_json_value *v = sc_json_get(&o, g->cols[k]);
            // A string holding a NUL (\u0000) cannot be a text: the reader refuses it.
            int ok = v && (v->type == SC_JSON_STRING || v->type == SC_JSON_NUMBER) && !memchr(v->str, '\0', v->len);
            vals[k] = ok ? v->str : NULL;
            is_str[k] = ok && v->type == SC_JSON_STRING;
        }
        if (!rc && fn && fn(ctx, vals, is_str, g->ncols, line, w->records, err)) rc = -1;
        w->records++;
    }
    sc_json_free(&o);
    free(vals);
    free(is_str);
    return rc;
}

static void col_free(colstat *c) {
    for (size_t i = 0; i < c->nv; i++) free(c->vals[i]);
    free(c->vals);
    free(c->cnt);
    free(c->line);
    free(c->first);
}

// One value below the first record.
static int col_add(colstat *c, const char *v, long line) {
    c->n++;
    c->bytes += (double)strlen(v);
    if (c->n == 1) c->numeric = 1;
    c->numeric &= is_number(v);
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
    size_t cap = c->cap, cap2 = c->cap, cap3 = c->cap;
    if (sc_grow((void **)&c->vals, &cap, c->nv + 1, sizeof *c->vals, 8) ||
        sc_grow((void **)&c->cnt, &cap2, c->nv + 1, sizeof *c->cnt, 8) ||
        sc_grow((void **)&c->line, &cap3, c->nv + 1, sizeof *c->line, 8) || !(c->vals[c->nv] = strdup(v)))
        return -1;
    c->cap = cap3;
    c->cnt[c->nv] = 1;
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

typedef struct stats_ctx {
    colstat *cs;
    int first_kept;  // the first record's values are held apart (a header, maybe)
} stats_ctx;

static int stats_visit(void *ctx, const char *const *vals, const int *is_str, size_t nf, long line, long idx,
                       sc_err *err) {
    stats_ctx *s = ctx;
    for (size_t k = 0; k < nf; k++) {
        colstat *c = &s->cs[k];
        if (!vals[k]) {
            c->unusable = 1;
            continue;
        }
        if (is_str && !is_str[k]) c->nonstr = 1;
        if (idx == 0 && s->first_kept) {
            if (!(c->first = strdup(vals[k]))) return oom(err);
        } else if (col_add(c, vals[k], line)) {
            return oom(err);
        }
    }
    return 0;
}

// Header: some few-valued column never repeats its first value, or an all-numeric column starts with a word.
static int looks_like_header(const colstat *cs, size_t n) {
    for (size_t k = 0; k < n; k++) {
        if (!cs[k].first) continue;
        if (col_few(&cs[k]) && !cs[k].first_later) return 1;
        if (cs[k].n && cs[k].numeric && !is_number(cs[k].first)) return 1;
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
static int choose_columns(sc_init_guess *g, const colstat *cs, const char *file, sc_err *err) {
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
                       "columns %s; init-task writes classification tasks only", file, SC_INIT_MAX_CLASSES, list);
    return sc_errf(err, "%s: no column besides the label holds text (strings in every record): columns %s", file,
                   list);
}

static int cmp_class(const void *a, const void *b) {
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    if (is_int(x) && is_int(y)) {
        long u = strtol(x, NULL, 10), v = strtol(y, NULL, 10);
        if (u != v) return u < v ? -1 : 1;
    }
    return strcmp(x, y);
}

// classes = the label column's non-empty values, sorted; counts per class.
static int take_classes(sc_init_guess *g, const colstat *c, const char *file, sc_err *err) {
    size_t k = col_classes(c);
    g->label_distinct = c->nv;
    if (!(g->classes = calloc(k + 1, sizeof *g->classes)) || !(g->counts = calloc(k + 1, sizeof *g->counts)))
        return oom(err);
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
                           "(iconv -f latin1 -t utf-8)", file, c->line[i], c->vals[i]);
        if (!(g->classes[g->n_classes++] = strdup(c->vals[i]))) return oom(err);
    }
    qsort(g->classes, g->n_classes, sizeof *g->classes, cmp_class);
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

// Token counts of the texts that become examples -> max_tokens.
typedef struct tok_ctx {
    sc_init_guess *g;
    const char *file;
    int skip_first;
    sc_tokens tk;
    char *scratch;
    size_t scap;
    long *n;
    size_t nn, cap;
} tok_ctx;

static int tok_add(tok_ctx *t, const char *s, size_t len, int latin1, long line, sc_err *err) {
    const char *u;
    size_t ulen, bad;
    if (sc_text_to_utf8(s, len, latin1, &t->scratch, &t->scap, &u, &ulen, &bad))
        return sc_errf(err, "%s line %ld: invalid UTF-8 at byte %zu of the text", t->file, line, bad + 1);
    if (sc_tokenize(u, ulen, &t->tk, err)) return sc_err_prefix(err, "%s line %ld", t->file, line);
    if (sc_grow((void **)&t->n, &t->cap, t->nn + 1, sizeof *t->n, 256)) return oom(err);
    t->n[t->nn++] = (long)t->tk.n;
    return 0;
}

static int tok_visit(void *ctx, const char *const *vals, const int *is_str, size_t nf, long line, long idx,
                     sc_err *err) {
    (void)is_str;
    (void)nf;
    tok_ctx *t = ctx;
    const char *label = vals[t->g->label], *text = vals[t->g->text];
    if ((idx == 0 && t->skip_first) || !label[0]) return 0;  // the header; a dropped (empty) label
    // JSON strings are UTF-8 whatever the file's bytes (the jsonl reader ignores read.encoding).
    int latin1 = t->g->encoding == SC_ENC_LATIN1 && t->g->format != SC_FMT_JSONL;
    return tok_add(t, text, strlen(text), latin1, line, err);
}

static int cmp_long(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

// Percentiles as `scaffold tasks check` prints them; max_tokens = [CLS] + p95, rounded up to 8, in [8, 512].
static void tok_finish(tok_ctx *t) {
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

// Label, text, classes and header names from the per-column statistics.
static int decide(sc_init_guess *g, colstat *cs, const char *file, sc_err *err) {
    if (choose_columns(g, cs, file, err) || take_classes(g, &cs[g->label], file, err)) return -1;
    if (!g->header) return 0;
    const char *why = bad_name(g, g->label);
    int k = why ? g->label : g->text;
    if (!why) why = bad_name(g, g->text);
    if (why)
        snprintf(g->skip_why, sizeof g->skip_why, "the name of column %d %s", k, why);
    return 0;
}

static int detect_table(const sc_init_file *f, sc_init_guess *g, sc_err *err) {
    static const struct { char sep, quote; int multiline; } cfg[] = {
        {'\t', '"', 0}, {'\t', 0, 0}, {'\t', '"', 1}, {',', '"', 0}, {',', 0, 0}, {',', '"', 1}};
    char why[2][400] = {"", ""};  // per separator: why the default quoting failed
    walk_out w;
    int c = -1;
    for (int i = 0; i < 6 && c < 0; i++) {
        sc_err e;
        int rc = walk_table(f, cfg[i].sep, cfg[i].quote, cfg[i].multiline, NULL, NULL, &w, &e);
        if (!rc && w.records >= 2 && w.width >= 2) c = i;
        else if (i % 3 == 0)
            snprintf(why[i / 3], sizeof why[i / 3], "%s", rc ? e.msg : w.width < 2 ? "every record is one field"
                                                                      : "fewer than 2 records");
    }
    if (c < 0)
        return sc_errf(err, "%s: not a table (as tsv: %s; as csv: %s) and not JSON lines (the first line does not "
                       "start with '{'); a file of plain lines has no label column: give --from once per class "
                       "(one file of lines per class)", f->name, why[0], why[1]);
    g->format = cfg[c].sep == '\t' ? SC_FMT_TSV : SC_FMT_CSV;
    g->quote = cfg[c].quote;
    g->multiline = cfg[c].multiline;
    if (c % 3) snprintf(g->quote_why, sizeof g->quote_why, "%s", why[c / 3]);
    g->ncols = w.width;
    colstat *cs = calloc(w.width, sizeof *cs);
    if (!cs) return oom(err);
    stats_ctx s = {cs, 1};
    tok_ctx t = {.g = g, .file = f->name};
    int rc = walk_table(f, cfg[c].sep, cfg[c].quote, cfg[c].multiline, stats_visit, &s, &w, err);
    if (rc) goto out;
    g->header = looks_like_header(cs, w.width);
    if (g->header && !(g->cols = calloc(w.width + 1, sizeof *g->cols))) {
        rc = oom(err);
        goto out;
    }
    for (size_t k = 0; k < w.width && !rc; k++) {
        if (g->header) {  // the names move to the guess
            g->cols[k] = cs[k].first;
            cs[k].first = NULL;
        } else if (col_add(&cs[k], cs[k].first, w.first_line)) {
            rc = oom(err);
        }
    }
    g->records = w.records - g->header;
    if (rc || (rc = decide(g, cs, f->name, err))) goto out;
    if (g->skip_why[0]) g->skip_lines = w.first_end;
    t.skip_first = g->header;
    rc = walk_table(f, cfg[c].sep, cfg[c].quote, cfg[c].multiline, tok_visit, &t, &w, err);
out:
    tok_finish(&t);
    for (size_t k = 0; k < g->ncols; k++) col_free(&cs[k]);
    free(cs);
    return rc;
}

static int detect_jsonl(const sc_init_file *f, sc_init_guess *g, sc_err *err) {
    if (g->encoding != SC_ENC_UTF8)
        return sc_errf(err, "%s line %ld: not valid UTF-8, but JSON lines must be UTF-8 (RFC 8259): recode the file "
                       "(iconv -f latin1 -t utf-8)", f->name, g->bad_utf8_line);
    walk_out w;
    g->format = SC_FMT_JSONL;
    if (walk_jsonl(f, g, NULL, NULL, &w, err)) return -1;  // the keys, and every line an object
    colstat *cs = calloc(g->ncols + 1, sizeof *cs);
    if (!cs) return oom(err);
    stats_ctx s = {cs, 0};
    tok_ctx t = {.g = g, .file = f->name};
    int rc = walk_jsonl(f, g, stats_visit, &s, &w, err);
    g->records = w.records;
    if (!rc) rc = decide(g, cs, f->name, err);
    if (!rc) rc = walk_jsonl(f, g, tok_visit, &t, &w, err);
    tok_finish(&t);
    for (size_t k = 0; k < g->ncols; k++) col_free(&cs[k]);
    free(cs);
    return rc;
}

static int is_sep(char c) { return c == '.' || c == '_' || c == '-' || c == ' '; }

// Class names from the file names: what is left after the common prefix and
// suffix (cut at a separator: rt-polarity.neg / rt-polarity.pos -> neg, pos;
// pos.txt / neg.txt -> pos, neg), or the whole names if that leaves an empty or
// repeated name.
static int class_names(const sc_init_file *f, size_t n, char **out, sc_err *err) {
    size_t len0 = strlen(f[0].name), pre = len0, suf = len0;
    for (size_t i = 1; i < n; i++) {
        size_t len = strlen(f[i].name), a = 0, b = 0;
        while (a < pre && a < len && f[i].name[a] == f[0].name[a]) a++;
        while (b < suf && b < len && f[i].name[len - 1 - b] == f[0].name[len0 - 1 - b]) b++;
        pre = a;
        suf = b;
    }
    while (pre > 0 && !is_sep(f[0].name[pre - 1])) pre--;
    while (suf > 0 && !is_sep(f[0].name[len0 - suf])) suf--;
    for (int whole = 0; whole < 2; whole++) {
        int ok = 1;
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(f[i].name), a = whole ? 0 : pre, b = whole ? 0 : suf;
            ok &= len > a + b;
            free(out[i]);
            if (!(out[i] = strndup(f[i].name + a, ok ? len - a - b : 0))) return oom(err);
            for (size_t j = 0; j < i; j++) ok &= strcmp(out[i], out[j]) != 0;
        }
        if (ok) return 0;
    }
    return sc_errf(err, "%s: two --from files have the same name: one file per class", f[0].name);
}

// Several files: one example per non-blank line, one file per class (the lines reader).
static int detect_lines(const sc_init_file *f, size_t n, sc_init_guess *g, sc_err *err) {
    g->format = SC_FMT_LINES;
    char **names = calloc(n + 1, sizeof *names);
    g->classes = calloc(n + 1, sizeof *g->classes);
    g->counts = calloc(n + 1, sizeof *g->counts);
    g->class_file = calloc(n + 1, sizeof *g->class_file);
    if (!names || !g->classes || !g->counts || !g->class_file) {
        free(names);
        return oom(err);
    }
    tok_ctx t = {.g = g};
    int rc = class_names(f, n, names, err);
    for (size_t i = 0; i < n && !rc; i++) {
        t.file = f[i].name;
        long line = 1, before = (long)t.nn;
        for (const char *p = f[i].data, *end = p + f[i].len; p < end && !rc; line++) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = (size_t)((nl ? nl : end) - p), lead = 0;
            if (len && p[len - 1] == '\r') len--;
            while (lead < len && (p[lead] == ' ' || p[lead] == '\t')) lead++;
            if (lead < len) rc = tok_add(&t, p, len, g->encoding == SC_ENC_LATIN1, line, err);
            p = nl ? nl + 1 : end;
        }
        if (!rc && (long)t.nn == before) rc = sc_errf(err, "%s: no non-blank line: a class file needs examples", f[i].name);
        g->counts[i] = t.nn - (size_t)before;  // per file here; reordered with the classes below
    }
    g->records = (long)t.nn;
    // Classes sorted by name (insertion sort); class_file and counts follow.
    size_t *per_file = g->counts;
    if (!rc && !(g->counts = calloc(n + 1, sizeof *g->counts))) rc = oom(err);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t j = g->n_classes;
        while (j > 0 && cmp_class(&g->classes[j - 1], &names[i]) > 0) {
            g->classes[j] = g->classes[j - 1];
            g->class_file[j] = g->class_file[j - 1];
            j--;
        }
        g->classes[j] = names[i];
        g->class_file[j] = i;
        names[i] = NULL;
        g->n_classes++;
    }
    for (size_t j = 0; j < g->n_classes; j++) g->counts[j] = per_file[g->class_file[j]];
    if (g->counts != per_file) free(per_file);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    tok_finish(&t);
    return rc;
}

// The 1-based line holding byte `off`.
static long line_of(const char *data, size_t off) {
    long n = 1;
    for (const char *p = data; (p = memchr(p, '\n', (size_t)(data + off - p))); p++) n++;
    return n;
}

// Line statistics and the encoding of one file; refuses empty and binary files.
static int scan_file(const sc_init_file *f, size_t i, sc_init_guess *g, sc_err *err) {
    const char *z = memchr(f->data, '\0', f->len);
    if (z) return sc_errf(err, "%s line %ld: NUL byte: not a text file", f->name, line_of(f->data, (size_t)(z - f->data)));
    size_t blank_only = 0;
    while (blank_only < f->len && strchr(" \t\r\n", f->data[blank_only])) blank_only++;
    if (blank_only == f->len) return sc_errf(err, "%s: empty file (nothing to detect a task from)", f->name);
    g->lines += sc_count_lines(f->data, f->len);
    for (const char *p = f->data, *end = p + f->len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
        g->crlf += nl && nl > p && nl[-1] == '\r';
        const char *q = p;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
        g->blank += q == e;
        p = nl ? nl + 1 : end;
    }
    size_t bad;
    if (g->encoding == SC_ENC_UTF8 && !sc_utf8_valid(f->data, f->len, &bad)) {
        g->encoding = SC_ENC_LATIN1;
        g->bad_utf8_file = i;
        g->bad_utf8_line = line_of(f->data, bad);
    }
    return 0;
}

int sc_init_detect(const sc_init_file *files, size_t n, sc_init_guess *g, sc_err *err) {
    memset(g, 0, sizeof *g);
    g->label = g->text = -1;
    g->quote = '"';
    if (!n) return sc_errf(err, "no data file given");
    g->file_names = calloc(n + 1, sizeof *g->file_names);
    g->file_sha = calloc(n + 1, sizeof *g->file_sha);
    if (!g->file_names || !g->file_sha) return oom(err);
    g->n_files = n;
    for (size_t i = 0; i < n; i++) {
        if (!(g->file_names[i] = strdup(files[i].name)) || !(g->file_sha[i] = strdup(files[i].sha256 ? files[i].sha256 : "")))
            return oom(err);
        if (scan_file(&files[i], i, g, err)) return -1;
    }
    int rc;
    if (n > 1) {
        rc = detect_lines(files, n, g, err);
    } else {
        const char *p = files[0].data, *end = p + files[0].len;
        int bom = end - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3);  // a byte-order mark is not the content
        p += bom ? 3 : 0;
        while (p < end && strchr(" \t\r\n", *p)) p++;
        if (p < end && *p == '{' && bom)
            return sc_errf(err, "%s line 1: the file starts with a UTF-8 byte-order mark, which the jsonl reader "
                           "does not accept: remove it (sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)", files[0].name);
        rc = p < end && *p == '{' ? detect_jsonl(&files[0], g, err) : detect_table(&files[0], g, err);
    }
    if (!rc && g->examples < SC_INIT_MIN_EXAMPLES)
        rc = sc_errf(err, "%s: %ld examples; the default split into five parts needs at least %d", files[0].name,
                     g->examples, SC_INIT_MIN_EXAMPLES);
    return rc;
}

static void free_strs(char **s, size_t n) {
    for (size_t i = 0; s && i < n; i++) free(s[i]);
    free(s);
}

void sc_init_guess_free(sc_init_guess *g) {
    free_strs(g->cols, g->ncols);
    free_strs(g->classes, g->n_classes);
    free_strs(g->file_names, g->n_files);
    free_strs(g->file_sha, g->n_files);
    free(g->counts);
    free(g->class_file);
    memset(g, 0, sizeof *g);
}
