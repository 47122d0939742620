// pretrain_files.c — a pretraining run's resume state (OUT/pretrain.state) and
// result file (OUT/metrics.msgpack), both msgpack maps written atomically
// (formats in pretrain_impl.h). The state is read back as untrusted bytes: the
// structure is bounds-checked before msgpack-c sees it, every field's type and
// size is checked, tensors and moments are checksummed, and nothing is restored
// unless everything passes.
#include <math.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "core/sha256.h"
#include "data/rawfile.h"
#include "io/checkpoint.h"
#include "io/mpcheck.h"
#include "pretrain/pretrain_impl.h"

#define STATE_FORMAT "scaffold-pretrain-state"
#define STATE_VERSION 1

int pt_curve_add(pt_curve *c, long step, double train, double valid) {
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        long *s = realloc(c->step, sizeof *s * nc);
        if (s) c->step = s;
        double *t = realloc(c->train, sizeof *t * nc);
        if (t) c->train = t;
        double *v = realloc(c->valid, sizeof *v * nc);
        if (v) c->valid = v;
        if (!s || !t || !v) return -1;
        c->cap = nc;
    }
    c->step[c->n] = step, c->train[c->n] = train, c->valid[c->n] = valid;
    c->n++;
    return 0;
}

void pt_curve_free(pt_curve *c) {
    free(c->step), free(c->train), free(c->valid);
    memset(c, 0, sizeof *c);
}

static void str(msgpack_packer *pk, const char *s) { msgpack_pack_str_with_body(pk, s, strlen(s)); }

static void doubles(msgpack_packer *pk, const double *v, size_t n) {
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++) msgpack_pack_double(pk, v[i]);
}

// The optimizer's moments in order (m then v of each tensor) and their checksum.
static void pack_moments(msgpack_packer *pk, const sc_optim *o, char hex[65]) {
    sc_sha256 h;
    sc_sha256_init(&h);
    msgpack_pack_array(pk, (size_t)o->n * 2);
    for (int i = 0; i < o->n; i++)
        for (int k = 0; k < 2; k++) {
            const sc_tensor *t = k ? o->v[i] : o->m[i];
            size_t nb = (size_t)t->numel * sc_dtype_size(t->dtype);
            msgpack_pack_bin_with_body(pk, t->data, nb);
            sc_sha256_update(&h, t->data, nb);
        }
    uint8_t d[32];
    sc_sha256_final(&h, d);
    sc_sha256_to_hex(d, hex);
}

int pt_state_save(const pt_run *r, const char *path, sc_err *err) {
    char model_sum[65], moments_sum[65];
    if (sc_params_checksum(&r->model.params, model_sum, err)) return -1;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 15);
    str(&pk, "format"), str(&pk, STATE_FORMAT);
    str(&pk, "version"), msgpack_pack_int(&pk, STATE_VERSION);
    str(&pk, "key"), str(&pk, r->key);
    str(&pk, "step"), msgpack_pack_int64(&pk, r->step);
    str(&pk, "tokens"), msgpack_pack_double(&pk, r->tokens);
    str(&pk, "seconds"), msgpack_pack_double(&pk, r->seconds);
    str(&pk, "acc_sum"), msgpack_pack_double(&pk, r->acc_sum);
    str(&pk, "acc_n"), msgpack_pack_int64(&pk, r->acc_n);
    str(&pk, "model_checksum"), str(&pk, model_sum);
    char head_sum[65];
    str(&pk, "head");
    int rc = sc_ckpt_pack_params(&pk, &r->head, head_sum, err);
    str(&pk, "head_checksum"), str(&pk, head_sum);
    str(&pk, "opt_t"), msgpack_pack_int64(&pk, r->opt.t);
    str(&pk, "moments"), pack_moments(&pk, &r->opt, moments_sum);
    str(&pk, "moments_checksum"), str(&pk, moments_sum);
    str(&pk, "curve"), msgpack_pack_map(&pk, 3);
    str(&pk, "step"), msgpack_pack_array(&pk, r->curve.n);
    for (size_t i = 0; i < r->curve.n; i++) msgpack_pack_int64(&pk, r->curve.step[i]);
    str(&pk, "train"), doubles(&pk, r->curve.train, r->curve.n);
    str(&pk, "valid"), doubles(&pk, r->curve.valid, r->curve.n);
    if (!rc) rc = sc_atomic_write(path, sb.data, sb.size, err);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

// ---- reading ---------------------------------------------------------------------------

static const msgpack_object *field(const msgpack_object *map, const char *key) {
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) && !memcmp(k->via.str.ptr, key, k->via.str.size))
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

static int get_str(const msgpack_object *map, const char *key, char *buf, size_t cap, sc_err *err) {
    const msgpack_object *o = field(map, key);
    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size >= cap || memchr(o->via.str.ptr, 0, o->via.str.size))
        return sc_errf(err, "field '%s' must be a string shorter than %zu bytes", key, cap);
    memcpy(buf, o->via.str.ptr, o->via.str.size);
    buf[o->via.str.size] = 0;
    return 0;
}

