// The active-learning loop (active/al_run.c) and `scaffold active-learn`:
// refusals before anything trains (naming the key or strategy and listing the
// known ones, nothing written); every strategy end to end on breast-cancer
// (labelled counts, no example queried twice, queries only from the student
// pool — never test, never valid — and the result file); identical seeds give
// bit-identical curves and queries, another seed another start; warm
// retraining; a teacher as the oracle (simulatability recorded); text (a small
// synth-text copy) through the strategies that read gradients, embeddings and
// saliency, and images (a tiny generated task: pixel gradients, cell saliency);
// a registered probe strategy sees only the unlabelled pool as candidates and
// labels only where revealed (labelled, valid), and a cheating one is stopped;
// regression (diabetes): Pearson r and RMSE, the strategies that need no class
// probabilities (the others refused), targets revealed as labels are.
#include "sc_test.h"

#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "active/al_run.h"
#include "active/strategy.h"
#include "cli/cli.h"
#include "core/fs.h"
#include "report/png.h"
#include "smat/teacher_run.h"
#include "train/pipeline.h"

static char out[1 << 15], err[1 << 15];
static char tmp[] = "/tmp/sc_al_loop_XXXXXX";

static int run_cli(char **argv) {
    int argc = 0;
    while (argv[argc]) argc++;
    return sc_test_capture(sc_cli_main, argc, argv, out, sizeof out, err, sizeof err);
}

static void expect_fail(char **argv, int code, const char *msg) {
    assert_int_equal(run_cli(argv), code);
    if (!strstr(err, msg)) fail_msg("expected '%s' in: %s", msg, err);
}

