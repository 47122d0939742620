// manifest_impl.h — what manifest.c (parsing, expansion) and manifest_check.c
// (validation) share while one manifest is loaded. Internal to src/exp.
#ifndef SC_EXP_MANIFEST_IMPL_H
#define SC_EXP_MANIFEST_IMPL_H

#include <stdio.h>

#include "data/task.h"
#include "models/model.h"
#include "train/setup.h"
#include "core/yaml_tree.h"
#include "exp/manifest.h"

#define SC_MF_MAX_LIST 64  // entries of tasks, explainers, n, seeds

typedef struct sc_mf_expl {
    const char *name, *label;
    const char *from;     // the label of a `learn: true` entry whose learned explainer it uses frozen, or NULL
    char label_buf[80];   // the default label of a `from` entry: "<from>-transfer"
    int learn, line;
    const sc_ynode *set;  // may be NULL
} sc_mf_expl;

typedef struct sc_mf_task {
    const char *entry;     // as written in `tasks`
    int line;
    char arg[1024];        // what the runs' --task gets: the name, or the path resolved against the manifest's folder
    char name[64];         // the task's `name:`, sanitized: its folder under OUT ("" if the task did not open)
    sc_task *task;         // NULL when it could not be opened
    const sc_ynode *ckpt;  // its teacher.ckpt entry, or NULL (a teacher run is planned)
    const sc_ynode *init;  // its `init` entry (a pretrained backbone), or NULL
    char init_sha256[65];  // the backbone checkpoint's sha256 (part of each run's key), or ""
    // Its student sizes: the manifest's `n` list, or its own entry when `n` is
    // a map from task to list; n_seq is the list's node (for line numbers).
    long ns[SC_MF_MAX_LIST];
    int n_ns;
    const sc_ynode *n_seq;
    char n_field[96];      // "n" or "n.<task>", for messages
} sc_mf_task;

// One manifest being loaded: the parsed fields, then the problems found.
typedef struct sc_mf {
    const char *path;
    char dir[1024];        // the manifest's folder
    sc_ynode *root;
    const char *name, *out, *tarch;
    long tseed;
    const sc_ynode *tasks_node, *expl_node, *n_node, *seeds_node, *tset, *tckpt, *sset, *init_node;
    sc_mf_task t[SC_MF_MAX_LIST];
    int n_tasks;
    sc_mf_expl ex[SC_MF_MAX_LIST];
    int n_expl;
    long seeds[SC_MF_MAX_LIST];
    int n_seeds;
    long long n_teachers, n_students;  // computed from the list sizes, before expanding
    struct sc_mf_xbl *x;   // kind: xbl: its methods and settings (manifest_xbl.c), else NULL
    struct sc_mf_al *al;   // kind: active-learning: its strategies and settings (manifest_al.c), else NULL
    char *problems;        // one per line (malloc'd)
    size_t problems_len;
    int n_problems;
} sc_mf;

// Records one problem (a line naming the file, line and field); the same text
// twice (a student.set key wrong for every explainer) is kept once.
void sc_mf_problem(sc_mf *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// Runs every check of manifest.h on a parsed manifest, collecting problems;
// opens the tasks (f->t[i].task, name).
void sc_mf_check(sc_mf *f);
// 1 if s is a safe single path component: [A-Za-z0-9._-]+, not "." or "..".
int sc_mf_safe_name(const char *s);
// The `--set` arguments of a `set` map ("k=v"), n at most cap; problems for
// non-scalar values and overlong pairs. field: "student.set" etc.
int sc_mf_sets(sc_mf *f, const sc_ynode *set, const char *field, char (*kv)[512], int cap);

// ---- shared with manifest_xbl.c (the xbl kind) --------------------------------------

// The checks both kinds make: every task opens, its output name (manifest_check.c).
void sc_mf_check_tasks(sc_mf *f);
// A key of a map keyed by task (teacher.ckpt, init, model) names task i: its entry or its name.
int sc_mf_key_names_task(const sc_mf *f, int i, const char *key);
// The line of `key` in map m (the map's own line if absent).
int sc_mf_key_line(const sc_ynode *m, const char *key);
// A problem of one task and manifest entry (see manifest_check.c).
void sc_mf_problem_in(sc_mf *f, int line, const char *field, const char *task, const char *origin, const char *fmt,
                      ...) __attribute__((format(printf, 6, 7)));
// Entries of c set by --set get their manifest origin: the key in b (applied last) or a.
void sc_mf_set_origins(sc_mf *f, sc_config *c, const sc_ynode *a, const char *fa, const sc_ynode *b, const char *fb);
// Every key of c alone against the model definition (or else the specs), each unknown one a problem.
void sc_mf_check_each(sc_mf *f, int line, const char *field, const char *task, const sc_config *c,
                      const sc_model_def *model, const sc_config_spec *const *specs, int n_specs, const char *what);
// The architecture rc resolves exists for `role`, fits the task's modality and knows every key of model.
void sc_mf_check_arch(sc_mf *f, const sc_mf_task *t, const char *role, const sc_run_config *rc,
                      const sc_config *model, int line, const char *field);

// Expansion helpers (manifest.c): arguments, --set pairs, keys, bound configs, run slots.
int sc_mf_add_arg(sc_exp_run *r, const char *s, sc_err *err);
int sc_mf_add_args(sc_exp_run *r, sc_err *err, int n, ...);
int sc_mf_add_sets(sc_mf *f, sc_exp_run *r, const sc_ynode *set, const char *field, sc_err *err);
void sc_mf_run_key(sc_exp_run *r, const char *init_sha256);
int sc_mf_bind_sets(sc_exp_run *r);
const char *sc_mf_arg_of(const sc_exp_run *r, const char *flag);
sc_exp_run *sc_mf_new_run(sc_manifest *m, int cap, sc_err *err);
int sc_mf_dir_under_out(const sc_manifest *m, sc_exp_run *r, int len, sc_err *err);
// The list under `key` of map root (messages call it `field`, NULL: key): scalars, or integers in [lo, hi].
int sc_mf_scalar_list_as(const sc_ynode *root, const char *key, const char *field, const char *file,
                         const char **out, int *n, sc_err *err);
int sc_mf_long_list_as(const sc_ynode *root, const char *key, const char *field, long lo, long hi,
                       const char *file, long *out, int *n, sc_err *err);
// The fields every run kind without teachers shares (xbl, active-learning):
// name, out, tasks (entries and lines) and seeds, with their nodes.
int sc_mf_parse_name_tasks_seeds(sc_mf *f, sc_err *err);

// The xbl kind (manifest_xbl.c): syntax (the first error stops), every check
// (problems collected), expansion into runs, and its state's release.
int sc_mf_xbl_parse(sc_mf *f, sc_err *err);
void sc_mf_xbl_check(sc_mf *f);
int sc_mf_xbl_expand(sc_mf *f, sc_manifest *m, sc_err *err);
void sc_mf_xbl_free(sc_mf *f);
// The active-learning kind (manifest_al.c), the same four.
int sc_mf_al_parse(sc_mf *f, sc_err *err);
void sc_mf_al_check(sc_mf *f);
int sc_mf_al_expand(sc_mf *f, sc_manifest *m, sc_err *err);
void sc_mf_al_free(sc_mf *f);

#endif
