// Every built-in task: `scaffold tasks fetch` (idempotent; into the user's data
// cache, $SCAFFOLD_DATA or ~/.cache/scaffold/data, so repeated runs reuse it),
// then `scaffold tasks check` passes, accounts for every line of the files as
// documented below, and the split sizes are the documented ones
// (README, "Built-in tasks"). Under SCAFFOLD_TEST_QUICK (the valgrind pass) the
// two 70,000-image tasks are skipped.
#include "sc_test.h"

#include <string.h>

#include "cli/cli.h"
#include "data/dataset.h"

static char out[1 << 16], errbuf[1 << 14];

typedef struct {
    const char *name;
    size_t sizes[SC_NSPLITS];  // teacher-train, teacher-valid, student-pool, student-valid, test
    int heavy;
    const char *lines;  // check's accounting of the lines (or records) of one file
} builtin;

// The line counts were checked independently (wc -l; Python's csv module for
// rotten-tomatoes: 5022 records, 156 'plot' rows, 158 line breaks inside quotes).
static const builtin tasks[] = {
    {"movie-reviews", {5331, 1066, 2133, 533, 1599}, 0, "rt-polarity.pos: 5331 lines = 5331 records; 5331 examples"},
    {"rotten-tomatoes", {2433, 487, 973, 243, 730}, 0,
     "rotten_tomatoes_corpus.csv.bz2: 5181 lines = 1 header + 5022 records + 158 continuation lines (88 records with "
     "multi-line quoted fields, the first on line 2); 4866 examples + 156 dropped (read.drop_labels)"},
    {"breast-cancer", {285, 57, 114, 28, 85}, 0,
     "breast_cancer.csv: 570 lines = 1 skipped (read.skip_lines) + 569 records; 569 examples"},
    {"diabetes", {221, 44, 89, 22, 66}, 0, "diabetes_target.csv.gz: 442 lines = 442 records; 442 examples"},
    {"synth-text", {3000, 600, 1200, 300, 900}, 0, "generated: 6000 examples (no files)"},
    {"fashion-mnist", {45000, 3000, 9000, 3000, 10000}, 1, "t10k-labels-idx1-ubyte.gz: 10000 records; 10000 examples"},
    {"decoy-fashion-mnist", {45000, 3000, 9000, 3000, 10000}, 1,
     "train-images-idx3-ubyte.gz: 60000 records; 60000 examples"},
};

static void run_one(const builtin *b) {
    char *fetch[] = {"tasks", "fetch", (char *)b->name, NULL};
    int rc = sc_test_capture(sc_cmd_tasks, 3, fetch, out, sizeof out, errbuf, sizeof errbuf);
    if (rc) fail_msg("tasks fetch %s failed: %s", b->name, errbuf);
    char *check[] = {"tasks", "check", (char *)b->name, NULL};
    rc = sc_test_capture(sc_cmd_tasks, 3, check, out, sizeof out, errbuf, sizeof errbuf);
    if (rc) fail_msg("tasks check %s failed: %s", b->name, errbuf);
    assert_non_null(strstr(out, "check passed"));
    if (!strstr(out, b->lines)) fail_msg("tasks check %s: no \"%s\" in:\n%s", b->name, b->lines, out);
    sc_task *t;
    sc_err err;
    assert_int_equal(sc_task_open(b->name, &t, &err), 0);
    sc_dataset d;
    if (sc_dataset_load(t, &d, &err)) fail_msg("%s", err.msg);
    for (int s = 0; s < SC_NSPLITS; s++)
        if (d.counts[s] != b->sizes[s])
            fail_msg("%s: split %s has %zu examples, documented %zu", b->name, sc_split_name(s), d.counts[s], b->sizes[s]);
    sc_dataset_free(&d);
    sc_task_free(t);
}

static void test_builtin_tasks(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++) {
        if (tasks[i].heavy && sc_test_quick()) continue;
        run_one(&tasks[i]);
    }
}

static void test_movie_reviews_counts(void **state) {
    (void)state;
    // Pang & Lee's v1.0: 5,331 + 5,331 snippets, Latin-1 decoded.
    sc_task *t;
    sc_err err;
    assert_int_equal(sc_task_open("movie-reviews", &t, &err), 0);
    sc_dataset d;
    if (sc_dataset_load(t, &d, &err)) fail_msg("%s", err.msg);
    size_t pos = 0;
    for (size_t i = 0; i < d.n; i++) pos += d.label[i] == 1;
    assert_int_equal(d.n, 10662);
    assert_int_equal(pos, 5331);
    sc_dataset_free(&d);
    sc_task_free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_tasks),
        cmocka_unit_test(test_movie_reviews_counts),
    };
    return cmocka_run_group_tests_name("tasks_builtin", tests, NULL, sc_test_teardown);
}
