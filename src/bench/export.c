// export.c — the export folder writer (export.h): growable buffers for the
// raw tensor bytes and the JSON members, written atomically at the end.
#include "bench/export.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "io/endian.h"

static void buf_add(sc_bx *x, sc_bx_buf *b, const void *data, size_t n) {
    if (x->failed || (!n && b->p)) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            x->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_str(sc_bx *x, sc_bx_buf *b, const char *s) { buf_add(x, b, s, strlen(s)); }

static void buf_printf(sc_bx *x, sc_bx_buf *b, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void buf_printf(sc_bx *x, sc_bx_buf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        x->failed = 1;
        return;
    }
    buf_add(x, b, tmp, (size_t)n);
}

// A JSON string literal (names and config values: escape quotes, backslashes
// and control characters; everything else is passed through as UTF-8).
static void buf_json_str(sc_bx *x, sc_bx_buf *b, const char *s) {
    buf_str(x, b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') buf_printf(x, b, "\\%c", c);
        else if (c < 0x20) buf_printf(x, b, "\\u%04x", c);
        else buf_add(x, b, s, 1);
    }
    buf_str(x, b, "\"");
}

// A member separator when the list already has one.
static void sep(sc_bx *x, sc_bx_buf *b) {
    if (b->len) buf_str(x, b, ",\n    ");
}

int sc_bx_open(sc_bx *x, const char *dir, const char *case_name, sc_err *err) {
    memset(x, 0, sizeof *x);
    if (snprintf(x->dir, sizeof x->dir, "%s/%s", dir, case_name) >= (int)sizeof x->dir)
        return sc_errf(err, "bench export: path %s/%s is too long", dir, case_name);
    return sc_mkdirs(x->dir, err);
}

void sc_bx_abort(sc_bx *x) {
    free(x->bin.p), free(x->tensors.p), free(x->config.p), free(x->checks.p);
    memset(x, 0, sizeof *x);
}

// Index entry and little-endian bytes of n elements of `width` bytes.
static void add_array(sc_bx *x, const char *name, const char *dtype, const void *data, size_t width, int ndim,
                      const int64_t *shape) {
    size_t n = 1;
    for (int d = 0; d < ndim; d++) n *= (size_t)shape[d];
    sep(x, &x->tensors);
    buf_str(x, &x->tensors, "{\"name\": ");
    buf_json_str(x, &x->tensors, name);
    buf_printf(x, &x->tensors, ", \"dtype\": \"%s\", \"offset\": %zu, \"shape\": [", dtype, x->bin.len);
    for (int d = 0; d < ndim; d++) buf_printf(x, &x->tensors, "%s%lld", d ? ", " : "", (long long)shape[d]);
    buf_str(x, &x->tensors, "]}");
    size_t at = x->bin.len;
    buf_add(x, &x->bin, data, n * width);
    if (!x->failed && !sc_host_is_le()) sc_swap_bytes(x->bin.p + at, n * width, width);
}

void sc_bx_f32(sc_bx *x, const char *name, const float *v, int ndim, const int64_t *shape) {
    add_array(x, name, "f32", v, 4, ndim, shape);
}

void sc_bx_i32(sc_bx *x, const char *name, const int32_t *v, int ndim, const int64_t *shape) {
    add_array(x, name, "i32", v, 4, ndim, shape);
}

void sc_bx_tensor(sc_bx *x, const char *name, const sc_tensor *t) {
    if (x->failed) return;
    size_t w = sc_dtype_size(t->dtype), n = (size_t)t->numel;
    const char *dt = t->dtype == SC_F32 ? "f32" : t->dtype == SC_F64 ? "f64" : "i32";
    if (sc_tensor_is_contiguous(t)) {
        add_array(x, name, dt, t->data, w, t->ndim, t->shape);
        return;
    }
    char *tmp = malloc(n * w + 1);  // a strided view: gathered element by element
    if (!tmp) {
        x->failed = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double v = sc_tensor_get(t, (int64_t)i);
        if (t->dtype == SC_F32) ((float *)tmp)[i] = (float)v;
        else if (t->dtype == SC_F64) ((double *)tmp)[i] = v;
        else ((int32_t *)tmp)[i] = (int32_t)v;
    }
    add_array(x, name, dt, tmp, w, t->ndim, t->shape);
    free(tmp);
}

void sc_bx_params(sc_bx *x, const char *prefix, const sc_params *p) {
    for (int i = 0; i < p->n; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s%s", prefix, p->names[i]);
        sc_bx_tensor(x, name, p->t[i]);
    }
}

void sc_bx_config_str(sc_bx *x, const char *key, const char *value) {
    sep(x, &x->config);
    buf_json_str(x, &x->config, key);
    buf_str(x, &x->config, ": ");
    buf_json_str(x, &x->config, value);
}

void sc_bx_config_num(sc_bx *x, const char *key, double value) {
    sep(x, &x->config);
    buf_json_str(x, &x->config, key);
    buf_printf(x, &x->config, ": %.17g", value);
}

void sc_bx_config_all(sc_bx *x, const char *prefix, const sc_config *c) {
    for (int i = 0; i < c->n; i++) {
        char key[256];
        snprintf(key, sizeof key, "%s%s", prefix, c->e[i].key);
        sc_bx_config_str(x, key, c->e[i].value);
    }
}

void sc_bx_check(sc_bx *x, const char *name, double value) {
    sep(x, &x->checks);
    buf_json_str(x, &x->checks, name);
    buf_printf(x, &x->checks, ": %.17g", value);  // NaN would not be JSON: the replica then fails to parse, loudly
}

int sc_bx_close(sc_bx *x, sc_err *err) {
    sc_bx_buf json = {0};
    char case_name[256];
    const char *slash = strrchr(x->dir, '/');
    snprintf(case_name, sizeof case_name, "%s", slash ? slash + 1 : x->dir);
    buf_str(x, &json, "{\n  \"format\": \"scaffold-bench-export 1\",\n  \"case\": ");
    buf_json_str(x, &json, case_name);
    buf_str(x, &json, ",\n  \"byte_order\": \"little\",\n  \"config\": {\n    ");
    buf_str(x, &json, x->config.p ? x->config.p : "");
    buf_str(x, &json, "\n  },\n  \"checks\": {\n    ");
    buf_str(x, &json, x->checks.p ? x->checks.p : "");
    buf_str(x, &json, "\n  },\n  \"tensors\": [\n    ");
    buf_str(x, &json, x->tensors.p ? x->tensors.p : "");
    buf_str(x, &json, "\n  ]\n}\n");
    int rc = 0;
    char path[1100];
    if (x->failed) {
        rc = sc_errf(err, "bench export %s: out of memory", x->dir);
    } else {
        // tensors.bin first: an index.json is only ever next to its complete data.
        snprintf(path, sizeof path, "%s/tensors.bin", x->dir);
        rc = sc_atomic_write(path, x->bin.p ? x->bin.p : "", x->bin.len, err);
        snprintf(path, sizeof path, "%s/index.json", x->dir);
        if (!rc) rc = sc_atomic_write(path, json.p, json.len, err);
    }
    free(json.p);
    sc_bx_abort(x);
    return rc;
}
