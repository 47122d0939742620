// task.yaml -> sc_task: structural validation, one section per function. Every
// message names the file, the line and the dotted field (see yaml_tree.h).
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/cache.h"
#include "data/rawfile.h"
#include "data/task.h"
#include "data/task_parse.h"

static const char *const split_names[SC_NSPLITS + 1] = {"teacher-train", "teacher-valid", "student-pool",
                                                         "student-valid", "test", NULL};

const char *sc_split_name(int s) { return s >= 0 && s < SC_NSPLITS ? split_names[s] : "?"; }

int sc_split_from_name(const char *name) {
    for (int i = 0; i < SC_NSPLITS; i++)
        if (!strcmp(name, split_names[i])) return i;
    return -1;
}

const char *sc_modality_name(sc_modality m) {
    return m == SC_TEXT ? "text" : m == SC_IMAGE ? "image" : "tabular";
}

int sc_task_class_index(const sc_task *t, const char *name) {
    for (size_t i = 0; i < t->n_classes; i++)
        if (!strcmp(t->classes[i], name)) return (int)i;
    return -1;
}

// See task_parse.h.
int sc_task_choice(const sc_ynode *m, const char *key, int required, const char *const *options, const char *file,
                   const char *path, int *out, sc_err *err) {
    const char *s = NULL;
    if (sc_yget_str(m, key, required, file, path, &s, err)) return -1;
    if (!s) return 0;
    for (int i = 0; options[i]; i++)
        if (!strcmp(s, options[i])) { *out = i; return 0; }
    char list[256] = "";
    for (int i = 0; options[i]; i++) {
        if (i) strncat(list, " | ", sizeof list - strlen(list) - 1);
        strncat(list, options[i], sizeof list - strlen(list) - 1);
    }
    return sc_errf(err, "%s line %d: field '%s%s%s': expected %s, found '%s'", file, sc_ymap_get(m, key)->line, path,
                   *path ? "." : "", key, list, s);
}

// See task_parse.h.
int sc_task_str_list(const sc_ynode *m, const char *key, const char *file, const char *path, const char ***out,
                     size_t *n, sc_err *err) {
    char full[128];
    snprintf(full, sizeof full, "%s.%s", path, key);
    const sc_ynode *l = sc_ymap_get(m, key);
    *out = NULL;
    *n = 0;
    if (!l) return 0;
    if (sc_yexpect(l, SC_Y_SEQ, file, full, err)) return -1;
    *out = calloc(l->n + 1, sizeof **out);
    if (!*out) return sc_errf(err, "out of memory");
    for (size_t i = 0; i < l->n; i++) {
        if (sc_yexpect(l->items[i], SC_Y_SCALAR, file, full, err)) return -1;
        (*out)[i] = l->items[i]->str;
    }
    *n = l->n;
    return 0;
}

static int is_hex64(const char *s) {
    if (strlen(s) != 64) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
    return 1;
}

static int parse_labels(sc_task *t, const sc_ynode *m, sc_err *err) {
    const char *f = t->yaml_path;
    static const char *const keys[] = {"kind", "classes", NULL};
    static const char *const kinds[] = {"classification", "regression", NULL};
    if (sc_yexpect(m, SC_Y_MAP, f, "labels", err) || sc_ycheck_keys(m, keys, f, "labels", err)) return -1;
    int k = 0;
    if (sc_task_choice(m, "kind", 1, kinds, f, "labels", &k, err)) return -1;
    t->label_kind = (sc_label_kind)k;
    if (sc_task_str_list(m, "classes", f, "labels", &t->classes, &t->n_classes, err)) return -1;
    if (t->label_kind == SC_CLASSIFICATION) {
        if (t->n_classes < 2)
            return sc_errf(err, "%s line %d: field 'labels.classes': a classification task needs at least 2 classes",
                           f, m->line);
        for (size_t i = 0; i < t->n_classes; i++)
            for (size_t j = 0; j < i; j++)
                if (!strcmp(t->classes[i], t->classes[j]))
                    return sc_errf(err, "%s line %d: field 'labels.classes': class '%s' is listed twice", f,
                                   sc_ymap_get(m, "classes")->line, t->classes[i]);
    } else if (t->n_classes) {
        return sc_errf(err, "%s line %d: field 'labels.classes': a regression task has no classes", f,
                       sc_ymap_get(m, "classes")->line);
    }
    return 0;
}

