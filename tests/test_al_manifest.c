// Manifests of `kind: active-learning` (exp/manifest_al.c) and the
// active-learning tables and page (report/compare_al.c, report/report_al.c):
// - every problem of a bad manifest is listed with its file, line and field;
// - expansion: folders, command lines, keys (a changed `set` changes them);
// - compare of fabricated result files (the schema of active/al_run.h, packed
//   here as al_files.c packs it) against hand-computed AULC means and SDs,
//   labels to the target (the 95%-of-best rule and --target) and the paired
//   difference against random; "no random row"; simulatability tables; CSV;
// - the same for regression runs (test Pearson r): r-formatted tables, the
//   test_pearson CSV, no target when the best final is not positive, --target,
//   the chart's axis; a row or a task mixing accuracy and r refused;
// - a real `scaffold run` (2 jobs) of 2 strategies x 2 seeds on breast-cancer,
//   summary.md and report.html, then --resume skipping every run;
// - --backend slurm with stand-in tools: one array per task, kind "active".
#include "sc_test.h"

#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "active/al_run.h"
#include "cli/cli.h"
#include "core/fs.h"
#include "exp/manifest.h"
#include "exp/runner.h"
#include "exp/slurm.h"
#include "io/results.h"
#include "report/compare_al.h"

static char root[256];

static void sh(const char *fmt, const char *arg) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, fmt, arg, arg);
    assert_int_equal(system(cmd), 0);
}

static int setup(void **state) {
    (void)state;
    snprintf(root, sizeof root, "/tmp/sc_test_al_manifest_%d", (int)getpid());
    sh("rm -rf %s && mkdir -p %s", root);
    return 0;
}

static int teardown(void **state) {
    sh("rm -rf %s%.0s", root);
    return sc_test_teardown(state);
}

static void expect(const char *list, const char *path, const char *want) {
    char w[700];
    snprintf(w, sizeof w, "%s %s", path, want);
    if (!strstr(list, w)) fail_msg("expected '%s' among the problems:\n%s", w, list);
}

static void test_validation(void **state) {
    (void)state;
    char path[400];
    snprintf(path, sizeof path, "%s/bad.yaml", root);
    sc_err err;
    char *list = sc_test_manifest_problems(path,
                             "name: bad\n"
                             "kind: active-learning\n"
                             "tasks: [breast-cancer, no-such-task]\n"
                             "model: {other: mlp}\n"
                             "n: [40]\n"
                             "methods: [rrr]\n"
                             "bogus: 1\n"
                             "strategies:\n"
                             "  - random\n"
                             "  - entropyy\n"
                             "  - {name: margin, label: random}\n"
                             "  - {name: hybrid, label: hy, set: {hybrid_pool: 0}}\n"
                             "seeds: [1]\n"
                             "set: {init: 0, retrain: hot, epochz: 3}\n"
                             "teacher: {breast-cancer: /nonexistent/teacher}\n"
                             "task_set: {breast-cancer: {query: -1}, other: {lr: 1}, no-such-task: 3}\n",
                             &err);
    const char *const want[] = {
        "line 5: field 'n': not part of a `kind: active-learning` manifest (it belongs to the student kind",
        "line 6: field 'methods': not part of a `kind: active-learning` manifest (it belongs to the xbl kind",
        "line 7: unknown key 'bogus'",
        "line 10: field 'strategies[1].name': unknown strategy 'entropyy' (active-learn knows: random, entropy",
        "line 11: field 'strategies[2]': the label 'random' is taken by strategies[0]",
        "line 12: field 'strategies[3].set' (task 'breast-cancer'): --set: key 'hybrid_pool'",
        "line 14: field 'set' (task 'breast-cancer'): --set: key 'init': 0 is outside [1, 100000000]",
        "line 14: field 'set' (task 'breast-cancer'): --set: key 'retrain': expected one of scratch | warm, got 'hot'",
        "line 4: field 'model.other': no such task in 'tasks'",
        "line 3: field 'tasks[1]': unknown task 'no-such-task'",
        "line 15: field 'teacher.breast-cancer': '/nonexistent/teacher' does not exist",
        // Per-task settings: each key a task of the manifest, each value a map, each value checked.
        "line 16: field 'task_set.breast-cancer' (task 'breast-cancer'): --set: key 'query'",
        "line 16: field 'task_set.other': no such task in 'tasks'",
        "line 16: field 'task_set.no-such-task': expected a map of active-learn --set keys",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) expect(list, path, want[i]);
    if (!strstr(list, "epochz")) fail_msg("the unknown set key 'epochz' is not named:\n%s", list);
    free(list);
    // A syntax error stops at once, with its line.
    list = sc_test_manifest_problems(path, "name: bad\nkind: active-learning\ntasks: [breast-cancer]\nstrategies: {a: 1}\nseeds: [1]\n",
                       &err);
    free(list);
    if (!strstr(err.msg, "line 4") || !strstr(err.msg, "strategies")) fail_msg("%s", err.msg);
    // A regression task: the strategies that rank by class probabilities are
    // named, those that need none pass.
    sc_test_need_task("diabetes");
    list = sc_test_manifest_problems(path,
                                     "name: reg\nkind: active-learning\ntasks: [diabetes]\n"
                                     "strategies: [random, entropy, core-set, dami, explanation, hybrid]\nseeds: [1]\n"
                                     "set: {init: 10, query: 10, rounds: 2}\n",
                                     &err);
    expect(list, path, "line 3: field 'tasks[0]': strategy entropy ranks by class probabilities, and 'diabetes' is a "
                       "regression task (strategies for regression: random, core-set, dami, explanation; name those "
                       "that run on it in `task_strategies`)");
    expect(list, path, "line 3: field 'tasks[0]': strategy hybrid ranks by class probabilities");
    if (!strstr(err.msg, "2 problems (nothing was run)")) fail_msg("%s\n%s", err.msg, list);
    free(list);
    // task_strategies: keys are tasks, values lists of labels of `strategies`.
    list = sc_test_manifest_problems(path,
                                     "name: reg\nkind: active-learning\ntasks: [breast-cancer, diabetes]\n"
                                     "strategies: [random, entropy, {name: dami, label: d}]\nseeds: [1]\n"
                                     "task_strategies: {diabetes: [random, dami], other: [random], breast-cancer: d}\n",
                                     &err);
    expect(list, path, "line 6: field 'task_strategies.diabetes[1]': 'dami' is not a label of `strategies`");
    expect(list, path, "line 6: field 'task_strategies.other': no such task in 'tasks'");
    expect(list, path, "line 6: field 'task_strategies.breast-cancer': expected a list of labels of `strategies`");
    if (!strstr(err.msg, "3 problems (nothing was run)")) fail_msg("%s\n%s", err.msg, list);
    free(list);
}

