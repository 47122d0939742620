#include "fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_test.h"

void sc_fixture_open(sc_fixture *f, const char *name) {
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "tests/fixtures/%s.msgpack", name);
    FILE *fp = fopen(f->path, "rb");
    if (!fp) fail_msg("cannot open %s (run the tests from the repository root)", f->path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f->buf = malloc((size_t)n);
    f->size = fread(f->buf, 1, (size_t)n, fp);
    fclose(fp);
    msgpack_unpacked_init(&f->up);
    size_t off = 0;
    if (msgpack_unpack_next(&f->up, f->buf, f->size, &off) != MSGPACK_UNPACK_SUCCESS ||
        f->up.data.type != MSGPACK_OBJECT_MAP)
        fail_msg("%s: not a msgpack map", f->path);
}

void sc_fixture_close(sc_fixture *f) {
    msgpack_unpacked_destroy(&f->up);
    free(f->buf);
}

static const msgpack_object *field(const msgpack_object *map, const char *key) {
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) &&
            !memcmp(k->via.str.ptr, key, k->via.str.size))
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

sc_tensor *sc_fixture_get(sc_fixture *f, sc_ctx *ctx, const char *key, sc_dtype dtype) {
    const msgpack_object *e = field(&f->up.data, key);
    if (!e || e->type != MSGPACK_OBJECT_MAP) fail_msg("%s: no entry '%s'", f->path, key);
    const msgpack_object *shape = field(e, "shape"), *data = field(e, "data");
    if (!shape || !data || shape->type != MSGPACK_OBJECT_ARRAY || data->type != MSGPACK_OBJECT_BIN)
        fail_msg("%s: entry '%s' lacks shape/data", f->path, key);
    int64_t s[SC_MAX_DIMS], n = 1;
    int nd = (int)shape->via.array.size;
    if (nd > SC_MAX_DIMS) fail_msg("%s: '%s' has %d dims", f->path, key, nd);
    for (int d = 0; d < nd; d++) n *= (s[d] = (int64_t)shape->via.array.ptr[d].via.u64);
    if ((int64_t)data->via.bin.size != n * 8) fail_msg("%s: '%s' data size mismatch", f->path, key);
    sc_tensor *t = sc_empty(ctx, dtype, nd, s);
    assert_non_null(t);
    for (int64_t i = 0; i < n; i++) {
        double v;
        memcpy(&v, data->via.bin.ptr + 8 * i, 8);
        sc_tensor_set(t, i, v);
    }
    return t;
}

double sc_max_abs_diff(const sc_tensor *a, const sc_tensor *b) {
    assert_non_null(a);
    assert_non_null(b);
    if (a->numel != b->numel) fail_msg("size mismatch: %lld vs %lld", (long long)a->numel, (long long)b->numel);
    double m = 0;
    for (int64_t i = 0; i < a->numel; i++) {
        double d = fabs(sc_tensor_get(a, i) - sc_tensor_get(b, i));
        if (!(d <= m)) m = d;
    }
    return m;
}