static int parse_source(sc_task *t, const sc_ynode *m, sc_err *err) {
    const char *f = t->yaml_path;
    static const char *const keys[] = {"kind", "path", "env", "url", "package", "debian_package", "files",
                                       "generator", "base", "seed", "size", "params", NULL};
    static const char *const kinds[] = {"local", "wheel", "synthetic", NULL};
    if (sc_yexpect(m, SC_Y_MAP, f, "source", err) || sc_ycheck_keys(m, keys, f, "source", err)) return -1;
    int k = 0;
    if (sc_task_choice(m, "kind", 1, kinds, f, "source", &k, err)) return -1;
    t->source = (sc_source_kind)k;
    if (sc_yget_str(m, "path", t->source == SC_SRC_LOCAL, f, "source", &t->src_path, err) ||
        sc_yget_str(m, "env", 0, f, "source", &t->src_env, err) ||
        sc_yget_str(m, "url", 0, f, "source", &t->src_url, err) ||
        sc_yget_str(m, "debian_package", 0, f, "source", &t->debian_package, err) ||
        sc_yget_str(m, "package", t->source == SC_SRC_WHEEL, f, "source", &t->package, err) ||
        sc_yget_str(m, "generator", t->source == SC_SRC_SYNTHETIC, f, "source", &t->generator, err) ||
        sc_yget_str(m, "base", 0, f, "source", &t->base, err))
        return -1;
    if (t->package && !strstr(t->package, "=="))
        return sc_errf(err, "%s line %d: field 'source.package': pin the version as NAME==VERSION, found '%s'", f,
                       sc_ymap_get(m, "package")->line, t->package);
    long seed = 0, size = 0;
    if (sc_yget_long(m, "seed", 0, 0, 0x7fffffffL, f, "source", &seed, err) ||
        sc_yget_long(m, "size", t->source == SC_SRC_SYNTHETIC && !t->base, 1, 10000000L, f, "source", &size, err))
        return -1;
    t->gen_seed = (uint64_t)seed;
    t->gen_size = size;
    t->gen_params = sc_ymap_get(m, "params");
    if (t->gen_params && sc_yexpect(t->gen_params, SC_Y_MAP, f, "source.params", err)) return -1;
    const sc_ynode *files = sc_ymap_get(m, "files");
    if (t->source != SC_SRC_SYNTHETIC && !files)
        return sc_errf(err, "%s line %d: missing required field 'source.files'", f, m->line);
    if (!files) return 0;
    if (sc_yexpect(files, SC_Y_SEQ, f, "source.files", err)) return -1;
    t->files = calloc(files->n + 1, sizeof *t->files);
    if (!t->files) return sc_errf(err, "out of memory");
    t->n_files = files->n;
    static const char *const fkeys[] = {"name", "member", "sha256", NULL};
    for (size_t i = 0; i < files->n; i++) {
        const sc_ynode *e = files->items[i];
        sc_task_file *tf = &t->files[i];
        tf->line = e->line;
        if (sc_yexpect(e, SC_Y_MAP, f, "source.files[]", err) || sc_ycheck_keys(e, fkeys, f, "source.files[]", err) ||
            sc_yget_str(e, "name", 1, f, "source.files[]", &tf->name, err) ||
            sc_yget_str(e, "member", t->source == SC_SRC_WHEEL, f, "source.files[]", &tf->member, err) ||
            sc_yget_str(e, "sha256", 1, f, "source.files[]", &tf->sha256, err))
            return -1;
        if (!is_hex64(tf->sha256))
            return sc_errf(err, "%s line %d: field 'source.files[].sha256': expected 64 lowercase hex digits", f,
                           e->line);
        int ctrl = 0;
        for (const char *q = tf->name; *q; q++) ctrl |= (unsigned char)*q < 0x20 || *q == 0x7f;
        if (!tf->name[0] || strchr(tf->name, '/') || !strcmp(tf->name, ".") || !strcmp(tf->name, "..") || ctrl ||
            !strcmp(tf->name, SC_CACHE_STAMPS) || !strcmp(tf->name, SC_CACHE_OWNER))
            return sc_errf(err, "%s line %d: field 'source.files[].name': '%s' must be a plain file name", f,
                           e->line, tf->name);
    }
    return 0;
}

