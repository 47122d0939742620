// manifest_xbl.c — manifests of `kind: xbl` (manifest.h): explanation-based
// learning runs (scaffold train-xbl, smat/xbl_run.h), one per task × method
// (× lambda of a sweep) × seed, with no teacher and no dependencies. Parsing
// stops at the first syntax error; every other problem is collected, like the
// student kind's (manifest_check.c), and the runs are expanded only when
// there is none.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "exp/manifest_impl.h"
#include "smat/xbl_run.h"
#include "train/trainer.h"

#define MAX_LIST SC_MF_MAX_LIST
#define MAX_VARIANTS (SC_MF_MAX_LIST * SC_MF_MAX_LIST)  // methods × lambda values

typedef struct xbl_method {
    const char *name, *label;  // label: as written, else the name
    const sc_ynode *lambda;    // NULL, a scalar, or a list of scalars (a sweep)
    const sc_ynode *set;       // a map, or NULL
    int line;
} xbl_method;

// One label of the expansion: a method entry with one of its lambda values.
typedef struct xbl_variant {
    int method;
    const char *lambda;  // the value as written, or NULL (train-xbl's default)
    char label[80];
} xbl_variant;

typedef struct sc_mf_xbl {
    const sc_ynode *model, *set, *methods_node;
    xbl_method m[MAX_LIST];
    int n_methods;
    xbl_variant v[MAX_VARIANTS];
    int n_variants;
    const char *arch[MAX_LIST];  // per task: its `model` entry, or NULL
    int too_many;                // refused for its run count: no data is loaded
} sc_mf_xbl;

void sc_mf_xbl_free(sc_mf *f) {
    free(f->x);
    f->x = NULL;
}

// ---- syntax ----------------------------------------------------------------------------

// One entry of `methods`: a name, or {name, label, lambda, set}.
static int parse_method(sc_mf *f, const sc_ynode *it, int i, sc_err *err) {
    static const char *const keys[] = {"name", "label", "lambda", "set", NULL};
    xbl_method *e = &f->x->m[i];
    char path[48];
    snprintf(path, sizeof path, "methods[%d]", i);
    memset(e, 0, sizeof *e);
    e->line = it->line;
    if (it->kind == SC_Y_SCALAR) {
        e->name = e->label = it->str;
        return 0;
    }
    if (sc_yexpect(it, SC_Y_MAP, f->path, path, err) || sc_ycheck_keys(it, keys, f->path, path, err) ||
        sc_yget_str(it, "name", 1, f->path, path, &e->name, err) ||
        sc_yget_str(it, "label", 0, f->path, path, &e->label, err))
        return -1;
    if (!e->label) e->label = e->name;
    if ((e->set = sc_ymap_get(it, "set"))) {
        snprintf(path, sizeof path, "methods[%d].set", i);
        if (sc_yexpect(e->set, SC_Y_MAP, f->path, path, err)) return -1;
    }
    const sc_ynode *l = e->lambda = sc_ymap_get(it, "lambda");
    if (!l || l->kind == SC_Y_SCALAR) return 0;
    snprintf(path, sizeof path, "methods[%d].lambda", i);
    if (l->kind != SC_Y_SEQ)
        return sc_errf(err, "%s line %d: field '%s': expected a number or a list of numbers (a sweep)", f->path,
                       l->line, path);
    if (!l->n || l->n > MAX_LIST)
        return sc_errf(err, "%s line %d: field '%s' needs 1 to %d values", f->path, l->line, path, MAX_LIST);
    for (size_t k = 0; k < l->n; k++)
        if (l->items[k]->kind != SC_Y_SCALAR)
            return sc_errf(err, "%s line %d: field '%s[%zu]': expected a number", f->path, l->items[k]->line, path, k);
    return 0;
}