// task_strategies limits a task's runs to the labels it names; the others run every strategy.
static void test_task_strategies(void **state) {
    (void)state;
    sc_test_need_task("breast-cancer");
    sc_test_need_task("diabetes");
    char path[400];
    snprintf(path, sizeof path, "%s/ts.yaml", root);
    sc_test_write_file(path, "name: ts\nkind: active-learning\ntasks: [breast-cancer, diabetes]\n"
                             "strategies: [random, entropy, {name: dami, label: d}]\nseeds: [1, 2]\n"
                             "task_strategies: {diabetes: [random, d]}\n");
    sc_manifest m;
    sc_err err;
    if (sc_manifest_load(&m, path, NULL, &err)) fail_msg("%s", err.msg);
    assert_int_equal(m.n_runs, (3 + 2) * 2);
    int diabetes = 0;
    for (int i = 0; i < m.n_runs; i++)
        if (!strcmp(m.runs[i].task, "diabetes")) {
            diabetes++;
            if (!strcmp(m.runs[i].label, "entropy")) fail_msg("entropy planned on diabetes");
        }
    assert_int_equal(diabetes, 4);
    sc_manifest_free(&m);
}

static const char *const good = "name: al\n"
                                "kind: active-learning\n"
                                "tasks: [breast-cancer]\n"
                                "strategies: [random, {name: hybrid, label: hybrid-05, set: {hybrid_pool: 5}}]\n"
                                "seeds: [1, 2]\n"
                                "set: {init: 10, query: 10, rounds: 2}\n";

static void test_expansion(void **state) {
    (void)state;
    char path[400], out[400], want[800];
    snprintf(path, sizeof path, "%s/good.yaml", root);
    snprintf(out, sizeof out, "%s/exp-out", root);
    sc_test_write_file(path, good);
    sc_manifest m, m2;
    sc_err err;
    if (sc_manifest_load(&m, path, out, &err)) fail_msg("%s", err.msg);
    assert_int_equal(m.kind, SC_EXP_AL);
    assert_int_equal(m.n_runs, 4);
    snprintf(want, sizeof want, "%s/runs/breast-cancer/hybrid-05/seed2", out);
    assert_string_equal(m.runs[3].dir, want);
    assert_string_equal(m.runs[3].argv[0], "active-learn");
    assert_string_equal(m.runs[3].al_cfg.strategy, "hybrid");
    assert_string_equal(m.runs[3].al_cfg.task, "breast-cancer");
    assert_int_equal(m.runs[3].al_cfg.seed, 2);
    assert_int_equal(m.runs[3].al_cfg.n_sets, 4);
    assert_string_equal(m.runs[3].al_cfg.sets[3], "hybrid_pool=5");
    assert_string_equal(m.runs[3].al_cfg.out, want);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < i; j++) assert_string_not_equal(m.runs[i].key, m.runs[j].key);
    // Keys do not depend on --out; a changed `set` changes every key.
    if (sc_manifest_load(&m2, path, NULL, &err)) fail_msg("%s", err.msg);
    assert_string_equal(m.runs[0].key, m2.runs[0].key);
    sc_manifest_free(&m2);
    char *changed = strdup(good);
    changed[strlen(changed) - 3] = '3';  // rounds: 3
    sc_test_write_file(path, changed);
    free(changed);
    if (sc_manifest_load(&m2, path, out, &err)) fail_msg("%s", err.msg);
    for (int i = 0; i < 4; i++) assert_string_not_equal(m.runs[i].key, m2.runs[i].key);
    sc_manifest_free(&m2);
    // task_set: after `set`, before the strategy's own (so the strategy's wins, then the task's).
    char text[1024];
    snprintf(text, sizeof text, "%stask_set: {breast-cancer: {optimizer: adamw, lr: 1e-2, rounds: 4}}\n", good);
    sc_test_write_file(path, text);
    if (sc_manifest_load(&m2, path, out, &err)) fail_msg("%s", err.msg);
    assert_int_equal(m2.runs[3].al_cfg.n_sets, 7);
    const char *const order[7] = {"init=10", "query=10", "rounds=2", "optimizer=adamw", "lr=1e-2", "rounds=4",
                                  "hybrid_pool=5"};
    for (int i = 0; i < 7; i++) assert_string_equal(m2.runs[3].al_cfg.sets[i], order[i]);
    for (int i = 0; i < 4; i++) assert_string_not_equal(m.runs[i].key, m2.runs[i].key);
    sc_manifest_free(&m2);
    sc_manifest_free(&m);
}

// ---- fabricated results -----------------------------------------------------------------

static void str(msgpack_packer *pk, const char *s) { msgpack_pack_str_with_body(pk, s, strlen(s)); }

