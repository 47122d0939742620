// scaffold run (exp/manifest.c, exp/runner.c): a tiny manifest on synth-text
// runs for real (a teacher, then students in a pool of 2 processes of the
// scaffold binary), writes its summary table, is skipped entirely by --resume,
// refuses to overwrite without --resume, and refuses a run whose configuration
// changed. Manifest errors name the file, line and field.
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exp/manifest.h"
#include "exp/runner.h"

static char dir[256], exe[512];

static int find_scaffold(void) {
    const char *env = getenv("SCAFFOLD_BIN");
    snprintf(exe, sizeof exe, "%s", env ? env : "zig-out/bin/scaffold");
    return access(exe, X_OK) == 0;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *manifest_text(int epochs) {
    static char buf[1024];
    snprintf(buf, sizeof buf,
             "name: tiny\n"
             "tasks: [synth-text]\n"
             "teacher: {seed: 1, set: {max_steps: 40, epochs: 1}}\n"
             "explainers: [none, {name: attention-uniform, label: attn}]\n"
             "n: [40]\n"
             "seeds: [1, 2]\n"
             "student:\n  set: {epochs: %d, eval_batch: 300}\n",
             epochs);
    return buf;
}

static void test_run_resume(void **state) {
    (void)state;
    if (!find_scaffold()) skip();  // the binary is built next to the tests by scripts/test.sh
    snprintf(dir, sizeof dir, "/tmp/sc_test_run_%d", (int)getpid());
    char cmd[600], path[600], out[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/m.yaml", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    write_file(path, manifest_text(1));

    sc_manifest m;
    sc_err err;
    assert_int_equal(sc_manifest_load(&m, path, out, &err), 0);
    assert_int_equal(m.n_runs, 5);  // 1 teacher + 2 explainers x 2 seeds
    assert_true(m.runs[0].is_teacher && m.runs[1].teacher == 0);
    FILE *log = tmpfile();
    sc_exp_opts o = {.jobs = 2, .exe = exe, .log = log};
    int failed = -1;
    assert_int_equal(sc_exp_execute(&m, &o, &failed, &err), 0);
    assert_int_equal(failed, 0);
    snprintf(cmd, sizeof cmd, "%s/summary.md", out);
    size_t md_len;
    char *md = sc_test_slurp(cmd, &md_len);
    assert_non_null(md);
    assert_non_null(strstr(md, "| none |"));
    assert_non_null(strstr(md, "| attn |"));
    assert_non_null(strstr(md, "(2 seeds)"));
    free(md);
    snprintf(cmd, sizeof cmd, "%s/report.html", out);
    if (system("command -v gnuplot > /dev/null 2>&1") == 0) assert_int_equal(access(cmd, R_OK), 0);

    // Again without --resume: refused; with it: nothing runs.
    assert_int_equal(sc_exp_execute(&m, &o, &failed, &err), -1);
    assert_non_null(strstr(err.msg, "--resume"));
    o.resume = 1;
    rewind(log);
    assert_int_equal(sc_exp_execute(&m, &o, &failed, &err), 0);
    sc_manifest_free(&m);

    // The student settings change: the finished runs no longer match.
    write_file(path, manifest_text(2));
    assert_int_equal(sc_manifest_load(&m, path, out, &err), 0);
    assert_int_equal(sc_exp_execute(&m, &o, &failed, &err), -1);
    assert_non_null(strstr(err.msg, "another configuration"));
    sc_manifest_free(&m);
    fclose(log);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void expect_error(const char *text, const char *want) {
    char path[300];
    snprintf(path, sizeof path, "/tmp/sc_test_run_bad_%d.yaml", (int)getpid());
    write_file(path, text);
    sc_manifest m;
    sc_err err;
    assert_int_equal(sc_manifest_load(&m, path, NULL, &err), -1);
    if (!strstr(err.msg, want)) fail_msg("expected '%s' in: %s", want, err.msg);
    assert_non_null(strstr(err.msg, path));
    unlink(path);
}

static void test_manifest_errors(void **state) {
    (void)state;
    expect_error("tasks: [a]\nexplainers: [none]\nn: [1]\nseeds: [1]\n", "'name'");
    expect_error("name: x\ntasks: [a]\nexplainers: [none]\nn: [1]\nseeds: [1]\nbogus: 1\n", "line 6: unknown key 'bogus'");
    expect_error("name: x\ntasks: []\nexplainers: [none]\nn: [1]\nseeds: [1]\n", "line 2: field 'tasks' is an empty list");
    expect_error("name: x\ntasks: [a]\nexplainers: [none]\nn: [ten]\nseeds: [1]\n", "line 4: field 'n[0]'");
    expect_error("name: x\ntasks: [a]\nexplainers: [none, {name: none}]\nn: [1]\nseeds: [1]\n", "label 'none'");
    expect_error("name: x\ntasks: [a]\nexplainers: [{name: a, learn: maybe}]\nn: [1]\nseeds: [1]\n", "learn");
    expect_error("name: x\ntasks: [a]\nexplainers: [none]\nn: [1]\nseeds: [1]\nstudent: {set: {lr: [1]}}\n",
                 "student.set.lr");
}

// 64 entries in each list would expand into 16.8M runs (a 1 KB file asking for
// 34 GB of run records; found by the manifest fuzz target): refused up front.
static void test_manifest_run_bound(void **state) {
    (void)state;
    char text[4096] = "name: big\n";
    const char *const keys[] = {"tasks", "explainers", "n", "seeds"};
    for (int k = 0; k < 4; k++) {
        size_t o = strlen(text);
        o += (size_t)snprintf(text + o, sizeof text - o, "%s: [", keys[k]);
        for (int i = 0; i < 64; i++)
            o += (size_t)snprintf(text + o, sizeof text - o, "%s%s%d", i ? ", " : "", k < 2 ? "x" : "", i + 1);
        snprintf(text + o, sizeof text - o, "]\n");
    }
    expect_error(text, "expands into 16777280 runs");
    // Just under the bound is fine: 1 task x (1 + 3 explainers x 52 sizes x 64 seeds) = 9985 runs.
    sc_manifest m;
    sc_err err;
    snprintf(text, sizeof text, "name: ok\ntasks: [a]\nexplainers: [x1, x2, x3]\nn: [");
    for (int i = 1; i <= 52; i++) snprintf(text + strlen(text), sizeof text - strlen(text), "%s%d", i > 1 ? ", " : "", i);
    snprintf(text + strlen(text), sizeof text - strlen(text), "]\nseeds: [");
    for (int i = 1; i <= 64; i++) snprintf(text + strlen(text), sizeof text - strlen(text), "%s%d", i > 1 ? ", " : "", i);
    snprintf(text + strlen(text), sizeof text - strlen(text), "]\n");
    assert_int_equal(sc_manifest_parse(&m, "ok.yaml", text, strlen(text), "/tmp/sc_never", &err), 0);
    assert_int_equal(m.n_runs, 1 + 3 * 52 * 64);
    sc_manifest_free(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_manifest_errors), cmocka_unit_test(test_manifest_run_bound),
                                       cmocka_unit_test(test_run_resume)};
    return cmocka_run_group_tests_name("run", tests, NULL, sc_test_teardown);
}
