#include "exp/manifest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "data/rawfile.h"
#include "data/task.h"
#include "data/yaml_tree.h"

#define MAX_LIST 64
// Each list may hold 64 entries, but their product could ask for 16.8M runs
// (34 GB of run records, and as many processes): the expansion is bounded too.
#define MAX_RUNS 10000

typedef struct expl_spec {
    const char *name, *label;
    int learn;
    const sc_ynode *set;
} expl_spec;

static int add_arg(sc_exp_run *r, const char *s, sc_err *err) {
    if (r->argc + 1 >= SC_EXP_MAX_ARGS) return sc_errf(err, "run %s: more than %d arguments", r->dir, SC_EXP_MAX_ARGS);
    if (!(r->argv[r->argc] = strdup(s))) return sc_errf(err, "out of memory");
    r->argv[++r->argc] = NULL;
    return 0;
}

static int add_args(sc_exp_run *r, sc_err *err, int n, ...) {
    va_list ap;
    va_start(ap, n);
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) rc = add_arg(r, va_arg(ap, const char *), err);
    va_end(ap);
    return rc;
}

// `set` maps of scalars become "--set k=v" pairs.
static int add_sets(sc_exp_run *r, const sc_ynode *set, const char *file, const char *path, sc_err *err) {
    if (!set) return 0;
    if (sc_yexpect(set, SC_Y_MAP, file, path, err)) return -1;
    for (size_t i = 0; i < set->n; i++) {
        if (set->items[i]->kind != SC_Y_SCALAR)
            return sc_errf(err, "%s line %d: field '%s.%s': expected a scalar value", file, set->items[i]->line, path,
                           set->keys[i]);
        char kv[512];
        snprintf(kv, sizeof kv, "%s=%s", set->keys[i], set->items[i]->str);
        if (add_args(r, err, 2, "--set", kv)) return -1;
    }
    return 0;
}

// The key: sha256 over the arguments (NUL-separated) before --out, then the
// bytes of the default config file the run resolves (<role>s/configs/<task>.yaml,
// or a marker when there is none), so that editing that file is a changed run.
static void run_key(sc_exp_run *r) {
    sc_sha256 h;
    sc_sha256_init(&h);
    for (int i = 0; i < r->argc && strcmp(r->argv[i], "--out"); i++) sc_sha256_update(&h, r->argv[i], strlen(r->argv[i]) + 1);
    char path[1024], *buf;
    size_t n;
    sc_err ignored;
    snprintf(path, sizeof path, "%s/%s/configs/%s.yaml", sc_task_root(), r->is_teacher ? "teachers" : "students", r->task);
    if (sc_read_file(path, &buf, &n, &ignored) == 0) {
        sc_sha256_update(&h, "config\0", 7);
        sc_sha256_update(&h, buf, n);
        free(buf);
    } else {
        sc_sha256_update(&h, "no config\0", 10);
    }
    uint8_t d[32];
    sc_sha256_final(&h, d);
    sc_sha256_to_hex(d, r->key);
}

static int scalar_list(const sc_ynode *root, const char *key, const char *file, const char **out, int *n, sc_err *err) {
    const sc_ynode *s = sc_ymap_get(root, key);
    if (!s) return sc_errf(err, "%s: missing field '%s' (a list)", file, key);
    if (sc_yexpect(s, SC_Y_SEQ, file, key, err)) return -1;
    if (!s->n) return sc_errf(err, "%s line %d: field '%s' is an empty list", file, s->line, key);
    if (s->n > MAX_LIST) return sc_errf(err, "%s line %d: field '%s' has more than %d entries", file, s->line, key, MAX_LIST);
    for (size_t i = 0; i < s->n; i++) {
        if (s->items[i]->kind != SC_Y_SCALAR)
            return sc_errf(err, "%s line %d: field '%s[%zu]': expected a scalar", file, s->items[i]->line, key, i);
        out[i] = s->items[i]->str;
    }
    *n = (int)s->n;
    return 0;
}

static int long_list(const sc_ynode *root, const char *key, long lo, long hi, const char *file, long *out, int *n,
                     sc_err *err) {
    const char *s[MAX_LIST];
    if (scalar_list(root, key, file, s, n, err)) return -1;
    const sc_ynode *seq = sc_ymap_get(root, key);
    for (int i = 0; i < *n; i++) {
        char *end;
        long v = strtol(s[i], &end, 10);
        if (!*s[i] || *end || v < lo || v > hi)
            return sc_errf(err, "%s line %d: field '%s[%d]': expected an integer in [%ld, %ld], got '%s'", file,
                           seq->items[i]->line, key, i, lo, hi, s[i]);
        out[i] = v;
    }
    return 0;
}

