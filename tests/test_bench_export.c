// The side-by-side benchmark's export (bench/export.h) and `scaffold bench
// export | time`: what is written reads back (escaped strings, strided views) (index.json parses, the tensors lie
// back to back in tensors.bin, and their bytes and the values are the case's
// own), a second build of a case gives the same numbers (what the driver's
// fingerprint check relies on), the mid case is T = 64 and leaves no temporary
// task behind, and bad arguments are usage errors (exit 2) with a clear message.
// Under valgrind (SCAFFOLD_TEST_QUICK) the writer runs on a small hand-made
// case instead: every real case takes minutes there (a double backward, or a
// whole student run).
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/block.h"
#include "bench/export.h"
#include "bench/meta_case.h"
#include "cli/cli.h"
#include "core/yaml_tree.h"
#include "ops/ops.h"

static char out[1 << 14], err[1 << 14];

static int run(int argc, char **argv) {
    return sc_test_capture(sc_cli_main, argc, argv, out, sizeof out, err, sizeof err);
}

static void tmpdir(char *dir, size_t cap) {
    const char *t = getenv("TMPDIR");
    snprintf(dir, cap, "%s/sc-bench-test-XXXXXX", t && *t ? t : "/tmp");
    assert_non_null(mkdtemp(dir));
}

// Removes DIR/CASE/{index.json,tensors.bin}, DIR/CASE and DIR.
static void rm_export(const char *dir, const char *case_name) {
    char p[1200];
    snprintf(p, sizeof p, "%s/%s/index.json", dir, case_name);
    unlink(p);
    snprintf(p, sizeof p, "%s/%s/tensors.bin", dir, case_name);
    unlink(p);
    snprintf(p, sizeof p, "%s/%s", dir, case_name);
    rmdir(p);
    assert_int_equal(rmdir(dir), 0);  // nothing else was left there
}

// An export read back: the index (JSON is YAML's flow style) and the raw bytes.
typedef struct export_read {
    sc_ynode *index;
    char *bin;
    size_t n_bin;
} export_read;

static void read_export(const char *dir, const char *case_name, export_read *r) {
    char p[1200];
    sc_err e;
    snprintf(p, sizeof p, "%s/%s/index.json", dir, case_name);
    if (sc_yaml_load_file(p, &r->index, &e)) fail_msg("%s", e.msg);
    snprintf(p, sizeof p, "%s/%s/tensors.bin", dir, case_name);
    assert_non_null(r->bin = sc_test_slurp(p, &r->n_bin));
    const sc_ynode *fmt = sc_ymap_get(r->index, "format"), *c = sc_ymap_get(r->index, "case");
    assert_string_equal(fmt->str, "scaffold-bench-export 1");
    assert_string_equal(c->str, case_name);
    // Every tensor lies inside the file, back to back, in order, covering it.
    const sc_ynode *ts = sc_ymap_get(r->index, "tensors");
    size_t at = 0;
    for (size_t i = 0; i < ts->n; i++) {
        const sc_ynode *t = ts->items[i], *shape = sc_ymap_get(t, "shape");
        assert_int_equal(strtoull(sc_ymap_get(t, "offset")->str, NULL, 10), at);
        size_t n = 1;
        for (size_t d = 0; d < shape->n; d++) n *= strtoull(shape->items[d]->str, NULL, 10);
        const char *dt = sc_ymap_get(t, "dtype")->str;
        at += n * (strcmp(dt, "f64") ? 4 : 8);
    }
    assert_int_equal(at, r->n_bin);
}

static void free_export(export_read *r) {
    sc_ynode_free(r->index);
    free(r->bin);
}

// The tensor named `name`: its bytes in tensors.bin and its element count.
static const char *tensor_bytes(const export_read *r, const char *name, size_t *numel) {
    const sc_ynode *ts = sc_ymap_get(r->index, "tensors");
    for (size_t i = 0; i < ts->n; i++) {
        if (strcmp(sc_ymap_get(ts->items[i], "name")->str, name)) continue;
        const sc_ynode *shape = sc_ymap_get(ts->items[i], "shape");
        *numel = 1;
        for (size_t d = 0; d < shape->n; d++) *numel *= strtoull(shape->items[d]->str, NULL, 10);
        return r->bin + strtoull(sc_ymap_get(ts->items[i], "offset")->str, NULL, 10);
    }
    fail_msg("no tensor %s in the export", name);
    return NULL;
}

