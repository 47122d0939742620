#include "core/yaml_tree.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static const char *kind_name(sc_ykind k) {
    return k == SC_Y_SCALAR ? "a scalar" : k == SC_Y_SEQ ? "a list" : "a mapping";
}

void sc_ynode_free(sc_ynode *n) {
    if (!n) return;
    free(n->str);
    for (size_t i = 0; i < n->n; i++) {
        sc_ynode_free(n->items[i]);
        if (n->keys) free(n->keys[i]);
    }
    free(n->items);
    free(n->keys);
    free(n->key_lines);
    free(n);
}

static sc_ynode *new_node(sc_ykind k, int line) {
    sc_ynode *n = calloc(1, sizeof *n);
    if (n) { n->kind = k; n->line = line; }
    return n;
}

typedef struct {
    yaml_parser_t p;
    const char *name;
    sc_err *err;
} ctx;

static int next(ctx *c, yaml_event_t *ev) {
    if (!yaml_parser_parse(&c->p, ev)) {
        if (c->p.context)
            return sc_errf(c->err, "%s line %zu: malformed YAML: %s (%s started on line %zu)", c->name,
                           c->p.problem_mark.line + 1, c->p.problem ? c->p.problem : "parse error", c->p.context,
                           c->p.context_mark.line + 1);
        return sc_errf(c->err, "%s line %zu: malformed YAML: %s", c->name, c->p.problem_mark.line + 1,
                       c->p.problem ? c->p.problem : "parse error");
    }
    return 0;
}

static int append(sc_ynode *n, sc_ynode *child, char *key, int key_line) {
    sc_ynode **items = realloc(n->items, (n->n + 1) * sizeof *items);
    if (!items) return -1;
    n->items = items;
    if (n->kind == SC_Y_MAP) {
        char **keys = realloc(n->keys, (n->n + 1) * sizeof *keys);
        if (!keys) return -1;
        n->keys = keys;
        int *kl = realloc(n->key_lines, (n->n + 1) * sizeof *kl);
        if (!kl) return -1;
        n->key_lines = kl;
        keys[n->n] = key;
        kl[n->n] = key_line;
    }
    items[n->n++] = child;
    return 0;
}

// Builds the node that starts with event ev (already consumed); recursive descent.
static int build(ctx *c, yaml_event_t *ev, sc_ynode **out, int depth) {
    int line = (int)ev->start_mark.line + 1;
    *out = NULL;
    if (depth > 64) return sc_errf(c->err, "%s line %d: YAML nested too deeply", c->name, line);
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        return sc_errf(c->err, "%s line %d: YAML aliases are not supported in task files", c->name, line);
    case YAML_SCALAR_EVENT: {
        sc_ynode *n = new_node(SC_Y_SCALAR, line);
        if (!n || !(n->str = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length))) {
            sc_ynode_free(n);
            return sc_errf(c->err, "out of memory");
        }
        *out = n;
        return 0;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int is_map = ev->type == YAML_MAPPING_START_EVENT;
        sc_ynode *n = new_node(is_map ? SC_Y_MAP : SC_Y_SEQ, line);
        if (!n) return sc_errf(c->err, "out of memory");
        for (;;) {
            yaml_event_t e;
            if (next(c, &e)) goto fail;
            if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            char *key = NULL;
            int key_line = (int)e.start_mark.line + 1;
            if (is_map) {
                if (e.type != YAML_SCALAR_EVENT) {
                    yaml_event_delete(&e);
                    sc_errf(c->err, "%s line %d: mapping keys must be plain scalars", c->name, key_line);
                    goto fail;
                }
                key = strndup((const char *)e.data.scalar.value, e.data.scalar.length);
                yaml_event_delete(&e);
                if (!key) { sc_errf(c->err, "out of memory"); goto fail; }
                if (sc_ymap_get(n, key)) {
                    sc_errf(c->err, "%s line %d: duplicate key '%s'", c->name, key_line, key);
                    free(key);
                    goto fail;
                }
                if (next(c, &e)) { free(key); goto fail; }
            }
            sc_ynode *child;
            int rc = build(c, &e, &child, depth + 1);
            yaml_event_delete(&e);
            if (rc) { free(key); goto fail; }
            if (append(n, child, key, key_line)) {
                free(key);
                sc_ynode_free(child);
                sc_errf(c->err, "out of memory");
                goto fail;
            }
        }
        *out = n;
        return 0;
    fail:
        sc_ynode_free(n);
        return -1;
    }
    default:
        return sc_errf(c->err, "%s line %d: unexpected YAML event", c->name, line);
    }
}

