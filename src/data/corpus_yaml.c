// A corpus file -> sc_corpus_spec: structural validation, one section per
// function. Every message names the file, the line and the dotted field.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/cache.h"
#include "data/corpus_parse.h"
#include "data/task_parse.h"

static int is_hex64(const char *s) {
    if (strlen(s) != 64) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
    return 1;
}

// A package pin: NAME<sep>VERSION with characters that are safe in a folder name and
// in argv (Debian and PyPI names and versions use only these).
static int valid_pin(const char *s, const char *sep) {
    const char *eq = strstr(s, sep);
    if (!eq || eq == s || !eq[strlen(sep)]) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr(".+-_:~=", *p)))
            return 0;
    return s[0] != '-' && s[0] != '.';
}

static int parse_files(const sc_corpus_spec *s, sc_corpus_src *c, const sc_ynode *m, const char *path, sc_err *err) {
    const char *f = s->path;
    char fp[96];
    snprintf(fp, sizeof fp, "%s.files", path);
    const sc_ynode *files = sc_ymap_get(m, "files");
    if (!files) return sc_errf(err, "%s line %d: missing required field '%s'", f, m->line, fp);
    if (sc_yexpect(files, SC_Y_SEQ, f, fp, err)) return -1;
    if (!files->n) return sc_errf(err, "%s line %d: field '%s': empty", f, files->line, fp);
    c->files = calloc(files->n, sizeof *c->files);
    if (!c->files) return sc_errf(err, "out of memory");
    c->n_files = files->n;
    static const char *const keys[] = {"name", "member", "sha256", NULL};
    int need_member = c->kind != SC_CSRC_LOCAL;
    for (size_t i = 0; i < files->n; i++) {
        const sc_ynode *e = files->items[i];
        sc_task_file *tf = &c->files[i];
        char ep[128];
        snprintf(ep, sizeof ep, "%s[%zu]", fp, i);
        tf->line = e->line;
        if (sc_yexpect(e, SC_Y_MAP, f, ep, err) || sc_ycheck_keys(e, keys, f, ep, err) ||
            sc_yget_str(e, "name", 1, f, ep, &tf->name, err) ||
            sc_yget_str(e, "member", need_member, f, ep, &tf->member, err) ||
            sc_yget_str(e, "sha256", 1, f, ep, &tf->sha256, err))
            return -1;
        if (!need_member && tf->member)
            return sc_errf(err, "%s line %d: field '%s.member': a local source has no archive members", f, e->line, ep);
        if (!is_hex64(tf->sha256))
            return sc_errf(err, "%s line %d: field '%s.sha256': expected 64 lowercase hex digits, found '%s'", f,
                           sc_ymap_get(e, "sha256")->line, ep, tf->sha256);
        int ctrl = 0;
        for (const char *q = tf->name; *q; q++) ctrl |= (unsigned char)*q < 0x20 || *q == 0x7f;
        if (!tf->name[0] || strchr(tf->name, '/') || tf->name[0] == '.' || ctrl || !strcmp(tf->name, SC_CACHE_STAMPS))
            return sc_errf(err, "%s line %d: field '%s.name': '%s' must be a plain file name", f, e->line, ep, tf->name);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->files[j].name, tf->name))
                return sc_errf(err, "%s line %d: field '%s.name': '%s' is listed twice", f, e->line, ep, tf->name);
    }
    return 0;
}

static int declared(const sc_corpus_spec *s, const sc_corpus_src *c, const char *name, int line, const char *field,
                    sc_err *err) {
    for (size_t i = 0; i < c->n_files; i++)
        if (!strcmp(c->files[i].name, name)) return 0;
    return sc_errf(err, "%s line %d: field '%s': file '%s' is not listed in this source's files", s->path, line, field,
                   name);
}

// read.quote / read.multiline / read.header / read.skip_lines / read.text_column: csv and tsv only.
static int parse_table_opts(const sc_corpus_spec *s, sc_corpus_src *c, const sc_ynode *m, const char *rp,
                            sc_err *err) {
    const char *f = s->path, *q = NULL;
    int table = c->format == SC_CFMT_CSV || c->format == SC_CFMT_TSV;
    static const char *const only[] = {"quote", "multiline", "header", "skip_lines", "text_column", NULL};
    for (int i = 0; only[i]; i++)
        if (!table && sc_ymap_get(m, only[i]))
            return sc_errf(err, "%s line %d: field '%s.%s': only the csv and tsv formats take it", f,
                           sc_ymap_get(m, only[i])->line, rp, only[i]);
    c->quote = '"';
    c->header = 1;
    if (sc_yget_str(m, "quote", 0, f, rp, &q, err) || sc_yget_bool(m, "multiline", f, rp, &c->multiline, err) ||
        sc_yget_bool(m, "header", f, rp, &c->header, err) ||
        sc_yget_long(m, "skip_lines", 0, 0, 1000000, f, rp, &c->skip_lines, err) ||
        sc_yget_str(m, "text_column", table, f, rp, &c->text_col, err))
        return -1;
    if (q && !strcmp(q, "none")) c->quote = 0;
    else if (q && strcmp(q, "\""))
        return sc_errf(err, "%s line %d: field '%s.quote': expected none or '\"', found '%s'", f,
                       sc_ymap_get(m, "quote")->line, rp, q);
    if (!c->quote && c->multiline)
        return sc_errf(err, "%s line %d: field '%s.multiline': without quoting no field spans lines", f,
                       sc_ymap_get(m, "multiline")->line, rp);
    return 0;
}

