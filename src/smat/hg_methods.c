// hg_methods.c — the hypergradient method registry: one row per method (its
// function lives in its own file). Adding a method: write
//   int sc_hg_NAME(const sc_bilevel *, sc_ctx *, const sc_hg_cfg *, double *dphi, sc_hg_stats *, sc_err *)
// in src/smat/hg_NAME.c and add its row here; the student config's `hypergrad`
// key, `scaffold hypercheck --method`, `scaffold bench meta` and the registry
// tests (tests/test_hypergrad.c) then pick it up. Flags say what hypercheck
// holds it to (SC_HG_EXACT: FD to 1e-4; SC_HG_IMPLICIT: the convex case).
#include <stdio.h>
#include <string.h>

#include "smat/hg_impl.h"

const sc_hg_method_def sc_hg_methods[] = {
    {"unrolled", "reverse mode through k real optimizer steps (exact; k = 1 is the paper)", sc_hg_unrolled,
     SC_HG_EXACT | SC_HG_OPTIM_STATE | SC_HG_USES_UNROLL, 0, NULL},
    {"neumann", "implicit differentiation, H^-1 by a J-term Neumann series", sc_hg_neumann,
     SC_HG_IMPLICIT | SC_HG_USES_TERMS, 800, sc_hg_neumann_describe},
    {"cg", "implicit differentiation, H^-1 by J conjugate-gradient iterations", sc_hg_cg,
     SC_HG_IMPLICIT | SC_HG_USES_TERMS, 0, sc_hg_cg_describe},
    {"darts", "finite-difference approximation of unrolled-1 for plain SGD", sc_hg_darts, SC_HG_USES_EPS, 0,
     sc_hg_darts_describe},
    {NULL, NULL, NULL, 0, 0, NULL},
};
const int sc_hg_n_methods = (int)(sizeof sc_hg_methods / sizeof sc_hg_methods[0]) - 1;

int sc_hg_method_parse(const char *name) {
    for (int i = 0; name && i < sc_hg_n_methods; i++)
        if (!strcmp(name, sc_hg_methods[i].name)) return i;
    return -1;
}

const sc_hg_method_def *sc_hg_method_def_of(sc_hg_method m) {
    return m >= 0 && m < sc_hg_n_methods ? &sc_hg_methods[m] : NULL;
}

const char *sc_hg_method_name(sc_hg_method m) {
    const sc_hg_method_def *d = sc_hg_method_def_of(m);
    return d ? d->name : "?";
}

const char *const *sc_hg_method_names(void) {
    static const char *names[sizeof sc_hg_methods / sizeof sc_hg_methods[0]];  // the NULL row ends it
    for (int i = 0; i < sc_hg_n_methods; i++) names[i] = sc_hg_methods[i].name;
    return names;
}

const char *sc_hg_method_list(void) {
    static char buf[256];  // built once from constant data: the same text every call
    if (buf[0]) return buf;
    for (int i = 0; i < sc_hg_n_methods; i++) {
        size_t l = strlen(buf);
        const char *sep = i == 0 ? "" : i == sc_hg_n_methods - 1 ? " or " : ", ";
        snprintf(buf + l, sizeof buf - l, "%s%s", sep, sc_hg_methods[i].name);
    }
    return buf;
}
