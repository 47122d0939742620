// checkpoint_read.c — validating and restoring a checkpoint (layout in checkpoint.h).
//
// Order of checks: the bytes (readable, a msgpack map, well formed, nothing
// after it), the format and version, every field's presence and type, the
// checksum over the tensors, then the model: the architecture, rebuilt from the
// saved config and shape, must create exactly the saved tensors with the same
// dtypes and shapes. Only then is anything copied and handed to the caller.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sha256.h"
#include "io/checkpoint.h"
#include "io/endian.h"
#include "io/mpcheck.h"

#define MAX_OBJECTS (64u << 20)  // a real checkpoint has a few per tensor and token
#define MAX_DEPTH 16             // checkpoints nest 4 deep
#define MAX_DIM ((int64_t)1 << 40)

typedef struct ck_tensor {
    const char *name;
    uint32_t name_len;
    sc_dtype dtype;
    int ndim;
    int64_t shape[SC_MAX_DIMS];
    const void *data;
    size_t nbytes;
    int used;
} ck_tensor;

enum { F_FORMAT, F_VERSION, F_KIND, F_ARCH, F_CONFIG, F_SHAPE, F_TASK, F_VOCAB, F_TENSORS, F_RNG, F_STEP,
       F_METRICS, F_CHECKSUM, F_PRETRAIN, F_N };
static const char *const field_names[F_N] = {"format", "version", "kind",    "arch", "config", "shape",   "task",
                                             "vocab",  "tensors", "rng",     "step", "metrics", "checksum",
                                             "pretrain"};

// Everything parsed from the file before the model is built.
typedef struct ck_file {
    const msgpack_object *f[F_N];
    char kind[16], arch[SC_CKPT_NAME_MAX];
    sc_config cfg;
    sc_model_shape shape;
    int n_tensors;
    ck_tensor t[SC_PARAMS_MAX];
    sc_ckpt_extra x;
    int has_vocab;
} ck_file;

static int is_str(const msgpack_object *o, const char *s) {
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) && !memcmp(o->via.str.ptr, s, o->via.str.size);
}

// A string field into buf (NUL-free, shorter than cap).
static int get_str(const msgpack_object *o, char *buf, size_t cap, const char *what, sc_err *err) {
    if (o->type != MSGPACK_OBJECT_STR) return sc_errf(err, "%s must be a string", what);
    size_t n = o->via.str.size;
    if (n >= cap) return sc_errf(err, "%s is longer than %zu bytes", what, cap - 1);
    if (memchr(o->via.str.ptr, '\0', n)) return sc_errf(err, "%s contains a NUL byte", what);
    memcpy(buf, o->via.str.ptr, n);
    buf[n] = '\0';
    return 0;
}

static int get_int(const msgpack_object *o, int64_t lo, int64_t hi, int64_t *v, const char *what, sc_err *err) {
    int64_t x;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= (uint64_t)INT64_MAX) x = (int64_t)o->via.u64;
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) x = o->via.i64;
    else return sc_errf(err, "%s must be an integer", what);
    if (x < lo || x > hi)
        return sc_errf(err, "%s is %lld, outside [%lld, %lld]", what, (long long)x, (long long)lo, (long long)hi);
    *v = x;
    return 0;
}

static int read_all(const char *path, uint8_t **buf, size_t *n, sc_err *err) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return sc_errf(err, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return sc_errf(err, "not a regular file");
    }
    size_t size = (size_t)st.st_size;
    uint8_t *b = malloc(size ? size : 1);
    if (!b) {
        close(fd);
        return sc_errf(err, "out of memory reading %zu bytes", size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, b + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got != size) {
        free(b);
        return sc_errf(err, "read %zu of %zu bytes (the file changed or could not be read)", got, size);
    }
    *buf = b;
    *n = size;
    return 0;
}

