// Smoke tests proving each dependency works for real: BLIS GEMM against a naive
// loop (all transpose combinations, non-square, strided), a msgpack-c round trip
// of a nested map with a binary payload, utf8proc normalization and rejection of
// invalid UTF-8 with its position, and the selfcheck table itself.
#include "sc_test.h"

#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selfcheck/selfcheck.h"
#include "kernels/gemm.h"
#include "kernels/gemm_direct.h"
#include "kernels/gemm_sup.h"

#include <blis-openmp/blis.h>
#include "text/utf8.h"


// Strided operand storage: element (i, j) of op(M) lives at base[i*rs + j*cs].
// Transposed storage means the underlying row-major array is (cols, rows).
typedef struct {
    int64_t rows, cols, rs, cs;
} view;

static view make_view(int64_t rows, int64_t cols, int transposed) {
    view v = {rows, cols, cols, 1};
    if (transposed) { v.rs = 1; v.cs = rows; }
    return v;
}

static void check_gemm_shape(int64_t m, int64_t n, int64_t k, int ta, int tb, int f64) {
    view va = make_view(m, k, ta), vb = make_view(k, n, tb);
    double *a = malloc(sizeof(double) * (size_t)(m * k)), *b = malloc(sizeof(double) * (size_t)(k * n));
    double *c = malloc(sizeof(double) * (size_t)(m * n)), *ref = malloc(sizeof(double) * (size_t)(m * n));
    float *af = malloc(sizeof(float) * (size_t)(m * k)), *bf = malloc(sizeof(float) * (size_t)(k * n));
    float *cf = malloc(sizeof(float) * (size_t)(m * n));
    for (int64_t i = 0; i < m * k; i++) af[i] = (float)(a[i] = sc_test_val(i, 1));
    for (int64_t i = 0; i < k * n; i++) bf[i] = (float)(b[i] = sc_test_val(i, 2));
    for (int64_t i = 0; i < m * n; i++) cf[i] = (float)(c[i] = sc_test_val(i, 3));
    const double alpha = 0.75, beta = -0.5;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t p = 0; p < k; p++) s += a[i * va.rs + p * va.cs] * b[p * vb.rs + j * vb.cs];
            ref[i * n + j] = alpha * s + beta * c[i * n + j];
        }
    double maxerr = 0;
    if (f64) {
        sc_dgemm(m, n, k, alpha, a, va.rs, va.cs, b, vb.rs, vb.cs, beta, c, n, 1);
        for (int64_t i = 0; i < m * n; i++) maxerr = fmax(maxerr, fabs(c[i] - ref[i]));
    } else {
        sc_sgemm(m, n, k, (float)alpha, af, va.rs, va.cs, bf, vb.rs, vb.cs, (float)beta, cf, n, 1);
        for (int64_t i = 0; i < m * n; i++) maxerr = fmax(maxerr, fabs(cf[i] - ref[i]));
    }
    double tol = f64 ? 1e-12 * (double)(k + 1) : 2e-6 * (double)(k + 1);
    if (maxerr > tol)
        fail_msg("%cgemm m=%lld n=%lld k=%lld ta=%d tb=%d: max err %.3e > %.1e", f64 ? 'd' : 's',
                 (long long)m, (long long)n, (long long)k, ta, tb, maxerr, tol);
    free(a); free(b); free(c); free(ref); free(af); free(bf); free(cf);
}

static void test_blis_gemm_against_naive(void **state) {
    (void)state;
    static const int64_t shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {64, 64, 64}, {17, 130, 33},
                                        {128, 1, 77}, {1, 96, 250}, {50, 20, 0}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                for (int f64 = 0; f64 < 2; f64++)
                    check_gemm_shape(shapes[s][0], shapes[s][1], shapes[s][2], ta, tb, f64);
}

