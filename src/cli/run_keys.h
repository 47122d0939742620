// run_keys.h — the --set keys of the training commands (train-teacher,
// train-student, pretrain), grouped by the consumer that reads them (trainer,
// SMaT, explainers, the architecture). The library splits a run's keys among
// those consumers and each checks only its own, so an unknown key would be
// reported with one consumer's keys; the commands check every key against all
// groups first, and report an unknown one with the key it most likely meant and
// every key the command accepts. `scaffold models --keys` and each command's
// --help print the same groups with defaults and help. Everything comes from
// the specs and registries: nothing here lists a key.
#ifndef SC_CLI_RUN_KEYS_H
#define SC_CLI_RUN_KEYS_H

#include <stdio.h>

#include "core/config.h"
#include "models/model.h"

#define SC_RUN_KEYS_MAX 8

// The groups of one run of a command.
typedef struct sc_run_keys {
    const char *command;  // "train-teacher", "train-student", "pretrain"
    int n;
    sc_config_group g[SC_RUN_KEYS_MAX];
    char titles[SC_RUN_KEYS_MAX][128];  // the groups' titles
} sc_run_keys;

// train-teacher with the teacher architecture `arch`.
void sc_run_keys_teacher(sc_run_keys *k, const sc_model_def *arch);
// train-student with the student architecture `arch`, the teacher explainer
// `explainer` (NULL or "none": no teacher.K group) and the SMaT key
// student_explainer's value (NULL or "auto": the explainer auto picks for a
// student with attention and the one for a student without, both accepted; a
// name no student may use: no student_explainer.K group, the run reports it).
void sc_run_keys_student(sc_run_keys *k, const sc_model_def *arch, const char *explainer,
                         const char *student_explainer);
// pretrain with the architecture `arch` (a teacher architecture).
void sc_run_keys_xbl(sc_run_keys *k, const sc_model_def *arch);
void sc_run_keys_pretrain(sc_run_keys *k, const sc_model_def *arch);

// 0 if every entry of c is known to k's groups. Else prints to `out`
// "scaffold CMD: ORIGIN: unknown key 'K'; did you mean 'X'?" and every group's
// keys, and returns -1.
int sc_run_keys_check(const sc_run_keys *k, const sc_config *c, FILE *out);

// The keys of a run built like a teacher (train-teacher, train-xbl): resolved as
// the run resolves them (config file, finetune section, sets), the architecture
// as the run picks it, checked against the groups `groups` builds for that
// architecture (sc_run_keys_teacher or sc_run_keys_xbl). 0 if fine or not
// checkable yet (the run itself reports the rest), -1 once printed to stderr.
int sc_run_keys_check_teacher_like(const char *task, const char *arch, const char *config_path, char *const *sets,
                                   int n_sets, void (*groups)(sc_run_keys *, const sc_model_def *));

// The commands with --set keys, NULL-terminated.
extern const char *const sc_run_keys_commands[];

// Prints every key of `command` with its default and help, by group, and
// returns 0; -1 (nothing printed) for a command without --set keys.
// with_archs: each architecture's own keys too (else one line pointing to the
// architecture table `scaffold models --keys` prints above them).
int sc_run_keys_print(FILE *out, const char *command, int with_archs);

#endif
