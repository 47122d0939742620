// scaffold train-xbl (smat/xbl_run.c): refusals that name what is wrong; on a
// small copy of decoy-fashion-mnist (1000 test images; not under valgrind:
// loading 70000 images is slow) a short run of each method writing its measures,
// all of them within their ranges, with the penalty visible in the one it
// targets (also on Grad-CAM with the CNN, refused for the ViT) and concept
// flagging acting on the whole split; on a small copy of
// decoy-synth-text (also under valgrind, smaller still) the text runs: the
// measures, the token files, concept pruning on tokens and (natively) its refusal.
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
    assert_non_null(strstr(err, "explanation-based learning: method, lambda, saliency, saliency_target"));
    // synth-text has token rationales but no decoy.
    char *a6[] = {"scaffold", "train-xbl", "--task", "synth-text", "--out", dir, "--set", "max_steps=1", NULL};
    expect_fail(a6, SC_EXIT_FAIL, "must be a classification task with object and decoy masks");
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

// A copy of tasks/SRC/task.yaml as dir/NAME/task.yaml with NAME and one
// replacement; returns the copy's path (static).
static const char *task_copy(const char *dir, const char *src, const char *name, const char *from, const char *to) {
    static char path[600];
    char file[300], key[100];
    size_t n;
    snprintf(file, sizeof file, "tasks/%s/task.yaml", src);
    snprintf(key, sizeof key, "name: %s\n", src);
    char *text = sc_test_slurp(file, &n);
    assert_non_null(text);
    char *nm = strstr(text, key), *at = strstr(text, from);
    if (!nm || !at || at < nm) fail_msg("%s has no '%s' after its name", file, from);
    snprintf(path, sizeof path, "mkdir -p %s/%s", dir, name);
    assert_int_equal(system(path), 0);
    snprintf(path, sizeof path, "%s/%s/task.yaml", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    const char *after = nm + strlen(key);
    fprintf(f, "%.*sname: %s\n%.*s%s%s", (int)(nm - text), text, name, (int)(at - after), after, to, at + strlen(from));
    fclose(f);
    free(text);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

// ---- reading the per-run files ----------------------------------------------------------

static const msgpack_object *get(const msgpack_object *m, const char *key) {
    if (m->type != MSGPACK_OBJECT_MAP) fail_msg("looking up '%s' in a non-map", key);
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object_kv *kv = &m->via.map.ptr[i];
        if (kv->key.via.str.size == strlen(key) && !memcmp(kv->key.via.str.ptr, key, strlen(key))) return &kv->val;
    }
    fail_msg("no key '%s'", key);
    return NULL;
}

static int str_is(const msgpack_object *o, const char *s) {
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) && !memcmp(o->via.str.ptr, s, strlen(s));
}

static double num(const msgpack_object *o) {
    return o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32 ? o->via.f64
           : o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER                            ? (double)o->via.i64
                                                                                    : (double)o->via.u64;
}

static const msgpack_object *array(const msgpack_object *o, uint32_t n_or_0) {
    if (o->type != MSGPACK_OBJECT_ARRAY) fail_msg("expected an array");
    if (n_or_0 && o->via.array.size != n_or_0) fail_msg("array of %u, expected %u", o->via.array.size, n_or_0);
    return o->via.array.ptr;
}

// OUT/saliency.msgpack: the schema, 8 examples, nonnegative saliency, 0/1 decoy
// of the input's length, and (text) at least one decoy token per example.
static void check_saliency_file(const char *dst, const char *modality) {
    char path[400];
    size_t n;
    snprintf(path, sizeof path, "%s/saliency.msgpack", dst);
    char *buf = sc_test_slurp(path, &n);
    assert_non_null(buf);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, buf, n, NULL), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *top = &u.data;
    assert_true(str_is(get(top, "format"), "scaffold-saliency") && num(get(top, "version")) == 1);
    assert_true(str_is(get(top, "modality"), modality));
    int text = !strcmp(modality, "text");
    const msgpack_object *ex = array(get(top, "examples"), 8);
    for (int i = 0; i < 8; i++) {
        const msgpack_object *e = &ex[i];
        assert_int_equal((int)num(get(e, "index")), i);
        double lab = num(get(e, "label")), pred = num(get(e, "pred"));
        assert_true(lab >= 0 && lab < 10 && pred >= 0 && pred < 10);
        const msgpack_object *in = get(e, text ? "tokens" : "input"), *sal = get(e, "saliency"), *dec = get(e, "decoy");
        uint32_t units = in->via.array.size, ones = 0;
        if (!text) assert_int_equal(units, (uint32_t)(num(get(e, "height")) * num(get(e, "width"))));
        if (text) assert_true(in->via.array.ptr[0].type == MSGPACK_OBJECT_STR);
        const msgpack_object *s = array(sal, units), *d = array(dec, units);
        for (uint32_t k = 0; k < units; k++) {
            assert_true(num(&s[k]) >= 0);
            assert_true(num(&d[k]) == 0 || num(&d[k]) == 1);
            ones += num(&d[k]) == 1;
        }
        if (text) assert_int_equal(ones, 1);  // decoy-synth-text: one decoy word per test sentence
    }
    msgpack_unpacked_destroy(&u);
    free(buf);
}