static int parse_read(const sc_corpus_spec *s, sc_corpus_src *c, const sc_ynode *m, const char *path, sc_err *err) {
    const char *f = s->path;
    char rp[96], fp[112];
    snprintf(rp, sizeof rp, "%s.read", path);
    if (!m) return sc_errf(err, "%s line %d: missing required field '%s'", f, c->line, rp);
    static const char *const keys[] = {"format", "encoding", "files", "text_column", "header", "skip_lines", "quote",
                                       "multiline", "dict", "index", NULL};
    static const char *const fmts[] = {"lines", "csv", "tsv", "gcide", "wordnet-glosses", NULL};
    static const char *const encs[] = {"utf-8", "latin-1", NULL};
    if (sc_yexpect(m, SC_Y_MAP, f, rp, err) || sc_ycheck_keys(m, keys, f, rp, err)) return -1;
    int v = 0;
    if (sc_task_choice(m, "format", 1, fmts, f, rp, &v, err)) return -1;
    c->format = (sc_cfmt)v;
    v = 0;
    if (sc_task_choice(m, "encoding", 0, encs, f, rp, &v, err)) return -1;
    c->encoding = (sc_encoding)v;
    c->read_line = m->line;
    int dictd = c->format == SC_CFMT_GCIDE;
    if (parse_table_opts(s, c, m, rp, err) || sc_yget_str(m, "dict", dictd, f, rp, &c->dict, err) ||
        sc_yget_str(m, "index", dictd, f, rp, &c->index, err) ||
        sc_task_str_list(m, "files", f, rp, &c->read_files, &c->n_read, err))
        return -1;
    const char *extra = !dictd && c->dict ? "dict" : !dictd && c->index ? "index" : dictd && c->n_read ? "files" : NULL;
    if (extra)
        return sc_errf(err, "%s line %d: field '%s.%s': not a field of format %s", f, sc_ymap_get(m, extra)->line, rp,
                       extra, fmts[c->format]);
    if (dictd)
        return declared(s, c, c->dict, sc_ymap_get(m, "dict")->line, "read.dict", err) ||
                       declared(s, c, c->index, sc_ymap_get(m, "index")->line, "read.index", err) ? -1 : 0;
    snprintf(fp, sizeof fp, "%s.files", rp);
    for (size_t i = 0; i < c->n_read; i++)
        if (declared(s, c, c->read_files[i], sc_ymap_get(m, "files")->line, fp, err)) return -1;
    if (!c->n_read) {  // default: every file of the source, in order
        free(c->read_files);
        if (!(c->read_files = calloc(c->n_files + 1, sizeof *c->read_files))) return sc_errf(err, "out of memory");
        for (size_t i = 0; i < c->n_files; i++) c->read_files[i] = c->files[i].name;
        c->n_read = c->n_files;
    }
    return 0;
}

static int parse_task_src(const sc_corpus_spec *s, sc_corpus_src *c, const sc_ynode *m, const char *path, sc_err *err) {
    const char *f = s->path;
    char sp[96];
    snprintf(sp, sizeof sp, "%s.splits", path);
    const sc_ynode *l = sc_ymap_get(m, "splits");
    if (!l) return sc_errf(err, "%s line %d: missing required field '%s'", f, m->line, sp);
    if (sc_yexpect(l, SC_Y_SEQ, f, sp, err)) return -1;
    if (!l->n) return sc_errf(err, "%s line %d: field '%s': empty", f, l->line, sp);
    for (size_t i = 0; i < l->n; i++) {
        if (sc_yexpect(l->items[i], SC_Y_SCALAR, f, sp, err)) return -1;
        int k = sc_split_from_name(l->items[i]->str);
        if (k < 0)
            return sc_errf(err, "%s line %d: field '%s': unknown split '%s' (teacher-train | teacher-valid | "
                           "student-pool | student-valid)", f, l->items[i]->line, sp, l->items[i]->str);
        if (k == SC_SPLIT_TEST)
            return sc_errf(err, "%s line %d: field '%s': the test split is held out: its texts never enter a "
                           "pretraining corpus", f, l->items[i]->line, sp);
        c->splits[k] = 1;
    }
    static const char *const no[] = {"files", "read", "env", NULL};
    for (int i = 0; no[i]; i++)
        if (sc_ymap_get(m, no[i]))
            return sc_errf(err, "%s line %d: field '%s.%s': a task source is read by its task.yaml", f,
                           sc_ymap_get(m, no[i])->line, path, no[i]);
    return 0;
}