// A result file of active-learn (al_run.h's schema; the keys compare reads, packed as al_files.c packs them):
// n rounds at labelled 10, 20, ...; sim NULL: no teacher. pearson: a regression run, acc holding test Pearson r
// (test_pearson, test_rmse and valid_pearson in each round, aulc.test_pearson, simulatability nil).
static void fake_file(const char *dir, const char *task, const char *label, const char *strategy, uint64_t seed,
                      const double *acc, const double *sim, int n, int pearson) {
    const char *score = pearson ? "test_pearson" : "test_accuracy";
    char d[600], p[700];
    snprintf(d, sizeof d, "%s/runs/%s/%s/seed%llu", dir, task, label, (unsigned long long)seed);
    sc_err err;
    if (sc_mkdirs(d, &err)) fail_msg("%s", err.msg);
    snprintf(p, sizeof p, "%s/metrics.msgpack", d);
    size_t lab[16];
    for (int i = 0; i < n; i++) lab[i] = (size_t)(10 * (i + 1));
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 9);
    str(&pk, "format"), str(&pk, "scaffold-result");
    str(&pk, "version"), msgpack_pack_int(&pk, 1);
    str(&pk, "kind"), str(&pk, "active-learning");
    str(&pk, "task"), str(&pk, task);
    str(&pk, "strategy"), str(&pk, strategy);
    str(&pk, "oracle"), str(&pk, sim ? "teacher" : "gold");
    str(&pk, "seed"), msgpack_pack_uint64(&pk, seed);
    str(&pk, "aulc"), msgpack_pack_map(&pk, 2);
    str(&pk, score), msgpack_pack_double(&pk, sc_al_aulc(lab, acc, n));
    str(&pk, "test_simulatability");
    if (sim) msgpack_pack_double(&pk, sc_al_aulc(lab, sim, n));
    else msgpack_pack_nil(&pk);
    str(&pk, "rounds"), msgpack_pack_array(&pk, (size_t)n);
    for (int i = 0; i < n; i++) {
        msgpack_pack_map(&pk, pearson ? 7 : 5);
        str(&pk, "round"), msgpack_pack_int64(&pk, i);
        str(&pk, "labelled"), msgpack_pack_uint64(&pk, lab[i]);
        str(&pk, score), msgpack_pack_double(&pk, acc[i]);
        if (pearson) {
            str(&pk, "test_rmse"), msgpack_pack_double(&pk, 60.0 - i);
            str(&pk, "valid_pearson"), msgpack_pack_double(&pk, acc[i] / 2);
        }
        str(&pk, "test_simulatability");
        if (sim) msgpack_pack_double(&pk, sim[i]);
        else msgpack_pack_nil(&pk);
        str(&pk, "queried"), msgpack_pack_array(&pk, 0);
    }
    if (sc_atomic_write(p, sb.data, sb.size, &err)) fail_msg("%s", err.msg);
    msgpack_sbuffer_destroy(&sb);
}

static void fake(const char *dir, const char *task, const char *label, const char *strategy, uint64_t seed,
                 const double *acc, const double *sim, int n) {
    fake_file(dir, task, label, strategy, seed, acc, sim, n, 0);
}

static void fake_reg(const char *dir, const char *task, const char *label, uint64_t seed, const double *r, int n) {
    fake_file(dir, task, label, label, seed, r, NULL, n, 1);
}

static void fabricate(const char *dir) {
    // random: AULCs 0.6, 0.5, 0.7 (mean 0.6, SD 0.1), finals 0.7, 0.6, 0.8.
    fake(dir, "fab", "random", "random", 1, (double[]){0.5, 0.6, 0.7}, NULL, 3);
    fake(dir, "fab", "random", "random", 2, (double[]){0.4, 0.5, 0.6}, NULL, 3);
    fake(dir, "fab", "random", "random", 3, (double[]){0.6, 0.7, 0.8}, NULL, 3);
    // entropy: AULCs 0.75, 0.675, 0.825 (mean 0.75, SD 0.075); finals 0.9, 0.8, 0.9 (mean 0.8667).
    fake(dir, "fab", "entropy", "entropy", 1, (double[]){0.5, 0.8, 0.9}, NULL, 3);
    fake(dir, "fab", "entropy", "entropy", 2, (double[]){0.5, 0.7, 0.8}, NULL, 3);
    fake(dir, "fab", "entropy", "entropy", 3, (double[]){0.6, 0.9, 0.9}, NULL, 3);
    // A task with a teacher and no random row.
    fake(dir, "sim", "margin", "margin", 1, (double[]){0.5, 0.7}, (double[]){0.6, 0.8}, 2);
    fake(dir, "sim", "margin", "margin", 2, (double[]){0.5, 0.9}, (double[]){0.6, 1.0}, 2);
}

static sc_cmp *computed(const char *dir, double target) {
    static sc_cmp c;
    sc_cmp_init(&c);
    sc_err err;
    sc_boot_cfg cfg = sc_boot_default();
    if (sc_cmp_add_dir(&c, dir, &err) || (target > 0 && sc_cmp_al_set_target(&c, target, &err)) ||
        sc_cmp_compute(&c, &cfg, &err))
        fail_msg("%s", err.msg);
    return &c;
}

static void in_ci(const sc_boot_ci *ci, double mean, double sd, double lo, double hi) {
    assert_true(fabs(ci->mean - mean) < 1e-9);
    assert_true(fabs(ci->seed_sd - sd) < 1e-9);
    // Resampling seeds: the interval lies within the seeds' values and holds the mean.
    assert_true(ci->lo >= lo - 1e-6 && ci->hi <= hi + 1e-6 && ci->lo <= mean + 1e-6 && ci->hi >= mean - 1e-6);
}