// C written into a column-major destination (rsc = 1, csc = m): output strides work too.
static void test_blis_gemm_strided_output(void **state) {
    (void)state;
    enum { M = 6, N = 4, K = 5 };
    double a[M * K], b[K * N], c[M * N] = {0};
    for (int i = 0; i < M * K; i++) a[i] = sc_test_val(i, 7);
    for (int i = 0; i < K * N; i++) b[i] = sc_test_val(i, 8);
    sc_dgemm(M, N, K, 1.0, a, K, 1, b, N, 1, 0.0, c, 1, M);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int p = 0; p < K; p++) s += a[i * K + p] * b[p * N + j];
            assert_true(fabs(c[j * M + i] - s) < 1e-13);
        }
}

// The signature of sc_sgemm_direct and sc_sgemm_sup: 0 done, -1 declined.
typedef int (*sgemm_path)(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa,
                          const float *b, int64_t rsb, int64_t csb, float beta, float *c, int64_t rsc, int64_t csc);

// Layout variant v of an (m, n, k) product (bit 0: A transposed, 1: B transposed,
// 2: C by columns, 3: alpha/beta (1, 0) with NaN in C, else (0.75, -0.5)) through
// `path` and through bli_sgemm. Returns 1 when the path declined (C then
// untouched, checked), 0 when it gave bli_sgemm's very bits; fails otherwise.
static int same_bits_as_blis(sgemm_path path, int v, int64_t m, int64_t n, int64_t k, const float *a,
                             const float *b, float *c1, float *c2) {
    rntm_t serial = BLIS_RNTM_INITIALIZER;
    bli_rntm_set_num_threads(1, &serial);
    int ta = v & 1, tb = (v >> 1) & 1, ccol = (v >> 2) & 1, plain = (v >> 3) & 1;
    view va = make_view(m, k, ta), vb = make_view(k, n, tb);
    int64_t rsc = ccol ? 1 : n, csc = ccol ? m : 1;
    float alpha = plain ? 1.0f : 0.75f, beta = plain ? 0.0f : -0.5f;
    for (int64_t i = 0; i < m * n; i++) c1[i] = c2[i] = plain ? NAN : (float)sc_test_val(i, 13);
    bli_sgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &alpha, (float *)a, va.rs, va.cs, (float *)b, vb.rs,
                 vb.cs, &beta, c1, rsc, csc, NULL, &serial);
    if (path(m, n, k, alpha, a, va.rs, va.cs, b, vb.rs, vb.cs, beta, c2, rsc, csc)) {
        for (int64_t i = 0; i < m * n; i++) assert_true(plain ? isnan(c2[i]) : c2[i] == (float)sc_test_val(i, 13));
        return 1;
    }
    for (int64_t i = 0; i < m * n; i++)
        if (!(c1[i] == c2[i]))
            fail_msg("%lld x %lld x %lld ta=%d tb=%d C by %s, alpha %g beta %g: element %lld is %.9g, bli_sgemm %.9g",
                     (long long)m, (long long)n, (long long)k, ta, tb, ccol ? "columns" : "rows", alpha, beta,
                     (long long)i, c2[i], c1[i]);
    return 0;
}

// Operands of an (m, k) x (k, n) product into a and b (each MAXE floats).
enum { MAXE = 1 << 16 };
static void fill_operands(float *a, float *b, int64_t m, int64_t n, int64_t k) {
    assert_true(m * k <= MAXE && k * n <= MAXE && m * n <= MAXE);
    for (int64_t i = 0; i < m * k; i++) a[i] = (float)sc_test_val(i, 11);
    for (int64_t i = 0; i < k * n; i++) b[i] = (float)sc_test_val(i, 12);
}