static int parse_config(ck_file *c, const msgpack_object *o, sc_err *err) {
    if (o->type != MSGPACK_OBJECT_MAP) return sc_errf(err, "field 'config' must be a map of strings");
    sc_config_init(&c->cfg);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        char key[SC_CONFIG_KEY_MAX], val[SC_CONFIG_VAL_MAX];
        if (get_str(&o->via.map.ptr[i].key, key, sizeof key, "a config key", err) ||
            get_str(&o->via.map.ptr[i].val, val, sizeof val, "a config value", err))
            return -1;
        if (sc_config_find(&c->cfg, key)) return sc_errf(err, "config key '%s' appears twice", key);
        if (sc_config_set(&c->cfg, key, val, "checkpoint config", err)) return -1;
    }
    return 0;
}

static int parse_shape(ck_file *c, const msgpack_object *o, sc_err *err) {
    static const char *const keys[] = {"modality", "n_outputs", "regression", "vocab_size", "max_tokens",
                                       "C",        "H",         "W",          "F"};
    if (o->type != MSGPACK_OBJECT_MAP) return sc_errf(err, "field 'shape' must be a map");
    sc_model_shape *s = &c->shape;
    int64_t *ints[] = {NULL, &s->n_outputs, NULL, &s->vocab_size, &s->max_tokens, &s->C, &s->H, &s->W, &s->F};
    unsigned seen = 0;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key, *v = &o->via.map.ptr[i].val;
        int j = 0;
        while (j < 9 && !is_str(k, keys[j])) j++;
        if (j == 9 || (seen >> j & 1)) return sc_errf(err, "field 'shape' has an unknown or repeated key");
        seen |= 1u << j;
        char what[64];
        snprintf(what, sizeof what, "shape.%s", keys[j]);
        if (j == 0) {
            char mod[16];
            if (get_str(v, mod, sizeof mod, what, err)) return -1;
            int m = 0;
            while (m < 3 && strcmp(mod, sc_modality_name((sc_modality)m))) m++;
            if (m == 3) return sc_errf(err, "shape.modality '%s' is not text, image or tabular", mod);
            s->modality = (sc_modality)m;
        } else if (j == 2) {
            if (v->type != MSGPACK_OBJECT_BOOLEAN) return sc_errf(err, "shape.regression must be true or false");
            s->regression = v->via.boolean;
        } else if (get_int(v, j == 1 ? 1 : 0, (int64_t)1 << 31, ints[j], what, err)) {
            return -1;
        }
    }
    if (seen != (1u << 9) - 1) return sc_errf(err, "field 'shape' lacks some of its 9 keys");
    return 0;
}