static int parse_splits(sc_task *t, const sc_ynode *m, sc_err *err) {
    const char *f = t->yaml_path;
    static const char *const keys[] = {"seed", "partitions", NULL};
    if (sc_yexpect(m, SC_Y_MAP, f, "splits", err) || sc_ycheck_keys(m, keys, f, "splits", err)) return -1;
    long seed = 0;
    if (sc_yget_long(m, "seed", 1, 0, 0x7fffffffL, f, "splits", &seed, err)) return -1;
    t->split_seed = (uint64_t)seed;
    const sc_ynode *p = sc_ymap_get(m, "partitions");
    if (!p) return sc_errf(err, "%s line %d: missing required field 'splits.partitions'", f, m->line);
    if (sc_yexpect(p, SC_Y_MAP, f, "splits.partitions", err)) return -1;
    if (!p->n) return sc_errf(err, "%s line %d: field 'splits.partitions': empty", f, p->line);
    if (p->n > 255) return sc_errf(err, "%s line %d: field 'splits.partitions': at most 255 partitions", f, p->line);
    t->rules = calloc(p->n, sizeof *t->rules);
    if (!t->rules) return sc_errf(err, "out of memory");
    t->n_rules = p->n;
    for (size_t i = 0; i < p->n; i++) {
        const sc_ynode *r = p->items[i];
        char path[160];
        snprintf(path, sizeof path, "splits.partitions.%s", p->keys[i]);
        t->rules[i].name = p->keys[i];
        if (sc_yexpect(r, SC_Y_MAP, f, path, err) || sc_ycheck_keys(r, split_names, f, path, err)) return -1;
        double sum = 0;
        for (size_t j = 0; j < r->n; j++) {
            char fp[200];
            snprintf(fp, sizeof fp, "%s.%s", path, r->keys[j]);
            double v;
            if (sc_yscalar_double(r->items[j], f, fp, &v, err)) return -1;
            if (v < 0 || v > 1)
                return sc_errf(err, "%s line %d: field '%s': a fraction must be in [0, 1]", f, r->items[j]->line, fp);
            t->rules[i].frac[sc_split_from_name(r->keys[j])] = v;
            sum += v;
        }
        if (fabs(sum - 1.0) > 1e-6)
            return sc_errf(err, "%s line %d: field '%s': fractions sum to %g, expected 1", f, r->line, path, sum);
    }
    return 0;
}

static int parse_input(sc_task *t, const sc_ynode *m, sc_err *err) {
    const char *f = t->yaml_path;
    static const char *const keys[] = {"max_tokens", "min_freq", "max_vocab", "image", "features", "rationales", NULL};
    static const char *const rats[] = {"none", "tokens", "pixels", NULL};
    if (sc_yexpect(m, SC_Y_MAP, f, "input", err) || sc_ycheck_keys(m, keys, f, "input", err)) return -1;
    t->max_tokens = 64;
    t->min_freq = 1;
    t->max_vocab = 30000;
    if (sc_yget_long(m, "max_tokens", t->modality == SC_TEXT, 2, 100000, f, "input", &t->max_tokens, err) ||
        sc_yget_long(m, "min_freq", 0, 1, 1000000, f, "input", &t->min_freq, err) ||
        sc_yget_long(m, "max_vocab", 0, 4, 10000000, f, "input", &t->max_vocab, err))
        return -1;
    int r = 0;
    if (sc_task_choice(m, "rationales", 0, rats, f, "input", &r, err)) return -1;
    t->rationales = (sc_rationale_kind)r;
    const sc_ynode *im = sc_ymap_get(m, "image");
    if (t->modality == SC_IMAGE) {
        static const char *const ik[] = {"height", "width", "channels", NULL};
        if (!im) return sc_errf(err, "%s line %d: missing required field 'input.image'", f, m->line);
        if (sc_yexpect(im, SC_Y_MAP, f, "input.image", err) || sc_ycheck_keys(im, ik, f, "input.image", err) ||
            sc_yget_long(im, "height", 1, 1, 4096, f, "input.image", &t->height, err) ||
            sc_yget_long(im, "width", 1, 1, 4096, f, "input.image", &t->width, err) ||
            sc_yget_long(im, "channels", 1, 1, 4, f, "input.image", &t->channels, err))
            return -1;
    } else if (im) {
        return sc_errf(err, "%s line %d: field 'input.image': only image tasks have an image size", f, im->line);
    }
    if (sc_task_str_list(m, "features", f, "input", &t->features, &t->n_features, err)) return -1;
    if (t->modality == SC_TABULAR && !t->n_features)
        return sc_errf(err, "%s line %d: missing required field 'input.features' (one name per feature)", f, m->line);
    return 0;
}

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

int sc_task_load(const char *dir, const char *root, sc_task **out, sc_err *err) {
    *out = NULL;
    size_t n = strlen(dir) + 16;
    char *path = malloc(n), *text = NULL;
    size_t len = 0;
    if (!path) return sc_errf(err, "out of memory");
    snprintf(path, n, "%s/task.yaml", dir);
    int rc = sc_read_file_as(path, "raw", &text, &len, err);
    if (!rc) rc = sc_task_parse(dir, path, text, len, root, out, err);
    free(text);
    free(path);
    return rc;
}