// Small products straight onto BLIS's micro-kernel (gemm_direct.h) give the
// very bits of bli_sgemm, over every transposition of A and B, C by rows and by
// columns, tiles cut by the kernel's MR and NR on either side, alpha/beta
// general and (1, 0); beta = 0 never reads C (NaN there stays out). Products
// it does not take (k above BLIS's KC) are refused untouched.
static void test_direct_gemm_same_bits(void **state) {
    (void)state;
    static const int64_t shapes[][3] = {{1, 1, 1},    {25, 25, 16}, {25, 16, 25}, {13, 7, 5},  {33, 13, 9},
                                        {40, 3, 7},   {3, 40, 7},   {2, 2, 300},  {64, 31, 31}, {1, 96, 250},
                                        {97, 25, 1}};
    static float a[MAXE], b[MAXE], c1[MAXE], c2[MAXE];
    int declined = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int64_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        fill_operands(a, b, m, n, k);
        for (int v = 0; v < 16; v++) {
            if (!same_bits_as_blis(sc_sgemm_direct, v, m, n, k, a, b, c1, c2)) continue;
            // Declined only where BLIS itself takes its small-product ('sup') kernels.
            if (!bli_cntx_l3_sup_thresh_is_met(BLIS_FLOAT, m, n, k, bli_gks_query_cntx()))
                fail_msg("direct path refused %lld x %lld x %lld", (long long)m, (long long)n, (long long)k);
            declined++;
        }
    }
    // Kernels without a small-product path (skx, the AVX-512 machines' choice) decline none.
    if (!strcmp(sc_blas_kernels(), "skx")) assert_int_equal(declined, 0);
    // k beyond BLIS's k blocking: refused, C untouched.
    c2[0] = 7.0f;
    assert_int_equal(sc_sgemm_direct(1, 1, 5000, 1.0f, a, 5000, 1, b, 1, 1, 0.0f, c2, 1, 1), -1);
    assert_true(c2[0] == 7.0f);
}

// BLIS's small-product kernels called directly (gemm_sup.h) give the very bits
// of bli_sgemm over every transposition of A and B, C by rows and by columns,
// alpha/beta general and (1, 0), on shapes with edge tiles, several k blocks
// (k > 256) and several row blocks (m > 144). Products BLIS gives its
// panel-block nest (2 x 25, 7 x 70) are declined, C untouched. Where BLIS 0.9
// has sup kernels (haswell, zen*), attention's per-head products must take
// the path: a silently disabled path fails here.
static void test_sup_gemm_same_bits(void **state) {
    (void)state;
    static const int64_t shapes[][3] = {{25, 16, 25}, {25, 25, 16}, {800, 32, 32}, {32, 32, 800}, {29, 23, 300},
                                        {145, 40, 257}, {13, 200, 9}, {2, 25, 16},  {7, 70, 40},   {1, 1, 1},
                                        {3, 1, 5},     {64, 9, 100}};
    static float a[MAXE], b[MAXE], c1[MAXE], c2[MAXE];
    int checked = 0, attention_taken = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int64_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        fill_operands(a, b, m, n, k);
        for (int v = 0; v < 16; v++) {
            if (same_bits_as_blis(sc_sgemm_sup, v, m, n, k, a, b, c1, c2)) continue;
            checked++;
            attention_taken += s < 2 && !((v >> 2) & 1);  // C by rows, as attention writes it
        }
    }
    cntx_t *cntx = bli_gks_query_cntx();
    int has_sup = bli_cntx_get_l3_sup_ker_dt(BLIS_FLOAT, BLIS_RRR, cntx) != NULL &&
                  bli_cntx_l3_sup_thresh_is_met(BLIS_FLOAT, 25, 16, 25, cntx);
    if (has_sup && !strncmp(bli_info_get_version_str(), "0.9.", 4)) {
        assert_true(checked > 0);
        assert_int_equal(attention_taken, 16);  // both per-head shapes, every A/B layout and alpha/beta
    }
}