static int parse_tensor(ck_tensor *t, const msgpack_object *o, int idx, sc_err *err) {
    if (o->type != MSGPACK_OBJECT_MAP || o->via.map.size != 4)
        return sc_errf(err, "tensor %d must be a map of name, dtype, shape, data", idx);
    const msgpack_object *name = NULL, *dtype = NULL, *shape = NULL, *data = NULL;
    for (uint32_t i = 0; i < 4; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key, *v = &o->via.map.ptr[i].val;
        if (is_str(k, "name")) name = v;
        else if (is_str(k, "dtype")) dtype = v;
        else if (is_str(k, "shape")) shape = v;
        else if (is_str(k, "data")) data = v;
    }
    if (!name || !dtype || !shape || !data)
        return sc_errf(err, "tensor %d must be a map of name, dtype, shape, data", idx);
    char nm[SC_PARAM_NAME_MAX], what[SC_PARAM_NAME_MAX + 32];
    if (get_str(name, nm, sizeof nm, "a tensor name", err)) return -1;
    t->name = name->via.str.ptr;
    t->name_len = name->via.str.size;
    snprintf(what, sizeof what, "tensor '%s'", nm);
    if (is_str(dtype, "f32")) t->dtype = SC_F32;
    else if (is_str(dtype, "f64")) t->dtype = SC_F64;
    else return sc_errf(err, "%s: dtype must be \"f32\" or \"f64\"", what);
    if (shape->type != MSGPACK_OBJECT_ARRAY || shape->via.array.size > SC_MAX_DIMS)
        return sc_errf(err, "%s: shape must be a list of at most %d sizes", what, SC_MAX_DIMS);
    if (data->type != MSGPACK_OBJECT_BIN) return sc_errf(err, "%s: data must be binary", what);
    t->ndim = (int)shape->via.array.size;
    // numel * element size must equal the bytes present; bound each factor so the
    // product cannot overflow before it is compared.
    uint64_t bytes = sc_dtype_size(t->dtype);
    for (int d = 0; d < t->ndim; d++) {
        if (get_int(&shape->via.array.ptr[d], 0, MAX_DIM, &t->shape[d], "a tensor dimension", err))
            return sc_err_prefix(err, "%s", what);
        bytes = bytes * (uint64_t)t->shape[d];
        if (bytes > UINT32_MAX) return sc_errf(err, "%s: shape is larger than 4 GiB", what);
    }
    if (bytes != data->via.bin.size)
        return sc_errf(err, "%s: data has %u bytes, its shape and dtype need %llu", what, data->via.bin.size,
                       (unsigned long long)bytes);
    t->data = data->via.bin.ptr;
    t->nbytes = data->via.bin.size;
    return 0;
}

static int parse_tensors(ck_file *c, const msgpack_object *o, sc_err *err) {
    if (o->type != MSGPACK_OBJECT_ARRAY) return sc_errf(err, "field 'tensors' must be a list");
    if (o->via.array.size > SC_PARAMS_MAX) return sc_errf(err, "more than %d tensors", SC_PARAMS_MAX);
    c->n_tensors = (int)o->via.array.size;
    for (int i = 0; i < c->n_tensors; i++) {
        if (parse_tensor(&c->t[i], &o->via.array.ptr[i], i, err)) return -1;
        for (int j = 0; j < i; j++)
            if (c->t[j].name_len == c->t[i].name_len && !memcmp(c->t[j].name, c->t[i].name, c->t[i].name_len))
                return sc_errf(err, "tensor '%.*s' appears twice", (int)c->t[i].name_len, c->t[i].name);
    }
    return 0;
}

// The optional `pretrain` map: exactly objective, corpus and corpus_digest.
static int parse_pretrain(sc_ckpt_extra *x, const msgpack_object *o, sc_err *err) {
    if (o->type != MSGPACK_OBJECT_MAP || o->via.map.size != 3)
        return sc_errf(err, "field 'pretrain' must be a map of objective, corpus and corpus_digest");
    const char *keys[3] = {"objective", "corpus", "corpus_digest"};
    char *dst[3] = {x->pre_objective, x->pre_corpus, x->pre_digest};
    size_t cap[3] = {sizeof x->pre_objective, sizeof x->pre_corpus, sizeof x->pre_digest};
    for (int k = 0; k < 3; k++) {
        const msgpack_object *val = NULL;
        for (uint32_t i = 0; i < 3; i++)
            if (is_str(&o->via.map.ptr[i].key, keys[k])) val = &o->via.map.ptr[i].val;
        char what[64];
        snprintf(what, sizeof what, "field 'pretrain.%s'", keys[k]);
        if (!val) return sc_errf(err, "%s is missing", what);
        if (get_str(val, dst[k], cap[k], what, err)) return -1;
    }
    if (!x->pre_objective[0]) return sc_errf(err, "field 'pretrain.objective' is empty");
    return 0;
}