static void test_compare_fabricated(void **state) {
    (void)state;
    char dir[400];
    snprintf(dir, sizeof dir, "%s/fab", root);
    fabricate(dir);
    sc_cmp *c = computed(dir, 0);
    const sc_cmpa *x = sc_cmp_al(c);
    assert_int_equal(sc_cmp_al_files(c), 8);
    const sc_cmpa_row *r = sc_cmpa_find(x, "fab", "random"), *e = sc_cmpa_find(x, "fab", "entropy");
    assert_non_null(r);
    assert_non_null(e);
    assert_ptr_equal(r, &x->rows[0]);  // random first
    in_ci(&r->aulc[SC_CMPA_ACC], 0.6, 0.1, 0.5, 0.7);
    in_ci(&e->aulc[SC_CMPA_ACC], 0.75, 0.075, 0.675, 0.825);
    in_ci(&e->final[SC_CMPA_ACC], 2.6 / 3, sqrt(((0.9 - 2.6 / 3) * (0.9 - 2.6 / 3) * 2 + (0.8 - 2.6 / 3) * (0.8 - 2.6 / 3)) / 2),
          0.8, 0.9);
    // Target: 95% of entropy's mean final 0.8667 = 0.8233. random never reaches it;
    // entropy's seed 1 at 30 labels, seed 3 at 20, seed 2 not: 25 (2/3).
    assert_true(fabs(e->target[SC_CMPA_ACC] - 0.95 * 2.6 / 3) < 1e-9);
    assert_int_equal(r->reached[SC_CMPA_ACC], 0);
    assert_true(isnan(r->labels_mean[SC_CMPA_ACC]));
    assert_int_equal(e->reached[SC_CMPA_ACC], 2);
    assert_true(fabs(e->labels_mean[SC_CMPA_ACC] - 25) < 1e-9);
    // Paired on seeds: 0.15, 0.175, 0.125 -> mean 0.15, SD 0.025.
    assert_int_equal(e->n_paired[SC_CMPA_ACC], 3);
    in_ci(&e->diff[SC_CMPA_ACC], 0.15, 0.025, 0.125, 0.175);
    assert_int_equal(r->n_paired[SC_CMPA_ACC], 0);
    // The teacher's task: simulatability measured, no random row.
    const sc_cmpa_row *s = sc_cmpa_find(x, "sim", "margin");
    assert_true(s->has[SC_CMPA_SIM] && !r->has[SC_CMPA_SIM]);
    // Simulatability AULCs (0.6+0.8)/2 = 0.7 and (0.6+1.0)/2 = 0.8: mean 0.75, SD sqrt(0.005).
    in_ci(&s->aulc[SC_CMPA_SIM], 0.75, sqrt(0.005), 0.7, 0.8);
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    sc_cmp_print_markdown(c, f);
    fclose(f);
    const char *const want[] = {"### fab — active learning, test accuracy", "labels to reach 82.3%",
                                "| random | 3 | 60.0 [", "not reached (0/3)", "| entropy | 3 | 75.0 [",
                                "25.0 (2/3 reached)", "+15.0 [", "(3 seeds)",
                                "95% of the best mean final value among this task's strategies",
                                "### sim — active learning, test simulatability", "no random row", NULL};
    for (int i = 0; want[i]; i++)
        if (!strstr(md, want[i])) fail_msg("expected '%s' in:\n%s", want[i], md);
    free(md);
    sc_cmp_free(c);
    // A given target: 0.7. random seed 1 at 30, seed 3 at 20: 25 (2/3).
    c = computed(dir, 0.7);
    r = sc_cmpa_find(sc_cmp_al(c), "fab", "random");
    assert_int_equal(r->reached[SC_CMPA_ACC], 2);
    assert_true(fabs(r->labels_mean[SC_CMPA_ACC] - 25) < 1e-9);
    sc_cmp_free(c);
}

static char out_buf[1 << 16], err_buf[1 << 14];

static int cli(char **argv) {
    int argc = 0;
    while (argv[argc]) argc++;
    return sc_test_capture(sc_cli_main, argc, argv, out_buf, sizeof out_buf, err_buf, sizeof err_buf);
}

// scaffold compare --csv / --target on the fabricated folder, and the report page.
// A folder of active-learning and xbl results (no student results): one page
// with both sections; --figures saves the charts as files, the page's own SVG;
// a --figures path that cannot be a folder fails before any page is written.
static void both_kinds_page(void) {
    char dir[500], d[600], p[700], html[600], figs[600];
    snprintf(dir, sizeof dir, "%s/two-kinds", root);
    fabricate(dir);
    snprintf(d, sizeof d, "%s/runs/decoy-fashion-mnist/none/seed1", dir);
    sc_err err;
    if (sc_mkdirs(d, &err)) fail_msg("%s", err.msg);
    sc_train_result tr;
    memset(&tr, 0, sizeof tr);
    sc_result_xbl x = {.task = "decoy-fashion-mnist", .arch = "vit", .method = "none", .seed = 1, .train = &tr,
                       .test_accuracy = 0.5, .clean_accuracy = 0.4, .decoy_reliance = 0.3, .distance_score = 0.1,
                       .decoyed_accuracy = 0.99, .valid_clean_accuracy = 0.45, .swap_accuracy = 0.2, .n_test = 100,
                       .n_valid = 50};
    snprintf(p, sizeof p, "%s/metrics.msgpack", d);
    if (sc_result_write_xbl(p, &x, &err)) fail_msg("%s", err.msg);
    snprintf(html, sizeof html, "%s/two.html", root);
    snprintf(figs, sizeof figs, "%s/figs/a", root);
    if (cli((char *[]){"scaffold", "report", dir, "--out", html, "--figures", figs, NULL})) fail_msg("%s", err_buf);
    free(sc_test_file_with(html, (const char *[]){"1 explanation-based learning runs", "active-learning runs",
                                                  "decoy-fashion-mnist: explanation-guided learning", "Active learning",
                                                  "fab: learning curves", NULL}));
    snprintf(p, sizeof p, "%s/fab-learning-curves-accuracy.svg", figs);
    free(sc_test_file_with(p, (const char *[]){"<svg", "xmlns=\"http://www.w3.org/2000/svg\"", "</svg>", NULL}));
    snprintf(p, sizeof p, "%s/decoy-fashion-mnist-clean-accuracy-and-reliance.svg", figs);
    free(sc_test_file_with(p, (const char *[]){"<svg", "</svg>", NULL}));
    // --figures where a file stands: an error naming it, no page.
    snprintf(html, sizeof html, "%s/three.html", root);
    snprintf(figs, sizeof figs, "%s/fab.csv/figs", root);
    assert_int_not_equal(cli((char *[]){"scaffold", "report", dir, "--out", html, "--figures", figs, NULL}), 0);
    if (!strstr(err_buf, "--figures") || !strstr(err_buf, "fab.csv")) fail_msg("%s", err_buf);
    assert_int_not_equal(access(html, F_OK), 0);
    assert_int_not_equal(cli((char *[]){"scaffold", "report", dir, "--figures", NULL}), 0);
    if (!strstr(err_buf, "--figures needs a value")) fail_msg("%s", err_buf);
}

