// run_keys.c — the key groups of train-teacher, train-student and pretrain: for
// one run (checked before it starts) and in full (printed), run_keys.h.
#include "cli/run_keys.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "data/task.h"
#include "explain/explainer.h"
#include "pretrain/pretrain.h"
#include "smat/student.h"
#include "smat/student_run.h"
#include "smat/xbl_run.h"
#include "train/setup.h"
#include "train/trainer.h"

#define WRAP 100  // columns of the key lists in an unknown-key message

static void start(sc_run_keys *k, const char *command) {
    memset(k, 0, sizeof *k);
    k->command = command;
}

// A group titled by fmt. The title lives in k: k must not be copied.
__attribute__((format(printf, 4, 5))) static void add(sc_run_keys *k, const char *prefix,
                                                      const sc_config_spec *spec, const char *fmt, ...) {
    if (k->n == SC_RUN_KEYS_MAX || !spec) return;  // at most 7 groups are ever added
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->titles[k->n], sizeof k->titles[k->n], fmt, ap);
    va_end(ap);
    k->g[k->n] = (sc_config_group){.title = k->titles[k->n], .prefix = prefix, .spec = spec};
    k->n++;
}

static void add_arch(sc_run_keys *k, const sc_model_def *arch) {
    add(k, NULL, sc_model_common_spec, "every architecture");
    if (arch) add(k, NULL, arch->spec, "%s '%s'", arch->role, arch->name);
}

void sc_run_keys_teacher(sc_run_keys *k, const sc_model_def *arch) {
    start(k, "train-teacher");
    add(k, NULL, sc_trainer_spec, "trainer");
    add_arch(k, arch);
}

// The explainer student_explainer=auto picks for a student with or without
// attention. The rule is smat/student.c's; asking it (with a model of which
// only the geometry is read) keeps this file from restating it.
static const char *auto_student_explainer(int with_attention) {
    static sc_model probe;
    probe.info.n_layers = with_attention;
    const char *name = NULL;
    sc_err err;
    return sc_student_explainer_resolve("auto", &probe, &name, &err) ? NULL : name;
}

static const sc_config_spec *explainer_spec(const char *name) {
    const sc_explainer_def *d = name ? sc_explainer_find(name) : NULL;
    return d ? d->spec : NULL;
}

void sc_run_keys_student(sc_run_keys *k, const sc_model_def *arch, const char *explainer,
                         const char *student_explainer) {
    start(k, "train-student");
    add(k, NULL, sc_trainer_spec, "trainer");
    add(k, NULL, sc_student_spec, "SMaT");
    if (explainer && strcmp(explainer, "none"))
        add(k, "teacher.", explainer_spec(explainer), "teacher explainer '%s'", explainer);
    const char *se = student_explainer;
    if (!se || !strcmp(se, "auto")) {
        const char *with = auto_student_explainer(1), *without = auto_student_explainer(0);
        add(k, "student_explainer.", explainer_spec(with), "student explainer '%s' if the student has attention", with);
        add(k, "student_explainer.", explainer_spec(without), "student explainer '%s' otherwise", without);
    } else {
        const char *name;
        sc_err err;
        if (!sc_student_explainer_resolve(se, NULL, &name, &err))
            add(k, "student_explainer.", explainer_spec(name), "student explainer '%s'", name);
    }
    add_arch(k, arch);
}

void sc_run_keys_xbl(sc_run_keys *k, const sc_model_def *arch) {
    start(k, "train-xbl");
    add(k, NULL, sc_xbl_spec, "explanation-based learning");
    add(k, NULL, sc_trainer_spec, "trainer");
    add_arch(k, arch);
}

void sc_run_keys_pretrain(sc_run_keys *k, const sc_model_def *arch) {
    start(k, "pretrain");
    add(k, NULL, sc_pretrain_spec, "pretraining run");
    add_arch(k, arch);
}