static void test_refusals(void **state) {
    (void)state;
    sc_test_need_task("breast-cancer");
    char dir[300];
    snprintf(dir, sizeof dir, "%s/refused", tmp);
    char *k[] = {"scaffold", "active-learn", "--keys", NULL};
    assert_int_equal(run_cli(k), SC_EXIT_OK);
    assert_non_null(strstr(out, "hybrid_pool  10"));
    assert_non_null(strstr(out, "dami         K-center greedy on local linear interpretations"));
    char *a1[] = {"scaffold", "active-learn", "--task", "breast-cancer", "--out", dir, NULL};
    expect_fail(a1, SC_EXIT_USAGE, "--strategy is required");
    char *a2[] = {"scaffold", "active-learn", "--task", "breast-cancer", "--strategy", "badge", "--out", dir, NULL};
    expect_fail(a2, SC_EXIT_FAIL, "unknown strategy 'badge' (known: random, entropy, margin, core-set, dami, "
                                   "explanation, hybrid)");
    char *a3[] = {"scaffold", "active-learn", "--task", "breast-cancer", "--strategy", "random", "--set", "quer=3",
                  "--out", dir, NULL};
    expect_fail(a3, SC_EXIT_FAIL, "unknown key 'quer' for active-learn; did you mean 'query'?");
    assert_non_null(strstr(err, "active learning: init, query, rounds"));
    struct {
        const char *set, *msg;
    } bad[] = {
        {"query=0", "query"},
        {"init=1000", "key 'init': 1000 exceeds the student pool of breast-cancer (114 examples)"},
        {"rounds=20", "keys 'init', 'query', 'rounds': 10 + 20 x 10 = 210 labels exceed the student pool"},
        {"oracle=teacher", "key 'oracle': 'teacher' needs a teacher checkpoint (--teacher)"},
        {"retrain=hot", "retrain"},
        {"explainer=nope", "key 'explainer': no explainer 'nope' (known: "},
        {"hybrid_pool=0.5", "hybrid_pool"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *a[] = {"scaffold", "active-learn", "--task", "breast-cancer", "--strategy", "random", "--set",
                     (char *)bad[i].set, "--out", dir, NULL};
        expect_fail(a, SC_EXIT_FAIL, bad[i].msg);
    }
    // An explainer the model cannot give (no attention in an MLP), before anything trains.
    char *a6[] = {"scaffold", "active-learn", "--task", "breast-cancer", "--strategy", "explanation", "--set",
                  "explainer=attention", "--out", dir, NULL};
    expect_fail(a6, SC_EXIT_FAIL, "strategy explanation: key 'explainer': ");
    // A typo in a config file is the model's to refuse (SMaT keys of a student config are dropped).
    char cfgp[300];
    snprintf(cfgp, sizeof cfgp, "%s/bad.yaml", tmp);
    FILE *f = fopen(cfgp, "w");
    assert_non_null(f);
    fputs("arch: mlp\nlayerz: 2\nmeta_lr: 1e-3\n", f);
    fclose(f);
    char *a5[] = {"scaffold", "active-learn", "--task", "breast-cancer", "--strategy", "random", "--config", cfgp,
                  "--out", dir, NULL};
    expect_fail(a5, SC_EXIT_FAIL, "unknown key 'layerz' for student 'mlp'; did you mean 'layers'?");
    // A strategy that ranks by class probabilities, on a regression task.
    char *a4[] = {"scaffold", "active-learn", "--task", "diabetes", "--strategy", "entropy", "--out", dir, NULL};
    sc_test_need_task("diabetes");
    expect_fail(a4, SC_EXIT_FAIL, "strategy entropy ranks by class probabilities, and 'diabetes' is a regression task "
                                  "(strategies for regression: random, core-set, dami, explanation)");
    assert_int_not_equal(access(dir, F_OK), 0);  // nothing written
}

static const char *base_sets[] = {"init=8", "query=6", "rounds=2", "optimizer=adamw", "lr=1e-2", "epochs=8",
                                  "patience=3"};

static int al(const char *task, const char *strategy, uint64_t seed, const char *teacher, const char *extra,
              sc_al_outcome *o, const char *tag) {
    char dir[300], *sets[12];
    int n = 0;
    for (size_t i = 0; i < sizeof base_sets / sizeof base_sets[0]; i++) sets[n++] = (char *)base_sets[i];
    if (sc_test_quick()) sets[2] = "rounds=1";
    if (extra) sets[n++] = (char *)extra;
    snprintf(dir, sizeof dir, "%s/%s", tmp, tag);
    sc_al_run_cfg c = sc_al_run_defaults();
    c.task = task, c.strategy = strategy, c.seed = seed, c.teacher = teacher, c.out = dir, c.log = NULL;
    c.sets = sets, c.n_sets = n;
    sc_err e;
    int rc = sc_al_run(&c, o, &e);
    if (rc) fail_msg("%s %s: %s", task, strategy, e.msg);
    return rc;
}

// No repeats, only student-pool examples, counts per round as configured.
static void check_outcome(const char *task, const sc_al_outcome *o, long rounds) {
    sc_pipeline *p = calloc(1, sizeof *p);
    sc_err e;
    assert_int_equal(sc_pipeline_open(p, task, NULL, &e), 0);
    uint8_t *split = calloc(p->data.n, 1);
    size_t n;
    uint32_t *pool = sc_pipeline_split(p, SC_SPLIT_STUDENT_POOL, &n);
    for (size_t i = 0; i < n; i++) split[pool[i]] = 1;
    assert_int_equal(o->n_points, rounds + 1);
    size_t total = o->points[o->n_points - 1].labelled;
    assert_int_equal(total, 8 + 6 * (size_t)rounds);
    uint8_t *seen = calloc(p->data.n, 1);
    for (size_t i = 0; i < total; i++) {
        uint32_t j = o->queried[i];
        if (j >= p->data.n || split[j] != 1) fail_msg("queried example %u is not in the student pool", j);
        if (seen[j]++) fail_msg("example %u queried twice", j);
    }
    double lo = 1, hi = 0;
    for (int r = 0; r < o->n_points; r++) {
        const sc_al_point *pt = &o->points[r];
        assert_int_equal(pt->labelled, 8 + 6 * (size_t)r);
        assert_int_equal(pt->n_queried, r ? 6 : 8);
        assert_int_equal(pt->first_queried, r ? 8 + 6 * (size_t)(r - 1) : 0);
        assert_true(pt->test_accuracy >= (o->regression ? -1 : 0) && pt->test_accuracy <= 1);  // accuracy or r
        assert_true(o->regression ? pt->test_rmse > 0 : pt->test_rmse == 0);
        lo = pt->test_accuracy < lo ? pt->test_accuracy : lo, hi = pt->test_accuracy > hi ? pt->test_accuracy : hi;
    }
    assert_true(o->aulc >= lo - 1e-12 && o->aulc <= hi + 1e-12);
    free(seen), free(split), free(pool);
    sc_pipeline_close(p);
    free(p);
}

static int key_is(const msgpack_object *k, const char *s) {
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(s) && !memcmp(k->via.str.ptr, s, k->via.str.size);
}

// The result file: kind, strategy, one entry per round, each with its queried
// indices and its score under the task's name for it (test_accuracy, or
// test_pearson and test_rmse for regression).
static void check_file(const sc_al_outcome *o) {
    size_t n;
    char *buf = sc_test_slurp(o->metrics_path, &n);
    assert_non_null(buf);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, buf, n, NULL), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object_map *m = &u.data.via.map;
    int found = 0;
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key, *v = &m->ptr[i].val;
        if (k->via.str.size == 4 && !memcmp(k->via.str.ptr, "kind", 4))
            found += v->via.str.size == 15 && !memcmp(v->via.str.ptr, "active-learning", 15);
        if (k->via.str.size == 6 && !memcmp(k->via.str.ptr, "rounds", 6)) {
            assert_int_equal(v->via.array.size, (uint32_t)o->n_points);
            for (int r = 0; r < o->n_points; r++) {
                const msgpack_object_map *rm = &v->via.array.ptr[r].via.map;
                int scores = 0;
                for (uint32_t j = 0; j < rm->size; j++) {
                    if (key_is(&rm->ptr[j].key, "queried"))
                        found += rm->ptr[j].val.via.array.size == o->points[r].n_queried;
                    scores += key_is(&rm->ptr[j].key, o->regression ? "test_pearson" : "test_accuracy");
                    scores += o->regression && key_is(&rm->ptr[j].key, "test_rmse");
                    scores -= key_is(&rm->ptr[j].key, o->regression ? "test_accuracy" : "test_pearson");
                }
                assert_int_equal(scores, o->regression ? 2 : 1);
            }
        }
    }
    assert_int_equal(found, 1 + o->n_points);
    msgpack_unpacked_destroy(&u);
    free(buf);
}

