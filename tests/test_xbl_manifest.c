// Manifests of `kind: xbl` (exp/manifest_xbl.c) and the xbl tables and page
// (report/compare_xbl.c, report/report_xbl.c):
// - every problem of a bad manifest is listed with its file, line and field;
// - expansion: folders, command lines, keys (a changed `set` changes them),
//   a lambda sweep's labels;
// - compare of fabricated results (sc_result_write_xbl) against hand-computed
//   means and SDs; lambda chosen on valid.clean_accuracy, not on test; no
//   selection, said, when a run lacks it; a mixed folder's CSV refused;
// - the report page: table, chart, saliency "not recorded", a concept map;
// - a real `scaffold run` (2 jobs) on a tiny decoy image task built here (a
//   png task plus the decoy-images generator: fast enough for valgrind), then
//   compare/report files, --resume skipping every run; and, not under
//   SCAFFOLD_TEST_QUICK, the same on decoy-fashion-mnist (2 methods, 1 seed).
#include "sc_test.h"

#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/fs.h"
#include "exp/manifest.h"
#include "exp/runner.h"
#include "exp/slurm.h"
#include "io/results.h"
#include "report/compare_xbl.h"
#include "report/png.h"
#include "report/report.h"

static char root[256];

static void sh(const char *fmt, const char *arg) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, fmt, arg, arg);
    assert_int_equal(system(cmd), 0);
}

static int setup(void **state) {
    (void)state;
    snprintf(root, sizeof root, "/tmp/sc_test_xbl_manifest_%d", (int)getpid());
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
                             "kind: xbl\n"
                             "tasks: [decoy-fashion-mnist, synth-text]\n"
                             "model: {decoy-fashion-mnist: vit, other: vit}\n"
                             "n: [40]\n"
                             "explainers: [none]\n"
                             "bogus: 1\n"
                             "methods:\n"
                             "  - gradcam\n"
                             "  - {name: rrr, lambda: [1, -3]}\n"
                             "  - {name: rrr, label: rrr-l1}\n"
                             "  - {name: distance, set: {epochz: 2, lambda: 3, concept_action: drop}}\n"
                             "  - {name: rrr, label: rrr-gc, set: {saliency: gradcam}}\n"
                             "seeds: [1]\n"
                             "set: {max_steps: 5, method: rrr, concept_k_max: 99}\n",
                             &err);
    const char *const want[] = {
        "line 5: field 'n': not part of a `kind: xbl` manifest",
        "line 6: field 'explainers': not part of a `kind: xbl` manifest",
        "line 7: unknown key 'bogus'",
        "line 9: field 'methods[0].name': unknown method 'gradcam' (train-xbl knows: none, rrr, distance, concept-prune)",
        "line 10: field 'methods[1].lambda': '-3' is not a number in [0, 1e6]",
        "line 11: field 'methods[2]': the label 'rrr-l1' is taken by methods[1]",
        "line 12: field 'methods[3].set.lambda': give it as the method entry's `lambda`",
        "line 12: field 'methods[3].set.epochz': unknown key 'epochz' for teacher 'vit'",
        "line 12: field 'methods[3].set.epochz': unknown key 'epochz' for teacher 'transformer'",
        "line 15: field 'set.method': give it as the method entry's `name`",
        "line 4: field 'model.other': no such task in 'tasks'",
        "line 3: field 'tasks[1]': train-xbl cannot run on 'synth-text'",
        // Values of xbl keys, as the run would parse them, before anything runs.
        "line 12: field 'methods[3].set': --set: key 'concept_action': expected one of prune | mask, got 'drop'",
        "line 15: field 'set': --set: key 'concept_k_max': 99 is outside [2, 16]",
        // Grad-CAM needs a feature map over the grid: the ViT has none.
        ("line 13: field 'methods[4].set' (task 'decoy-fashion-mnist'): saliency=gradcam needs a model with a feature map over its cell grid "
         "(model: {decoy-fashion-mnist: cnn}); 'vit' has none"),
        "line 13: field 'methods[4].set' (task 'synth-text'): saliency=gradcam is for images (a CNN's feature map); "
        "'synth-text' is text: use saliency=input-gradient",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) expect(list, path, want[i]);
    char head[500];
    snprintf(head, sizeof head, "%s: 16 problems (nothing was run)", path);
    if (strcmp(err.msg, head)) fail_msg("expected '%s', got '%s'\n%s", head, err.msg, list);
    free(list);
    // Syntax: the first error, with its line and field.
    sc_manifest m;
    sc_test_write_file(path, "name: x\nkind: xlb\ntasks: [a]\nmethods: [none]\nseeds: [1]\n");
    assert_int_equal(sc_manifest_load(&m, path, NULL, &err), -1);
    if (!strstr(err.msg, "line 2: field 'kind'")) fail_msg("%s", err.msg);
    sc_test_write_file(path, "name: x\nkind: xbl\ntasks: [a]\nmethods: [none, {name: rrr, lambda: {a: 1}}]\nseeds: [1]\n");
    assert_int_equal(sc_manifest_load(&m, path, NULL, &err), -1);
    if (!strstr(err.msg, "line 4: field 'methods[1].lambda'")) fail_msg("%s", err.msg);
    sc_test_write_file(path, "name: x\nkind: xbl\ntasks: [a]\nseeds: [1]\n");
    assert_int_equal(sc_manifest_load(&m, path, NULL, &err), -1);
    if (!strstr(err.msg, "missing field 'methods'")) fail_msg("%s", err.msg);
}

