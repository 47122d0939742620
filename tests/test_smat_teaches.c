// The point of the framework, as a test: on a small synth-text problem, with
// the shipped defaults (students/configs/synth-text.yaml: AdamW students; the
// attention explainer's learnable temperature; meta lr 2e-2 after a warmup of
// 160 meta steps), the meta-learned
// explainer teaches better than static attention and than no explanation, on
// every seed, by a real margin. With the previous defaults (SGD lr 5e-2
// students, meta lr 5e-4, no temperature) this fails: students stayed at chance
// on some seeds and SMaT trailed attention-uniform (see the closing notes of
// the SMaT issue and students/configs/synth-text.yaml).
//
// Measured when written (N = 100, seeds 1-3, the default teacher, seed 1):
// none 0.81, attention-uniform 0.91, SMaT 0.99 mean test simulatability.
// Without the meta warmup the recipe failed one run in 16 (seeds 1-8 under two
// roundings of the products), and which seeds failed moved with the rounding;
// with it the lowest of those 16 is 0.986 (results/reference/smat-rounding/
// meta-warmup.txt). Seeds 1-3 with the warmup: SMaT 0.993-0.997.
// Under SCAFFOLD_TEST_QUICK (valgrind) one tiny run of each, on a 600-example
// copy of the task, only checks that they complete.
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smat/student_run.h"
#include "smat/teacher_run.h"

static char dir[256], task[300];

static double student(const char *explainer, int learn, uint64_t seed, int quick) {
    char *sets[] = {"epochs=1", "max_steps=2"};
    sc_student_run_cfg c = sc_student_run_defaults();
    c.teacher_ckpt = dir, c.task = task, c.explainer = explainer, c.learn = learn, c.n = quick ? 30 : 100, c.seed = seed,
    c.log = NULL;
    if (quick) c.sets = sets, c.n_sets = 2;
    sc_student_outcome o;
    sc_err e;
    if (sc_student_run(&c, &o, &e)) fail_msg("%s seed %llu: %s", explainer, (unsigned long long)seed, e.msg);
    double sim = o.simulatability;
    // Converged: stopped by patience, or at the ceiling, where a new best is one
    // more validation example out of 300 and can keep coming until the epoch cap
    // (SMaT seed 3 with BLIS's skx kernels: valid 0.9933 at epoch 43, 0.9967 at
    // 55 of 60, test 0.9922).
    if (!quick && o.stopped_by != SC_STOP_PATIENCE && o.best_valid < 0.99)
        fail_msg("%s seed %llu: stopped by %s at valid %.4f, not by patience (the recipe no longer converges)",
                 explainer, (unsigned long long)seed, sc_stop_name(o.stopped_by), o.best_valid);
    sc_student_outcome_free(&o);
    return sim;
}

static void test_smat_beats_static_and_none(void **state) {
    (void)state;
    int quick = sc_test_quick();
    snprintf(dir, sizeof dir, "/tmp/sc_test_smat_teaches_%d", (int)getpid());
    char *tsets[] = {"max_steps=20", "epochs=1"};
    sc_teacher_run_cfg t = sc_teacher_run_defaults();
    snprintf(task, sizeof task, "synth-text");
    if (quick) {  // by path: the task's configs are not looked up, so the teacher names its architecture
        snprintf(task, sizeof task, "%s/tasks/synth-text", dir);
        char parent[300];
        snprintf(parent, sizeof parent, "%s/tasks", dir);
        sc_test_synth_copy(parent, "synth-text", 200);  // student pool 40: n = 30
        t.sets = tsets, t.n_sets = 2, t.arch = "transformer";
    }
    t.task = task, t.seed = 1, t.out = dir, t.log = NULL;
    sc_teacher_outcome to;
    sc_err e;
    if (sc_teacher_run(&t, &to, &e)) fail_msg("teacher: %s", e.msg);
    int n_seeds = quick ? 1 : 3;
    double none = 0, uniform = 0, smat = 0, worst_smat = 1;
    for (int s = 1; s <= n_seeds; s++) {
        double a = student("none", 0, (uint64_t)s, quick), b = student("attention-uniform", 0, (uint64_t)s, quick),
               c = student("attention", 1, (uint64_t)s, quick);
        print_message("seed %d: none %.4f, attention-uniform %.4f, smat %.4f\n", s, a, b, c);
        none += a / n_seeds, uniform += b / n_seeds, smat += c / n_seeds;
        if (c < worst_smat) worst_smat = c;
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    if (quick) return;
    if (!(smat >= uniform + 0.03 && smat >= none + 0.08 && worst_smat >= 0.95))
        fail_msg("SMaT %.4f (worst seed %.4f) vs attention-uniform %.4f and none %.4f: want +3 and +8 points, "
                 "every seed >= 0.95", smat, worst_smat, uniform, none);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_smat_beats_static_and_none)};
    return cmocka_run_group_tests_name("smat_teaches", tests, NULL, sc_test_teardown);
}
