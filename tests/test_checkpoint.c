// Checkpoints: bit-identical round trips, determinism, and clear errors (never a
// crash) on corrupt, truncated, mismatched and foreign files.
//
// The model is a tiny tabular MLP declared here (not in the registry), loaded
// with sc_checkpoint_load_as; one test checks the registry path's error for it.
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "io/checkpoint.h"
#include "models/model.h"
#include "ops/ops.h"
#include "tasks_util.h"

// ---- a tiny model: y = tanh(x w1 + b1) w2 (+ b2 if extra=1) -----------------------
static const sc_config_spec tiny_spec[] = {
    {"hidden", "4", "hidden width"},
    {"extra", "0", "1 adds an output bias b2"},
    {NULL, NULL, NULL},
};

static int tiny_build(sc_model *m, sc_rng *rng, sc_err *err) {
    long h, extra;
    if (sc_config_long(&m->cfg, "hidden", 1, 64, &h, err) || sc_config_long(&m->cfg, "extra", 0, 1, &extra, err))
        return -1;
    int64_t F = m->shape.F, K = m->shape.n_outputs;
    if (F < 1 || F > 64 || K > 64) return sc_errf(err, "tiny model: F and n_outputs must be at most 64");
    int64_t s1[2] = {F, h}, sb1[1] = {h}, s2[2] = {h, K}, sb2[1] = {K};
    sc_tensor *w1 = sc_params_add(&m->params, "w1", m->dtype, 2, s1, err);
    sc_tensor *b1 = w1 ? sc_params_add(&m->params, "b1", m->dtype, 1, sb1, err) : NULL;
    sc_tensor *w2 = b1 ? sc_params_add(&m->params, "w2", m->dtype, 2, s2, err) : NULL;
    if (!w2) return -1;
    sc_init_normal(w1, rng, 0.7);
    sc_init_normal(b1, rng, 0.1);
    sc_init_normal(w2, rng, 0.7);
    if (extra) {
        sc_tensor *b2 = sc_params_add(&m->params, "b2", m->dtype, 1, sb2, err);
        if (!b2) return -1;
        sc_init_normal(b2, rng, 0.1);
    }
    m->info = (sc_model_info){.n_units = F};  // features, no attention
    return 0;
}

static sc_tensor *tiny_forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, unsigned flags,
                               sc_model_state *st) {
    (void)flags;
    (void)st;
    const sc_params *p = &m->params;
    sc_tensor *h = sc_tanh(ctx, sc_linear(ctx, in->features, sc_params_get(p, "w1"), sc_params_get(p, "b1")));
    return sc_linear(ctx, h, sc_params_get(p, "w2"), sc_params_get(p, "b2"));  // b2 may be NULL
}

static const sc_model_def tiny_def = {
    .name = "ckpt-tiny", .role = "teacher", .modality = SC_TABULAR, .summary = "checkpoint test MLP",
    .spec = tiny_spec, .build = tiny_build, .forward = tiny_forward,
};
static const sc_model_def other_def = {
    .name = "ckpt-other", .role = "teacher", .modality = SC_TABULAR, .summary = "another name",
    .spec = tiny_spec, .build = tiny_build, .forward = tiny_forward,
};

static const sc_model_shape tiny_shape = {.modality = SC_TABULAR, .n_outputs = 3, .F = 5};

// ---- helpers ------------------------------------------------------------------------
static void make_model(sc_model *m, uint64_t seed, const char *dtype, const char *extra) {
    sc_config cfg;
    sc_config_init(&cfg);
    sc_err err = {{0}};
    assert_int_equal(sc_config_set(&cfg, "dtype", dtype, "test", &err), 0);
    assert_int_equal(sc_config_set(&cfg, "extra", extra, "test", &err), 0);
    if (sc_model_create(m, &tiny_def, &tiny_shape, &cfg, seed, &err)) fail_msg("%s", err.msg);
}