static double check_value(const export_read *r, const char *name) {
    const sc_ynode *v = sc_ymap_get(sc_ymap_get(r->index, "checks"), name);
    if (!v) fail_msg("no check %s in the export", name);
    return strtod(v->str, NULL);
}

// The writer itself: numbers, strings that need escaping, a config, a strided
// view (written in its logical order), raw arrays; offsets back to back.
static void test_writer_reads_back(void **state) {
    (void)state;
    char dir[512];
    sc_err e;
    sc_ctx ctx;
    tmpdir(dir, sizeof dir);
    assert_int_equal(sc_ctx_init(&ctx, 1u << 20, 1, &e), 0);
    sc_tensor *m = sc_empty(&ctx, SC_F32, 2, (int64_t[]){2, 3});  // (2, 3): 0 1 2 / 3 4 5
    for (int i = 0; i < 6; i++) ((float *)m->data)[i] = (float)i;
    sc_tensor *mt = sc_transpose(&ctx, m, 0, 1);  // (3, 2) view: 0 3 1 4 2 5
    sc_config cfg;
    sc_config_init(&cfg);
    assert_int_equal(sc_config_set(&cfg, "pooling", "cls", "test", &e), 0);
    sc_bx x;
    assert_int_equal(sc_bx_open(&x, dir, "tiny", &e), 0);
    sc_bx_config_num(&x, "B", 2);
    sc_bx_config_str(&x, "quote", "a \"b\" \\ c");
    sc_bx_config_all(&x, "student.", &cfg);
    sc_bx_tensor(&x, "m", m);
    sc_bx_tensor(&x, "mt", mt);
    sc_bx_i32(&x, "ids", (const int32_t[]){7, -1}, 1, (const int64_t[]){2});
    sc_bx_check(&x, "loss", 0.1);
    assert_int_equal(sc_bx_close(&x, &e), 0);
    export_read r;
    read_export(dir, "tiny", &r);
    const sc_ynode *cf = sc_ymap_get(r.index, "config");
    assert_string_equal(sc_ymap_get(cf, "quote")->str, "a \"b\" \\ c");
    assert_string_equal(sc_ymap_get(cf, "student.pooling")->str, "cls");
    assert_true(check_value(&r, "loss") == 0.1);
    size_t n;
    const float *v = (const float *)tensor_bytes(&r, "mt", &n);
    const float want[6] = {0, 3, 1, 4, 2, 5};
    assert_int_equal(n, 6);
    assert_memory_equal(v, want, sizeof want);
    const int32_t *ids = (const int32_t *)tensor_bytes(&r, "ids", &n);
    assert_int_equal(ids[0], 7);
    assert_int_equal(ids[1], -1);
    free_export(&r);
    sc_ctx_free(&ctx);
    rm_export(dir, "tiny");
}

static void test_block_export_reads_back(void **state) {
    (void)state;
    if (sc_test_quick()) skip();
    char dir[512];
    sc_err e;
    tmpdir(dir, sizeof dir);
    if (sc_bench_export(dir, "block", NULL, &e)) fail_msg("%s", e.msg);
    export_read r;
    read_export(dir, "block", &r);
    assert_string_equal(sc_ymap_get(sc_ymap_get(r.index, "config"), "B")->str, "32");
    // The bytes of x and of a weight are those of a freshly built block, and
    // the loss is its loss to the last bit (%.17g round-trips a double).
    sc_ctx ctx;
    sc_bench_block b;
    assert_int_equal(sc_ctx_init(&ctx, 512u << 20, 1, &e), 0);
    assert_int_equal(sc_bench_block_init(&b, &ctx, &e), 0);
    size_t n;
    const char *x = tensor_bytes(&r, "x", &n);
    assert_int_equal(n, (size_t)b.x->numel);
    assert_memory_equal(x, b.x->data, n * 4);
    const char *w = tensor_bytes(&r, "fc.w", &n);
    assert_memory_equal(w, sc_params_get(&b.P, "fc.w")->data, n * 4);
    double loss, gsq, hsq;
    assert_int_equal(sc_bench_block_values(&b, &loss, &gsq, &hsq, &e), 0);
    assert_true(check_value(&r, "forward.loss") == loss);
    assert_true(check_value(&r, "double-backward.hvp_sq") == hsq && hsq > 0);
    sc_ctx_free(&ctx);
    sc_bench_block_free(&b);
    free_export(&r);
    rm_export(dir, "block");
}