static const char *const good =
    "name: eg\n"
    "kind: xbl\n"
    "tasks: [decoy-fashion-mnist]\n"
    "model: {decoy-fashion-mnist: vit}\n"
    "methods:\n"
    "  - none\n"
    "  - {name: rrr, lambda: [1, 10]}\n"
    "  - {name: concept-prune, label: cp-mask, set: {concept_action: mask}}\n"
    "seeds: [3, 4]\n"
    "set: {max_steps: %d}\n";

static void test_expansion(void **state) {
    (void)state;
    char path[400], text[1024], out[400], want[800];
    snprintf(path, sizeof path, "%s/good.yaml", root);
    snprintf(out, sizeof out, "%s/out", root);
    snprintf(text, sizeof text, good, 20);
    sc_test_write_file(path, text);
    sc_manifest m;
    sc_err err;
    if (sc_manifest_load(&m, path, out, &err)) fail_msg("%s", err.msg);
    assert_int_equal(m.kind, SC_EXP_XBL);
    assert_int_equal(m.n_runs, 8);  // (none, rrr-l1, rrr-l10, cp-mask) x 2 seeds
    const char *labels[4] = {"none", "rrr-l1", "rrr-l10", "cp-mask"};
    for (int i = 0; i < 8; i++) {
        const sc_exp_run *r = &m.runs[i];
        assert_int_equal(r->kind, SC_EXP_XBL);
        assert_true(!r->is_teacher && r->teacher < 0 && r->after < 0);
        snprintf(want, sizeof want, "%s/runs/decoy-fashion-mnist/%s/seed%d", out, labels[i / 2], 3 + i % 2);
        assert_string_equal(r->dir, want);
        assert_string_equal(r->xbl_cfg.out, want);
        assert_string_equal(r->xbl_cfg.task, "decoy-fashion-mnist");
        assert_string_equal(r->xbl_cfg.arch, "vit");
        assert_int_equal((int)r->xbl_cfg.seed, 3 + i % 2);
    }
    // The equivalent command line: the manifest's set, the method's, then method= and lambda=.
    const sc_exp_run *r = &m.runs[3];
    char line[2048] = "";
    for (int a = 0; a < r->argc; a++) snprintf(line + strlen(line), sizeof line - strlen(line), "%s ", r->argv[a]);
    snprintf(want, sizeof want, "train-xbl --task decoy-fashion-mnist --model vit --seed 4 --set max_steps=20 --set "
             "method=rrr --set lambda=1 --out %s/runs/decoy-fashion-mnist/rrr-l1/seed4 ", out);
    assert_string_equal(line, want);
    assert_int_equal(m.runs[6].xbl_cfg.n_sets, 3);
    assert_string_equal(m.runs[6].xbl_cfg.sets[1], "concept_action=mask");
    assert_string_equal(m.runs[6].xbl_cfg.sets[2], "method=concept-prune");
    // Keys: distinct per run, stable, changed by a changed set.
    char keys[8][65];
    for (int i = 0; i < 8; i++) memcpy(keys[i], m.runs[i].key, 65);
    assert_string_not_equal(keys[0], keys[1]);
    sc_manifest_free(&m);
    if (sc_manifest_load(&m, path, out, &err)) fail_msg("%s", err.msg);
    for (int i = 0; i < 8; i++) assert_string_equal(keys[i], m.runs[i].key);
    sc_manifest_free(&m);
    snprintf(text, sizeof text, good, 30);
    sc_test_write_file(path, text);
    if (sc_manifest_load(&m, path, out, &err)) fail_msg("%s", err.msg);
    for (int i = 0; i < 8; i++) assert_string_not_equal(keys[i], m.runs[i].key);
    sc_manifest_free(&m);
}

// ---- compare of fabricated results --------------------------------------------------------------