static int parse_extras(ck_file *c, sc_err *err) {
    sc_ckpt_extra *x = &c->x;
    if (get_str(c->f[F_TASK], x->task, sizeof x->task, "field 'task'", err)) return -1;
    const msgpack_object *r = c->f[F_RNG];
    if (r->type != MSGPACK_OBJECT_ARRAY || r->via.array.size != 4)
        return sc_errf(err, "field 'rng' must be a list of 4 unsigned integers");
    for (int k = 0; k < 4; k++) {
        if (r->via.array.ptr[k].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return sc_errf(err, "field 'rng' must be a list of 4 unsigned integers");
        x->rng.s[k] = r->via.array.ptr[k].via.u64;
    }
    if (get_int(c->f[F_STEP], 0, INT64_MAX, &x->step, "field 'step'", err)) return -1;
    const msgpack_object *m = c->f[F_METRICS];
    if (m->type != MSGPACK_OBJECT_MAP) return sc_errf(err, "field 'metrics' must be a map");
    if (m->via.map.size > SC_CKPT_MAX_METRICS) return sc_errf(err, "more than %d metrics", SC_CKPT_MAX_METRICS);
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        char name[SC_CKPT_NAME_MAX];
        const msgpack_object *v = &m->via.map.ptr[i].val;
        if (get_str(&m->via.map.ptr[i].key, name, sizeof name, "a metric name", err)) return -1;
        double d;
        if (v->type == MSGPACK_OBJECT_FLOAT64 || v->type == MSGPACK_OBJECT_FLOAT32) d = v->via.f64;
        else if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) d = (double)v->via.u64;
        else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) d = (double)v->via.i64;
        else return sc_errf(err, "metric '%s' must be a number", name);
        double old;
        if (sc_ckpt_extra_metric(x, name, &old)) return sc_errf(err, "metric '%s' appears twice", name);
        if (sc_ckpt_extra_set_metric(x, name, d, err)) return -1;
    }
    if (c->f[F_PRETRAIN] && parse_pretrain(x, c->f[F_PRETRAIN], err)) return -1;
    const msgpack_object *v = c->f[F_VOCAB];
    if (v->type != MSGPACK_OBJECT_NIL) {
        if (sc_vocab_unpack(v, &x->vocab_store, err)) return sc_err_prefix(err, "field 'vocab'");
        x->vocab = &x->vocab_store;
        c->has_vocab = 1;
    }
    return 0;
}

static int verify_checksum(const ck_file *c, sc_err *err) {
    char want[65], got[65];
    if (get_str(c->f[F_CHECKSUM], want, sizeof want, "field 'checksum'", err)) return -1;
    sc_sha256 h;
    sc_sha256_init(&h);
    for (int i = 0; i < c->n_tensors; i++) {
        const ck_tensor *t = &c->t[i];
        sc_ckpt_hash_tensor(&h, t->name, t->name_len, sc_dtype_name(t->dtype), t->ndim, t->shape, t->data, t->nbytes);
    }
    uint8_t digest[32];
    sc_sha256_final(&h, digest);
    sc_sha256_to_hex(digest, got);
    if (strcmp(want, got))
        return sc_errf(err, "checksum mismatch: the tensors hash to %s but the file records %s (the file is corrupt)",
                       got, want);
    return 0;
}