static void test_meta_export_reads_back(void **state) {
    (void)state;
    if (sc_test_quick()) skip();
    char dir[512];
    sc_err e;
    tmpdir(dir, sizeof dir);
    if (sc_bench_export(dir, "meta", NULL, &e)) fail_msg("%s", e.msg);
    export_read r;
    read_export(dir, "meta", &r);
    const sc_ynode *cfg = sc_ymap_get(r.index, "config");
    assert_string_equal(sc_ymap_get(cfg, "texpl.head_normalizer")->str, "sparsemax");
    assert_string_equal(sc_ymap_get(cfg, "student.layers")->str, "1");
    // A second build of the case: the same batch and the same first value.
    sc_meta_case *c = malloc(sizeof *c);
    assert_non_null(c);
    if (sc_meta_case_open(c, "meta", &e)) fail_msg("%s", e.msg);
    size_t n;
    const char *ids = tensor_bytes(&r, "train.ids", &n);
    assert_int_equal(n, (size_t)c->in.ids->numel);
    assert_memory_equal(ids, c->in.ids->data, n * 4);
    assert_true(check_value(&r, "plain.loss") == sc_meta_case_plain_loss(c));
    int64_t n_phi = 0;
    for (int i = 0; i < c->env->st.texpl.params.n; i++) n_phi += c->env->st.texpl.params.t[i]->numel;
    tensor_bytes(&r, "check.meta.dphi", &n);
    assert_int_equal(n, (size_t)n_phi);
    // The explanation loss is a real part of L_in (the temperature's purpose).
    assert_true(check_value(&r, "explained.loss") - check_value(&r, "plain.loss") > 0.05);
    sc_meta_case_close(c);
    free(c);
    free_export(&r);
    rm_export(dir, "meta");
}

static void test_mid_case_is_t64_and_cleans_up(void **state) {
    (void)state;
    if (sc_test_quick()) skip();
    char dir[512], *saved = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    tmpdir(dir, sizeof dir);
    setenv("TMPDIR", dir, 1);  // the case's temporary task goes here: rm_export finds it gone
    sc_meta_case *c = malloc(sizeof *c);
    sc_err e;
    assert_non_null(c);
    if (sc_meta_case_open(c, "mid", &e)) fail_msg("%s", e.msg);
    assert_int_equal(c->in.ids->shape[1], 64);
    assert_int_equal(c->vin.ids->shape[1], 64);
    assert_int_equal(c->env->teacher.info.n_layers, 4);
    assert_int_equal(c->env->teacher.info.width, 256);
    assert_int_equal(c->env->student.info.width, 128);
    sc_meta_case_close(c);
    free(c);
    if (saved) setenv("TMPDIR", saved, 1);
    else unsetenv("TMPDIR");
    free(saved);
    assert_int_equal(rmdir(dir), 0);  // empty: the task folder was removed
}

static void test_unknown_case(void **state) {
    (void)state;
    sc_err e;
    assert_int_equal(sc_bench_export("/nonexistent", "nope", NULL, &e), -1);
    assert_non_null(strstr(e.msg, "known: block, meta, mid, all"));
    sc_meta_case *c = malloc(sizeof *c);  // several KiB: on the heap
    assert_non_null(c);
    assert_int_equal(sc_meta_case_open(c, "block", &e), -1);
    assert_non_null(strstr(e.msg, "known: meta, mid"));
    free(c);
}

// (argv, the message the error must contain)
static void expect_usage(char **argv, int argc, const char *msg) {
    assert_int_equal(run(argc, argv), SC_EXIT_USAGE);
    if (!strstr(err, msg)) fail_msg("expected '%s' in: %s", msg, err);
    assert_non_null(strstr(err, "usage:"));
}

