// scaffold train-xbl (smat/xbl_run.c): refusals that name what is wrong, and on
// decoy-fashion-mnist (not under valgrind: loading 70000 images is slow) a
// short run of each method writing its measures, all of them within their
// ranges, with the penalty visible in the one it targets.
#include "sc_test.h"

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static char out[1 << 14], err[1 << 14];

static int run(char **argv) {
    int argc = 0;
    while (argv[argc]) argc++;
    return sc_test_capture(sc_cli_main, argc, argv, out, sizeof out, err, sizeof err);
}

static void expect_fail(char **argv, int code, const char *msg) {
    assert_int_equal(run(argv), code);
    if (!strstr(err, msg)) fail_msg("expected '%s' in: %s", msg, err);
}

static void test_refusals(void **state) {
    (void)state;
    char *a1[] = {"scaffold", "train-xbl", "--out", "/tmp/x", NULL};
    expect_fail(a1, SC_EXIT_USAGE, "--task is required");
    char *a2[] = {"scaffold", "train-xbl", "--task", "synth-text", NULL};
    expect_fail(a2, SC_EXIT_USAGE, "--out is required");
    char *a3[] = {"scaffold", "train-xbl", "--task", "synth-text", "--out", "/tmp/sc_xbl_never", "--frob", NULL};
    expect_fail(a3, SC_EXIT_USAGE, "unexpected argument '--frob'");
    char dir[] = "/tmp/sc_xbl_refuse_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *a4[] = {"scaffold", "train-xbl", "--task", "synth-text", "--out", dir, "--set", "method=gradcam", NULL};
    expect_fail(a4, SC_EXIT_FAIL, "method");
    assert_non_null(strstr(err, "gradcam"));
    char *a5[] = {"scaffold", "train-xbl", "--task", "synth-text", "--out", dir, "--set", "lambda=-1", NULL};
    expect_fail(a5, SC_EXIT_FAIL, "lambda");
    // An unknown key is named, with the nearest and every group of keys.
    char *a7[] = {"scaffold", "train-xbl", "--task", "synth-text", "--out", dir, "--set", "lamda=3", NULL};
    expect_fail(a7, SC_EXIT_FAIL, "unknown key 'lamda'; did you mean 'lambda'?");
    assert_non_null(strstr(err, "explanation-based learning: method, lambda, saliency_target"));
    // A text task has no object or decoy masks.
    char *a6[] = {"scaffold", "train-xbl", "--task", "synth-text", "--out", dir, "--set", "max_steps=1", NULL};
    expect_fail(a6, SC_EXIT_FAIL, "must be an image classification task with object and decoy masks");
    char p[300];
    snprintf(p, sizeof p, "%s/metrics.msgpack", dir);
    assert_int_not_equal(access(p, 0), 0);  // nothing written
    snprintf(p, sizeof p, "rm -rf %s", dir);
    assert_int_equal(system(p), 0);
}

// The value of "section.key" (a double) in a result file.
static double result_value(const char *path, const char *section, const char *key) {
    size_t n;
    char *buf = sc_test_slurp(path, &n);
    assert_non_null(buf);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, buf, n, NULL), MSGPACK_UNPACK_SUCCESS);
    double v = -1e300;
    const msgpack_object_map *top = &u.data.via.map;
    for (uint32_t i = 0; i < top->size; i++) {
        const msgpack_object_kv *kv = &top->ptr[i];
        if (kv->key.via.str.size != strlen(section) || memcmp(kv->key.via.str.ptr, section, strlen(section))) continue;
        if (kv->val.type == MSGPACK_OBJECT_STR) {  // e.g. kind
            v = kv->val.via.str.size;
            break;
        }
        for (uint32_t j = 0; j < kv->val.via.map.size; j++) {
            const msgpack_object_kv *e = &kv->val.via.map.ptr[j];
            if (e->key.via.str.size == strlen(key) && !memcmp(e->key.via.str.ptr, key, strlen(key)))
                v = e->val.type == MSGPACK_OBJECT_FLOAT64 ? e->val.via.f64 : (double)e->val.via.u64;
        }
    }
    msgpack_unpacked_destroy(&u);
    free(buf);
    if (v == -1e300) fail_msg("%s: no %s.%s", path, section, key);
    return v;
}

static void test_methods_on_decoy_fashion_mnist(void **state) {
    (void)state;
    if (sc_test_quick()) skip();
    sc_test_need_task("decoy-fashion-mnist");
    char dir[] = "/tmp/sc_xbl_run_XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *methods[3] = {"none", "rrr", "distance"};
    double score[3];
    for (int m = 0; m < 3; m++) {
        char o[300], meth[32], path[340];
        snprintf(o, sizeof o, "%s/%s", dir, methods[m]);
        snprintf(meth, sizeof meth, "method=%s", methods[m]);
        char *argv[] = {"scaffold", "train-xbl", "--task", "decoy-fashion-mnist", "--model", "vit",
                        "--set", "layers=1", "--set", "width=16", "--set", "heads=2", "--set", "max_steps=30",
                        "--set", "epochs=1", "--set", "lambda=100", "--set", meth, "--seed", "3", "--out", o, NULL};
        if (run(argv)) fail_msg("train-xbl %s: %s", methods[m], err);
        assert_non_null(strstr(out, "decoy reliance"));
        snprintf(path, sizeof path, "%s/metrics.msgpack", o);
        for (int k = 0; k < 4; k++) {
            static const char *const keys[4] = {"accuracy", "clean_accuracy", "decoy_reliance", "distance_score"};
            double v = result_value(path, "test", keys[k]);
            if (!(v >= 0 && v < 1)) fail_msg("%s: test.%s = %g outside [0, 1)", methods[m], keys[k], v);
        }
        assert_int_equal((int)result_value(path, "test", "n"), 10000);
        double dec = result_value(path, "valid", "decoyed_accuracy");
        assert_true(dec > 0 && dec <= 1);
        score[m] = result_value(path, "test", "distance_score");
    }
    // The distance-aware penalty, weighted heavily, moves saliency towards the
    // object within 30 steps; plain training does not aim at it.
    if (!(score[2] < score[0])) fail_msg("distance score: none %.4f, distance-aware %.4f", score[0], score[2]);
    // Concept pruning: with threshold 0 every concept is flagged; masking then
    // acts on the whole training split, and pruning would leave nothing (refused).
    char o[300], path[340];
    snprintf(o, sizeof o, "%s/concepts", dir);
    char *cp[] = {"scaffold", "train-xbl", "--task", "decoy-fashion-mnist", "--model", "vit", "--set", "layers=1",
                  "--set", "width=16", "--set", "heads=2", "--set", "max_steps=30", "--set", "epochs=1",
                  "--set", "method=concept-prune", "--set", "concept_threshold=0", "--set", "concept_action=mask",
                  "--set", "concept_k_max=4", "--seed", "3", "--out", o, NULL};
    if (run(cp)) fail_msg("train-xbl concept-prune: %s", err);
    if (!strstr(out, "flagged, 45000 training examples acted on")) fail_msg("%s", out);
    snprintf(path, sizeof path, "%s/metrics.msgpack", o);
    int k = (int)result_value(path, "concepts", "k");
    assert_true(k >= 2 && k <= 4);
    assert_int_equal((int)result_value(path, "concepts", "n_acted"), 45000);
    cp[21] = "concept_action=prune";
    expect_fail(cp, SC_EXIT_FAIL, "every concept was flagged; nothing is left to train on");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_methods_on_decoy_fashion_mnist),
    };
    return cmocka_run_group_tests(tests, NULL, sc_test_teardown);
}
