// manifest.c — parsing a manifest's syntax and expanding it into runs
// (manifest.h); the checks in between are manifest_check.c.
#include "exp/manifest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "data/rawfile.h"
#include "exp/manifest_impl.h"

#define MAX_LIST SC_MF_MAX_LIST

int sc_mf_add_arg(sc_exp_run *r, const char *s, sc_err *err) {
    if (r->argc + 1 >= SC_EXP_MAX_ARGS) return sc_errf(err, "run %s: more than %d arguments", r->dir, SC_EXP_MAX_ARGS);
    if (!(r->argv[r->argc] = strdup(s))) return sc_errf(err, "out of memory");
    r->argv[++r->argc] = NULL;
    return 0;
}

int sc_mf_add_args(sc_exp_run *r, sc_err *err, int n, ...) {
    va_list ap;
    va_start(ap, n);
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) rc = sc_mf_add_arg(r, va_arg(ap, const char *), err);
    va_end(ap);
    return rc;
}

// `set` maps of scalars become "--set k=v" pairs (validated by sc_mf_check).
int sc_mf_add_sets(sc_mf *f, sc_exp_run *r, const sc_ynode *set, const char *field, sc_err *err) {
    char kv[MAX_LIST][512];
    int n = sc_mf_sets(f, set, field, kv, MAX_LIST);
    for (int i = 0; i < n; i++)
        if (sc_mf_add_args(r, err, 2, "--set", kv[i])) return -1;
    return 0;
}

// The key: sha256 over the arguments (NUL-separated) before --out, then the
// bytes of the default config file the run resolves (<role>s/configs/<task>.yaml
// for its --task argument, as train-teacher/train-student look it up, or a
// marker when there is none), so that editing that file is a changed run; and
// the backbone's sha256 (init_sha256, "" for none), so that a retrained backbone
// at the same path is one too.
void sc_mf_run_key(sc_exp_run *r, const char *init_sha256) {
    sc_sha256 h;
    sc_sha256_init(&h);
    const char *task = r->task;
    for (int i = 0; i < r->argc && strcmp(r->argv[i], "--out"); i++) {
        sc_sha256_update(&h, r->argv[i], strlen(r->argv[i]) + 1);
        if (!strcmp(r->argv[i], "--task") && i + 1 < r->argc) task = r->argv[i + 1];
    }
    char path[2048], *buf;
    size_t n;
    sc_err ignored;
    snprintf(path, sizeof path, "%s/%s/configs/%s.yaml", sc_task_root(),
             r->kind == SC_EXP_STUDENT || r->kind == SC_EXP_AL ? "students" : "teachers", task);
    if (sc_read_file(path, &buf, &n, &ignored) == 0) {
        sc_sha256_update(&h, "config\0", 7);
        sc_sha256_update(&h, buf, n);
        free(buf);
    } else {
        sc_sha256_update(&h, "no config\0", 10);
    }
    if (init_sha256[0]) {
        sc_sha256_update(&h, "init\0", 5);
        sc_sha256_update(&h, init_sha256, 64);
    }
    uint8_t d[32];
    sc_sha256_final(&h, d);
    sc_sha256_to_hex(d, r->key);
}

// The argv's --set values, in order, as the library configuration's overrides.
int sc_mf_bind_sets(sc_exp_run *r) {
    int n = 0;
    for (int i = 0; i + 1 < r->argc; i++)
        if (!strcmp(r->argv[i], "--set")) r->sets[n++] = r->argv[++i];
    return n;
}

// The argument after `flag` (flags the plan wrote itself), or NULL.
const char *sc_mf_arg_of(const sc_exp_run *r, const char *flag) {
    for (int i = 0; i + 1 < r->argc; i++)
        if (!strcmp(r->argv[i], flag)) return r->argv[i + 1];
    return NULL;
}

static void bind_teacher(sc_exp_run *r) {
    sc_teacher_run_cfg *c = &r->teacher_cfg;
    *c = sc_teacher_run_defaults();
    c->task = sc_mf_arg_of(r, "--task"), c->arch = sc_mf_arg_of(r, "--teacher"), c->out = sc_mf_arg_of(r, "--out");
    c->seed = (uint64_t)r->seed, c->init = sc_mf_arg_of(r, "--init");
    c->sets = r->sets, c->n_sets = sc_mf_bind_sets(r);
    c->log = NULL;
}