static int parse_explainers(const sc_ynode *root, const char *file, expl_spec *e, int *n, sc_err *err) {
    const sc_ynode *s = sc_ymap_get(root, "explainers");
    if (!s) return sc_errf(err, "%s: missing field 'explainers' (a list)", file);
    if (sc_yexpect(s, SC_Y_SEQ, file, "explainers", err)) return -1;
    if (!s->n || s->n > MAX_LIST) return sc_errf(err, "%s line %d: 'explainers' needs 1 to %d entries", file, s->line, MAX_LIST);
    static const char *const keys[] = {"name", "learn", "label", "set", NULL};
    for (size_t i = 0; i < s->n; i++) {
        const sc_ynode *it = s->items[i];
        char path[64];
        snprintf(path, sizeof path, "explainers[%zu]", i);
        memset(&e[i], 0, sizeof e[i]);
        if (it->kind == SC_Y_SCALAR) {
            e[i].name = e[i].label = it->str;
            continue;
        }
        if (sc_yexpect(it, SC_Y_MAP, file, path, err) || sc_ycheck_keys(it, keys, file, path, err) ||
            sc_yget_str(it, "name", 1, file, path, &e[i].name, err) ||
            sc_yget_bool(it, "learn", file, path, &e[i].learn, err) ||
            sc_yget_str(it, "label", 0, file, path, &e[i].label, err))
            return -1;
        if (!e[i].label) e[i].label = e[i].learn ? "smat" : e[i].name;
        e[i].set = sc_ymap_get(it, "set");
    }
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(e[i].label, e[j].label))
                return sc_errf(err, "%s line %d: explainers[%zu] has the label '%s' of explainers[%zu]; give it another `label`",
                               file, s->items[i]->line, i, e[i].label, j);
    *n = (int)s->n;
    return 0;
}

static sc_exp_run *new_run(sc_manifest *m, int cap, sc_err *err) {
    if (m->n_runs == cap) {
        sc_errf(err, "%s: too many runs", m->path);
        return NULL;
    }
    sc_exp_run *r = &m->runs[m->n_runs++];
    memset(r, 0, sizeof *r);
    r->teacher = -1;
    return r;
}

int sc_manifest_load(sc_manifest *m, const char *path, const char *out_override, sc_err *err) {
    char *text;
    size_t len;
    memset(m, 0, sizeof *m);
    if (sc_read_file_as(path, "raw", &text, &len, err)) return -1;
    int rc = sc_manifest_parse(m, path, text, len, out_override, err);
    free(text);
    return rc;
}

