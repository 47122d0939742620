// al_files.c — the result file of an active-learning run (format: al_run.h).
#include <msgpack.h>
#include <string.h>

#include "active/al_impl.h"
#include "core/fs.h"

static void str(msgpack_packer *pk, const char *s) { msgpack_pack_str_with_body(pk, s, strlen(s)); }

static void config_map(msgpack_packer *pk, const sc_config *c) {
    msgpack_pack_map(pk, (size_t)c->n);
    for (int i = 0; i < c->n; i++) str(pk, c->e[i].key), str(pk, c->e[i].value);
}

static void double_or_nil(msgpack_packer *pk, double v, int have) {
    if (have) msgpack_pack_double(pk, v);
    else msgpack_pack_nil(pk);
}

// Regression runs name their score test_pearson (with test_rmse) and valid_pearson (al_run.h).
static void round_map(msgpack_packer *pk, const sc_al_point *p, const uint32_t *queried, int sim, int reg) {
    msgpack_pack_map(pk, 13 + reg);
    str(pk, "round"), msgpack_pack_int64(pk, p->round);
    str(pk, "labelled"), msgpack_pack_uint64(pk, p->labelled);
    str(pk, reg ? "test_pearson" : "test_accuracy"), msgpack_pack_double(pk, p->test_accuracy);
    if (reg) str(pk, "test_rmse"), msgpack_pack_double(pk, p->test_rmse);
    str(pk, "test_simulatability"), double_or_nil(pk, p->test_simulatability, sim);
    str(pk, reg ? "valid_pearson" : "valid_accuracy"), msgpack_pack_double(pk, p->valid_accuracy);
    str(pk, "train_seconds"), msgpack_pack_double(pk, p->train_seconds);
    str(pk, "select_seconds"), msgpack_pack_double(pk, p->select_seconds);
    str(pk, "steps"), msgpack_pack_int64(pk, p->steps);
    str(pk, "epochs_run"), msgpack_pack_int64(pk, p->epochs_run);
    str(pk, "best_epoch"), msgpack_pack_int64(pk, p->best_epoch);
    str(pk, "stopped_by"), str(pk, sc_stop_name(p->stopped_by));
    str(pk, "note"), str(pk, p->note);
    str(pk, "queried"), msgpack_pack_array(pk, p->n_queried);
    for (size_t i = 0; i < p->n_queried; i++) msgpack_pack_uint32(pk, queried[p->first_queried + i]);
}

int sc_al_write_result(const al_state *r, const sc_al_run_cfg *c, const sc_al_outcome *o, sc_err *err) {
    int sim = o->aulc_simulatability >= 0;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 17);
    str(&pk, "format"), str(&pk, "scaffold-result");
    str(&pk, "version"), msgpack_pack_int(&pk, 1);
    str(&pk, "kind"), str(&pk, "active-learning");
    str(&pk, "task"), str(&pk, o->task);
    str(&pk, "arch"), str(&pk, o->arch);
    str(&pk, "strategy"), str(&pk, o->strategy);
    str(&pk, "oracle"), str(&pk, o->oracle);
    str(&pk, "teacher");
    if (r->have_teacher) str(&pk, r->teacher_path);
    else msgpack_pack_nil(&pk);
    str(&pk, "seed"), msgpack_pack_uint64(&pk, c->seed);
    str(&pk, "config"), msgpack_pack_map(&pk, 3);
    str(&pk, "model"), config_map(&pk, &r->model.cfg);
    str(&pk, "trainer"), config_map(&pk, &r->rc.trainer);
    str(&pk, "active"), config_map(&pk, &r->acfg);
    str(&pk, "n_pool"), msgpack_pack_uint64(&pk, o->n_pool);
    str(&pk, "n_valid"), msgpack_pack_uint64(&pk, o->n_valid);
    str(&pk, "n_test"), msgpack_pack_uint64(&pk, o->n_test);
    str(&pk, "aulc"), msgpack_pack_map(&pk, 2);
    str(&pk, o->regression ? "test_pearson" : "test_accuracy"), msgpack_pack_double(&pk, o->aulc);
    str(&pk, "test_simulatability"), double_or_nil(&pk, o->aulc_simulatability, sim);
    str(&pk, "rounds"), msgpack_pack_array(&pk, (size_t)o->n_points);
    for (int i = 0; i < o->n_points; i++) round_map(&pk, &o->points[i], o->queried, sim, o->regression);
    str(&pk, "seconds"), msgpack_pack_double(&pk, o->seconds);
    str(&pk, "created_by"), str(&pk, "scaffold");
    int rc = sc_atomic_write(o->metrics_path, sb.data, sb.size, err);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