static void test_every_strategy(void **state) {
    (void)state;
    sc_test_need_task("breast-cancer");
    int n;
    const sc_al_strategy_def *const *list = sc_al_strategy_list(&n);
    for (int i = 0; i < n; i++) {
        sc_al_outcome o = {0};
        char tag[64];
        snprintf(tag, sizeof tag, "bc-%s", list[i]->name);
        al("breast-cancer", list[i]->name, 1, NULL, NULL, &o, tag);
        assert_string_equal(o.strategy, list[i]->name);
        assert_string_equal(o.oracle, "gold");
        assert_true(o.aulc_simulatability < 0);
        if (!strcmp(list[i]->name, "explanation")) {  // says what it learned from, or that it fell back
            assert_true(strstr(o.points[1].note, "validation mistakes") != NULL);
            assert_string_equal(o.points[0].note, "");
        }
        check_outcome("breast-cancer", &o, sc_test_quick() ? 1 : 2);
        check_file(&o);
        sc_al_outcome_free(&o);
        sc_al_outcome_free(&o);  // twice: a no-op
    }
}

static void same_curve(const sc_al_outcome *a, const sc_al_outcome *b) {
    assert_int_equal(a->n_points, b->n_points);
    for (int r = 0; r < a->n_points; r++) {
        assert_memory_equal(&a->points[r].test_accuracy, &b->points[r].test_accuracy, sizeof(double));
        assert_memory_equal(&a->points[r].valid_accuracy, &b->points[r].valid_accuracy, sizeof(double));
        assert_int_equal(a->points[r].steps, b->points[r].steps);
    }
    assert_memory_equal(a->queried, b->queried, sizeof(uint32_t) * a->points[a->n_points - 1].labelled);
    assert_memory_equal(&a->aulc, &b->aulc, sizeof(double));
}

static void test_determinism(void **state) {
    (void)state;
    sc_test_need_task("breast-cancer");
    const char *strategies[] = {"dami", "explanation", "random"};
    for (int s = 0; s < 3; s++) {
        sc_al_outcome a = {0}, b = {0}, c = {0};
        al("breast-cancer", strategies[s], 4, NULL, NULL, &a, "det-a");
        al("breast-cancer", strategies[s], 4, NULL, NULL, &b, "det-b");
        same_curve(&a, &b);
        al("breast-cancer", strategies[s], 5, NULL, NULL, &c, "det-c");
        assert_memory_not_equal(a.queried, c.queried, sizeof(uint32_t) * 8);  // another seed, another start
        sc_al_outcome_free(&a), sc_al_outcome_free(&b), sc_al_outcome_free(&c);
    }
    // Warm retraining runs and differs from scratch after the first round.
    sc_al_outcome w = {0};
    al("breast-cancer", "entropy", 1, NULL, "retrain=warm", &w, "warm");
    check_outcome("breast-cancer", &w, sc_test_quick() ? 1 : 2);
    sc_al_outcome_free(&w);
}