static void test_cli_bad_arguments(void **state) {
    (void)state;
    char *a1[] = {"scaffold", "bench", "export", NULL};
    expect_usage(a1, 3, "needs --out DIR");
    char *a2[] = {"scaffold", "bench", "export", "--out", "x", "--case", "nope", NULL};
    expect_usage(a2, 7, "unknown case 'nope'");
    char *a3[] = {"scaffold", "bench", "time", NULL};
    expect_usage(a3, 3, "needs --case");
    char *a4[] = {"scaffold", "bench", "time", "--case", "all", NULL};
    expect_usage(a4, 5, "unknown case 'all'");
    char *a5[] = {"scaffold", "bench", "time", "--case", "block", "--threads", "0", NULL};
    expect_usage(a5, 7, "--threads 0");
    char *a6[] = {"scaffold", "bench", "time", "--case", "block", "--seconds", "fast", NULL};
    expect_usage(a6, 7, "--seconds fast");
    char *a7[] = {"scaffold", "bench", "time", "--case", NULL};
    expect_usage(a7, 4, "--case needs a value");
    char *a8[] = {"scaffold", "bench", "engine", "--out", "x", NULL};
    expect_usage(a8, 5, "--out is for `bench export`");
    char *a9[] = {"scaffold", "bench", "export", "--out", "x", "--quick", NULL};
    expect_usage(a9, 6, "--quick is for");
    char *a10[] = {"scaffold", "bench", "meta", "--threads", "2", NULL};
    expect_usage(a10, 5, "--threads is for `bench time` and `bench memory`");
    char *a11[] = {"scaffold", "bench", "frob", NULL};
    expect_usage(a11, 3, "unknown benchmark 'frob'");
    char *a12[] = {"scaffold", "bench", "memory", "--case", "meta", NULL};
    expect_usage(a12, 5, "bench memory needs --pass");
    char *a13[] = {"scaffold", "bench", "time", "--case", "meta", "--pass", "plain", NULL};
    expect_usage(a13, 7, "--pass and --steps are for `bench memory`");
    char *a14[] = {"scaffold", "bench", "memory", "--case", "meta", "--pass", "plain", "--steps", "0", NULL};
    expect_usage(a14, 9, "--steps 0");
    char *a15[] = {"scaffold", "bench", "memory", "--case", "block", "--pass", "x", "--seconds", "2", NULL};
    expect_usage(a15, 9, "--seconds is for `bench time`");
    // A pass the case does not have: a run-time error naming the case's passes.
    char *a16[] = {"scaffold", "bench", "memory", "--case", "block", "--pass", "plain", NULL};
    assert_int_equal(run(7, a16), SC_EXIT_FAIL);
    assert_non_null(strstr(err, "case 'block' has no pass 'plain' (its passes: forward, forward+backward, double-backward)"));
}

// The block's double backward keeps its whole second-order graph alive: its
// peak RSS growth is positive and larger than the forward's, which keeps none.
static void test_cli_memory_block(void **state) {
    (void)state;
    if (sc_test_quick()) skip();
    double mib[2];
    const char *passes[2] = {"forward", "double-backward"};
    for (int i = 0; i < 2; i++) {
        char *argv[] = {"scaffold", "bench", "memory", "--case", "block", "--pass", (char *)passes[i], "--steps", "2", NULL};
        assert_int_equal(run(9, argv), SC_EXIT_OK);
        sc_ynode *doc;
        sc_err e;
        if (sc_yaml_load_string(out, strlen(out), "bench memory", &doc, &e)) fail_msg("%s: %s", e.msg, out);
        assert_string_equal(sc_ymap_get(doc, "pass")->str, passes[i]);
        mib[i] = strtod(sc_ymap_get(doc, "rss_growth_mib")->str, NULL);
        sc_ynode_free(doc);
    }
    if (!(mib[1] > 1 && mib[1] > mib[0])) fail_msg("peak RSS growth: forward %.2f MiB, double backward %.2f MiB", mib[0], mib[1]);
}

static void test_cli_time_block(void **state) {
    (void)state;
    if (sc_test_quick()) skip();
    char *argv[] = {"scaffold", "bench", "time", "--case", "block", "--seconds", "0.01", NULL};
    assert_int_equal(run(7, argv), SC_EXIT_OK);
    // One JSON object per pass, each with the block's loss as its fingerprint.
    sc_ynode *doc;
    sc_err e;
    int lines = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        if (sc_yaml_load_string(line, strlen(line), "bench time", &doc, &e)) fail_msg("%s: %s", e.msg, line);
        assert_string_equal(sc_ymap_get(doc, "framework")->str, "scaffold");
        assert_true(strtod(sc_ymap_get(doc, "ms")->str, NULL) > 0);
        assert_true(strtod(sc_ymap_get(doc, "fingerprint")->str, NULL) != 0);
        sc_ynode_free(doc);
    }
    assert_int_equal(lines, 3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_reads_back), cmocka_unit_test(test_block_export_reads_back),
        cmocka_unit_test(test_meta_export_reads_back),
        cmocka_unit_test(test_mid_case_is_t64_and_cleans_up), cmocka_unit_test(test_unknown_case),
        cmocka_unit_test(test_cli_bad_arguments), cmocka_unit_test(test_cli_time_block), cmocka_unit_test(test_cli_memory_block),
    };
    return cmocka_run_group_tests_name("bench_export", tests, NULL, sc_test_teardown);
}