int sc_yaml_load_string(const char *text, size_t len, const char *name, sc_ynode **root, sc_err *err) {
    ctx c = {.name = name, .err = err};
    *root = NULL;
    if (!yaml_parser_initialize(&c.p)) return sc_errf(err, "cannot initialize libyaml");
    yaml_parser_set_input_string(&c.p, (const unsigned char *)text, len);
    sc_ynode *doc = NULL;
    int rc = -1;
    yaml_event_t ev;
    // stream-start, then either stream-end (empty) or document-start ... document-end.
    for (;;) {
        if (next(&c, &ev)) goto done;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) { yaml_event_delete(&ev); break; }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_END_EVENT) { yaml_event_delete(&ev); continue; }
        if (t == YAML_DOCUMENT_START_EVENT) {
            if (doc) {
                yaml_event_delete(&ev);
                sc_errf(err, "%s line %zu: only one YAML document is allowed", name, ev.start_mark.line + 1);
                goto done;
            }
            yaml_event_delete(&ev);
            if (next(&c, &ev)) goto done;
            int brc = build(&c, &ev, &doc, 0);
            yaml_event_delete(&ev);
            if (brc) goto done;
            continue;
        }
        yaml_event_delete(&ev);
    }
    if (!doc) doc = new_node(SC_Y_MAP, 1);
    if (!doc) { sc_errf(err, "out of memory"); goto done; }
    // An empty scalar document (e.g. a comment-only file) counts as empty.
    if (doc->kind == SC_Y_SCALAR && doc->str[0] == '\0') {
        sc_ynode_free(doc);
        doc = new_node(SC_Y_MAP, 1);
    }
    *root = doc;
    doc = NULL;
    rc = 0;
done:
    sc_ynode_free(doc);
    yaml_parser_delete(&c.p);
    return rc;
}

int sc_yaml_load_file(const char *path, sc_ynode **root, sc_err *err) {
    *root = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return sc_errf(err, "%s: cannot open: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            char *b = realloc(buf, cap * 2 + 8192);
            if (!b) { free(buf); fclose(f); return sc_errf(err, "out of memory"); }
            buf = b;
            cap = cap * 2 + 8192;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) { free(buf); return sc_errf(err, "%s: read error", path); }
    int rc = sc_yaml_load_string(buf, len, path, root, err);
    free(buf);
    return rc;
}

const sc_ynode *sc_ymap_get(const sc_ynode *m, const char *key) {
    if (!m || m->kind != SC_Y_MAP) return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->keys[i], key)) return m->items[i];
    return NULL;
}

int sc_ycheck_keys(const sc_ynode *m, const char *const *allowed, const char *file, const char *path,
                   sc_err *err) {
    for (size_t i = 0; i < m->n; i++) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++) ok |= !strcmp(*a, m->keys[i]);
        if (!ok) {
            char list[512] = "";
            for (const char *const *a = allowed; *a; a++) {
                if (a != allowed) strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, *a, sizeof list - strlen(list) - 1);
            }
            return sc_errf(err, "%s line %d: unknown key '%s%s%s' (allowed here: %s)", file, m->key_lines[i],
                           path, *path ? "." : "", m->keys[i], list);
        }
    }
    return 0;
}

