// manifest_al.c — manifests of `kind: active-learning` (manifest.h): one
// active-learning run (scaffold active-learn, active/al_run.h) per task ×
// strategy label × seed, with no teacher runs and no dependencies: a teacher,
// when one is the oracle, is a given checkpoint folder. The design mirrors the
// xbl kind (manifest_xbl.c): parsing stops at the first syntax error, every
// other problem is collected, and the runs are expanded only when there is none.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "active/al_run.h"
#include "active/strategy.h"
#include "exp/manifest_impl.h"
#include "explain/explainer.h"
#include "train/trainer.h"

#define MAX_LIST SC_MF_MAX_LIST

typedef struct al_strategy {
    const char *name, *label;  // label: as written, else the name
    const sc_ynode *set;       // a map, or NULL
    int line;
} al_strategy;

typedef struct sc_mf_al {
    const sc_ynode *model, *set, *teacher, *strategies_node;
    const sc_ynode *task_set;  // a map from task to a map of --set keys (after `set`, before a strategy's), or NULL
    const sc_ynode *task_strategies;  // a map from task to the labels of `strategies` that run on it, or NULL
    al_strategy s[MAX_LIST];
    int n_strategies;
    const char *arch[MAX_LIST];     // per task: its `model` entry, or NULL
    const char *teacher_of[MAX_LIST];  // per task: its `teacher` entry (a folder, relative to the cwd), or NULL
} sc_mf_al;

void sc_mf_al_free(sc_mf *f) {
    free(f->al);
    f->al = NULL;
}

// ---- syntax ----------------------------------------------------------------------------

// One entry of `strategies`: a name, or {name, label, set}.
static int parse_strategy(sc_mf *f, const sc_ynode *it, int i, sc_err *err) {
    static const char *const keys[] = {"name", "label", "set", NULL};
    al_strategy *e = &f->al->s[i];
    char path[48];
    snprintf(path, sizeof path, "strategies[%d]", i);
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
        snprintf(path, sizeof path, "strategies[%d].set", i);
        if (sc_yexpect(e->set, SC_Y_MAP, f->path, path, err)) return -1;
    }
    return 0;
}

// Unknown top-level keys are problems, not syntax errors: all are listed. The
// student kind's and the xbl kind's own fields are named as such.
static void check_top_keys(sc_mf *f) {
    static const char *const known[] = {"name", "out", "kind", "tasks", "model", "strategies", "seeds", "set",
                                        "task_set", "task_strategies", "teacher", NULL};
    static const char *const other[] = {"n", "explainers", "student", "init", "methods", NULL};
    const sc_ynode *r = f->root;
    for (size_t k = 0; k < r->n; k++) {
        int ok = 0, st = 0;
        for (int i = 0; known[i]; i++) ok |= !strcmp(r->keys[k], known[i]);
        for (int i = 0; other[i]; i++) st |= !strcmp(r->keys[k], other[i]);
        if (st)
            sc_mf_problem(f, "%s line %d: field '%s': not part of a `kind: active-learning` manifest (it belongs to "
                          "the %s kind; active-learning runs have no students or sizes: use `strategies`, `model`, "
                          "`teacher` and `set`)", f->path, r->key_lines[k], r->keys[k],
                          !strcmp(r->keys[k], "methods") ? "xbl" : "student");
        else if (!ok)
            sc_mf_problem(f, "%s line %d: unknown key '%s' (a `kind: active-learning` manifest has name, out, kind, "
                          "tasks, model, strategies, seeds, set, task_set, task_strategies, teacher)", f->path,
                          r->key_lines[k], r->keys[k]);
    }
}

