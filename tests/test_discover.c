// Discoverability: what a newcomer can find out from the command line alone.
// `scaffold explainers` lists every registered explainer (one registered by
// this test too) with its learnability, student use, default beta, needs and
// keys; each definition's `needs` tells the truth about attention; `scaffold
// models --keys` and the training commands' --help list every --set key of
// each command; an unknown key is reported with every key the command accepts
// and the key it most likely meant, naming where it was set; an unknown
// explainer is reported with the registered names. Every expectation walks the
// specs and registries, so that the test cannot drift from them.
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/config.h"
#include "explain/explainer.h"
#include "models/model.h"
#include "models_util.h"
#include "pretrain/pretrain.h"
#include "smat/student.h"
#include "smat/student_run.h"
#include "train/trainer.h"

static char out[1 << 17], err[1 << 15];

static int run(char **argv) {
    int argc = 0;
    while (argv[argc]) argc++;
    return sc_test_capture(sc_cli_main, argc, argv, out, sizeof out, err, sizeof err);
}

// Fails naming `what` unless `text` contains `s`.
static void expect_has(const char *text, const char *s, const char *what) {
    if (!strstr(text, s)) fail_msg("%s lacks '%s':\n%s", what, s, text);
}

// Every key of spec, written prefix + key, is in text.
static void expect_spec(const char *text, const char *prefix, const sc_config_spec *spec, const char *what) {
    for (const sc_config_spec *p = spec; p->key; p++) {
        char k[128];
        snprintf(k, sizeof k, "%s%s", prefix, p->key);
        expect_has(text, k, what);
    }
}

// ---- an explainer registered from outside: the listing must show it too ----------

static int probe_init(sc_explainer *e, const sc_model *m, sc_err *e2) {
    (void)e, (void)m, (void)e2;
    return 0;
}
static sc_tensor *probe_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    (void)e, (void)a;
    return sc_fail(ctx, "discover-probe explains nothing");
}
static const sc_config_spec probe_spec[] = {{"probe_knob", "17", "a key only this test's explainer has"},
                                            {NULL, NULL, NULL}};
static const sc_explainer_def probe = {.name = "discover-probe", .summary = "an explainer this test registers",
                                       .spec = probe_spec, .default_beta = 0.75, .flags = 0, .init = probe_init,
                                       .explain = probe_explain, .needs = SC_EXPL_NEEDS_RATIONALE};

static int setup(void **state) {
    (void)state;
    sc_err e;
    if (!sc_explainer_find(probe.name) && sc_explainer_register(&probe, &e)) fail_msg("register: %s", e.msg);
    return 0;
}

// The block of `scaffold explainers` about one explainer: from "NAME — " at
// the start of a line to the blank line that ends it (a copy: free it).
static char *block_of(const char *text, const char *name) {
    char head[96];
    snprintf(head, sizeof head, "\n%s — ", name);
    const char *b = strstr(text, head);
    if (!b) fail_msg("no block for explainer '%s' in:\n%s", name, text);
    const char *e = strstr(b + 1, "\n\n");
    size_t n = e ? (size_t)(e - b) : strlen(b);
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, b, n);
    s[n] = '\0';
    return s;
}

static void test_explainers_lists_registry(void **state) {
    (void)state;
    char *argv[] = {"scaffold", "explainers", NULL};
    assert_int_equal(run(argv), SC_EXIT_OK);
    int n;
    const sc_explainer_def *const *defs = sc_explainer_list(&n);
    assert_ptr_equal(sc_explainer_find("discover-probe"), &probe);
    for (int i = 0; i < n; i++) {
        const sc_explainer_def *d = defs[i];
        char *b = block_of(out, d->name), beta[64];
        expect_has(b, d->summary, d->name);
        expect_has(b, sc_explainer_learnable(d) ? "learnable:    yes" : "learnable:    no", d->name);
        expect_has(b, d->flags & SC_EXPL_STUDENT_OK ? "student use:  yes" : "student use:  no", d->name);
        snprintf(beta, sizeof beta, "default beta: %g", d->default_beta);
        expect_has(b, beta, d->name);
        for (unsigned bit = 1; bit <= SC_EXPL_NEEDS_ALL; bit <<= 1) {
            if (d->needs & bit) expect_has(b, sc_explainer_need_name(bit), d->name);
            else if (strstr(b, sc_explainer_need_name(bit))) fail_msg("%s: lists a need it lacks:\n%s", d->name, b);
        }
        for (const sc_config_spec *p = d->spec; p->key; p++) {
            char line[160];  // a line starting with the key, its default further on that line
            snprintf(line, sizeof line, "\n    %s ", p->key);
            const char *at = strstr(b, line), *eol = at ? strchr(at + 1, '\n') : NULL;
            if (!eol && at) eol = at + strlen(at);
            if (!at || !strstr(at, p->def) || eol < strstr(at, p->def))
                fail_msg("%s: key %s with default %s not listed:\n%s", d->name, p->key, p->def, b);
        }
        free(b);
    }
}