int sc_yexpect(const sc_ynode *n, sc_ykind kind, const char *file, const char *path, sc_err *err) {
    if (n->kind != kind)
        return sc_errf(err, "%s line %d: field '%s': expected %s, found %s", file, n->line, path,
                       kind_name(kind), kind_name(n->kind));
    return 0;
}

static void join(char *buf, size_t cap, const char *path, const char *key) {
    snprintf(buf, cap, "%s%s%s", path, *path ? "." : "", key);
}

// The field `key` of map m, its full dotted path written into full: *n = NULL
// when it is absent (an error if required). 0, or -1 with err.
static int get_field(const sc_ynode *m, const char *key, int required, const char *file, const char *path,
                     char *full, size_t cap, const sc_ynode **n, sc_err *err) {
    join(full, cap, path, key);
    *n = sc_ymap_get(m, key);
    if (!*n && required) return sc_errf(err, "%s line %d: missing required field '%s'", file, m->line, full);
    return 0;
}

int sc_yget_str(const sc_ynode *m, const char *key, int required, const char *file, const char *path,
                const char **out, sc_err *err) {
    char full[256];
    const sc_ynode *n;
    if (get_field(m, key, required, file, path, full, sizeof full, &n, err)) return -1;
    if (!n) return 0;
    if (sc_yexpect(n, SC_Y_SCALAR, file, full, err)) return -1;
    *out = n->str;
    return 0;
}

int sc_yscalar_double(const sc_ynode *n, const char *file, const char *path, double *out, sc_err *err) {
    if (sc_yexpect(n, SC_Y_SCALAR, file, path, err)) return -1;
    char *end;
    errno = 0;
    double v = strtod(n->str, &end);
    if (end == n->str || *end || errno || !isfinite(v))
        return sc_errf(err, "%s line %d: field '%s': expected a number, found '%s'", file, n->line, path, n->str);
    *out = v;
    return 0;
}

int sc_yget_double(const sc_ynode *m, const char *key, int required, const char *file, const char *path,
                   double *out, sc_err *err) {
    char full[256];
    const sc_ynode *n;
    if (get_field(m, key, required, file, path, full, sizeof full, &n, err)) return -1;
    return n ? sc_yscalar_double(n, file, full, out, err) : 0;
}

int sc_yget_long(const sc_ynode *m, const char *key, int required, long lo, long hi, const char *file,
                 const char *path, long *out, sc_err *err) {
    char full[256];
    const sc_ynode *n;
    if (get_field(m, key, required, file, path, full, sizeof full, &n, err)) return -1;
    if (!n) return 0;
    if (sc_yexpect(n, SC_Y_SCALAR, file, full, err)) return -1;
    char *end;
    errno = 0;
    long v = strtol(n->str, &end, 10);
    if (end == n->str || *end || errno)
        return sc_errf(err, "%s line %d: field '%s': expected an integer, found '%s'", file, n->line, full, n->str);
    if (v < lo || v > hi)
        return sc_errf(err, "%s line %d: field '%s': %ld is out of range [%ld, %ld]", file, n->line, full, v, lo, hi);
    *out = v;
    return 0;
}

int sc_yget_bool(const sc_ynode *m, const char *key, const char *file, const char *path, int *out,
                 sc_err *err) {
    char full[256];
    join(full, sizeof full, path, key);
    const sc_ynode *n = sc_ymap_get(m, key);
    if (!n) return 0;
    if (sc_yexpect(n, SC_Y_SCALAR, file, full, err)) return -1;
    if (!strcmp(n->str, "true") || !strcmp(n->str, "yes")) *out = 1;
    else if (!strcmp(n->str, "false") || !strcmp(n->str, "no")) *out = 0;
    else return sc_errf(err, "%s line %d: field '%s': expected true or false, found '%s'", file, n->line, full, n->str);
    return 0;
}