static void test_teacher_oracle(void **state) {
    (void)state;
    sc_test_need_task("breast-cancer");
    char tdir[300];
    snprintf(tdir, sizeof tdir, "%s/teacher", tmp);
    sc_teacher_run_cfg tc = sc_teacher_run_defaults();
    char *ts[] = {"epochs=3"};
    tc.task = "breast-cancer", tc.out = tdir, tc.log = NULL, tc.sets = ts, tc.n_sets = 1;
    sc_teacher_outcome to;
    sc_err e;
    if (sc_teacher_run(&tc, &to, &e)) fail_msg("%s", e.msg);
    sc_al_outcome o = {0}, g = {0};
    al("breast-cancer", "margin", 1, tdir, NULL, &o, "teach");
    assert_string_equal(o.oracle, "teacher");
    for (int r = 0; r < o.n_points; r++)
        assert_true(o.points[r].test_simulatability >= 0 && o.points[r].test_simulatability <= 1);
    assert_true(o.aulc_simulatability >= 0 && o.aulc_simulatability <= 1);
    check_outcome("breast-cancer", &o, sc_test_quick() ? 1 : 2);
    al("breast-cancer", "margin", 1, tdir, "oracle=gold", &g, "teach-gold");  // gold labels, simulatability measured
    assert_string_equal(g.oracle, "gold");
    assert_true(g.aulc_simulatability >= 0);
    sc_al_outcome_free(&o), sc_al_outcome_free(&g);
}

static void test_text(void **state) {
    (void)state;
    sc_test_need_task("synth-text");
    sc_test_synth_copy(tmp, "al-text", sc_test_quick() ? 400 : 1000);
    char task[300];
    snprintf(task, sizeof task, "%s/al-text", tmp);
    const char *strategies[] = {"dami", "explanation", "core-set", "hybrid"};
    int n = sc_test_quick() ? 2 : 4;
    for (int s = 0; s < n; s++) {
        sc_al_outcome o = {0};
        char tag[64];
        snprintf(tag, sizeof tag, "text-%s", strategies[s]);
        al(task, strategies[s], 1, NULL, "dami_tokens=4", &o, tag);
        check_outcome(task, &o, sc_test_quick() ? 1 : 2);
        sc_al_outcome_free(&o);
    }
}


// A tiny image task: 8x8 grey PNGs of two shapes (a square, a bar) at varying
// brightness, 150 per class; 40% of them the student pool.
static void tiny_images(const char *parent) {
    char d[600], p[700], text[1200];
    sc_err e;
    uint8_t rgb[8 * 8 * 3];
    for (int c = 0; c < 2; c++) {
        snprintf(d, sizeof d, "%s/al-img/imgs/%c", parent, 'a' + c);
        if (sc_mkdirs(d, &e)) fail_msg("%s", e.msg);
        for (int i = 0; i < 150; i++) {
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++) {
                    int on = c ? (x == 3 || x == 4) && y > 0 && y < 7 : x > 1 && x < 6 && y > 1 && y < 6;
                    uint8_t v = on ? (uint8_t)(100 + i) : (uint8_t)((x * 7 + y * 3 + i) % 40);
                    rgb[3 * (y * 8 + x)] = rgb[3 * (y * 8 + x) + 1] = rgb[3 * (y * 8 + x) + 2] = v;
                }
            snprintf(p, sizeof p, "%s/%03d.png", d, i);
            if (sc_png_write_rgb(p, rgb, 8, 8, &e)) fail_msg("%s", e.msg);
        }
    }
    snprintf(p, sizeof p, "%s/al-img/task.yaml", parent);
    snprintf(text, sizeof text,
             "name: al-img\nmodality: image\nlabels: {kind: classification, classes: [a, b]}\n"
             "source: {kind: local, path: ., files: []}\nread: {format: png, dir: imgs}\n"
             "splits: {seed: 1, partitions: {all: {teacher-train: 0.3, teacher-valid: 0.1, student-pool: 0.4, "
             "student-valid: 0.1, test: 0.1}}}\ninput: {image: {height: 8, width: 8, channels: 1}}\n");
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_images(void **state) {
    (void)state;
    tiny_images(tmp);
    char task[300];
    snprintf(task, sizeof task, "%s/al-img", tmp);
    const char *strategies[] = {"dami", "explanation", "core-set"};
    for (int s = 0; s < 3; s++) {
        sc_al_outcome o = {0};
        char tag[64];
        snprintf(tag, sizeof tag, "img-%s", strategies[s]);
        al(task, strategies[s], 1, NULL, NULL, &o, tag);
        check_outcome(task, &o, sc_test_quick() ? 1 : 2);
        sc_al_outcome_free(&o);
    }
}


