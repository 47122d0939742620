#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spng.h>

#include "autograd/engine.h"
#include "cli/cli.h"
#include "exp/manifest.h"
#include "kernels/gemm.h"

static void slurp(FILE *f, char *buf, size_t cap) {
    rewind(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
}

int sc_test_capture(int (*fn)(int, char **), int argc, char **argv,
                    char *out, size_t out_cap, char *err, size_t err_cap) {
    fflush(stdout);
    fflush(stderr);
    FILE *fo = tmpfile(), *fe = tmpfile();
    assert_non_null(fo);
    assert_non_null(fe);
    int saved_out = dup(1), saved_err = dup(2);
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    int rc = fn(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    slurp(fo, out, out_cap);
    slurp(fe, err, err_cap);
    fclose(fo);
    fclose(fe);
    return rc;
}

void sc_test_need_task(const char *name) {
    static char out[1 << 14], err[1 << 14];
    char *fetch[] = {"tasks", "fetch", (char *)name, NULL};
    if (sc_test_capture(sc_cmd_tasks, 3, fetch, out, sizeof out, err, sizeof err))
        fail_msg("this test needs task %s and `scaffold tasks fetch %s` failed: %s", name, name, err);
}

// SCAFFOLD_TEST_ONLY=PATTERN runs only the cases whose names match PATTERN
// (cmocka's glob: * and ?), e.g. to time or debug one case under valgrind.
__attribute__((constructor)) static void only_matching_cases(void) {
    const char *only = getenv("SCAFFOLD_TEST_ONLY");
    if (only && *only) cmocka_set_test_filter(only);
}

int sc_test_quick(void) {
    const char *q = getenv("SCAFFOLD_TEST_QUICK");
    return q && *q && *q != '0';
}

int sc_test_teardown(void **state) {
    (void)state;
    sc_blas_finalize();
    return 0;
}

static sc_ctx test_ctx;

int sc_test_ctx_setup(void **state) {
    sc_err err;
    if (sc_ctx_init(&test_ctx, 64u << 20, 7, &err)) return -1;
    *state = &test_ctx;
    return 0;
}

int sc_test_ctx_teardown(void **state) {
    sc_ctx_free(*state);
    return sc_test_teardown(state);
}

int sc_test_ctx_release(void **state) {
    sc_ctx_free(*state);
    return 0;
}

int sc_test_run_ctx_group(const char *name, const struct CMUnitTest *tests, size_t n) {
    struct CMUnitTest *t = calloc(n, sizeof *t);
    if (!t) return 1;
    for (size_t i = 0; i < n; i++) {
        t[i] = tests[i];
        t[i].setup_func = sc_test_ctx_setup;
        t[i].teardown_func = sc_test_ctx_release;
    }
    int rc = _cmocka_run_group_tests(name, t, n, NULL, sc_test_teardown);
    free(t);
    return rc;
}

uint8_t *sc_test_read_png(const char *path, uint32_t *w, uint32_t *h) {
    size_t n;
    char *buf = sc_test_slurp(path, &n);
    if (!buf) fail_msg("cannot read the PNG %s", path);
    spng_ctx *c = spng_ctx_new(0);
    assert_non_null(c);
    struct spng_ihdr ih;
    size_t need;
    assert_int_equal(spng_set_png_buffer(c, buf, n), 0);
    assert_int_equal(spng_get_ihdr(c, &ih), 0);
    assert_int_equal(spng_decoded_image_size(c, SPNG_FMT_RGB8, &need), 0);
    uint8_t *px = malloc(need);
    assert_non_null(px);
    assert_int_equal(spng_decode_image(c, px, need, SPNG_FMT_RGB8, 0), 0);
    spng_ctx_free(c);
    free(buf);
    *w = ih.width;
    *h = ih.height;
    return px;
}

char *sc_test_slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (!buf) {
        fclose(f);
        return NULL;
    }
    *n = fread(buf, 1, (size_t)len, f);
    buf[*n] = '\0';
    fclose(f);
    return buf;
}

char *sc_test_file_with(const char *path, const char *const *want) {
    size_t n;
    char *text = sc_test_slurp(path, &n);
    if (!text) fail_msg("cannot read %s", path);
    for (int i = 0; want[i]; i++)
        if (!strstr(text, want[i])) fail_msg("'%s' is not in %s:\n%s", want[i], path, text);
    return text;
}

void sc_test_expect_same_bytes(const char *a, const char *b) {
    size_t na, nb;
    char *ba = sc_test_slurp(a, &na), *bb = sc_test_slurp(b, &nb);
    if (!ba || !bb) fail_msg("cannot read %s", ba ? b : a);
    if (na != nb || memcmp(ba, bb, na)) fail_msg("%s (%zu bytes) and %s (%zu bytes) differ", a, na, b, nb);
    free(ba);
    free(bb);
}

double sc_test_val(int64_t i, int64_t salt) {
    uint64_t x = (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t)salt * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 31;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 29;
    return (double)(x >> 11) / (double)(1ull << 52) - 1.0;
}

void sc_test_fill(sc_tensor *t, int64_t salt, double scale) {
    for (int64_t i = 0; i < t->numel; i++) sc_tensor_set(t, i, scale * sc_test_val(i, salt));
}

void sc_test_synth_copy(const char *parent, const char *name, int size) {
    size_t n;
    char *text = sc_test_slurp("tasks/synth-text/task.yaml", &n);
    assert_non_null(text);
    const char *key = "name: synth-text\n", *sz = "\n  size: 6000\n";
    char *at = strstr(text, key), *st = strstr(text, sz);
    if (!at || !st || st < at) fail_msg("tasks/synth-text/task.yaml no longer has '%s' then 'size: 6000'", "name: synth-text");
    char path[600], cmd[700];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/%s", parent, name);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/%s/task.yaml", parent, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    const char *after = at + strlen(key);
    if (size > 0)
        fprintf(f, "%.*sname: %s\n%.*s\n  size: %d\n%s", (int)(at - text), text, name, (int)(st - after), after, size,
                st + strlen(sz));
    else
        fprintf(f, "%.*sname: %s\n%s", (int)(at - text), text, name, after);
    fclose(f);
    free(text);
}

void sc_test_write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

char *sc_test_manifest_problems(const char *path, const char *text, sc_err *err) {
    sc_test_write_file(path, text);
    sc_manifest m;
    char *list = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&list, &len);
    assert_non_null(f);
    assert_int_equal(sc_manifest_load_report(&m, path, NULL, f, err), -1);
    fclose(f);
    return list;
}
