// task_init.c — detecting a starter task from data files (the rules: task_init.h).
#include "data/task_init_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/json.h"
#include "data/task_init_scan.h"

int sc_init_oom(sc_err *err) { return sc_errf(err, "out of memory"); }

int sc_init_is_number(const char *s) {
    char *e;
    if (!*s) return 0;
    strtod(s, &e);
    return *e == '\0';
}

int sc_init_is_int(const char *s) {
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
                rc = sc_init_oom(err);
                break;
            }
            g->ncols = o.n;
            for (size_t k = 0; k < o.n && !rc; k++)
                if (!(g->cols[k] = strdup(o.v[k].key))) rc = sc_init_oom(err);
        }
        if (!vals && (!(vals = calloc(g->ncols + 1, sizeof *vals)) || !(is_str = calloc(g->ncols + 1, sizeof *is_str))))
            rc = sc_init_oom(err);
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

// The readings a table may have, in the order they are tried: '"' quoting
// (RFC 4180), then quote: none (stray quotes), and only then quoted fields
// spanning lines, so that a stray quote never merges lines silently.
static const struct {
    char sep, quote;
    int multiline;
} CFG[] = {{'\t', '"', 0}, {'\t', 0, 0}, {'\t', '"', 1}, {',', '"', 0}, {',', 0, 0}, {',', '"', 1}};
enum { NCFG = 6 };

// A reading of a file: a table (an index of CFG), or JSON lines (cfg < 0; the keys are g->cols).
typedef struct reading {
    int cfg;
    sc_init_guess *g;
} reading;

static int walk(const sc_init_file *f, const reading *r, visit_fn fn, void *ctx, walk_out *w, sc_err *err) {
    if (r->cfg < 0) return walk_jsonl(f, r->g, fn, ctx, w, err);
    return walk_table(f, CFG[r->cfg].sep, CFG[r->cfg].quote, CFG[r->cfg].multiline, fn, ctx, w, err);
}

// What one file is on its own.
typedef enum { SNIFF_PLAIN, SNIFF_TABLE, SNIFF_JSONL } sniff_kind;
typedef struct sniff {
    sniff_kind kind;
    int cfg;           // SNIFF_TABLE: the first reading that makes it a table
    size_t width;      // ... and its fields per record
    char why[2][400];  // per separator (tsv, csv): why its default quoting failed ("" if it did not)
} sniff;

// f on its own: JSON lines (the first non-blank line starts with '{'), a table
// (some reading gives >= 2 records of >= 2 fields, all as wide), or plain lines.
static int sniff_file(const sc_init_file *f, sniff *s, sc_err *err) {
    memset(s, 0, sizeof *s);
    s->cfg = -1;
    const char *p = f->data, *end = p + f->len;
    int bom = end - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3);  // a byte-order mark is not the content
    p += bom ? 3 : 0;
    while (p < end && strchr(" \t\r\n", *p)) p++;
    if (p < end && *p == '{') {
        if (bom)
            return sc_errf(err, "%s line 1: the file starts with a UTF-8 byte-order mark, which the jsonl reader "
                           "does not accept: remove it (sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)", f->name);
        s->kind = SNIFF_JSONL;
        return 0;
    }
    for (int i = 0; i < NCFG && s->cfg < 0; i++) {
        sc_err e;
        walk_out w;
        int rc = walk_table(f, CFG[i].sep, CFG[i].quote, CFG[i].multiline, NULL, NULL, &w, &e);
        if (!rc && w.records >= 2 && w.width >= 2) {
            s->cfg = i;
            s->width = w.width;
        } else if (i % 3 == 0) {
            snprintf(s->why[i / 3], sizeof s->why[i / 3], "%s", rc ? e.msg : w.width < 2 ? "every record is one field"
                                                                        : "fewer than 2 records");
        }
    }
    s->kind = s->cfg >= 0 ? SNIFF_TABLE : SNIFF_PLAIN;
    return 0;
}

static void describe(const sniff *s, char *buf, size_t cap) {
    if (s->kind == SNIFF_JSONL) snprintf(buf, cap, "JSON lines");
    else if (s->kind == SNIFF_TABLE) snprintf(buf, cap, "a %s table (%zu fields per record)",
                                              CFG[s->cfg].sep == '\t' ? "tsv" : "csv", s->width);
    else snprintf(buf, cap, "plain lines (not a table: as tsv: %.150s; as csv: %.150s)", s->why[0], s->why[1]);
}