static int parse_source(const sc_corpus_spec *s, sc_corpus_src *c, const sc_ynode *m, const char *path, sc_err *err) {
    const char *f = s->path;
    static const char *const keys[] = {"task", "wheel", "debian", "local", "name", "env", "splits", "files", "read",
                                       NULL};
    static const char *const kinds[] = {"task", "wheel", "debian", "local"};
    if (sc_yexpect(m, SC_Y_MAP, f, path, err) || sc_ycheck_keys(m, keys, f, path, err)) return -1;
    c->line = m->line;
    int found = -1;
    for (int k = 0; k < 4; k++) {
        if (!sc_ymap_get(m, kinds[k])) continue;
        if (found >= 0)
            return sc_errf(err, "%s line %d: field '%s': both '%s' and '%s': a source is one of task | wheel | debian "
                           "| local", f, m->line, path, kinds[found], kinds[k]);
        found = k;
    }
    if (found < 0)
        return sc_errf(err, "%s line %d: field '%s': missing the source: one of task | wheel | debian | local", f,
                       m->line, path);
    c->kind = (sc_csrc_kind)found;
    const char *label = NULL;
    if (sc_yget_str(m, kinds[found], 1, f, path, &c->ref, err) || sc_yget_str(m, "name", 0, f, path, &label, err) ||
        sc_yget_str(m, "env", 0, f, path, &c->env, err))
        return -1;
    int ref_line = sc_ymap_get(m, kinds[found])->line;
    if ((c->kind == SC_CSRC_WHEEL && !valid_pin(c->ref, "==")) || (c->kind == SC_CSRC_DEBIAN && !valid_pin(c->ref, "=")))
        return sc_errf(err, "%s line %d: field '%s.%s': pin the version as %s, found '%s'", f, ref_line, path,
                       kinds[found], c->kind == SC_CSRC_WHEEL ? "NAME==VERSION" : "PACKAGE=VERSION", c->ref);
    if (!c->ref[0]) return sc_errf(err, "%s line %d: field '%s.%s': empty", f, ref_line, path, kinds[found]);
    if (c->env && c->kind != SC_CSRC_LOCAL)
        return sc_errf(err, "%s line %d: field '%s.env': only a local source is read from a folder", f,
                       sc_ymap_get(m, "env")->line, path);
    if (label) snprintf(c->label, sizeof c->label, "%s", label);
    else snprintf(c->label, sizeof c->label, "%s %s", kinds[found], c->ref);
    if (c->kind == SC_CSRC_TASK) return parse_task_src(s, c, m, path, err);
    if (sc_ymap_get(m, "splits"))
        return sc_errf(err, "%s line %d: field '%s.splits': only a task source has splits", f,
                       sc_ymap_get(m, "splits")->line, path);
    return parse_files(s, c, m, path, err) || parse_read(s, c, sc_ymap_get(m, "read"), path, err) ? -1 : 0;
}

// The same package in two sources: one cache folder, so a file name means one file.
static int check_shared(const sc_corpus_spec *s, sc_err *err) {
    for (size_t a = 0; a < s->n_src; a++)
        for (size_t b = 0; b < a; b++) {
            const sc_corpus_src *x = &s->src[a], *y = &s->src[b];
            if (x->kind != y->kind || x->kind == SC_CSRC_TASK || x->kind == SC_CSRC_LOCAL || strcmp(x->ref, y->ref))
                continue;
            for (size_t i = 0; i < x->n_files; i++)
                for (size_t j = 0; j < y->n_files; j++)
                    if (!strcmp(x->files[i].name, y->files[j].name) &&
                        (strcmp(x->files[i].sha256, y->files[j].sha256) || strcmp(x->files[i].member, y->files[j].member)))
                        return sc_errf(err, "%s line %d: field 'sources[%zu].files': '%s' differs from the file of "
                                       "that name in sources[%zu] (same package, one cache folder)", s->path,
                                       x->files[i].line, a, x->files[i].name, b);
        }
    return 0;
}