static void make_extra(sc_ckpt_extra *x, sc_vocab *vocab) {
    sc_ckpt_extra_init(x);
    snprintf(x->task, sizeof x->task, "tiny-task");
    sc_rng_seed(&x->rng, 99);
    sc_rng_next(&x->rng);
    x->step = 1234;
    sc_err err;
    assert_int_equal(sc_ckpt_extra_set_metric(x, "test_accuracy", 0.8125, &err), 0);
    assert_int_equal(sc_ckpt_extra_set_metric(x, "target_std", -2.5, &err), 0);
    x->vocab = vocab;
}

// A vocabulary of the NULL-terminated tokens (counted in order, min count 1).
static void make_vocab(sc_vocab *v, const char *const *toks) {
    sc_vocab v0;
    sc_err err;
    assert_int_equal(sc_vocab_init(&v0, &err), 0);
    for (int i = 0; toks[i]; i++) assert_int_equal(sc_vocab_count(&v0, toks[i], &err), 0);
    assert_int_equal(sc_vocab_finish(&v0, 1, 100, v, &err), 0);
    sc_vocab_free(&v0);
}

static void spit(const char *path, const void *b, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

// Offset just past the first occurrence of `pat` in b (asserts it is there).
static size_t find_after(const uint8_t *b, size_t n, const void *pat, size_t plen) {
    for (size_t i = 0; i + plen <= n; i++)
        if (!memcmp(b + i, pat, plen)) return i + plen;
    fail_msg("pattern not found");
    return 0;
}

// Loads path with the tiny definition; expects failure with every `want`
// substring (and the path) in the message.
static void expect_load_error(const char *path, const char *want1, const char *want2) {
    sc_model m;
    sc_ckpt_extra x;
    sc_ckpt_extra_init(&x);
    sc_err err = {{0}};
    assert_int_equal(sc_checkpoint_load_as(path, &tiny_def, &m, &x, &err), -1);
    if (!strstr(err.msg, path) || !strstr(err.msg, want1) || (want2 && !strstr(err.msg, want2)))
        fail_msg("unexpected error: %s (wanted '%s' / '%s')", err.msg, want1, want2 ? want2 : "");
    assert_null(x.vocab);
}

static void forward_logits(const sc_model *m, double out[4 * 3]) {
    sc_ctx ctx;
    sc_err err;
    assert_int_equal(sc_ctx_init(&ctx, 1 << 20, 1, &err), 0);
    double xs[4 * 5];
    for (int i = 0; i < 20; i++) xs[i] = 0.1 * (i % 7) - 0.3;
    int64_t shp[2] = {4, 5};
    sc_inputs in = {.B = 4, .features = sc_from_f64(&ctx, m->dtype, 2, shp, xs)};
    sc_tensor *y = sc_model_forward(m, &ctx, &in, 0, NULL);
    if (!y) fail_msg("%s", ctx.err.msg);
    assert_int_equal(y->numel, 12);
    for (int i = 0; i < 12; i++) out[i] = sc_tensor_get(y, i);
    sc_ctx_free(&ctx);
}

static void save_or_fail(const char *path, const sc_model *m, const sc_ckpt_extra *x) {
    sc_err err = {{0}};
    if (sc_checkpoint_save(path, m, x, &err)) fail_msg("%s", err.msg);
}

// ---- round trips --------------------------------------------------------------------
static void round_trip(const char *dtype, int with_vocab) {
    char dir[300], a[400], b[400];
    tu_tmpdir(dir, sizeof dir);
    snprintf(a, sizeof a, "%s/a.ckpt", dir);
    snprintf(b, sizeof b, "%s/b.ckpt", dir);
    sc_err err = {{0}};
    sc_vocab v;
    make_vocab(&v, (const char *[]){"the", "movie", "the", "was", "the", "movie", NULL});

    sc_model m;
    make_model(&m, 7, dtype, "1");
    sc_ckpt_extra x;
    make_extra(&x, with_vocab ? &v : NULL);
    save_or_fail(a, &m, &x);
    // SC_TEST_KEEP_CHECKPOINT=path keeps a copy (to try the README's Python snippet).
    const char *keep = getenv("SC_TEST_KEEP_CHECKPOINT");
    if (keep && *keep && with_vocab) save_or_fail(keep, &m, &x);

    sc_model m2;
    sc_ckpt_extra x2;
    if (sc_checkpoint_load_as(a, &tiny_def, &m2, &x2, &err)) fail_msg("%s", err.msg);
    // Parameters: same names, order and bits.
    assert_int_equal(m2.params.n, 4);
    assert_int_equal(m2.dtype, m.dtype);
    for (int i = 0; i < m.params.n; i++) {
        assert_string_equal(m2.params.names[i], m.params.names[i]);
        assert_true(sc_same_shape(m2.params.t[i], m.params.t[i]));
        assert_memory_equal(m2.params.t[i]->data, m.params.t[i]->data,
                            (size_t)m.params.t[i]->numel * sc_dtype_size(m.dtype));
    }
    // Forward: identical predictions (exact equality, same bits in).
    double y1[12], y2[12];
    forward_logits(&m, y1);
    forward_logits(&m2, y2);
    assert_memory_equal(y1, y2, sizeof y1);
    // Extras.
    assert_string_equal(x2.task, "tiny-task");
    assert_memory_equal(x2.rng.s, x.rng.s, sizeof x.rng.s);
    assert_int_equal(x2.step, 1234);
    double acc = 0, sd = 0, none;
    assert_int_equal(sc_ckpt_extra_metric(&x2, "test_accuracy", &acc), 1);
    assert_int_equal(sc_ckpt_extra_metric(&x2, "target_std", &sd), 1);
    assert_int_equal(sc_ckpt_extra_metric(&x2, "absent", &none), 0);
    assert_true(acc == 0.8125 && sd == -2.5);
    assert_string_equal(sc_config_str(&m2.cfg, "hidden"), "4");
    assert_true(m2.shape.n_outputs == 3 && m2.shape.F == 5 && m2.shape.modality == SC_TABULAR);
    if (with_vocab) {
        assert_non_null(x2.vocab);
        assert_int_equal(x2.vocab->n, v.n);
        for (size_t i = 0; i < v.n; i++) assert_string_equal(sc_vocab_str(x2.vocab, i), sc_vocab_str(&v, i));
        assert_int_equal(sc_vocab_id(x2.vocab, "movie"), sc_vocab_id(&v, "movie"));
    } else {
        assert_null(x2.vocab);
    }
    // Save the loaded model again: the same bytes.
    save_or_fail(b, &m2, &x2);
    sc_test_expect_same_bytes(a, b);
    sc_ckpt_extra_free(&x2);
    assert_null(x2.vocab);
    sc_model_free(&m2);
    sc_model_free(&m);
    sc_vocab_free(&v);
    tu_rmtree(dir);
}

static void test_round_trip_f32(void **state) { (void)state; round_trip("f32", 0); }
static void test_round_trip_f64_vocab(void **state) { (void)state; round_trip("f64", 1); }

static void test_same_seed_same_bytes(void **state) {
    (void)state;
    char dir[300], a[400], b[400], c[400];
    tu_tmpdir(dir, sizeof dir);
    snprintf(a, sizeof a, "%s/a.ckpt", dir);
    snprintf(b, sizeof b, "%s/b.ckpt", dir);
    snprintf(c, sizeof c, "%s/c.ckpt", dir);
    sc_model m1, m2, m3;
    make_model(&m1, 42, "f32", "0");
    make_model(&m2, 42, "f32", "0");
    make_model(&m3, 43, "f32", "0");
    save_or_fail(a, &m1, NULL);
    save_or_fail(b, &m2, NULL);
    save_or_fail(c, &m3, NULL);
    sc_test_expect_same_bytes(a, b);
    size_t na, nc;
    char *ba = sc_test_slurp(a, &na), *bc = sc_test_slurp(c, &nc);
    assert_non_null(ba);
    assert_non_null(bc);
    assert_int_equal(na, nc);                   // same layout...
    assert_true(memcmp(ba, bc, na) != 0);       // ...different weights
    // A NULL extra loads as empty extras.
    sc_model l;
    sc_ckpt_extra x;
    sc_err err;
    if (sc_checkpoint_load_as(a, &tiny_def, &l, &x, &err)) fail_msg("%s", err.msg);
    assert_string_equal(x.task, "");
    assert_int_equal(x.step, 0);
    assert_int_equal(x.n_metrics, 0);
    assert_null(x.vocab);
    sc_model_free(&l);
    // And extra may be NULL on load too.
    if (sc_checkpoint_load_as(a, &tiny_def, &l, NULL, &err)) fail_msg("%s", err.msg);
    sc_model_free(&l);
    free(ba);
    free(bc);
    sc_model_free(&m1);
    sc_model_free(&m2);
    sc_model_free(&m3);
    tu_rmtree(dir);
}

// ---- bad files ----------------------------------------------------------------------
typedef struct fixture {
    char dir[300], good[400], bad[400];
    uint8_t *bytes;
    size_t n;
} fixture;

static void fixture_open_vocab(fixture *f, const char *extra, int with_vocab) {
    tu_tmpdir(f->dir, sizeof f->dir);
    snprintf(f->good, sizeof f->good, "%s/good.ckpt", f->dir);
    snprintf(f->bad, sizeof f->bad, "%s/bad.ckpt", f->dir);
    sc_model m;
    make_model(&m, 5, "f32", extra);
    sc_vocab v;
    make_vocab(&v, (const char *[]){"alpha", "beta", NULL});
    sc_ckpt_extra x;
    make_extra(&x, with_vocab ? &v : NULL);
    save_or_fail(f->good, &m, &x);
    sc_vocab_free(&v);
    sc_model_free(&m);
    f->bytes = (uint8_t *)sc_test_slurp(f->good, &f->n);
    assert_non_null(f->bytes);
}

static void fixture_open(fixture *f, const char *extra) { fixture_open_vocab(f, extra, 0); }

static void fixture_close(fixture *f) {
    free(f->bytes);
    f->bytes = NULL;
    tu_rmtree(f->dir);
}

// Writes the good bytes with the byte at `at` replaced to f->bad, which must
// then fail to load with want1 (and want2) in the message.
static void expect_patched_error(fixture *f, size_t at, uint8_t value, const char *want1, const char *want2) {
    uint8_t *b = malloc(f->n);
    assert_non_null(b);
    memcpy(b, f->bytes, f->n);
    assert_true(at < f->n);
    b[at] = value;
    spit(f->bad, b, f->n);
    free(b);
    expect_load_error(f->bad, want1, want2);
}

// cmocka setup and teardown: the test's state is a fixture (extra = 0).
static int fixture_setup(void **state) {
    static fixture f;
    fixture_open(&f, "0");
    *state = &f;
    return 0;
}

static int fixture_teardown(void **state) {
    fixture_close(*state);
    return 0;
}

static void test_corrupt_data_checksum(void **state) {
    fixture *f = *state;
    // First tensor's data: "data" key, then bin8 header (0xc4, length), then bytes.
    size_t at = find_after(f->bytes, f->n, "\xa4" "data", 5);
    assert_int_equal(f->bytes[at], 0xc4);
    expect_patched_error(f, at + 2 + 3, f->bytes[at + 2 + 3] ^ 0x10, "checksum mismatch", "corrupt");
    // A corrupted recorded checksum is caught the same way.
    at = find_after(f->bytes, f->n, "\xa8" "checksum", 9);
    expect_patched_error(f, at + 1 + 10, f->bytes[at + 1 + 10] == 'a' ? 'b' : 'a', "checksum mismatch", NULL);
}

static void test_truncated_and_trailing(void **state) {
    fixture *f = *state;
    spit(f->bad, f->bytes, f->n / 2);
    expect_load_error(f->bad, "truncated", NULL);
    spit(f->bad, f->bytes, f->n - 1);
    expect_load_error(f->bad, "truncated", NULL);
    uint8_t *b = malloc(f->n + 3);
    memcpy(b, f->bytes, f->n);
    memcpy(b + f->n, "\x01\x02\x03", 3);
    spit(f->bad, b, f->n + 3);
    free(b);
    expect_load_error(f->bad, "3 bytes of trailing data", NULL);
}

static void test_not_a_checkpoint(void **state) {
    (void)state;
    char dir[300], p[400];
    tu_tmpdir(dir, sizeof dir);
    snprintf(p, sizeof p, "%s/x.ckpt", dir);
    spit(p, "hello, world\n", 13);
    expect_load_error(p, "not a scaffold checkpoint", "0x68");
    spit(p, "", 0);
    expect_load_error(p, "empty", NULL);
    // A msgpack map, but not ours.
    spit(p, "\x81\xa1" "a\x01", 4);
    expect_load_error(p, "not a scaffold checkpoint", "format");
    // An invalid msgpack byte (0xc1) inside a map.
    spit(p, "\x81\xa1" "a\xc1", 4);
    expect_load_error(p, "0xc1", "offset 3");
    // A map header claiming 2^32-1 entries in a 5-byte file: no huge allocation.
    spit(p, "\xdf\xff\xff\xff\xff", 5);
    expect_load_error(p, "truncated", NULL);
    snprintf(p, sizeof p, "%s/missing.ckpt", dir);
    expect_load_error(p, "cannot open", NULL);
    expect_load_error(dir, "not a regular file", NULL);
    tu_rmtree(dir);
}

static void test_wrong_version_and_format(void **state) {
    fixture *f = *state;
    size_t at = find_after(f->bytes, f->n, "\xa7" "version", 8);
    assert_int_equal(f->bytes[at], 1);
    expect_patched_error(f, at, 2, "checkpoint version 2", "reads version 1");
    at = find_after(f->bytes, f->n, "scaffold-checkpoint", 19);
    expect_patched_error(f, at - 1, 'X', "not a scaffold checkpoint", NULL);
    // A field of the wrong type: step as a string of length 1 is not expressible
    // in place, so make 'kind' unknown instead.
    at = find_after(f->bytes, f->n, "\xa4" "kind\xa7" "teacher", 13);
    expect_patched_error(f, at - 1, 'X', "field 'kind'", "teacheX");
}

static void test_shape_mismatch(void **state) {
    fixture *f = *state;
    // The saved config says hidden=4; make it 5: the rebuilt model no longer fits.
    size_t at = find_after(f->bytes, f->n, "\xa6" "hidden\xa1", 8);
    assert_int_equal(f->bytes[at], '4');
    expect_patched_error(f, at, '5', "tensor 'w1' is (5, 4) f32 in the file", "builds (5, 5) f32");
    // A config value the architecture rejects.
    expect_patched_error(f, at, 'z', "hidden", "expected an integer");
}

static void test_missing_and_extra_tensor(void **state) {
    fixture *f = *state;
    size_t at = find_after(f->bytes, f->n, "\xa5" "extra\xa1", 7);
    expect_patched_error(f, at, '1', "parameter 'b2' of teacher 'ckpt-tiny' is missing", NULL);
    fixture_close(f);
    fixture_open(f, "1");
    at = find_after(f->bytes, f->n, "\xa5" "extra\xa1", 7);
    expect_patched_error(f, at, '0', "tensor 'b2' in the file is not a parameter of teacher 'ckpt-tiny'", NULL);
}

static void test_wrong_architecture(void **state) {
    fixture *f = *state;
    sc_model m;
    sc_err err = {{0}};
    assert_int_equal(sc_checkpoint_load_as(f->good, &other_def, &m, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "holds teacher 'ckpt-tiny', not teacher 'ckpt-other'"));
    // Through the registry: the test architecture is not registered.
    assert_int_equal(sc_checkpoint_load(f->good, &m, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "unknown teacher architecture 'ckpt-tiny'"));
    assert_non_null(strstr(err.msg, f->good));
}

static void test_failed_save_leaves_nothing(void **state) {
    (void)state;
    char dir[300], p[400];
    tu_tmpdir(dir, sizeof dir);
    sc_model m;
    make_model(&m, 1, "f32", "0");
    sc_err err = {{0}};
    // The destination is a folder: the rename fails and the temp file is removed.
    tu_mkdir(dir, "taken");
    snprintf(p, sizeof p, "%s/taken", dir);
    assert_int_equal(sc_checkpoint_save(p, &m, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "rename"));
    assert_int_equal(tu_count(dir), 1);  // only "taken"
    snprintf(p, sizeof p, "%s/no/such/dir/x.ckpt", dir);
    assert_int_equal(sc_checkpoint_save(p, &m, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "cannot create"));
    assert_int_equal(tu_count(dir), 1);
    // An overwrite replaces the old file whole.
    snprintf(p, sizeof p, "%s/x.ckpt", dir);
    spit(p, "old", 3);
    save_or_fail(p, &m, NULL);
    sc_model l;
    if (sc_checkpoint_load_as(p, &tiny_def, &l, NULL, &err)) fail_msg("%s", err.msg);
    sc_model_free(&l);
    assert_int_equal(tu_count(dir), 2);
    sc_model_free(&m);
    tu_rmtree(dir);
}

// Every truncation and many random byte edits: a clean result or a clean error,
// never a crash or an out-of-bounds read (the memcheck pass runs this too).
static void test_fuzz(void **state) {
    (void)state;
    fixture f;
    fixture_open_vocab(&f, "1", 1);
    int quick = sc_test_quick();
    size_t stride = quick ? 17 : 1;
    int n_flips = quick ? 150 : 3000;
    size_t fails = 0, ok = 0;
    for (size_t len = 0; len < f.n; len += stride) {
        spit(f.bad, f.bytes, len);
        sc_model m;
        sc_ckpt_extra x;
        sc_err err = {{0}};
        assert_int_equal(sc_checkpoint_load_as(f.bad, &tiny_def, &m, &x, &err), -1);
        assert_non_null(strstr(err.msg, f.bad));
        fails++;
    }
    sc_rng rng;
    sc_rng_seed(&rng, 2026);
    uint8_t *b = malloc(f.n);
    assert_non_null(b);
    for (int k = 0; k < n_flips; k++) {
        memcpy(b, f.bytes, f.n);
        int edits = 1 + (int)sc_rng_below(&rng, 3);
        for (int e = 0; e < edits; e++) b[sc_rng_below(&rng, f.n)] = (uint8_t)sc_rng_next(&rng);
        spit(f.bad, b, f.n);
        sc_model m;
        sc_ckpt_extra x;
        sc_err err = {{0}};
        if (sc_checkpoint_load_as(f.bad, &tiny_def, &m, &x, &err) == 0) {
            ok++;  // e.g. an edit inside a metric value or the rng state
            sc_model_free(&m);
            sc_ckpt_extra_free(&x);
        } else {
            assert_non_null(strstr(err.msg, f.bad));
            assert_true(strlen(err.msg) > strlen(f.bad) + 4);
            fails++;
        }
    }
    free(b);
    assert_true(fails > ok);  // most edits hit the structure or the tensors
    fixture_close(&f);
}

// ---- registered architectures ------------------------------------------------------
// Save -> load through the registry -> identical predictions and identical bytes,
// for architectures from teachers/ (skipped while they are not in the build).
static void real_round_trip(const char *role, const char *name, const sc_model_shape *shape) {
    const sc_model_def *def = sc_model_find(role, name);
    if (!def) skip();
    char dir[300], a[400], b[400];
    tu_tmpdir(dir, sizeof dir);
    snprintf(a, sizeof a, "%s/a.ckpt", dir);
    snprintf(b, sizeof b, "%s/b.ckpt", dir);
    sc_err err = {{0}};
    sc_model m, l;
    if (sc_model_create(&m, def, shape, NULL, 11, &err)) fail_msg("%s", err.msg);
    save_or_fail(a, &m, NULL);
    if (sc_checkpoint_load(a, &l, NULL, &err)) fail_msg("%s", err.msg);
    assert_ptr_equal(l.def, def);
    save_or_fail(b, &l, NULL);
    sc_test_expect_same_bytes(a, b);
    // Predictions (evaluation mode: no dropout) are bit-identical.
    sc_ctx ctx;
    assert_int_equal(sc_ctx_init(&ctx, 64 << 20, 1, &err), 0);
    const int64_t B = 2, T = 6;
    sc_inputs in = {.B = B};
    if (shape->modality == SC_TEXT) {
        int64_t s2[2] = {B, T};
        double ids[12] = {2, 3, 4, 5, 6, 7, 2, 8, 9, 0, 0, 0}, mask[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
        in.ids = sc_empty(&ctx, SC_I32, 2, s2);
        for (int i = 0; i < 12; i++) ((int32_t *)in.ids->data)[i] = (int32_t)ids[i];
        in.mask = sc_from_f64(&ctx, m.dtype, 2, s2, mask);
    } else {
        int64_t s2[2] = {B, shape->F};
        double xs[2 * 8];
        for (int i = 0; i < 2 * shape->F; i++) xs[i] = 0.3 * (i % 5) - 0.5;
        in.features = sc_from_f64(&ctx, m.dtype, 2, s2, xs);
    }
    sc_tensor *y1 = sc_model_forward(&m, &ctx, &in, 0, NULL);
    sc_tensor *y2 = sc_model_forward(&l, &ctx, &in, 0, NULL);
    if (!y1 || !y2) fail_msg("%s", ctx.err.msg);
    assert_int_equal(y1->numel, B * shape->n_outputs);
    for (int64_t i = 0; i < y1->numel; i++) assert_true(sc_tensor_get(y1, i) == sc_tensor_get(y2, i));
    sc_ctx_free(&ctx);
    sc_model_free(&l);
    sc_model_free(&m);
    tu_rmtree(dir);
}

static void test_registered_text_transformer(void **state) {
    (void)state;
    sc_model_shape s = {.modality = SC_TEXT, .n_outputs = 2, .vocab_size = 10, .max_tokens = 8};
    real_round_trip("teacher", "transformer", &s);
}

static void test_registered_tabular_mlp(void **state) {
    (void)state;
    sc_model_shape s = {.modality = SC_TABULAR, .n_outputs = 3, .F = 8};
    real_round_trip("teacher", "mlp", &s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_f32),
        cmocka_unit_test(test_round_trip_f64_vocab),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test_setup_teardown(test_corrupt_data_checksum, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_and_trailing, fixture_setup, fixture_teardown),
        cmocka_unit_test(test_not_a_checkpoint),
        cmocka_unit_test_setup_teardown(test_wrong_version_and_format, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_shape_mismatch, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_missing_and_extra_tensor, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_architecture, fixture_setup, fixture_teardown),
        cmocka_unit_test(test_failed_save_leaves_nothing),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_registered_text_transformer),
        cmocka_unit_test(test_registered_tabular_mlp),
    };
    return cmocka_run_group_tests_name("checkpoint", tests, NULL, sc_test_teardown);
}
