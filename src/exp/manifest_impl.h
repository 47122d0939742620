// manifest_impl.h — what manifest.c (parsing, expansion) and manifest_check.c
// (validation) share while one manifest is loaded. Internal to src/exp.
#ifndef SC_EXP_MANIFEST_IMPL_H
#define SC_EXP_MANIFEST_IMPL_H

#include <stdio.h>

#include "data/task.h"
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

#endif