int sc_mf_al_parse(sc_mf *f, sc_err *err) {
    const char *path = f->path;
    if (sc_yexpect(f->root, SC_Y_MAP, path, "(top level)", err)) return -1;
    if (!(f->al = calloc(1, sizeof *f->al))) return sc_errf(err, "out of memory");
    sc_mf_al *a = f->al;
    check_top_keys(f);
    if (sc_mf_parse_name_tasks_seeds(f, err)) return -1;
    const sc_ynode *s = a->strategies_node = sc_ymap_get(f->root, "strategies");
    if (!s) return sc_errf(err, "%s: missing field 'strategies' (a list)", path);
    if (sc_yexpect(s, SC_Y_SEQ, path, "strategies", err)) return -1;
    if (!s->n || s->n > MAX_LIST)
        return sc_errf(err, "%s line %d: 'strategies' needs 1 to %d entries", path, s->line, MAX_LIST);
    for (size_t i = 0; i < s->n; i++)
        if (parse_strategy(f, s->items[i], (int)i, err)) return -1;
    a->n_strategies = (int)s->n;
    if ((a->model = sc_ymap_get(f->root, "model")) && sc_yexpect(a->model, SC_Y_MAP, path, "model", err)) return -1;
    if ((a->set = sc_ymap_get(f->root, "set")) && sc_yexpect(a->set, SC_Y_MAP, path, "set", err)) return -1;
    if ((a->teacher = sc_ymap_get(f->root, "teacher")) && sc_yexpect(a->teacher, SC_Y_MAP, path, "teacher", err))
        return -1;
    if ((a->task_set = sc_ymap_get(f->root, "task_set")) && sc_yexpect(a->task_set, SC_Y_MAP, path, "task_set", err))
        return -1;
    if ((a->task_strategies = sc_ymap_get(f->root, "task_strategies")) &&
        sc_yexpect(a->task_strategies, SC_Y_MAP, path, "task_strategies", err))
        return -1;
    return 0;
}

// Task ti's own `task_set` entry (a map, checked), or NULL.
static const sc_ynode *task_set_of(const sc_mf *f, int ti) {
    const sc_ynode *c = f->al->task_set;
    for (size_t k = 0; c && k < c->n; k++)
        if (sc_mf_key_names_task(f, ti, c->keys[k]) && c->items[k]->kind == SC_Y_MAP) return c->items[k];
    return NULL;
}

// Whether strategy entry si runs on task ti: every entry does, unless the task
// has a `task_strategies` list, which then names the labels that do.
static int strategy_runs_on(const sc_mf *f, int ti, int si) {
    const sc_ynode *c = f->al->task_strategies;
    for (size_t k = 0; c && k < c->n; k++) {
        if (!sc_mf_key_names_task(f, ti, c->keys[k]) || c->items[k]->kind != SC_Y_SEQ) continue;
        for (size_t j = 0; j < c->items[k]->n; j++)
            if (c->items[k]->items[j]->kind == SC_Y_SCALAR && !strcmp(c->items[k]->items[j]->str, f->al->s[si].label))
                return 1;
        return 0;
    }
    return 1;
}

// ---- checks ----------------------------------------------------------------------------

// Each task_strategies list names labels of `strategies` (its keys are checked as tasks by check_task_map).
static void check_task_strategies(sc_mf *f) {
    const sc_ynode *c = f->al->task_strategies;
    for (size_t k = 0; c && k < c->n; k++) {
        const sc_ynode *l = c->items[k];
        if (l->kind != SC_Y_SEQ || !l->n) continue;  // check_task_map names the wrong kind; an empty list runs nothing
        for (size_t j = 0; j < l->n; j++) {
            int found = 0;
            for (int i = 0; i < f->al->n_strategies && l->items[j]->kind == SC_Y_SCALAR; i++)
                found |= !strcmp(f->al->s[i].label, l->items[j]->str);
            if (!found)
                sc_mf_problem(f, "%s line %d: field 'task_strategies.%s[%zu]': '%s' is not a label of `strategies`",
                              f->path, l->items[j]->line, c->keys[k], j,
                              l->items[j]->kind == SC_Y_SCALAR ? l->items[j]->str : "(not a name)");
        }
    }
}

static void check_strategies(sc_mf *f) {
    sc_mf_al *a = f->al;
    char known[512], kv[MAX_LIST][512], field[48];
    sc_al_strategy_names(known, sizeof known);
    sc_mf_sets(f, a->set, "set", kv, MAX_LIST);
    for (int i = 0; i < a->n_strategies; i++) {
        const al_strategy *e = &a->s[i];
        if (!sc_al_strategy_find(e->name))
            sc_mf_problem(f, "%s line %d: field 'strategies[%d].name': unknown strategy '%s' (active-learn knows: %s)",
                          f->path, e->line, i, e->name, known);
        snprintf(field, sizeof field, "strategies[%d].set", i);
        sc_mf_sets(f, e->set, field, kv, MAX_LIST);
        if (strlen(e->label) >= 64 || !sc_mf_safe_name(e->label))
            sc_mf_problem(f, "%s line %d: field 'strategies[%d].label': '%s' must be made of [A-Za-z0-9._-], at most "
                          "63 characters (it names a folder)", f->path, e->line, i, e->label);
        for (int j = 0; j < i; j++)
            if (!strcmp(a->s[j].label, e->label))
                sc_mf_problem(f, "%s line %d: field 'strategies[%d]': the label '%s' is taken by strategies[%d]; give "
                              "it another `label`", f->path, e->line, i, e->label, j);
    }
    long long total = (long long)f->n_tasks * a->n_strategies * f->n_seeds;
    if (total > SC_EXP_MAX_RUNS)
        sc_mf_problem(f, "%s: %d tasks x %d strategies (line %d) x %d seeds = %lld runs: more than the %d runs a "
                      "manifest may hold (SC_EXP_MAX_RUNS); split it into several manifests", f->path, f->n_tasks,
                      a->n_strategies, a->strategies_node->line, f->n_seeds, total, SC_EXP_MAX_RUNS);
}

