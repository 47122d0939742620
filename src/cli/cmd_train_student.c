// scaffold train-student — trains a student to simulate a trained teacher, with
// the teacher's explanations as extra supervision (smat/student.h), optionally
// meta-learning the teacher explainer (--learn-explainer), and writes
// metrics.msgpack (io/results.h) with simulatability, accuracy, curves, timings,
// explainer coefficients and the per-test-example agreement.
//
// Configuration: students/configs/<task>.yaml (or --config FILE), then --set.
// Trainer keys (train/trainer.h) default to the paper's student settings below;
// SMaT keys are sc_student_spec; `teacher.K=V` configures the teacher explainer
// and `student_explainer.K=V` the student's (student_explainer=auto: attention
// for students with attention, else gradient-x-input on the student, trained by
// double backpropagation); every other key is the student architecture's.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/rng.h"
#include "data/cache.h"
#include "eval/metrics.h"
#include "io/checkpoint.h"
#include "io/results.h"
#include "models/transfer.h"
#include "smat/student.h"
#include "train/setup.h"

// The paper's student trainer: SGD, lr 5e-3, clip 5, coupled weight decay 0.01.
static const char *const student_trainer_defaults[][2] = {
    {"optimizer", "sgd"}, {"momentum", "0"}, {"lr", "5e-3"},      {"clip", "5"},         {"weight_decay", "0.01"},
    {"schedule", "constant"}, {"warmup", "0"}, {"epochs", "30"},  {"patience", "5"},     {NULL, NULL},
};

static int is_smat_key(const char *k) {
    for (const sc_config_spec *s = sc_student_spec; s->key; s++)
        if (!strcmp(s->key, k)) return 1;
    return 0;
}

static const char *default_arch(sc_modality m) {
    return m == SC_TEXT ? "transformer" : m == SC_IMAGE ? "vit" : "mlp";
}

// Splits the resolved non-trainer keys into model / smat / teacher. / student_explainer.
static int split_keys(const sc_config *all, sc_config *model, sc_config *smat, sc_config *tcfg, sc_config *scfg,
                      sc_err *err) {
    for (int i = 0; i < all->n; i++) {
        const sc_config_entry *e = &all->e[i];
        sc_config *dst = model;
        const char *k = e->key;
        if (!strncmp(k, "teacher.", 8)) dst = tcfg, k += 8;
        else if (!strncmp(k, "student_explainer.", 18)) dst = scfg, k += 18;
        else if (is_smat_key(k)) dst = smat;
        if (sc_config_set(dst, k, e->value, e->origin, err)) return -1;
    }
    return 0;
}

static void coef_copy(const sc_explainer *e, int have, float *out, int *n) {
    *n = 0;
    if (!have || !e->coef) return;
    int64_t k = e->coef->numel < 256 ? e->coef->numel : 256;
    for (int64_t i = 0; i < k; i++) out[i] = (float)sc_tensor_get(e->coef, i);
    *n = (int)k;
}

