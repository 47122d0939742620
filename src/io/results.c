#include "io/results.h"

#include <msgpack.h>
#include <string.h>

#include "core/fs.h"

static void str(msgpack_packer *pk, const char *s) { msgpack_pack_str_with_body(pk, s, strlen(s)); }

static void config_map(msgpack_packer *pk, const sc_config *c) {
    msgpack_pack_map(pk, (size_t)c->n);
    for (int i = 0; i < c->n; i++) {
        str(pk, c->e[i].key);
        str(pk, c->e[i].value);
    }
}

static void curve(msgpack_packer *pk, const double *v, int n) {
    msgpack_pack_array(pk, (size_t)n);
    for (int i = 0; i < n; i++) msgpack_pack_double(pk, v[i]);
}

// The training record: steps, epochs, the best validation metric, time, curves.
static void train_map(msgpack_packer *pk, const sc_train_result *t) {
    msgpack_pack_map(pk, 8);
    str(pk, "steps"), msgpack_pack_int64(pk, t->steps);
    str(pk, "stopped_by"), str(pk, sc_stop_name(t->stopped_by));
    str(pk, "epochs_run"), msgpack_pack_int64(pk, t->epochs_run);
    str(pk, "best_epoch"), msgpack_pack_int64(pk, t->best_epoch);
    str(pk, "best_valid"), msgpack_pack_double(pk, t->best_valid);
    str(pk, "seconds"), msgpack_pack_double(pk, t->seconds);
    str(pk, "valid_curve"), curve(pk, t->valid_curve, t->n_curve);
    str(pk, "loss_curve"), curve(pk, t->loss_curve, t->n_curve);
}

static void init_map(msgpack_packer *pk, const sc_result_init *b) {
    str(pk, "init");
    if (!b) {
        msgpack_pack_nil(pk);
        return;
    }
    msgpack_pack_map(pk, 5);
    str(pk, "path"), str(pk, b->path);
    str(pk, "sha256"), str(pk, b->sha256);
    str(pk, "objective"), str(pk, b->objective);
    str(pk, "corpus"), str(pk, b->corpus);
    str(pk, "corpus_digest"), str(pk, b->corpus_digest);
}

// The map of n_fields fields opens with the five every result shares.
static void begin(msgpack_sbuffer *sb, msgpack_packer *pk, size_t n_fields, const char *kind, const char *task,
                  const char *arch) {
    msgpack_sbuffer_init(sb);
    msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(pk, n_fields);
    str(pk, "format"), str(pk, "scaffold-result");
    str(pk, "version"), msgpack_pack_int(pk, 1);
    str(pk, "kind"), str(pk, kind);
    str(pk, "task"), str(pk, task);
    str(pk, "arch"), str(pk, arch);
}