// Top-level keys: those of the student kind are named as such, any other
// unknown one is a problem too (collected, not the first only).
static void check_top_keys(sc_mf *f) {
    static const char *const known[] = {"name", "out", "kind", "tasks", "model", "methods", "seeds", "set", NULL};
    static const char *const student[] = {"n", "explainers", "teacher", "student", "init", NULL};
    const sc_ynode *r = f->root;
    for (size_t k = 0; k < r->n; k++) {
        int ok = 0, st = 0;
        for (int i = 0; known[i]; i++) ok |= !strcmp(r->keys[k], known[i]);
        for (int i = 0; student[i]; i++) st |= !strcmp(r->keys[k], student[i]);
        if (st)
            sc_mf_problem(f, "%s line %d: field '%s': not part of a `kind: xbl` manifest (it belongs to the student "
                          "kind; xbl runs have no teacher, students or sizes: use `methods`, `model` and `set`)",
                          f->path, r->key_lines[k], r->keys[k]);
        else if (!ok)
            sc_mf_problem(f, "%s line %d: unknown key '%s' (a `kind: xbl` manifest has name, out, kind, tasks, "
                          "model, methods, seeds, set)", f->path, r->key_lines[k], r->keys[k]);
    }
}

int sc_mf_xbl_parse(sc_mf *f, sc_err *err) {
    const char *path = f->path;
    if (sc_yexpect(f->root, SC_Y_MAP, path, "(top level)", err)) return -1;
    if (!(f->x = calloc(1, sizeof *f->x))) return sc_errf(err, "out of memory");
    sc_mf_xbl *x = f->x;
    check_top_keys(f);
    if (sc_mf_parse_name_tasks_seeds(f, err)) return -1;
    const sc_ynode *s = x->methods_node = sc_ymap_get(f->root, "methods");
    if (!s) return sc_errf(err, "%s: missing field 'methods' (a list)", path);
    if (sc_yexpect(s, SC_Y_SEQ, path, "methods", err)) return -1;
    if (!s->n || s->n > MAX_LIST) return sc_errf(err, "%s line %d: 'methods' needs 1 to %d entries", path, s->line, MAX_LIST);
    for (size_t i = 0; i < s->n; i++)
        if (parse_method(f, s->items[i], (int)i, err)) return -1;
    x->n_methods = (int)s->n;
    if ((x->model = sc_ymap_get(f->root, "model")) && sc_yexpect(x->model, SC_Y_MAP, path, "model", err)) return -1;
    if ((x->set = sc_ymap_get(f->root, "set")) && sc_yexpect(x->set, SC_Y_MAP, path, "set", err)) return -1;
    return 0;
}

// ---- checks ----------------------------------------------------------------------------


static int known_method(const char *name) {
    for (int i = 0; sc_xbl_methods[i]; i++)
        if (!strcmp(sc_xbl_methods[i], name)) return 1;
    return 0;
}

// A lambda value as train-xbl reads it: a number in [0, 1e6].
static int lambda_ok(const char *s) {
    char *end;
    double v = strtod(s, &end);
    return *s && !*end && isfinite(v) && v >= 0 && v <= 1e6;
}

// `method` and `lambda` belong to the method entries: in a `set` they would
// silently relabel runs.
static void check_set_keys(sc_mf *f, const sc_ynode *set, const char *field) {
    for (size_t k = 0; set && k < set->n; k++)
        if (!strcmp(set->keys[k], "method") || !strcmp(set->keys[k], "lambda"))
            sc_mf_problem(f, "%s line %d: field '%s.%s': give it as the method entry's `%s`, not in a set", f->path,
                          set->key_lines[k], field, set->keys[k], !strcmp(set->keys[k], "method") ? "name" : "lambda");
}

// One variant per (method entry, lambda value): the labels runs are filed under.
static void add_variants(sc_mf *f, int i) {
    sc_mf_xbl *x = f->x;
    const xbl_method *e = &x->m[i];
    const sc_ynode *l = e->lambda;
    int n = l && l->kind == SC_Y_SEQ ? (int)l->n : 1;
    for (int k = 0; k < n && x->n_variants < MAX_VARIANTS; k++) {
        xbl_variant *v = &x->v[x->n_variants++];
        v->method = i;
        v->lambda = !l ? NULL : l->kind == SC_Y_SEQ ? l->items[k]->str : l->str;
        int line = !l ? e->line : l->kind == SC_Y_SEQ ? l->items[k]->line : l->line;
        if (v->lambda && !lambda_ok(v->lambda))
            sc_mf_problem(f, "%s line %d: field 'methods[%d].lambda': '%s' is not a number in [0, 1e6]", f->path, line,
                          i, v->lambda);
        int len = l && l->kind == SC_Y_SEQ ? snprintf(v->label, sizeof v->label, "%s-l%s", e->label, v->lambda)
                                           : snprintf(v->label, sizeof v->label, "%s", e->label);
        if (len >= 64 || !sc_mf_safe_name(v->label))
            sc_mf_problem(f, "%s line %d: field 'methods[%d].label': '%s' must be made of [A-Za-z0-9._-], at most 63 "
                          "characters (it names a folder)", f->path, line, i, v->label);
        for (int j = 0; j < x->n_variants - 1; j++)
            if (!strcmp(x->v[j].label, v->label))
                sc_mf_problem(f, "%s line %d: field 'methods[%d]': the label '%s' is taken by methods[%d]; give it "
                              "another `label`", f->path, line, i, v->label, x->v[j].method);
    }
}

