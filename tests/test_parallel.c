// Threads inside one run (kernels/parallel.h): the split covers every item
// exactly once on aligned chunks, and every parallel kernel writes the same bits
// at 1, 2 and 3 threads, on shapes large enough to be split at awkward places
// (mid-row of a broadcast odometer, mid-block of a column sum). Values are also
// checked against naive loops, so a split that shifts offsets cannot pass by
// being consistently wrong.
#include "sc_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "kernels/parallel.h"
#include "ops/ops.h"

#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})

typedef struct {
    int *hits;
    int64_t *starts;
    int n_starts;
} cover;

static void mark(void *p, int64_t lo, int64_t hi) {
    cover *c = p;
    // Chunks run concurrently, but each writes only its own items; the start
    // list is written under a GCC atomic so the test itself is race-free.
    int k = __atomic_fetch_add(&c->n_starts, 1, __ATOMIC_SEQ_CST);
    if (k < 64) c->starts[k] = lo;
    for (int64_t i = lo; i < hi; i++) c->hits[i]++;
}

static void test_split_covers_each_item_once(void **state) {
    (void)state;
    const int64_t sizes[] = {0, 1, 63, 64, 65, 1000, 2 * SC_PARALLEL_MIN_ELEMENTS + 5, 100003};
    int64_t starts[64];
    for (int threads = 1; threads <= 4; threads++) {
        sc_set_threads(threads);
        assert_int_equal(sc_get_threads(), threads);
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (int rows = 0; rows <= 1; rows++) {
                int64_t n = sizes[s];
                cover c = {calloc((size_t)n + 1, sizeof(int)), starts, 0};
                if (rows) sc_parallel_rows(n, 7, mark, &c);
                else sc_parallel_for(n, 7, mark, &c);
                for (int64_t i = 0; i < n; i++)
                    if (c.hits[i] != 1) fail_msg("n %lld, %d threads: item %lld ran %d times", (long long)n, threads, (long long)i, c.hits[i]);
                assert_true(c.n_starts <= threads);
                if (!rows)
                    for (int k = 0; k < c.n_starts; k++) assert_int_equal(starts[k] % SC_PARALLEL_ALIGN, 0);
                if (n >= 2 * SC_PARALLEL_ALIGN * threads && threads > 1 && !rows) assert_int_equal(c.n_starts, threads);
                free(c.hits);
            }
    }
    sc_set_threads(0);  // clamped
    assert_int_equal(sc_get_threads(), 1);
    // Too little work for two chunks runs on the calling thread, unsplit.
    sc_set_threads(2);
    cover c = {calloc(100, sizeof(int)), starts, 0};
    sc_parallel_for(100, SC_PARALLEL_MIN_ELEMENTS, mark, &c);
    assert_int_equal(c.n_starts, 1);
    free(c.hits);
    sc_set_threads(1);
}

static sc_tensor *rand_t(sc_ctx *ctx, int nd, const int64_t *shape, uint64_t seed) {
    sc_rng r;
    sc_rng_seed(&r, seed);
    sc_tensor *t = sc_empty(ctx, SC_F32, nd, shape);
    assert_non_null(t);
    float *p = t->data;
    for (int64_t i = 0; i < t->numel; i++) p[i] = (float)(4 * sc_rng_uniform(&r) - 2);
    t->requires_grad = 1;
    return t;
}

#define N_OUT 14

// Every parallel kernel, forward and fused backward; outputs copied to out[k].
static void run_kernels(sc_ctx *ctx, int threads, float *out[N_OUT], int64_t n_out[N_OUT]) {
    sc_set_threads(threads);
    sc_ctx_reset(ctx);
    sc_tensor *x = rand_t(ctx, 3, SHAPE(40, 300, 7), 1);     // 84000 elements, rows of 7
    sc_tensor *row = rand_t(ctx, 3, SHAPE(1, 300, 1), 2);     // broadcast in dims 0 and 2
    sc_tensor *m = rand_t(ctx, 2, SHAPE(700, 96), 3);
    sc_tensor *gamma = rand_t(ctx, 1, SHAPE(96), 4), *beta = rand_t(ctx, 1, SHAPE(96), 5);
    sc_tensor *big = rand_t(ctx, 1, SHAPE(100003), 6);
    sc_tensor *res[N_OUT] = {
        sc_mul(ctx, x, row),  sc_add(ctx, row, x),       sc_gelu(ctx, big), sc_exp(ctx, x),
        sc_sum(ctx, x, 0, 0), sc_sum(ctx, x, 1, 0),     sc_sum(ctx, m, 1, 0),
        sc_softmax(ctx, x, 1), sc_log_softmax(ctx, m, 1), sc_layernorm(ctx, m, gamma, beta, 1e-5),
    };
    // Fused backward (no graph): softmax along a middle axis, layernorm with gamma and beta;
    // x feeds four ops, so its gradient buffer is summed into in place (sc_k_add_flat).
    sc_tensor *w1 = rand_t(ctx, 3, SHAPE(40, 300, 7), 7), *w2 = rand_t(ctx, 2, SHAPE(700, 96), 8);
    sc_tensor *loss = sc_add(ctx, sc_sum_all(ctx, sc_mul(ctx, res[7], w1)), sc_sum_all(ctx, sc_mul(ctx, res[9], w2)));
    sc_tensor *in[4] = {x, m, gamma, beta};
    sc_tensor **g = sc_grad(ctx, &loss, 1, in, 4, NULL, 0);
    assert_non_null(g);
    for (int k = 0; k < 4; k++) res[10 + k] = g[k];
    for (int k = 0; k < N_OUT; k++) {
        assert_non_null(res[k]);
        n_out[k] = res[k]->numel;
        out[k] = malloc((size_t)n_out[k] * sizeof(float));
        memcpy(out[k], res[k]->data, (size_t)n_out[k] * sizeof(float));
    }
    sc_set_threads(1);
}