static void bind_student(sc_exp_run *r, int learn) {
    sc_student_run_cfg *c = &r->student_cfg;
    *c = sc_student_run_defaults();
    c->task = sc_mf_arg_of(r, "--task"), c->teacher_ckpt = sc_mf_arg_of(r, "--teacher-ckpt");
    c->explainer = sc_mf_arg_of(r, "--explainer"), c->label = sc_mf_arg_of(r, "--label"), c->out = sc_mf_arg_of(r, "--out");
    c->explainer_ckpt = sc_mf_arg_of(r, "--explainer-ckpt"), c->init = sc_mf_arg_of(r, "--init");
    c->n = (size_t)r->n, c->seed = (uint64_t)r->seed, c->learn = learn;
    c->sets = r->sets, c->n_sets = sc_mf_bind_sets(r);
    c->log = NULL;
}

// The list under `key` of the map root; messages call it `field` (NULL: key).
int sc_mf_scalar_list_as(const sc_ynode *root, const char *key, const char *field, const char *file,
                          const char **out, int *n, sc_err *err) {
    const sc_ynode *s = sc_ymap_get(root, key);
    if (!field) field = key;
    if (!s) return sc_errf(err, "%s: missing field '%s' (a list)", file, field);
    if (sc_yexpect(s, SC_Y_SEQ, file, field, err)) return -1;
    if (!s->n) return sc_errf(err, "%s line %d: field '%s' is an empty list", file, s->line, field);
    if (s->n > MAX_LIST) return sc_errf(err, "%s line %d: field '%s' has more than %d entries", file, s->line, field, MAX_LIST);
    for (size_t i = 0; i < s->n; i++) {
        if (s->items[i]->kind != SC_Y_SCALAR)
            return sc_errf(err, "%s line %d: field '%s[%zu]': expected a scalar", file, s->items[i]->line, field, i);
        out[i] = s->items[i]->str;
    }
    *n = (int)s->n;
    return 0;
}

static int scalar_list(const sc_ynode *root, const char *key, const char *file, const char **out, int *n, sc_err *err) {
    return sc_mf_scalar_list_as(root, key, NULL, file, out, n, err);
}

int sc_mf_long_list_as(const sc_ynode *root, const char *key, const char *field, long lo, long hi,
                        const char *file, long *out, int *n, sc_err *err) {
    const char *s[MAX_LIST];
    if (sc_mf_scalar_list_as(root, key, field, file, s, n, err)) return -1;
    if (!field) field = key;
    const sc_ynode *seq = sc_ymap_get(root, key);
    for (int i = 0; i < *n; i++) {
        char *end;
        long v = strtol(s[i], &end, 10);
        if (!*s[i] || *end || v < lo || v > hi)
            return sc_errf(err, "%s line %d: field '%s[%d]': expected an integer in [%ld, %ld], got '%s'", file,
                           seq->items[i]->line, field, i, lo, hi, s[i]);
        out[i] = v;
    }
    return 0;
}

int sc_mf_parse_name_tasks_seeds(sc_mf *f, sc_err *err) {
    const char *tasks[MAX_LIST];
    if (sc_yget_str(f->root, "name", 1, f->path, "", &f->name, err) ||
        sc_yget_str(f->root, "out", 0, f->path, "", &f->out, err) ||
        sc_mf_scalar_list_as(f->root, "tasks", NULL, f->path, tasks, &f->n_tasks, err) ||
        sc_mf_long_list_as(f->root, "seeds", NULL, 0, 1L << 40, f->path, f->seeds, &f->n_seeds, err))
        return -1;
    f->tasks_node = sc_ymap_get(f->root, "tasks");
    f->seeds_node = sc_ymap_get(f->root, "seeds");
    for (int i = 0; i < f->n_tasks; i++) f->t[i].entry = tasks[i], f->t[i].line = f->tasks_node->items[i]->line;
    return 0;
}