static void check_methods(sc_mf *f) {
    sc_mf_xbl *x = f->x;
    char known[128] = "", kv[MAX_LIST][512], field[48];
    for (int i = 0; sc_xbl_methods[i]; i++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "", sc_xbl_methods[i]);
    sc_mf_sets(f, x->set, "set", kv, MAX_LIST);
    check_set_keys(f, x->set, "set");
    for (int i = 0; i < x->n_methods; i++) {
        if (!known_method(x->m[i].name))
            sc_mf_problem(f, "%s line %d: field 'methods[%d].name': unknown method '%s' (train-xbl knows: %s)", f->path,
                          x->m[i].line, i, x->m[i].name, known);
        snprintf(field, sizeof field, "methods[%d].set", i);
        sc_mf_sets(f, x->m[i].set, field, kv, MAX_LIST);
        check_set_keys(f, x->m[i].set, field);
        add_variants(f, i);
    }
    long long total = (long long)f->n_tasks * x->n_variants * f->n_seeds;
    if ((x->too_many = total > SC_EXP_MAX_RUNS))
        sc_mf_problem(f, "%s: %d tasks (line %d) x %d method labels (line %d) x %d seeds (line %d) = %lld runs: more "
                      "than the %d runs a manifest may hold (SC_EXP_MAX_RUNS); split it into several manifests",
                      f->path, f->n_tasks, f->tasks_node->line, x->n_variants, x->methods_node->line, f->n_seeds,
                      f->seeds_node->line, total, SC_EXP_MAX_RUNS);
}

// `model`: keyed by an entry of `tasks` (or a task's name), each a name.
static void check_models(sc_mf *f) {
    const sc_ynode *c = f->x->model;
    for (size_t k = 0; c && k < c->n; k++) {
        int found = 0;
        for (int i = 0; i < f->n_tasks; i++)
            if (sc_mf_key_names_task(f, i, c->keys[k])) {
                found = 1;
                if (!f->x->arch[i] && c->items[k]->kind == SC_Y_SCALAR) f->x->arch[i] = c->items[k]->str;
            }
        if (!found)
            sc_mf_problem(f, "%s line %d: field 'model.%s': no such task in 'tasks'", f->path, c->key_lines[k], c->keys[k]);
        if (c->items[k]->kind != SC_Y_SCALAR)
            sc_mf_problem(f, "%s line %d: field 'model.%s': expected an architecture name (see `scaffold models`)",
                          f->path, c->items[k]->line, c->keys[k]);
    }
}

// What train-xbl needs of a task: classification, with object and decoy
// masks (text: token rationales and a token decoy mask, as decoy-synth-text).
// The decoy-images generator makes both by construction; any other task's
// data is loaded once to look.
static void check_task_fits(sc_mf *f, int i) {
    const sc_mf_task *t = &f->t[i];
    const sc_task *k = t->task;
    const char *why = NULL;
    if (k->label_kind != SC_CLASSIFICATION || (k->modality != SC_IMAGE && k->modality != SC_TEXT))
        why = "it is not an image or text classification task";
    else if (k->modality == SC_TEXT && k->rationales != SC_RAT_TOKENS)
        why = "a text task needs token rationales (the object) and a decoy mask";
    else if (k->generator && !strcmp(k->generator, "decoy-images"))
        return;
    sc_dataset d;
    sc_err e;
    if (!why && f->x->too_many) return;  // loading data is the slow part: not for a manifest refused for its size
    if (!why) {
        if (sc_dataset_load(k, &d, &e))
            return sc_mf_problem(f, "%s line %d: field 'tasks[%d]': cannot load the data of '%s' to look for its "
                                 "decoy masks: %s", f->path, t->line, i, t->name, e.msg);
        if (!d.decoy_mask || (k->modality == SC_IMAGE && !d.obj_mask)) why = "its data has no decoy mask (and object mask)";
        sc_dataset_free(&d);
    }
    if (why)
        sc_mf_problem(f, "%s line %d: field 'tasks[%d]': train-xbl cannot run on '%s': %s (it needs a decoy task "
                      "such as decoy-fashion-mnist)", f->path, t->line, i, t->name, why);
}

