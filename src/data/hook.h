// hook.h — C readers for formats the built-in readers do not cover.
//
// To add one: write `int my_reader(const sc_task *t, const char *dir, sc_dataset
// *d, sc_err *err)` (e.g. in tasks/<name>/hook.c), which reads the task's files
// from `dir` and calls sc_dataset_add once per example with its source partition
// (sc_dataset_partition(t, "all") when there is only one); declare it below and
// add a row to the table in src/data/hook.c; in task.yaml say
// `read: {format: hook, hook: my-reader}`. Example: tasks/diabetes/hook.c reads
// scikit-learn's diabetes data (features and targets in two whitespace-separated
// gzip files). Synthetic generators (data/synth.h) are registered the same way.
#ifndef SC_DATA_HOOK_H
#define SC_DATA_HOOK_H

#include "data/dataset.h"

typedef int (*sc_hook_fn)(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err);

typedef struct sc_hook {
    const char *name;
    sc_hook_fn read;
} sc_hook;

const sc_hook *sc_hook_find(const char *name);

// tasks/diabetes/hook.c
int sc_hook_sklearn_diabetes(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err);

#endif
