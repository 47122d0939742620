// checkpoint_write.c — packing a model into the checkpoint map (layout in checkpoint.h).
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "core/fs.h"
#include "io/checkpoint.h"
#include "io/endian.h"

void sc_ckpt_extra_init(sc_ckpt_extra *x) { memset(x, 0, sizeof *x); }

void sc_ckpt_extra_free(sc_ckpt_extra *x) {
    if (x->vocab == &x->vocab_store) sc_vocab_free(&x->vocab_store);
    x->vocab = NULL;
}

int sc_ckpt_extra_set_metric(sc_ckpt_extra *x, const char *name, double value, sc_err *err) {
    size_t len = strlen(name);
    if (!len || len >= SC_CKPT_NAME_MAX)
        return sc_errf(err, "metric name '%s' is empty or longer than %d characters", name, SC_CKPT_NAME_MAX - 1);
    int i = 0;
    while (i < x->n_metrics && strcmp(x->metric_name[i], name)) i++;
    if (i == x->n_metrics) {
        if (i >= SC_CKPT_MAX_METRICS) return sc_errf(err, "more than %d metrics in a checkpoint", SC_CKPT_MAX_METRICS);
        memcpy(x->metric_name[i], name, len + 1);
        x->n_metrics++;
    }
    x->metric[i] = value;
    return 0;
}

int sc_ckpt_extra_metric(const sc_ckpt_extra *x, const char *name, double *value) {
    for (int i = 0; i < x->n_metrics; i++)
        if (!strcmp(x->metric_name[i], name)) {
            *value = x->metric[i];
            return 1;
        }
    return 0;
}

void sc_ckpt_hash_tensor(sc_sha256 *h, const char *name, size_t name_len, const char *dtype, int ndim,
                         const int64_t *shape, const void *data, size_t nbytes) {
    static const uint8_t zero = 0;
    sc_sha256_update(h, name, name_len);
    sc_sha256_update(h, &zero, 1);
    sc_sha256_update(h, dtype, strlen(dtype));
    sc_sha256_update(h, &zero, 1);
    for (int d = 0; d < ndim; d++) {
        uint8_t le[8];
        for (int k = 0; k < 8; k++) le[k] = (uint8_t)((uint64_t)shape[d] >> (8 * k));
        sc_sha256_update(h, le, 8);
    }
    sc_sha256_update(h, data, nbytes);
}

static int pack_str(msgpack_packer *pk, const char *s) { return msgpack_pack_str_with_body(pk, s, strlen(s)); }

static int pack_shape(msgpack_packer *pk, const sc_model_shape *s) {
    int rc = msgpack_pack_map(pk, 9);
    rc |= pack_str(pk, "modality") | pack_str(pk, sc_modality_name(s->modality));
    rc |= pack_str(pk, "n_outputs") | msgpack_pack_int64(pk, s->n_outputs);
    rc |= pack_str(pk, "regression") | (s->regression ? msgpack_pack_true(pk) : msgpack_pack_false(pk));
    rc |= pack_str(pk, "vocab_size") | msgpack_pack_int64(pk, s->vocab_size);
    rc |= pack_str(pk, "max_tokens") | msgpack_pack_int64(pk, s->max_tokens);
    rc |= pack_str(pk, "C") | msgpack_pack_int64(pk, s->C);
    rc |= pack_str(pk, "H") | msgpack_pack_int64(pk, s->H);
    rc |= pack_str(pk, "W") | msgpack_pack_int64(pk, s->W);
    rc |= pack_str(pk, "F") | msgpack_pack_int64(pk, s->F);
    return rc;
}

// Parameters as little-endian bytes (a copy only on big-endian hosts).
static int pack_tensors(msgpack_packer *pk, const sc_params *p, sc_sha256 *h, sc_err *err) {
    if (!pk) {  // hash only (sc_params_checksum)
        for (int i = 0; i < p->n; i++) {
            const sc_tensor *t = p->t[i];
            size_t nbytes = (size_t)t->numel * sc_dtype_size(t->dtype);
            void *le = malloc(nbytes ? nbytes : 1);
            if (!le) return sc_errf(err, "out of memory");
            memcpy(le, t->data, nbytes);
            if (!sc_host_is_le()) sc_swap_bytes(le, nbytes, sc_dtype_size(t->dtype));
            sc_ckpt_hash_tensor(h, p->names[i], strlen(p->names[i]), sc_dtype_name(t->dtype), t->ndim, t->shape, le,
                                nbytes);
            free(le);
        }
        return 0;
    }
    int rc = msgpack_pack_array(pk, (size_t)p->n);
    for (int i = 0; i < p->n && !rc; i++) {
        const sc_tensor *t = p->t[i];
        const char *dt = sc_dtype_name(t->dtype);
        if ((t->dtype != SC_F32 && t->dtype != SC_F64) || !sc_tensor_is_contiguous(t))
            return sc_errf(err, "parameter '%s': only contiguous f32/f64 parameters can be saved", p->names[i]);
        size_t nbytes = (size_t)t->numel * sc_dtype_size(t->dtype);
        if (nbytes > UINT32_MAX) return sc_errf(err, "parameter '%s' is larger than 4 GiB", p->names[i]);
        const void *data = t->data;
        void *swapped = NULL;
        if (!sc_host_is_le()) {
            if (!(swapped = malloc(nbytes ? nbytes : 1))) return sc_errf(err, "out of memory");
            memcpy(swapped, t->data, nbytes);
            sc_swap_bytes(swapped, nbytes, sc_dtype_size(t->dtype));
            data = swapped;
        }
        sc_ckpt_hash_tensor(h, p->names[i], strlen(p->names[i]), dt, t->ndim, t->shape, data, nbytes);
        rc |= msgpack_pack_map(pk, 4);
        rc |= pack_str(pk, "name") | pack_str(pk, p->names[i]);
        rc |= pack_str(pk, "dtype") | pack_str(pk, dt);
        rc |= pack_str(pk, "shape") | msgpack_pack_array(pk, (size_t)t->ndim);
        for (int d = 0; d < t->ndim; d++) rc |= msgpack_pack_int64(pk, t->shape[d]);
        rc |= pack_str(pk, "data") | msgpack_pack_bin(pk, nbytes) | msgpack_pack_bin_body(pk, data, nbytes);
        free(swapped);
    }
    return rc ? sc_errf(err, "out of memory while packing tensors") : 0;
}