static int get_num(const msgpack_object *map, const char *key, double *v, sc_err *err) {
    const msgpack_object *o = field(map, key);
    if (o && (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32)) *v = o->via.f64;
    else if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) *v = (double)o->via.u64;
    else return sc_errf(err, "field '%s' must be a number", key);
    return 0;
}

// Checks every moment binary against the optimizer's tensors and the checksum;
// copies only when all pass.
static int restore_moments(sc_optim *o, const msgpack_object *arr, const char *want, sc_err *err) {
    if (!arr || arr->type != MSGPACK_OBJECT_ARRAY || arr->via.array.size != (uint32_t)o->n * 2)
        return sc_errf(err, "field 'moments' must be a list of %d binaries", o->n * 2);
    sc_sha256 h;
    sc_sha256_init(&h);
    for (int i = 0; i < o->n * 2; i++) {
        const msgpack_object *b = &arr->via.array.ptr[i];
        const sc_tensor *t = i % 2 ? o->v[i / 2] : o->m[i / 2];
        size_t nb = (size_t)t->numel * sc_dtype_size(t->dtype);
        if (b->type != MSGPACK_OBJECT_BIN || b->via.bin.size != nb)
            return sc_errf(err, "moment %d must be a binary of %zu bytes", i, nb);
        sc_sha256_update(&h, b->via.bin.ptr, nb);
    }
    uint8_t d[32];
    char got[65];
    sc_sha256_final(&h, d);
    sc_sha256_to_hex(d, got);
    if (strcmp(got, want)) return sc_errf(err, "the moments do not match their checksum (the file is corrupt)");
    for (int i = 0; i < o->n * 2; i++) {
        sc_tensor *t = i % 2 ? o->v[i / 2] : o->m[i / 2];
        memcpy(t->data, arr->via.array.ptr[i].via.bin.ptr, arr->via.array.ptr[i].via.bin.size);
    }
    return 0;
}

static int restore_curve(pt_curve *c, const msgpack_object *m, long step, sc_err *err) {
    const msgpack_object *s = m && m->type == MSGPACK_OBJECT_MAP ? field(m, "step") : NULL;
    const msgpack_object *t = m && m->type == MSGPACK_OBJECT_MAP ? field(m, "train") : NULL;
    const msgpack_object *v = m && m->type == MSGPACK_OBJECT_MAP ? field(m, "valid") : NULL;
    if (!s || !t || !v || s->type != MSGPACK_OBJECT_ARRAY || t->type != MSGPACK_OBJECT_ARRAY ||
        v->type != MSGPACK_OBJECT_ARRAY || s->via.array.size != t->via.array.size ||
        s->via.array.size != v->via.array.size || !s->via.array.size)
        return sc_errf(err, "field 'curve' must hold three lists of equal, non-zero length");
    pt_curve_free(c);
    for (uint32_t i = 0; i < s->via.array.size; i++) {
        const msgpack_object *a = &s->via.array.ptr[i], *b = &t->via.array.ptr[i], *d = &v->via.array.ptr[i];
        if (a->type != MSGPACK_OBJECT_POSITIVE_INTEGER || a->via.u64 > (uint64_t)step ||
            (b->type != MSGPACK_OBJECT_FLOAT64 && b->type != MSGPACK_OBJECT_FLOAT32) ||
            (d->type != MSGPACK_OBJECT_FLOAT64 && d->type != MSGPACK_OBJECT_FLOAT32))
            return sc_errf(err, "curve point %u is malformed", i);
        if (pt_curve_add(c, (long)a->via.u64, b->via.f64, d->via.f64)) return sc_errf(err, "out of memory");
    }
    return 0;
}