// Several files make one task only if each is what the first is: all JSON
// lines, all tables with the same separator and width, or all plain lines.
static int files_agree(const sc_init_file *f, const sniff *sn, size_t n, sc_err *err) {
    for (size_t i = 1; i < n; i++) {
        int same = sn[i].kind == sn[0].kind &&
                   (sn[i].kind != SNIFF_TABLE || CFG[sn[i].cfg].sep == CFG[sn[0].cfg].sep);
        if (same && sn[i].kind == SNIFF_TABLE && sn[i].width != sn[0].width)
            return sc_errf(err, "%s: %zu fields per record, but %s has %zu: the files of one task must have the "
                           "same columns", f[i].name, sn[i].width, f[0].name, sn[0].width);
        if (same) continue;
        char a[420], b[420];
        describe(&sn[i], a, sizeof a);
        describe(&sn[0], b, sizeof b);
        return sc_errf(err, "%s is %s, but %s is %s: init-task makes one task from files of one format (tsv, csv "
                       "or JSON lines, read together), or from files of plain lines (one per class); convert the "
                       "odd one, or make a task of each kind", f[i].name, a, f[0].name, b);
    }
    return 0;
}

// The first reading (of the files' separator) under which every file is a
// table as wide as the first; *why0 (cap bytes) gets why the default quoting
// failed when another reading is chosen.
static int common_reading(const sc_init_file *f, const sniff *sn, size_t n, int *out, char *why0, size_t cap,
                          sc_err *err) {
    int base = CFG[sn[0].cfg].sep == '\t' ? 0 : 3;
    char why[3][300];
    for (int j = 0; j < 3; j++) {
        int ok = 1;
        for (size_t i = 0; i < n && ok; i++) {
            sc_err e;
            walk_out w;
            int rc = walk_table(&f[i], CFG[base + j].sep, CFG[base + j].quote, CFG[base + j].multiline, NULL, NULL,
                                &w, &e);
            ok = !rc && w.records >= 2 && w.width == sn[0].width;
            if (!ok && rc) snprintf(why[j], sizeof why[j], "%s", e.msg);
            else if (!ok) snprintf(why[j], sizeof why[j], "%s: %zu fields per record, %ld records", f[i].name,
                                   w.width, w.records);
        }
        if (!ok) continue;
        *out = base + j;
        if (j) snprintf(why0, cap, "%s", why[0]);
        return 0;
    }
    return sc_errf(err, "no one quoting reads every file (read.quote and read.multiline are one for the task): "
                   "with quote '\"': %s; with quote: none: %s; with multiline: true: %s", why[0], why[1], why[2]);
}

// File i (i > 0) against the first: a header in both or neither, with the same names.
static int same_header(const sc_init_file *f, size_t i, const colstat *cs, int header, long line,
                       const sc_init_guess *g, sc_err *err) {
    if (header != g->header)
        return sc_errf(err, "%s: %s, but %s %s: read.header is one for the task; give every file a header line, "
                       "or none", f[i].name, header ? "its first record is a header (its values occur nowhere below)"
                       : "no header (its first record's values occur again below: it is data)", f[0].name,
                       g->header ? "has one" : "has none");
    for (size_t k = 0; header && k < g->ncols; k++)
        if (strcmp(cs[k].first, g->cols[k]))
            return sc_errf(err, "%s line %ld: column %zu of the header is '%s', but in %s it is '%s': the files must "
                           "have the same header (the same names, in the same order)", f[i].name, line, k,
                           cs[k].first, f[0].name, g->cols[k]);
    return 0;
}

// Whether each file's first record is a header (task_init.h); the first file's
// decides, and its names become g->cols. first_end[i]: the last line of file
// i's first record.
static int headers(const sc_init_file *f, size_t n, const reading *r, sc_init_guess *g, long *first_end,
                   sc_err *err) {
    for (size_t i = 0; i < n; i++) {
        colstat *cs = calloc(g->ncols, sizeof *cs);
        if (!cs) return sc_init_oom(err);
        stats_ctx s = {.cs = cs, .first_kept = 1, .file = i};
        walk_out w;
        int rc = walk(&f[i], r, sc_init_stats_visit, &s, &w, err), header = !rc && sc_init_looks_like_header(cs, g->ncols);
        first_end[i] = w.first_end;
        if (!rc && i == 0) {
            g->header = header;
            if (header && !(g->cols = calloc(g->ncols + 1, sizeof *g->cols))) rc = sc_init_oom(err);
            for (size_t k = 0; header && !rc && k < g->ncols; k++) {  // the names move to the guess
                g->cols[k] = cs[k].first;
                cs[k].first = NULL;
            }
        } else if (!rc) {
            rc = same_header(f, i, cs, header, w.first_line, g, err);
        }
        for (size_t k = 0; k < g->ncols; k++) sc_init_col_free(&cs[k]);
        free(cs);
        if (rc) return -1;
    }
    return 0;
}