// The contract of gemm.h: sc_sgemm gives bli_sgemm's bits for B stored by rows,
// and a B stored by columns (the transpose of a row-major matrix) is copied to
// rows first from m = 8 rows on, so it gives those same bits; below 8 rows it
// is BLIS's own product on the columns. Shapes: attention's per-head products,
// a dense layer's input gradient, one whose copy is on the heap (k n > 8192).
static void test_sgemm_column_b_as_rows(void **state) {
    (void)state;
    static const int64_t shapes[][3] = {{25, 25, 16}, {25, 16, 25}, {800, 32, 32}, {8, 40, 7}, {300, 200, 100},
                                        {7, 30, 30}};
    static float a[1 << 16], bt[1 << 16], brow[1 << 16], c1[1 << 16], c2[1 << 16];
    rntm_t serial = BLIS_RNTM_INITIALIZER;
    bli_rntm_set_num_threads(1, &serial);
    float alpha = 0.75f, beta = -0.5f;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int64_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        assert_true(m * k <= 1 << 16 && k * n <= 1 << 16 && m * n <= 1 << 16);
        for (int64_t i = 0; i < m * k; i++) a[i] = (float)sc_test_val(i, 11);
        for (int64_t i = 0; i < k * n; i++) bt[i] = (float)sc_test_val(i, 12);  // (n, k) by rows: B by columns
        for (int64_t kk = 0; kk < k; kk++)
            for (int64_t j = 0; j < n; j++) brow[kk * n + j] = bt[j * k + kk];
        for (int64_t i = 0; i < m * n; i++) c1[i] = c2[i] = (float)sc_test_val(i, 13);
        const float *bref = m >= 8 ? brow : bt;
        int64_t rsb = m >= 8 ? n : 1, csb = m >= 8 ? 1 : k;
        bli_sgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &alpha, a, k, 1, (float *)bref, rsb, csb, &beta,
                     c1, n, 1, NULL, &serial);
        sc_sgemm(m, n, k, alpha, a, k, 1, bt, 1, k, beta, c2, n, 1);
        for (int64_t i = 0; i < m * n; i++)
            if (!(c1[i] == c2[i]))
                fail_msg("%lld x %lld x %lld, B by columns: element %lld is %.9g, bli_sgemm on B by %s %.9g",
                         (long long)m, (long long)n, (long long)k, (long long)i, c2[i], m >= 8 ? "rows" : "columns",
                         c1[i]);
    }
}

// A string (its length from strlen).
static void pack_str(msgpack_packer *pk, const char *s) { msgpack_pack_str_with_body(pk, s, strlen(s)); }

static void test_msgpack_nested_roundtrip(void **state) {
    (void)state;
    float payload[6] = {1.5f, -2.0f, 0.0f, 3.25f, -0.125f, 1e-8f};
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    // {"format": "scaffold", "tensors": [{"name": "w", "shape": [2, 3], "data": bin}], "step": 7}
    msgpack_pack_map(&pk, 3);
    pack_str(&pk, "format");
    pack_str(&pk, "scaffold");
    pack_str(&pk, "tensors");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 3);
    pack_str(&pk, "name");
    pack_str(&pk, "w");
    pack_str(&pk, "shape");
    msgpack_pack_array(&pk, 2);
    msgpack_pack_int(&pk, 2);
    msgpack_pack_int(&pk, 3);
    pack_str(&pk, "data");
    msgpack_pack_bin_with_body(&pk, payload, sizeof payload);
    pack_str(&pk, "step");
    msgpack_pack_uint64(&pk, 7);

    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&up, sbuf.data, sbuf.size, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, sbuf.size);
    msgpack_object root = up.data;
    assert_int_equal(root.type, MSGPACK_OBJECT_MAP);
    assert_int_equal(root.via.map.size, 3);
    msgpack_object_kv *kv = root.via.map.ptr;
    assert_memory_equal(kv[0].val.via.str.ptr, "scaffold", 8);
    msgpack_object t = kv[1].val.via.array.ptr[0];
    assert_int_equal(t.type, MSGPACK_OBJECT_MAP);
    msgpack_object shape = t.via.map.ptr[1].val;
    assert_int_equal(shape.via.array.size, 2);
    assert_int_equal(shape.via.array.ptr[1].via.u64, 3);
    msgpack_object data = t.via.map.ptr[2].val;
    assert_int_equal(data.type, MSGPACK_OBJECT_BIN);
    assert_int_equal(data.via.bin.size, sizeof payload);
    assert_memory_equal(data.via.bin.ptr, payload, sizeof payload);
    assert_int_equal(kv[2].val.via.u64, 7);
    msgpack_unpacked_destroy(&up);

    // A truncated buffer must be reported as such, not read past its end.
    msgpack_unpacked_init(&up);
    off = 0;
    assert_int_equal(msgpack_unpack_next(&up, sbuf.data, sbuf.size - 3, &off), MSGPACK_UNPACK_CONTINUE);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sbuf);
}