int sc_task_parse(const char *dir, const char *yaml_name, const char *text, size_t len, const char *root,
                  sc_task **out, sc_err *err) {
    *out = NULL;
    sc_task *t = calloc(1, sizeof *t);
    if (!t) return sc_errf(err, "out of memory");
    t->yaml_path = xstrdup(yaml_name);
    t->dir = xstrdup(dir);
    t->root = xstrdup(root ? root : ".");
    if (!t->yaml_path || !t->dir || !t->root) { sc_task_free(t); return sc_errf(err, "out of memory"); }
    const char *f = t->yaml_path;
    if (sc_yaml_load_string(text, len, f, &t->yaml, err)) goto fail;
    const sc_ynode *y = t->yaml;
    static const char *const keys[] = {"name", "description", "modality", "labels", "source", "read", "splits",
                                       "input", NULL};
    static const char *const mods[] = {"text", "image", "tabular", NULL};
    if (sc_yexpect(y, SC_Y_MAP, f, "(top level)", err) || sc_ycheck_keys(y, keys, f, "", err) ||
        sc_yget_str(y, "name", 1, f, "", &t->name, err) || sc_yget_str(y, "description", 0, f, "", &t->description, err))
        goto fail;
    int mod = 0;
    if (sc_task_choice(y, "modality", 1, mods, f, "", &mod, err)) goto fail;
    t->modality = (sc_modality)mod;
    // The name is the task's cache folder (which fetch prunes): never a path.
    if (!t->name[0] || strchr(t->name, '/') || !strcmp(t->name, ".") || !strcmp(t->name, "..")) {
        sc_errf(err, "%s line %d: field 'name': '%s' must be a plain folder name", f, sc_ymap_get(y, "name")->line,
                t->name);
        goto fail;
    }
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    if (*base && strcmp(base, t->name)) {
        sc_errf(err, "%s line %d: field 'name': '%s' differs from the folder name '%s'", f,
                sc_ymap_get(y, "name")->line, t->name, base);
        goto fail;
    }
    const char *sections[] = {"labels", "source", "splits", "input"};
    for (int i = 0; i < 4; i++)
        if (!sc_ymap_get(y, sections[i])) {
            sc_errf(err, "%s line %d: missing required field '%s'", f, y->line, sections[i]);
            goto fail;
        }
    if (parse_labels(t, sc_ymap_get(y, "labels"), err) || parse_source(t, sc_ymap_get(y, "source"), err) ||
        parse_input(t, sc_ymap_get(y, "input"), err))
        goto fail;
    const sc_ynode *rd = sc_ymap_get(y, "read");
    if (t->source == SC_SRC_SYNTHETIC) {
        t->format = SC_FMT_NONE;
        if (rd) {
            sc_errf(err, "%s line %d: field 'read': synthetic tasks are generated, not read", f, rd->line);
            goto fail;
        }
    } else {
        if (!rd) {
            sc_errf(err, "%s line %d: missing required field 'read'", f, y->line);
            goto fail;
        }
        if (sc_task_parse_read(t, rd, err)) goto fail;
    }
    if (parse_splits(t, sc_ymap_get(y, "splits"), err) || sc_task_check_file_cols(t, err)) goto fail;
    // Rationale data implies the declaration; the kinds must agree.
    sc_rationale_kind implied = t->rationale_col ? SC_RAT_TOKENS : t->mask_dir ? SC_RAT_PIXELS : SC_RAT_NONE;
    if (implied != SC_RAT_NONE && t->rationales == SC_RAT_NONE) t->rationales = implied;
    if (implied != SC_RAT_NONE && t->rationales != implied) {
        sc_errf(err, "%s: field 'input.rationales': says %s, but the read section provides %s rationales", f,
                t->rationales == SC_RAT_TOKENS ? "tokens" : "pixels", implied == SC_RAT_TOKENS ? "token" : "pixel");
        goto fail;
    }
    *out = t;
    return 0;
fail:
    sc_task_free(t);
    return -1;
}

void sc_task_free(sc_task *t) {
    if (!t) return;
    sc_ynode_free(t->yaml);
    free(t->dir);
    free(t->yaml_path);
    free(t->root);
    free(t->classes);
    free(t->files);
    free(t->read_files);
    free(t->file_cols);
    free(t->class_files);
    free(t->feature_cols);
    free(t->drop_labels);
    free(t->idx);
    free(t->rules);
    free(t->features);
    free(t);
}