// Token counts of every file's examples (per file too) -> max_tokens.
static int count_tokens(const sc_init_file *f, size_t n, const reading *r, sc_init_guess *g, sc_err *err) {
    tok_ctx t = {.g = g, .skip_first = g->header};
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        walk_out w;
        size_t before = t.nn;
        t.file = f[i].name;
        rc = walk(&f[i], r, sc_init_tok_visit, &t, &w, err);
        g->file_examples[i] = (long)(t.nn - before);
    }
    sc_init_tok_finish(&t);
    return rc;
}

// Column statistics over every file (headers left out), then label, text and
// classes (decide), then the token counts.
static int detect_columns(const sc_init_file *f, size_t n, const reading *r, sc_init_guess *g, sc_err *err) {
    colstat *cs = calloc(g->ncols + 1, sizeof *cs);
    if (!cs) return sc_init_oom(err);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        stats_ctx s = {.cs = cs, .skip_first = g->header, .file = i};
        walk_out w;
        rc = walk(&f[i], r, sc_init_stats_visit, &s, &w, err);
        g->records += w.records - g->header;
    }
    if (!rc) rc = sc_init_decide(g, cs, f, n, err);
    for (size_t k = 0; k < g->ncols; k++) sc_init_col_free(&cs[k]);
    free(cs);
    return rc ? rc : count_tokens(f, n, r, g, err);
}

static int detect_table(const sc_init_file *f, size_t n, const sniff *sn, sc_init_guess *g, sc_err *err) {
    if (sn[0].kind == SNIFF_PLAIN)
        return sc_errf(err, "%s: not a table (as tsv: %s; as csv: %s) and not JSON lines (the first line does not "
                       "start with '{'); a file of plain lines has no label column: give --from once per class "
                       "(one file of lines per class)", f[0].name, sn[0].why[0], sn[0].why[1]);
    reading r = {.g = g};
    if (common_reading(f, sn, n, &r.cfg, g->quote_why, sizeof g->quote_why, err)) return -1;
    g->format = CFG[r.cfg].sep == '\t' ? SC_FMT_TSV : SC_FMT_CSV;
    g->quote = CFG[r.cfg].quote;
    g->multiline = CFG[r.cfg].multiline;
    g->ncols = sn[0].width;
    long *first_end = calloc(n, sizeof *first_end);
    if (!first_end) return sc_init_oom(err);
    int rc = headers(f, n, &r, g, first_end, err);
    if (!rc) rc = detect_columns(f, n, &r, g, err);
    if (!rc && g->skip_why[0]) g->skip_lines = first_end[0];
    for (size_t i = 1; i < n && !rc && g->skip_lines; i++)  // skip_lines is task-wide too
        if (first_end[i] != first_end[0])
            rc = sc_errf(err, "%s: its header spans %ld lines, but the header of %s %ld, and it has to be skipped "
                         "(%s): read.skip_lines is one for the task", f[i].name, first_end[i], f[0].name,
                         first_end[0], g->skip_why);
    free(first_end);
    return rc;
}

// File i's first object has the keys of the first file's (in any order: fields are found by name).
static int same_keys(const sc_init_file *f, size_t i, const sc_init_guess *g, sc_err *err) {
    sc_init_guess mine = {0};
    walk_out w;
    int rc = walk_jsonl(&f[i], &mine, NULL, NULL, &w, err);
    for (int pass = 0; pass < 2 && !rc; pass++) {
        const sc_init_guess *a = pass ? &mine : g, *b = pass ? g : &mine;  // every key of a must be in b
        for (size_t k = 0; k < a->ncols && !rc; k++) {
            size_t j = 0;
            while (j < b->ncols && strcmp(a->cols[k], b->cols[j])) j++;
            if (j < b->ncols) continue;
            rc = sc_errf(err, "%s: its first object %s key '%s', %s the first object of %s: the files must have "
                         "the same keys", f[i].name, pass ? "has a" : "has no", a->cols[k],
                         pass ? "which is not in" : "which is in", f[0].name);
        }
    }
    for (size_t k = 0; k < mine.ncols; k++) free(mine.cols[k]);
    free(mine.cols);
    return rc;
}