static int long_list(const sc_ynode *root, const char *key, long lo, long hi, const char *file, long *out, int *n,
                     sc_err *err) {
    return sc_mf_long_list_as(root, key, NULL, lo, hi, file, out, n, err);
}

static int parse_explainers(sc_mf *f, sc_err *err) {
    const char *file = f->path;
    const sc_ynode *s = f->expl_node = sc_ymap_get(f->root, "explainers");
    if (!s) return sc_errf(err, "%s: missing field 'explainers' (a list)", file);
    if (sc_yexpect(s, SC_Y_SEQ, file, "explainers", err)) return -1;
    if (!s->n || s->n > MAX_LIST) return sc_errf(err, "%s line %d: 'explainers' needs 1 to %d entries", file, s->line, MAX_LIST);
    static const char *const keys[] = {"name", "learn", "label", "from", "set", NULL};
    sc_mf_expl *e = f->ex;
    for (size_t i = 0; i < s->n; i++) {
        const sc_ynode *it = s->items[i];
        char path[64];
        snprintf(path, sizeof path, "explainers[%zu]", i);
        memset(&e[i], 0, sizeof e[i]);
        e[i].line = it->line;
        if (it->kind == SC_Y_SCALAR) {
            e[i].name = e[i].label = it->str;
            continue;
        }
        if (sc_yexpect(it, SC_Y_MAP, file, path, err) || sc_ycheck_keys(it, keys, file, path, err) ||
            sc_yget_str(it, "name", 1, file, path, &e[i].name, err) ||
            sc_yget_bool(it, "learn", file, path, &e[i].learn, err) ||
            sc_yget_str(it, "label", 0, file, path, &e[i].label, err) ||
            sc_yget_str(it, "from", 0, file, path, &e[i].from, err))
            return -1;
        if (!e[i].label && e[i].from) {
            snprintf(e[i].label_buf, sizeof e[i].label_buf, "%s-transfer", e[i].from);
            e[i].label = e[i].label_buf;
        }
        if (!e[i].label) e[i].label = e[i].learn ? "smat" : e[i].name;
        e[i].set = sc_ymap_get(it, "set");
    }
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(e[i].label, e[j].label))
                return sc_errf(err, "%s line %d: explainers[%zu] has the label '%s' of explainers[%zu]; give it another `label`",
                               file, s->items[i]->line, i, e[i].label, j);
    f->n_expl = (int)s->n;
    return 0;
}

// `n`: one list for every task, or a map from each task (as written in
// `tasks`) to its own list, e.g. {synth-text: [200], movie-reviews: [500]}.
static int parse_n(sc_mf *f, sc_err *err) {
    const sc_ynode *n = f->n_node = sc_ymap_get(f->root, "n");
    if (!n) return sc_errf(err, "%s: missing field 'n' (a list, or a map from task to list)", f->path);
    if (n->kind != SC_Y_MAP) {  // one list, parsed once, for every task
        sc_mf_task *t0 = &f->t[0];
        if (long_list(f->root, "n", 1, 100000000, f->path, t0->ns, &t0->n_ns, err)) return -1;
        for (int i = 0; i < f->n_tasks; i++) {
            sc_mf_task *t = &f->t[i];
            if (i) memcpy(t->ns, t0->ns, sizeof t->ns), t->n_ns = t0->n_ns;
            t->n_seq = n;
            snprintf(t->n_field, sizeof t->n_field, "n");
        }
        return 0;
    }
    for (size_t k = 0; k < n->n; k++) {
        int known = 0;
        for (int i = 0; i < f->n_tasks; i++) known |= !strcmp(n->keys[k], f->t[i].entry);
        if (!known)
            return sc_errf(err, "%s line %d: field 'n.%s': not one of the manifest's tasks (n as a map gives each "
                           "task of `tasks` its list)", f->path, n->key_lines[k], n->keys[k]);
    }
    for (int i = 0; i < f->n_tasks; i++) {
        sc_mf_task *t = &f->t[i];
        snprintf(t->n_field, sizeof t->n_field, "n.%s", t->entry);
        if (!(t->n_seq = sc_ymap_get(n, t->entry)))
            return sc_errf(err, "%s line %d: field 'n' has no entry for task '%s' (line %d): give it its list of "
                           "student sizes", f->path, n->line, t->entry, t->line);
        if (sc_mf_long_list_as(n, t->entry, t->n_field, 1, 100000000, f->path, t->ns, &t->n_ns, err)) return -1;
    }
    return 0;
}

