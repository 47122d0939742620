// Masked-token pretraining: the masking rule's counts on a fixed seed, the
// held-out loss falls in a few steps, the checkpoint carries its provenance and
// round-trips, an interrupted run resumes bit-identically, and bad resumes and
// configurations fail with messages that say what is wrong.
//
// The corpus is generated here: sentences of a small grammar, so a tiny model
// learns something in tens of steps.
#include "sc_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/rng.h"
#include "io/checkpoint.h"
#include "pretrain/mlm.h"
#include "pretrain/pretrain.h"
#include "report/report.h"

// ---- the masking rule ---------------------------------------------------------------------

static void test_mask_rule_counts(void **state) {
    (void)state;
    enum { B = 400, T = 41, V = 500 };
    static int32_t ids[B * T], orig[B * T], tgt[B * T];
    static float mask[B * T];
    for (int b = 0; b < B; b++) {
        int len = 1 + 20 + b % 21;  // [CLS] + 20..40 tokens, then padding
        for (int t = 0; t < T; t++) {
            ids[b * T + t] = t == 0 ? 2 : t < len ? 4 + (b * 7 + t * 13) % (V - 4) : 0;
            mask[b * T + t] = t < len;
        }
    }
    memcpy(orig, ids, sizeof ids);
    sc_mlm_rule r = sc_mlm_rule_bert(3, 4, V);
    sc_rng g;
    sc_rng_seed(&g, 7);
    size_t chosen = sc_mlm_mask(&r, ids, mask, B, T, &g, tgt);
    size_t want = 0, n_mask = 0, n_rand = 0, n_keep = 0;
    for (int b = 0; b < B; b++) {
        int n = 20 + b % 21;
        size_t k = (size_t)llround(0.15 * n), got = 0;
        want += k;
        for (int t = 0; t < T; t++) {
            int i = b * T + t;
            if (tgt[i] < 0) {
                assert_int_equal(ids[i], orig[i]);  // untouched where not chosen
                continue;
            }
            assert_true(t > 0 && mask[i] != 0);  // never [CLS], never padding
            assert_int_equal(tgt[i], orig[i]);
            got++;
            if (ids[i] == 3) n_mask++;
            else if (ids[i] == orig[i]) n_keep++;
            else {
                assert_true(ids[i] >= 4 && ids[i] < V);  // a random non-special token
                n_rand++;
            }
        }
        assert_int_equal(got, k);  // exactly round(15%) per row
    }
    assert_int_equal(chosen, want);
    double f_mask = (double)n_mask / chosen, f_rand = (double)n_rand / chosen, f_keep = (double)n_keep / chosen;
    // 2,400 draws: 3 standard deviations are about 0.025 (80%) and 0.018 (10%).
    if (fabs(f_mask - 0.8) > 0.025 || fabs(f_rand - 0.1) > 0.018 || fabs(f_keep - 0.1) > 0.018)
        fail_msg("80/10/10 rule: got %.3f / %.3f / %.3f of %zu", f_mask, f_rand, f_keep, chosen);
    // The same seed, the same masks.
    static int32_t ids2[B * T], tgt2[B * T];
    memcpy(ids2, orig, sizeof orig);
    sc_rng_seed(&g, 7);
    sc_mlm_mask(&r, ids2, mask, B, T, &g, tgt2);
    assert_memory_equal(ids, ids2, sizeof ids);
    assert_memory_equal(tgt, tgt2, sizeof tgt);
}

// ---- a generated corpus -------------------------------------------------------------------

typedef struct corpus {
    char *blob;
    size_t *off, n;
} corpus;

static corpus make_corpus(size_t n) {
    static const char *det[] = {"the", "a", "every", "no"};
    static const char *adj[] = {"small", "red", "old", "quiet", "bright", "cold"};
    static const char *noun[] = {"cat", "dog", "bird", "child", "teacher", "river", "house", "tree"};
    static const char *verb[] = {"sees", "likes", "follows", "finds", "watches"};
    static const char *prep[] = {"near", "under", "behind", "beside"};
    corpus c = {malloc(n * 120), malloc(sizeof(size_t) * n), n};
    assert_non_null(c.blob);
    sc_rng g;
    sc_rng_seed(&g, 99);
    size_t used = 0;
#define PICK(a) a[sc_rng_below(&g, sizeof a / sizeof a[0])]
    for (size_t i = 0; i < n; i++) {
        c.off[i] = used;
        used += (size_t)sprintf(c.blob + used, "%s %s %s %s %s %s %s the %s .", PICK(det), PICK(adj), PICK(noun),
                                PICK(verb), PICK(det), PICK(noun), PICK(prep), PICK(noun)) + 1;
    }
#undef PICK
    return c;
}