static int detect_jsonl(const sc_init_file *f, size_t n, sc_init_guess *g, sc_err *err) {
    if (g->encoding != SC_ENC_UTF8)
        return sc_errf(err, "%s line %ld: not valid UTF-8, but JSON lines must be UTF-8 (RFC 8259): recode the file "
                       "(iconv -f latin1 -t utf-8)", f[g->bad_utf8_file].name, g->bad_utf8_line);
    walk_out w;
    g->format = SC_FMT_JSONL;
    if (walk_jsonl(&f[0], g, NULL, NULL, &w, err)) return -1;  // the keys, and every line an object
    for (size_t i = 1; i < n; i++)
        if (same_keys(f, i, g, err)) return -1;
    reading r = {.cfg = -1, .g = g};
    return detect_columns(f, n, &r, g, err);
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
            if (!(out[i] = strndup(f[i].name + a, ok ? len - a - b : 0))) return sc_init_oom(err);
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
        return sc_init_oom(err);
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
            if (lead < len) rc = sc_init_tok_add(&t, p, len, g->encoding == SC_ENC_LATIN1, line, err);
            p = nl ? nl + 1 : end;
        }
        if (!rc && (long)t.nn == before) rc = sc_errf(err, "%s: no non-blank line: a class file needs examples", f[i].name);
        g->counts[i] = t.nn - (size_t)before;  // per file here; reordered with the classes below
        g->file_examples[i] = (long)g->counts[i];
    }
    g->records = (long)t.nn;
    // Classes sorted by name (insertion sort); class_file and counts follow.
    size_t *per_file = g->counts;
    if (!rc && !(g->counts = calloc(n + 1, sizeof *g->counts))) rc = sc_init_oom(err);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t j = g->n_classes;
        while (j > 0 && sc_init_cmp_class(&g->classes[j - 1], &names[i]) > 0) {
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
    sc_init_tok_finish(&t);
    return rc;
}

// Per-file columns may not share a name with a column of the data (the
// readers refuse that): a header name, or a key of any JSON object.
typedef struct taken_ctx {
    const sc_init_file *f;
    const sc_init_guess *g;
} taken_ctx;

static int taken(void *ctx, const char *name) {
    const taken_ctx *t = ctx;
    const sc_init_guess *g = t->g;
    for (size_t k = 0; g->cols && k < g->ncols; k++)
        if (!strcmp(g->cols[k], name)) return 1;
    if (g->format != SC_FMT_JSONL) return 0;
    sc_json_obj o = {0};
    int found = 0;
    for (size_t i = 0; i < g->n_files && !found; i++)
        for (const char *p = t->f[i].data, *end = p + t->f[i].len; p < end && !found;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
            sc_err err;
            if (!sc_json_parse_object(&o, p, (size_t)(e - p), &err)) found = sc_json_get(&o, name) != NULL;
            p = nl ? nl + 1 : end;
        }
    sc_json_free(&o);
    return found;
}

int sc_init_detect(const sc_init_file *files, size_t n, sc_init_guess *g, sc_err *err) {
    memset(g, 0, sizeof *g);
    g->label = g->text = -1;
    g->quote = '"';
    if (!n) return sc_errf(err, "no data file given");
    if (sc_init_scan(files, n, g, err)) return -1;
    sniff *sn = calloc(n, sizeof *sn);
    if (!sn) return sc_init_oom(err);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) rc = sniff_file(&files[i], &sn[i], err);
    if (!rc && n > 1) rc = files_agree(files, sn, n, err);
    if (!rc) {
        if (n > 1 && sn[0].kind == SNIFF_PLAIN) rc = detect_lines(files, n, g, err);
        else if (sn[0].kind == SNIFF_JSONL) rc = detect_jsonl(files, n, g, err);
        else rc = detect_table(files, n, sn, g, err);
    }
    free(sn);
    taken_ctx tc = {files, g};
    if (!rc && n > 1 && g->format != SC_FMT_LINES) rc = sc_init_name_sources(g, taken, &tc, err);
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
    free_strs(g->file_source, g->n_files);
    free(g->source_col);
    free(g->file_lines);
    free(g->file_crlf);
    free(g->file_examples);
    free(g->file_enc);
    free(g->file_enc_line);
    free(g->counts);
    free(g->class_file);
    memset(g, 0, sizeof *g);
}