// A map keyed by task: each key names a task, each value of kind `want`
// (model, teacher: scalars, stored per task into out; task_set: maps;
// task_strategies: lists; out NULL for those).
static void check_task_map(sc_mf *f, const sc_ynode *c, const char *field, const char *what, int want,
                           const char **out) {
    for (size_t k = 0; c && k < c->n; k++) {
        int found = 0;
        for (int i = 0; i < f->n_tasks; i++)
            if (sc_mf_key_names_task(f, i, c->keys[k])) {
                found = 1;
                if (out && !out[i] && c->items[k]->kind == SC_Y_SCALAR) out[i] = c->items[k]->str;
            }
        if (!found)
            sc_mf_problem(f, "%s line %d: field '%s.%s': no such task in 'tasks'", f->path, c->key_lines[k], field,
                          c->keys[k]);
        if ((int)c->items[k]->kind != want)
            sc_mf_problem(f, "%s line %d: field '%s.%s': expected %s", f->path, c->items[k]->line, field, c->keys[k],
                          what);
    }
}

// Teacher folders (or checkpoint files) must exist now: a run would fail later.
static void check_teachers(sc_mf *f) {
    const sc_ynode *c = f->al->teacher;
    for (size_t k = 0; c && k < c->n; k++) {
        struct stat st;
        if (c->items[k]->kind == SC_Y_SCALAR && stat(c->items[k]->str, &st))
            sc_mf_problem(f, "%s line %d: field 'teacher.%s': '%s' does not exist (a teacher run folder or "
                          "checkpoint, relative to the current directory)", f->path, c->items[k]->line, c->keys[k],
                          c->items[k]->str);
    }
}

static int is_al_key(const char *kv) {
    size_t len = strcspn(kv, "=");
    for (const sc_config_spec *s = sc_al_spec; s->key; s++)
        if (strlen(s->key) == len && !strncmp(s->key, kv, len)) return 1;
    return 0;
}

// The active-learning values as sc_al_run reads them (al_run.c read_al_keys):
// ranges, choices, the explainer. Each key alone (they have no constraints
// between them but oracle=teacher, which needs a teacher), so every bad value
// is listed, not only the first.
static int al_value_ok(const char *kv, int have_teacher, sc_err *err) {
    static const char *const retrains[] = {"scratch", "warm", NULL}, *const oracles[] = {"auto", "gold", "teacher", NULL};
    sc_config *c = calloc(1, sizeof *c);
    if (!c) return sc_errf(err, "out of memory");
    long l;
    int ch, oracle = 0;
    double d;
    int rc = sc_config_set_kv(c, kv, err) || sc_config_apply_defaults(c, sc_al_spec, "active learning", err) ||
             sc_config_long(c, "init", 1, 100000000, &l, err) || sc_config_long(c, "query", 1, 100000000, &l, err) ||
             sc_config_long(c, "rounds", 0, SC_AL_MAX_ROUNDS, &l, err) ||
             sc_config_choice(c, "retrain", retrains, &ch, err) || sc_config_choice(c, "oracle", oracles, &oracle, err) ||
             sc_config_double(c, "hybrid_pool", 1, 1e6, &d, err) || sc_config_long(c, "dami_tokens", 1, 4096, &l, err);
    if (!rc && oracle == 2 && !have_teacher)
        rc = sc_errf(err, "key 'oracle': 'teacher' needs a teacher checkpoint (the manifest's `teacher` entry)");
    if (!rc && !sc_explainer_find(sc_config_str(c, "explainer")))
        rc = sc_errf(err, "key 'explainer': no explainer '%s' (see `scaffold explainers`)", sc_config_str(c, "explainer"));
    free(c);
    return rc ? -1 : 0;
}