static void test_kernels_same_bits_at_any_thread_count(void **state) {
    sc_ctx *ctx = *state;
    float *ref[N_OUT], *got[N_OUT];
    int64_t n_ref[N_OUT], n_got[N_OUT];
    run_kernels(ctx, 1, ref, n_ref);
    // Naive checks of the 1-thread values: broadcast offsets and the column sum.
    const float *x = NULL;
    {
        sc_ctx_reset(ctx);
        sc_tensor *xt = rand_t(ctx, 3, SHAPE(40, 300, 7), 1), *rt = rand_t(ctx, 3, SHAPE(1, 300, 1), 2);
        x = xt->data;
        const float *r = rt->data;
        for (int64_t a = 0; a < 40; a++)
            for (int64_t l = 0; l < 300; l++)
                for (int64_t i = 0; i < 7; i++) {
                    int64_t q = (a * 300 + l) * 7 + i;
                    assert_true(ref[0][q] == x[q] * r[l]);
                    assert_true(ref[1][q] == r[l] + x[q]);
                }
        for (int64_t q = 0; q < 300 * 7; q++) {
            double s = 0;
            for (int64_t a = 0; a < 40; a++) s += x[a * 300 * 7 + q];
            assert_true(ref[4][q] == (float)s);
        }
    }
    for (int threads = 2; threads <= 3; threads++) {
        run_kernels(ctx, threads, got, n_got);
        for (int k = 0; k < N_OUT; k++) {
            assert_int_equal(n_got[k], n_ref[k]);
            for (int64_t i = 0; i < n_ref[k]; i++)
                if (memcmp(&got[k][i], &ref[k][i], sizeof(float)))
                    fail_msg("output %d differs between 1 and %d threads at %lld of %lld: %.9g vs %.9g", k, threads,
                             (long long)i, (long long)n_ref[k], ref[k][i], got[k][i]);
            free(got[k]);
        }
    }
    for (int k = 0; k < N_OUT; k++) free(ref[k]);
}

// "auto" is every CPU of the affinity mask; the pool's cap (scaffold run --jobs)
// bounds auto and explicit counts alike; a bad cap is ignored, not trusted.
static void test_threads_for_run(void **state) {
    (void)state;
    unsetenv("SCAFFOLD_THREADS_PER_RUN");
    assert_int_equal(sc_threads_for_run(0), sc_cpus_available());
    assert_int_equal(sc_threads_for_run(3), 3);  // explicit counts are honoured
    setenv("SCAFFOLD_THREADS_PER_RUN", "1", 1);
    assert_int_equal(sc_threads_for_run(0), 1);
    assert_int_equal(sc_threads_for_run(3), 1);
    setenv("SCAFFOLD_THREADS_PER_RUN", "2", 1);
    assert_int_equal(sc_threads_for_run(5), 2);
    assert_int_equal(sc_threads_for_run(1), 1);
    setenv("SCAFFOLD_THREADS_PER_RUN", "2x", 1);
    assert_int_equal(sc_threads_for_run(5), 5);
    unsetenv("SCAFFOLD_THREADS_PER_RUN");

    static sc_config c;
    sc_config_init(&c);
    sc_err err;
    long v = -1;
    assert_int_equal(sc_config_set(&c, "threads", "auto", "test", &err), 0);
    assert_int_equal(sc_config_long_or_auto(&c, "threads", 1, 256, &v, &err), 0);
    assert_int_equal(v, 0);
    assert_int_equal(sc_config_set(&c, "threads", "0", "test", &err), 0);
    assert_int_equal(sc_config_long_or_auto(&c, "threads", 1, 256, &v, &err), -1);
    assert_non_null(strstr(err.msg, "outside [1, 256] (or 'auto')"));
    assert_int_equal(sc_config_set(&c, "threads", "two", "test", &err), 0);
    assert_int_equal(sc_config_long_or_auto(&c, "threads", 1, 256, &v, &err), -1);
    assert_non_null(strstr(err.msg, "expected an integer or 'auto', got 'two'"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_covers_each_item_once),
        cmocka_unit_test(test_kernels_same_bits_at_any_thread_count),
        cmocka_unit_test(test_threads_for_run),
    };
    return sc_test_run_with_ctx("parallel", tests);
}
