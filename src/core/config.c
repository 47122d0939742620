#include "core/config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml_tree.h"

void sc_config_init(sc_config *c) { c->n = 0; }

const sc_config_entry *sc_config_find(const sc_config *c, const char *key) {
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->e[i].key, key)) return &c->e[i];
    return NULL;
}

const char *sc_config_str(const sc_config *c, const char *key) {
    const sc_config_entry *e = sc_config_find(c, key);
    return e ? e->value : NULL;
}

int sc_config_set(sc_config *c, const char *key, const char *value, const char *origin, sc_err *err) {
    if (!*key || strlen(key) >= SC_CONFIG_KEY_MAX)
        return sc_errf(err, "%s: config key '%s' is empty or longer than %d characters", origin, key,
                       SC_CONFIG_KEY_MAX - 1);
    if (strlen(value) >= SC_CONFIG_VAL_MAX)
        return sc_errf(err, "%s: value of '%s' is longer than %d characters", origin, key, SC_CONFIG_VAL_MAX - 1);
    sc_config_entry *e = (sc_config_entry *)sc_config_find(c, key);
    if (!e) {
        if (c->n >= SC_CONFIG_MAX) return sc_errf(err, "%s: more than %d config keys", origin, SC_CONFIG_MAX);
        e = &c->e[c->n++];
        snprintf(e->key, sizeof e->key, "%s", key);
    }
    snprintf(e->value, sizeof e->value, "%s", value);
    snprintf(e->origin, sizeof e->origin, "%s", origin);
    return 0;
}

int sc_config_apply_defaults(sc_config *c, const sc_config_spec *spec, const char *what, sc_err *err) {
    for (const sc_config_spec *s = spec; s->key; s++) {
        if (sc_config_find(c, s->key)) continue;
        if (!s->def) return sc_errf(err, "%s: required key '%s' is not set (%s)", what, s->key, s->help);
        if (sc_config_set(c, s->key, s->def, "default", err)) return -1;
    }
    return 0;
}

int sc_config_set_kv(sc_config *c, const char *kv, sc_err *err) {
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) return sc_errf(err, "--set '%s': expected key=value", kv);
    char key[SC_CONFIG_KEY_MAX];
    size_t kl = (size_t)(eq - kv);
    if (kl >= sizeof key) return sc_errf(err, "--set '%s': key too long", kv);
    memcpy(key, kv, kl);
    key[kl] = '\0';
    return sc_config_set(c, key, eq + 1, "--set", err);
}

static int load_tree(sc_config *c, const char *path, sc_ynode *root, sc_err *err);

int sc_config_load_yaml(sc_config *c, const char *path, sc_err *err) {
    sc_ynode *root = NULL;
    if (sc_yaml_load_file(path, &root, err)) return -1;
    return load_tree(c, path, root, err);
}

int sc_config_load_yaml_buf(sc_config *c, const char *name, const char *text, size_t len, sc_err *err) {
    sc_ynode *root = NULL;
    if (sc_yaml_load_string(text, len, name, &root, err)) return -1;
    return load_tree(c, name, root, err);
}

// The scalars of one mapping into c, each key prefixed (prefix "" at the top).
// A mapping inside the top level is a section: `finetune: {lr: 3e-4}` is the key
// finetune.lr; deeper nesting and lists are errors.
static int load_map(sc_config *c, const char *path, const sc_ynode *map, const char *prefix, sc_err *err) {
    for (size_t i = 0; i < map->n; i++) {
        const sc_ynode *v = map->items[i];
        char origin[160], key[2 * SC_CONFIG_KEY_MAX];
        snprintf(origin, sizeof origin, "%s line %d", path, map->key_lines[i]);
        snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", map->keys[i]);
        if (v->kind == SC_Y_MAP && !prefix[0]) {
            if (strchr(map->keys[i], '.'))
                return sc_errf(err, "%s: section '%s': a section name has no '.'", origin, map->keys[i]);
            if (load_map(c, path, v, map->keys[i], err)) return -1;
        } else if (v->kind != SC_Y_SCALAR) {
            return sc_errf(err, "%s: key '%s': expected a single value, not a list or %s", origin, key,
                           prefix[0] ? "a mapping inside a section" : "mapping");
        } else if (sc_config_set(c, key, v->str, origin, err)) {
            return -1;
        }
    }
    return 0;
}