static void test_fabricated_cli(void **state) {
    (void)state;
    char dir[400], csv[500], html[500];
    snprintf(dir, sizeof dir, "%s/fab", root);
    snprintf(csv, sizeof csv, "%s/fab.csv", root);
    snprintf(html, sizeof html, "%s/fab.html", root);
    if (access(dir, F_OK)) fabricate(dir);
    if (cli((char *[]){"scaffold", "compare", dir, "--csv", csv, "--target", "0.7", NULL}))
        fail_msg("compare: %s", err_buf);
    if (!strstr(out_buf, "labels to reach 70.0%") || !strstr(out_buf, "given (--target)")) fail_msg("%s", out_buf);
    free(sc_test_file_with(csv, (const char *[]){"task,label,strategy,seeds,failed,measure,mean,ci_lo,ci_hi",
                                                 "fab,entropy,entropy,3,0,aulc_test_accuracy,0.750000,",
                                                 "fab,random,random,3,0,labels_to_target_test_accuracy,25.000000,,,,2,",
                                                 "fab,entropy,entropy,3,0,aulc_minus_random_test_accuracy,0.150000,",
                                                 "sim,margin,margin,2,0,aulc_test_simulatability,0.750000,", NULL}));
    assert_int_not_equal(cli((char *[]){"scaffold", "compare", dir, "--target", "1.5", NULL}), 0);
    // A folder of several kinds: the Markdown holds both tables, one CSV cannot.
    char mixed[500], p[600];
    snprintf(mixed, sizeof mixed, "%s/mixed", root);
    fabricate(mixed);
    snprintf(p, sizeof p, "%s/student/n10/seed1", mixed);
    sc_err err;
    if (sc_mkdirs(p, &err)) fail_msg("%s", err.msg);
    sc_train_result tr;
    memset(&tr, 0, sizeof tr);
    float agree[4] = {1, 0, 1, 1};
    sc_result_student st = {.task = "synth-text", .arch = "transformer", .teacher_arch = "transformer",
                            .explainer = "none", .student_explainer = "none", .n = 10, .seed = 1, .train = &tr,
                            .n_test = 4, .agree = agree, .gold_correct = agree};
    snprintf(p, sizeof p, "%s/student/n10/seed1/metrics.msgpack", mixed);
    if (sc_result_write_student(p, &st, &err)) fail_msg("%s", err.msg);
    assert_int_not_equal(cli((char *[]){"scaffold", "compare", mixed, "--csv", csv, NULL}), 0);
    if (!strstr(err_buf, "active-learning 8")) fail_msg("%s", err_buf);
    if (cli((char *[]){"scaffold", "compare", mixed, NULL})) fail_msg("compare: %s", err_buf);
    if (!strstr(out_buf, "synth-text") || !strstr(out_buf, "### fab — active learning")) fail_msg("%s", out_buf);
    if (system("command -v gnuplot > /dev/null 2>&1") == 0) {
        if (cli((char *[]){"scaffold", "report", dir, "--out", html, NULL})) fail_msg("report: %s", err_buf);
        free(sc_test_file_with(html, (const char *[]){"Active learning", "fab: learning curves", "<svg",
                                                      "AULC tables", NULL}));
        both_kinds_page();
    }
}

// ---- regression (Pearson) results ------------------------------------------------------

// Task reg, 3 points at 10, 20, 30 labels: AULC = (r0 + 2 r1 + r2) / 4.
// random: AULCs 0.1, 0.2, 0.3 (mean 0.2, SD 0.1), every final 0.4.
// core-set: AULCs 0.25, 0.3, 0.35 (mean 0.3, SD 0.05), finals 0.5, 0.5, 0.4 (mean 0.4667, SD 0.0577);
// paired with random 0.15, 0.1, 0.05 (mean 0.1). Target 0.95 * 1.4 / 3 = 0.4433: core-set seeds 1 and 2
// reach it at 30 labels, seed 3 and random never. Task neg: every final below 0 (mean -0.2): no target.
static void fabricate_reg(const char *dir) {
    fake_reg(dir, "reg", "random", 1, (double[]){-0.2, 0.1, 0.4}, 3);
    fake_reg(dir, "reg", "random", 2, (double[]){0.0, 0.2, 0.4}, 3);
    fake_reg(dir, "reg", "random", 3, (double[]){0.2, 0.3, 0.4}, 3);
    fake_reg(dir, "reg", "core-set", 1, (double[]){-0.1, 0.3, 0.5}, 3);
    fake_reg(dir, "reg", "core-set", 2, (double[]){0.1, 0.3, 0.5}, 3);
    fake_reg(dir, "reg", "core-set", 3, (double[]){0.2, 0.4, 0.4}, 3);
    // AULCs 0, -0.1, -0.2 (mean -0.1, SD 0.1); finals -0.1, -0.2, -0.3.
    fake_reg(dir, "neg", "random", 1, (double[]){0.1, -0.1}, 2);
    fake_reg(dir, "neg", "random", 2, (double[]){0.0, -0.2}, 2);
    fake_reg(dir, "neg", "random", 3, (double[]){-0.1, -0.3}, 2);
}

