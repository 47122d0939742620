// Teacher training end to end as a library call (smat/teacher_run.h) on the
// generated synth-text task: files written, the result file reads back with the
// outcome's numbers, the checkpoint reloads with the metric, the same seed gives
// a bit-identical checkpoint, the model learns; and the CLI refuses bad input
// cleanly.
#include "sc_test.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/checkpoint.h"
#include "io/result_read.h"
#include "smat/teacher_run.h"
#include "train/trainer.h"

static char out[1 << 16], err[1 << 16];

static int run(char **argv) {
    int argc = 0;
    while (argv[argc]) argc++;
    return sc_test_capture(sc_cli_main, argc, argv, out, sizeof out, err, sizeof err);
}

static void train(const char *dir, const char *steps, sc_teacher_outcome *o) {
    char set_steps[64];
    snprintf(set_steps, sizeof set_steps, "max_steps=%s", steps);
    char *sets[] = {"layers=1", "width=32", "heads=2", set_steps, sc_test_quick() ? "epochs=1" : "epochs=2",
                    "warmup=10", "lr=3e-3"};
    sc_teacher_run_cfg c = sc_teacher_run_defaults();
    c.task = "synth-text", c.arch = "transformer", c.sets = sets, c.n_sets = 7, c.seed = 7, c.out = dir;
    c.log = NULL;
    sc_err e;
    if (sc_teacher_run(&c, o, &e)) fail_msg("teacher run: %s", e.msg);
}

static void test_train_teacher_end_to_end(void **state) {
    (void)state;
    int quick = sc_test_quick();
    const char *steps = quick ? "4" : "150";
    char d1[] = "/tmp/sc_train_XXXXXX", d2[] = "/tmp/sc_train_XXXXXX";
    assert_non_null(mkdtemp(d1));
    assert_non_null(mkdtemp(d2));
    sc_teacher_outcome o;
    train(d1, steps, &o);
    double acc = o.metric;
    assert_false(o.regression);
    assert_string_equal(o.task, "synth-text");
    assert_string_equal(o.arch, "transformer");
    // 150 steps (quick: 4) end the run before 2 epochs of synth-text's teacher split.
    assert_string_equal(sc_stop_name(o.stopped_by), "max_steps");
    // The label is a function of planted tokens: a trained teacher is far above chance.
    if (!quick && acc < 0.8) fail_msg("synth-text teacher test accuracy %.3f < 0.8", acc);

    char ck1[256], ck2[256], met[256];
    snprintf(ck1, sizeof ck1, "%s/teacher.ckpt", d1);
    snprintf(ck2, sizeof ck2, "%s/teacher.ckpt", d2);
    snprintf(met, sizeof met, "%s/metrics.msgpack", d1);

    // The checkpoint reloads, with the vocabulary and the metric.
    sc_model m;
    sc_ckpt_extra x;
    sc_ckpt_extra_init(&x);
    sc_err e;
    if (sc_checkpoint_load(ck1, &m, &x, &e)) fail_msg("%s", e.msg);
    double v;
    assert_true(sc_ckpt_extra_metric(&x, "test_accuracy", &v));
    assert_true(v == acc || fabs(v - acc) < 1e-4);
    assert_string_equal(x.task, "synth-text");
    assert_true(x.vocab_store.n > 3);
    sc_ckpt_extra_free(&x);
    sc_model_free(&m);

    // metrics.msgpack reads back through the result reader with the outcome's numbers and the curves.
    assert_string_equal(o.metrics_path, met);
    sc_result_doc d;
    if (sc_result_load(&d, met, &e)) fail_msg("%s", e.msg);
    char kind[32];
    double rv = 0, bv = 0;
    int64_t steps_run = 0;
    float *curve = NULL;
    size_t n_curve = 0;
    if (sc_result_str(&d, "kind", kind, sizeof kind, &e) || sc_result_real(&d, "metric.value", 0, 1, &rv, &e) ||
        sc_result_real(&d, "train.best_valid", 0, 1, &bv, &e) ||
        sc_result_int(&d, "train.steps", 0, INT64_MAX, &steps_run, &e) ||
        sc_result_floats(&d, "train.valid_curve", &curve, &n_curve, &e))
        fail_msg("%s", e.msg);
    assert_string_equal(kind, "teacher");
    assert_true(rv == acc);
    assert_true(bv == o.best_valid);
    assert_int_equal(steps_run, o.steps);
    assert_int_equal(n_curve, (size_t)o.epochs_run);
    free(curve);
    sc_result_doc_free(&d);

    // Same seed, same config: bit-identical checkpoint. (Skipped under valgrind,
    // where the first run already covers every code path.)
    if (quick) {
        char cmd0[512];
        snprintf(cmd0, sizeof cmd0, "rm -rf %s %s", d1, d2);
        assert_int_equal(system(cmd0), 0);
        return;
    }
    sc_teacher_outcome o2;
    train(d2, steps, &o2);
    assert_true(o2.metric == acc);
    size_t n1, n2;
    char *b1 = sc_test_slurp(ck1, &n1), *b2 = sc_test_slurp(ck2, &n2);
    assert_non_null(b1);
    assert_non_null(b2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    free(b1);
    free(b2);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", d1, d2);
    assert_int_equal(system(cmd), 0);
}

static void test_train_teacher_bad_input(void **state) {
    (void)state;
    char *no_task[] = {"scaffold", "train-teacher", "--out", "/tmp/x", NULL};
    assert_int_equal(run(no_task), SC_EXIT_USAGE);
    assert_non_null(strstr(err, "--task is required"));
    char *bad_arch[] = {"scaffold", "train-teacher", "--task", "synth-text", "--teacher", "nope", "--out", "/tmp/sc_x", NULL};
    assert_int_equal(run(bad_arch), SC_EXIT_FAIL);
    assert_non_null(strstr(err, "no teacher architecture 'nope'"));
    char *bad_key[] = {"scaffold", "train-teacher", "--task", "synth-text", "--teacher", "transformer",
                       "--set", "layerz=2", "--out", "/tmp/sc_x", NULL};
    assert_int_equal(run(bad_key), SC_EXIT_FAIL);
    assert_non_null(strstr(err, "unknown key 'layerz'"));
    char *bad_val[] = {"scaffold", "train-teacher", "--task", "synth-text", "--teacher", "transformer",
                       "--set", "lr=fast", "--out", "/tmp/sc_x", NULL};
    assert_int_equal(run(bad_val), SC_EXIT_FAIL);
    assert_non_null(strstr(err, "key 'lr': expected a number, got 'fast'"));
    char *bad_task[] = {"scaffold", "train-teacher", "--task", "no-such-task", "--teacher", "mlp", "--out", "/tmp/sc_x", NULL};
    assert_int_equal(run(bad_task), SC_EXIT_FAIL);
    char *bad_seed[] = {"scaffold", "train-teacher", "--task", "synth-text", "--seed", "-3", "--out", "/tmp/sc_x", NULL};
    assert_int_equal(run(bad_seed), SC_EXIT_USAGE);
    assert_int_equal(system("rm -rf /tmp/sc_x"), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_teacher_end_to_end),
        cmocka_unit_test(test_train_teacher_bad_input),
    };
    return cmocka_run_group_tests_name("train", tests, NULL, sc_test_teardown);
}
