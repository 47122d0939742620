// config.h — string key/value settings for models, training and runs.
//
// Every configurable thing (a teacher architecture, a trainer, an explainer)
// declares its keys with defaults and one-line help (sc_config_spec). A config is
// resolved in layers — declared defaults, then a YAML file, then `--set k=v` from
// the command line — and each value remembers where it came from, so an error
// can say "teachers/configs/movie-reviews.yaml line 4: key 'layers': expected an
// integer, got 'two'". Unknown keys are errors, never silently ignored. The
// resolved config is saved in checkpoints and results as plain strings.
#ifndef SC_CORE_CONFIG_H
#define SC_CORE_CONFIG_H

#include <stddef.h>

#include "core/err.h"

#define SC_CONFIG_MAX 128
#define SC_CONFIG_KEY_MAX 48
#define SC_CONFIG_VAL_MAX 256

typedef struct sc_config_spec {
    const char *key;
    const char *def;   // default value as text (NULL: required)
    const char *help;
} sc_config_spec;

typedef struct sc_config_entry {
    char key[SC_CONFIG_KEY_MAX];
    char value[SC_CONFIG_VAL_MAX];
    char origin[160];  // "default", "--set", "path line N"
} sc_config_entry;

typedef struct sc_config {
    int n;
    sc_config_entry e[SC_CONFIG_MAX];
} sc_config;

void sc_config_init(sc_config *c);
// Adds or overwrites a key.
int sc_config_set(sc_config *c, const char *key, const char *value, const char *origin, sc_err *err);
// Fills every spec key not yet set with its default (a NULL default is an error).
int sc_config_apply_defaults(sc_config *c, const sc_config_spec *spec, const char *what, sc_err *err);
// "key=value" (a --set argument).
int sc_config_set_kv(sc_config *c, const char *kv, sc_err *err);
// A YAML mapping of scalars; errors name the file and line. A value that is
// itself a mapping of scalars is a section: its keys load as "section.key"
// (train/setup.h gives the one section run configs have, `finetune`). Whether
// each key is known is checked later, against the specs (sc_config_check_known).
int sc_config_load_yaml(sc_config *c, const char *path, sc_err *err);
// The same on YAML text held in memory; `name` stands for the file in messages.
int sc_config_load_yaml_buf(sc_config *c, const char *name, const char *text, size_t len, sc_err *err);
// Every key must appear in one of the specs (NULL-key terminated arrays). The
// error names the key, where it was set, the nearest known key if it looks like
// a typo of one ("did you mean 'epochs'?") and every known key.
int sc_config_check_known(const sc_config *c, const sc_config_spec *const *specs, int n_specs, const char *what,
                          sc_err *err);

// ---- keys grouped by consumer, for checks and messages naming all of them ----
// A command's config mixes the keys of several consumers (trainer, SMaT, an
// explainer, the architecture), each with its own spec. A group is one of them,
// titled for messages; its keys are written prefix + the spec's key (e.g. the
// teacher explainer's "teacher." + "temperature").
typedef struct sc_config_group {
    const char *title;           // "trainer", "student 'transformer'"; NULL: untitled
    const char *prefix;          // NULL or "": the spec's keys as they are
    const sc_config_spec *spec;  // NULL-key terminated
} sc_config_group;

// 1 if key is prefix + a spec key of one of the n groups.
int sc_config_group_has(const sc_config_group *g, int n, const char *key);
// The first entry of c that no group knows, or NULL.
const sc_config_entry *sc_config_first_unknown(const sc_config *c, const sc_config_group *g, int n);
// The known key a mistyped `key` most likely meant: the nearest by edit
// distance (sc_edit_distance) if within 1 for keys of up to 4 characters, 2 up
// to 8, 3 beyond; or a group's key given without its prefix ("temperature" for
// "teacher.temperature"). Written to out (1), or 0 if none is near enough.
int sc_config_suggest(const sc_config_group *g, int n, const char *key, char *out, size_t cap);
// "title: k1, k2; title2 (teacher.K): k3, k4" (untitled groups: the keys alone)
// into buf, cut with "..." if it does not fit; returns buf.
const char *sc_config_groups_str(const sc_config_group *g, int n, char *buf, size_t cap);
// Every key of c must be known to a group; the error reads "ORIGIN: unknown key
// 'K' for WHAT; did you mean 'X'? (known keys: <sc_config_groups_str>)".
int sc_config_check_groups(const sc_config *c, const sc_config_group *g, int n, const char *what, sc_err *err);

// Edits (insert, delete, substitute, or swap two adjacent characters) turning a
// into b: how far apart two names are, for "did you mean" suggestions.
int sc_edit_distance(const char *a, const char *b);

const sc_config_entry *sc_config_find(const sc_config *c, const char *key);
const char *sc_config_str(const sc_config *c, const char *key);  // NULL if unset
// Typed getters: errors name the key, its origin, the value and what was expected.
int sc_config_long(const sc_config *c, const char *key, long lo, long hi, long *out, sc_err *err);
int sc_config_double(const sc_config *c, const char *key, double lo, double hi, double *out, sc_err *err);
// An integer in [lo, hi] (lo >= 1), or the word "auto" giving *out = 0.
int sc_config_long_or_auto(const sc_config *c, const char *key, long lo, long hi, long *out, sc_err *err);
int sc_config_bool(const sc_config *c, const char *key, int *out, sc_err *err);
// One of a fixed set of words; *out = its index.
int sc_config_choice(const sc_config *c, const char *key, const char *const *choices, int *out, sc_err *err);

#endif