static char *markdown_of(const sc_cmp *c) {
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    sc_cmp_print_markdown(c, f);
    fclose(f);
    return md;
}

// A row or a task mixing accuracy and Pearson files is refused, naming the file or the task;
// a Pearson r outside [-1, 1] or an accuracy below 0 too.
static void refused_mixes(void) {
    char dir[500], want[700];
    sc_err err;
    sc_cmp c;
    sc_boot_cfg cfg = sc_boot_default();
    snprintf(dir, sizeof dir, "%s/mix-row", root);
    fake(dir, "mix", "random", "random", 1, (double[]){0.5, 0.6}, NULL, 2);
    fake_reg(dir, "mix", "random", 2, (double[]){0.1, 0.2}, 2);
    sc_cmp_init(&c);
    assert_int_not_equal(sc_cmp_add_dir(&c, dir, &err), 0);
    sc_cmp_free(&c);
    snprintf(want, sizeof want, "%s/runs/mix/random/seed2/metrics.msgpack: measures test Pearson r (regression), but "
             "the other mix/random runs measure test accuracy (classification): the runs of a row must share it", dir);
    assert_string_equal(err.msg, want);
    // Two rows of one task: read, then refused by compute.
    snprintf(dir, sizeof dir, "%s/mix-task", root);
    fake(dir, "mixt", "entropy", "entropy", 1, (double[]){0.5, 0.6}, NULL, 2);
    fake_reg(dir, "mixt", "random", 1, (double[]){0.1, 0.2}, 2);
    sc_cmp_init(&c);
    if (sc_cmp_add_dir(&c, dir, &err)) fail_msg("%s", err.msg);
    assert_int_not_equal(sc_cmp_compute(&c, &cfg, &err), 0);
    sc_cmp_free(&c);
    if (!strstr(err.msg, "task mixt: row random measures test Pearson r (regression) but row entropy measures test "
                         "accuracy (classification)"))
        fail_msg("%s", err.msg);
    const char *const bad[][2] = {{"pearson", "rounds[1]: test_pearson must be in [-1, 1]"},
                                  {"accuracy", "rounds[0]: test_accuracy must be in [0, 1]"}};
    for (int i = 0; i < 2; i++) {
        snprintf(dir, sizeof dir, "%s/range-%s", root, bad[i][0]);
        fake_file(dir, "rng", "random", "random", 1, (double[]){i ? -0.2 : 0.5, i ? 0.5 : -1.5}, NULL, 2, !i);
        sc_cmp_init(&c);
        assert_int_not_equal(sc_cmp_add_dir(&c, dir, &err), 0);
        sc_cmp_free(&c);
        if (!strstr(err.msg, bad[i][1]) || !strstr(err.msg, "/runs/rng/random/seed1/metrics.msgpack"))
            fail_msg("%s", err.msg);
    }
}

static void test_compare_regression(void **state) {
    (void)state;
    char dir[400];
    snprintf(dir, sizeof dir, "%s/reg", root);
    fabricate_reg(dir);
    sc_cmp *c = computed(dir, 0);
    const sc_cmpa *x = sc_cmp_al(c);
    const sc_cmpa_row *r = sc_cmpa_find(x, "reg", "random"), *k = sc_cmpa_find(x, "reg", "core-set"),
                      *n = sc_cmpa_find(x, "neg", "random");
    assert_true(r && k && n && r->pearson && k->pearson && n->pearson && !r->has[SC_CMPA_SIM]);
    assert_string_equal(sc_cmpa_measure_name(k, SC_CMPA_ACC), "test_pearson");
    in_ci(&r->aulc[SC_CMPA_ACC], 0.2, 0.1, 0.1, 0.3);
    in_ci(&k->aulc[SC_CMPA_ACC], 0.3, 0.05, 0.25, 0.35);
    in_ci(&k->final[SC_CMPA_ACC], 1.4 / 3, sqrt(0.01 / 3), 0.4, 0.5);
    assert_true(fabs(k->target[SC_CMPA_ACC] - 0.95 * 1.4 / 3) < 1e-9);
    assert_int_equal(k->reached[SC_CMPA_ACC], 2);
    assert_true(fabs(k->labels_mean[SC_CMPA_ACC] - 30) < 1e-9);
    assert_int_equal(r->reached[SC_CMPA_ACC], 0);
    assert_int_equal(k->n_paired[SC_CMPA_ACC], 3);
    in_ci(&k->diff[SC_CMPA_ACC], 0.1, 0.05, 0.05, 0.15);
    // neg: negative AULCs are kept as they are; the best final -0.2 gives no target.
    in_ci(&n->aulc[SC_CMPA_ACC], -0.1, 0.1, -0.2, 0.0);
    assert_true(isnan(n->target[SC_CMPA_ACC]) && n->reached[SC_CMPA_ACC] == 0);
    char *md = markdown_of(c);
    // The intervals of 3 seeds reach the extremes: 3 equal draws have a chance 1/27 > 2.5%.
    const char *const want[] = {
        "### reg — active learning, test Pearson r: mean [95% CI] SD over seeds",
        "| strategy | seeds | AULC | final | labels to reach r = 0.443 | AULC − random |",
        "| random | 3 | 0.200 [0.100, 0.300] SD 0.100 | 0.400 [0.400, 0.400] SD 0.000 | not reached (0/3) | "
        "(baseline) |",
        "| core-set | 3 | 0.300 [0.250, 0.350] SD 0.050 | 0.467 [0.400, 0.500] SD 0.058 | 30.0 (2/3 reached) | "
        "+0.100 [+0.050, +0.150] (3 seeds) |", "the mean test Pearson r)",
        "Target r = 0.443: 95% of the best mean final value",
        "### neg — active learning, test Pearson r", "| strategy | seeds | AULC | final | labels to target | AULC",
        "| random | 3 | -0.100 [-0.200, 0.000] SD 0.100 | -0.200 [-0.300, -0.100] SD 0.100 | no target: the best mean "
        "final is not positive | (baseline) |",
        "No target: the best mean final value among this task's strategies is not positive.", NULL};
    for (int i = 0; want[i]; i++)
        if (!strstr(md, want[i])) fail_msg("expected '%s' in:\n%s", want[i], md);
    if (strstr(md, "(%)") || strstr(md, "test accuracy")) fail_msg("accuracy headers in a Pearson table:\n%s", md);
    free(md);
    sc_cmp_free(c);
    refused_mixes();
}