// The syntax: fields, types, list sizes (the first error stops).
static int parse(sc_mf *f, sc_err *err) {
    static const char *const top[] = {"name", "out",   "kind",    "tasks", "teacher", "explainers",
                                      "n",    "seeds", "student", "init",  NULL};
    static const char *const tkeys[] = {"seed", "set", "ckpt", "arch", NULL};
    static const char *const skeys[] = {"set", NULL};
    const char *path = f->path, *tasks[MAX_LIST];
    const sc_ynode *root = f->root, *teacher, *student;
    f->tseed = 1;
    if (sc_yexpect(root, SC_Y_MAP, path, "(top level)", err) || sc_ycheck_keys(root, top, path, "", err) ||
        sc_yget_str(root, "name", 1, path, "", &f->name, err) || sc_yget_str(root, "out", 0, path, "", &f->out, err) ||
        scalar_list(root, "tasks", path, tasks, &f->n_tasks, err) || parse_explainers(f, err) ||
        long_list(root, "seeds", 0, 1L << 40, path, f->seeds, &f->n_seeds, err))
        return -1;
    f->tasks_node = sc_ymap_get(root, "tasks");
    f->seeds_node = sc_ymap_get(root, "seeds");
    for (int i = 0; i < f->n_tasks; i++) {
        f->t[i].entry = tasks[i];
        f->t[i].line = f->tasks_node->items[i]->line;
    }
    if (parse_n(f, err)) return -1;
    if ((teacher = sc_ymap_get(root, "teacher"))) {
        if (sc_yexpect(teacher, SC_Y_MAP, path, "teacher", err) || sc_ycheck_keys(teacher, tkeys, path, "teacher", err) ||
            sc_yget_long(teacher, "seed", 0, 0, 1L << 40, path, "teacher", &f->tseed, err) ||
            sc_yget_str(teacher, "arch", 0, path, "teacher", &f->tarch, err))
            return -1;
        f->tset = sc_ymap_get(teacher, "set");
        if ((f->tckpt = sc_ymap_get(teacher, "ckpt")) && sc_yexpect(f->tckpt, SC_Y_MAP, path, "teacher.ckpt", err))
            return -1;
        if (f->tset && sc_yexpect(f->tset, SC_Y_MAP, path, "teacher.set", err)) return -1;
    }
    if ((f->init_node = sc_ymap_get(root, "init")) && sc_yexpect(f->init_node, SC_Y_MAP, path, "init", err)) return -1;
    if ((student = sc_ymap_get(root, "student"))) {
        if (sc_yexpect(student, SC_Y_MAP, path, "student", err) || sc_ycheck_keys(student, skeys, path, "student", err))
            return -1;
        f->sset = sc_ymap_get(student, "set");
        if (f->sset && sc_yexpect(f->sset, SC_Y_MAP, path, "student.set", err)) return -1;
    }
    for (int e = 0; e < f->n_expl; e++) {
        char field[64];
        snprintf(field, sizeof field, "explainers[%d].set", e);
        if (f->ex[e].set && sc_yexpect(f->ex[e].set, SC_Y_MAP, path, field, err)) return -1;
    }
    return 0;
}

sc_exp_run *sc_mf_new_run(sc_manifest *m, int cap, sc_err *err) {
    if (m->n_runs == cap) {
        sc_errf(err, "%s: too many runs", m->path);
        return NULL;
    }
    sc_exp_run *r = &m->runs[m->n_runs++];
    memset(r, 0, sizeof *r);
    r->teacher = -1;
    r->after = -1;
    return r;
}