static int parse_filters(sc_corpus_spec *s, const sc_ynode *m, sc_err *err) {
    const char *f = s->path;
    s->min_tokens = 1;
    s->dedupe = 1;
    if (!m) return 0;
    static const char *const keys[] = {"min_tokens", "dedupe", "exclude_test_of", "max_texts", NULL};
    if (sc_yexpect(m, SC_Y_MAP, f, "filters", err) || sc_ycheck_keys(m, keys, f, "filters", err) ||
        sc_yget_long(m, "min_tokens", 0, 1, 100000, f, "filters", &s->min_tokens, err) ||
        sc_yget_bool(m, "dedupe", f, "filters", &s->dedupe, err) ||
        sc_yget_long(m, "max_texts", 0, 1, 1000000000L, f, "filters", &s->max_texts, err) ||
        sc_task_str_list(m, "exclude_test_of", f, "filters", &s->exclude, &s->n_exclude, err))
        return -1;
    for (size_t i = 0; i < s->n_exclude; i++)
        if (!s->exclude[i][0])
            return sc_errf(err, "%s line %d: field 'filters.exclude_test_of': an empty task name", f,
                           sc_ymap_get(m, "exclude_test_of")->line);
    return 0;
}

// name must equal the file's base name without .yaml (as a task's name equals its folder).
static int parse_top(sc_corpus_spec *s, sc_err *err) {
    const sc_ynode *y = s->yaml;
    const char *f = s->path;
    static const char *const keys[] = {"name", "description", "sources", "filters", NULL};
    if (sc_yexpect(y, SC_Y_MAP, f, "(top level)", err) || sc_ycheck_keys(y, keys, f, "", err) ||
        sc_yget_str(y, "name", 1, f, "", &s->name, err) || sc_yget_str(y, "description", 0, f, "", &s->description, err))
        return -1;
    const char *base = strrchr(f, '/') ? strrchr(f, '/') + 1 : f;
    size_t bl = strlen(base);
    if (bl > 5 && !strcmp(base + bl - 5, ".yaml") && (strlen(s->name) != bl - 5 || strncmp(base, s->name, bl - 5)))
        return sc_errf(err, "%s line %d: field 'name': '%s' differs from the file name '%.*s'", f,
                       sc_ymap_get(y, "name")->line, s->name, (int)(bl - 5), base);
    if (!s->name[0] || strchr(s->name, '/'))
        return sc_errf(err, "%s line %d: field 'name': '%s' is not a plain name", f, sc_ymap_get(y, "name")->line,
                       s->name);
    const sc_ynode *l = sc_ymap_get(y, "sources");
    if (!l) return sc_errf(err, "%s line %d: missing required field 'sources'", f, y->line);
    if (sc_yexpect(l, SC_Y_SEQ, f, "sources", err)) return -1;
    if (!l->n) return sc_errf(err, "%s line %d: field 'sources': empty", f, l->line);
    if (!(s->src = calloc(l->n, sizeof *s->src))) return sc_errf(err, "out of memory");
    s->n_src = l->n;
    for (size_t i = 0; i < l->n; i++) {
        char path[32];
        snprintf(path, sizeof path, "sources[%zu]", i);
        if (parse_source(s, &s->src[i], l->items[i], path, err)) return -1;
    }
    return check_shared(s, err) || parse_filters(s, sc_ymap_get(y, "filters"), err) ? -1 : 0;
}

int sc_corpus_spec_parse(const char *path, const char *text, size_t len, sc_corpus_spec **out, sc_err *err) {
    *out = NULL;
    sc_corpus_spec *s = calloc(1, sizeof *s);
    if (!s) return sc_errf(err, "out of memory");
    s->path = strdup(path);
    s->dir = strdup(path);
    s->root = strdup(sc_task_root());
    if (!s->path || !s->dir || !s->root) {
        sc_corpus_spec_free(s);
        return sc_errf(err, "out of memory");
    }
    char *slash = strrchr(s->dir, '/');
    if (slash) *(slash == s->dir ? slash + 1 : slash) = '\0';
    else strcpy(s->dir, ".");
    if (sc_yaml_load_string(text, len, path, &s->yaml, err) || parse_top(s, err)) {
        sc_corpus_spec_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void sc_corpus_spec_free(sc_corpus_spec *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n_src; i++) {
        free(s->src[i].files);
        free(s->src[i].read_files);
    }
    free(s->src);
    free(s->exclude);
    sc_ynode_free(s->yaml);
    free(s->path);
    free(s->dir);
    free(s->root);
    free(s);
}

int sc_corpus_task_open(const sc_corpus_spec *s, const char *ref, sc_task **out, sc_err *err) {
    if (!strchr(ref, '/') || ref[0] == '/') return sc_task_open(ref, out, err);
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", s->dir, ref);
    return sc_task_open(p, out, err);
}

int sc_corpus_validate(const char *path, const char *text, size_t len, sc_err *err) {
    sc_corpus_spec *s;
    if (sc_corpus_spec_parse(path, text, len, &s, err)) return -1;
    sc_corpus_spec_free(s);
    return 0;
}