// Each xbl key's value as the run will parse it (sc_xbl_options_parse), alone:
// the keys have no constraints between them, and the problem names where the
// value was set. The method's name and lambda are checked where they are read.
static void check_xbl_values(sc_mf *f, char (*kv)[512], int n, int n_global, const char *field, int line) {
    sc_config *one = malloc(sizeof *one);
    if (!one) return sc_mf_problem(f, "%s: out of memory", f->path);
    for (int i = 0; i < n; i++) {
        size_t k = strcspn(kv[i], "=");
        if (!sc_xbl_is_key(kv[i], k) || !strncmp(kv[i], "method=", 7) || !strncmp(kv[i], "lambda=", 7)) continue;
        sc_config_init(one);
        sc_xbl_options o;
        sc_err err;
        if (sc_config_set_kv(one, kv[i], &err) || sc_xbl_options_parse(one, &o, &err))
            sc_mf_problem(f, "%s line %d: field '%s': %s", f->path, i < n_global ? f->x->set->line : line,
                          i < n_global ? "set" : field, err.msg);  // from `set`: the same text per method, listed once
    }
    free(one);
}

// One method entry's configuration as train-xbl resolves it on task t: its
// xbl values checked, the rest (trainer, architecture) checked like a teacher's.
static void check_config(sc_mf *f, int ti, int mi, sc_run_config *rc) {
    const sc_mf_task *t = &f->t[ti];
    const xbl_method *e = &f->x->m[mi];
    char kv[2 * MAX_LIST][512], *rest[2 * MAX_LIST], field[48];
    snprintf(field, sizeof field, "methods[%d].set", mi);
    int n_global = sc_mf_sets(f, f->x->set, "set", kv, MAX_LIST), n_rest = 0;
    int n = n_global + sc_mf_sets(f, e->set, field, kv + n_global, MAX_LIST);
    int line = e->set ? e->set->line : e->line;
    if (ti == 0) check_xbl_values(f, kv, n, n_global, field, line);
    for (int i = 0; i < n; i++)
        if (!sc_xbl_is_key(kv[i], strcspn(kv[i], "="))) rest[n_rest++] = kv[i];
    sc_err err;
    // As train-xbl: the `model` entry, else teachers/configs/<task>.yaml, else the modality's default.
    const char *arch = f->x->arch[ti]                                  ? f->x->arch[ti]
                       : sc_run_has_default_config("teacher", t->arg) ? NULL
                                                                       : sc_run_default_arch(t->task->modality);
    if (sc_run_config_resolve(rc, "teacher", t->arg, NULL, arch, rest, n_rest, 0, &err))
        return sc_mf_problem_in(f, line, field, t->name, "", "%s", err.msg);
    sc_mf_set_origins(f, &rc->model, f->x->set, "set", e->set, field);
    sc_mf_set_origins(f, &rc->trainer, f->x->set, "set", e->set, field);
    sc_mf_check_arch(f, t, "teacher", rc, &rc->model, line, field);
    sc_train_opts opts;
    if (sc_train_opts_from_config(&opts, &rc->trainer, &err)) sc_mf_problem_in(f, line, field, t->name, "", "%s", err.msg);
    const char *saliency = "input-gradient";  // the last `saliency=` wins, as in train-xbl
    for (int i = 0; i < n; i++)
        if (!strncmp(kv[i], "saliency=", 9)) saliency = kv[i] + 9;
    const sc_model_def *def = sc_model_find("teacher", rc->arch);
    if (strcmp(saliency, "gradcam")) return;
    if (t->task->modality != SC_IMAGE)
        sc_mf_problem_in(f, line, field, t->name, "", "saliency=gradcam is for images (a CNN's feature map); '%s' is "
                         "%s: use saliency=input-gradient", t->name, sc_modality_name(t->task->modality));
    else if (def && !def->feature_map)
        sc_mf_problem_in(f, line, field, t->name, "", "saliency=gradcam needs a model with a feature map over its "
                         "cell grid (model: {%s: cnn}); '%s' has none", t->name, rc->arch);
}

