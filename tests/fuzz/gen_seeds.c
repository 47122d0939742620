// gen_seeds: writes the generated seed and regression inputs of the checkpoint
// and results targets with the library's own writers (so they are exactly what
// scaffold writes, only tiny). Built and run by `scripts/fuzz.sh --seeds`; the
// outputs are committed, so this only needs re-running when a format changes.
//
//   tests/fuzz/corpus/checkpoint/   one small model per architecture family
//   tests/fuzz/corpus/results/      teacher, student (classification, SMaT), student (regression)
//   tests/fuzz/regress/results/     student results with n = 1e300, NaN, 2^64-1 and seed = -1
#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "io/checkpoint.h"
#include "io/results.h"
#include "text/vocab.h"

static void die(const char *what, const sc_err *err) {
    fprintf(stderr, "gen_seeds: %s: %s\n", what, err->msg);
    exit(1);
}

// One model from (role, arch, shape, "k=v" settings) saved at path.
static void checkpoint(const char *path, const char *role, const char *arch, sc_model_shape shape,
                       const char *const *sets, const sc_vocab *vocab) {
    sc_err err;
    sc_config cfg;
    sc_config_init(&cfg);
    for (int i = 0; sets[i]; i++)
        if (sc_config_set_kv(&cfg, sets[i], &err)) die(path, &err);
    const sc_model_def *def = sc_model_find(role, arch);
    if (!def) {
        fprintf(stderr, "gen_seeds: no %s '%s'\n", role, arch);
        exit(1);
    }
    sc_model m;
    if (sc_model_create(&m, def, &shape, &cfg, 7, &err)) die(path, &err);
    sc_ckpt_extra x;
    sc_ckpt_extra_init(&x);
    snprintf(x.task, sizeof x.task, "fuzz");
    x.vocab = vocab;
    x.step = 3;
    if (sc_ckpt_extra_set_metric(&x, "test_accuracy", 0.75, &err) || sc_checkpoint_save(path, &m, &x, &err))
        die(path, &err);
    sc_model_free(&m);
    printf("%s\n", path);
}

static void checkpoints(const char *dir) {
    char p[512];
    sc_err err;
    sc_vocab counts, v;
    const char *words[] = {"good", "bad", "film", "good", "plot", NULL};
    if (sc_vocab_init(&counts, &err)) die("vocab", &err);
    for (int i = 0; words[i]; i++)
        if (sc_vocab_count(&counts, words[i], &err)) die("vocab", &err);
    if (sc_vocab_finish(&counts, 1, 100, &v, &err)) die("vocab", &err);
    sc_vocab_free(&counts);
    sc_model_shape text = {.modality = SC_TEXT, .n_outputs = 2, .vocab_size = (int64_t)v.n, .max_tokens = 6};
    sc_model_shape image = {.modality = SC_IMAGE, .n_outputs = 3, .C = 1, .H = 8, .W = 8};
    sc_model_shape tab = {.modality = SC_TABULAR, .n_outputs = 2, .F = 3};
    sc_model_shape reg = {.modality = SC_TABULAR, .n_outputs = 1, .regression = 1, .F = 2};
    const char *const tiny_tx[] = {"layers=1", "width=4", "heads=2", "mlp_ratio=1", NULL};
    const char *const tiny_vit[] = {"patch=4", "layers=1", "width=4", "heads=1", "mlp_ratio=1", NULL};
    const char *const tiny_mlp[] = {"layers=1", "width=3", NULL};
    const char *const tiny_cnn[] = {"patch=4", "width=2", "channels=2", NULL};
    const char *const tiny_bag[] = {"width=4", NULL};
    snprintf(p, sizeof p, "%s/transformer-teacher.ckpt", dir);
    checkpoint(p, "teacher", "transformer", text, tiny_tx, &v);
    snprintf(p, sizeof p, "%s/bag-student.ckpt", dir);
    checkpoint(p, "student", "bag", text, tiny_bag, &v);
    snprintf(p, sizeof p, "%s/vit-teacher.ckpt", dir);
    checkpoint(p, "teacher", "vit", image, tiny_vit, NULL);
    snprintf(p, sizeof p, "%s/cnn-student.ckpt", dir);
    checkpoint(p, "student", "cnn", image, tiny_cnn, NULL);
    snprintf(p, sizeof p, "%s/mlp-teacher.ckpt", dir);
    checkpoint(p, "teacher", "mlp", tab, tiny_mlp, NULL);
    snprintf(p, sizeof p, "%s/mlp-student-regression.ckpt", dir);
    checkpoint(p, "student", "mlp", reg, tiny_mlp, NULL);
    sc_vocab_free(&v);
}

