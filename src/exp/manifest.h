// manifest.h — experiment manifests: a YAML file that expands into
// independent runs (DESIGN §10).
//
//   name: smat-table                  # required; results go to results/<name> unless `out` is set
//   out: results/smat-table           # optional
//   tasks: [movie-reviews, fashion-mnist]
//   teacher:                          # one teacher per task, trained first ...
//     seed: 1                         #   (default 1)
//     set: {epochs: 12}               #   train-teacher --set overrides (optional)
//     ckpt: {fashion-mnist: /path}    #   ... unless a checkpoint directory is given
//   explainers:                       # each: a name, or a map {name, learn, label, set}
//     - none
//     - attention-uniform
//     - {name: attention, learn: true, label: smat}
//   n: [500]                          # student training sizes
//   seeds: [1, 2, 3]
//   student:
//     set: {epochs: 30}               # train-student --set overrides for every student
//
// Expansion: one teacher run per task without a given checkpoint, then the
// students task × explainer × n × seed, each with its own directory
//   OUT/teachers/<task>/             OUT/runs/<task>/<label>/n<N>/seed<S>/
// and its own key: the sha256 of its command line and of the default config file
// it resolves (<role>s/configs/<task>.yaml),
// which `--resume` compares to skip finished runs and to refuse a changed one.
// Unknown keys, wrong types and empty lists are errors with the file and line.
#ifndef SC_EXP_MANIFEST_H
#define SC_EXP_MANIFEST_H

#include <stddef.h>

#include "core/err.h"

#define SC_EXP_MAX_ARGS 96

typedef struct sc_exp_run {
    int is_teacher;
    int teacher;            // students: index of their teacher run, or -1 if the checkpoint is given
    char task[64], label[64];
    long n, seed;
    char dir[1024];
    char key[65];           // sha256 of the command line without --out and the default config
    int argc;
    char *argv[SC_EXP_MAX_ARGS];  // "train-teacher" / "train-student" ... (owned, NULL-terminated)
} sc_exp_run;

typedef struct sc_manifest {
    char path[1024];
    char name[128];
    char out[1024];
    int n_runs;
    sc_exp_run *runs;       // teachers first
} sc_manifest;

// Parses and expands path. out_override (may be NULL) replaces `out`.
int sc_manifest_load(sc_manifest *m, const char *path, const char *out_override, sc_err *err);
// The same on manifest text held in memory (sc_manifest_load reads the file and
// calls this); `path` names it in messages and in m->path.
int sc_manifest_parse(sc_manifest *m, const char *path, const char *text, size_t len, const char *out_override,
                      sc_err *err);
void sc_manifest_free(sc_manifest *m);

#endif