// ---- a probe strategy: what a strategy is shown --------------------------------------------------

static struct {
    uint8_t *split;  // (dataset n) 1 student pool, 2 student-valid, 3 test
    size_t n;
    int calls, bad;  // bad: 1 cheat with an already-labelled example, 2 the same example twice
    size_t want_valid;  // the student-valid examples the run should keep
    char why[256];
} probe;

// Checks the env: candidates are exactly the unlabelled pool; valid is
// want_valid distinct student-valid examples in index order; labels are
// revealed on labelled and valid examples only (never test, never the
// unlabelled pool, never student-valid outside the kept subset); then picks
// the first b candidates (or cheats, as told).
static int probe_select(const sc_al_env *e, const uint32_t *cand, size_t n, size_t b, uint32_t *pick, sc_err *e_out) {
    probe.calls++;
    uint8_t *lab = calloc(probe.n, 1), *val = calloc(probe.n, 1);
    for (size_t i = 0; i < e->n_labelled; i++) lab[e->labelled[i]] = 1;
    if (e->n_valid != probe.want_valid && !probe.why[0])
        snprintf(probe.why, sizeof probe.why, "%zu valid examples, want %zu", e->n_valid, probe.want_valid);
    for (size_t i = 0; i < e->n_valid; i++) {
        if ((probe.split[e->valid[i]] != 2 || (i && e->valid[i - 1] >= e->valid[i])) && !probe.why[0])
            snprintf(probe.why, sizeof probe.why, "valid[%zu] = %u: not student-valid or out of order", i,
                     e->valid[i]);
        val[e->valid[i]] = 1;
    }
    size_t unl = 0;
    for (size_t j = 0; j < probe.n; j++) {
        int want_known = lab[j] || val[j];
        int shown = e->targets ? !isnan(e->targets[j]) : e->oracle[j] >= 0;  // regression: the targets
        if ((shown != want_known || (e->targets && e->oracle[j] != -1)) && !probe.why[0])
            snprintf(probe.why, sizeof probe.why, "example %zu (split %d, labelled %d): label %d shown", j,
                     probe.split[j], lab[j], e->oracle[j]);
        unl += probe.split[j] == 1 && !lab[j];
    }
    if (n != unl && !probe.why[0]) snprintf(probe.why, sizeof probe.why, "%zu candidates, %zu unlabelled", n, unl);
    for (size_t i = 0; i < n; i++)
        if ((probe.split[cand[i]] != 1 || lab[cand[i]]) && !probe.why[0])
            snprintf(probe.why, sizeof probe.why, "candidate %u is not an unlabelled pool example", cand[i]);
    for (size_t i = 0; i < b; i++) pick[i] = cand[i];
    if (probe.bad == 1) pick[0] = e->labelled[0];
    if (probe.bad == 2 && b > 1) pick[1] = pick[0];
    free(lab), free(val);
    (void)e_out;
    return 0;
}

static const sc_al_strategy_def probe_def = {
    .name = "probe", .summary = "test: checks what it is shown", .cite = "tests", .select = probe_select};

// The probe's view of `task`: its splits and the student-valid size.
static void probe_prepare(const char *task) {
    sc_pipeline *p = calloc(1, sizeof *p);
    sc_err e;
    assert_int_equal(sc_pipeline_open(p, task, NULL, &e), 0);
    free(probe.split);
    probe.n = p->data.n;
    probe.split = calloc(probe.n, 1);
    const int splits[] = {SC_SPLIT_STUDENT_POOL, SC_SPLIT_STUDENT_VALID, SC_SPLIT_TEST};
    for (int s = 0; s < 3; s++) {
        size_t n;
        uint32_t *idx = sc_pipeline_split(p, splits[s], &n);
        for (size_t i = 0; i < n; i++) probe.split[idx[i]] = (uint8_t)(s + 1);
        if (splits[s] == SC_SPLIT_STUDENT_VALID) probe.want_valid = n;
        free(idx);
    }
    sc_pipeline_close(p);
    free(p);
}