static void results(const char *dir) {
    char p[512];
    sc_err err;
    sc_config model, trainer;
    sc_config_init(&model);
    sc_config_init(&trainer);
    sc_config_set(&model, "layers", "1", "default", &err);
    sc_config_set(&trainer, "lr", "0.001", "--set", &err);
    sc_train_result tr = {.steps = 12, .epochs_run = 3, .best_epoch = 2, .best_valid = 0.8, .seconds = 1.5,
                          .valid_curve = {0.6, 0.8, 0.7}, .loss_curve = {0.7, 0.5, 0.4}, .n_curve = 3};
    sc_result_run teacher = {.kind = "teacher", .task = "synth-text", .arch = "transformer", .seed = 1,
                             .cfg_model = &model, .cfg_trainer = &trainer, .train = &tr,
                             .metric_name = "accuracy", .metric = 0.9, .rmse = -1};
    snprintf(p, sizeof p, "%s/teacher.msgpack", dir);
    if (sc_result_write(p, &teacher, &err)) die(p, &err);
    printf("%s\n", p);
    const float agree[5] = {1, 0, 1, 1, 1}, gold[5] = {1, 1, 0, 1, 1};
    const float ss[4] = {0.5f, 1.5f, -2, 3}, ts[4] = {0.4f, 1.7f, -1.5f, 2.5f};
    const float phi0[2] = {0.5f, 0.5f}, phi1[2] = {0.6f, 0.4f};
    const double meta[3] = {1.2, 1.0, 0.9};
    sc_result_student s = {.task = "synth-text", .arch = "transformer", .teacher_arch = "transformer",
                           .explainer = "attention", .student_explainer = "attention", .n = 40, .seed = 2,
                           .learn = 1, .cfg_model = &model, .cfg_trainer = &trainer, .train = &tr,
                           .simulatability = 0.8, .accuracy = 0.8, .n_test = 5, .agree = agree, .gold_correct = gold,
                           .meta_curve = meta, .n_meta_curve = 3, .meta_steps = 12, .student_step_seconds = 0.01,
                           .meta_step_seconds = 0.05, .phi_before = phi0, .phi_after = phi1, .n_phi = 2};
    snprintf(p, sizeof p, "%s/student-smat.msgpack", dir);
    if (sc_result_write_student(p, &s, &err)) die(p, &err);
    printf("%s\n", p);
    sc_result_student r = {.task = "diabetes", .arch = "mlp", .teacher_arch = "mlp", .explainer = "gradient-x-input",
                           .student_explainer = "gradient-x-input", .label = "gxi", .n = 20, .seed = 3,
                           .regression = 1, .train = &tr, .simulatability = 0.9, .accuracy = 0.5, .pearson = 0.9,
                           .rmse = 0.4, .n_test = 4, .student_score = ss, .teacher_score = ts};
    snprintf(p, sizeof p, "%s/student-regression.msgpack", dir);
    if (sc_result_write_student(p, &r, &err)) die(p, &err);
    printf("%s\n", p);
}

// A minimal student result whose n and seed are the given msgpack objects (what
// a corrupted or hand-edited metrics.msgpack may hold).
static void hostile(const char *dir, const char *name, void (*pack_n)(msgpack_packer *), long long seed) {
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 8);
    const char *kv[][2] = {{"format", "scaffold-result"}, {"kind", "student"}, {"task", "synth-text"},
                           {"explainer", "attention-uniform"}};
    for (int i = 0; i < 4; i++) {
        msgpack_pack_str_with_body(&pk, kv[i][0], strlen(kv[i][0]));
        msgpack_pack_str_with_body(&pk, kv[i][1], strlen(kv[i][1]));
    }
    msgpack_pack_str_with_body(&pk, "version", 7);
    msgpack_pack_int(&pk, 1);
    msgpack_pack_str_with_body(&pk, "n", 1);
    pack_n(&pk);
    msgpack_pack_str_with_body(&pk, "seed", 4);
    msgpack_pack_long_long(&pk, seed);
    msgpack_pack_str_with_body(&pk, "test", 4);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str_with_body(&pk, "per_example", 11);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str_with_body(&pk, "agree", 5);
    msgpack_pack_array(&pk, 3);
    for (int i = 0; i < 3; i++) msgpack_pack_float(&pk, (float)(i & 1));
    char p[512];
    sc_err err;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (sc_atomic_write(p, sb.data, sb.size, &err)) die(p, &err);
    msgpack_sbuffer_destroy(&sb);
    printf("%s\n", p);
}

static void n_1e300(msgpack_packer *pk) { msgpack_pack_double(pk, 1e300); }
static void n_nan(msgpack_packer *pk) { msgpack_pack_double(pk, NAN); }
static void n_u64max(msgpack_packer *pk) { msgpack_pack_uint64(pk, UINT64_MAX); }
static void n_40(msgpack_packer *pk) { msgpack_pack_int(pk, 40); }

int main(int argc, char **argv) {
    const char *root = argc > 1 ? argv[1] : "tests/fuzz";
    char d[512];
    sc_err err;
    snprintf(d, sizeof d, "%s/corpus/checkpoint", root);
    if (sc_mkdirs(d, &err)) die(d, &err);
    checkpoints(d);
    snprintf(d, sizeof d, "%s/corpus/results", root);
    if (sc_mkdirs(d, &err)) die(d, &err);
    results(d);
    snprintf(d, sizeof d, "%s/regress/results", root);
    if (sc_mkdirs(d, &err)) die(d, &err);
    hostile(d, "hostile-n-1e300.msgpack", n_1e300, 1);
    hostile(d, "hostile-n-nan.msgpack", n_nan, 1);
    hostile(d, "hostile-n-u64max.msgpack", n_u64max, 1);
    hostile(d, "hostile-seed-minus1.msgpack", n_40, -1);
    return 0;
}
