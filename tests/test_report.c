// scaffold report (report/report.c, report/plot.c): the page for the committed
// reference experiment has both tasks' tables, gnuplot SVG charts (bars, curves,
// meta loss) and the learned head coefficients; a directory without student
// results and a bad command line are clear errors; a crafted result file (n =
// 1e300, seed = -1, a NaN curve, a 300-entry curve, ...) is an error naming
// the file and the field, with no page (and no temporary file) left behind.
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "io/results.h"
#include "report/figures.h"
#include "report/report.h"
#include "results_util.h"

static int count(const char *s, const char *needle) {
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++) n++;
    return n;
}

static void test_reference_report(void **state) {
    (void)state;
    const char *dir = "results/reference/smat-table";
    if (access(dir, R_OK) || system("command -v gnuplot > /dev/null 2>&1")) skip();
    char out[256];
    snprintf(out, sizeof out, "/tmp/sc_test_report_%d.html", (int)getpid());
    sc_err err;
    if (sc_report_write(dir, out, NULL, &err)) fail_msg("%s", err.msg);
    char *html = sc_test_file_with(out, (const char *[]){"<h2>fashion-mnist</h2>", "<h2>movie-reviews</h2>",
                                                         "<td>integrated-gradients <i>(best static, chosen on validation)</i></td><td>500</td><td>3</td>", NULL});
    // Per task: the bar chart, the validation curves, the meta-loss curve.
    assert_int_equal(count(html, "<svg"), 6);
    assert_non_null(strstr(html, "Teacher explainer head coefficients of <b>smat</b>"));
    assert_non_null(strstr(html, "<td>seed 3</td>"));
    assert_non_null(strstr(html, "Teacher: vit"));
    free(html);
    unlink(out);
}

// A student result as train-student writes it: agreement on 200 test points
// that rises with N (so the chart's lines are known), best valid = rate.
static void write_student(const char *root, const char *label, long n, long seed, double rate) {
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "mkdir -p %s/%s/n%ld/seed%ld", root, label, n, seed);
    assert_int_equal(system(dir), 0);
    snprintf(path, sizeof path, "%s/%s/n%ld/seed%ld/metrics.msgpack", root, label, n, seed);
    static sc_train_result t;
    t.steps = 10, t.epochs_run = 3, t.best_epoch = 2, t.stopped_by = SC_STOP_PATIENCE, t.best_valid = rate;
    t.n_curve = 3, t.valid_curve[0] = t.valid_curve[1] = t.valid_curve[2] = rate;
    float agree[200], gold[200];
    for (int i = 0; i < 200; i++) agree[i] = (float)(i < (int)(rate * 200 + (double)seed)), gold[i] = 1;
    sc_result_student r = {.task = "synth-text", .arch = "bag", .teacher_arch = "mlp", .explainer = label,
                           .label = label, .n = n, .seed = (uint64_t)seed, .train = &t, .simulatability = rate,
                           .accuracy = rate, .chance = 0.5, .n_test = 200, .agree = agree, .gold_correct = gold};
    sc_err err;
    if (sc_result_write_student(path, &r, &err)) fail_msg("%s", err.msg);
}

// Several Ns: a chart of simulatability against N (lines with CIs, and the best
// static row chosen on validation at each N); one N: no such chart.
static void test_chart_vs_n(void **state) {
    (void)state;
    if (system("command -v gnuplot > /dev/null 2>&1")) skip();
    char root[256], out[300], cmd[400];
    snprintf(root, sizeof root, "/tmp/sc_test_report_n_%d", (int)getpid());
    snprintf(out, sizeof out, "%s.html", root);
    const long ns[] = {250, 500, 1000};
    for (int q = 0; q < 3; q++)
        for (long s = 1; s <= 3; s++) {
            write_student(root, "none", ns[q], s, 0.60 + 0.05 * q);
            write_student(root, "attention-uniform", ns[q], s, 0.70 + 0.05 * q);
        }
    // The teacher started from a backbone: the page names it (escaped: the file is untrusted).
    char tdir[400], tpath[500];
    snprintf(tdir, sizeof tdir, "mkdir -p %s/teacher", root);
    assert_int_equal(system(tdir), 0);
    snprintf(tpath, sizeof tpath, "%s/teacher/metrics.msgpack", root);
    static sc_train_result tt;
    sc_config empty;
    sc_config_init(&empty);
    sc_result_init init = {.path = "/b/<i>pretrained.ckpt", .sha256 = "0123456789abcdef", .objective = "masked-tokens",
                           .corpus = "english", .corpus_digest = "ff"};
    sc_result_run tr = {.kind = "teacher", .task = "synth-text", .arch = "transformer", .seed = 1, .cfg_model = &empty,
                        .cfg_trainer = &empty, .train = &tt, .metric_name = "test_accuracy", .metric = 0.9,
                        .rmse = -1, .init = &init};
    sc_err err;
    if (sc_result_write(tpath, &tr, &err)) fail_msg("%s", err.msg);
    if (sc_report_write(root, out, NULL, &err)) fail_msg("%s", err.msg);
    char *html = sc_test_file_with(out, (const char *[]){"N (student training examples)", "best static (validation)",
                                                         "started from the backbone /b/&lt;i&gt;pretrained.ckpt "
                                                         "(sha256 0123456789ab…)", NULL});
    assert_int_equal(count(html, "<svg"), 3);  // bars, validation curves, simulatability vs N
    free(html);
    snprintf(cmd, sizeof cmd, "rm -rf %s/*/n500 %s/*/n1000", root, root);
    assert_int_equal(system(cmd), 0);
    if (sc_report_write(root, out, NULL, &err)) fail_msg("%s", err.msg);
    html = sc_test_file_with(out, (const char *[]){"<h2>synth-text</h2>", NULL});
    assert_null(strstr(html, "N (student training examples)"));
    assert_int_equal(count(html, "<svg"), 2);
    free(html);
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", root, out);
    assert_int_equal(system(cmd), 0);
}