// scaffold compare --csv / --target and scaffold report on regression results.
static void test_regression_cli(void **state) {
    (void)state;
    char dir[400], csv[500], html[500], figs[500], p[600];
    snprintf(dir, sizeof dir, "%s/reg", root);
    snprintf(csv, sizeof csv, "%s/reg.csv", root);
    if (access(dir, F_OK)) fabricate_reg(dir);
    if (cli((char *[]){"scaffold", "compare", dir, "--csv", csv, NULL})) fail_msg("compare: %s", err_buf);
    char *text = sc_test_file_with(csv, (const char *[]){
        "reg,core-set,core-set,3,0,aulc_test_pearson,0.300000,",
        "reg,random,random,3,0,aulc_test_pearson,0.200000,",
        "reg,random,random,3,0,final_test_pearson,0.400000,0.400000,0.400000,0.000000,3,0.443333\n",
        "reg,core-set,core-set,3,0,labels_to_target_test_pearson,30.000000,,,,2,0.443333\n",
        "reg,core-set,core-set,3,0,aulc_minus_random_test_pearson,0.100000,",
        "neg,random,random,3,0,aulc_test_pearson,-0.100000,",
        "neg,random,random,3,0,labels_to_target_test_pearson,,,,,0,\n", NULL});
    if (strstr(text, "test_accuracy") || strstr(text, "nan")) fail_msg("%s", text);
    free(text);
    // --target applies to r as given: random reaches 0.3 at 30, 30, 20 labels.
    if (cli((char *[]){"scaffold", "compare", dir, "--target", "0.3", NULL})) fail_msg("compare: %s", err_buf);
    const char *const want[] = {"labels to reach r = 0.300", "| 26.7 (3/3 reached) |", "| 20.0 (3/3 reached) |",
                                "Target r = 0.300: given (--target)", NULL};
    for (int i = 0; want[i]; i++)
        if (!strstr(out_buf, want[i])) fail_msg("expected '%s' in:\n%s", want[i], out_buf);
    if (system("command -v gnuplot > /dev/null 2>&1")) return;
    snprintf(html, sizeof html, "%s/reg.html", root);
    snprintf(figs, sizeof figs, "%s/reg-figs", root);
    if (cli((char *[]){"scaffold", "report", dir, "--out", html, "--figures", figs, NULL})) fail_msg("%s", err_buf);
    free(sc_test_file_with(html, (const char *[]){"reg: learning curves", "test Pearson r: mean [95% CI]", NULL}));
    // The chart's axis: r as it is (ticks within [-0.3, 0.5], not percent), no "%" in its label.
    snprintf(p, sizeof p, "%s/reg-learning-curves-pearson.svg", figs);
    text = sc_test_file_with(p, (const char *[]){"test Pearson r (mean over seeds, 95% band)", ">-0.2</tspan>",
                                                  "> 0.4</tspan>", NULL});
    if (strstr(text, "> 40</tspan>") || strstr(text, "(%")) fail_msg("%s", text);
    free(text);
    snprintf(p, sizeof p, "%s/reg-learning-curves-accuracy.svg", figs);
    assert_int_not_equal(access(p, F_OK), 0);
}

// ---- a real run -------------------------------------------------------------------------

