// strategy.c — the registry of query strategies (strategy.h). Adding a built-in:
// a file defining sc_al_strategy_NAME and a row in the table below.
#include "active/strategy.h"

#include <stdio.h>
#include <string.h>

extern const sc_al_strategy_def sc_al_strategy_random, sc_al_strategy_entropy, sc_al_strategy_margin,
    sc_al_strategy_coreset, sc_al_strategy_dami, sc_al_strategy_explanation, sc_al_strategy_hybrid;

// The built-ins, then the registered ones in the order they were registered.
static const sc_al_strategy_def *table[SC_AL_STRATEGY_MAX] = {
    &sc_al_strategy_random,  &sc_al_strategy_entropy,     &sc_al_strategy_margin, &sc_al_strategy_coreset,
    &sc_al_strategy_dami,    &sc_al_strategy_explanation, &sc_al_strategy_hybrid,
};
static int n_table = 7;
#define N_TABLE n_table

int sc_al_strategy_register(const sc_al_strategy_def *def, sc_err *err) {
    if (!def || !def->name || !def->select) return sc_errf(err, "strategy: a definition needs a name and select()");
    size_t len = strlen(def->name);
    if (!len || len > 47 || strspn(def->name, "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
        return sc_errf(err, "strategy name '%s': 1 to 47 characters of [a-z0-9-]", def->name);
    if (sc_al_strategy_find(def->name)) return sc_errf(err, "strategy name '%s' is already taken", def->name);
    if (n_table == SC_AL_STRATEGY_MAX) return sc_errf(err, "strategy table full (%d)", SC_AL_STRATEGY_MAX);
    table[n_table++] = def;
    return 0;
}

const sc_al_strategy_def *sc_al_strategy_find(const char *name) {
    for (int i = 0; name && i < N_TABLE; i++)
        if (!strcmp(table[i]->name, name)) return table[i];
    return NULL;
}

const sc_al_strategy_def *const *sc_al_strategy_list(int *n) {
    *n = N_TABLE;
    return (const sc_al_strategy_def *const *)table;
}

static const char *names(char *buf, size_t cap, int regression_only) {
    size_t used = 0;
    if (cap) buf[0] = 0;
    for (int i = 0; i < N_TABLE && used < cap; i++)
        if (!regression_only || !table[i]->needs_classes)
            used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", table[i]->name);
    return buf;
}

const char *sc_al_strategy_names(char *buf, size_t cap) { return names(buf, cap, 0); }
const char *sc_al_strategy_regression_names(char *buf, size_t cap) { return names(buf, cap, 1); }