static void test_errors(void **state) {
    (void)state;
    char dir[256], out[4096], errb[4096];
    snprintf(dir, sizeof dir, "/tmp/sc_test_report_empty_%d", (int)getpid());
    char cmd[300];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    assert_int_equal(system(cmd), 0);
    char *argv[] = {"report", dir, NULL};
    assert_int_equal(sc_test_capture(sc_cmd_report, 2, argv, out, sizeof out, errb, sizeof errb), 1);
    assert_non_null(strstr(errb, "no student results"));
    char *two[] = {"report", dir, dir, NULL};
    assert_int_equal(sc_test_capture(sc_cmd_report, 3, two, out, sizeof out, errb, sizeof errb), 2);
    char *none[] = {"report", NULL};
    assert_int_equal(sc_test_capture(sc_cmd_report, 1, none, out, sizeof out, errb, sizeof errb), 2);
    rmdir(dir);
}

// Every crafted case, as a tree with one good student beside the bad file.
static void test_hostile_numbers(void **state) {
    (void)state;
    char r[256];
    snprintf(r, sizeof r, "/tmp/sc_test_report_hostile_%d", (int)getpid());
    for (int k = 0; k < RU_N_CASES; k++) ru_expect_refused(sc_cmd_report, "report", "--out", "report.html", r, &ru_cases[k]);
}

// The committed regression inputs: report reads every value they hold, so
// each one is an error naming it.
static void test_regress_files(void **state) {
    (void)state;
    const char *dir = "tests/fuzz/regress/results";
    if (access(dir, R_OK)) skip();
    char root[256], cmd[1200], page[512];
    snprintf(root, sizeof root, "/tmp/sc_test_report_regress_%d", (int)getpid());
    snprintf(page, sizeof page, "%s/report.html", root);
    for (int k = 0; k < RU_N_CASES; k++) {
        snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/x && cp %s/%s.msgpack %s/x/metrics.msgpack", root, root,
                 dir, ru_cases[k].name, root);
        assert_int_equal(system(cmd), 0);
        sc_err err;
        int rc = sc_report_write(root, page, NULL, &err);
        if (rc != -1 || !strstr(err.msg, "x/metrics.msgpack") || !strstr(err.msg, ru_cases[k].field))
            fail_msg("%s: expected an error naming the file and %s, got rc %d: %s", ru_cases[k].name,
                     ru_cases[k].field, rc, rc ? err.msg : "");
        assert_int_not_equal(access(page, F_OK), 0);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

// Figure files: names from result files are made safe (nothing outside the
// folder, no hidden file; byte by byte, so "é" is two), repeats numbered;
// without figs nothing is written.
static void test_figure_names(void **state) {
    (void)state;
    char dir[128], p[256];
    snprintf(dir, sizeof dir, "/tmp/sc_test_figs_%d/a/b", (int)getpid());
    sc_html h;
    sc_html_init(&h);
    sc_err err;
    assert_int_equal(sc_fig_save(&h, "x", "svg", "abc", 3, &err), 0);  // off: a no-op
    sc_figs f;
    assert_int_equal(sc_figs_init(&f, dir, &err), 0);
    h.figs = &f;
    assert_int_equal(sc_fig_save(&h, "../up/é x", "svg", "abc", 3, &err), 0);
    assert_int_equal(sc_fig_save(&h, "../up/é x", "svg", "def", 3, &err), 0);
    assert_int_equal(sc_fig_save(&h, "", "png", "g", 1, &err), 0);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.names[0], "_._up____x.svg");
    assert_string_equal(f.names[1], "_._up____x-2.svg");
    assert_string_equal(f.names[2], "figure.png");
    snprintf(p, sizeof p, "%s/_._up____x-2.svg", dir);
    free(sc_test_file_with(p, (const char *[]){"def", NULL}));
    snprintf(p, sizeof p, "%s/../up", dir);
    assert_int_not_equal(access(p, F_OK), 0);
    sc_figs_free(&f);
    sc_figs_free(&f);  // twice: a no-op
    sc_html_free(&h);
    snprintf(p, sizeof p, "rm -rf /tmp/sc_test_figs_%d", (int)getpid());
    assert_int_equal(system(p), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_reference_report), cmocka_unit_test(test_errors),
                                       cmocka_unit_test(test_hostile_numbers), cmocka_unit_test(test_regress_files),
                                       cmocka_unit_test(test_chart_vs_n), cmocka_unit_test(test_figure_names)};
    return cmocka_run_group_tests_name("report", tests, NULL, sc_test_teardown);
}
