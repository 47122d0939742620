// yaml_tree.h — a YAML document as a small tree with line numbers (libyaml events).
//
// task.yaml files are small, so they are read whole into a tree of maps, sequences
// and scalars; every node remembers its 1-based line so that validation errors can
// say "tasks/x/task.yaml line 12: field 'read.format': ...". Anchors/aliases and
// duplicate keys are rejected: a task file should say each thing once, plainly.
#ifndef SC_CORE_YAML_TREE_H
#define SC_CORE_YAML_TREE_H

#include <stddef.h>

#include "core/err.h"

typedef enum { SC_Y_SCALAR, SC_Y_SEQ, SC_Y_MAP } sc_ykind;

typedef struct sc_ynode {
    sc_ykind kind;
    int line;                 // 1-based line of the node's start
    char *str;                // SC_Y_SCALAR: the text (NUL-terminated)
    size_t n;                 // SC_Y_SEQ / SC_Y_MAP: number of items / pairs
    struct sc_ynode **items;  // SEQ: items; MAP: values (items[i] belongs to keys[i])
    char **keys;              // MAP only
    int *key_lines;           // MAP only
} sc_ynode;

// Parses a file / a buffer (`name` is used in messages). An empty document gives
// an empty map.
int sc_yaml_load_file(const char *path, sc_ynode **root, sc_err *err);
int sc_yaml_load_string(const char *text, size_t len, const char *name, sc_ynode **root, sc_err *err);
void sc_ynode_free(sc_ynode *n);

// The value under `key` in map m (NULL if m is not a map or has no such key).
const sc_ynode *sc_ymap_get(const sc_ynode *m, const char *key);

// Field-checking helpers. `file` and `path` (dotted field name, e.g. "read.format")
// go into the message; each returns 0 or -1 with err set.
int sc_ycheck_keys(const sc_ynode *m, const char *const *allowed, const char *file, const char *path,
                   sc_err *err);
int sc_yexpect(const sc_ynode *n, sc_ykind kind, const char *file, const char *path, sc_err *err);
int sc_yget_str(const sc_ynode *m, const char *key, int required, const char *file, const char *path,
                const char **out, sc_err *err);
int sc_yget_long(const sc_ynode *m, const char *key, int required, long lo, long hi, const char *file,
                 const char *path, long *out, sc_err *err);
int sc_yget_double(const sc_ynode *m, const char *key, int required, const char *file, const char *path,
                   double *out, sc_err *err);
int sc_yget_bool(const sc_ynode *m, const char *key, const char *file, const char *path, int *out,
                 sc_err *err);
// Parses a scalar node as a number; errors name file, line and field.
int sc_yscalar_double(const sc_ynode *n, const char *file, const char *path, double *out, sc_err *err);

#endif