static const char *dir_a = "/tmp/sc_test_pretrain_a", *dir_b = "/tmp/sc_test_pretrain_b";

static int pretrain(const char *out, const char *const *sets, int n_sets, int resume, sc_pretrain_outcome *o,
                    sc_err *err) {
    static corpus c;
    if (!c.blob) c = make_corpus(sc_test_quick() ? 400 : 1500);
    sc_pretrain_cfg cfg = {.arch = "transformer", .out = out, .sets = sets, .n_sets = n_sets, .seed = 3,
                           .resume = resume};
    return sc_pretrain_run_texts(&cfg, "grammar", "0123456789abcdef", c.blob, c.off, c.n, o, err);
}

#define BASE "layers=1", "width=32", "heads=2", "dropout=0.1", "batch_size=32", "held_out=100", "warmup=5", \
             "eval_every=10", "lr=3e-3"

static void test_loss_falls_and_checkpoint(void **state) {
    (void)state;
    int quick = sc_test_quick();
    const char *sets[] = {BASE, quick ? "steps=12" : "steps=60"};
    sc_pretrain_outcome o;
    sc_err e;
    assert_int_equal(system("rm -rf /tmp/sc_test_pretrain_a"), 0);
    if (pretrain(dir_a, sets, 10, 0, &o, &e)) fail_msg("%s", e.msg);
    assert_int_equal(o.steps, quick ? 12 : 60);
    // Before training the held-out loss is about log V (a uniform guess over the vocabulary).
    assert_true(fabs(o.valid_loss0 - log((double)o.vocab_size)) < 0.5);
    print_message("held-out masked-token loss %.4f -> %.4f after %ld steps (vocabulary %zu)\n", o.valid_loss0,
                  o.valid_loss, o.steps, o.vocab_size);
    if (!(o.valid_loss < o.valid_loss0 - (quick ? 0.2 : 1.0)))
        fail_msg("held-out masked-token loss %.4f -> %.4f: did not fall", o.valid_loss0, o.valid_loss);
    // The backbone: a text transformer with the vocabulary (and [MASK]) and its provenance.
    sc_model m;
    sc_ckpt_extra x;
    sc_ckpt_extra_init(&x);
    char p[256], q[256];
    snprintf(p, sizeof p, "%s/pretrained.ckpt", dir_a);
    if (sc_checkpoint_load(p, &m, &x, &e)) fail_msg("%s", e.msg);
    assert_string_equal(m.def->name, "transformer");
    assert_string_equal(x.pre_objective, "masked-tokens");
    assert_string_equal(x.pre_corpus, "grammar");
    assert_string_equal(x.pre_digest, "0123456789abcdef");
    assert_non_null(x.vocab);
    assert_int_equal(x.vocab->n, o.vocab_size);
    assert_int_equal(sc_vocab_id(x.vocab, "[MASK]"), (int32_t)o.vocab_size - 1);
    assert_int_equal(sc_vocab_id(x.vocab, "teacher") > 2, 1);
    assert_int_equal(x.step, o.steps);
    // Saved again it is the same bytes.
    snprintf(q, sizeof q, "%s/again.ckpt", dir_a);
    if (sc_checkpoint_save(q, &m, &x, &e)) fail_msg("%s", e.msg);
    sc_test_expect_same_bytes(p, q);
    sc_model_free(&m);
    sc_ckpt_extra_free(&x);
    // The page people look at: the loss curves (scaffold report DIR).
    assert_true(sc_report_is_pretrain(dir_a));
    snprintf(q, sizeof q, "%s/report.html", dir_a);
    if (sc_report_pretrain_write(dir_a, q, NULL, &e)) fail_msg("%s", e.msg);
    const char *const want[] = {"<svg", "held out", "masked-tokens", "grammar", NULL};
    free(sc_test_file_with(q, want));
}

