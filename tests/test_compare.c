// scaffold compare (report/compare.c, io/result_read.c): cells from student
// result files written here with msgpack-c, the table's numbers against values
// computed by hand, and the errors for broken trees (a foreign file, a test set
// of another size, a seed counted twice, hostile numbers: results directories
// are shared, so n = 1e300 or seed = -1 must be an error naming the file and the
// field, never a crash, and --csv must not be written).
#include "sc_test.h"

#include <dirent.h>
#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/fs.h"
#include "report/compare.h"
#include "results_util.h"

static void str(msgpack_packer *pk, const char *s) { msgpack_pack_str_with_body(pk, s, strlen(s)); }

// What a crafted student result holds beyond the per-example agreement; zero
// fields are left out of the file (as in results written before they existed).
typedef struct extra_fields {
    const char *label;       // the row name
    double best_valid;       // train.best_valid (0: absent)
    double chance;           // test.chance (0: absent)
    const char *stopped_by;  // train.stopped_by with best_epoch/epochs_run (NULL: absent)
    long best_epoch, epochs_run;
    const char *from;        // explainer_ckpt: a learned explainer used frozen (NULL: absent)
} extra_fields;

static void pack_training(msgpack_packer *pk, const extra_fields *x) {
    int nt = (x->best_valid > 0) + 3 * (x->stopped_by != NULL);
    if (!nt) return;
    str(pk, "train");
    msgpack_pack_map(pk, (size_t)nt);
    if (x->best_valid > 0) str(pk, "best_valid"), msgpack_pack_double(pk, x->best_valid);
    if (x->stopped_by) {
        str(pk, "stopped_by"), str(pk, x->stopped_by);
        str(pk, "best_epoch"), msgpack_pack_int64(pk, x->best_epoch);
        str(pk, "epochs_run"), msgpack_pack_int64(pk, x->epochs_run);
    }
}

// A student result with per-example agreement `agree` (n entries, 0/1).
static void write_student_x(const char *dir, const char *task, const char *expl, int learn, long n, long seed,
                            const int *agree, int n_points, const extra_fields *x) {
    char path[512];
    sc_err err;
    assert_int_equal(sc_mkdirs(dir, &err), 0);
    snprintf(path, sizeof path, "%s/metrics.msgpack", dir);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int has_train = x->best_valid > 0 || x->stopped_by;
    msgpack_pack_map(&pk, 8 + (x->label != NULL) + has_train + (x->from != NULL));
    str(&pk, "format"), str(&pk, "scaffold-result");
    str(&pk, "kind"), str(&pk, "student");
    str(&pk, "task"), str(&pk, task);
    str(&pk, "explainer"), str(&pk, expl);
    if (x->label) str(&pk, "label"), str(&pk, x->label);
    if (x->from) str(&pk, "explainer_ckpt"), str(&pk, x->from);
    str(&pk, "learn_explainer"), learn ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
    str(&pk, "n"), msgpack_pack_int64(&pk, n);
    str(&pk, "seed"), msgpack_pack_int64(&pk, seed);
    pack_training(&pk, x);
    str(&pk, "test");
    double sim = 0;
    for (int i = 0; i < n_points; i++) sim += agree[i];
    msgpack_pack_map(&pk, x->chance > 0 ? 3 : 1);
    if (x->chance > 0) {
        str(&pk, "simulatability"), msgpack_pack_double(&pk, n_points ? sim / n_points : 0);
        str(&pk, "chance"), msgpack_pack_double(&pk, x->chance);
    }
    str(&pk, "per_example");
    msgpack_pack_map(&pk, 2);
    str(&pk, "agree");
    msgpack_pack_array(&pk, (size_t)n_points);
    for (int i = 0; i < n_points; i++) msgpack_pack_int(&pk, agree[i]);
    str(&pk, "gold_correct");
    msgpack_pack_array(&pk, (size_t)n_points);
    for (int i = 0; i < n_points; i++) msgpack_pack_int(&pk, 1);
    assert_int_equal(sc_atomic_write(path, sb.data, sb.size, &err), 0);
    msgpack_sbuffer_destroy(&sb);
}