// The mapping's scalars (and its sections' scalars) into c; frees root.
static int load_tree(sc_config *c, const char *path, sc_ynode *root, sc_err *err) {
    int rc = root->kind == SC_Y_MAP ? load_map(c, path, root, "", err)
                                    : sc_errf(err, "%s line %d: expected a mapping of key: value", path, root->line);
    sc_ynode_free(root);
    return rc;
}

int sc_config_check_known(const sc_config *c, const sc_config_spec *const *specs, int n_specs, const char *what,
                          sc_err *err) {
    sc_config_group g[16];
    if (n_specs > 16) return sc_errf(err, "%s: more than 16 key specs to check against", what);
    for (int s = 0; s < n_specs; s++) g[s] = (sc_config_group){.spec = specs[s]};
    return sc_config_check_groups(c, g, n_specs, what, err);
}

// ---- keys grouped by consumer -------------------------------------------------------

static const char *prefix_of(const sc_config_group *g) { return g->prefix ? g->prefix : ""; }

int sc_config_group_has(const sc_config_group *g, int n, const char *key) {
    for (int i = 0; i < n; i++) {
        size_t pl = strlen(prefix_of(&g[i]));
        if (strncmp(key, prefix_of(&g[i]), pl)) continue;
        for (const sc_config_spec *p = g[i].spec; p && p->key; p++)
            if (!strcmp(p->key, key + pl)) return 1;
    }
    return 0;
}

const sc_config_entry *sc_config_first_unknown(const sc_config *c, const sc_config_group *g, int n) {
    for (int i = 0; i < c->n; i++)
        if (!sc_config_group_has(g, n, c->e[i].key)) return &c->e[i];
    return NULL;
}

// Optimal string alignment distance over two rows of the table plus the one
// before them (a transposition looks two rows back). Names longer than the
// table are as far as their length: no suggestion is made for them.
int sc_edit_distance(const char *a, const char *b) {
    enum { MAXLEN = 96 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAXLEN || lb >= MAXLEN) return (int)(la > lb ? la : lb);
    int r0[MAXLEN], r1[MAXLEN], r2[MAXLEN];  // rows i-2, i-1, i
    int *pp = r0, *prev = r1, *cur = r2;
    for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int d = prev[j] + 1;                                    // delete
            if (cur[j - 1] + 1 < d) d = cur[j - 1] + 1;             // insert
            if (prev[j - 1] + cost < d) d = prev[j - 1] + cost;     // substitute
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < d)
                d = pp[j - 2] + 1;                                  // swap adjacent
            cur[j] = d;
        }
        int *t = pp;
        pp = prev, prev = cur, cur = t;
    }
    return prev[lb];
}

int sc_config_suggest(const sc_config_group *g, int n, const char *key, char *out, size_t cap) {
    size_t len = strlen(key);
    int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3, best = limit + 1;
    for (int i = 0; i < n; i++)
        for (const sc_config_spec *p = g[i].spec; p && p->key; p++) {
            char full[2 * SC_CONFIG_KEY_MAX];
            snprintf(full, sizeof full, "%s%s", prefix_of(&g[i]), p->key);
            // A key written without its prefix is the likeliest meaning of all.
            int d = prefix_of(&g[i])[0] && !strcmp(key, p->key) ? 0 : sc_edit_distance(key, full);
            if (d < best && strcmp(key, full)) {
                best = d;
                snprintf(out, cap, "%s", full);
            }
        }
    return best <= limit;
}

// Appends to buf at *o; 0 once it no longer fits (then nothing more is written).
static int append(char *buf, size_t cap, size_t *o, const char *a, const char *b) {
    int w = snprintf(buf + *o, cap - *o, "%s%s", a, b);
    if (w < 0 || (size_t)w >= cap - *o) return 0;
    *o += (size_t)w;
    return 1;
}

const char *sc_config_groups_str(const sc_config_group *g, int n, char *buf, size_t cap) {
    size_t o = 0;
    int fits = 1;
    buf[0] = '\0';
    for (int i = 0; i < n && fits; i++) {
        int empty = !g[i].spec || !g[i].spec->key;
        if (!g[i].title && empty) continue;  // nothing to say about an untitled empty spec
        const char *sep = !o ? "" : g[i].title ? "; " : ", ";
        if (g[i].title) {
            char head[160];
            if (prefix_of(&g[i])[0]) snprintf(head, sizeof head, "%s (%sK): ", g[i].title, prefix_of(&g[i]));
            else snprintf(head, sizeof head, "%s: ", g[i].title);
            fits = append(buf, cap, &o, sep, head) && (!empty || append(buf, cap, &o, "", "(none)"));
            sep = "";
        }
        for (const sc_config_spec *p = g[i].spec; p && p->key && fits; p++, sep = ", ")
            fits = append(buf, cap, &o, sep, p->key);
    }
    if (!fits && cap > 4) snprintf(buf + (o < cap - 4 ? o : cap - 4), 4, "...");
    else if (!o) snprintf(buf, cap, "none");
    return buf;
}