// An interrupted run (stop_at) resumed with --resume ends with the same bytes as
// one that ran straight through.
static void test_resume_bit_identical(void **state) {
    (void)state;
    int quick = sc_test_quick();
    const char *steps = quick ? "steps=8" : "steps=30", *stop = quick ? "stop_at=3" : "stop_at=13";
    const char *whole[] = {BASE, steps, "save_every=7"};
    const char *part[] = {BASE, steps, "save_every=7", stop};
    sc_pretrain_outcome o1, o2;
    sc_err e;
    assert_int_equal(system("rm -rf /tmp/sc_test_pretrain_a /tmp/sc_test_pretrain_b"), 0);
    if (pretrain(dir_a, whole, 11, 0, &o1, &e)) fail_msg("%s", e.msg);
    if (pretrain(dir_b, part, 12, 0, &o2, &e)) fail_msg("%s", e.msg);
    assert_int_equal(o2.steps, quick ? 3 : 13);
    if (pretrain(dir_b, whole, 11, 1, &o2, &e)) fail_msg("%s", e.msg);
    assert_int_equal(o2.resumed_from, quick ? 3 : 13);
    assert_int_equal(o2.steps, o1.steps);
    assert_true(o2.valid_loss == o1.valid_loss);
    sc_test_expect_same_bytes("/tmp/sc_test_pretrain_a/pretrained.ckpt", "/tmp/sc_test_pretrain_b/pretrained.ckpt");

    // Resuming with another configuration is refused, naming the cause.
    const char *other[] = {BASE, steps, "save_every=7", "mask_prob=0.2"};
    assert_int_not_equal(pretrain(dir_b, other, 12, 1, &o2, &e), 0);
    assert_non_null(strstr(e.msg, "another configuration"));
    // A state that does not belong to the checkpoint (a save cut between the two files).
    assert_int_equal(system("cp /tmp/sc_test_pretrain_a/pretrained.ckpt /tmp/sc_ckpt_keep && "
                            "rm -rf /tmp/sc_test_pretrain_b && mkdir -p /tmp/sc_test_pretrain_b"), 0);
    if (pretrain(dir_b, part, 12, 0, &o2, &e)) fail_msg("%s", e.msg);
    assert_int_equal(system("cp /tmp/sc_ckpt_keep /tmp/sc_test_pretrain_b/pretrained.ckpt"), 0);
    assert_int_not_equal(pretrain(dir_b, whole, 11, 1, &o2, &e), 0);
    assert_non_null(strstr(e.msg, "does not belong to pretrained.ckpt"));
    // A truncated state.
    if (pretrain(dir_b, part, 12, 0, &o2, &e)) fail_msg("%s", e.msg);
    assert_int_equal(truncate("/tmp/sc_test_pretrain_b/pretrain.state", 100), 0);
    assert_int_not_equal(pretrain(dir_b, whole, 11, 1, &o2, &e), 0);
    assert_non_null(strstr(e.msg, "pretrain.state"));
    // Nothing to resume from.
    assert_int_equal(system("rm -rf /tmp/sc_test_pretrain_b /tmp/sc_ckpt_keep"), 0);
    assert_int_not_equal(pretrain(dir_b, whole, 11, 1, &o2, &e), 0);
    assert_non_null(strstr(e.msg, "has no pretrained.ckpt and pretrain.state to resume from"));
    assert_int_equal(system("rm -rf /tmp/sc_test_pretrain_a /tmp/sc_test_pretrain_b"), 0);
}

static void test_bad_configuration(void **state) {
    (void)state;
    sc_pretrain_outcome o;
    sc_err e;
    const char *unknown[] = {"widht=32"};
    assert_int_not_equal(pretrain(dir_a, unknown, 1, 0, &o, &e), 0);
    assert_non_null(strstr(e.msg, "widht"));
    const char *big[] = {"held_out=100000"};
    assert_int_not_equal(pretrain(dir_a, big, 1, 0, &o, &e), 0);
    assert_non_null(strstr(e.msg, "held_out"));
    const char *bad[] = {"mask_prob=2"};
    assert_int_not_equal(pretrain(dir_a, bad, 1, 0, &o, &e), 0);
    assert_non_null(strstr(e.msg, "mask_prob"));
    sc_pretrain_cfg cfg = {.arch = "vit", .out = dir_a, .seed = 1};
    char blob[] = "a b c";
    size_t off = 0;
    assert_int_not_equal(sc_pretrain_run_texts(&cfg, "x", "d", blob, &off, 1, &o, &e), 0);
    assert_non_null(strstr(e.msg, "not a text model"));
    assert_int_equal(system("rm -rf /tmp/sc_test_pretrain_a"), 0);
}

// ---- starting teachers and students from the backbone (--init) ---------------------------

#include "core/sha256.h"
#include "io/backbone.h"
#include "io/result_read.h"
#include "smat/student_run.h"
#include "smat/teacher_run.h"

static const char *dir_t = "/tmp/sc_test_pretrain_teacher", *dir_s = "/tmp/sc_test_pretrain_student";