// Every directory is OUT/ followed by names checked by sc_mf_check (task
// names sanitized, labels path-safe, numbers): this re-checks that nothing
// can land outside OUT, and that no path was cut short.
int sc_mf_dir_under_out(const sc_manifest *m, sc_exp_run *r, int len, sc_err *err) {
    size_t k = strlen(m->out);
    if (len < 0 || (size_t)len >= sizeof r->dir) return sc_errf(err, "%s: the output path of a run is too long (OUT = %s)", m->path, m->out);
    if (strncmp(r->dir, m->out, k) || r->dir[k] != '/' || strstr(r->dir + k, "/../") || strstr(r->dir + k, "/./"))
        return sc_errf(err, "%s: run directory %s is not inside %s", m->path, r->dir, m->out);
    return 0;
}

static int plan_teacher(sc_mf *f, sc_manifest *m, int cap, int t, sc_err *err) {
    sc_exp_run *r = sc_mf_new_run(m, cap, err);
    if (!r) return -1;
    const sc_mf_task *tk = &f->t[t];
    r->kind = SC_EXP_TEACHER, r->is_teacher = 1;
    r->seed = f->tseed;
    snprintf(r->task, sizeof r->task, "%s", tk->name);
    snprintf(r->label, sizeof r->label, "teacher");
    if (sc_mf_dir_under_out(m, r, snprintf(r->dir, sizeof r->dir, "%s/teachers/%s", m->out, tk->name), err)) return -1;
    char s[32];
    snprintf(s, sizeof s, "%ld", f->tseed);
    if (sc_mf_add_args(r, err, 5, "train-teacher", "--task", tk->arg, "--seed", s) ||
        (f->tarch && sc_mf_add_args(r, err, 2, "--teacher", f->tarch)) || sc_mf_add_sets(f, r, f->tset, "teacher.set", err) ||
        (tk->init && sc_mf_add_args(r, err, 2, "--init", tk->init->str)) || sc_mf_add_args(r, err, 2, "--out", r->dir))
        return -1;
    bind_teacher(r);
    sc_mf_run_key(r, tk->init_sha256);
    return 0;
}

static int plan_student(sc_mf *f, sc_manifest *m, int cap, int t, int teacher_run, const char *ckpt_dir, int e, int k,
                        int s, sc_err *err) {
    sc_exp_run *r = sc_mf_new_run(m, cap, err);
    if (!r) return -1;
    const sc_mf_task *tk = &f->t[t];
    const sc_mf_expl *x = &f->ex[e];
    r->teacher = teacher_run;
    r->n = tk->ns[k];
    r->seed = f->seeds[s];
    snprintf(r->task, sizeof r->task, "%s", tk->name);
    snprintf(r->label, sizeof r->label, "%s", x->label);
    int len = snprintf(r->dir, sizeof r->dir, "%s/runs/%s/%s/n%ld/seed%ld", m->out, tk->name, x->label, r->n, r->seed);
    if (sc_mf_dir_under_out(m, r, len, err)) return -1;
    char nb[32], sb[32], ep[64];
    snprintf(nb, sizeof nb, "%ld", r->n);
    snprintf(sb, sizeof sb, "%ld", r->seed);
    snprintf(ep, sizeof ep, "explainers[%d].set", e);
    char from_ckpt[1200];
    if (x->from)  // the learning run of the same task, n and seed (manifest.h: runs/<task>/<label>/n<N>/seed<S>)
        snprintf(from_ckpt, sizeof from_ckpt, "%s/runs/%s/%s/n%ld/seed%ld/explainer.ckpt", m->out, tk->name, x->from,
                 r->n, r->seed);
    if (sc_mf_add_args(r, err, 5, "train-student", "--task", tk->arg, "--teacher-ckpt", ckpt_dir) ||
        (x->from ? sc_mf_add_args(r, err, 2, "--explainer-ckpt", from_ckpt) : sc_mf_add_args(r, err, 2, "--explainer", x->name)) ||
        sc_mf_add_args(r, err, 4, "--n", nb, "--seed", sb) || (x->learn && sc_mf_add_arg(r, "--learn-explainer", err)) ||
        (strcmp(x->label, x->learn ? "smat" : x->from ? "smat-transfer" : x->name) &&
         sc_mf_add_args(r, err, 2, "--label", x->label)) ||
        sc_mf_add_sets(f, r, f->sset, "student.set", err) || sc_mf_add_sets(f, r, x->set, ep, err) ||
        (tk->init && sc_mf_add_args(r, err, 2, "--init", tk->init->str)) || sc_mf_add_args(r, err, 2, "--out", r->dir))
        return -1;
    bind_student(r, x->learn);
    sc_mf_run_key(r, tk->init_sha256);
    return 0;
}