// One fabricated run: test accuracy a, clean accuracy c, valid clean accuracy vc.
static void fake(const char *dir, const char *label, const char *method, double lambda, uint64_t seed, double a,
                 double c, double vc) {
    char d[600], p[700];
    snprintf(d, sizeof d, "%s/runs/decoy-fashion-mnist/%s/seed%llu", dir, label, (unsigned long long)seed);
    sc_err err;
    if (sc_mkdirs(d, &err)) fail_msg("%s", err.msg);
    snprintf(p, sizeof p, "%s/metrics.msgpack", d);
    sc_train_result tr;
    memset(&tr, 0, sizeof tr);
    sc_result_xbl r = {.task = "decoy-fashion-mnist", .arch = "vit", .method = method, .lambda = lambda, .seed = seed,
                       .train = &tr, .test_accuracy = a, .clean_accuracy = c, .decoy_reliance = 0.5 * a,
                       .distance_score = 0.1, .decoyed_accuracy = 0.99, .valid_clean_accuracy = vc,
                       .swap_accuracy = 0.5 * c, .n_test = 100,
                       .n_valid = 50};
    if (sc_result_write_xbl(p, &r, &err)) fail_msg("%s", err.msg);
}

// A result as written before valid.clean_accuracy existed (msgpack by hand).
static void fake_old(const char *dir, const char *label, uint64_t seed) {
    char d[600], p[700];
    snprintf(d, sizeof d, "%s/runs/decoy-fashion-mnist/%s/seed%llu", dir, label, (unsigned long long)seed);
    sc_err err;
    if (sc_mkdirs(d, &err)) fail_msg("%s", err.msg);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
#define S(s) msgpack_pack_str_with_body(&pk, s, strlen(s))
    msgpack_pack_map(&pk, 8);
    S("format"), S("scaffold-result"), S("kind"), S("xbl"), S("task"), S("decoy-fashion-mnist");
    S("method"), S("distance"), S("lambda"), msgpack_pack_double(&pk, 100), S("seed"), msgpack_pack_uint64(&pk, seed);
    S("test"), msgpack_pack_map(&pk, 4);
    S("accuracy"), msgpack_pack_double(&pk, 0.5), S("clean_accuracy"), msgpack_pack_double(&pk, 0.5);
    S("decoy_reliance"), msgpack_pack_double(&pk, 0.1), S("distance_score"), msgpack_pack_double(&pk, 0.1);
    S("valid"), msgpack_pack_map(&pk, 1), S("decoyed_accuracy"), msgpack_pack_double(&pk, 0.9);
#undef S
    snprintf(p, sizeof p, "%s/metrics.msgpack", d);
    if (sc_atomic_write(p, sb.data, sb.size, &err)) fail_msg("%s", err.msg);
    msgpack_sbuffer_destroy(&sb);
}

// A concepts.msgpack of 2 concepts (the second flagged), 3 points, 1 thumb each (4x4).
static void fake_concepts(const char *run_dir) {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
#define S(s) msgpack_pack_str_with_body(&pk, s, strlen(s))
    msgpack_pack_map(&pk, 5);
    S("format"), S("scaffold-concepts"), S("version"), msgpack_pack_int(&pk, 1), S("k"), msgpack_pack_int(&pk, 2);
    S("points"), msgpack_pack_array(&pk, 3);
    for (int i = 0; i < 3; i++) {
        msgpack_pack_array(&pk, 5);
        msgpack_pack_double(&pk, i), msgpack_pack_double(&pk, -i), msgpack_pack_int(&pk, i % 2);
        msgpack_pack_int(&pk, i), msgpack_pack_int(&pk, i % 2);
    }
    S("concepts"), msgpack_pack_array(&pk, 2);
    for (int q = 0; q < 2; q++) {
        msgpack_pack_map(&pk, 7);
        S("size"), msgpack_pack_int(&pk, 10 + q), S("decoy_share"), msgpack_pack_double(&pk, q ? 0.75 : 0.125);
        S("purity"), msgpack_pack_double(&pk, 0.5), S("flagged"), msgpack_pack_int(&pk, q);
        S("height"), msgpack_pack_int(&pk, 4), S("width"), msgpack_pack_int(&pk, 4);
        S("thumbs"), msgpack_pack_array(&pk, 1), msgpack_pack_array(&pk, 16);
        for (int i = 0; i < 16; i++) msgpack_pack_double(&pk, i / 16.0);
    }
#undef S
    char p[700];
    sc_err err;
    snprintf(p, sizeof p, "%s/concepts.msgpack", run_dir);
    if (sc_atomic_write(p, sb.data, sb.size, &err)) fail_msg("%s", err.msg);
    msgpack_sbuffer_destroy(&sb);
}