static void test_explainers_by_name(void **state) {
    (void)state;
    char *one[] = {"scaffold", "explainers", "gradient-norm", NULL};
    assert_int_equal(run(one), SC_EXIT_OK);
    assert_int_equal(strncmp(out, "gradient-norm — ", strlen("gradient-norm — ")), 0);
    assert_null(strstr(out, "\nattention — "));
    char *typo[] = {"scaffold", "explainers", "atention", NULL};
    assert_int_equal(run(typo), SC_EXIT_USAGE);
    expect_has(err, "unknown explainer 'atention'; did you mean 'attention'?", "explainers atention");
    int n;
    const sc_explainer_def *const *defs = sc_explainer_list(&n);
    for (int i = 0; i < n; i++) expect_has(err, defs[i]->name, "explainers atention");
}

// Each definition's needs: an explainer that does not declare attention can be
// created for a model without attention (an MLP), and one that does cannot.
static void test_needs_tell_the_truth(void **state) {
    (void)state;
    static const mu_arch mlp = {"teacher", "mlp", {"layers=1", "width=4", NULL}};
    sc_model_shape shape = {.modality = SC_TABULAR, .n_outputs = 2, .F = 3};
    sc_model m;
    mu_make(&m, &mlp, "f32", &shape, 1);
    int n;
    const sc_explainer_def *const *defs = sc_explainer_list(&n);
    for (int i = 0; i < n; i++) {
        sc_explainer e;
        sc_err er;
        int ok = sc_explainer_create(&e, defs[i]->name, NULL, &m, &er) == 0;
        if (ok) sc_explainer_free(&e);
        if (ok == !!(defs[i]->needs & SC_EXPL_NEEDS_ATTENTION))
            fail_msg("%s: %s attention, yet on an MLP creating it %s", defs[i]->name,
                     defs[i]->needs & SC_EXPL_NEEDS_ATTENTION ? "needs" : "does not need",
                     ok ? "succeeded" : er.msg);
    }
    sc_model_free(&m);
}

// Every key of every group of each command, in `models --keys` and in --help.
static void expect_student_keys(const char *text, const char *what) {
    expect_spec(text, "", sc_trainer_spec, what);
    expect_spec(text, "", sc_student_spec, what);
    expect_has(text, "student_explainer.K", what);
    int n;
    const sc_explainer_def *const *defs = sc_explainer_list(&n);
    for (int i = 0; i < n; i++) {
        expect_spec(text, "teacher.", defs[i]->spec, what);
        if (defs[i]->flags & SC_EXPL_STUDENT_OK) expect_has(text, defs[i]->name, what);
    }
}

static void expect_arch_keys(const char *text, const char *role, const char *what) {
    int n;
    const sc_model_def *const *defs = sc_model_list(&n);
    expect_spec(text, "", sc_model_common_spec, what);
    for (int i = 0; i < n; i++)
        if (!strcmp(defs[i]->role, role)) {
            char title[96];
            snprintf(title, sizeof title, "%s '%s'", role, defs[i]->name);
            expect_has(text, title, what);
            expect_spec(text, "", defs[i]->spec, what);
        }
}

static void test_models_keys(void **state) {
    (void)state;
    char *argv[] = {"scaffold", "models", "--keys", NULL};
    assert_int_equal(run(argv), SC_EXIT_OK);
    expect_has(out, "scaffold train-teacher:", "models --keys");
    expect_has(out, "scaffold train-student:", "models --keys");
    expect_has(out, "scaffold pretrain:", "models --keys");
    expect_student_keys(out, "models --keys");
    expect_spec(out, "", sc_pretrain_spec, "models --keys");
    int n;
    const sc_model_def *const *defs = sc_model_list(&n);
    for (int i = 0; i < n; i++) expect_spec(out, "", defs[i]->spec, "models --keys");
}