int sc_result_write(const char *path, const sc_result_run *r, sc_err *err) {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    begin(&sb, &pk, 12, r->kind, r->task, r->arch);
    str(&pk, "seed"), msgpack_pack_uint64(&pk, r->seed);
    str(&pk, "config");
    msgpack_pack_map(&pk, 2);
    str(&pk, "model"), config_map(&pk, r->cfg_model);
    str(&pk, "trainer"), config_map(&pk, r->cfg_trainer);
    str(&pk, "metric");
    msgpack_pack_map(&pk, 2);
    str(&pk, "name"), str(&pk, r->metric_name);
    str(&pk, "value"), msgpack_pack_double(&pk, r->metric);
    str(&pk, "rmse");
    if (r->rmse >= 0) msgpack_pack_double(&pk, r->rmse);
    else msgpack_pack_nil(&pk);
    str(&pk, "train");
    const sc_train_result *t = r->train;
    train_map(&pk, t);
    init_map(&pk, r->init);
    str(&pk, "created_by"), str(&pk, "scaffold");
    int rc = sc_atomic_write(path, sb.data, sb.size, err);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static void floats(msgpack_packer *pk, const float *v, size_t n) {
    msgpack_pack_array(pk, v ? n : 0);
    for (size_t i = 0; v && i < n; i++) msgpack_pack_double(pk, v[i]);
}

static void config_or_empty(msgpack_packer *pk, const sc_config *c) {
    if (c) config_map(pk, c);
    else msgpack_pack_map(pk, 0);
}

int sc_result_write_student(const char *path, const sc_result_student *r, sc_err *err) {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    begin(&sb, &pk, 20, "student", r->task, r->arch);
    str(&pk, "teacher_arch"), str(&pk, r->teacher_arch);
    str(&pk, "explainer"), str(&pk, r->explainer);
    str(&pk, "explainer_ckpt"), str(&pk, r->explainer_ckpt ? r->explainer_ckpt : "");
    str(&pk, "student_explainer"), str(&pk, r->student_explainer ? r->student_explainer : "");
    str(&pk, "learn_explainer"), r->learn ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
    str(&pk, "label"), str(&pk, r->label                               ? r->label
                                : r->learn                              ? "smat"
                                : r->explainer_ckpt && r->explainer_ckpt[0] ? "smat-transfer"
                                                                        : r->explainer);
    str(&pk, "n"), msgpack_pack_int64(&pk, r->n);
    str(&pk, "seed"), msgpack_pack_uint64(&pk, r->seed);
    str(&pk, "config");
    msgpack_pack_map(&pk, 5);
    str(&pk, "model"), config_or_empty(&pk, r->cfg_model);
    str(&pk, "trainer"), config_or_empty(&pk, r->cfg_trainer);
    str(&pk, "smat"), config_or_empty(&pk, r->cfg_smat);
    str(&pk, "teacher_explainer"), config_or_empty(&pk, r->cfg_texpl);
    str(&pk, "student_explainer"), config_or_empty(&pk, r->cfg_sexpl);

    str(&pk, "test");
    msgpack_pack_map(&pk, r->regression ? 7 : 5);
    str(&pk, "simulatability"), msgpack_pack_double(&pk, r->simulatability);
    if (!r->regression) str(&pk, "chance"), msgpack_pack_double(&pk, r->chance);
    str(&pk, "accuracy"), msgpack_pack_double(&pk, r->accuracy);
    if (r->regression) {
        str(&pk, "pearson"), msgpack_pack_double(&pk, r->pearson);
        str(&pk, "rmse"), msgpack_pack_double(&pk, r->rmse);
        str(&pk, "gold_pearson"), msgpack_pack_double(&pk, r->accuracy);
    }
    str(&pk, "n"), msgpack_pack_uint64(&pk, r->n_test);
    str(&pk, "per_example");
    if (r->regression) {
        msgpack_pack_map(&pk, 3);
        str(&pk, "student_score"), floats(&pk, r->student_score, r->n_test);
        str(&pk, "teacher_score"), floats(&pk, r->teacher_score, r->n_test);
        str(&pk, "sq_error");
        msgpack_pack_array(&pk, r->n_test);
        for (size_t i = 0; i < r->n_test; i++) {
            double d = (double)r->student_score[i] - (double)r->teacher_score[i];
            msgpack_pack_double(&pk, d * d);
        }
    } else {
        msgpack_pack_map(&pk, 2);
        str(&pk, "agree"), floats(&pk, r->agree, r->n_test);
        str(&pk, "gold_correct"), floats(&pk, r->gold_correct, r->n_test);
    }

    const sc_train_result *t = r->train;
    str(&pk, "train");
    train_map(&pk, t);
    str(&pk, "meta");
    msgpack_pack_map(&pk, 2);
    str(&pk, "steps"), msgpack_pack_int64(&pk, r->meta_steps);
    str(&pk, "loss_curve"), curve(&pk, r->meta_curve, r->meta_curve ? r->n_meta_curve : 0);
    str(&pk, "timing");
    msgpack_pack_map(&pk, 2);
    str(&pk, "student_step_seconds"), msgpack_pack_double(&pk, r->student_step_seconds);
    str(&pk, "meta_step_seconds"), msgpack_pack_double(&pk, r->meta_step_seconds);
    str(&pk, "explainer_params");
    msgpack_pack_map(&pk, 4);
    str(&pk, "teacher_before"), floats(&pk, r->phi_before, (size_t)r->n_phi);
    str(&pk, "teacher_after"), floats(&pk, r->phi_after, (size_t)r->n_phi);
    str(&pk, "student_before"), floats(&pk, r->psi_before, (size_t)r->n_psi);
    str(&pk, "student_after"), floats(&pk, r->psi_after, (size_t)r->n_psi);
    init_map(&pk, r->init);
    int rc = sc_atomic_write(path, sb.data, sb.size, err);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

int sc_result_write_xbl(const char *path, const sc_result_xbl *r, sc_err *err) {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    begin(&sb, &pk, 13 + (r->n_concepts > 0), "xbl", r->task, r->arch);
    str(&pk, "seed"), msgpack_pack_uint64(&pk, r->seed);
    str(&pk, "method"), str(&pk, r->method);
    str(&pk, "lambda"), msgpack_pack_double(&pk, r->lambda);
    str(&pk, "config");
    msgpack_pack_map(&pk, 3);
    str(&pk, "model"), config_or_empty(&pk, r->cfg_model);
    str(&pk, "trainer"), config_or_empty(&pk, r->cfg_trainer);
    str(&pk, "xbl"), config_or_empty(&pk, r->cfg_xbl);
    str(&pk, "test");
    msgpack_pack_map(&pk, 6);
    str(&pk, "accuracy"), msgpack_pack_double(&pk, r->test_accuracy);
    str(&pk, "clean_accuracy"), msgpack_pack_double(&pk, r->clean_accuracy);
    str(&pk, "swap_accuracy"), msgpack_pack_double(&pk, r->swap_accuracy);
    str(&pk, "decoy_reliance"), msgpack_pack_double(&pk, r->decoy_reliance);
    str(&pk, "distance_score"), msgpack_pack_double(&pk, r->distance_score);
    str(&pk, "n"), msgpack_pack_uint64(&pk, r->n_test);
    str(&pk, "valid");
    msgpack_pack_map(&pk, 3);
    str(&pk, "decoyed_accuracy"), msgpack_pack_double(&pk, r->decoyed_accuracy);
    str(&pk, "clean_accuracy"), msgpack_pack_double(&pk, r->valid_clean_accuracy);
    str(&pk, "n"), msgpack_pack_uint64(&pk, r->n_valid);
    str(&pk, "train"), train_map(&pk, r->train);
    str(&pk, "created_by"), str(&pk, "scaffold");
    if (r->n_concepts > 0) {
        int k = r->n_concepts;
        str(&pk, "concepts");
        msgpack_pack_map(&pk, 9);
        str(&pk, "k"), msgpack_pack_int(&pk, k);
        str(&pk, "silhouette"), msgpack_pack_double(&pk, r->silhouette);
        str(&pk, "action"), str(&pk, r->concept_action);
        str(&pk, "n_acted"), msgpack_pack_int64(&pk, r->n_acted);
        str(&pk, "first_valid"), msgpack_pack_double(&pk, r->first_valid);
        str(&pk, "size"), msgpack_pack_array(&pk, (size_t)k);
        for (int q = 0; q < k; q++) msgpack_pack_int64(&pk, r->concept_size[q]);
        str(&pk, "decoy_share"), msgpack_pack_array(&pk, (size_t)k);
        for (int q = 0; q < k; q++) msgpack_pack_double(&pk, r->concept_decoy_share[q]);
        str(&pk, "purity"), msgpack_pack_array(&pk, (size_t)k);
        for (int q = 0; q < k; q++) msgpack_pack_double(&pk, r->concept_purity[q]);
        str(&pk, "flagged"), msgpack_pack_array(&pk, (size_t)k);
        for (int q = 0; q < k; q++) msgpack_pack_int(&pk, r->concept_flagged[q]);
    }
    int rc = sc_atomic_write(path, sb.data, sb.size, err);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
