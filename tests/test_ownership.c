// The ownership contract (src/README.md, "Ownership"): every object's free is a
// no-op on a zeroed object, and a second free after a real one is a no-op too,
// so callers need no "have_x" flags for cleanup. Each free below runs on a
// zeroed object twice; the valgrind and sanitizer passes check that nothing is
// read uninitialized, freed twice or leaked. A new object type with a free
// belongs in this list.
#include "sc_test.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>

#include "autograd/engine.h"
#include "core/arena.h"
#include "core/params.h"
#include "data/batch.h"
#include "data/csv.h"
#include "data/dataset.h"
#include "data/encode.h"
#include "data/json.h"
#include "data/task.h"
#include "core/yaml_tree.h"
#include "exp/manifest.h"
#include "explain/explainer.h"
#include "io/checkpoint.h"
#include "io/result_read.h"
#include "models/model.h"
#include "ops/ops.h"
#include "optim/optim.h"
#include "report/compare.h"
#include "report/html.h"
#include "smat/hypercheck.h"
#include "smat/objective.h"
#include "smat/student.h"
#include "smat/student_run.h"
#include "text/tokenizer.h"
#include "text/vocab.h"
#include "train/pipeline.h"

// Zeroes a heap object of the type (the heap, so valgrind sees any stray read
// beyond it), frees it twice, releases the memory.
#define ZERO_FREE_TWICE(type, fn)                    \
    do {                                             \
        type *o_ = calloc(1, sizeof(type));          \
        assert_non_null(o_);                         \
        fn(o_);                                      \
        fn(o_);                                      \
        free(o_);                                    \
    } while (0)

static void test_free_on_zeroed_is_noop(void **state) {
    (void)state;
    ZERO_FREE_TWICE(sc_arena, sc_arena_free);
    ZERO_FREE_TWICE(sc_batch, sc_batch_free);
    ZERO_FREE_TWICE(sc_batcher, sc_batcher_free);
    ZERO_FREE_TWICE(sc_ckpt_extra, sc_ckpt_extra_free);
    ZERO_FREE_TWICE(sc_cmp, sc_cmp_free);
    ZERO_FREE_TWICE(sc_csv, sc_csv_free);
    ZERO_FREE_TWICE(sc_ctx, sc_ctx_free);
    ZERO_FREE_TWICE(sc_dataset, sc_dataset_free);
    ZERO_FREE_TWICE(sc_encoded, sc_encoded_free);
    ZERO_FREE_TWICE(sc_explainer, sc_explainer_free);
    ZERO_FREE_TWICE(sc_hc_problem, sc_hc_free);
    ZERO_FREE_TWICE(sc_html, sc_html_free);
    ZERO_FREE_TWICE(sc_json_obj, sc_json_free);
    ZERO_FREE_TWICE(sc_manifest, sc_manifest_free);
    ZERO_FREE_TWICE(sc_model, sc_model_free);
    ZERO_FREE_TWICE(sc_optim, sc_optim_free);
    ZERO_FREE_TWICE(sc_params, sc_params_free);
    ZERO_FREE_TWICE(sc_pipeline, sc_pipeline_close);
    ZERO_FREE_TWICE(sc_result_doc, sc_result_doc_free);
    ZERO_FREE_TWICE(sc_smat, sc_smat_cache_free);
    ZERO_FREE_TWICE(sc_student, sc_student_free);
    ZERO_FREE_TWICE(sc_student_outcome, sc_student_outcome_free);
    ZERO_FREE_TWICE(sc_tokens, sc_tokens_free);
    ZERO_FREE_TWICE(sc_vocab, sc_vocab_free);
    // Objects handed out by pointer: free(NULL) semantics.
    sc_task_free(NULL);
    sc_ynode_free(NULL);
    sc_task_names_free(NULL, 0);
}

// Init, free, free again: the first free leaves the object zeroed (or at least
// free-able), so cleanup paths may free unconditionally.
static void test_second_free_is_noop(void **state) {
    (void)state;
    sc_err err;
    sc_params P;
    assert_int_equal(sc_params_init(&P, 1 << 16, &err), 0);
    int64_t s[1] = {3};
    assert_non_null(sc_params_add(&P, "w", SC_F32, 1, s, &err));
    sc_params_free(&P);
    sc_params_free(&P);
    sc_ctx c;
    assert_int_equal(sc_ctx_init(&c, 1 << 20, 1, &err), 0);
    sc_ctx_free(&c);
    sc_ctx_free(&c);
    sc_arena a;
    memset(&a, 0, sizeof a);
    assert_int_equal(sc_arena_init(&a, 1 << 16, "test", &err), 0);
    sc_arena_free(&a);
    sc_arena_free(&a);
}

// Freeing a parameter slab that a live tape still reads is the one ownership
// error a caller can make silently (the next sc_grad would read freed memory):
// it is refused loudly. In a child process, which must abort with the message;
// after a reset the same free is fine.
static void test_tape_borrow_is_checked(void **state) {
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        sc_err err;
        sc_ctx ctx;
        sc_params p;
        if (sc_ctx_init(&ctx, 1 << 20, 1, &err) || sc_params_init(&p, 1 << 16, &err)) _exit(3);
        sc_tensor *w = sc_params_add(&p, "w", SC_F64, 1, (int64_t[]){4}, &err);
        sc_tensor *y = sc_mul(&ctx, w, w);  // a node that reads w
        if (!y) _exit(4);
        sc_params_free(&p);                  // while the tape still holds it: aborts
        _exit(0);
    }
    close(fds[1]);
    static char buf[1 << 16];  // the message (and, under valgrind, its report of the abort)
    ssize_t n = 0, k;
    while (n < (ssize_t)sizeof buf - 1 && (k = read(fds[0], buf + n, sizeof buf - 1 - (size_t)n)) > 0) n += k;
    buf[n] = '\0';
    close(fds[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(n > 0);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    if (!strstr(buf, "freed while the tape of a live context still reads it")) fail_msg("stderr: %s", buf);
    // The contract kept: reset first, then free.
    sc_err err;
    sc_ctx ctx;
    sc_params p;
    assert_int_equal(sc_ctx_init(&ctx, 1 << 20, 1, &err), 0);
    assert_int_equal(sc_params_init(&p, 1 << 16, &err), 0);
    sc_tensor *w = sc_params_add(&p, "w", SC_F64, 1, (int64_t[]){4}, &err);
    assert_non_null(sc_mul(&ctx, w, w));
    sc_ctx_reset(&ctx);
    sc_params_free(&p);
    sc_ctx_free(&ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_on_zeroed_is_noop),
        cmocka_unit_test(test_second_free_is_noop),
        cmocka_unit_test(test_tape_borrow_is_checked),
    };
    return cmocka_run_group_tests_name("ownership", tests, NULL, sc_test_teardown);
}