// synth-text, or under valgrind (SCAFFOLD_TEST_QUICK) a 200-example copy of it.
static const char *task(void) {
    static char path[300];
    if (!sc_test_quick()) return "synth-text";
    if (!path[0]) {
        char parent[200];
        snprintf(parent, sizeof parent, "/tmp/sc_test_pretrain_task_%d", (int)getpid());
        sc_test_synth_copy(parent, "synth-text", 200);
        snprintf(path, sizeof path, "%s/synth-text", parent);
    }
    return path;
}

static int teacher(const char *init, char **sets, int n_sets, sc_err *e) {
    sc_teacher_run_cfg c = sc_teacher_run_defaults();
    c.task = task(), c.arch = "transformer", c.out = dir_t, c.init = init, c.sets = sets, c.n_sets = n_sets;
    c.log = NULL;
    sc_teacher_outcome o;
    return sc_teacher_run(&c, &o, e);
}

static int student(const char *init, char **sets, int n_sets, sc_err *e) {
    sc_student_run_cfg c = sc_student_run_defaults();
    c.teacher_ckpt = dir_t, c.explainer = "none", c.n = 20, c.out = dir_s, c.init = init, c.sets = sets;
    c.n_sets = n_sets, c.log = NULL;
    sc_student_outcome o;
    int rc = sc_student_run(&c, &o, e);
    if (!rc) sc_student_outcome_free(&o);
    return rc;
}

static void test_init_from_backbone(void **state) {
    (void)state;
    const char *sets[] = {BASE, "steps=4", "max_tokens=48"};
    sc_pretrain_outcome o;
    sc_err e;
    assert_int_equal(system("rm -rf /tmp/sc_test_pretrain_a /tmp/sc_test_pretrain_teacher"), 0);
    if (pretrain(dir_a, sets, 11, 0, &o, &e)) fail_msg("%s", e.msg);
    // The model takes the backbone's sizes over the task's config file and every
    // weight but the head; positions are cut to the task's max_tokens.
    sc_backbone *b;
    if (sc_backbone_open(&b, dir_a, &e)) fail_msg("%s", e.msg);
    sc_config cfg;
    sc_config_init(&cfg);
    assert_int_equal(sc_config_set(&cfg, "width", "16", "a config file line 3", &e), 0);
    assert_int_equal(sc_backbone_adopt_config(b, &cfg, &e), 0);
    assert_string_equal(sc_config_str(&cfg, "width"), "32");
    assert_null(sc_config_find(&cfg, "dropout"));  // the run's own choice
    sc_model_shape sh = b->model.shape;
    sh.max_tokens = 20, sh.n_outputs = 3;
    sc_model m;
    if (sc_model_create(&m, sc_model_find("student", "transformer"), &sh, &cfg, 9, &e)) fail_msg("%s", e.msg);
    if (sc_backbone_init_model(b, &m, &e)) fail_msg("%s", e.msg);
    for (int i = 0; i < m.params.n; i++) {
        const sc_tensor *t = m.params.t[i], *s = sc_params_get(&b->model.params, m.params.names[i]);
        if (!strncmp(m.params.names[i], "head.", 5)) continue;
        assert_non_null(s);
        for (int64_t j = 0; j < t->numel; j++)
            if (sc_tensor_get(t, j) != sc_tensor_get(s, j)) fail_msg("%s[%lld] was not copied", m.params.names[i], (long long)j);
    }
    sc_model_free(&m);
    // --set sizes that disagree with the backbone fail, naming both shapes.
    sc_config_init(&cfg);
    assert_int_equal(sc_config_set_kv(&cfg, "width=16", &e), 0);
    assert_int_equal(sc_backbone_adopt_config(b, &cfg, &e), 0);
    if (sc_model_create(&m, sc_model_find("student", "transformer"), &sh, &cfg, 9, &e)) fail_msg("%s", e.msg);
    assert_int_not_equal(sc_backbone_init_model(b, &m, &e), 0);
    assert_non_null(strstr(e.msg, ", 16)"));
    assert_non_null(strstr(e.msg, ", 32)"));
    sc_model_free(&m);
    // A task longer than the backbone's positions.
    sc_config_init(&cfg);
    assert_int_equal(sc_backbone_adopt_config(b, &cfg, &e), 0);
    sh.max_tokens = 64;
    if (sc_model_create(&m, sc_model_find("teacher", "transformer"), &sh, &cfg, 9, &e)) fail_msg("%s", e.msg);
    assert_int_not_equal(sc_backbone_init_model(b, &m, &e), 0);
    assert_non_null(strstr(e.msg, "max_tokens"));
    sc_model_free(&m);
    sc_backbone_close(b);

    // The runs: a teacher from the backbone is tokenized with its vocabulary.
    char *quick[] = {"max_steps=2", "epochs=1"};
    if (teacher(dir_a, quick, 2, &e)) fail_msg("%s", e.msg);
    sc_model t;
    sc_ckpt_extra x;
    sc_ckpt_extra_init(&x);
    if (sc_checkpoint_load("/tmp/sc_test_pretrain_teacher/teacher.ckpt", &t, &x, &e)) fail_msg("%s", e.msg);
    assert_int_equal(x.vocab->n, o.vocab_size);
    assert_string_equal(sc_config_str(&t.cfg, "width"), "32");
    sc_model_free(&t);
    sc_ckpt_extra_free(&x);
    // ... and so is a student from the same backbone; one from another backbone is refused.
    if (student(dir_a, quick, 2, &e)) fail_msg("%s", e.msg);
    // Both result files name the backbone: its path and the sha256 of its bytes.
    char sha[65];
    assert_int_equal(sc_sha256_file("/tmp/sc_test_pretrain_a/pretrained.ckpt", sha, &e), 0);
    const char *results[] = {"/tmp/sc_test_pretrain_teacher/metrics.msgpack", "/tmp/sc_test_pretrain_student/metrics.msgpack"};
    for (int i = 0; i < 2; i++) {
        sc_result_doc d;
        char buf[1100];
        if (sc_result_load(&d, results[i], &e)) fail_msg("%s", e.msg);
        assert_int_equal(sc_result_str(&d, "init.sha256", buf, sizeof buf, &e), 0);
        assert_string_equal(buf, sha);
        assert_int_equal(sc_result_str(&d, "init.path", buf, sizeof buf, &e), 0);
        assert_string_equal(buf, "/tmp/sc_test_pretrain_a/pretrained.ckpt");
        assert_int_equal(sc_result_str(&d, "init.objective", buf, sizeof buf, &e), 0);
        assert_string_equal(buf, "masked-tokens");
        sc_result_doc_free(&d);
    }
    const char *other[] = {BASE, "steps=2", "max_tokens=48", "min_freq=500"};  // a smaller vocabulary
    if (pretrain(dir_b, other, 12, 0, &o, &e)) fail_msg("%s", e.msg);
    assert_int_not_equal(student(dir_b, quick, 2, &e), 0);
    assert_non_null(strstr(e.msg, "not tokenized with this backbone"));
    // A trained teacher is not a backbone; an image task cannot start from a text one.
    assert_int_not_equal(teacher("/tmp/sc_test_pretrain_teacher/teacher.ckpt", quick, 2, &e), 0);
    assert_non_null(strstr(e.msg, "not a pretrained backbone"));
    assert_int_not_equal(teacher("/tmp/sc_test_pretrain_teacher", quick, 2, &e), 0);
    assert_non_null(strstr(e.msg, "holds no pretrained.ckpt"));
    assert_int_equal(system("rm -rf /tmp/sc_test_pretrain_a /tmp/sc_test_pretrain_b /tmp/sc_test_pretrain_teacher "
                            "/tmp/sc_test_pretrain_student"), 0);
}