// Each `from` run waits for the learning run whose explainer.ckpt it reads:
// the run of the same task, n and seed under the `from` label.
static int link_transfers(sc_mf *f, sc_manifest *m, sc_err *err) {
    for (int i = 0; i < m->n_runs; i++) {
        sc_exp_run *r = &m->runs[i];
        const char *from = NULL;
        for (int e = 0; e < f->n_expl && !r->is_teacher; e++)
            if (f->ex[e].from && !strcmp(f->ex[e].label, r->label)) from = f->ex[e].from;
        if (!from) continue;
        for (int j = 0; j < m->n_runs && r->after < 0; j++) {
            const sc_exp_run *q = &m->runs[j];
            if (!q->is_teacher && !strcmp(q->task, r->task) && !strcmp(q->label, from) && q->n == r->n &&
                q->seed == r->seed)
                r->after = j;
        }
        if (r->after < 0) return sc_errf(err, "%s: run %s has no '%s' run to take its explainer from", m->path, r->dir, from);
    }
    return 0;
}

// Teachers first (one per task without a checkpoint), then task × explainer × n × seed.
static int expand(sc_mf *f, sc_manifest *m, sc_err *err) {
    int cap = (int)(f->n_teachers + f->n_students);  // at most SC_EXP_MAX_RUNS (checked)
    if (!(m->runs = calloc((size_t)cap, sizeof *m->runs))) return sc_errf(err, "out of memory");
    for (int t = 0; t < f->n_tasks; t++) {
        char ckpt_dir[1024];
        int teacher_run = -1;
        if (f->t[t].ckpt) {
            snprintf(ckpt_dir, sizeof ckpt_dir, "%s", f->t[t].ckpt->str);
        } else {
            if (plan_teacher(f, m, cap, t, err)) return -1;
            teacher_run = m->n_runs - 1;
            snprintf(ckpt_dir, sizeof ckpt_dir, "%s", m->runs[teacher_run].dir);
        }
        for (int e = 0; e < f->n_expl; e++)
            for (int k = 0; k < f->t[t].n_ns; k++)
                for (int s = 0; s < f->n_seeds; s++)
                    if (plan_student(f, m, cap, t, teacher_run, ckpt_dir, e, k, s, err)) return -1;
    }
    return link_transfers(f, m, err);
}

// "PATH: N problems (nothing was run):" and as many of them as fit in err.
static void problems_to_err(const sc_mf *f, int listed_elsewhere, sc_err *err) {
    char head[1200];
    snprintf(head, sizeof head, "%s: %d problem%s (nothing was run)%s", f->path, f->n_problems,
             f->n_problems > 1 ? "s" : "", listed_elsewhere ? "" : ":");
    sc_errf(err, "%s", head);
    if (listed_elsewhere) return;
    size_t used = strlen(err->msg);
    int shown = 0;
    for (const char *p = f->problems; p && *p; shown++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (used + n + 48 >= sizeof err->msg) break;
        used += (size_t)snprintf(err->msg + used, sizeof err->msg - used, "\n  %.*s", (int)n, p);
        p += n + (nl != NULL);
    }
    if (shown < f->n_problems)
        snprintf(err->msg + used, sizeof err->msg - used, "\n  ... and %d more", f->n_problems - shown);
}