// "  TITLE (PREFIXK): k1, k2, ..." wrapped at WRAP columns.
static void print_group_line(FILE *out, const sc_config_group *g) {
    int col = g->prefix && g->prefix[0] ? fprintf(out, "  %s (%sK):", g->title, g->prefix)
                                        : fprintf(out, "  %s:", g->title);
    if (!g->spec->key) fprintf(out, " (none)");
    for (const sc_config_spec *p = g->spec; p->key; p++) {
        int w = (int)strlen(p->key) + 2;
        if (col + w > WRAP) col = fprintf(out, "\n     ") - 1;
        col += fprintf(out, " %s%s", p->key, p[1].key ? "," : "");
    }
    fprintf(out, "\n");
}

int sc_run_keys_check(const sc_run_keys *k, const sc_config *c, FILE *out) {
    const sc_config_entry *e = sc_config_first_unknown(c, k->g, k->n);
    if (!e) return 0;
    char near[2 * SC_CONFIG_KEY_MAX];
    fprintf(out, "scaffold %s: %s: unknown key '%s'", k->command, e->origin, e->key);
    if (sc_config_suggest(k->g, k->n, e->key, near, sizeof near)) fprintf(out, "; did you mean '%s'?", near);
    fprintf(out, "\n%s accepts these keys (`scaffold %s --help` describes each):\n", k->command, k->command);
    for (int i = 0; i < k->n; i++) print_group_line(out, &k->g[i]);
    return -1;
}

// ---- the full listing -----------------------------------------------------------------

// One key per line: PREFIX+KEY, its default, its help.
// Each key with its default (`def_of`, when given and not NULL for the key, replaces the spec's) and help.
static void print_spec_with(FILE *out, const char *indent, const char *prefix, const sc_config_spec *spec,
                            const char *(*def_of)(const char *key)) {
    int w = 17;  // the longest key of the trainer and SMaT groups, so that they align
    for (const sc_config_spec *p = spec; p->key; p++)
        if ((int)(strlen(prefix) + strlen(p->key)) > w) w = (int)(strlen(prefix) + strlen(p->key));
    for (const sc_config_spec *p = spec; p->key; p++) {
        char key[2 * SC_CONFIG_KEY_MAX];
        snprintf(key, sizeof key, "%s%s", prefix, p->key);
        const char *d = def_of && def_of(p->key) ? def_of(p->key) : p->def;
        fprintf(out, "%s%-*s  %-10s %s\n", indent, w, key, d ? d : "(required)", p->help);
    }
}

static void print_spec(FILE *out, const char *indent, const char *prefix, const sc_config_spec *spec) {
    print_spec_with(out, indent, prefix, spec, NULL);
}

// Each architecture of `role` (flag: the option naming it), or a pointer to the table.
static void print_archs(FILE *out, const char *role, const char *flag, int with_archs) {
    if (!with_archs) {
        fprintf(out, "  + the keys of the %s architecture (%s ARCH): the table above\n", role, flag);
        return;
    }
    int n;
    const sc_model_def *const *defs = sc_model_list(&n);
    for (int i = 0; i < n; i++) {
        if (strcmp(defs[i]->role, role)) continue;
        fprintf(out, "  %s '%s' (%s %s; %s)\n", role, defs[i]->name, flag, defs[i]->name,
                sc_modality_name(defs[i]->modality));
        print_spec(out, "    ", "", defs[i]->spec);
    }
}

static void print_common(FILE *out) {
    fprintf(out, "  every architecture\n");
    print_spec(out, "    ", "", sc_model_common_spec);
}

static void print_teacher(FILE *out, int with_archs) {
    fprintf(out, "\nscaffold train-teacher: --set KEY=VALUE, or KEY: VALUE in the --config file (default: "
                 "teachers/configs/<task>.yaml)\n  trainer (train/trainer.h)\n");
    print_spec(out, "    ", "", sc_trainer_spec);
    print_common(out);
    print_archs(out, "teacher", "--teacher", with_archs);
}