// The root map: every field present once, with format and version checked
// first (a foreign map or a newer version says so, not "unknown field").
static int parse_root(ck_file *c, const msgpack_object *root, sc_err *err) {
    const msgpack_object *unknown = NULL;
    for (uint32_t i = 0; i < root->via.map.size; i++) {
        const msgpack_object *k = &root->via.map.ptr[i].key;
        int j = 0;
        while (j < F_N && !is_str(k, field_names[j])) j++;
        if (j == F_N) {
            if (!unknown) unknown = k;
            continue;
        }
        if (c->f[j]) return sc_errf(err, "field '%s' appears twice", field_names[j]);
        c->f[j] = &root->via.map.ptr[i].val;
    }
    if (!c->f[F_FORMAT] || !is_str(c->f[F_FORMAT], SC_CKPT_FORMAT))
        return sc_errf(err, "not a scaffold checkpoint (field 'format' is not \"%s\")", SC_CKPT_FORMAT);
    const msgpack_object *v = c->f[F_VERSION];
    if (!v || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER) return sc_errf(err, "field 'version' must be an integer");
    if (v->via.u64 != SC_CKPT_VERSION)
        return sc_errf(err, "checkpoint version %llu, but this build reads version %d",
                       (unsigned long long)v->via.u64, SC_CKPT_VERSION);
    if (unknown) {
        char key[40] = "(not a string)";
        if (unknown->type == MSGPACK_OBJECT_STR)
            snprintf(key, sizeof key, "%.*s", (int)(unknown->via.str.size > 32 ? 32 : unknown->via.str.size),
                     unknown->via.str.ptr);
        return sc_errf(err, "unknown field '%s'", key);
    }
    for (int j = 0; j < F_N; j++)
        if (!c->f[j] && j != F_PRETRAIN) return sc_errf(err, "field '%s' is missing", field_names[j]);
    if (get_str(c->f[F_KIND], c->kind, sizeof c->kind, "field 'kind'", err) ||
        get_str(c->f[F_ARCH], c->arch, sizeof c->arch, "field 'arch'", err))
        return -1;
    if (strcmp(c->kind, "teacher") && strcmp(c->kind, "student"))
        return sc_errf(err, "field 'kind' must be \"teacher\" or \"student\", not '%s'", c->kind);
    if (parse_config(c, c->f[F_CONFIG], err) || parse_shape(c, c->f[F_SHAPE], err) ||
        parse_tensors(c, c->f[F_TENSORS], err) || verify_checksum(c, err) || parse_extras(c, err))
        return -1;
    if (c->has_vocab && c->shape.modality == SC_TEXT && (int64_t)c->x.vocab_store.n != c->shape.vocab_size)
        return sc_errf(err, "the vocabulary has %zu tokens but shape.vocab_size is %lld", c->x.vocab_store.n,
                       (long long)c->shape.vocab_size);
    return 0;
}

// Every parameter the architecture builds must be in the file with its dtype
// and shape, and the file may hold nothing else.
static int fill_params(ck_file *c, const sc_params *p, const char *what, sc_err *err) {
    char a[96], b[96];
    for (int i = 0; i < p->n; i++) {
        sc_tensor *t = p->t[i];
        ck_tensor *f = NULL;
        for (int j = 0; j < c->n_tensors && !f; j++)
            if (c->t[j].name_len == strlen(p->names[i]) && !memcmp(c->t[j].name, p->names[i], c->t[j].name_len))
                f = &c->t[j];
        if (!f) return sc_errf(err, "parameter '%s' of %s is missing from the file", p->names[i], what);
        sc_tensor ft;
        sc_tensor_set_shape(&ft, f->dtype, f->ndim, f->shape);
        if (f->dtype != t->dtype || !sc_same_shape(&ft, t))
            return sc_errf(err, "tensor '%s' is %s in the file, but the saved config builds %s", p->names[i],
                           sc_shape_str(&ft, a, sizeof a), sc_shape_str(t, b, sizeof b));
        if (!sc_tensor_is_contiguous(t))
            return sc_errf(err, "parameter '%s' of %s is not contiguous", p->names[i], what);
        f->used = 1;
    }
    for (int j = 0; j < c->n_tensors; j++)
        if (!c->t[j].used)
            return sc_errf(err, "tensor '%.*s' in the file is not a parameter of %s", (int)c->t[j].name_len,
                           c->t[j].name, what);
    for (int i = 0; i < p->n; i++) {
        sc_tensor *t = p->t[i];
        for (int j = 0; j < c->n_tensors; j++)
            if (c->t[j].name_len == strlen(p->names[i]) && !memcmp(c->t[j].name, p->names[i], c->t[j].name_len)) {
                memcpy(t->data, c->t[j].data, c->t[j].nbytes);
                if (!sc_host_is_le()) sc_swap_bytes(t->data, c->t[j].nbytes, sc_dtype_size(t->dtype));
            }
    }
    return 0;
}