// `kind`: absent or `student` (teachers and students), `xbl` (manifest_xbl.c) or `active-learning` (manifest_al.c).
static int read_kind(const sc_mf *f, sc_exp_kind *kind, sc_err *err) {
    *kind = SC_EXP_STUDENT;
    const sc_ynode *k = f->root && f->root->kind == SC_Y_MAP ? sc_ymap_get(f->root, "kind") : NULL;
    if (!k) return 0;
    if (k->kind == SC_Y_SCALAR && !strcmp(k->str, "xbl")) *kind = SC_EXP_XBL;
    else if (k->kind == SC_Y_SCALAR && !strcmp(k->str, "active-learning")) *kind = SC_EXP_AL;
    else if (k->kind != SC_Y_SCALAR || strcmp(k->str, "student"))
        return sc_errf(err, "%s line %d: field 'kind': expected student (the default: teachers and students) or xbl "
                       "(scaffold train-xbl runs) or active-learning (scaffold active-learn runs)", f->path, k->line);
    return 0;
}

static void mf_free(sc_mf *f) {
    sc_mf_xbl_free(f);
    sc_mf_al_free(f);
    for (int i = 0; i < f->n_tasks; i++) sc_task_free(f->t[i].task);
    sc_ynode_free(f->root);
    free(f->problems);
}

int sc_manifest_load_report(sc_manifest *m, const char *path, const char *out_override, FILE *problems,
                            sc_err *err) {
    char *text;
    size_t len;
    memset(m, 0, sizeof *m);
    if (sc_read_file_as(path, "raw", &text, &len, err)) return -1;
    int rc = sc_manifest_parse_report(m, path, text, len, out_override, problems, err);
    free(text);
    return rc;
}

int sc_manifest_parse(sc_manifest *m, const char *path, const char *text, size_t len, const char *out_override,
                      sc_err *err) {
    return sc_manifest_parse_report(m, path, text, len, out_override, NULL, err);
}

int sc_manifest_parse_report(sc_manifest *m, const char *path, const char *text, size_t len, const char *out_override,
                             FILE *problems, sc_err *err) {
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s", path);
    sc_mf *f = calloc(1, sizeof *f);
    if (!f) return sc_errf(err, "out of memory");
    f->path = path;
    const char *slash = strrchr(path, '/');
    snprintf(f->dir, sizeof f->dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (slash == path) snprintf(f->dir, sizeof f->dir, "/");
    int rc = -1;
    sc_exp_kind kind;
    if (sc_yaml_load_string(text, len, path, &f->root, err) || read_kind(f, &kind, err)) goto done;
    if (kind == SC_EXP_XBL ? sc_mf_xbl_parse(f, err) : kind == SC_EXP_AL ? sc_mf_al_parse(f, err) : parse(f, err))
        goto done;
    const char *out = out_override ? out_override : f->out;
    int olen = out ? snprintf(m->out, sizeof m->out, "%s", out) : snprintf(m->out, sizeof m->out, "results/%s", f->name);
    if (olen < 0 || (size_t)olen >= sizeof m->out || !m->out[0]) {
        sc_errf(err, "%s: the output folder '%s' is empty or too long", path, m->out);
        goto done;
    }
    while (olen > 1 && m->out[olen - 1] == '/') m->out[--olen] = '\0';
    snprintf(m->name, sizeof m->name, "%s", f->name);
    m->kind = kind;
    if (kind == SC_EXP_XBL) sc_mf_xbl_check(f);
    else if (kind == SC_EXP_AL) sc_mf_al_check(f);
    else sc_mf_check(f);
    if (f->n_problems) {
        if (problems && f->problems) fputs(f->problems, problems);
        problems_to_err(f, problems != NULL, err);
        goto done;
    }
    if (kind == SC_EXP_XBL ? sc_mf_xbl_expand(f, m, err) : kind == SC_EXP_AL ? sc_mf_al_expand(f, m, err)
                           : expand(f, m, err))
        goto done;
    rc = 0;
done:
    mf_free(f);
    free(f);
    if (rc) sc_manifest_free(m);
    return rc;
}

int sc_manifest_load(sc_manifest *m, const char *path, const char *out_override, sc_err *err) {
    return sc_manifest_load_report(m, path, out_override, NULL, err);
}

void sc_manifest_free(sc_manifest *m) {
    for (int i = 0; i < m->n_runs; i++)
        for (int a = 0; a < m->runs[i].argc; a++) free(m->runs[i].argv[a]);
    free(m->runs);
    m->runs = NULL;
    m->n_runs = 0;
}