// A seeded subset of n examples of the pool (all of it when n == 0).
static uint32_t *subset(const uint32_t *pool, size_t n_pool, size_t n, uint64_t seed) {
    uint32_t *a = malloc(sizeof(uint32_t) * (n_pool + 1));
    if (!a) return NULL;
    memcpy(a, pool, sizeof(uint32_t) * n_pool);
    sc_rng r;
    sc_rng_seed(&r, seed ^ 0x5355425345ull);
    for (size_t i = 0; i < n && i + 1 < n_pool; i++) {  // partial Fisher–Yates: a[0..n) is the sample
        size_t j = i + (size_t)sc_rng_below(&r, (uint64_t)(n_pool - i));
        uint32_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
    return a;
}

int sc_cmd_train_student(int argc, char **argv) {
    const sc_command *me = sc_cli_find("train-student");
    const char *task = NULL, *arch = NULL, *cfg_path = NULL, *out = NULL, *ckpt = NULL, *explainer = NULL;
    char *sets[64];
    const char *label = NULL;  // the row name in `scaffold compare` (default: the explainer, or smat)
    int n_sets = 0, learn = 0;
    unsigned long long seed = 1, n_req = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--task") && has) task = argv[++i];
        else if (!strcmp(a, "--teacher-ckpt") && has) ckpt = argv[++i];
        else if (!strcmp(a, "--explainer") && has) explainer = argv[++i];
        else if (!strcmp(a, "--student") && has) arch = argv[++i];
        else if (!strcmp(a, "--config") && has) cfg_path = argv[++i];
        else if (!strcmp(a, "--out") && has) out = argv[++i];
        else if (!strcmp(a, "--learn-explainer")) learn = 1;
        else if (!strcmp(a, "--label") && has) label = argv[++i];
        else if (!strcmp(a, "--set") && has) {
            if (n_sets == 64) return sc_cli_usage_error(me, "too many --set options (max 64)");
            sets[n_sets++] = argv[++i];
        } else if ((!strcmp(a, "--seed") || !strcmp(a, "--n")) && has) {
            char *end;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || !argv[i][0] || argv[i][0] == '-')
                return sc_cli_usage_error(me, "%s expects a non-negative integer, got '%s'", a, argv[i]);
            if (!strcmp(a, "--seed")) seed = v;
            else n_req = v;
        } else {
            return sc_cli_usage_error(me, "unexpected argument '%s'", a);
        }
    }
    if (!ckpt) return sc_cli_usage_error(me, "--teacher-ckpt is required");
    if (!explainer) return sc_cli_usage_error(me, "--explainer is required (an explainer name, or none)");
    if (!out) return sc_cli_usage_error(me, "--out is required");
    if (strcmp(explainer, "none") && !sc_explainer_find(explainer))
        return sc_cli_usage_error(me, "unknown explainer '%s' (see `scaffold explain --help`; or none)", explainer);

    sc_err err;
    sc_run_config rc;
    sc_config model_cfg, smat_cfg, tcfg, scfg;
    sc_config_init(&model_cfg), sc_config_init(&smat_cfg), sc_config_init(&tcfg), sc_config_init(&scfg);
    sc_pipeline pipe;
    sc_model teacher, student;
    sc_ckpt_extra x;
    sc_ckpt_extra_init(&x);
    sc_ctx ctx;
    sc_student st;
    memset(&st, 0, sizeof st);
    sc_train_opts opts;
    int have_pipe = 0, have_teacher = 0, have_student = 0, have_ctx = 0, have_st = 0, status = SC_EXIT_FAIL;
    uint32_t *pool = NULL, *train = NULL, *valid = NULL, *test = NULL;
    int32_t *pc = NULL;
    float *ps = NULL, *agree = NULL, *gold = NULL, *tscore = NULL;
    char path[1024];
    if (access(ckpt, F_OK) == 0 && !strstr(ckpt, ".ckpt")) snprintf(path, sizeof path, "%s/teacher.ckpt", ckpt);
    else snprintf(path, sizeof path, "%s", ckpt);
    if (sc_checkpoint_load(path, &teacher, &x, &err)) goto fail;
    have_teacher = 1;
    if (!task) task = x.task;
    if (x.task[0] && strcmp(task, x.task)) {
        sc_errf(&err, "%s was trained on task '%s', not '%s'", path, x.task, task);
        goto fail;
    }
    char def_cfg[512];
    snprintf(def_cfg, sizeof def_cfg, "%s/students/configs/%s.yaml", sc_task_root(), task);
    if (!arch && !cfg_path && access(def_cfg, R_OK) != 0) arch = default_arch(teacher.shape.modality);
    if (sc_run_config_resolve(&rc, "student", task, cfg_path, arch, sets, n_sets, &err)) goto fail;
    for (int i = 0; student_trainer_defaults[i][0]; i++)
        if (!sc_config_find(&rc.trainer, student_trainer_defaults[i][0]) &&
            sc_config_set(&rc.trainer, student_trainer_defaults[i][0], student_trainer_defaults[i][1],
                          "student default", &err))
            goto fail;
    if (!sc_config_find(&rc.trainer, "batch_size") &&
        sc_config_set(&rc.trainer, "batch_size", teacher.shape.modality == SC_TEXT ? "32" : "16", "student default",
                      &err))
        goto fail;
    if (split_keys(&rc.model, &model_cfg, &smat_cfg, &tcfg, &scfg, &err) ||
        sc_train_opts_from_config(&opts, &rc.trainer, &err))
        goto fail;
    sc_student_cfg scf;
    if (sc_student_cfg_from_config(&scf, &smat_cfg, explainer, teacher.shape.regression, opts.batch_size, &err))
        goto fail;
    scf.learn = learn;
    const sc_model_def *def = sc_model_find("student", rc.arch);
    if (!def) {
        sc_errf(&err, "no student architecture '%s' (see `scaffold models`)", rc.arch);
        goto fail;
    }
    if (sc_mkdirs(out, &err) || sc_pipeline_open(&pipe, task, x.vocab, &err)) goto fail;
    have_pipe = 1;
    if (sc_model_create(&student, def, &pipe.shape, &model_cfg, seed, &err)) goto fail;
    have_student = 1;
    if (scf.init_embeddings && sc_model_init_embeddings_from(&student, &teacher, &err)) goto fail;
    if (student.dtype != teacher.dtype) {
        sc_errf(&err, "student dtype %s differs from the teacher's %s (set dtype=%s)", sc_dtype_name(student.dtype),
                sc_dtype_name(teacher.dtype), sc_dtype_name(teacher.dtype));
        goto fail;
    }
    if (sc_ctx_init(&ctx, (size_t)opts.arena_mb << 20, seed ^ 0x57D0ull, &err)) goto fail;
    have_ctx = 1;
    size_t n_pool, n_valid, n_test;
    pool = sc_pipeline_split(&pipe, SC_SPLIT_STUDENT_POOL, &n_pool);
    valid = sc_pipeline_split(&pipe, SC_SPLIT_STUDENT_VALID, &n_valid);
    test = sc_pipeline_split(&pipe, SC_SPLIT_TEST, &n_test);
    if (!pool || !valid || !test) {
        sc_errf(&err, "out of memory");
        goto fail;
    }
    if (n_req > n_pool) {
        sc_errf(&err, "--n %llu: the student pool of %s has only %zu examples", n_req, task, n_pool);
        goto fail;
    }
    size_t n_train = n_req ? (size_t)n_req : n_pool;
    train = subset(pool, n_pool, n_train, seed);
    pc = malloc(sizeof(int32_t) * (n_test + 1));
    ps = malloc(sizeof(float) * (n_test + 1));
    agree = malloc(sizeof(float) * (n_test + 1));
    gold = malloc(sizeof(float) * (n_test + 1));
    tscore = malloc(sizeof(float) * (n_test + 1));
    if (!train || !pc || !ps || !agree || !gold || !tscore) {
        sc_errf(&err, "out of memory");
        goto fail;
    }
    if (sc_student_init(&st, &pipe, &teacher, &student, explainer, &tcfg, sc_config_str(&smat_cfg, "student_explainer"),
                        &scfg, &scf, seed, &err))
        goto fail;
    have_st = 1;
    fprintf(stderr, "student %s on %s: %lld parameters; teacher %s, explainer %s%s, beta %g%s%s; %zu train / %zu valid / %zu test%s%s\n",
            def->name, task, (long long)sc_params_numel(&student.params), teacher.def->name, explainer,
            learn ? " (learned)" : "", scf.beta, st.have_sexpl ? ", student explainer " : "",
            st.have_sexpl ? st.sexpl.def->name : "", n_train, n_valid, n_test, rc.source[0] ? "; config " : "",
            rc.source);
    if (sc_student_teacher_predict(&st, &ctx, train, n_train, opts.eval_batch, &err) ||
        sc_student_teacher_predict(&st, &ctx, valid, n_valid, opts.eval_batch, &err) ||
        sc_student_teacher_predict(&st, &ctx, test, n_test, opts.eval_batch, &err))
        goto fail;
    if (st.have_texpl && st.have_sexpl && !learn) {
        fprintf(stderr, "explaining %zu training examples with %s (static, once)\n", n_train, explainer);
        if (sc_smat_cache_fill(&st.smat, &ctx, train, n_train, (size_t)opts.batch_size, &err)) goto fail;
    }
    float phi0[256], phi1[256], psi0[256], psi1[256];
    int n_phi, n_psi;
    coef_copy(&st.texpl, st.have_texpl && learn, phi0, &n_phi);
    coef_copy(&st.sexpl, st.have_sexpl, psi0, &n_psi);

    sc_trainer tr = {.pipe = &pipe, .model = &student, .opts = opts, .train_idx = train, .valid_idx = valid,
                     .n_train = n_train, .n_valid = n_valid, .labels = st.sim_labels, .targets = st.sim_targets,
                     .seed = seed, .log = stderr, .label = "student"};
    sc_student_hooks(&st, &tr.hooks, &tr.extra);
    sc_train_result res;
    if (sc_train(&tr, &ctx, &res, &err)) goto fail;
    coef_copy(&st.texpl, st.have_texpl && learn, phi1, &n_phi);
    coef_copy(&st.sexpl, st.have_sexpl, psi1, &n_psi);

    // Test: simulatability against the teacher, accuracy against gold.
    sc_ctx_reset(&ctx);
    int reg = pipe.shape.regression;
    if (sc_predict(&pipe, &student, &ctx, test, n_test, opts.eval_batch, pc, ps, &err)) goto fail;
    double sim = 0, acc = 0, pearson = 0, rmse = 0;
    float *gold_s = reg ? gold : NULL;
    for (size_t i = 0; i < n_test; i++) {
        uint32_t j = test[i];
        agree[i] = reg ? 0.0f : (float)(pc[i] == st.sim_labels[j]);
        tscore[i] = st.sim_targets[j];
        if (reg) gold_s[i] = pipe.data.target[j];
        else gold[i] = (float)(pc[i] == pipe.data.label[j]);
        sim += agree[i];
        acc += reg ? 0 : gold[i];
    }
    if (reg) {
        pearson = sc_pearson(ps, tscore, n_test);
        rmse = sc_rmse(ps, tscore, n_test) * pipe.target_std;
        sim = pearson;
        acc = sc_pearson(ps, gold_s, n_test);
    } else if (n_test) {
        sim /= (double)n_test;
        acc /= (double)n_test;
    }
    long steps = res.steps > 0 ? res.steps : 1;
    sc_result_student r = {
        // The task's name, not the --task argument: a task given by path groups with itself in `scaffold compare`.
        .task = pipe.task->name, .arch = def->name, .teacher_arch = teacher.def->name, .explainer = explainer,
        .label = label,
        .student_explainer = st.have_sexpl ? st.sexpl.def->name : "", .n = (long)n_train,
        .seed = seed, .learn = learn, .regression = reg, .cfg_model = &student.cfg, .cfg_trainer = &rc.trainer,
        .cfg_smat = &smat_cfg, .cfg_texpl = st.have_texpl ? &st.texpl.cfg : NULL,
        .cfg_sexpl = st.have_sexpl ? &st.sexpl.cfg : NULL, .train = &res, .simulatability = sim, .accuracy = acc,
        .pearson = pearson, .rmse = rmse, .n_test = n_test, .agree = agree, .gold_correct = gold,
        .student_score = ps, .teacher_score = tscore, .meta_curve = st.meta_curve, .n_meta_curve = st.n_meta_curve,
        .meta_steps = st.meta_steps, .student_step_seconds = res.step_seconds / (double)steps,
        .meta_step_seconds = st.meta_steps ? st.meta_seconds / (double)st.meta_steps : 0, .phi_before = phi0,
        .phi_after = phi1, .psi_before = psi0, .psi_after = psi1, .n_phi = n_phi, .n_psi = n_psi};
    char rpath[1024];
    snprintf(rpath, sizeof rpath, "%s/metrics.msgpack", out);
    if (sc_result_write_student(rpath, &r, &err)) goto fail;
    printf("task %s  student %s  teacher %s  explainer %s%s  n %zu  seed %llu\n", task, def->name, teacher.def->name,
           explainer, learn ? " (learned)" : "", n_train, seed);
    if (reg) {
        printf("  %-22s %.4f\n", "test simulatability", sim);
        printf("  %-22s %.4f\n", "test rmse vs teacher", rmse);
        printf("  %-22s %.4f\n", "test pearson vs gold", acc);
    } else {
        printf("  %-22s %.4f\n", "test simulatability", sim);
        printf("  %-22s %.4f\n", "test accuracy", acc);
    }
    printf("  %-22s %.4f (epoch %ld of %ld run)\n", "valid simulatability", res.best_valid, res.best_epoch,
           res.epochs_run);
    printf("  %-22s %.2f ms/step, %ld steps\n", "student steps", 1e3 * r.student_step_seconds, res.steps);
    if (learn) {
        printf("  %-22s %.2f ms/step, %ld steps, outer loss %.4f -> %.4f\n", "meta steps", 1e3 * r.meta_step_seconds,
               st.meta_steps, st.n_meta_curve ? st.meta_curve[0] : 0.0,
               st.n_meta_curve ? st.meta_curve[st.n_meta_curve - 1] : 0.0);
        printf("  %-22s", "teacher head coef");
        for (int i = 0; i < n_phi && i < 8; i++) printf(" %.3f", phi1[i]);
        printf("%s (from %.3f)\n", n_phi > 8 ? " ..." : "", n_phi ? phi0[0] : 0.0);
    }
    printf("  wrote %s\n", rpath);
    status = SC_EXIT_OK;
    goto done;
fail:
    fprintf(stderr, "scaffold train-student: %s\n", err.msg);
done:
    if (have_ctx) sc_ctx_free(&ctx);  // before the explainers: the tape may reference their slabs
    if (have_st) sc_student_free(&st);
    free(pool), free(train), free(valid), free(test), free(pc), free(ps), free(agree), free(gold), free(tscore);
    if (have_student) sc_model_free(&student);
    if (have_pipe) sc_pipeline_close(&pipe);
    if (have_teacher) sc_model_free(&teacher);
    sc_ckpt_extra_free(&x);
    return status;
}