static void test_real_run(void **state) {
    (void)state;
    char path[500], out[500], p[600], text[600];
    snprintf(path, sizeof path, "%s/real.yaml", root);
    snprintf(out, sizeof out, "%s/real-out", root);
    // Two strategies x two seeds, and random alone on a regression task; under
    // SCAFFOLD_TEST_QUICK (memcheck) one query round.
    sc_test_need_task("diabetes");
    snprintf(text, sizeof text, "name: real\nkind: active-learning\ntasks: [breast-cancer, diabetes]\nstrategies: "
             "[random, entropy]\nseeds: [1, 2]\nset: {init: 10, query: 10, rounds: %d}\n"
             "task_strategies: {diabetes: [random]}\n", sc_test_quick() ? 1 : 2);
    sc_test_write_file(path, text);
    sc_manifest m;
    sc_err err;
    if (sc_manifest_load(&m, path, out, &err)) fail_msg("%s", err.msg);
    assert_int_equal(m.n_runs, 6);
    FILE *log = tmpfile();
    sc_exp_opts o = {.jobs = 2, .log = log};
    int failed = -1;
    if (sc_exp_execute(&m, &o, &failed, &err)) fail_msg("%s", err.msg);
    assert_int_equal(failed, 0);
    snprintf(p, sizeof p, "%s/summary.md", out);
    free(sc_test_file_with(p, (const char *[]){"### breast-cancer — active learning, test accuracy",
                                               "| random | 2 |", "| entropy | 2 |", "(2 seeds)",
                                               "### diabetes — active learning, test Pearson r", NULL}));
    if (system("command -v gnuplot > /dev/null 2>&1") == 0) {
        snprintf(p, sizeof p, "%s/report.html", out);
        free(sc_test_file_with(p, (const char *[]){"breast-cancer: learning curves", "<svg", NULL}));
    }
    fflush(log);
    rewind(log);
    char buf[8192] = "";
    size_t k = fread(buf, 1, sizeof buf - 1, log);
    buf[k] = '\0';
    if (!strstr(buf, "AULC 0.") || !strstr(buf, "diabetes/random/seed1") || !strstr(buf, "AULC (r) "))
        fail_msg("no headline in the progress log:\n%s", buf);
    // Resume: every run finished earlier, none runs again.
    assert_int_equal(ftruncate(fileno(log), 0), 0);
    rewind(log);
    o.resume = 1;
    if (sc_exp_execute(&m, &o, &failed, &err)) fail_msg("%s", err.msg);
    fflush(log);
    rewind(log);
    k = fread(buf, 1, sizeof buf - 1, log);
    buf[k] = '\0';
    if (!strstr(buf, "6 runs (6 finished earlier)") || strstr(buf, "] done")) fail_msg("resume log:\n%s", buf);
    fclose(log);
    sc_manifest_free(&m);
}

static void fake_tool(const char *bin, const char *name, const char *body) {
    char p[700];
    snprintf(p, sizeof p, "%s/%s", bin, name);
    sc_test_write_file(p, body);
    assert_int_equal(chmod(p, 0755), 0);
}

// --backend slurm with stand-in sbatch/squeue: one array per task, no dependency, runs.tsv kind "active".
static void test_slurm(void **state) {
    (void)state;
    char bin[500], path[500], out[500], p[700], text[1200];
    snprintf(bin, sizeof bin, "%s/bin", root);
    assert_int_equal(mkdir(bin, 0755), 0);
    fake_tool(bin, "sbatch", "#!/bin/sh\nd=$(dirname \"$0\"); n=$(cat \"$d/n\" 2>/dev/null || echo 100); n=$((n + 1));"
                             " echo $n > \"$d/n\"; echo \"$n: $*\" >> \"$d/sbatch.args\"; echo \"$n;cluster\"\n");
    fake_tool(bin, "squeue", "#!/bin/sh\nexit 0\n");
    fake_tool(bin, "sacct", "#!/bin/sh\nexit 1\n");
    fake_tool(bin, "scontrol", "#!/bin/sh\nexit 0\n");
    char *saved = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    snprintf(text, sizeof text, "%s:%s", bin, saved);
    setenv("PATH", text, 1);
    snprintf(path, sizeof path, "%s/slurm.yaml", root);
    snprintf(out, sizeof out, "%s/slurm-out", root);
    sc_test_write_file(path, "name: sl\nkind: active-learning\ntasks: [breast-cancer]\nstrategies: [random, margin]\n"
                     "seeds: [1]\nset: {init: 10, query: 10, rounds: 1}\n");
    sc_manifest m;
    sc_err err;
    if (sc_manifest_load(&m, path, out, &err)) fail_msg("%s", err.msg);
    FILE *log = tmpfile();
    sc_slurm_opts o = {.cpus = 1, .manifest_path = path, .log = log};
    if (sc_slurm_submit(&m, &o, &err)) fail_msg("%s", err.msg);
    snprintf(p, sizeof p, "%s/sbatch.args", bin);
    char *args = sc_test_file_with(p, (const char *[]){"101: --parsable --job-name=scaffold-sl-active-breast-cancer",
                                                       "--array=0-1", "102: --parsable --job-name=scaffold-sl-collect",
                                                       "--dependency=afterany:101", NULL});
    if (strstr(strstr(args, "101: "), "afterok") || strstr(args, "teacher")) fail_msg("sbatch got:\n%s", args);
    free(args);
    snprintf(p, sizeof p, "%s/slurm/runs.tsv", out);
    free(sc_test_file_with(p, (const char *[]){"\tactive\truns/breast-cancer/random/seed1\n",
                                               "\tactive\truns/breast-cancer/margin/seed1\n", NULL}));
    if (sc_exp_run_one(&m, 0, log, &err)) fail_msg("%s", err.msg);
    o.resume = 1;
    if (sc_slurm_submit(&m, &o, &err)) fail_msg("%s", err.msg);
    free(sc_test_file_with(p, (const char *[]){"\tactive\t", NULL}));
    snprintf(p, sizeof p, "%s/sbatch.args", bin);
    free(sc_test_file_with(p, (const char *[]){"103: --parsable --job-name=scaffold-sl-active-breast-cancer",
                                               "--array=0-0 ", NULL}));
    setenv("PATH", saved, 1);
    free(saved);
    fclose(log);
    sc_manifest_free(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_task_strategies),
        cmocka_unit_test(test_expansion),
        cmocka_unit_test(test_compare_fabricated),
        cmocka_unit_test(test_fabricated_cli),
        cmocka_unit_test(test_compare_regression),
        cmocka_unit_test(test_regression_cli),
        cmocka_unit_test(test_real_run),
        cmocka_unit_test(test_slurm),
    };
    return cmocka_run_group_tests_name("al_manifest", tests, setup, teardown);
}