static void expect_norm(const char *in, const char *want) {
    char *out = NULL;
    size_t len = 0;
    sc_err err = {{0}};
    if (sc_utf8_nfkc_casefold(in, strlen(in), &out, &len, &err) != 0) fail_msg("%s", err.msg);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);
}

static void test_utf8proc_nfkc_casefold(void **state) {
    (void)state;
    expect_norm("Caf\xC3\xA9", "caf\xC3\xA9");              // é stays composed
    expect_norm("Cafe\xCC\x81", "caf\xC3\xA9");             // e + combining acute -> é (NFC part)
    expect_norm("\xEF\xAC\x81" "ne", "fine");                // ligature ﬁ -> fi (compatibility)
    expect_norm("\xEF\xBC\xA1\xEF\xBC\xA2", "ab");          // fullwidth ＡＢ -> ab
    expect_norm("Stra\xC3\x9F" "e", "strasse");              // ß case-folds to ss
    expect_norm("\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91", // ΣΟΦΙΑ -> σοφια
                "\xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1");
    expect_norm("x\xC2\xB2", "x2");                          // superscript two -> 2
}

static void test_utf8_invalid_names_offset(void **state) {
    (void)state;
    struct { const char *s; size_t n, at; } cases[] = {
        {"abc\xFFxyz", 7, 3},         // byte never valid in UTF-8
        {"ok \xC3", 4, 3},            // truncated 2-byte sequence at the end
        {"\xE2\x82(", 3, 0},          // bad continuation byte
        {"12\xC0\xAF", 4, 2},         // overlong encoding of '/'
        {"a\xED\xA0\x80", 4, 1},      // UTF-16 surrogate encoded in UTF-8
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t bad = 999;
        assert_false(sc_utf8_valid(cases[i].s, cases[i].n, &bad));
        assert_int_equal(bad, cases[i].at);
        char *out = (char *)1;
        sc_err err = {{0}};
        assert_int_equal(sc_utf8_nfkc_casefold(cases[i].s, cases[i].n, &out, NULL, &err), -1);
        assert_null(out);
        char want[64];
        snprintf(want, sizeof want, "invalid UTF-8 at byte %zu", cases[i].at);
        if (!strstr(err.msg, want)) fail_msg("message '%s' lacks '%s'", err.msg, want);
    }
}

static void test_latin1_to_utf8(void **state) {
    (void)state;
    const char in[] = "na\xEFve caf\xE9";  // Latin-1 "naïve café"
    char out[2 * sizeof in + 1];
    size_t n = sc_latin1_to_utf8(in, strlen(in), out);
    assert_string_equal(out, "na\xC3\xAFve caf\xC3\xA9");
    assert_int_equal(n, strlen(out));
    assert_true(sc_utf8_valid(out, n, NULL));
}

static void test_selfcheck_all_pass(void **state) {
    (void)state;
    sc_selfcheck_fn fns[] = {sc_selfcheck_blis, sc_selfcheck_msgpack, sc_selfcheck_utf8proc,
                             sc_selfcheck_yaml, sc_selfcheck_zlib, sc_selfcheck_lapacke};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        sc_selfcheck_result r = {0};
        int rc = fns[i](&r);
        if (rc != 0 || !r.ok) fail_msg("%s: %s", r.name, r.detail);
        assert_true(r.version[0] != '\0');
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blis_gemm_against_naive),
        cmocka_unit_test(test_blis_gemm_strided_output),
        cmocka_unit_test(test_direct_gemm_same_bits),
        cmocka_unit_test(test_sup_gemm_same_bits),
        cmocka_unit_test(test_sgemm_column_b_as_rows),
        cmocka_unit_test(test_msgpack_nested_roundtrip),
        cmocka_unit_test(test_utf8proc_nfkc_casefold),
        cmocka_unit_test(test_utf8_invalid_names_offset),
        cmocka_unit_test(test_latin1_to_utf8),
        cmocka_unit_test(test_selfcheck_all_pass),
    };
    return cmocka_run_group_tests_name("deps", tests, NULL, sc_test_teardown);
}
