// strategy.c — the registry of query strategies (strategy.h). Adding one: a file
// defining sc_al_strategy_NAME and a row here.
#include "active/strategy.h"

#include <stdio.h>
#include <string.h>

extern const sc_al_strategy_def sc_al_strategy_random, sc_al_strategy_entropy, sc_al_strategy_margin,
    sc_al_strategy_coreset, sc_al_strategy_dami, sc_al_strategy_explanation, sc_al_strategy_hybrid;

static const sc_al_strategy_def *const table[] = {
    &sc_al_strategy_random,  &sc_al_strategy_entropy,     &sc_al_strategy_margin, &sc_al_strategy_coreset,
    &sc_al_strategy_dami,    &sc_al_strategy_explanation, &sc_al_strategy_hybrid,
};
#define N_TABLE ((int)(sizeof table / sizeof table[0]))

const sc_al_strategy_def *sc_al_strategy_find(const char *name) {
    for (int i = 0; name && i < N_TABLE; i++)
        if (!strcmp(table[i]->name, name)) return table[i];
    return NULL;
}

const sc_al_strategy_def *const *sc_al_strategy_list(int *n) {
    *n = N_TABLE;
    return table;
}

const char *sc_al_strategy_names(char *buf, size_t cap) {
    size_t used = 0;
    if (cap) buf[0] = 0;
    for (int i = 0; i < N_TABLE && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", table[i]->name);
    return buf;
}