// OUT/concepts.msgpack: k concepts, points in range, every point flagged (the
// runs use threshold 0), and per concept thumbnails or sentences.
static void check_concepts_file(const char *dst, int k, int n_points, int text) {
    char path[400];
    size_t n;
    snprintf(path, sizeof path, "%s/concepts.msgpack", dst);
    char *buf = sc_test_slurp(path, &n);
    assert_non_null(buf);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, buf, n, NULL), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *top = &u.data;
    assert_true(str_is(get(top, "format"), "scaffold-concepts") && num(get(top, "version")) == 1);
    assert_int_equal((int)num(get(top, "k")), k);
    const msgpack_object *pts = array(get(top, "points"), (uint32_t)n_points);
    for (int i = 0; i < n_points; i++) {
        const msgpack_object *p = array(&pts[i], 5);
        assert_true(num(&p[2]) >= 0 && num(&p[2]) < k && num(&p[4]) == 1);
    }
    const msgpack_object *cs = array(get(top, "concepts"), (uint32_t)k);
    for (int q = 0; q < k; q++) {
        assert_true(num(get(&cs[q], "size")) >= 1 && num(get(&cs[q], "flagged")) == 1);
        const msgpack_object *th = get(&cs[q], text ? "tokens" : "thumbs");
        assert_true(th->via.array.size >= 1 && th->via.array.size <= 6);
        if (!text) assert_int_equal(th->via.array.ptr[0].via.array.size, 28 * 28);
    }
    msgpack_unpacked_destroy(&u);
    free(buf);
}

// ---- runs ---------------------------------------------------------------------------------

// train-xbl on task with a tiny model, `steps` steps, the extra sets; fails the test on error.
static void xbl(const char *task, const char *model, int steps, const char *dst, const char *const *sets) {
    char st[32];
    snprintf(st, sizeof st, "max_steps=%d", steps);
    int cnn = !strcmp(model, "cnn");  // its own architecture keys
    char *argv[40] = {"scaffold", "train-xbl", "--task", (char *)task, "--model", (char *)model, "--set",
                      cnn ? "width=8" : "layers=1", "--set", cnn ? "channels=16" : "width=16", "--set",
                      cnn ? "pool=max" : "heads=2", "--set", st, "--set", "epochs=1", "--seed", "3",
                      "--out", (char *)dst};
    int a = 20;
    for (int i = 0; sets[i]; i++) {
        argv[a++] = "--set";
        argv[a++] = (char *)sets[i];
    }
    argv[a] = NULL;
    if (run(argv)) fail_msg("train-xbl %s: %s", dst, err);
    assert_non_null(strstr(out, "decoy reliance"));
}

static void check_measures(const char *o, int n_test) {
    char path[340];
    snprintf(path, sizeof path, "%s/metrics.msgpack", o);
    static const char *const keys[5] = {"accuracy", "clean_accuracy", "swap_accuracy", "decoy_reliance",
                                        "distance_score"};
    for (int k = 0; k < 5; k++) {
        double v = result_value(path, "test", keys[k]);
        if (!(v >= 0 && v <= 1)) fail_msg("%s: test.%s = %g outside [0, 1]", o, keys[k], v);
    }
    assert_int_equal((int)result_value(path, "test", "n"), n_test);
    double dec = result_value(path, "valid", "decoyed_accuracy"), cl = result_value(path, "valid", "clean_accuracy");
    assert_true(dec > 0 && dec <= 1 && cl > 0 && cl <= 1);
}