// Every --set key known to a group active-learn reads (al_run.c resolve):
// active learning, trainer, the student architecture, every model.
static void check_groups(sc_mf *f, const sc_mf_task *t, const sc_model_def *def, char (*kv)[512], int n, int line,
                         const char *field) {
    char title[96];
    snprintf(title, sizeof title, "student '%s'", def->name);
    sc_config_group g[4] = {{"active learning", NULL, sc_al_spec}, {"trainer", NULL, sc_trainer_spec},
                            {title, NULL, def->spec}, {"every model", NULL, sc_model_common_spec}};
    sc_config *sets = calloc(1, sizeof *sets);
    if (!sets) return sc_mf_problem(f, "%s: out of memory", f->path);
    sc_err err;
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) rc = sc_config_set_kv(sets, kv[i], &err);
    if (!rc) rc = sc_config_check_groups(sets, g, 4, "active-learn", &err);
    if (rc) sc_mf_problem_in(f, line, field, t->name, "", "%s", err.msg);
    free(sets);
}

// One strategy entry's configuration as active-learn resolves it on task ti:
// its active-learning values, its keys' groups, the trainer's values.
static void check_config(sc_mf *f, int ti, int si, sc_run_config *rc) {
    const sc_mf_task *t = &f->t[ti];
    const sc_mf_al *a = f->al;
    const al_strategy *e = &a->s[si];
    char kv[3 * MAX_LIST][512], *rest[3 * MAX_LIST], field[48], tfield[96];
    snprintf(field, sizeof field, "strategies[%d].set", si);
    snprintf(tfield, sizeof tfield, "task_set.%s", t->entry);
    const sc_ynode *ts = task_set_of(f, ti);
    int n_global = sc_mf_sets(f, a->set, "set", kv, MAX_LIST), n_rest = 0;
    int n_task = n_global + sc_mf_sets(f, ts, tfield, kv + n_global, MAX_LIST);
    int n = n_task + sc_mf_sets(f, e->set, field, kv + n_task, MAX_LIST);
    int line = e->set ? e->set->line : ts ? ts->line : a->set ? a->set->line : e->line;
    const char *where = e->set ? field : ts ? tfield : "set";
    sc_err err;
    for (int i = 0; i < n; i++) {
        if (!is_al_key(kv[i])) rest[n_rest++] = kv[i];
        else if (al_value_ok(kv[i], a->teacher_of[ti] != NULL, &err)) {  // named where it was set
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)strcspn(kv[i], "="), kv[i]);
            const sc_ynode *in = i < n_global ? a->set : i < n_task ? ts : e->set;
            sc_mf_problem_in(f, sc_mf_key_line(in, key), i < n_global ? "set" : i < n_task ? tfield : field, t->name,
                             "", "%s", err.msg);
        }
    }
    // As active-learn: the `model` entry, else students/configs/<task>.yaml, else the modality's default.
    const char *arch = a->arch[ti]                                    ? a->arch[ti]
                       : sc_run_has_default_config("student", t->arg) ? NULL
                                                                      : sc_run_default_arch(t->task->modality);
    if (sc_run_config_resolve(rc, "student", t->arg, NULL, arch, rest, n_rest, 0, &err))
        return sc_mf_problem_in(f, line, where, t->name, "", "%s", err.msg);
    const sc_model_def *def = sc_model_find("student", rc->arch);
    if (!def)
        return sc_mf_problem(f, "%s line %d: field '%s' (task '%s'): no student architecture '%s' (see `scaffold "
                             "models`)", f->path, a->arch[ti] ? sc_mf_key_line(a->model, t->entry) : line,
                             a->arch[ti] ? "model" : where, t->name, rc->arch);
    check_groups(f, t, def, kv, n, line, where);
    sc_train_opts opts;
    if (sc_train_opts_from_config(&opts, &rc->trainer, &err)) sc_mf_problem_in(f, line, where, t->name, "", "%s", err.msg);
}

