#include "io/result_read.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
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
    if (n >= cap) return sc_errf(err, "%s: '%s' is longer than %zu bytes", d->path, key, cap - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)o->via.str.ptr[i];
        if (c < 0x20 || c == 0x7f)
            return sc_errf(err, "%s: '%s' holds the control character 0x%02x at byte %zu", d->path, key, c, i);
    }
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

// The value as text for messages ("1e+300", "nan", "18446744073709551615", "-1").
static void describe(const msgpack_object *o, char *buf, size_t cap) {
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER: snprintf(buf, cap, "%" PRIu64, o->via.u64); break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: snprintf(buf, cap, "%" PRId64, o->via.i64); break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: snprintf(buf, cap, "%g", o->via.f64); break;
    case MSGPACK_OBJECT_BOOLEAN: snprintf(buf, cap, "%s", o->via.boolean ? "true" : "false"); break;
    default: snprintf(buf, cap, "a non-number"); break;
    }
}

// The value at key, and its text for a range error (describe); NULL, with the
// "missing key" error set, when the key is absent.
static const msgpack_object *get_described(const sc_result_doc *d, const char *key, char *text, size_t cap,
                                           sc_err *err) {
    const msgpack_object *o = sc_result_get(d, key);
    if (!o) {
        sc_errf(err, "%s: missing key '%s'", d->path, key);
        return NULL;
    }
    describe(o, text, cap);
    return o;
}

int sc_result_real(const sc_result_doc *d, const char *key, double lo, double hi, double *v, sc_err *err) {
    char text[64];
    const msgpack_object *o = get_described(d, key, text, sizeof text, err);
    if (!o) return -1;
    double x;
    if (as_number(o, &x)) return sc_errf(err, "%s: '%s' must be a number", d->path, key);
    // !(x >= lo && x <= hi) is also true for NaN.
    if (!isfinite(x) || !(x >= lo && x <= hi))
        return sc_errf(err, "%s: '%s' = %s is not a finite number in [%g, %g]", d->path, key, text, lo, hi);
    *v = x;
    return 0;
}

// An integer read for sc_result_int / sc_result_uint: msgpack integers, or floats
// with an integral value up to 2^53 in magnitude (where every integer is exact),
// as a sign and a magnitude, so each getter tests its range in the source type
// before any conversion.
typedef struct integer {
    int exact;     // 0: a float that is not such an integer (inf, nan, 2.5, 1e300)
    int neg;       // value < 0
    uint64_t mag;  // |value|
    char text[64]; // the value as written, for the range error
} integer;

static int get_integer(const sc_result_doc *d, const char *key, integer *n, sc_err *err) {
    const msgpack_object *o = get_described(d, key, n->text, sizeof n->text, err);
    if (!o) return -1;
    n->exact = 1, n->neg = 0, n->mag = 0;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        n->mag = o->via.u64;
    } else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {  // msgpack-c decodes values >= 0 as POSITIVE
        n->neg = o->via.i64 < 0;
        n->mag = n->neg ? 0 - (uint64_t)o->via.i64 : (uint64_t)o->via.i64;
    } else if (o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64) {
        double f = o->via.f64;
        n->exact = isfinite(f) && f == floor(f) && fabs(f) <= 9007199254740992.0;
        n->neg = f < 0;
        if (n->exact) n->mag = (uint64_t)fabs(f);
    } else {
        return sc_errf(err, "%s: '%s' must be an integer", d->path, key);
    }
    return 0;
}

int sc_result_int(const sc_result_doc *d, const char *key, int64_t lo, int64_t hi, int64_t *v, sc_err *err) {
    integer n;
    if (get_integer(d, key, &n, err)) return -1;
    // Within int64 first (-2^63 .. 2^63 - 1), then within [lo, hi].
    int ok = n.exact && n.mag <= (uint64_t)INT64_MAX + (uint64_t)n.neg;
    int64_t x = !ok ? 0 : n.neg ? -(int64_t)(n.mag - 1) - 1 : (int64_t)n.mag;
    if (!ok || x < lo || x > hi)
        return sc_errf(err, "%s: '%s' = %s is not an integer in [%" PRId64 ", %" PRId64 "]", d->path, key, n.text, lo,
                       hi);
    *v = x;
    return 0;
}

int sc_result_uint(const sc_result_doc *d, const char *key, uint64_t hi, uint64_t *v, sc_err *err) {
    integer n;
    if (get_integer(d, key, &n, err)) return -1;
    if (!n.exact || n.neg || n.mag > hi)
        return sc_errf(err, "%s: '%s' = %s is not an integer in [0, %" PRIu64 "]", d->path, key, n.text, hi);
    *v = n.mag;
    return 0;
}

// Reads the array at key; with check, at most max_n entries, each finite in [lo, hi].
static int floats(const sc_result_doc *d, const char *key, int check, size_t max_n, double lo, double hi, float **v,
                  size_t *n, sc_err *err) {
    const msgpack_object *o = sc_result_get(d, key);
    *v = NULL;
    *n = 0;
    if (!o) return sc_errf(err, "%s: missing key '%s'", d->path, key);
    size_t m;
    if (o->type == MSGPACK_OBJECT_BIN) {
        size_t bytes = o->via.bin.size;
        if (bytes % 4) return sc_errf(err, "%s: '%s' holds %zu bytes, not a whole number of f32", d->path, key, bytes);
        m = bytes / 4;
    } else if (o->type == MSGPACK_OBJECT_ARRAY) {
        m = o->via.array.size;
    } else {
        return sc_errf(err, "%s: '%s' must be an array of numbers", d->path, key);
    }
    if (check && m > max_n)
        return sc_errf(err, "%s: '%s' has %zu entries, more than the %zu allowed", d->path, key, m, max_n);
    float *f = malloc(sizeof(float) * (m ? m : 1));
    if (!f) return sc_errf(err, "%s: out of memory for '%s'", d->path, key);
    if (o->type == MSGPACK_OBJECT_BIN) {
        memcpy(f, o->via.bin.ptr, m * 4);
        if (!sc_host_is_le()) sc_swap_bytes(f, m * 4, 4);
    }
    for (size_t i = 0; i < m; i++) {
        double x;
        if (o->type == MSGPACK_OBJECT_BIN) {
            x = f[i];
        } else if (as_number(&o->via.array.ptr[i], &x)) {
            free(f);
            return sc_errf(err, "%s: '%s'[%zu] must be a number", d->path, key, i);
        }
        // Unchecked reads still never convert a double outside float's range.
        if (check ? !isfinite(x) || !(x >= lo && x <= hi) : isfinite(x) && fabs(x) > FLT_MAX) {
            free(f);
            return check ? sc_errf(err, "%s: '%s'[%zu] = %g is not a finite number in [%g, %g]", d->path, key, i, x,
                                   lo, hi)
                         : sc_errf(err, "%s: '%s'[%zu] = %g is outside the range of a float", d->path, key, i, x);
        }
        f[i] = (float)x;
    }
    *v = f;
    *n = m;
    return 0;
}

int sc_result_floats(const sc_result_doc *d, const char *key, float **v, size_t *n, sc_err *err) {
    return floats(d, key, 0, 0, 0, 0, v, n, err);
}

int sc_result_floats_in(const sc_result_doc *d, const char *key, size_t max_n, double lo, double hi, float **v,
                        size_t *n, sc_err *err) {
    return floats(d, key, 1, max_n, lo, hi, v, n, err);
}
