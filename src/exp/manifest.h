// manifest.h — experiment manifests: a YAML file that expands into
// independent runs (the data flow: src/README.md).
//
//   name: smat-table                  # required, [A-Za-z0-9._-]; results go to results/<name> unless `out` is set
//   out: results/smat-table           # optional
//   tasks: [movie-reviews, fashion-mnist]  # names under tasks/, or paths to task folders (with a '/';
//                                     #   relative paths resolve against the manifest's folder)
//   teacher:                          # one teacher per task, trained first ...
//     seed: 1                         #   (default 1)
//     arch: transformer               #   (optional: else teachers/configs/<task>.yaml says, else the modality's default: transformer, vit, mlp)
//     set: {epochs: 12}               #   train-teacher --set overrides (optional)
//     ckpt: {fashion-mnist: /path}    #   ... unless a checkpoint directory is given (keyed by the
//                                     #   entry of `tasks` or the task's name; relative to the cwd)
//   explainers:                       # each: a name, or a map {name, learn, label, from, set}
//     - none
//     - attention-uniform
//     - {name: attention, learn: true, label: smat}
//     - {name: attention, from: smat}  # the explainer the `smat` run of the same task, n and seed
//                                     #   learned, frozen, for a fresh student (label smat-transfer)
//   n: [500]                          # student training sizes, for every task; or a map
//                                     #   from each entry of `tasks` to its own list:
//                                     #   n: {synth-text: [200], movie-reviews: [500]}
//   seeds: [1, 2, 3]
//   student:
//     set: {epochs: 30}               # train-student --set overrides for every student
//   init: {movie-reviews: results/pretrain-english}   # optional: a pretrained backbone per task
//                                     #   (keyed like teacher.ckpt): its teacher and every student get
//                                     #   --init DIR (io/backbone.h); a folder holding pretrained.ckpt, or the file
//
// Expansion: one teacher run per task without a given checkpoint, then the
// students task × explainer × n × seed, each with its own directory
//   OUT/teachers/<task>/             OUT/runs/<task>/<label>/n<N>/seed<S>/
// where <task> is the `name:` of the task's task.yaml (sanitized to
// [A-Za-z0-9._-]), never the path it was given by, and labels must be made of
// [A-Za-z0-9._-]: nothing is written outside OUT. Each run has its own key: the
// sha256 of its command line and of the default config file it resolves
// (<role>s/configs/<task>.yaml), which `--resume` compares to skip finished
// runs and to refuse a changed one.
//
// Validation, in full, before anything runs (`scaffold run --dry-run` too).
// Syntax first: unknown keys, wrong types and empty lists are errors with the
// file and line (the first one found). Then every other problem is collected
// and reported together, each naming the file, the line and the field:
//   - the run count, computed from the list sizes BEFORE expanding, is at most
//     SC_EXP_MAX_RUNS (a 600-byte manifest must not expand to a million runs);
//   - every task opens (task.yaml valid), task names are distinct;
//   - given checkpoints and backbones exist and name a task of the manifest;
//   - every explainer exists; `learn: true` only on a learnable one
//     (sc_explainer_def.learnable); labels are distinct and path-safe; `from`
//     names the label of a `learn: true` entry with the same explainer, and
//     such an entry sets no teacher.K keys (the checkpoint fixes them);
//   - every `set` key is known for its target, with the layered config the
//     run will resolve (default config file, then --set): teacher keys against
//     the trainer and the teacher architecture, student keys against the
//     trainer, SMaT (sc_student_spec), the student architecture, `teacher.K`
//     against the explainer and `student_explainer.K` against the student
//     explainer; trainer and SMaT values are checked too;
//   - every n fits the task's student pool (the task's data is loaded once
//     per task for its split sizes; a task that is not fetched is a problem).
//
// A second kind, `kind: xbl`, runs explanation-based learning (scaffold
// train-xbl, smat/xbl_run.h) instead: no teachers, no students, one run per
// task x method (x lambda) x seed, with no dependencies between runs
// (parsing, checks and expansion: manifest_xbl.c):
//
//   name: explanation-guided
//   kind: xbl                         # absent (or `student`): the kind above
//   tasks: [decoy-fashion-mnist]      # as above (names or paths)
//   model: {decoy-fashion-mnist: vit} # optional, keyed like teacher.ckpt: train-xbl --model;
//                                     #   else teachers/configs/<task>.yaml, else the modality's default
//   methods:                          # each: a method name, or a map {name, label, lambda, set}
//     - none
//     - {name: rrr, lambda: [1, 10, 100]}   # a list is a sweep: one run label per value,
//                                     #   "<label>-l<value>" (the value as written)
//     - {name: distance, lambda: 10}
//     - {name: concept-prune, set: {concept_action: mask}}
//   seeds: [1, 2, 3, 4, 5]
//   set: {max_steps: 3000}            # train-xbl --set for every run (optional); a method's own
//                                     #   `set` comes after it (it wins), method= and lambda= last
//
// Expansion: OUT/runs/<task>/<label>/seed<S>/, each run keyed like the others
// (its train-xbl command line without --out, and teachers/configs/<task>.yaml,
// the default config file train-xbl resolves). Checked, all problems together:
// unknown top-level keys (the student kind's `n`, `explainers`, `teacher`,
// `student` and `init` each named), method names (those train-xbl knows),
// labels distinct and path-safe, lambda values numbers in [0, 1e6], `set` keys
// known to train-xbl (its xbl keys, the trainer's, the architecture's; method
// and lambda belong to the method entries), the model a teacher architecture of
// the task's modality, and each task one train-xbl can run: a classification
// task with object and decoy masks (a decoy-images task passes from its
// task.yaml; any other is loaded once to look for the masks).
//
// A third kind, `kind: active-learning`, runs pool-based active learning
// (scaffold active-learn, active/al_run.h): one run per task x strategy label x
// seed, no dependencies (parsing, checks and expansion: manifest_al.c):
//
//   name: active-learning
//   kind: active-learning
//   tasks: [breast-cancer, synth-text]
//   model: {synth-text: transformer}  # optional, per task: active-learn --model (a student architecture)
//   strategies:                       # each: a strategy name (active/strategy.h), or {name, label, set}
//     - random
//     - {name: hybrid, label: hybrid-05, set: {hybrid_pool: 5}}
//   seeds: [1, 2, 3, 4, 5]
//   set: {init: 10, query: 10, rounds: 5}   # active-learn --set for every run; a strategy's own `set` after it
//   task_set: {breast-cancer: {optimizer: adamw, lr: 1e-2}}   # optional, per task: after `set`, before a
//                                     #   strategy's own (a task's recipe or budget)
//   teacher: {synth-text: DIR}        # optional, per task: --teacher DIR (the oracle may be the teacher)
//   task_strategies: {diabetes: [random, dami]}  # optional, per task: only these strategy labels run on
//                                     #   it (a regression task takes no strategy that needs class probabilities)
//
// Expansion: OUT/runs/<task>/<label>/seed<S>/, keyed by the active-learn
// command line without --out and students/configs/<task>.yaml. Checked, all
// problems together: unknown top-level keys (the other kinds' fields named),
// strategies (the registry), labels distinct and path-safe, `set` keys and
// values as active-learn parses them, `model` entries, tasks that open,
// strategies that need class probabilities on a regression task,
// task_strategies naming labels of `strategies`, teacher folders that exist.
#ifndef SC_EXP_MANIFEST_H
#define SC_EXP_MANIFEST_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"
#include "smat/student_run.h"
#include "smat/teacher_run.h"
#include "smat/xbl_run.h"
#include "active/al_run.h"