// ---- images: masked cells (SimMIM) on a ViT ---------------------------------------------------

#include "nn/vit.h"
#include "pretrain/mim.h"

static void test_mim_choose(void **state) {
    (void)state;
    enum { B = 50, U = 49 };
    static float a[B * U], b[B * U];
    sc_rng g;
    sc_rng_seed(&g, 5);
    assert_int_equal(sc_mim_choose(B, U, 0.5, &g, a), B * 25);  // round(0.5 * 49) = 25 per image
    for (int i = 0; i < B; i++) {
        int n = 0;
        for (int u = 0; u < U; u++) {
            assert_true(a[i * U + u] == 0.0f || a[i * U + u] == 1.0f);
            n += a[i * U + u] != 0;
        }
        assert_int_equal(n, 25);
    }
    sc_rng_seed(&g, 5);
    sc_mim_choose(B, U, 0.5, &g, b);
    assert_memory_equal(a, b, sizeof a);
    sc_rng_seed(&g, 5);
    assert_int_equal(sc_mim_choose(B, U, 0.001, &g, b), B);  // at least one cell each
}

// The masked-cell loss on a small f64 ViT, no task needed (so it also runs under
// valgrind and ASan): the mask vector enters only through replaced cells, its
// gradient matches central differences, and a batch with no chosen cell is an error.
static double mim_loss_at(sc_ctx *ctx, const sc_model *m, const sc_mim_head *h, sc_tensor *images, const float *rep,
                          sc_tensor **grad) {
    sc_ctx_reset(ctx);
    const int64_t s[2] = {2, 4};
    sc_tensor *r = sc_empty(ctx, SC_F64, 2, s), *img = sc_empty(ctx, SC_F64, 4, images->shape);
    for (int64_t j = 0; j < 8; j++) sc_tensor_set(r, j, rep[j]);
    for (int64_t j = 0; j < img->numel; j++) sc_tensor_set(img, j, sc_tensor_get(images, j));
    sc_inputs in = {.B = 2, .images = img, .unit_replace = r, .unit_replacement = h->mask};
    sc_model_state st;
    memset(&st, 0, sizeof st);
    if (!sc_model_forward(m, ctx, &in, 0, &st)) fail_msg("%s", ctx->err.msg);
    size_t n;
    sc_tensor *l = sc_mim_loss(h, ctx, st.sequence, sc_image_to_cells(ctx, img, 4), rep, &n);
    if (!l) fail_msg("%s", ctx->err.msg);
    assert_int_equal(n, 3);
    if (grad) {
        sc_tensor **g = sc_grad(ctx, &l, 1, &h->mask, 1, NULL, 0);
        if (!g) fail_msg("%s", ctx->err.msg);
        *grad = g[0];
    }
    return sc_tensor_get(l, 0);
}