static int load(const uint8_t *buf, size_t n, const sc_model_def *def, sc_model *m, sc_ckpt_extra *extra,
                sc_err *err) {
    int rc = -1;
    ck_file *c = calloc(1, sizeof *c);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (!c) {
        sc_errf(err, "out of memory");
    } else if (n == 0) {
        sc_errf(err, "the file is empty");
    } else if (!((buf[0] >= 0x80 && buf[0] <= 0x8f) || buf[0] == 0xde || buf[0] == 0xdf)) {
        sc_errf(err, "not a scaffold checkpoint (a checkpoint is a msgpack map; the file starts with byte 0x%02x)",
                buf[0]);
    } else if (sc_mp_check(buf, n, MAX_OBJECTS, MAX_DEPTH, err)) {
        // message set
    } else if (msgpack_unpack_next(&up, (const char *)buf, n, &off) < MSGPACK_UNPACK_EXTRA_BYTES || off != n) {
        sc_errf(err, "msgpack could not decode the file");
    } else if (!parse_root(c, &up.data, err)) {
        const sc_model_def *d = def ? def : sc_model_find(c->kind, c->arch);
        if (!d)
            sc_errf(err, "unknown %s architecture '%s' (not in this build's teachers/ or students/)", c->kind, c->arch);
        else if (strcmp(d->role, c->kind) || strcmp(d->name, c->arch))
            sc_errf(err, "the file holds %s '%s', not %s '%s'", c->kind, c->arch, d->role, d->name);
        else if (!sc_model_create(m, d, &c->shape, &c->cfg, 0, err)) {
            char what[96];
            snprintf(what, sizeof what, "%s '%s'", m->def->role, m->def->name);
            if (fill_params(c, &m->params, what, err)) sc_model_free(m);
            else rc = 0;
        }
    }
    if (rc == 0 && extra) {
        *extra = c->x;
        if (c->has_vocab) extra->vocab = &extra->vocab_store;  // the copy moves ownership
    } else if (c) {
        if (c->has_vocab) sc_vocab_free(&c->x.vocab_store);
    }
    if (rc) memset(m, 0, sizeof *m);
    msgpack_unpacked_destroy(&up);
    free(c);
    return rc;
}

int sc_ckpt_unpack_params(const msgpack_object *tensors, const msgpack_object *checksum, sc_params *p,
                          const char *what, sc_err *err) {
    ck_file *c = calloc(1, sizeof *c);
    if (!c) return sc_errf(err, "out of memory");
    c->f[F_CHECKSUM] = checksum;
    int rc = parse_tensors(c, tensors, err) || verify_checksum(c, err) || fill_params(c, p, what, err) ? -1 : 0;
    free(c);
    return rc;
}

int sc_checkpoint_load_buf(const char *name, const uint8_t *buf, size_t n, const sc_model_def *def, sc_model *m,
                           sc_ckpt_extra *extra, sc_err *err) {
    if (load(buf, n, def, m, extra, err)) return sc_err_prefix(err, "%s", name);
    return 0;
}

int sc_checkpoint_load_as(const char *path, const sc_model_def *def, sc_model *m, sc_ckpt_extra *extra,
                          sc_err *err) {
    uint8_t *buf = NULL;
    size_t n = 0;
    if (read_all(path, &buf, &n, err)) return sc_err_prefix(err, "%s", path);
    int rc = sc_checkpoint_load_buf(path, buf, n, def, m, extra, err);
    free(buf);
    return rc;
}

int sc_checkpoint_load(const char *path, sc_model *m, sc_ckpt_extra *extra, sc_err *err) {
    return sc_checkpoint_load_as(path, NULL, m, extra, err);
}