#define SC_EXP_MAX_ARGS 96
#define SC_EXP_MAX_RUNS 10000  // teachers + students of one manifest (checked before expanding)

// What a run is: it decides the library call, the default config file
// (teachers/ for teacher and xbl runs) and the Slurm stage.
typedef enum { SC_EXP_STUDENT, SC_EXP_TEACHER, SC_EXP_XBL, SC_EXP_AL } sc_exp_kind;

typedef struct sc_exp_run {
    sc_exp_kind kind;
    int is_teacher;         // kind == SC_EXP_TEACHER (kept for callers that ask only that)
    int teacher;            // students: index of their teacher run, or -1 if the checkpoint is given
    int after;              // `from` students: the run whose explainer.ckpt they read, else -1
    char task[64], label[64];  // task: the task's name (the folder under OUT)
    long n, seed;           // n: 0 for teachers and xbl runs
    char dir[1024];
    char key[65];           // sha256 of the command line without --out and the default config
    int argc;
    char *argv[SC_EXP_MAX_ARGS];  // "train-teacher" / "train-student" ... (owned, NULL-terminated):
                                  // the equivalent command line (command.txt, --dry-run, the key)
    // What the runner calls (smat/teacher_run.h, smat/student_run.h); its
    // strings point into argv. log is NULL here: the runner sets it.
    sc_teacher_run_cfg teacher_cfg;   // is_teacher
    sc_student_run_cfg student_cfg;   // students
    sc_xbl_run_cfg xbl_cfg;           // xbl runs
    sc_al_run_cfg al_cfg;             // active-learning runs
    char *sets[SC_EXP_MAX_ARGS / 2];  // the cfg's "k=v" overrides
} sc_exp_run;

typedef struct sc_manifest {
    char path[1024];
    char name[128];
    char out[1024];
    sc_exp_kind kind;       // SC_EXP_STUDENT (teachers and students), SC_EXP_XBL or SC_EXP_AL
    int n_runs;
    sc_exp_run *runs;       // teachers first
} sc_manifest;

// Parses, validates (above) and expands path. out_override (may be NULL)
// replaces `out`. On problems: -1, nothing expanded, and err holds as many of
// them as fit (one per line after a count).
int sc_manifest_load(sc_manifest *m, const char *path, const char *out_override, sc_err *err);
// The same, writing every problem to `problems` (one per line; may be NULL),
// in which case err holds only their count.
int sc_manifest_load_report(sc_manifest *m, const char *path, const char *out_override, FILE *problems,
                            sc_err *err);
// The same on manifest text held in memory (the loaders read the file and call
// these; fuzz targets parse from memory); `path` names it in messages, and
// relative task paths resolve against its folder.
int sc_manifest_parse(sc_manifest *m, const char *path, const char *text, size_t len, const char *out_override,
                      sc_err *err);
int sc_manifest_parse_report(sc_manifest *m, const char *path, const char *text, size_t len, const char *out_override,
                             FILE *problems, sc_err *err);
void sc_manifest_free(sc_manifest *m);

#endif
