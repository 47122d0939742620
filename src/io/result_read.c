#include "io/result_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/rawfile.h"
#include "io/endian.h"
#include "io/mpcheck.h"

#define MAX_OBJECTS (16u << 20)
#define MAX_DEPTH 16

static int key_is(const msgpack_object *k, const char *s, size_t n) {
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n && !memcmp(k->via.str.ptr, s, n);
}

static const msgpack_object *map_get(const msgpack_object *m, const char *key, size_t n) {
    if (!m || m->type != MSGPACK_OBJECT_MAP) return NULL;
    for (uint32_t i = 0; i < m->via.map.size; i++)
        if (key_is(&m->via.map.ptr[i].key, key, n)) return &m->via.map.ptr[i].val;
    return NULL;
}

const msgpack_object *sc_result_get(const sc_result_doc *d, const char *dotted) {
    const msgpack_object *o = d->root;
    const char *s = dotted;
    while (o && *s) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        o = map_get(o, s, n);
        s += n + (dot != NULL);
    }
    return o;
}

static void doc_init(sc_result_doc *d, const char *path) {
    memset(d, 0, sizeof *d);
    snprintf(d->path, sizeof d->path, "%s", path);
    msgpack_unpacked_init(&d->up);
}

static int parse(sc_result_doc *d, const char *path, char *buf, size_t n, sc_err *err);

int sc_result_load(sc_result_doc *d, const char *path, sc_err *err) {
    doc_init(d, path);
    char *buf;
    size_t n;
    if (sc_read_file(path, &buf, &n, err)) return -1;
    return parse(d, path, buf, n, err);
}

int sc_result_load_buf(sc_result_doc *d, const char *name, const void *src, size_t n, sc_err *err) {
    doc_init(d, name);
    char *buf = malloc(n + 1);  // NUL-terminated like sc_read_file's buffers
    if (!buf) return sc_errf(err, "%s: out of memory", name);
    if (n) memcpy(buf, src, n);
    buf[n] = '\0';
    return parse(d, name, buf, n, err);
}

// Takes over buf (malloc'd; d->buf frees it).
static int parse(sc_result_doc *d, const char *path, char *buf, size_t n, sc_err *err) {
    d->buf = (uint8_t *)buf;
    d->n = n;
    size_t off = 0;
    if (sc_mp_check(d->buf, n, MAX_OBJECTS, MAX_DEPTH, err) ||
        msgpack_unpack_next(&d->up, buf, n, &off) < MSGPACK_UNPACK_EXTRA_BYTES || off != n) {
        sc_err inner = *err;
        sc_errf(err, "%s: not a msgpack result file (%s)", path, inner.msg[0] ? inner.msg : "unpack failed");
        sc_result_doc_free(d);
        return -1;
    }
    d->root = &d->up.data;
    char fmt[32];
    const msgpack_object *f = sc_result_get(d, "format");
    if (d->root->type != MSGPACK_OBJECT_MAP || !f || f->type != MSGPACK_OBJECT_STR ||
        sc_result_str(d, "format", fmt, sizeof fmt, err) || strcmp(fmt, "scaffold-result")) {
        sc_errf(err, "%s: not a scaffold result (expected a map with format \"scaffold-result\")", path);
        sc_result_doc_free(d);
        return -1;
    }
    return 0;
}

void sc_result_doc_free(sc_result_doc *d) {
    msgpack_unpacked_destroy(&d->up);
    free(d->buf);
    d->buf = NULL;
    d->root = NULL;
}

int sc_result_str(const sc_result_doc *d, const char *key, char *buf, size_t cap, sc_err *err) {
    const msgpack_object *o = sc_result_get(d, key);
    if (!o) return sc_errf(err, "%s: missing key '%s'", d->path, key);
    if (o->type != MSGPACK_OBJECT_STR) return sc_errf(err, "%s: '%s' must be a string", d->path, key);
    size_t n = o->via.str.size;
    if (n >= cap || memchr(o->via.str.ptr, '\0', n))
        return sc_errf(err, "%s: '%s' is not a short NUL-free string", d->path, key);
    memcpy(buf, o->via.str.ptr, n);
    buf[n] = '\0';
    return 0;
}

static int as_number(const msgpack_object *o, double *v) {
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER: *v = (double)o->via.u64; return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: *v = (double)o->via.i64; return 0;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: *v = o->via.f64; return 0;
    case MSGPACK_OBJECT_BOOLEAN: *v = o->via.boolean; return 0;
    default: return -1;
    }
}

int sc_result_num(const sc_result_doc *d, const char *key, double *v, sc_err *err) {
    const msgpack_object *o = sc_result_get(d, key);
    if (!o) return sc_errf(err, "%s: missing key '%s'", d->path, key);
    if (as_number(o, v)) return sc_errf(err, "%s: '%s' must be a number", d->path, key);
    return 0;
}

int sc_result_floats(const sc_result_doc *d, const char *key, float **v, size_t *n, sc_err *err) {
    const msgpack_object *o = sc_result_get(d, key);
    *v = NULL;
    *n = 0;
    if (!o) return sc_errf(err, "%s: missing key '%s'", d->path, key);
    if (o->type == MSGPACK_OBJECT_BIN) {
        size_t bytes = o->via.bin.size;
        if (bytes % 4) return sc_errf(err, "%s: '%s' holds %zu bytes, not a whole number of f32", d->path, key, bytes);
        float *f = malloc(bytes ? bytes : 1);
        if (!f) return sc_errf(err, "%s: out of memory for '%s'", d->path, key);
        memcpy(f, o->via.bin.ptr, bytes);
        if (!sc_host_is_le()) sc_swap_bytes(f, bytes, 4);
        *v = f;
        *n = bytes / 4;
        return 0;
    }
    if (o->type != MSGPACK_OBJECT_ARRAY) return sc_errf(err, "%s: '%s' must be an array of numbers", d->path, key);
    uint32_t m = o->via.array.size;
    float *f = malloc(sizeof(float) * (m ? m : 1));
    if (!f) return sc_errf(err, "%s: out of memory for '%s'", d->path, key);
    for (uint32_t i = 0; i < m; i++) {
        double x;
        if (as_number(&o->via.array.ptr[i], &x)) {
            free(f);
            return sc_errf(err, "%s: '%s'[%u] must be a number", d->path, key, i);
        }
        f[i] = (float)x;
    }
    *v = f;
    *n = m;
    return 0;
}
