// manifest_check.c — validating a parsed manifest in full before anything
// runs (manifest.h lists the checks). Every problem is collected, not only the
// first: a researcher fixes a manifest in one go instead of one error per try.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sha256.h"
#include "data/dataset.h"
#include "exp/manifest_impl.h"
#include "explain/explainer.h"
#include "models/model.h"
#include "smat/student.h"
#include "train/setup.h"
#include "train/trainer.h"

void sc_mf_problem(sc_mf *f, const char *fmt, ...) {
    char line[SC_ERR_MSG_MAX + 512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    for (char *c = line; *c; c++)
        if (*c == '\n') *c = ' ';  // one problem per line
    size_t n = strlen(line);
    for (const char *p = f->problems; p && *p;) {
        const char *nl = strchr(p, '\n');
        if ((size_t)(nl - p) == n && !memcmp(p, line, n)) return;
        p = nl + 1;
    }
    char *b = realloc(f->problems, f->problems_len + n + 2);
    f->n_problems++;
    if (!b) return;  // counted, not listed: the load still fails
    memcpy(b + f->problems_len, line, n);
    f->problems_len += n + 1;
    b[f->problems_len - 1] = '\n';
    b[f->problems_len] = '\0';
    f->problems = b;
}

static int safe_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

int sc_mf_safe_name(const char *s) {
    if (!*s || !strcmp(s, ".") || !strcmp(s, "..")) return 0;
    for (; *s; s++)
        if (!safe_char(*s)) return 0;
    return 1;
}

int sc_mf_sets(sc_mf *f, const sc_ynode *set, const char *field, char (*kv)[512], int cap) {
    int n = 0;
    for (size_t i = 0; set && i < set->n; i++) {
        const sc_ynode *v = set->items[i];
        if (v->kind != SC_Y_SCALAR) {
            sc_mf_problem(f, "%s line %d: field '%s.%s': expected a scalar value", f->path, v->line, field, set->keys[i]);
            continue;
        }
        if (n == cap) {
            sc_mf_problem(f, "%s line %d: field '%s': more than %d keys", f->path, set->line, field, cap);
            break;
        }
        if (snprintf(kv[n], 512, "%s=%s", set->keys[i], v->str) >= 512) {
            sc_mf_problem(f, "%s line %d: field '%s.%s': the value is too long", f->path, v->line, field, set->keys[i]);
            continue;
        }
        n++;
    }
    return n;
}

// A problem found for one task and manifest entry: a message that already
// names the manifest (an origin patched by set_origins) stands as it is;
// others (from a default config file, or without an origin) get the manifest
// line and field in front.
void sc_mf_problem_in(sc_mf *f, int line, const char *field, const char *task, const char *origin, const char *fmt,
                       ...) {
    char msg[SC_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t k = strlen(f->path);
    if (!strncmp(msg, f->path, k) && msg[k] == ' ') sc_mf_problem(f, "%s", msg);
    else if (!strncmp(origin, f->path, k) && origin[k] == ' ') sc_mf_problem(f, "%s: %s", origin, msg);
    else sc_mf_problem(f, "%s line %d: field '%s' (task '%s'): %s", f->path, line, field, task, msg);
}

// The line of `key` in map m (the map's own line if absent).
int sc_mf_key_line(const sc_ynode *m, const char *key) {
    for (size_t i = 0; m && i < m->n; i++)
        if (!strcmp(m->keys[i], key)) return m->key_lines[i];
    return m ? m->line : 0;
}

// The run count from the list sizes, before anything is expanded.
static void check_count(sc_mf *f) {
    long long sizes = 0;  // (task, n) pairs
    for (int i = 0; i < f->n_tasks; i++) sizes += f->t[i].n_ns, f->n_teachers += f->t[i].ckpt == NULL;
    f->n_students = sizes * f->n_expl * f->n_seeds;
    long long total = f->n_teachers + f->n_students;
    if (total > SC_EXP_MAX_RUNS)
        sc_mf_problem(f,
                      "%s: %lld (task, n) pairs (tasks line %d, n line %d) x %d explainers (line %d) x %d seeds "
                      "(line %d) = %lld student runs, plus %lld teachers: more than the %d runs a manifest may hold "
                      "(SC_EXP_MAX_RUNS); split it into several manifests",
                      f->path, sizes, f->tasks_node->line, f->n_node->line, f->n_expl, f->expl_node->line,
                      f->n_seeds, f->seeds_node->line, f->n_students, f->n_teachers, SC_EXP_MAX_RUNS);
}

// Opens every task (a name, or a path resolved against the manifest's folder)
// and takes its output folder name from its `name:`, never from the path.
void sc_mf_check_tasks(sc_mf *f) {
    for (int i = 0; i < f->n_tasks; i++) {
        sc_mf_task *t = &f->t[i];
        if (strchr(t->entry, '/') && t->entry[0] != '/' && strcmp(f->dir, "."))
            snprintf(t->arg, sizeof t->arg, "%s/%s", f->dir, t->entry);
        else
            snprintf(t->arg, sizeof t->arg, "%s", t->entry);
        sc_err e;
        if (sc_task_open(t->arg, &t->task, &e)) {
            sc_mf_problem(f, "%s line %d: field 'tasks[%d]': %s", f->path, t->line, i, e.msg);
            continue;
        }
        const char *name = t->task->name;
        if (strlen(name) >= sizeof t->name) {
            sc_mf_problem(f, "%s line %d: field 'tasks[%d]': the task's name '%.40s...' is longer than %zu characters",
                          f->path, t->line, i, name, sizeof t->name - 1);
            continue;
        }
        // The name becomes a folder under OUT: anything but [A-Za-z0-9._-] is replaced.
        size_t len = strlen(name);
        for (size_t k = 0; k <= len; k++) t->name[k] = k < len && !safe_char(name[k]) ? '_' : name[k];
        if (!sc_mf_safe_name(t->name)) {
            sc_mf_problem(f, "%s line %d: field 'tasks[%d]': the task's name '%s' cannot be a folder name", f->path,
                          t->line, i, name);
            t->name[0] = '\0';
            continue;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(f->t[j].name, t->name))
                sc_mf_problem(f, "%s line %d: field 'tasks[%d]': '%s' is the task '%s' again (as tasks[%d]): their runs "
                              "would share OUT/runs/%s",
                              f->path, t->line, i, t->entry, t->name, j, t->name);
    }
}

// A key of teacher.ckpt or init names task i: its entry in `tasks`, or its name.
int sc_mf_key_names_task(const sc_mf *f, int i, const char *key) {
    return !strcmp(key, f->t[i].entry) || (f->t[i].name[0] && !strcmp(key, f->t[i].name));
}

// teacher.ckpt: keyed by an entry of `tasks` (or a task's name); each must exist.
static void check_ckpt(sc_mf *f) {
    const sc_ynode *c = f->tckpt;
    for (size_t k = 0; c && k < c->n; k++) {
        int found = 0;
        for (int i = 0; i < f->n_tasks; i++)
            if (sc_mf_key_names_task(f, i, c->keys[k])) {
                found = 1;
                if (!f->t[i].ckpt) f->t[i].ckpt = c->items[k];
            }
        const sc_ynode *v = c->items[k];
        if (!found)
            sc_mf_problem(f, "%s line %d: field 'teacher.ckpt.%s': no such task in 'tasks'", f->path, c->key_lines[k],
                          c->keys[k]);
        if (v->kind != SC_Y_SCALAR) {
            sc_mf_problem(f, "%s line %d: field 'teacher.ckpt.%s': expected a directory", f->path, v->line, c->keys[k]);
            continue;
        }
        // As train-student finds it: DIR/teacher.ckpt, or the file itself.
        char p[2048];
        if (access(sc_student_teacher_ckpt_path(v->str, p, sizeof p), R_OK))
            sc_mf_problem(f, "%s line %d: field 'teacher.ckpt.%s': no checkpoint %s", f->path, v->line, c->keys[k], p);
    }
    // A value that is not a path (a problem above) is dropped: nothing later reads it as one.
    for (int i = 0; i < f->n_tasks && c; i++)
        if (f->t[i].ckpt && f->t[i].ckpt->kind != SC_Y_SCALAR) f->t[i].ckpt = NULL;
}

// init: keyed like teacher.ckpt; each a folder holding pretrained.ckpt, or the file.
static void check_init(sc_mf *f) {
    const sc_ynode *c = f->init_node;
    for (size_t k = 0; c && k < c->n; k++) {
        const sc_ynode *v = c->items[k];
        int found = 0;
        for (int i = 0; i < f->n_tasks; i++)
            if (sc_mf_key_names_task(f, i, c->keys[k])) {
                found = 1;
                if (!f->t[i].init && v->kind == SC_Y_SCALAR) f->t[i].init = v;
            }
        if (!found)
            sc_mf_problem(f, "%s line %d: field 'init.%s': no such task in 'tasks'", f->path, c->key_lines[k], c->keys[k]);
        if (v->kind != SC_Y_SCALAR) {
            sc_mf_problem(f, "%s line %d: field 'init.%s': expected a pretrained backbone (a folder or file)", f->path,
                          v->line, c->keys[k]);
            continue;
        }
        char p[2048];
        struct stat st;
        if (!stat(v->str, &st) && S_ISDIR(st.st_mode)) snprintf(p, sizeof p, "%s/pretrained.ckpt", v->str);
        else snprintf(p, sizeof p, "%s", v->str);
        sc_err e;
        char sha[65];
        if (access(p, R_OK))
            sc_mf_problem(f, "%s line %d: field 'init.%s': no pretrained backbone %s (run `scaffold pretrain` first)",
                          f->path, v->line, c->keys[k], p);
        else if (sc_sha256_file(p, sha, &e))
            sc_mf_problem(f, "%s line %d: field 'init.%s': %s", f->path, v->line, c->keys[k], e.msg);
        else
            for (int i = 0; i < f->n_tasks; i++)
                if (f->t[i].init == v) memcpy(f->t[i].init_sha256, sha, sizeof sha);
    }
}

// `from: L`: L is the label of a `learn: true` entry of the same explainer.
static void check_from(sc_mf *f, const sc_mf_expl *x, int e) {
    const sc_mf_expl *src = NULL;
    for (int j = 0; j < f->n_expl; j++)
        if (j != e && !strcmp(f->ex[j].label, x->from)) src = &f->ex[j];
    if (!src || !src->learn)
        sc_mf_problem(f, "%s line %d: field 'explainers[%d].from': '%s' is not the label of an entry with learn: true "
                      "(from uses what that entry learned)", f->path, x->line, e, x->from);
    else if (strcmp(src->name, x->name))
        sc_mf_problem(f, "%s line %d: field 'explainers[%d].from': '%s' learns explainer '%s', not '%s'", f->path,
                      x->line, e, x->from, src->name, x->name);
    if (x->learn)
        sc_mf_problem(f, "%s line %d: field 'explainers[%d]': learn: true and from together (a learned explainer "
                      "is used frozen)", f->path, x->line, e);
}

static void check_explainers(sc_mf *f) {
    char learnable[256] = "";
    int n_reg;
    const sc_explainer_def *const *reg = sc_explainer_list(&n_reg);
    for (int i = 0; i < n_reg; i++)
        if (sc_explainer_learnable(reg[i]))
            snprintf(learnable + strlen(learnable), sizeof learnable - strlen(learnable), "%s%s", learnable[0] ? ", " : "",
                     reg[i]->name);
    for (int e = 0; e < f->n_expl; e++) {
        const sc_mf_expl *x = &f->ex[e];
        const sc_explainer_def *d = sc_explainer_find(x->name);
        if (!d && strcmp(x->name, "none")) {
            char known[768] = "none";
            for (int i = 0; i < n_reg; i++)
                snprintf(known + strlen(known), sizeof known - strlen(known), ", %s", reg[i]->name);
            sc_mf_problem(f, "%s line %d: field 'explainers[%d].name': unknown explainer '%s' (known: %s)", f->path,
                          x->line, e, x->name, known);
        }
        if (x->learn && (!d || !sc_explainer_learnable(d)))
            sc_mf_problem(f,
                          "%s line %d: field 'explainers[%d].learn': explainer '%s' has no parameters to learn "
                          "(learnable: %s)",
                          f->path, x->line, e, x->name, learnable);
        if (x->from) check_from(f, x, e);
        if (!sc_mf_safe_name(x->label))
            sc_mf_problem(f, "%s line %d: field 'explainers[%d].label': '%s' must be made of [A-Za-z0-9._-] (it names "
                          "a folder)", f->path, x->line, e, x->label);
    }
}

// Entries set by --set in a resolved config get their manifest origin: the
// key in `b` (applied last) or `a`, "PATH line L: field 'student.set.k'".
void sc_mf_set_origins(sc_mf *f, sc_config *c, const sc_ynode *a, const char *fa, const sc_ynode *b, const char *fb) {
    for (int i = 0; i < c->n; i++) {
        sc_config_entry *e = &c->e[i];
        if (strcmp(e->origin, "--set")) continue;
        const char *key = e->key;
        const sc_ynode *in = sc_ymap_get(b, key) ? b : a;
        snprintf(e->origin, sizeof e->origin, "%s line %d: field '%s.%s'", f->path, sc_mf_key_line(in, key),
                 in == b ? fb : fa, key);
    }
}

// Every key of c alone, so that each unknown key is a problem, not only the
// first: against the model definition, or else against the specs. line,
// field, task: where in the manifest (for keys set by a default config file).
void sc_mf_check_each(sc_mf *f, int line, const char *field, const char *task, const sc_config *c,
                       const sc_model_def *model, const sc_config_spec *const *specs, int n_specs, const char *what) {
    sc_config *one = malloc(sizeof *one);
    if (!one) return sc_mf_problem(f, "%s: out of memory", f->path);
    for (int i = 0; i < c->n; i++) {
        sc_config_init(one);
        one->e[one->n++] = c->e[i];
        sc_err e;
        if (model ? sc_model_check_config(model, one, &e) : sc_config_check_known(one, specs, n_specs, what, &e))
            sc_mf_problem_in(f, line, field, task, "", "%s", e.msg);
    }
    free(one);
}

// The architecture a run resolves exists, fits the task's modality, and
// knows every model key.
void sc_mf_check_arch(sc_mf *f, const sc_mf_task *t, const char *role, const sc_run_config *rc,
                       const sc_config *model, int line, const char *field) {
    const sc_model_def *def = sc_model_find(role, rc->arch);
    if (!def)
        return sc_mf_problem(f, "%s line %d: field 'tasks[%d]': no %s architecture '%s' for task '%s' (see `scaffold "
                             "models`)", f->path, t->line, (int)(t - f->t), role, rc->arch, t->name);
    if (def->modality != t->task->modality)
        return sc_mf_problem(f, "%s line %d: field 'tasks[%d]': %s '%s' is for %s tasks, and '%s' is %s", f->path,
                             t->line, (int)(t - f->t), role, def->name, sc_modality_name(def->modality), t->name,
                             sc_modality_name(t->task->modality));
    sc_mf_check_each(f, line, field, t->name, model, def, NULL, 0, NULL);
}

// The teacher's configuration as train-teacher resolves it.
static void check_teacher(sc_mf *f, const sc_mf_task *t, sc_run_config *rc) {
    char kv[SC_MF_MAX_LIST][512], *sets[SC_MF_MAX_LIST];
    int n = sc_mf_sets(f, f->tset, "teacher.set", kv, SC_MF_MAX_LIST);
    for (int i = 0; i < n; i++) sets[i] = kv[i];
    sc_err e;
    int line = f->tset ? f->tset->line : t->line;
    // As train-teacher: without teachers/configs/<task>.yaml nor teacher.arch, the modality's default.
    const char *arch = f->tarch               ? f->tarch
                       : sc_run_has_default_config("teacher", t->arg) ? NULL
                                                                       : sc_run_default_arch(t->task->modality);
    if (sc_run_config_resolve(rc, "teacher", t->arg, NULL, arch, sets, n, t->init != NULL, &e))
        return sc_mf_problem_in(f, line, "teacher", t->name, "", "%s", e.msg);
    sc_mf_set_origins(f, &rc->model, NULL, "", f->tset, "teacher.set");
    sc_mf_set_origins(f, &rc->trainer, NULL, "", f->tset, "teacher.set");
    sc_mf_check_arch(f, t, "teacher", rc, &rc->model, line, "teacher");
    sc_train_opts opts;
    if (sc_train_opts_from_config(&opts, &rc->trainer, &e)) sc_mf_problem_in(f, line, "teacher", t->name, "", "%s", e.msg);
}

// The model keys train-student passes on, split as it does (split_keys in
// cli/cmd_train_student.c): teacher.K, student_explainer.K, SMaT keys, and the
// student architecture's own.
enum { PART_MODEL, PART_SMAT, PART_TEXPL, PART_SEXPL };

static int is_smat_key(const char *k) {
    for (const sc_config_spec *s = sc_student_spec; s->key; s++)
        if (!strcmp(s->key, k)) return 1;
    return 0;
}

static void split_student_keys(const sc_config *all, sc_config *part) {
    for (int p = 0; p < 4; p++) sc_config_init(&part[p]);
    for (int i = 0; i < all->n; i++) {
        const sc_config_entry *e = &all->e[i];
        int p = PART_MODEL;
        const char *k = e->key;
        if (!strncmp(k, "teacher.", 8)) p = PART_TEXPL, k += 8;
        else if (!strncmp(k, "student_explainer.", 18)) p = PART_SEXPL, k += 18;
        else if (is_smat_key(k)) p = PART_SMAT;
        sc_err ignored;  // cannot fail: at most as many keys as `all`
        sc_config_set(&part[p], k, e->value, e->origin, &ignored);
    }
}

// The explainer keys of one student: teacher.K against its explainer,
// student_explainer.K against the student explainer it resolves (auto:
// attention or gradient-x-input, depending on the student: either is accepted).
static void check_student_explainers(sc_mf *f, const sc_mf_task *t, const sc_mf_expl *x, int e, sc_config *part) {
    char field[64], what[96];
    snprintf(field, sizeof field, "explainers[%d]", e);
    const sc_explainer_def *d = sc_explainer_find(x->name);
    const sc_config *tc = &part[PART_TEXPL];
    // train-student ignores teacher.K without an explainer: only the entry's own `set` is wrong then
    // (a student.set shared with other explainers is not).
    char own[80];
    snprintf(own, sizeof own, "field '%s.set.", field);
    for (int i = 0; i < tc->n; i++) {
        if (!x->from && !strstr(tc->e[i].origin, own)) continue;  // (every teacher.K reaches a `from` run)
        if (x->from)
            sc_mf_problem_in(f, x->line, field, t->name, tc->e[i].origin,
                       "key 'teacher.%s': a learned explainer used frozen (from) keeps the settings it was "
                       "learned with", tc->e[i].key);
        else if (!strcmp(x->name, "none"))
            sc_mf_problem_in(f, x->line, field, t->name, tc->e[i].origin,
                       "key 'teacher.%s' configures the teacher explainer, and explainer 'none' has none",
                       tc->e[i].key);
    }
    if (d) {
        const sc_config_spec *sp[1] = {d->spec};
        snprintf(what, sizeof what, "explainer %s (teacher.*)", d->name);
        sc_mf_check_each(f, x->line, field, t->name, tc, NULL, sp, 1, what);
    }
    const char *se = sc_config_str(&part[PART_SMAT], "student_explainer");
    const sc_config_spec *sp[2] = {sc_explainer_find("attention")->spec, sc_explainer_find("gradient-x-input")->spec};
    int n_sp = 2;
    snprintf(what, sizeof what, "the student explainer (student_explainer.*; auto: attention or gradient-x-input)");
    if (se && strcmp(se, "auto")) {
        const char *name;
        sc_err err;
        if (sc_student_explainer_resolve(se, NULL, &name, &err)) {
            const sc_config_entry *o = sc_config_find(&part[PART_SMAT], "student_explainer");
            return sc_mf_problem_in(f, x->line, field, t->name, o ? o->origin : "", "%s", err.msg);
        }
        sp[0] = sc_explainer_find(name)->spec, n_sp = 1;
        snprintf(what, sizeof what, "student explainer %s (student_explainer.*)", name);
    }
    sc_mf_check_each(f, x->line, field, t->name, &part[PART_SEXPL], NULL, sp, n_sp, what);
}

// One student's configuration as train-student resolves it for (task, explainer).
static void check_student(sc_mf *f, const sc_mf_task *t, const sc_mf_expl *x, int e, sc_run_config *rc) {
    char kv[2 * SC_MF_MAX_LIST][512], *sets[2 * SC_MF_MAX_LIST], field[64];
    snprintf(field, sizeof field, "explainers[%d].set", e);
    int n = sc_mf_sets(f, f->sset, "student.set", kv, SC_MF_MAX_LIST);
    n += sc_mf_sets(f, x->set, field, kv + n, SC_MF_MAX_LIST);
    for (int i = 0; i < n; i++) sets[i] = kv[i];
    // As train-student: without students/configs/<task>.yaml, the modality's default architecture.
    const char *arch = sc_run_has_default_config("student", t->arg) ? NULL : sc_run_default_arch(t->task->modality);
    sc_err err;
    if (sc_run_config_resolve(rc, "student", t->arg, NULL, arch, sets, n, t->init != NULL, &err))
        return sc_mf_problem_in(f, x->line, field, t->name, "", "%s", err.msg);
    sc_mf_set_origins(f, &rc->model, f->sset, "student.set", x->set, field);
    sc_mf_set_origins(f, &rc->trainer, f->sset, "student.set", x->set, field);
    sc_train_opts opts;
    if (sc_train_opts_from_config(&opts, &rc->trainer, &err)) sc_mf_problem_in(f, x->line, field, t->name, "", "%s", err.msg);
    sc_config *part = malloc(4 * sizeof *part);
    if (!part) return sc_mf_problem(f, "%s: out of memory", f->path);
    split_student_keys(&rc->model, part);
    sc_mf_check_arch(f, t, "student", rc, &part[PART_MODEL], x->line, field);
    sc_student_cfg scf;  // SMaT values (beta with 'none', hypergradient settings, ...)
    if (sc_student_cfg_from_config(&scf, &part[PART_SMAT], x->name, t->task->label_kind == SC_REGRESSION,
                                   opts.batch_size > 0 ? opts.batch_size : 32, &err))
        sc_mf_problem_in(f, x->line, field, t->name, "", "%s", err.msg);
    check_student_explainers(f, t, x, e, part);
    free(part);
}

// n against each task's student pool: split sizes need the data, loaded once per task.
static void check_pools(sc_mf *f) {
    for (int i = 0; i < f->n_tasks; i++) {
        const sc_mf_task *t = &f->t[i];
        int again = 0;
        for (int j = 0; j < i; j++) again |= !strcmp(f->t[j].name, t->name);
        if (!t->task || !t->name[0] || again) continue;
        sc_dataset d;
        sc_err e;
        if (sc_dataset_load(t->task, &d, &e)) {
            sc_mf_problem(f, "%s line %d: field 'tasks[%d]': cannot load the data of '%s' to check n against its "
                          "student pool: %s", f->path, t->line, i, t->name, e.msg);
            continue;
        }
        size_t pool = d.counts[SC_SPLIT_STUDENT_POOL];
        sc_dataset_free(&d);
        for (int k = 0; k < t->n_ns; k++)
            if ((size_t)t->ns[k] > pool)
                sc_mf_problem(f, "%s line %d: field '%s[%d]': n = %ld is more than the student pool of task '%s' (%zu "
                              "examples)", f->path, t->n_seq->items[k]->line, t->n_field, k, t->ns[k], t->name, pool);
    }
}

void sc_mf_check(sc_mf *f) {
    if (!sc_mf_safe_name(f->name) || strlen(f->name) >= 128)
        sc_mf_problem(f, "%s line %d: field 'name': '%s' must be made of [A-Za-z0-9._-] (at most 127; it names the "
                      "results folder)", f->path, sc_mf_key_line(f->root, "name"), f->name);
    // `set` maps must hold scalars whatever else is wrong (each problem is listed once).
    char kv[SC_MF_MAX_LIST][512], field[64];
    sc_mf_sets(f, f->tset, "teacher.set", kv, SC_MF_MAX_LIST);
    sc_mf_sets(f, f->sset, "student.set", kv, SC_MF_MAX_LIST);
    for (int e = 0; e < f->n_expl; e++) {
        snprintf(field, sizeof field, "explainers[%d].set", e);
        sc_mf_sets(f, f->ex[e].set, field, kv, SC_MF_MAX_LIST);
    }
    sc_mf_check_tasks(f);
    check_ckpt(f);
    check_init(f);
    check_count(f);
    check_explainers(f);
    sc_run_config *rc = malloc(sizeof *rc);
    if (!rc) return sc_mf_problem(f, "%s: out of memory", f->path);
    for (int i = 0; i < f->n_tasks; i++) {
        if (!f->t[i].task || !f->t[i].name[0]) continue;
        if (!f->t[i].ckpt) check_teacher(f, &f->t[i], rc);
        for (int e = 0; e < f->n_expl; e++) check_student(f, &f->t[i], &f->ex[e], e, rc);
    }
    free(rc);
    // Loading data is the slow part: not for a manifest already refused for its size.
    if (f->n_teachers + f->n_students <= SC_EXP_MAX_RUNS) check_pools(f);
}
