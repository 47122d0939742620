// Teacher training end to end through the CLI on the generated synth-text task:
// files written, the checkpoint reloads to identical predictions, the same seed
// gives a bit-identical checkpoint, the model learns, and bad input fails cleanly.
#include "sc_test.h"

#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/checkpoint.h"
#include "train/trainer.h"

static char out[1 << 16], err[1 << 16];

static int run(char **argv) {
    int argc = 0;
    while (argv[argc]) argc++;
    return sc_test_capture(sc_cli_main, argc, argv, out, sizeof out, err, sizeof err);
}

static void train(const char *dir, const char *steps) {
    char set_steps[64];
    snprintf(set_steps, sizeof set_steps, "max_steps=%s", steps);
    char *argv[] = {"scaffold", "train-teacher", "--task", "synth-text", "--teacher", "transformer",
                    "--set", "layers=1", "--set", "width=32", "--set", "heads=2", "--set", set_steps,
                    "--set", sc_test_quick() ? "epochs=1" : "epochs=2", "--set", "warmup=10", "--set", "lr=3e-3", "--seed", "7",
                    "--out", (char *)dir, NULL};
    int rc = run(argv);
    if (rc != 0) fail_msg("train-teacher exited %d: %s", rc, err);
}

static void test_train_teacher_end_to_end(void **state) {
    (void)state;
    int quick = sc_test_quick();
    const char *steps = quick ? "4" : "150";
    char d1[] = "/tmp/sc_train_XXXXXX", d2[] = "/tmp/sc_train_XXXXXX";
    assert_non_null(mkdtemp(d1));
    assert_non_null(mkdtemp(d2));
    train(d1, steps);
    assert_non_null(strstr(out, "test accuracy"));
    double acc = 0;
    const char *p = strstr(out, "test accuracy");
    assert_int_equal(sscanf(p, "test accuracy %lf", &acc), 1);
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

    // metrics.msgpack is a readable map with the curves.
    size_t n;
    char *buf = sc_test_slurp(met, &n);
    assert_non_null(buf);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&up, buf, n, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(up.data.type, MSGPACK_OBJECT_MAP);
    msgpack_unpacked_destroy(&up);
    free(buf);

    // Same seed, same config: bit-identical checkpoint. (Skipped under valgrind,
    // where the first run already covers every code path.)
    if (quick) {
        char cmd0[512];
        snprintf(cmd0, sizeof cmd0, "rm -rf %s %s", d1, d2);
        assert_int_equal(system(cmd0), 0);
        return;
    }
    train(d2, steps);
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
