// The ownership contract (src/README.md, "Ownership"): every object's free is a
// no-op on a zeroed object, and a second free after a real one is a no-op too,
// so callers need no "have_x" flags for cleanup. Each free below runs on a
// zeroed object twice; the valgrind and sanitizer passes check that nothing is
// read uninitialized, freed twice or leaked. A new object type with a free
// belongs in this list.
#include "sc_test.h"

#include <stdlib.h>
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_on_zeroed_is_noop),
        cmocka_unit_test(test_second_free_is_noop),
    };
    return cmocka_run_group_tests_name("ownership", tests, NULL, sc_test_teardown);
}