static void test_mim_loss_gradient(void **state) {
    (void)state;
    sc_err e;
    sc_config cfg;
    sc_config_init(&cfg);
    const char *kv[] = {"patch=4", "layers=1", "width=8", "heads=2", "dropout=0", "dtype=f64"};
    for (int i = 0; i < 6; i++) assert_int_equal(sc_config_set_kv(&cfg, kv[i], &e), 0);
    sc_model_shape sh = {.modality = SC_IMAGE, .n_outputs = 3, .C = 1, .H = 8, .W = 8};
    sc_model m;
    if (sc_model_create(&m, sc_model_find("teacher", "vit"), &sh, &cfg, 4, &e)) fail_msg("%s", e.msg);
    sc_params head;
    assert_int_equal(sc_params_init(&head, 1 << 16, &e), 0);
    sc_mim_head h;
    sc_rng g;
    sc_rng_seed(&g, 8);
    assert_int_equal(sc_mim_head_build(&h, &head, 8, 16, SC_F64, &g, &e), 0);
    sc_init_normal(h.mask, &g, 0.5);  // away from zero, so the replaced rows differ from any cell
    sc_ctx ctx;
    assert_int_equal(sc_ctx_init(&ctx, (size_t)64 << 20, 1, &e), 0);
    const int64_t is[4] = {2, 1, 8, 8};
    sc_tensor *images = sc_empty_in(&head.arena, SC_F64, 4, is);  // lives across resets
    assert_non_null(images);
    sc_test_fill(images, 3, 0.5);
    const float rep[8] = {1, 0, 0, 1, 0, 0, 1, 0};  // 3 of the 2 x 4 cells
    sc_tensor *gm;
    mim_loss_at(&ctx, &m, &h, images, rep, &gm);
    double an[8], eps = 1e-6;
    for (int k = 0; k < 8; k++) an[k] = sc_tensor_get(gm, k);
    for (int k = 0; k < 8; k++) {
        double v = sc_tensor_get(h.mask, k);
        sc_tensor_set(h.mask, k, v + eps);
        double lp = mim_loss_at(&ctx, &m, &h, images, rep, NULL);
        sc_tensor_set(h.mask, k, v - eps);
        double lm = mim_loss_at(&ctx, &m, &h, images, rep, NULL);
        sc_tensor_set(h.mask, k, v);
        double fd = (lp - lm) / (2 * eps);
        if (fabs(fd - an[k]) > 1e-6 * (1 + fabs(fd))) fail_msg("d loss / d mask[%d]: %.10g vs fd %.10g", k, an[k], fd);
    }
    double norm = 0;
    for (int k = 0; k < 8; k++) norm += fabs(an[k]);
    assert_true(norm > 1e-8);  // the mask vector does reach the loss
    sc_ctx_reset(&ctx);
    const float none[8] = {0};
    size_t n;
    const int64_t s3[3] = {2, 5, 8}, c3[3] = {2, 4, 16};
    assert_null(sc_mim_loss(&h, &ctx, sc_zeros(&ctx, SC_F64, 3, s3), sc_zeros(&ctx, SC_F64, 3, c3), none, &n));
    assert_non_null(strstr(ctx.err.msg, "no cell was chosen"));
    sc_ctx_free(&ctx);
    sc_params_free(&head);
    sc_model_free(&m);
}

