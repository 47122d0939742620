// A task with no teachers/configs or students/configs file (a newcomer's task):
// train-teacher and train-student pick the modality's architecture and a
// student recipe that trains (AdamW), and a student that never leaves chance
// says so in its log, naming the keys to change.
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp/manifest.h"
#include "io/result_read.h"
#include "smat/student_run.h"
#include "smat/teacher_run.h"

static char task_dir[300], teacher_dir[300], student_dir[300];

static int setup(void **state) {
    (void)state;
    char parent[200];
    snprintf(parent, sizeof parent, "/tmp/sc_test_new_task_%d", (int)getpid());
    sc_test_synth_copy(parent, "brand-new-task", sc_test_quick() ? 800 : 1200);  // no configs under this name
    snprintf(task_dir, sizeof task_dir, "%s/brand-new-task", parent);
    snprintf(teacher_dir, sizeof teacher_dir, "%s/teacher", parent);
    snprintf(student_dir, sizeof student_dir, "%s/student", parent);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf /tmp/sc_test_new_task_%d", (int)getpid());
    return system(cmd) == 0 ? sc_test_teardown(state) : -1;
}

// The student's log in buf; its return code.
static int student(char **sets, int n_sets, sc_student_outcome *o, char *buf, size_t cap) {
    sc_student_run_cfg c = sc_student_run_defaults();
    c.teacher_ckpt = teacher_dir, c.explainer = "none", c.n = sc_test_quick() ? 150 : 200, c.out = student_dir, c.sets = sets;
    c.n_sets = n_sets;
    FILE *log = tmpfile();
    c.log = log;
    sc_err e;
    int rc = sc_student_run(&c, o, &e);
    if (rc) fail_msg("%s", e.msg);
    rewind(log);
    size_t n = fread(buf, 1, cap - 1, log);
    buf[n] = '\0';
    fclose(log);
    return rc;
}

static void test_defaults_from_modality(void **state) {
    (void)state;
    sc_teacher_run_cfg c = sc_teacher_run_defaults();
    char *quick[] = {"epochs=4", "layers=1", "width=32", "heads=2"};  // small: memcheck runs this too
    c.task = task_dir, c.out = teacher_dir, c.sets = quick, c.n_sets = 4, c.log = NULL;
    sc_teacher_outcome to;
    sc_err e;
    if (sc_teacher_run(&c, &to, &e)) fail_msg("%s", e.msg);  // no --teacher, no config: text -> transformer
    assert_string_equal(to.arch, "transformer");
    if (!(to.metric > 0.7)) fail_msg("teacher test accuracy %.3f", to.metric);

    static char log[1 << 16];
    sc_student_outcome o;
    char *few[] = {sc_test_quick() ? "epochs=4" : "epochs=8"};
    student(few, 1, &o, log, sizeof log);
    assert_string_equal(o.arch, "transformer");
    // The built-in recipe is AdamW at lr 1e-3 (the paper's SGD sits at chance here).
    char path[400], opt[32], lr[32];
    snprintf(path, sizeof path, "%s/metrics.msgpack", student_dir);
    sc_result_doc d;
    if (sc_result_load(&d, path, &e)) fail_msg("%s", e.msg);
    assert_int_equal(sc_result_str(&d, "config.trainer.optimizer", opt, sizeof opt, &e), 0);
    assert_int_equal(sc_result_str(&d, "config.trainer.lr", lr, sizeof lr, &e), 0);
    sc_result_doc_free(&d);
    assert_string_equal(opt, "adamw");
    assert_string_equal(lr, "1e-3");
    if (!(o.best_valid > o.chance + 0.1)) fail_msg("student valid %.3f, chance %.3f", o.best_valid, o.chance);
    assert_null(strstr(log, "never left chance"));
    sc_student_outcome_free(&o);

    // lr 0: nothing is learned, and the log says so with the keys to change.
    char *stuck[] = {"epochs=1", "lr=0"};
    student(stuck, 2, &o, log, sizeof log);
    if (!strstr(log, "warning: the student never left chance")) fail_msg("no warning in:\n%s", log);
    assert_non_null(strstr(log, "optimizer=adamw"));
    assert_non_null(strstr(log, "scaffold models --keys"));
    sc_student_outcome_free(&o);
}

// A manifest over the task needs no teacher.arch: validation resolves the
// default architecture as train-teacher does.
static void test_manifest_without_teacher_arch(void **state) {
    (void)state;
    char path[400], text[800];
    snprintf(path, sizeof path, "%s/../m.yaml", task_dir);
    snprintf(text, sizeof text, "name: m\ntasks: [%s]\nexplainers: [none, attention]\nn: [40]\nseeds: [1]\n", task_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    sc_manifest m;
    sc_err e;
    if (sc_manifest_load(&m, path, NULL, &e)) fail_msg("%s", e.msg);
    assert_int_equal(m.n_runs, 3);
    for (int i = 0; i < m.runs[0].argc; i++) assert_string_not_equal(m.runs[0].argv[i], "--teacher");
    sc_manifest_free(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_defaults_from_modality),
                                       cmocka_unit_test(test_manifest_without_teacher_arch)};
    return cmocka_run_group_tests_name("new task defaults", tests, setup, teardown);
}