static void test_what_a_strategy_sees(void **state) {
    (void)state;
    sc_test_need_task("breast-cancer");
    sc_err e;
    probe_prepare("breast-cancer");
    assert_int_equal(sc_al_strategy_register(&probe_def, &e), 0);
    assert_int_equal(sc_al_strategy_register(&probe_def, &e), -1);
    assert_non_null(strstr(e.msg, "'probe' is already taken"));
    sc_al_outcome o = {0};
    al("breast-cancer", "probe", 1, NULL, NULL, &o, "probe");
    if (probe.why[0]) fail_msg("%s", probe.why);
    assert_int_equal(probe.calls, sc_test_quick() ? 1 : 2);
    sc_al_outcome_free(&o);
    // valid_size keeps a seeded subset of student-valid, labelled and nothing else.
    probe.want_valid = 20, probe.calls = 0;
    al("breast-cancer", "probe", 1, NULL, "valid_size=20", &o, "probe-valid");
    if (probe.why[0]) fail_msg("valid_size=20: %s", probe.why);
    assert_int_equal(probe.calls, sc_test_quick() ? 1 : 2);
    sc_al_outcome_free(&o);
    // A strategy that returns a labelled example, or one example twice, is stopped.
    const char *msg[] = {"", "is not an unlabelled pool example", "is not an unlabelled pool example"};
    for (int bad = 1; bad <= 2; bad++) {
        probe.bad = bad;
        sc_al_run_cfg c = sc_al_run_defaults();
        char dir[300], *sets[] = {"init=8", "query=6", "rounds=1", "epochs=2"};
        snprintf(dir, sizeof dir, "%s/probe-bad", tmp);
        c.task = "breast-cancer", c.strategy = "probe", c.out = dir, c.log = NULL, c.sets = sets, c.n_sets = 4;
        assert_int_equal(sc_al_run(&c, &o, &e), -1);
        if (!strstr(e.msg, msg[bad])) fail_msg("bad %d: %s", bad, e.msg);
        assert_null(o.points);
    }
    probe.bad = 0;
    // Regression: the targets revealed exactly where labels would be, no class shown.
    sc_test_need_task("diabetes");
    probe_prepare("diabetes");
    probe.calls = 0, probe.why[0] = '\0';  // the cheating runs above left their complaint
    al("diabetes", "probe", 1, NULL, NULL, &o, "probe-reg");
    if (probe.why[0]) fail_msg("diabetes: %s", probe.why);
    assert_int_equal(probe.calls, sc_test_quick() ? 1 : 2);
    sc_al_outcome_free(&o);
    free(probe.split);
    probe.split = NULL;
}

// Regression (diabetes): the strategies that need no class probabilities, end
// to end; the score is Pearson r with the RMSE beside it; the explanation
// strategy learns from the worse half of student-valid.
static void test_regression(void **state) {
    (void)state;
    sc_test_need_task("diabetes");
    const char *strategies[] = {"random", "core-set", "dami", "explanation"};
    double first = 0;
    for (int i = 0; i < 4; i++) {
        sc_al_outcome o = {0};
        char tag[64];
        snprintf(tag, sizeof tag, "reg-%s", strategies[i]);
        al("diabetes", strategies[i], 1, NULL, NULL, &o, tag);
        assert_true(o.regression);
        check_outcome("diabetes", &o, sc_test_quick() ? 1 : 2);
        check_file(&o);
        if (i == 0) first = o.points[0].test_accuracy;
        assert_true(o.points[0].test_accuracy == first);  // the same initial set and model: the same r
        assert_true(o.points[o.n_points - 1].test_accuracy > 0.1);  // it learns something from 20 or 14 labels
        if (i == 3) {
            const char *note = o.points[1].note;
            if (!strstr(note, "11 validation mistakes explained")) fail_msg("explanation note: '%s'", note);
        }
        sc_al_outcome_free(&o);
    }
}

static int setup(void **state) {
    (void)state;
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    if (system(cmd)) return -1;
    return sc_test_teardown(state);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals),       cmocka_unit_test(test_every_strategy),
        cmocka_unit_test(test_determinism),    cmocka_unit_test(test_teacher_oracle),
        cmocka_unit_test(test_text),           cmocka_unit_test(test_images),
        cmocka_unit_test(test_what_a_strategy_sees), cmocka_unit_test(test_regression),
    };
    return cmocka_run_group_tests_name("al_loop", tests, setup, teardown);
}