// A ViT learns to fill in masked cells of fashion-mnist, and a teacher starts from it.
// (The task's 70,000 images are too slow to load under valgrind: skipped there.)
static void test_vit_pretrain_and_init(void **state) {
    (void)state;
    if (sc_test_quick()) skip();
    sc_test_need_task("fashion-mnist");
    const char *sets[] = {"layers=1", "width=32", "heads=2", "batch_size=32", "held_out=100", "steps=40",
                          "eval_every=20", "lr=3e-3", "warmup=4"};
    sc_pretrain_cfg cfg = {.arch = "vit", .task = "fashion-mnist", .out = dir_a, .sets = sets, .n_sets = 9,
                           .seed = 2};
    sc_pretrain_outcome o;
    sc_err e;
    assert_int_equal(system("rm -rf /tmp/sc_test_pretrain_a /tmp/sc_test_pretrain_teacher"), 0);
    if (sc_pretrain_run(&cfg, &o, &e)) fail_msg("%s", e.msg);
    print_message("held-out masked-cell loss %.4f -> %.4f after %ld steps\n", o.valid_loss0, o.valid_loss, o.steps);
    assert_string_equal(o.objective, "masked-cells");
    assert_int_equal(o.n_train + o.n_valid, 45000 + 9000);  // teacher-train and student-pool only
    if (!(o.valid_loss < 0.7 * o.valid_loss0)) fail_msg("masked-cell loss %.4f -> %.4f", o.valid_loss0, o.valid_loss);
    sc_model m;
    sc_ckpt_extra x;
    sc_ckpt_extra_init(&x);
    if (sc_checkpoint_load("/tmp/sc_test_pretrain_a/pretrained.ckpt", &m, &x, &e)) fail_msg("%s", e.msg);
    assert_string_equal(x.pre_objective, "masked-cells");
    assert_string_equal(x.pre_corpus, "fashion-mnist");
    assert_null(x.vocab);
    // The result file says what was learned (its page reads it).
    if (sc_report_pretrain_write(dir_a, "/tmp/sc_test_pretrain_a/report.html", NULL, &e)) fail_msg("%s", e.msg);
    const char *const want[] = {"masked-cells", "cells seen", "fashion-mnist", NULL};
    free(sc_test_file_with("/tmp/sc_test_pretrain_a/report.html", want));
    sc_model_free(&m);
    sc_ckpt_extra_free(&x);
    sc_teacher_run_cfg c = sc_teacher_run_defaults();
    char *quick[] = {"max_steps=2", "epochs=1"};
    c.task = "fashion-mnist", c.arch = "vit", c.out = dir_t, c.init = dir_a, c.sets = quick, c.n_sets = 2, c.log = NULL;
    sc_teacher_outcome to;
    if (sc_teacher_run(&c, &to, &e)) fail_msg("%s", e.msg);
    // A text backbone cannot start an image teacher.
    const char *tsets[] = {BASE, "steps=2"};
    if (pretrain(dir_b, tsets, 10, 0, &o, &e)) fail_msg("%s", e.msg);
    c.init = dir_b;
    assert_int_not_equal(sc_teacher_run(&c, &to, &e), 0);
    assert_non_null(strstr(e.msg, "cannot start a 'vit' teacher"));
    assert_int_equal(system("rm -rf /tmp/sc_test_pretrain_a /tmp/sc_test_pretrain_b /tmp/sc_test_pretrain_teacher"), 0);
}

// The image path at a size memcheck and ASan can run: a 120-image 8x8 IDX task
// (a fixed pattern plus per-image noise, so masked cells are predictable). Only
// teacher-train and student-pool images are used; the loss falls; a run stopped
// and resumed writes the same bytes as one run straight through.
#include "data/cache.h"
#include "data/task.h"
#include "tasks_util.h"

static void write_tiny_image_task(const char *dir) {
    enum { N = 120, H = 8, W = 8 };
    static unsigned char img[16 + N * H * W], lab[8 + N];
    const unsigned char ih[16] = {0, 0, 8, 3, 0, 0, 0, N, 0, 0, 0, H, 0, 0, 0, W}, lh[8] = {0, 0, 8, 1, 0, 0, 0, N};
    memcpy(img, ih, 16);
    memcpy(lab, lh, 8);
    sc_rng g;
    sc_rng_seed(&g, 5);
    for (int i = 0; i < N; i++) {
        lab[8 + i] = (unsigned char)(i % 2);
        for (int p = 0; p < H * W; p++)
            img[16 + i * H * W + p] = (unsigned char)(((p / W + p % W) % 4) * 60 + (int)sc_rng_below(&g, 20));
    }
    tu_write(dir, "i", img, sizeof img);
    tu_write(dir, "l", lab, sizeof lab);
    char si[65], sl[65], yaml[1024];
    tu_sha_of(dir, "i", si);
    tu_sha_of(dir, "l", sl);
    snprintf(yaml, sizeof yaml,
             "name: tiny-images\nmodality: image\nlabels: {kind: classification, classes: [a, b]}\n"
             "source: {kind: local, path: ., files: [{name: i, sha256: %s}, {name: l, sha256: %s}]}\n"
             "read: {format: idx, partitions: {all: {images: i, labels: l}}}\n"
             "splits: {seed: 1, partitions: {all: {teacher-train: 0.5, student-pool: 0.25, test: 0.25}}}\n"
             "input: {image: {height: 8, width: 8, channels: 1}}\n",
             si, sl);
    tu_write_str(dir, "task.yaml", yaml);
}