int sc_manifest_parse(sc_manifest *m, const char *path, const char *text, size_t len, const char *out_override,
                      sc_err *err) {
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s", path);
    sc_ynode *root;
    if (sc_yaml_load_string(text, len, path, &root, err)) return -1;
    static const char *const top[] = {"name", "out", "tasks", "teacher", "explainers", "n", "seeds", "student", NULL};
    static const char *const tkeys[] = {"seed", "set", "ckpt", "arch", NULL};
    static const char *const skeys[] = {"set", NULL};
    const char *name, *out = NULL, *tasks[MAX_LIST], *tarch = NULL;
    long ns[MAX_LIST], seeds[MAX_LIST], tseed = 1;
    int n_tasks, n_ns, n_seeds, n_expl, rc = -1;
    expl_spec ex[MAX_LIST];
    const sc_ynode *teacher, *student, *tset = NULL, *tckpt = NULL, *sset = NULL;
    if (sc_yexpect(root, SC_Y_MAP, path, "(top level)", err) || sc_ycheck_keys(root, top, path, "", err) ||
        sc_yget_str(root, "name", 1, path, "", &name, err) || sc_yget_str(root, "out", 0, path, "", &out, err) ||
        scalar_list(root, "tasks", path, tasks, &n_tasks, err) || parse_explainers(root, path, ex, &n_expl, err) ||
        long_list(root, "n", 1, 100000000, path, ns, &n_ns, err) ||
        long_list(root, "seeds", 0, 1L << 40, path, seeds, &n_seeds, err))
        goto done;
    if ((teacher = sc_ymap_get(root, "teacher"))) {
        if (sc_yexpect(teacher, SC_Y_MAP, path, "teacher", err) || sc_ycheck_keys(teacher, tkeys, path, "teacher", err) ||
            sc_yget_long(teacher, "seed", 0, 0, 1L << 40, path, "teacher", &tseed, err) ||
            sc_yget_str(teacher, "arch", 0, path, "teacher", &tarch, err))
            goto done;
        tset = sc_ymap_get(teacher, "set");
        if ((tckpt = sc_ymap_get(teacher, "ckpt")) && sc_yexpect(tckpt, SC_Y_MAP, path, "teacher.ckpt", err)) goto done;
    }
    if ((student = sc_ymap_get(root, "student"))) {
        if (sc_yexpect(student, SC_Y_MAP, path, "student", err) || sc_ycheck_keys(student, skeys, path, "student", err))
            goto done;
        sset = sc_ymap_get(student, "set");
    }
    snprintf(m->name, sizeof m->name, "%s", name);
    if (out_override) snprintf(m->out, sizeof m->out, "%s", out_override);
    else if (out) snprintf(m->out, sizeof m->out, "%s", out);
    else snprintf(m->out, sizeof m->out, "results/%s", name);

    int cap = n_tasks * (1 + n_expl * n_ns * n_seeds);
    if (cap > MAX_RUNS) {
        sc_errf(err, "%s: expands into %d runs (tasks x (1 + explainers x n x seeds)), more than %d; split it", path,
                cap, MAX_RUNS);
        goto done;
    }
    if (!(m->runs = calloc((size_t)cap, sizeof *m->runs))) {
        sc_errf(err, "out of memory");
        goto done;
    }
    for (int t = 0; t < n_tasks; t++) {
        char ckpt_dir[1024];
        const sc_ynode *given = tckpt ? sc_ymap_get(tckpt, tasks[t]) : NULL;
        int teacher_run = -1;
        if (given) {
            if (given->kind != SC_Y_SCALAR) {
                sc_errf(err, "%s line %d: field 'teacher.ckpt.%s': expected a directory", path, given->line, tasks[t]);
                goto done;
            }
            snprintf(ckpt_dir, sizeof ckpt_dir, "%s", given->str);
        } else {
            sc_exp_run *r = new_run(m, cap, err);
            if (!r) goto done;
            teacher_run = m->n_runs - 1;
            r->is_teacher = 1;
            r->seed = tseed;
            snprintf(r->task, sizeof r->task, "%s", tasks[t]);
            snprintf(r->label, sizeof r->label, "teacher");
            snprintf(r->dir, sizeof r->dir, "%s/teachers/%s", m->out, tasks[t]);
            snprintf(ckpt_dir, sizeof ckpt_dir, "%s", r->dir);
            char s[32];
            snprintf(s, sizeof s, "%ld", tseed);
            if (add_args(r, err, 5, "train-teacher", "--task", tasks[t], "--seed", s) ||
                (tarch && add_args(r, err, 2, "--teacher", tarch)) || add_sets(r, tset, path, "teacher.set", err) ||
                add_args(r, err, 2, "--out", r->dir))
                goto done;
            run_key(r);
        }
        for (int e = 0; e < n_expl; e++)
            for (int k = 0; k < n_ns; k++)
                for (int s = 0; s < n_seeds; s++) {
                    sc_exp_run *r = new_run(m, cap, err);
                    if (!r) goto done;
                    r->teacher = teacher_run;
                    r->n = ns[k];
                    r->seed = seeds[s];
                    snprintf(r->task, sizeof r->task, "%s", tasks[t]);
                    snprintf(r->label, sizeof r->label, "%s", ex[e].label);
                    snprintf(r->dir, sizeof r->dir, "%s/runs/%s/%s/n%ld/seed%ld", m->out, tasks[t], ex[e].label, ns[k],
                             seeds[s]);
                    char nb[32], sb[32], ep[64];
                    snprintf(nb, sizeof nb, "%ld", ns[k]);
                    snprintf(sb, sizeof sb, "%ld", seeds[s]);
                    snprintf(ep, sizeof ep, "explainers[%d].set", e);
                    if (add_args(r, err, 11, "train-student", "--task", tasks[t], "--teacher-ckpt", ckpt_dir,
                                 "--explainer", ex[e].name, "--n", nb, "--seed", sb) ||
                        (ex[e].learn && add_arg(r, "--learn-explainer", err)) ||
                        (strcmp(ex[e].label, ex[e].learn ? "smat" : ex[e].name) &&
                         add_args(r, err, 2, "--label", ex[e].label)) ||
                        add_sets(r, sset, path, "student.set", err) || add_sets(r, ex[e].set, path, ep, err) ||
                        add_args(r, err, 2, "--out", r->dir))
                        goto done;
                    run_key(r);
                }
    }
    rc = 0;
done:
    sc_ynode_free(root);
    if (rc) sc_manifest_free(m);
    return rc;
}

void sc_manifest_free(sc_manifest *m) {
    for (int i = 0; i < m->n_runs; i++)
        for (int a = 0; a < m->runs[i].argc; a++) free(m->runs[i].argv[a]);
    free(m->runs);
    m->runs = NULL;
    m->n_runs = 0;
}