static int parse_state(pt_run *r, const msgpack_object *root, const char *model_checksum, sc_err *err) {
    char fmt[40], key[65], msum[65], hsum[65], osum[65];
    double step, tokens, seconds, opt_t, version, acc_sum, acc_n;
    if (root->type != MSGPACK_OBJECT_MAP || get_str(root, "format", fmt, sizeof fmt, err) || strcmp(fmt, STATE_FORMAT))
        return sc_errf(err, "not a scaffold pretraining state (field 'format' is not \"%s\")", STATE_FORMAT);
    if (get_num(root, "version", &version, err)) return -1;
    if (version != STATE_VERSION) return sc_errf(err, "version %g, but this build reads version %d", version, STATE_VERSION);
    if (get_str(root, "key", key, sizeof key, err) || get_str(root, "model_checksum", msum, sizeof msum, err) ||
        get_str(root, "moments_checksum", osum, sizeof osum, err) ||
        get_num(root, "step", &step, err) || get_num(root, "tokens", &tokens, err) ||
        get_num(root, "seconds", &seconds, err) || get_num(root, "opt_t", &opt_t, err) ||
        get_num(root, "acc_sum", &acc_sum, err) || get_num(root, "acc_n", &acc_n, err))
        return -1;
    if (strcmp(key, r->key))
        return sc_errf(err, "written by a run with another configuration, seed or corpus (run key %.12s..., this "
                       "run's %.12s...); resume with the same --set values, --seed and corpus", key, r->key);
    if (strcmp(msum, model_checksum))
        return sc_errf(err, "does not belong to pretrained.ckpt (a save was interrupted between the two files); "
                       "start again without --resume");
    if (!(step >= 0 && step <= (double)r->o.steps && step == floor(step) && opt_t == step))
        return sc_errf(err, "step %g is not a step of this run (0..%ld) or disagrees with opt_t %g", step, r->o.steps,
                       opt_t);
    const msgpack_object *head = field(root, "head"), *hc = field(root, "head_checksum");
    if (!head || !hc) return sc_errf(err, "field 'head' or 'head_checksum' is missing");
    (void)hsum;
    if (sc_ckpt_unpack_params(head, hc, &r->head, "the masked-token head", err) ||
        restore_moments(&r->opt, field(root, "moments"), osum, err) ||
        restore_curve(&r->curve, field(root, "curve"), (long)step, err))
        return -1;
    if (!(acc_n >= 0 && acc_n <= step && acc_n == floor(acc_n))) return sc_errf(err, "field 'acc_n' is %g", acc_n);
    r->step = (long)step, r->opt.t = (int64_t)step, r->tokens = tokens, r->seconds = seconds;
    r->acc_sum = acc_sum, r->acc_n = (long)acc_n;
    return 0;
}

int pt_state_load(pt_run *r, const char *path, const char *model_checksum, sc_err *err) {
    char *buf = NULL;
    size_t n = 0, off = 0;
    if (sc_read_file(path, &buf, &n, err)) return -1;
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    int rc = 0;
    if (!n) rc = sc_errf(err, "the file is empty");
    else if (sc_mp_check((const uint8_t *)buf, n, (size_t)1 << 22, 8, err)) rc = -1;
    else if (msgpack_unpack_next(&up, buf, n, &off) < MSGPACK_UNPACK_EXTRA_BYTES || off != n)
        rc = sc_errf(err, "msgpack could not decode the file");
    else rc = parse_state(r, &up.data, model_checksum, err);
    msgpack_unpacked_destroy(&up);
    free(buf);
    return rc ? sc_err_prefix(err, "%s", path) : 0;
}

// ---- the result file -------------------------------------------------------------------

int pt_metrics_write(const pt_run *r, const char *path, sc_err *err) {
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 13);
    str(&pk, "format"), str(&pk, "scaffold-result");
    str(&pk, "version"), msgpack_pack_int(&pk, 1);
    str(&pk, "kind"), str(&pk, "pretrain");
    str(&pk, "arch"), str(&pk, r->def->name);
    str(&pk, "objective"), str(&pk, r->obj->name);
    str(&pk, "corpus"), msgpack_pack_map(&pk, 4);
    str(&pk, "name"), str(&pk, r->corpus_name);
    str(&pk, "digest"), str(&pk, r->digest);
    str(&pk, "train_texts"), msgpack_pack_uint64(&pk, r->n_train);
    str(&pk, "valid_texts"), msgpack_pack_uint64(&pk, r->n_valid);
    str(&pk, "seed"), msgpack_pack_uint64(&pk, r->c->seed);
    str(&pk, "config"), msgpack_pack_map(&pk, 2);
    const sc_config *cs[2] = {&r->model.cfg, &r->run_cfg};
    const char *names[2] = {"model", "pretrain"};
    for (int k = 0; k < 2; k++) {
        str(&pk, names[k]), msgpack_pack_map(&pk, (size_t)cs[k]->n);
        for (int i = 0; i < cs[k]->n; i++) str(&pk, cs[k]->e[i].key), str(&pk, cs[k]->e[i].value);
    }
    str(&pk, "vocab_size"), msgpack_pack_uint64(&pk, r->vocab.n);
    str(&pk, "params"), msgpack_pack_int64(&pk, sc_params_numel(&r->model.params));
    str(&pk, "steps"), msgpack_pack_int64(&pk, r->step);
    str(&pk, "train"), msgpack_pack_map(&pk, 3);
    str(&pk, "tokens"), msgpack_pack_double(&pk, r->tokens);
    str(&pk, "seconds"), msgpack_pack_double(&pk, r->seconds);
    str(&pk, "tokens_per_second"), msgpack_pack_double(&pk, r->seconds > 0 ? r->tokens / r->seconds : 0);
    str(&pk, "curve"), msgpack_pack_map(&pk, 3);
    str(&pk, "step"), msgpack_pack_array(&pk, r->curve.n);
    for (size_t i = 0; i < r->curve.n; i++) msgpack_pack_int64(&pk, r->curve.step[i]);
    str(&pk, "train_loss"), doubles(&pk, r->curve.train, r->curve.n);
    str(&pk, "valid_loss"), doubles(&pk, r->curve.valid, r->curve.n);
    int rc = sc_atomic_write(path, sb.data, sb.size, err);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
