// setup.h — resolving a run's configuration: a YAML file (or the built-in default
// for the task), then --set overrides; keys split between the trainer and the
// model; "arch" names the architecture.
#ifndef SC_TRAIN_SETUP_H
#define SC_TRAIN_SETUP_H

#include "core/config.h"
#include "data/task.h"

typedef struct sc_run_config {
    sc_config trainer;   // trainer keys (sc_trainer_spec)
    sc_config model;     // everything else: the architecture's hyperparameters
    char arch[64];       // from --teacher/--student or the "arch" key
    char source[512];    // the config file used, or "" for none
} sc_run_config;

// role: "teacher" or "student" (default file: <role>s/configs/<task>.yaml if it
// exists). arch_flag may be NULL. sets: n "k=v" strings. When arch_flag names
// another architecture than the file's `arch`, the file's architecture keys are
// set aside (they describe its own architecture) and its trainer keys and
// `dtype` kept: `--teacher cnn` on a task whose default is a ViT trains the
// CNN at its defaults with the task's trainer recipe.
//
// from_backbone: the run starts from a pretrained backbone (--init), so the
// file's `finetune:` section, if any, applies over its top level (and under
// --set). A recipe tuned for training from scratch is rarely the one for
// fine-tuning (a pretrained model wants a smaller step), and the two live side
// by side in one file:
//     lr: 1e-3
//     finetune:
//       lr: 3e-4        # chosen on teacher-valid, runs from a backbone only
// Without a backbone the section is ignored. It cannot change `arch`.
int sc_run_config_resolve(sc_run_config *rc, const char *role, const char *task, const char *config_path,
                          const char *arch_flag, char *const *sets, int n_sets, int from_backbone, sc_err *err);
// The same with the config file's text in memory (sc_run_config_resolve reads the
// file and calls this): `source` names it (NULL or "": no file, text ignored).
int sc_run_config_resolve_buf(sc_run_config *rc, const char *role, const char *source, const char *text, size_t len,
                              const char *arch_flag, char *const *sets, int n_sets, int from_backbone, sc_err *err);

// The architecture of a task without <role>s/configs/<task>.yaml, --config or
// --teacher/--student: transformer for text, vit for images, mlp for tables
// (teachers and students have all three).
const char *sc_run_default_arch(sc_modality m);

// 1 if <role>s/configs/<task>.yaml exists (the default config file of a run).
int sc_run_has_default_config(const char *role, const char *task);

#endif
