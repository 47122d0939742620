#include "io/results.h"

#include <msgpack.h>
#include <string.h>

#include "data/cache.h"

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

int sc_result_write(const char *path, const sc_result_run *r, sc_err *err) {
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 11);
    str(&pk, "format"), str(&pk, "scaffold-result");
    str(&pk, "version"), msgpack_pack_int(&pk, 1);
    str(&pk, "kind"), str(&pk, r->kind);
    str(&pk, "task"), str(&pk, r->task);
    str(&pk, "arch"), str(&pk, r->arch);
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
    msgpack_pack_map(&pk, 7);
    str(&pk, "steps"), msgpack_pack_int64(&pk, t->steps);
    str(&pk, "epochs_run"), msgpack_pack_int64(&pk, t->epochs_run);
    str(&pk, "best_epoch"), msgpack_pack_int64(&pk, t->best_epoch);
    str(&pk, "best_valid"), msgpack_pack_double(&pk, t->best_valid);
    str(&pk, "seconds"), msgpack_pack_double(&pk, t->seconds);
    str(&pk, "valid_curve"), curve(&pk, t->valid_curve, t->n_curve);
    str(&pk, "loss_curve"), curve(&pk, t->loss_curve, t->n_curve);
    str(&pk, "created_by"), str(&pk, "scaffold");
    int rc = sc_atomic_write(path, sb.data, sb.size, err);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