int sc_ckpt_pack_params(msgpack_packer *pk, const sc_params *p, char checksum_hex[65], sc_err *err) {
    sc_sha256 h;
    sc_sha256_init(&h);
    if (pack_tensors(pk, p, &h, err)) return -1;
    uint8_t digest[32];
    sc_sha256_final(&h, digest);
    sc_sha256_to_hex(digest, checksum_hex);
    return 0;
}

int sc_params_checksum(const sc_params *p, char hex[65], sc_err *err) { return sc_ckpt_pack_params(NULL, p, hex, err); }

static int pack_all(msgpack_packer *pk, const sc_model *m, const sc_ckpt_extra *x, sc_err *err) {
    int pre = x && x->pre_objective[0];
    int rc = msgpack_pack_map(pk, 13 + (size_t)pre);
    rc |= pack_str(pk, "format") | pack_str(pk, SC_CKPT_FORMAT);
    rc |= pack_str(pk, "version") | msgpack_pack_int(pk, SC_CKPT_VERSION);
    rc |= pack_str(pk, "kind") | pack_str(pk, m->def->role);
    rc |= pack_str(pk, "arch") | pack_str(pk, m->def->name);
    rc |= pack_str(pk, "config") | msgpack_pack_map(pk, (size_t)m->cfg.n);
    for (int i = 0; i < m->cfg.n; i++) rc |= pack_str(pk, m->cfg.e[i].key) | pack_str(pk, m->cfg.e[i].value);
    rc |= pack_str(pk, "shape") | pack_shape(pk, &m->shape);
    rc |= pack_str(pk, "task") | pack_str(pk, x ? x->task : "");
    rc |= pack_str(pk, "vocab");
    if (x && x->vocab) rc |= sc_vocab_pack(x->vocab, pk);
    else rc |= msgpack_pack_nil(pk);
    if (rc) return sc_errf(err, "out of memory while packing");
    sc_sha256 h;
    sc_sha256_init(&h);
    if (pack_str(pk, "tensors") || pack_tensors(pk, &m->params, &h, err)) return -1;
    rc |= pack_str(pk, "rng") | msgpack_pack_array(pk, 4);
    for (int k = 0; k < 4; k++) rc |= msgpack_pack_uint64(pk, x ? x->rng.s[k] : 0);
    rc |= pack_str(pk, "step") | msgpack_pack_int64(pk, x ? x->step : 0);
    int nm = x ? x->n_metrics : 0;
    rc |= pack_str(pk, "metrics") | msgpack_pack_map(pk, (size_t)nm);
    for (int i = 0; i < nm; i++) rc |= pack_str(pk, x->metric_name[i]) | msgpack_pack_double(pk, x->metric[i]);
    if (pre)
        rc |= pack_str(pk, "pretrain") | msgpack_pack_map(pk, 3) | pack_str(pk, "objective") |
              pack_str(pk, x->pre_objective) | pack_str(pk, "corpus") | pack_str(pk, x->pre_corpus) |
              pack_str(pk, "corpus_digest") | pack_str(pk, x->pre_digest);
    uint8_t digest[32];
    char hex[65];
    sc_sha256_final(&h, digest);
    sc_sha256_to_hex(digest, hex);
    rc |= pack_str(pk, "checksum") | pack_str(pk, hex);
    return rc ? sc_errf(err, "out of memory while packing") : 0;
}

int sc_checkpoint_save(const char *path, const sc_model *m, const sc_ckpt_extra *extra, sc_err *err) {
    if (extra && (extra->step < 0 || memchr(extra->task, '\0', sizeof extra->task) == NULL ||
                  !memchr(extra->pre_objective, '\0', sizeof extra->pre_objective) ||
                  !memchr(extra->pre_corpus, '\0', sizeof extra->pre_corpus) ||
                  !memchr(extra->pre_digest, '\0', sizeof extra->pre_digest)))
        return sc_errf(err, "%s: invalid checkpoint extras (negative step or unterminated task name)", path);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = pack_all(&pk, m, extra, err);
    if (rc) sc_err_prefix(err, "%s: cannot save checkpoint", path);
    else rc = sc_atomic_write(path, sb.data, sb.size, err);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