static void test_vit_pretrain_small_task(void **state) {
    (void)state;
    char root[256], task_dir[300], a[320], b[320];
    tu_tmpdir(root, sizeof root);
    snprintf(task_dir, sizeof task_dir, "%s/tiny-images", root);
    tu_mkdir(root, "tiny-images");
    write_tiny_image_task(task_dir);
    char cache[300];
    snprintf(cache, sizeof cache, "%s/cache", root);
    const char *old = getenv("SCAFFOLD_DATA");
    char keep[1024] = "";
    if (old) snprintf(keep, sizeof keep, "%s", old);
    setenv("SCAFFOLD_DATA", cache, 1);  // a private data cache: nothing written into the user's
    sc_task *t;
    sc_err fe;
    if (sc_task_open(task_dir, &t, &fe) || sc_task_fetch(t, NULL, NULL, &fe)) fail_msg("%s", fe.msg);
    sc_task_free(t);
    snprintf(a, sizeof a, "%s/a", root);
    snprintf(b, sizeof b, "%s/b", root);
    const char *whole[] = {"layers=1", "width=16", "heads=2", "patch=2", "batch_size=8", "held_out=10",
                           "steps=16", "eval_every=8", "save_every=5", "lr=1e-2", "warmup=2"};
    const char *part[] = {"layers=1", "width=16", "heads=2", "patch=2", "batch_size=8", "held_out=10",
                          "steps=16", "eval_every=8", "save_every=5", "lr=1e-2", "warmup=2", "stop_at=7"};
    sc_pretrain_cfg cfg = {.arch = "vit", .task = task_dir, .out = a, .sets = whole, .n_sets = 11, .seed = 4};
    sc_pretrain_outcome o1, o2;
    sc_err e;
    if (sc_pretrain_run(&cfg, &o1, &e)) fail_msg("%s", e.msg);
    assert_string_equal(o1.objective, "masked-cells");
    assert_int_equal(o1.n_train + o1.n_valid, 90);  // teacher-train (60) and student-pool (30): never test
    if (!(o1.valid_loss < 0.7 * o1.valid_loss0)) fail_msg("masked-cell loss %.4f -> %.4f", o1.valid_loss0, o1.valid_loss);
    cfg.out = b, cfg.sets = part, cfg.n_sets = 12;
    if (sc_pretrain_run(&cfg, &o2, &e)) fail_msg("%s", e.msg);
    assert_int_equal(o2.steps, 7);
    cfg.sets = whole, cfg.n_sets = 11, cfg.resume = 1;
    if (sc_pretrain_run(&cfg, &o2, &e)) fail_msg("%s", e.msg);
    assert_int_equal(o2.resumed_from, 7);  // a stop saves where it stops
    assert_true(o2.valid_loss == o1.valid_loss);
    char pa[400], pb[400];
    snprintf(pa, sizeof pa, "%s/pretrained.ckpt", a);
    snprintf(pb, sizeof pb, "%s/pretrained.ckpt", b);
    sc_test_expect_same_bytes(pa, pb);
    if (keep[0]) setenv("SCAFFOLD_DATA", keep, 1);
    else unsetenv("SCAFFOLD_DATA");
    tu_rmtree(root);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mask_rule_counts),
        cmocka_unit_test(test_loss_falls_and_checkpoint),
        cmocka_unit_test(test_resume_bit_identical),
        cmocka_unit_test(test_bad_configuration),
        cmocka_unit_test(test_init_from_backbone),
        cmocka_unit_test(test_mim_choose),
        cmocka_unit_test(test_mim_loss_gradient),
        cmocka_unit_test(test_vit_pretrain_and_init),
        cmocka_unit_test(test_vit_pretrain_small_task),
    };
    return cmocka_run_group_tests(tests, NULL, sc_test_teardown);
}