static void write_student(const char *dir, const char *task, const char *expl, int learn, long n, long seed,
                          const int *agree, int n_points) {
    extra_fields none = {0};
    write_student_x(dir, task, expl, learn, n, seed, agree, n_points, &none);
}

static char root[256];

static void make_root(const char *name) {
    snprintf(root, sizeof root, "/tmp/sc_test_compare_%d_%s", (int)getpid(), name);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

static void remove_root(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

// Two seeds of explainer none under root/none (task t, n = 500): agreement 0.5 and 0.7.
static void write_none_seeds(void) {
    int a[10], b[10];
    char d[512];
    for (int i = 0; i < 10; i++) a[i] = i < 5, b[i] = i < 7;
    snprintf(d, sizeof d, "%s/none/s1", root), write_student(d, "t", "none", 0, 500, 1, a, 10);
    snprintf(d, sizeof d, "%s/none/s2", root), write_student(d, "t", "none", 0, 500, 2, b, 10);
}

// Every result under root, in c (sc_cmp_free it).
static void cmp_load(sc_cmp *c) {
    sc_err err;
    sc_cmp_init(c);
    assert_int_equal(sc_cmp_add_dir(c, root, &err), 0);
}

// c's cells with the default bootstrap.
static void cmp_compute_default(sc_cmp *c) {
    sc_err err;
    sc_boot_cfg cfg = sc_boot_default();
    assert_int_equal(sc_cmp_compute(c, &cfg, &err), 0);
}

static void test_table(void **state) {
    (void)state;
    make_root("table");
    // none: seeds at 0.5 and 0.7 -> 0.6; smat (learned attention): 0.9 and 0.9 -> 0.9.
    write_none_seeds();
    int a[10];
    char d[512];
    for (int i = 0; i < 10; i++) a[i] = i < 9;
    snprintf(d, sizeof d, "%s/smat/s1", root), write_student(d, "t", "attention", 1, 500, 1, a, 10);
    snprintf(d, sizeof d, "%s/smat/s2", root), write_student(d, "t", "attention", 1, 500, 2, a, 10);
    snprintf(d, sizeof d, "%s/static/s1", root), write_student(d, "t", "attention", 0, 500, 1, a, 10);

    sc_cmp c;
    cmp_load(&c);
    assert_int_equal(c.n_files, 5);
    cmp_compute_default(&c);
    assert_int_equal(c.n_cells, 3);
    // Sorted: none first, smat last.
    assert_string_equal(c.cells[0].label, "none");
    assert_string_equal(c.cells[1].label, "attention");
    assert_string_equal(c.cells[2].label, "smat");
    assert_true(fabs(c.cells[0].sim.mean - 0.6) < 1e-12 && c.cells[0].n_runs == 2);
    assert_true(fabs(c.cells[2].sim.mean - 0.9) < 1e-12);
    assert_true(c.cells[0].sim.lo <= 0.6 && 0.6 <= c.cells[0].sim.hi);
    assert_true(c.cells[2].has_acc && c.cells[2].acc.mean == 1);
    sc_cmp_free(&c);

    char *argv[] = {"compare", root, "--resamples", "200", NULL};
    char out[8192], errb[2048];
    assert_int_equal(sc_test_capture(sc_cmd_compare, 4, argv, out, sizeof out, errb, sizeof errb), 0);
    assert_non_null(strstr(out, "| none | 60.0 ["));
    assert_non_null(strstr(out, "| smat | 90.0 ["));
    assert_non_null(strstr(out, "N = 500"));
    remove_root();
}

// The best static row is chosen on VALIDATION: "sharp" has the better test
// score but the worse validation score, so "soft" is chosen; none, rationale
// and the learned explainer are not candidates. Among the learned cells the
// same rule picks "smat-fast" (better validation, worse test). Students at chance and runs
// stopped by the epoch cap at their best epoch are marked and listed.
static void test_best_static_and_convergence(void **state) {
    (void)state;
    make_root("best");
    int hi[10], mid[10], low[10];
    char d[512];
    for (int i = 0; i < 10; i++) hi[i] = i < 9, mid[i] = i < 7, low[i] = i < 4;
    for (long seed = 1; seed <= 2; seed++) {
        extra_fields sharp = {.label = "sharp", .best_valid = 0.70, .chance = 0.5, .stopped_by = "patience",
                              .best_epoch = 5, .epochs_run = 10};
        extra_fields soft = {.label = "soft", .best_valid = 0.80, .chance = 0.5, .stopped_by = "patience",
                             .best_epoch = 5, .epochs_run = 10};
        extra_fields gold = {.label = "rationale", .best_valid = 0.99, .chance = 0.5};
        extra_fields meta = {.label = "smat", .best_valid = 0.95, .chance = 0.5};
        extra_fields meta_fast = {.label = "smat-fast", .best_valid = 0.97, .chance = 0.5};
        // The frozen transfers of both: the one of the validation pick gets its own row.
        extra_fields meta_t = {.label = "smat-transfer", .best_valid = 0.9, .chance = 0.5, .from = "x.ckpt"};
        extra_fields meta_fast_t = {.label = "smat-fast-transfer", .best_valid = 0.9, .chance = 0.5,
                                    .from = "y.ckpt"};
        // seed 2 of none never leaves chance; seed 1 is stopped by the cap while improving.
        extra_fields none = {.best_valid = 0.99, .chance = 0.5, .stopped_by = "epochs",
                             .best_epoch = seed == 1 ? 30 : 1, .epochs_run = 30};
        snprintf(d, sizeof d, "%s/sharp/s%ld", root, seed);
        write_student_x(d, "t", "attention-uniform", 0, 200, seed, hi, 10, &sharp);
        snprintf(d, sizeof d, "%s/soft/s%ld", root, seed);
        write_student_x(d, "t", "attention-uniform", 0, 200, seed, mid, 10, &soft);
        snprintf(d, sizeof d, "%s/gold/s%ld", root, seed);
        write_student_x(d, "t", "rationale", 0, 200, seed, hi, 10, &gold);
        snprintf(d, sizeof d, "%s/meta/s%ld", root, seed);
        write_student_x(d, "t", "attention", 1, 200, seed, hi, 10, &meta);
        snprintf(d, sizeof d, "%s/meta-fast/s%ld", root, seed);  // better on validation, worse on test
        write_student_x(d, "t", "attention", 1, 200, seed, mid, 10, &meta_fast);
        snprintf(d, sizeof d, "%s/meta-t/s%ld", root, seed);
        write_student_x(d, "t", "attention", 0, 200, seed, hi, 10, &meta_t);
        snprintf(d, sizeof d, "%s/meta-fast-t/s%ld", root, seed);
        write_student_x(d, "t", "attention", 0, 200, seed, low, 10, &meta_fast_t);
        snprintf(d, sizeof d, "%s/none/s%ld", root, seed);
        write_student_x(d, "t", "none", 0, 200, seed, seed == 2 ? low : mid, 10, &none);
    }
    sc_cmp c;
    cmp_load(&c);
    cmp_compute_default(&c);
    const sc_cmp_cell *b = sc_cmp_best_static(&c, "t", 200);
    assert_non_null(b);
    assert_string_equal(b->label, "soft");
    assert_null(sc_cmp_best_static(&c, "t", 500));
    const sc_cmp_cell *m = sc_cmp_best(&c, "t", 200, SC_CMP_PICK_LEARNED);
    assert_non_null(m);
    assert_string_equal(m->label, "smat-fast");
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    sc_cmp_print_markdown(&c, f);
    fclose(f);
    if (!strstr(md, "| best static (validation) | 70.0 [") || !strstr(md, ": soft) |") ||
        !strstr(md, "| best smat (validation) | 70.0 [") || !strstr(md, ": smat-fast) |") ||
        !strstr(md, "| best smat, transfer (validation) | 40.0 [") || !strstr(md, ": smat-fast-transfer) |") ||
        !strstr(md, "| none | 55.0 [") || !strstr(md, "1 at chance, 1 capped while improving") ||
        !strstr(md, "- none, N = 200, seed 2: at chance (test 40.0, a constant student 50.0)") ||
        !strstr(md, "- none, N = 200, seed 1: stopped by the epoch cap at its best epoch"))
        fail_msg("table:\n%s", md);
    assert_null(strstr(md, "- soft"));
    free(md);
    sc_cmp_free(&c);
    remove_root();
}

static void test_errors(void **state) {
    (void)state;
    make_root("errors");
    int a[10] = {1, 1, 1, 0, 0, 1, 1, 1, 0, 0};
    char d[512], out[4096], errb[4096];
    snprintf(d, sizeof d, "%s/a", root), write_student(d, "t", "none", 0, 500, 1, a, 10);
    snprintf(d, sizeof d, "%s/b", root), write_student(d, "t", "none", 0, 500, 1, a, 10);  // the same seed again
    char *argv[] = {"compare", root, NULL};
    assert_int_equal(sc_test_capture(sc_cmd_compare, 2, argv, out, sizeof out, errb, sizeof errb), 1);
    assert_non_null(strstr(errb, "seed 1 appears twice"));

    snprintf(d, sizeof d, "%s/b", root), write_student(d, "t", "none", 0, 500, 2, a, 9);  // another test set size
    assert_int_equal(sc_test_capture(sc_cmd_compare, 2, argv, out, sizeof out, errb, sizeof errb), 1);
    assert_non_null(strstr(errb, "share a test set"));

    // A file that is not msgpack, named like a result.
    snprintf(d, sizeof d, "%s/b/metrics.msgpack", root);
    FILE *f = fopen(d, "w");
    assert_non_null(f);
    fputs("not msgpack at all", f);
    fclose(f);
    assert_int_equal(sc_test_capture(sc_cmd_compare, 2, argv, out, sizeof out, errb, sizeof errb), 1);
    assert_non_null(strstr(errb, "b/metrics.msgpack"));

    char *bad[] = {"compare", "--resamples", "0", root, NULL};
    assert_int_equal(sc_test_capture(sc_cmd_compare, 4, bad, out, sizeof out, errb, sizeof errb), 2);
    char *none[] = {"compare", NULL};
    assert_int_equal(sc_test_capture(sc_cmd_compare, 1, none, out, sizeof out, errb, sizeof errb), 2);
    remove_root();
}

// Failed runs (scaffold run adds them): never dropped from the Markdown table.
static void test_failed_rows(void **state) {
    (void)state;
    make_root("failed");
    write_none_seeds();
    sc_cmp c;
    cmp_load(&c);
    sc_err err;
    assert_int_equal(sc_cmp_add_failed(&c, "t", "none", 500, 3, "scaffold train-student: boom | bad\nsecond", &err), 0);
    assert_int_equal(sc_cmp_add_failed(&c, "t", "ghost", 500, 1, "unknown explainer", &err), 0);
    assert_int_equal(sc_cmp_add_failed(&c, "u", "ghost", 100, 1, "not run: its teacher failed (x)", &err), 0);
    assert_int_equal(sc_cmp_add_failed(&c, "u", "teacher", 0, 1, "scaffold train-teacher: no data", &err), 0);
    cmp_compute_default(&c);
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    sc_cmp_print_markdown(&c, f);
    fclose(f);
    const char *want[] = {"| none | 60.0 [", "(2 seeds, SD 14.1, 1 failed) |", "| ghost | FAILED (1 run) |",
                          "| none | 500 | 3 | scaffold train-student: boom / bad |", "| ghost | 500 | 1 | unknown explainer |",
                          "### u — ", "| teacher | – | 1 | scaffold train-teacher: no data |",
                          "| ghost | 100 | 1 | not run: its teacher failed (x) |"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(md, want[i])) fail_msg("expected '%s' in:\n%s", want[i], md);
    assert_null(strstr(md, "second"));  // only the first line of a reason
    free(md);
    sc_cmp_free(&c);
    remove_root();
}

// Every run failed (a cluster job killed the teacher): no result cell at all,
// only failed rows. The summary still lists them (it used to qsort a NULL
// array: undefined behaviour that the UB sanitizer turned into a crash).
static void test_only_failed_rows(void **state) {
    (void)state;
    sc_cmp c;
    sc_cmp_init(&c);
    sc_err err;
    assert_int_equal(sc_cmp_add_failed(&c, "t", "teacher", 0, 1, "did not finish: stopped from outside", &err), 0);
    assert_int_equal(sc_cmp_add_failed(&c, "t", "none", 100, 1, "not run: its teacher did not finish", &err), 0);
    cmp_compute_default(&c);
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    sc_cmp_print_markdown(&c, f);
    fclose(f);
    if (!strstr(md, "| teacher | – | 1 | did not finish: stopped from outside |") ||
        !strstr(md, "| none | 100 | 1 | not run: its teacher did not finish |"))
        fail_msg("expected both failed rows in:\n%s", md);
    free(md);
    sc_cmp_free(&c);
}

static void test_hostile_numbers(void **state) {
    (void)state;
    ru_export();
    char r[256];
    snprintf(r, sizeof r, "/tmp/sc_test_compare_hostile_%d", (int)getpid());
    for (int k = 0; k < RU_N_CASES; k++)
        if (ru_cases[k].compare) ru_expect_refused(sc_cmd_compare, "compare", "--csv", "summary.csv", r, &ru_cases[k]);
}

// The committed regression inputs (tests/fuzz/regress/results/): each case's
// file is there, and reading it gives an error (or, for values compare never
// reads, a result) — never a crash. Other files a fuzzer adds there must not crash either.
static void test_regress_files(void **state) {
    (void)state;
    const char *dir = "tests/fuzz/regress/results";
    if (access(dir, R_OK)) skip();  // run from the repository root
    for (int k = 0; k < RU_N_CASES; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.msgpack", dir, ru_cases[k].name);
        if (access(path, R_OK)) fail_msg("%s is missing (SC_REGRESS_WRITE=%s zig-out/tests/test_compare)", path, dir);
        sc_cmp c;
        sc_cmp_init(&c);
        sc_err err;
        int added = 0, rc = sc_cmp_add_file(&c, path, &added, &err);
        if (ru_cases[k].compare && (rc != -1 || !strstr(err.msg, path) || !strstr(err.msg, ru_cases[k].field)))
            fail_msg("%s: expected an error naming the file and %s, got rc %d: %s", path, ru_cases[k].field, rc,
                     rc ? err.msg : "");
        if (!ru_cases[k].compare) assert_int_equal(rc, 0);
        sc_cmp_free(&c);
    }
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);
    assert_true(n >= 0);
    for (int i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        if (list[i]->d_name[0] != '.') {
            sc_cmp c;
            sc_cmp_init(&c);
            sc_err err;
            int added;
            (void)sc_cmp_add_file(&c, path, &added, &err);  // any answer but a crash
            sc_cmp_free(&c);
        }
        free(list[i]);
    }
    free(list);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_table), cmocka_unit_test(test_errors), cmocka_unit_test(test_best_static_and_convergence),
                                       cmocka_unit_test(test_hostile_numbers), cmocka_unit_test(test_regress_files),
                                       cmocka_unit_test(test_failed_rows), cmocka_unit_test(test_only_failed_rows)};
    return cmocka_run_group_tests_name("compare", tests, NULL, sc_test_teardown);
}
