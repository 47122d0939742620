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

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_manifest_errors), cmocka_unit_test(test_run_resume)};
    return cmocka_run_group_tests_name("run", tests, NULL, sc_test_teardown);
}
