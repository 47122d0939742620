// scaffold compare (report/compare.c, io/result_read.c): cells from student
// result files written here with msgpack-c, the table's numbers against values
// computed by hand, and the errors for broken trees (a foreign file, a test set
// of another size, a seed counted twice).
#include "sc_test.h"

#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/cache.h"
#include "report/compare.h"

static void str(msgpack_packer *pk, const char *s) { msgpack_pack_str_with_body(pk, s, strlen(s)); }

// A student result with per-example agreement `agree` (n entries, 0/1).
static void write_student(const char *dir, const char *task, const char *expl, int learn, long n, long seed,
                          const int *agree, int n_points) {
    char path[512];
    sc_err err;
    assert_int_equal(sc_mkdirs(dir, &err), 0);
    snprintf(path, sizeof path, "%s/metrics.msgpack", dir);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 8);
    str(&pk, "format"), str(&pk, "scaffold-result");
    str(&pk, "kind"), str(&pk, "student");
    str(&pk, "task"), str(&pk, task);
    str(&pk, "explainer"), str(&pk, expl);
    str(&pk, "learn_explainer"), learn ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
    str(&pk, "n"), msgpack_pack_int64(&pk, n);
    str(&pk, "seed"), msgpack_pack_int64(&pk, seed);
    str(&pk, "test");
    msgpack_pack_map(&pk, 1);
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

static void test_table(void **state) {
    (void)state;
    make_root("table");
    int a[10], b[10];
    char d[512];
    // none: seeds at 0.5 and 0.7 -> 0.6; smat (learned attention): 0.9 and 0.9 -> 0.9.
    for (int i = 0; i < 10; i++) a[i] = i < 5, b[i] = i < 7;
    snprintf(d, sizeof d, "%s/none/s1", root), write_student(d, "t", "none", 0, 500, 1, a, 10);
    snprintf(d, sizeof d, "%s/none/s2", root), write_student(d, "t", "none", 0, 500, 2, b, 10);
    for (int i = 0; i < 10; i++) a[i] = i < 9;
    snprintf(d, sizeof d, "%s/smat/s1", root), write_student(d, "t", "attention", 1, 500, 1, a, 10);
    snprintf(d, sizeof d, "%s/smat/s2", root), write_student(d, "t", "attention", 1, 500, 2, a, 10);
    snprintf(d, sizeof d, "%s/static/s1", root), write_student(d, "t", "attention", 0, 500, 1, a, 10);

    sc_cmp c;
    sc_cmp_init(&c);
    sc_err err;
    assert_int_equal(sc_cmp_add_dir(&c, root, &err), 0);
    assert_int_equal(c.n_files, 5);
    sc_boot_cfg cfg = sc_boot_default();
    assert_int_equal(sc_cmp_compute(&c, &cfg, &err), 0);
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

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_table), cmocka_unit_test(test_errors)};
    return cmocka_run_group_tests_name("compare", tests, NULL, sc_test_teardown);
}