static void test_help_lists_keys(void **state) {
    (void)state;
    char *teacher[] = {"scaffold", "train-teacher", "--help", NULL};
    assert_int_equal(run(teacher), SC_EXIT_OK);
    expect_spec(out, "", sc_trainer_spec, "train-teacher --help");
    expect_arch_keys(out, "teacher", "train-teacher --help");
    char *student[] = {"scaffold", "train-student", "--help", NULL};
    assert_int_equal(run(student), SC_EXIT_OK);
    expect_student_keys(out, "train-student --help");
    expect_arch_keys(out, "student", "train-student --help");
    char *pretrain[] = {"scaffold", "pretrain", "--help", NULL};
    assert_int_equal(run(pretrain), SC_EXIT_OK);
    expect_spec(out, "", sc_pretrain_spec, "pretrain --help");
    expect_arch_keys(out, "teacher", "pretrain --help");
}

// ---- unknown keys --------------------------------------------------------------------

static void test_unknown_trainer_key(void **state) {
    (void)state;
    // max_steps: should the check ever be skipped, the run fails on the typo after one step's setup, not hours.
    char *teacher[] = {"scaffold", "train-teacher", "--task", "synth-text", "--set", "max_steps=1", "--set",
                       "epohcs=3", "--out", "/tmp/sc_discover_t", NULL};
    assert_int_equal(run(teacher), SC_EXIT_FAIL);
    expect_has(err, "--set: unknown key 'epohcs'; did you mean 'epochs'?", "train-teacher epohcs");
    expect_has(err, "trainer: ", "train-teacher epohcs");
    expect_spec(err, "", sc_trainer_spec, "train-teacher epohcs");
    expect_has(err, "teacher 'transformer': ", "train-teacher epohcs");  // synth-text's teacher config
    char *student[] = {"scaffold", "train-student", "--task", "synth-text", "--teacher-ckpt", "/nonexistent",
                       "--explainer", "attention", "--set", "epohcs=3", "--out", "/tmp/sc_discover_s", NULL};
    assert_int_equal(run(student), SC_EXIT_FAIL);
    expect_has(err, "--set: unknown key 'epohcs'; did you mean 'epochs'?", "train-student epohcs");
    expect_spec(err, "", sc_trainer_spec, "train-student epohcs");
    expect_spec(err, "", sc_student_spec, "train-student epohcs");
    expect_has(err, "teacher explainer 'attention' (teacher.K): ", "train-student epohcs");
    expect_spec(err, "", sc_explainer_find("attention")->spec, "train-student epohcs");
    expect_has(err, "(student_explainer.K)", "train-student epohcs");
    expect_has(err, "student 'transformer': ", "train-student epohcs");
    expect_spec(err, "", sc_model_find("student", "transformer")->spec, "train-student epohcs");
    // An explainer key without its prefix: the prefixed key is what was meant.
    char *bare[] = {"scaffold", "train-student", "--task", "synth-text", "--teacher-ckpt", "/nonexistent",
                    "--explainer", "gradient-x-input", "--set", "sign=abs", "--out", "/tmp/sc_discover_s", NULL};
    assert_int_equal(run(bare), SC_EXIT_FAIL);
    expect_has(err, "unknown key 'sign'; did you mean 'teacher.sign'?", "train-student sign");
    char *pre[] = {"scaffold", "pretrain", "--corpus", "no-such-corpus", "--set", "setps=3", "--out",
                   "/tmp/sc_discover_p", NULL};
    assert_int_equal(run(pre), SC_EXIT_FAIL);
    expect_has(err, "--set: unknown key 'setps'; did you mean 'steps'?", "pretrain setps");
    expect_spec(err, "", sc_pretrain_spec, "pretrain setps");
    expect_spec(err, "", sc_model_find("teacher", "transformer")->spec, "pretrain setps");
}