int sc_config_check_groups(const sc_config *c, const sc_config_group *g, int n, const char *what, sc_err *err) {
    const sc_config_entry *e = sc_config_first_unknown(c, g, n);
    if (!e) return 0;
    char near[2 * SC_CONFIG_KEY_MAX], mean[2 * SC_CONFIG_KEY_MAX + 32] = "", list[768];
    if (sc_config_suggest(g, n, e->key, near, sizeof near)) snprintf(mean, sizeof mean, "; did you mean '%s'?", near);
    return sc_errf(err, "%s: unknown key '%s' for %s%s (known keys: %s)", e->origin, e->key, what, mean,
                   sc_config_groups_str(g, n, list, sizeof list));
}

static const sc_config_entry *need(const sc_config *c, const char *key, sc_err *err) {
    const sc_config_entry *e = sc_config_find(c, key);
    if (!e) sc_errf(err, "config key '%s' is not set", key);
    return e;
}

int sc_config_long(const sc_config *c, const char *key, long lo, long hi, long *out, sc_err *err) {
    const sc_config_entry *e = need(c, key, err);
    if (!e) return -1;
    char *end;
    errno = 0;
    long v = strtol(e->value, &end, 10);
    if (!e->value[0] || *end || errno)
        return sc_errf(err, "%s: key '%s': expected an integer, got '%s'", e->origin, key, e->value);
    if (v < lo || v > hi)
        return sc_errf(err, "%s: key '%s': %ld is outside [%ld, %ld]", e->origin, key, v, lo, hi);
    *out = v;
    return 0;
}

int sc_config_long_or_auto(const sc_config *c, const char *key, long lo, long hi, long *out, sc_err *err) {
    const sc_config_entry *e = need(c, key, err);
    if (!e) return -1;
    if (!strcmp(e->value, "auto")) {
        *out = 0;
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(e->value, &end, 10);
    if (!e->value[0] || *end || errno)
        return sc_errf(err, "%s: key '%s': expected an integer or 'auto', got '%s'", e->origin, key, e->value);
    if (v < lo || v > hi)
        return sc_errf(err, "%s: key '%s': %ld is outside [%ld, %ld] (or 'auto')", e->origin, key, v, lo, hi);
    *out = v;
    return 0;
}

int sc_config_double(const sc_config *c, const char *key, double lo, double hi, double *out, sc_err *err) {
    const sc_config_entry *e = need(c, key, err);
    if (!e) return -1;
    char *end;
    errno = 0;
    double v = strtod(e->value, &end);
    if (!e->value[0] || *end || errno || !isfinite(v))
        return sc_errf(err, "%s: key '%s': expected a number, got '%s'", e->origin, key, e->value);
    if (v < lo || v > hi) return sc_errf(err, "%s: key '%s': %g is outside [%g, %g]", e->origin, key, v, lo, hi);
    *out = v;
    return 0;
}

int sc_config_bool(const sc_config *c, const char *key, int *out, sc_err *err) {
    const sc_config_entry *e = need(c, key, err);
    if (!e) return -1;
    if (!strcmp(e->value, "true") || !strcmp(e->value, "1") || !strcmp(e->value, "yes")) *out = 1;
    else if (!strcmp(e->value, "false") || !strcmp(e->value, "0") || !strcmp(e->value, "no")) *out = 0;
    else return sc_errf(err, "%s: key '%s': expected true or false, got '%s'", e->origin, key, e->value);
    return 0;
}

int sc_config_choice(const sc_config *c, const char *key, const char *const *choices, int *out, sc_err *err) {
    const sc_config_entry *e = need(c, key, err);
    if (!e) return -1;
    char list[256];
    size_t o = 0;
    for (int i = 0; choices[i]; i++) {
        if (!strcmp(choices[i], e->value)) {
            *out = i;
            return 0;
        }
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? " | " : "", choices[i]);
        if (o >= sizeof list) break;
    }
    return sc_errf(err, "%s: key '%s': expected one of %s, got '%s'", e->origin, key, list, e->value);
}