// A text saliency.msgpack: one example of 3 tokens, the second the decoy.
static void fake_text_saliency(const char *run_dir) {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
#define S(s) msgpack_pack_str_with_body(&pk, s, strlen(s))
    msgpack_pack_map(&pk, 5);
    S("format"), S("scaffold-saliency"), S("version"), msgpack_pack_int(&pk, 1), S("task"), S("t");
    S("modality"), S("text"), S("examples"), msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 6);
    S("index"), msgpack_pack_int(&pk, 4), S("label"), msgpack_pack_int(&pk, 1), S("pred"), msgpack_pack_int(&pk, 0);
    S("tokens"), msgpack_pack_array(&pk, 3), S("good"), S("<b>"), S("film");
    S("saliency"), msgpack_pack_array(&pk, 3), msgpack_pack_double(&pk, 0.5), msgpack_pack_double(&pk, 1);
    msgpack_pack_double(&pk, 0);
    S("decoy"), msgpack_pack_array(&pk, 3), msgpack_pack_int(&pk, 0), msgpack_pack_int(&pk, 1), msgpack_pack_int(&pk, 0);
#undef S
    char p[700];
    sc_err err;
    snprintf(p, sizeof p, "%s/saliency.msgpack", run_dir);
    if (sc_atomic_write(p, sb.data, sb.size, &err)) fail_msg("%s", err.msg);
    msgpack_sbuffer_destroy(&sb);
}

static const sc_cmpx_row *row(const sc_cmpx *x, const char *label) {
    for (int i = 0; i < x->n_rows; i++)
        if (!strcmp(x->rows[i].label, label)) return &x->rows[i];
    fail_msg("no row %s", label);
    return NULL;
}

static char out_buf[1 << 16], err_buf[1 << 14];

static int cli(char **argv) {
    int argc = 0;
    while (argv[argc]) argc++;
    return sc_test_capture(sc_cli_main, argc, argv, out_buf, sizeof out_buf, err_buf, sizeof err_buf);
}