void sc_mf_al_check(sc_mf *f) {
    if (!sc_mf_safe_name(f->name) || strlen(f->name) >= 128)
        sc_mf_problem(f, "%s line %d: field 'name': '%s' must be made of [A-Za-z0-9._-] (at most 127; it names the "
                      "results folder)", f->path, sc_mf_key_line(f->root, "name"), f->name);
    check_strategies(f);
    sc_mf_check_tasks(f);
    check_task_map(f, f->al->model, "model", "an architecture name (see `scaffold models`)", SC_Y_SCALAR, f->al->arch);
    check_task_map(f, f->al->teacher, "teacher", "a teacher folder or checkpoint", SC_Y_SCALAR, f->al->teacher_of);
    check_task_map(f, f->al->task_set, "task_set", "a map of active-learn --set keys", SC_Y_MAP, NULL);
    check_task_map(f, f->al->task_strategies, "task_strategies", "a list of labels of `strategies`", SC_Y_SEQ, NULL);
    check_task_strategies(f);
    check_teachers(f);
    sc_run_config *rc = malloc(sizeof *rc);
    if (!rc) return sc_mf_problem(f, "%s: out of memory", f->path);
    for (int i = 0; i < f->n_tasks; i++) {
        const sc_mf_task *t = &f->t[i];
        if (!t->task || !t->name[0]) continue;
        for (int s = 0; s < f->al->n_strategies; s++) {
            if (!strategy_runs_on(f, i, s)) continue;
            const sc_al_strategy_def *d = sc_al_strategy_find(f->al->s[s].name);
            if (d && d->needs_classes && t->task->label_kind != SC_CLASSIFICATION) {
                char names[512];
                sc_mf_problem(f, "%s line %d: field 'tasks[%d]': strategy %s ranks by class probabilities, and '%s' "
                              "is a regression task (strategies for regression: %s; name those that run on it in "
                              "`task_strategies`)", f->path, t->line, i, d->name, t->name,
                              sc_al_strategy_regression_names(names, sizeof names));
                continue;
            }
            check_config(f, i, s, rc);
        }
    }
    free(rc);
}

// ---- expansion -------------------------------------------------------------------------

static void bind_al(sc_exp_run *r) {
    sc_al_run_cfg *c = &r->al_cfg;
    *c = sc_al_run_defaults();
    c->task = sc_mf_arg_of(r, "--task"), c->strategy = sc_mf_arg_of(r, "--strategy");
    c->arch = sc_mf_arg_of(r, "--model"), c->teacher = sc_mf_arg_of(r, "--teacher"), c->out = sc_mf_arg_of(r, "--out");
    c->seed = (uint64_t)r->seed;
    c->sets = r->sets, c->n_sets = sc_mf_bind_sets(r);
    c->log = NULL;
}

// active-learn --task T --strategy S [--model A] [--teacher DIR] --seed S [--set k=v: the manifest's, the
// task's, the strategy's] --out DIR
static int plan_run(sc_mf *f, sc_manifest *m, int cap, int t, int si, long seed, sc_err *err) {
    sc_exp_run *r = sc_mf_new_run(m, cap, err);
    if (!r) return -1;
    const sc_mf_task *tk = &f->t[t];
    const al_strategy *e = &f->al->s[si];
    r->kind = SC_EXP_AL;
    r->teacher = r->after = -1;
    r->seed = seed;
    snprintf(r->task, sizeof r->task, "%s", tk->name);
    snprintf(r->label, sizeof r->label, "%s", e->label);
    int len = snprintf(r->dir, sizeof r->dir, "%s/runs/%s/%s/seed%ld", m->out, tk->name, e->label, seed);
    if (sc_mf_dir_under_out(m, r, len, err)) return -1;
    char sb[32], field[48], tfield[96];
    snprintf(sb, sizeof sb, "%ld", seed);
    snprintf(field, sizeof field, "strategies[%d].set", si);
    snprintf(tfield, sizeof tfield, "task_set.%s", tk->entry);
    const char *arch = f->al->arch[t], *teacher = f->al->teacher_of[t];
    if (sc_mf_add_args(r, err, 5, "active-learn", "--task", tk->arg, "--strategy", e->name) ||
        (arch && sc_mf_add_args(r, err, 2, "--model", arch)) ||
        (teacher && sc_mf_add_args(r, err, 2, "--teacher", teacher)) || sc_mf_add_args(r, err, 2, "--seed", sb) ||
        sc_mf_add_sets(f, r, f->al->set, "set", err) || sc_mf_add_sets(f, r, task_set_of(f, t), tfield, err) ||
        sc_mf_add_sets(f, r, e->set, field, err) ||
        sc_mf_add_args(r, err, 2, "--out", r->dir))
        return -1;
    bind_al(r);
    sc_mf_run_key(r, "");
    return 0;
}

// task × label × seed, in manifest order (a task's labels limited by task_strategies).
int sc_mf_al_expand(sc_mf *f, sc_manifest *m, sc_err *err) {
    int cap = f->n_tasks * f->al->n_strategies * f->n_seeds;  // at most SC_EXP_MAX_RUNS (checked)
    if (!(m->runs = calloc((size_t)cap, sizeof *m->runs))) return sc_errf(err, "out of memory");
    for (int t = 0; t < f->n_tasks; t++)
        for (int s = 0; s < f->al->n_strategies; s++)
            for (int k = 0; k < f->n_seeds && strategy_runs_on(f, t, s); k++)
                if (plan_run(f, m, cap, t, s, f->seeds[k], err)) return -1;
    return 0;
}
