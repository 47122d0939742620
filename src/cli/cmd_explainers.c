// scaffold explainers — every registered explainer (explain/explainer.h): what
// its saliency is, whether SMaT can meta-learn it and a student can use it as
// its own, its default β, what it needs from the model, and its keys with
// defaults. All of it is read from the definitions in the registry, so
// explainers registered by a program of one's own are listed too.
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "explain/explainer.h"

// "attention logits of every layer; gradients w.r.t. ..." or "only the unit mask".
static void print_needs(unsigned needs) {
    printf("  needs:        ");
    if (!needs) printf("nothing of the model beyond its units (the unit mask)");
    for (unsigned bit = 1, first = 1; bit && bit <= needs; bit <<= 1) {
        if (!(needs & bit)) continue;
        const char *name = sc_explainer_need_name(bit);
        printf("%s%s", first ? "" : "; ", name ? name : "(an unknown need)");
        first = 0;
    }
    printf("\n");
}

static void print_one(const sc_explainer_def *d) {
    printf("%s — %s\n", d->name, d->summary ? d->summary : "");
    printf("  learnable:    %s\n", sc_explainer_learnable(d)
                                       ? "yes: SMaT meta-learns its parameters (train-student --learn-explainer)"
                                       : "no (fixed; SMaT cannot meta-learn it)");
    printf("  student use:  %s\n", d->flags & SC_EXPL_STUDENT_OK
                                       ? "yes: differentiable w.r.t. the model, usable as student_explainer"
                                       : "no: teacher side only");
    printf("  default beta: %g (train-student's beta=auto)\n", d->default_beta);
    print_needs(d->needs);
    if (!d->spec->key) {
        printf("  keys:         none\n\n");
        return;
    }
    int w = 14;
    for (const sc_config_spec *p = d->spec; p->key; p++)
        if ((int)strlen(p->key) > w) w = (int)strlen(p->key);
    printf("  keys:\n");
    for (const sc_config_spec *p = d->spec; p->key; p++)
        printf("    %-*s  %-10s %s\n", w, p->key, p->def ? p->def : "(required)", p->help);
    printf("\n");
}

// An unknown name: the names there are, and the nearest one.
static int unknown(const char *name) {
    const char *best = sc_explainer_nearest(name);
    char names[1024], mean[96] = "";
    if (best) snprintf(mean, sizeof mean, "; did you mean '%s'?", best);
    return sc_cli_usage_error(sc_cli_find("explainers"), "unknown explainer '%s'%s (known: %s)", name, mean,
                              sc_explainer_names(names, sizeof names));
}

int sc_cmd_explainers(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            return sc_cli_usage_error(sc_cli_find("explainers"), "unexpected argument '%s'", argv[i]);
        if (!sc_explainer_find(argv[i])) return unknown(argv[i]);
    }
    int n;
    const sc_explainer_def *const *defs = sc_explainer_list(&n);
    if (argc < 2)
        printf("%d explainers. Pick one with --explainer NAME (train-student, explain). Set its keys with --set K=V in "
               "`scaffold explain`,\n--set teacher.K=V in train-student (student_explainer.K=V for the student's own "
               "explainer).\n\n", n);
    for (int i = 0; i < n; i++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc && !wanted; a++) wanted = !strcmp(argv[a], defs[i]->name);
        if (wanted) print_one(defs[i]);
    }
    return SC_EXIT_OK;
}