static void test_methods_on_decoy_images(void **state) {
    (void)state;
    if (sc_test_quick()) skip();
    sc_test_need_task("decoy-fashion-mnist");
    char dir[] = "/tmp/sc_xbl_run_XXXXXX";
    assert_non_null(mkdtemp(dir));
    // 6000 training, 1200 validation and 1000 test images: the same generator
    // and decoy, a tenth of the evaluation.
    const char *task = task_copy(dir, "decoy-fashion-mnist", "decoy-fmnist-small",
                                 "train: {teacher-train: 0.75, teacher-valid: 0.05, student-pool: 0.15, student-valid: 0.05}\n"
                                 "    test: {test: 1.0}",
                                 "train: {teacher-train: 0.1, teacher-valid: 0.02, student-pool: 0.88}\n"
                                 "    test: {test: 0.1, student-pool: 0.9}");
    char tk[600];
    snprintf(tk, sizeof tk, "%s", task);
    const char *methods[3] = {"none", "rrr", "distance"};
    double score[3];
    for (int m = 0; m < 3; m++) {
        char o[300], meth[32], path[340];
        snprintf(o, sizeof o, "%s/%s", dir, methods[m]);
        snprintf(meth, sizeof meth, "method=%s", methods[m]);
        xbl(tk, "vit", 30, o, (const char *const[]){"lambda=100", meth, NULL});
        check_measures(o, 1000);
        snprintf(path, sizeof path, "%s/metrics.msgpack", o);
        score[m] = result_value(path, "test", "distance_score");
    }
    char o[300], cmd[340];
    snprintf(o, sizeof o, "%s/none", dir);
    check_saliency_file(o, "image");
    // Grad-CAM: on the CNN (the ViT's teacher config set aside for --model cnn)
    // the distance-aware penalty on its cells, heavily weighted, also moves the
    // input gradient towards the object; the ViT has no feature map for it.
    double cam_score[2];
    for (int m = 0; m < 2; m++) {
        char path[340];
        snprintf(o, sizeof o, "%s/cnn-%s", dir, m ? "distance-gradcam" : "none");
        xbl(tk, "cnn", 60, o,
            (const char *const[]){m ? "method=distance" : "method=none", "saliency=gradcam", "lambda=1000", NULL});
        check_measures(o, 1000);
        snprintf(path, sizeof path, "%s/metrics.msgpack", o);
        cam_score[m] = result_value(path, "test", "distance_score");
    }
    if (!(cam_score[1] < cam_score[0]))
        fail_msg("CNN distance score: none %.4f, distance-aware on Grad-CAM %.4f", cam_score[0], cam_score[1]);
    snprintf(o, sizeof o, "%s/vit-gradcam", dir);
    char *vg[] = {"scaffold", "train-xbl", "--task", tk, "--model", "vit", "--set", "saliency=gradcam", "--set",
                  "method=rrr", "--out", o, NULL};
    expect_fail(vg, SC_EXIT_FAIL, "saliency=gradcam needs a convolutional model with a feature map over its cell grid "
                                  "(--model cnn); 'vit' has none");
    // The distance-aware penalty, weighted heavily, moves saliency towards the
    // object within 30 steps; plain training does not aim at it.
    if (!(score[2] < score[0])) fail_msg("distance score: none %.4f, distance-aware %.4f", score[0], score[2]);
    // Concept pruning: with threshold 0 every concept is flagged; masking then
    // acts on the whole training split (pruning would leave nothing: refused,
    // checked on text below).
    snprintf(o, sizeof o, "%s/concepts", dir);
    xbl(tk, "vit", 30, o,
        (const char *const[]){"method=concept-prune", "concept_threshold=0", "concept_action=mask", "concept_k_max=4",
                              NULL});
    if (!strstr(out, "flagged, 6000 training examples acted on")) fail_msg("%s", out);
    snprintf(cmd, sizeof cmd, "%s/metrics.msgpack", o);
    int k = (int)result_value(cmd, "concepts", "k");
    assert_true(k >= 2 && k <= 4);
    assert_int_equal((int)result_value(cmd, "concepts", "n_acted"), 6000);
    check_concepts_file(o, k, 2000, 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

// decoy-synth-text, small: every method runs on tokens and writes its measures
// and files; concept pruning flags and masks on tokens, and refuses to prune
// everything. Under valgrind smaller still.
static void test_methods_on_decoy_text(void **state) {
    (void)state;
    char dir[] = "/tmp/sc_xbl_text_XXXXXX";
    assert_non_null(mkdtemp(dir));
    int quick = sc_test_quick(), size = quick ? 120 : 1200, steps = quick ? 2 : 20;
    char to[32], tk[600], o[300], path[340];
    snprintf(to, sizeof to, "size: %d", size);
    snprintf(tk, sizeof tk, "%s", task_copy(dir, "decoy-synth-text", "decoy-text-small", "size: 6000", to));
    int n_test = size * 15 / 100, n_train = size / 2;
    static const char *const methods[3] = {"none", "rrr", "distance"};
    for (int m = quick ? 2 : 0; m < 3; m++) {
        char meth[32];
        snprintf(o, sizeof o, "%s/%s", dir, methods[m]);
        snprintf(meth, sizeof meth, "method=%s", methods[m]);
        // The plain model trains longer: long enough to take the shortcut.
        xbl(tk, "transformer", m == 0 ? 200 : steps, o, (const char *const[]){"lambda=1", meth, "epochs=20", NULL});
        check_measures(o, n_test);
        check_saliency_file(o, "text");
        if (m) continue;
        // It does: right where the decoy agrees with the label, wrong where it
        // is another class's, no better than chance where it is random.
        snprintf(path, sizeof path, "%s/metrics.msgpack", o);
        double dec = result_value(path, "valid", "decoyed_accuracy"), swap = result_value(path, "test", "swap_accuracy");
        double acc = result_value(path, "test", "accuracy");
        if (!(dec > 0.9 && swap < 0.3 && acc < 0.7))
            fail_msg("plain model: decoyed valid %.3f, test %.3f, swapped %.3f", dec, acc, swap);
    }
    snprintf(o, sizeof o, "%s/concepts", dir);
    const char *cp[] = {"method=concept-prune", "concept_threshold=0", "concept_action=mask", "concept_k_max=3",
                        "epochs=20", NULL};
    xbl(tk, "transformer", quick ? steps : 200, o, cp);
    char acted[80];
    snprintf(acted, sizeof acted, "flagged, %d training examples acted on", n_train);
    if (!strstr(out, acted)) fail_msg("%s", out);
    snprintf(path, sizeof path, "%s/metrics.msgpack", o);
    int k = (int)result_value(path, "concepts", "k");
    assert_true(k >= 2 && k <= 3);
    check_concepts_file(o, k, n_train, 1);
    // With every training decoy deleted the second model cannot learn it: the
    // other class's decoy word no longer sways it (the plain model's fell below 0.3).
    double swap = result_value(path, "test", "swap_accuracy");
    if (!quick && !(swap > 0.4)) fail_msg("concept-prune, all decoys masked: swap accuracy %.3f", swap);
    // Grad-CAM is for images.
    char *gc[] = {"scaffold", "train-xbl", "--task", tk, "--model", "transformer", "--set", "saliency=gradcam", "--set",
                  "method=rrr", "--set", "max_steps=1", "--out", o, NULL};
    expect_fail(gc, SC_EXIT_FAIL, "saliency=gradcam is for images (a CNN's feature map)");
    if (quick) {  // the refusal below trains a first model too: checked natively only
        snprintf(path, sizeof path, "rm -rf %s", dir);
        assert_int_equal(system(path), 0);
        return;
    }
    cp[2] = "concept_action=prune";
    char *argv[] = {"scaffold", "train-xbl", "--task", tk, "--model", "transformer", "--set", "layers=1", "--set",
                    "width=16", "--set", "heads=2", "--set", "max_steps=2", "--set", "epochs=1", "--set",
                    (char *)cp[0], "--set", (char *)cp[1], "--set", (char *)cp[2], "--out", o, NULL};
    expect_fail(argv, SC_EXIT_FAIL, "every concept was flagged; nothing is left to train on");
    snprintf(path, sizeof path, "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_methods_on_decoy_images),
        cmocka_unit_test(test_methods_on_decoy_text),
    };
    return cmocka_run_group_tests(tests, NULL, sc_test_teardown);
}
