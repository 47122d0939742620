#include "io/mpcheck.h"

typedef struct walk {
    const uint8_t *b;
    size_t n, pos;
    size_t objects, max_objects;
    int max_depth;
    sc_err *err;
} walk;

static int truncated(walk *w, const char *what) {
    return sc_errf(w->err, "file is truncated: it ends inside %s (the file has %zu bytes)", what, w->n);
}

// Big-endian unsigned integer of `len` bytes at the cursor (len <= 8).
static int read_be(walk *w, size_t len, uint64_t *v, const char *what) {
    if (w->n - w->pos < len) return truncated(w, what);
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) x = x << 8 | w->b[w->pos + i];
    w->pos += len;
    *v = x;
    return 0;
}

static int skip(walk *w, uint64_t len, const char *what) {
    if (len > w->n - w->pos) return truncated(w, what);
    w->pos += (size_t)len;
    return 0;
}

static int walk_obj(walk *w, int depth);

// `count` objects follow (an array's elements or a map's keys and values).
static int walk_items(walk *w, uint64_t count, int depth, const char *what) {
    if (depth >= w->max_depth)
        return sc_errf(w->err, "invalid data: nested more than %d levels deep at byte %zu", w->max_depth, w->pos);
    // Each object takes at least one byte: a larger count cannot be genuine.
    if (count > w->n - w->pos) return truncated(w, what);
    for (uint64_t i = 0; i < count; i++)
        if (walk_obj(w, depth + 1)) return -1;
    return 0;
}

static int walk_obj(walk *w, int depth) {
    if (w->pos >= w->n) return truncated(w, "a msgpack value");
    if (++w->objects > w->max_objects)
        return sc_errf(w->err, "invalid data: more than %zu msgpack values", w->max_objects);
    size_t at = w->pos;
    uint8_t c = w->b[w->pos++];
    uint64_t v;
    if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3) return 0;  // fixints, nil, bools
    if (c >= 0x80 && c <= 0x8f) return walk_items(w, 2u * (c & 0x0fu), depth, "a map");
    if (c >= 0x90 && c <= 0x9f) return walk_items(w, c & 0x0fu, depth, "a list");
    if (c >= 0xa0 && c <= 0xbf) return skip(w, c & 0x1fu, "a string");
    switch (c) {
    case 0xc4: case 0xc5: case 0xc6:  // bin 8/16/32
        if (read_be(w, (size_t)1 << (c - 0xc4), &v, "a binary header")) return -1;
        return skip(w, v, "binary data");
    case 0xc7: case 0xc8: case 0xc9:  // ext 8/16/32: length, type byte, data
        if (read_be(w, (size_t)1 << (c - 0xc7), &v, "an extension header")) return -1;
        return skip(w, v + 1, "extension data");
    case 0xca: return skip(w, 4, "a float");
    case 0xcb: return skip(w, 8, "a float");
    case 0xcc: case 0xcd: case 0xce: case 0xcf: return skip(w, (uint64_t)1 << (c - 0xcc), "an integer");
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: return skip(w, (uint64_t)1 << (c - 0xd0), "an integer");
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:  // fixext 1..16: type byte + data
        return skip(w, 1 + ((uint64_t)1 << (c - 0xd4)), "extension data");
    case 0xd9: case 0xda: case 0xdb:  // str 8/16/32
        if (read_be(w, (size_t)1 << (c - 0xd9), &v, "a string header")) return -1;
        return skip(w, v, "a string");
    case 0xdc: case 0xdd:  // array 16/32
        if (read_be(w, c == 0xdc ? 2 : 4, &v, "a list header")) return -1;
        return walk_items(w, v, depth, "a list");
    case 0xde: case 0xdf:  // map 16/32
        if (read_be(w, c == 0xde ? 2 : 4, &v, "a map header")) return -1;
        return walk_items(w, 2 * v, depth, "a map");
    default:  // 0xc1 is never used
        return sc_errf(w->err, "invalid data: byte 0x%02x at offset %zu is not a msgpack type", c, at);
    }
}

int sc_mp_check(const uint8_t *buf, size_t n, size_t max_objects, int max_depth, sc_err *err) {
    walk w = {buf, n, 0, 0, max_objects, max_depth, err};
    if (walk_obj(&w, 0)) return -1;
    if (w.pos != n)
        return sc_errf(err, "%zu bytes of trailing data after the msgpack value that ends at byte %zu", n - w.pos,
                       w.pos);
    return 0;
}