void sc_mf_xbl_check(sc_mf *f) {
    if (!sc_mf_safe_name(f->name) || strlen(f->name) >= 128)
        sc_mf_problem(f, "%s line %d: field 'name': '%s' must be made of [A-Za-z0-9._-] (at most 127; it names the "
                      "results folder)", f->path, sc_mf_key_line(f->root, "name"), f->name);
    check_methods(f);
    sc_mf_check_tasks(f);
    check_models(f);
    sc_run_config *rc = malloc(sizeof *rc);
    if (!rc) return sc_mf_problem(f, "%s: out of memory", f->path);
    for (int i = 0; i < f->n_tasks; i++) {
        if (!f->t[i].task || !f->t[i].name[0]) continue;
        for (int e = 0; e < f->x->n_methods; e++) check_config(f, i, e, rc);
    }
    free(rc);
    for (int i = 0; i < f->n_tasks; i++)
        if (f->t[i].task && f->t[i].name[0]) check_task_fits(f, i);
}

// ---- expansion -------------------------------------------------------------------------

static void bind_xbl(sc_exp_run *r) {
    sc_xbl_run_cfg *c = &r->xbl_cfg;
    *c = sc_xbl_run_defaults();
    c->task = sc_mf_arg_of(r, "--task"), c->arch = sc_mf_arg_of(r, "--model"), c->out = sc_mf_arg_of(r, "--out");
    c->seed = (uint64_t)r->seed;
    c->sets = r->sets, c->n_sets = sc_mf_bind_sets(r);
    c->log = NULL;
}

// train-xbl --task T [--model A] --seed S [--set k=v: the manifest's, the method's] --set method=M
// [--set lambda=L] --out DIR
static int plan_run(sc_mf *f, sc_manifest *m, int cap, int t, const xbl_variant *v, long seed, sc_err *err) {
    sc_exp_run *r = sc_mf_new_run(m, cap, err);
    if (!r) return -1;
    const sc_mf_task *tk = &f->t[t];
    const xbl_method *e = &f->x->m[v->method];
    r->kind = SC_EXP_XBL;
    r->seed = seed;
    snprintf(r->task, sizeof r->task, "%s", tk->name);
    snprintf(r->label, sizeof r->label, "%s", v->label);
    int len = snprintf(r->dir, sizeof r->dir, "%s/runs/%s/%s/seed%ld", m->out, tk->name, v->label, seed);
    if (sc_mf_dir_under_out(m, r, len, err)) return -1;
    char sb[32], mb[64], lb[300], field[48];
    snprintf(sb, sizeof sb, "%ld", seed);
    snprintf(mb, sizeof mb, "method=%s", e->name);
    snprintf(field, sizeof field, "methods[%d].set", v->method);
    if (v->lambda) snprintf(lb, sizeof lb, "lambda=%s", v->lambda);
    if (sc_mf_add_args(r, err, 3, "train-xbl", "--task", tk->arg) ||
        (f->x->arch[t] && sc_mf_add_args(r, err, 2, "--model", f->x->arch[t])) ||
        sc_mf_add_args(r, err, 2, "--seed", sb) || sc_mf_add_sets(f, r, f->x->set, "set", err) ||
        sc_mf_add_sets(f, r, e->set, field, err) || sc_mf_add_args(r, err, 2, "--set", mb) ||
        (v->lambda && sc_mf_add_args(r, err, 2, "--set", lb)) || sc_mf_add_args(r, err, 2, "--out", r->dir))
        return -1;
    bind_xbl(r);
    sc_mf_run_key(r, "");
    return 0;
}

// task × label × seed, in manifest order.
int sc_mf_xbl_expand(sc_mf *f, sc_manifest *m, sc_err *err) {
    int cap = f->n_tasks * f->x->n_variants * f->n_seeds;  // at most SC_EXP_MAX_RUNS (checked)
    if (!(m->runs = calloc((size_t)cap, sizeof *m->runs))) return sc_errf(err, "out of memory");
    for (int t = 0; t < f->n_tasks; t++)
        for (int v = 0; v < f->x->n_variants; v++)
            for (int s = 0; s < f->n_seeds; s++)
                if (plan_run(f, m, cap, t, &f->x->v[v], f->seeds[s], err)) return -1;
    return 0;
}