// A key from a config file is reported with the file and line it is on.
static void test_unknown_key_in_file(void **state) {
    (void)state;
    const char *path = "/tmp/sc_discover_student.yaml";
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("arch: bag\nwidth: 16\npatinece: 4\n", f);
    fclose(f);
    char *argv[] = {"scaffold", "train-student", "--task", "synth-text", "--teacher-ckpt", "/nonexistent",
                    "--explainer", "none", "--config", (char *)path, "--out", "/tmp/sc_discover_s", NULL};
    assert_int_equal(run(argv), SC_EXIT_FAIL);
    expect_has(err, "sc_discover_student.yaml line 3: unknown key 'patinece'; did you mean 'patience'?", "file");
    expect_has(err, "student 'bag': ", "file");
    expect_spec(err, "", sc_model_find("student", "bag")->spec, "file");
    assert_null(strstr(err, "(teacher.K)"));  // explainer none: no teacher explainer keys
    // A typo in the finetune section fails a run without --init too (it is not
    // left for the first run from a backbone to find), naming the section's line.
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("arch: transformer\nlayers: 1\nfinetune:\n  lr: 3e-4\n  epohcs: 4\n", f);
    fclose(f);
    char *tv[] = {"scaffold", "train-teacher", "--task", "synth-text", "--config", (char *)path, "--out",
                  "/tmp/sc_discover_t", NULL};
    assert_int_equal(run(tv), SC_EXIT_FAIL);
    expect_has(err, "sc_discover_student.yaml line 5 (finetune): unknown key 'epohcs'; did you mean 'epochs'?",
               "finetune");
    remove(path);
}

// The library's own check (one consumer's keys) suggests too, in one line.
static void test_library_messages(void **state) {
    (void)state;
    assert_int_equal(sc_edit_distance("epohcs", "epochs"), 1);
    assert_int_equal(sc_edit_distance("", "lr"), 2);
    assert_int_equal(sc_edit_distance("width", "width"), 0);
    assert_int_equal(sc_edit_distance("kitten", "sitting"), 3);
    sc_config c;
    sc_config_init(&c);
    sc_err e;
    assert_int_equal(sc_config_set(&c, "layerz", "2", "--set", &e), 0);
    const sc_model_def *d = sc_model_find("teacher", "transformer");
    assert_int_not_equal(sc_model_check_config(d, &c, &e), 0);
    expect_has(e.msg, "--set: unknown key 'layerz' for teacher 'transformer'; did you mean 'layers'?", "model check");
    expect_spec(e.msg, "", d->spec, "model check");
    sc_config_init(&c);
    assert_int_equal(sc_config_set(&c, "zzzzzzzz", "2", "f.yaml line 9", &e), 0);
    assert_int_not_equal(sc_model_check_config(d, &c, &e), 0);
    expect_has(e.msg, "f.yaml line 9: unknown key 'zzzzzzzz' for teacher 'transformer' (known keys: dtype, ", "far");
    assert_null(strstr(e.msg, "did you mean"));  // nothing is near
}

// ---- unknown explainers --------------------------------------------------------------

static void expect_all_names(const char *text, const char *what) {
    int n;
    const sc_explainer_def *const *defs = sc_explainer_list(&n);
    for (int i = 0; i < n; i++) expect_has(text, defs[i]->name, what);
    expect_has(text, "`scaffold explainers`", what);
}

static void test_unknown_explainer(void **state) {
    (void)state;
    char *argv[] = {"scaffold", "train-student", "--task", "synth-text", "--teacher-ckpt", "/nonexistent",
                    "--explainer", "gradient-xinput", "--out", "/tmp/sc_discover_s", NULL};
    assert_int_equal(run(argv), SC_EXIT_USAGE);
    expect_has(err, "unknown explainer 'gradient-xinput'; did you mean 'gradient-x-input'?", "train-student");
    expect_all_names(err, "train-student --explainer");
    // The library says the same to its own callers (the runner's jobs).
    sc_student_run_cfg c = sc_student_run_defaults();
    c.teacher_ckpt = "/nonexistent", c.explainer = "nope", c.log = NULL;
    sc_student_outcome o;
    memset(&o, 0, sizeof o);
    sc_err e;
    assert_int_not_equal(sc_student_run(&c, &o, &e), 0);
    expect_has(e.msg, "unknown explainer 'nope'", "sc_student_run");
    expect_all_names(e.msg, "sc_student_run");
    sc_student_outcome_free(&o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explainers_lists_registry), cmocka_unit_test(test_explainers_by_name),
        cmocka_unit_test(test_needs_tell_the_truth),      cmocka_unit_test(test_models_keys),
        cmocka_unit_test(test_help_lists_keys),           cmocka_unit_test(test_unknown_trainer_key),
        cmocka_unit_test(test_unknown_key_in_file),       cmocka_unit_test(test_library_messages),
        cmocka_unit_test(test_unknown_explainer),
    };
    return cmocka_run_group_tests_name("discover", tests, setup, sc_test_teardown);
}