static void test_compare_fabricated(void **state) {
    (void)state;
    char dir[400];
    snprintf(dir, sizeof dir, "%s/fab", root);
    // none: clean 0.20, 0.30, 0.40 -> mean 0.30, SD 0.10. rrr-l1 has the better TEST clean
    // accuracy, rrr-l10 the better VALID clean accuracy: l10 must be the one selected.
    fake(dir, "none", "none", 1, 1, 0.2, 0.2, 0.2), fake(dir, "none", "none", 1, 2, 0.3, 0.3, 0.3);
    fake(dir, "none", "none", 1, 3, 0.4, 0.4, 0.4);
    fake(dir, "rrr-l1", "rrr", 1, 1, 0.8, 0.9, 0.50), fake(dir, "rrr-l1", "rrr", 1, 2, 0.8, 0.9, 0.52);
    fake(dir, "rrr-l10", "rrr", 10, 1, 0.6, 0.6, 0.70), fake(dir, "rrr-l10", "rrr", 10, 2, 0.6, 0.6, 0.74);
    sc_cmp c;
    sc_cmp_init(&c);
    sc_err err;
    sc_boot_cfg cfg = sc_boot_default();
    if (sc_cmp_add_dir(&c, dir, &err)) fail_msg("%s", err.msg);
    assert_int_equal(sc_cmp_xbl_files(&c), 7);
    assert_int_equal(c.n_files, 0);
    assert_int_equal(sc_cmp_add_failed_xbl(&c, "decoy-fashion-mnist", "rrr-l10", 3, "scaffold train-xbl: boom|x", &err), 0);
    if (sc_cmp_compute(&c, &cfg, &err)) fail_msg("%s", err.msg);
    const sc_cmpx *x = sc_cmp_xbl(&c);
    assert_int_equal(x->n_rows, 3);
    assert_string_equal(x->rows[0].label, "none");  // none first, then by lambda
    assert_string_equal(x->rows[2].label, "rrr-l10");
    const sc_cmpx_row *n = row(x, "none");
    assert_int_equal(n->n_runs, 3);
    assert_true(fabs(n->ci[SC_CMPX_CLEAN_ACC].mean - 0.3) < 1e-12);
    assert_true(fabs(n->ci[SC_CMPX_CLEAN_ACC].seed_sd - 0.1) < 1e-9);
    assert_true(fabs(n->ci[SC_CMPX_RELIANCE].mean - 0.15) < 1e-12);
    // The bootstrap of a mean of seeds lies within the seeds' range, around the mean.
    assert_true(n->ci[SC_CMPX_CLEAN_ACC].lo >= 0.2 - 1e-6 && n->ci[SC_CMPX_CLEAN_ACC].lo < 0.3);
    assert_true(n->ci[SC_CMPX_CLEAN_ACC].hi <= 0.4 + 1e-6 && n->ci[SC_CMPX_CLEAN_ACC].hi > 0.3);
    // Identical seeds: a point interval.
    const sc_cmpx_row *l1 = row(x, "rrr-l1");
    assert_true(fabs(l1->ci[SC_CMPX_CLEAN_ACC].lo - 0.9) < 1e-6 && fabs(l1->ci[SC_CMPX_CLEAN_ACC].hi - 0.9) < 1e-6);
    char why[1400];
    const sc_cmpx_row *sel = sc_cmpx_selected(x, "decoy-fashion-mnist", "rrr", why, sizeof why);
    assert_non_null(sel);
    assert_string_equal(sel->label, "rrr-l10");
    assert_null(sc_cmpx_selected(x, "decoy-fashion-mnist", "none", why, sizeof why));  // no sweep
    assert_string_equal(why, "");
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    sc_cmp_print_markdown(&c, f);
    fclose(f);
    const char *const lines[] = {
        "| none | 3 | 30.0 [",
        "] SD 10.0 | 30.0 [",
        "| rrr-l10 | 2 (1 failed) | 60.0 [60.0, 60.0] SD 0.0 |",
        "| rrr (lambda selected on validation): rrr-l10 | 2 (1 failed) | 60.0",
        "percentile bootstrap over seeds",
        "| rrr-l10 | 3 | scaffold train-xbl: boom/x |",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (!strstr(md, lines[i])) fail_msg("expected '%s' in:\n%s", lines[i], md);
    free(md);
    f = open_memstream(&md, &len);
    sc_cmp_print_csv(&c, f);
    fclose(f);
    if (!strstr(md, "decoy-fashion-mnist,none,none,1,3,0,clean_accuracy,0.300000,") ||
        !strstr(md, "decoy-fashion-mnist,none,none,1,3,0,swap_accuracy,0.150000,") ||
        !strstr(md, "decoy-fashion-mnist,rrr (lambda selected on validation),rrr,10,2,1,test_accuracy,0.600000,") ||
        !strstr(md, ",rrr-l10\n"))
        fail_msg("csv:\n%s", md);
    free(md);
    sc_cmp_free(&c);
}

// On the folder test_compare_fabricated wrote (it runs first), through the CLI.
static void test_fabricated_cli(void **state) {
    (void)state;
    char dir[400];
    sc_err err;
    snprintf(dir, sizeof dir, "%s/fab", root);
    // A sweep with a run from before valid.clean_accuracy: nothing selected, said so; never on test.
    fake(dir, "distance-l1", "distance", 1, 1, 0.9, 0.9, 0.9);
    fake_old(dir, "distance-l100", 1);
    char *argv[] = {"scaffold", "compare", dir, NULL};
    if (cli(argv)) fail_msg("%s", err_buf);
    if (!strstr(out_buf, "- distance: no lambda selected: 1 of 2 runs lack valid.clean_accuracy") ||
        strstr(out_buf, "distance (lambda selected"))
        fail_msg("%s", out_buf);
    if (!strstr(out_buf, "9 xbl runs")) fail_msg("%s", out_buf);
    // The old run has no swap test: its row says so; the others show theirs (0.5 x clean).
    if (!strstr(out_buf, "| distance-l100 | 1 | 50.0 [50.0, 50.0] | 50.0 [50.0, 50.0] | – (not recorded) |") ||
        !strstr(out_buf, "| distance-l1 | 1 | 90.0 [90.0, 90.0] | 90.0 [90.0, 90.0] | 45.0 [45.0, 45.0] |"))
        fail_msg("swap column:\n%s", out_buf);

    // The page: table, chart, maps not recorded or unreadable (a truncated
    // file, shown as such: no crash), and a concept map from a concepts.msgpack.
    if (system("command -v gnuplot > /dev/null 2>&1") == 0) {
        char page[500], cdir[600], bad[700];
        fake(dir, "cp", "concept-prune", 1, 1, 0.5, 0.5, 0.5);
        snprintf(cdir, sizeof cdir, "%s/runs/decoy-fashion-mnist/cp/seed1", dir);
        fake_concepts(cdir);
        snprintf(cdir, sizeof cdir, "%s/runs/decoy-fashion-mnist/none/seed1", dir);
        fake_text_saliency(cdir);
        snprintf(bad, sizeof bad, "%s/runs/decoy-fashion-mnist/rrr-l1/seed1/saliency.msgpack", dir);
        sc_test_write_file(bad, "\x85\xa6" "format");
        snprintf(page, sizeof page, "%s/report.html", root);
        char *rargv[] = {"scaffold", "report", dir, "--out", page, NULL};
        if (cli(rargv)) fail_msg("%s", err_buf);
        free(sc_test_file_with(page, (const char *[]){"explanation-guided learning", "<svg", "rrr-l10",
                                                      "Saliency maps: not recorded", "Saliency maps: unreadable (",
                                                      "Concepts of cp (seed 1)",
                                                      "Concept 1 (flagged): 11 examples, decoy share 75.0%, purity 50.0%",
                                                      "data:image/png;base64,", "#4: label 1, predicted 0",
                                                      "<span style=\"background:rgba(215,48,31,0.80);text-decoration:"
                                                      "underline\">&lt;b&gt;</span>", NULL}));
        snprintf(cdir, sizeof cdir, "rm -rf %s/runs/decoy-fashion-mnist/cp", dir);
        assert_int_equal(system(cdir), 0);
    }
    // A folder of both kinds: the CSV would mix two tables and is refused.
    snprintf(dir, sizeof dir, "%s/fab/runs/x", root);
    sc_mkdirs(dir, &err);
    float agree[4] = {1, 0, 1, 1};
    sc_train_result tr;
    memset(&tr, 0, sizeof tr);
    sc_result_student s = {.task = "synth-text", .arch = "transformer", .teacher_arch = "transformer",
                           .explainer = "none", .student_explainer = "none", .n = 10, .seed = 1, .train = &tr,
                           .n_test = 4, .agree = agree, .gold_correct = agree};
    char p[600], csv[600];
    snprintf(p, sizeof p, "%s/metrics.msgpack", dir);
    if (sc_result_write_student(p, &s, &err)) fail_msg("%s", err.msg);
    snprintf(dir, sizeof dir, "%s/fab", root);
    snprintf(csv, sizeof csv, "%s/mixed.csv", root);
    char *cargv[] = {"scaffold", "compare", dir, "--csv", csv, NULL};
    assert_int_not_equal(cli(cargv), 0);
    if (!strstr(err_buf, "both student results (1) and xbl results (9)")) fail_msg("%s", err_buf);
    assert_int_not_equal(access(csv, F_OK), 0);
    char *margv[] = {"scaffold", "compare", dir, NULL};  // the Markdown holds both
    if (cli(margv)) fail_msg("%s", err_buf);
    if (!strstr(out_buf, "### synth-text") || !strstr(out_buf, "explanation-guided learning (xbl)")) fail_msg("%s", out_buf);
}

// ---- a real run ---------------------------------------------------------------------------------

// A tiny image task (8x8 PNGs, 2 classes, an object per class) and a decoy task on it.
static void tiny_task(const char *parent) {
    char d[600], p[700], text[1200];
    sc_err err;
    uint8_t rgb[8 * 8 * 3];
    for (int c = 0; c < 2; c++) {
        snprintf(d, sizeof d, "%s/tiny-img/imgs/%c", parent, 'a' + c);
        if (sc_mkdirs(d, &err)) fail_msg("%s", err.msg);
        for (int i = 0; i < 60; i++) {
            for (int y = 0; y < 8; y++)
                for (int xx = 0; xx < 8; xx++) {
                    int on = c ? (xx == 3 || xx == 4) && y > 0 && y < 7 : xx > 1 && xx < 6 && y > 1 && y < 6;
                    uint8_t v = on ? (uint8_t)(150 + i) : 0;
                    rgb[3 * (y * 8 + xx)] = rgb[3 * (y * 8 + xx) + 1] = rgb[3 * (y * 8 + xx) + 2] = v;
                }
            snprintf(p, sizeof p, "%s/%03d.png", d, i);
            if (sc_png_write_rgb(p, rgb, 8, 8, &err)) fail_msg("%s", err.msg);
        }
    }
    const char *splits = "splits: {seed: 1, partitions: {all: {teacher-train: 0.6, teacher-valid: 0.1, "
                         "student-pool: 0.1, student-valid: 0.1, test: 0.1}}}\n";
    snprintf(p, sizeof p, "%s/tiny-img/task.yaml", parent);
    snprintf(text, sizeof text, "name: tiny-img\nmodality: image\nlabels: {kind: classification, classes: [a, b]}\n"
             "source: {kind: local, path: ., files: []}\nread: {format: png, dir: imgs}\n%s"
             "input: {image: {height: 8, width: 8, channels: 1}}\n", splits);
    sc_test_write_file(p, text);
    snprintf(d, sizeof d, "%s/tiny-decoy", parent);
    sc_mkdirs(d, &err);
    snprintf(p, sizeof p, "%s/task.yaml", d);
    snprintf(text, sizeof text, "name: tiny-decoy\nmodality: image\nlabels: {kind: classification, classes: [a, b]}\n"
             "source: {kind: synthetic, generator: decoy-images, base: %s/tiny-img, seed: 5, params: {patch: 2}}\n%s"
             "input: {image: {height: 8, width: 8, channels: 1}, rationales: pixels}\n", parent, splits);
    sc_test_write_file(p, text);
}

// Runs manifest `text` into OUT with 2 jobs; checks its tables and page, then that --resume skips every run.
static void run_manifest(const char *name, const char *text, int n_runs, const char *const *want_md) {
    char path[500], out[500], p[600];
    snprintf(path, sizeof path, "%s/%s.yaml", root, name);
    snprintf(out, sizeof out, "%s/%s-out", root, name);
    sc_test_write_file(path, text);
    sc_manifest m;
    sc_err err;
    if (sc_manifest_load(&m, path, out, &err)) fail_msg("%s", err.msg);
    assert_int_equal(m.n_runs, n_runs);
    FILE *log = tmpfile();
    sc_exp_opts o = {.jobs = 2, .log = log};
    int failed = -1;
    if (sc_exp_execute(&m, &o, &failed, &err)) fail_msg("%s", err.msg);
    assert_int_equal(failed, 0);
    snprintf(p, sizeof p, "%s/summary.md", out);
    free(sc_test_file_with(p, want_md));
    snprintf(p, sizeof p, "%s/summary.csv", out);
    free(sc_test_file_with(p, (const char *[]){"task,label,method,lambda,seeds,failed,metric", NULL}));
    if (system("command -v gnuplot > /dev/null 2>&1") == 0) {
        snprintf(p, sizeof p, "%s/report.html", out);
        free(sc_test_file_with(p, (const char *[]){"clean accuracy", "data:image/png;base64,", NULL}));
    }
    fflush(log);
    rewind(log);
    char buf[8192] = "";
    size_t k = fread(buf, 1, sizeof buf - 1, log);
    buf[k] = '\0';
    if (!strstr(buf, "clean accuracy 0.")) fail_msg("no headline in the progress log:\n%s", buf);
    // Resume: every run finished earlier, none runs again.
    assert_int_equal(ftruncate(fileno(log), 0), 0);
    rewind(log);
    o.resume = 1;
    if (sc_exp_execute(&m, &o, &failed, &err)) fail_msg("%s", err.msg);
    fflush(log);
    rewind(log);
    k = fread(buf, 1, sizeof buf - 1, log);
    buf[k] = '\0';
    char want[64];
    snprintf(want, sizeof want, "%d runs (%d finished earlier)", n_runs, n_runs);
    if (!strstr(buf, want) || strstr(buf, "] done")) fail_msg("resume log:\n%s", buf);
    sc_manifest_free(&m);
    // The same folders under another configuration: refused, nothing runs.
    char *changed = strdup(text), *steps = strstr(changed, "max_steps: ");
    assert_non_null(steps);
    steps[11] = steps[11] == '9' ? '8' : '9';
    sc_test_write_file(path, changed);
    free(changed);
    if (sc_manifest_load(&m, path, out, &err)) fail_msg("%s", err.msg);
    assert_int_equal(sc_exp_execute(&m, &o, &failed, &err), -1);
    if (!strstr(err.msg, "another configuration")) fail_msg("%s", err.msg);
    fclose(log);
    sc_manifest_free(&m);
}

// decoy-fashion-mnist as it is (generator, decoy, images), its examples
// repartitioned so that train-xbl sees 6000 training, 1200 validation and 1000
// test images (the rest go to the student pool, which train-xbl does not use):
// a tenth of the evaluation, which is most of a short run's time.
static const char *dfm_small(const char *parent) {
    static char dir[600];
    char p[700];
    size_t n;
    char *text = sc_test_slurp("tasks/decoy-fashion-mnist/task.yaml", &n);
    assert_non_null(text);
    const char *from[3] = {"name: decoy-fashion-mnist\n",
                           "train: {teacher-train: 0.75, teacher-valid: 0.05, student-pool: 0.15, student-valid: 0.05}",
                           "test: {test: 1.0}"};
    const char *to[3] = {"name: decoy-fmnist-small\n", "train: {teacher-train: 0.1, teacher-valid: 0.02, student-pool: 0.88}",
                         "test: {test: 0.1, student-pool: 0.9}"};
    snprintf(dir, sizeof dir, "%s/decoy-fmnist-small", parent);
    sc_err err;
    if (sc_mkdirs(dir, &err)) fail_msg("%s", err.msg);
    snprintf(p, sizeof p, "%s/task.yaml", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    const char *at = text;
    for (int i = 0; i < 3; i++) {
        const char *hit = strstr(at, from[i]);
        if (!hit) fail_msg("tasks/decoy-fashion-mnist/task.yaml has no '%s' (after the previous one)", from[i]);
        fprintf(f, "%.*s%s", (int)(hit - at), at, to[i]);
        at = hit + strlen(from[i]);
    }
    fputs(at, f);
    fclose(f);
    free(text);
    return dir;
}

static void test_real_run(void **state) {
    (void)state;
    tiny_task(root);
    char text[1200];
    snprintf(text, sizeof text,
             "name: tiny\nkind: xbl\ntasks: [%s/tiny-decoy]\n"
             "methods: [none, {name: rrr, lambda: [1, 10]}]\n"
             "seeds: [1, 2]\n"
             "set: {patch: 2, layers: 1, width: 8, heads: 2, max_steps: %d, epochs: 1}\n",
             root, sc_test_quick() ? 2 : 5);
    run_manifest("tiny", text, 6,
                 (const char *[]){"### tiny-decoy — explanation-guided learning", "| none | 2 |", "| rrr-l10 | 2 |",
                                  "| rrr (lambda selected on validation): rrr-l", NULL});
    // The CNN, with rrr on the input gradient and on Grad-CAM: two methods, each
    // with its own lambda selected on validation.
    snprintf(text, sizeof text,
             "name: tiny-cnn\nkind: xbl\ntasks: [%s/tiny-decoy]\nmodel: {tiny-decoy: cnn}\n"
             "methods: [{name: rrr, lambda: [1, 10]}, {name: rrr, label: rrr-gc, lambda: [1, 10], set: {saliency: gradcam}}]\n"
             "seeds: [1, 2]\n"
             "set: {patch: 2, width: 4, channels: 4, max_steps: %d, epochs: 1}\n",
             root, sc_test_quick() ? 2 : 5);
    run_manifest("tiny-cnn", text, 8,
                 (const char *[]){"| rrr-gc-l10 | 2 |", "| rrr (lambda selected on validation): rrr-l",
                                  "| rrr-gradcam (lambda selected on validation): rrr-gc-l", NULL});
    if (sc_test_quick()) return;  // loading 70,000 images is minutes under valgrind
    sc_test_need_task("decoy-fashion-mnist");
    snprintf(text, sizeof text,
             "name: dfm\nkind: xbl\ntasks: [%s]\nmodel: {decoy-fmnist-small: vit}\n"
             "methods: [none, {name: rrr, lambda: 10}]\nseeds: [1, 2]\n"
             "set: {layers: 1, width: 16, heads: 2, max_steps: 20, epochs: 1}\n",
             dfm_small(root));
    run_manifest("dfm", text, 4,
                 (const char *[]){"### decoy-fmnist-small — explanation-guided learning", "| none | 2 |", "| rrr | 2 |", NULL});
}

static void fake_tool(const char *bin, const char *name, const char *body) {
    char p[700];
    snprintf(p, sizeof p, "%s/%s", bin, name);
    sc_test_write_file(p, body);
    assert_int_equal(chmod(p, 0755), 0);
}

// --backend slurm with stand-in sbatch/squeue: one array of xbl runs per task,
// with no dependency (no teacher), runs.tsv kind "xbl", the collect job after
// it; an array element's run (sc_exp_run_one) finishes one run, and --resume
// submits the others only.
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
    tiny_task(root);
    snprintf(text, sizeof text, "name: sl\nkind: xbl\ntasks: [%s/tiny-decoy]\nmethods: [none, rrr]\nseeds: [1]\n"
             "set: {patch: 2, layers: 1, width: 8, heads: 2, max_steps: 2, epochs: 1}\n", root);
    sc_test_write_file(path, text);
    sc_manifest m;
    sc_err err;
    if (sc_manifest_load(&m, path, out, &err)) fail_msg("%s", err.msg);
    FILE *log = tmpfile();
    sc_slurm_opts o = {.cpus = 1, .manifest_path = path, .log = log};
    if (sc_slurm_submit(&m, &o, &err)) fail_msg("%s", err.msg);
    snprintf(p, sizeof p, "%s/sbatch.args", bin);
    char *args = sc_test_file_with(p, (const char *[]){"101: --parsable --job-name=scaffold-sl-xbl-tiny-decoy",
                                                       "--array=0-1", "102: --parsable --job-name=scaffold-sl-collect",
                                                       "--dependency=afterany:101", NULL});
    if (strstr(strstr(args, "101: "), "afterok") || strstr(args, "teacher")) fail_msg("sbatch got:\n%s", args);
    free(args);
    snprintf(p, sizeof p, "%s/slurm/runs.tsv", out);
    free(sc_test_file_with(p, (const char *[]){"\txbl\truns/tiny-decoy/none/seed1\n", "\txbl\truns/tiny-decoy/rrr/seed1\n",
                                               NULL}));
    if (sc_exp_run_one(&m, 0, log, &err)) fail_msg("%s", err.msg);
    o.resume = 1;
    if (sc_slurm_submit(&m, &o, &err)) fail_msg("%s", err.msg);
    snprintf(p, sizeof p, "%s/sbatch.args", bin);
    free(sc_test_file_with(p, (const char *[]){"103: --parsable --job-name=scaffold-sl-xbl-tiny-decoy", "--array=0-0 ",
                                               NULL}));
    setenv("PATH", saved, 1);
    free(saved);
    fclose(log);
    sc_manifest_free(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_expansion),
        cmocka_unit_test(test_compare_fabricated),
        cmocka_unit_test(test_fabricated_cli),
        cmocka_unit_test(test_real_run),
        cmocka_unit_test(test_slurm),
    };
    return cmocka_run_group_tests_name("xbl_manifest", tests, setup, teardown);
}