// teacher.K for every explainer, and which explainers a student may use.
static void print_explainer_keys(FILE *out) {
    int n;
    const sc_explainer_def *const *defs = sc_explainer_list(&n);
    fprintf(out, "  teacher.K: the keys of the teacher's explainer (--explainer NAME; `scaffold explainers` "
                 "describes each)\n");
    for (int i = 0; i < n; i++) {
        fprintf(out, "    %s%s\n", defs[i]->name, defs[i]->spec->key ? "" : ": no keys");
        print_spec(out, "      ", "teacher.", defs[i]->spec);
    }
    const char *with = auto_student_explainer(1), *without = auto_student_explainer(0);
    fprintf(out, "  student_explainer.K: the keys of the student's explainer, as listed for teacher.K. The SMaT key "
                 "student_explainer picks it:\n    auto ('%s' for a student with attention, else '%s'), or one "
                 "of:", with ? with : "?", without ? without : "?");
    for (int i = 0, first = 1; i < n; i++)
        if (defs[i]->flags & SC_EXPL_STUDENT_OK) {
            fprintf(out, "%s %s", first ? "" : ",", defs[i]->name);
            first = 0;
        }
    fprintf(out, "\n");
}

static void print_student(FILE *out, int with_archs) {
    fprintf(out, "\nscaffold train-student: --set KEY=VALUE, or KEY: VALUE in the --config file (default: "
                 "students/configs/<task>.yaml)\n  trainer (train/trainer.h, with the student run's defaults; "
                 "batch_size: 32 for text, else 16)\n");
    print_spec_with(out, "    ", "", sc_trainer_spec, sc_student_trainer_default);
    fprintf(out, "  SMaT (smat/student.h)\n");
    print_spec(out, "    ", "", sc_student_spec);
    print_explainer_keys(out);
    print_common(out);
    print_archs(out, "student", "--student", with_archs);
}

static void print_xbl(FILE *out, int with_archs) {
    fprintf(out, "\nscaffold train-xbl: --set KEY=VALUE, or KEY: VALUE in the --config file (default: "
                 "teachers/configs/<task>.yaml)\n  explanation-based learning (smat/xbl_run.h)\n");
    print_spec(out, "    ", "", sc_xbl_spec);
    fprintf(out, "  trainer (train/trainer.h)\n");
    print_spec(out, "    ", "", sc_trainer_spec);
    print_common(out);
    print_archs(out, "teacher", "--model", with_archs);
}

static void print_pretrain(FILE *out, int with_archs) {
    fprintf(out, "\nscaffold pretrain: --set KEY=VALUE\n  pretraining run (pretrain/pretrain.h)\n");
    print_spec(out, "    ", "", sc_pretrain_spec);
    print_common(out);
    if (with_archs)  // pretrain/pretrain.h: the architecture fixes the objective
        fprintf(out, "  the --arch architecture's keys: a text one learns masked tokens from --corpus, vit masked "
                     "cells from --task\n");
    print_archs(out, "teacher", "--arch", with_archs);
}

int sc_run_keys_check_teacher_like(const char *task, const char *arch, const char *config_path, char *const *sets,
                                   int n_sets, void (*groups)(sc_run_keys *, const sc_model_def *)) {
    sc_err err;
    if (!arch && !config_path && !sc_run_has_default_config("teacher", task)) {
        sc_task *t;  // as the run picks it: the task's modality's default
        if (sc_task_open(task, &t, &err)) return 0;
        arch = sc_run_default_arch(t->modality);
        sc_task_free(t);
    }
    sc_run_config *rc = malloc(sizeof *rc);
    if (!rc) return 0;
    int bad = 0;
    // The finetune section is applied whether or not this run uses it, so that a
    // typo in it is caught by any run, not only by the first one with --init.
    if (!sc_run_config_resolve(rc, "teacher", task, config_path, arch, sets, n_sets, 1, &err)) {
        const sc_model_def *def = sc_model_find("teacher", rc->arch);
        sc_run_keys k;
        groups(&k, def);
        bad = def && sc_run_keys_check(&k, &rc->model, stderr);
    }
    free(rc);
    return bad ? -1 : 0;
}

const char *const sc_run_keys_commands[] = {"train-teacher", "train-student", "train-xbl", "pretrain", NULL};

int sc_run_keys_print(FILE *out, const char *command, int with_archs) {
    if (!strcmp(command, "train-teacher")) print_teacher(out, with_archs);
    else if (!strcmp(command, "train-student")) print_student(out, with_archs);
    else if (!strcmp(command, "train-xbl")) print_xbl(out, with_archs);
    else if (!strcmp(command, "pretrain")) print_pretrain(out, with_archs);
    else return -1;
    return 0;
}
