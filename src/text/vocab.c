#include "text/vocab.h"

#include <stdlib.h>
#include <string.h>

#include "text/grow.h"

static const char *const specials[SC_TOK_NSPECIAL] = {"[PAD]", "[UNK]", "[CLS]"};

// FNV-1a: simple and good enough for short strings.
static uint64_t hash(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

void sc_vocab_free(sc_vocab *v) {
    free(v->blob);
    free(v->str);
    free(v->count);
    free(v->slots);
    memset(v, 0, sizeof *v);
}

static int rehash(sc_vocab *v, size_t n_slots) {
    uint32_t *s = calloc(n_slots, sizeof *s);
    if (!s) return -1;
    for (size_t i = 0; i < v->n; i++) {
        const char *t = v->blob + v->str[i];
        size_t h = (size_t)hash(t, strlen(t)) & (n_slots - 1);
        while (s[h]) h = (h + 1) & (n_slots - 1);
        s[h] = (uint32_t)i + 1;
    }
    free(v->slots);
    v->slots = s;
    v->n_slots = n_slots;
    return 0;
}

// Slot holding tok, or the empty slot where it would go.
static size_t find(const sc_vocab *v, const char *tok, size_t n) {
    size_t h = (size_t)hash(tok, n) & (v->n_slots - 1);
    while (v->slots[h]) {
        const char *s = v->blob + v->str[v->slots[h] - 1];
        if (!strncmp(s, tok, n) && s[n] == '\0') return h;
        h = (h + 1) & (v->n_slots - 1);
    }
    return h;
}

// Appends a new token (not present); returns its id or -1.
static long add(sc_vocab *v, const char *tok, size_t n) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 1024;
        size_t *s = realloc(v->str, cap * sizeof *s);
        if (!s) return -1;
        v->str = s;
        uint64_t *c = realloc(v->count, cap * sizeof *c);
        if (!c) return -1;
        v->count = c;
        v->cap = cap;
    }
    if (sc_text_reserve(&v->blob, &v->blob_cap, v->blob_len + n + 1, 8192)) return -1;
    if ((v->n + 1) * 2 > v->n_slots && rehash(v, v->n_slots ? 2 * v->n_slots : 2048)) return -1;
    memcpy(v->blob + v->blob_len, tok, n);
    v->blob[v->blob_len + n] = '\0';
    v->str[v->n] = v->blob_len;
    v->count[v->n] = 0;
    v->blob_len += n + 1;
    v->slots[find(v, tok, n)] = (uint32_t)v->n + 1;
    return (long)v->n++;
}

int sc_vocab_init(sc_vocab *v, sc_err *err) {
    memset(v, 0, sizeof *v);
    for (int i = 0; i < SC_TOK_NSPECIAL; i++)
        if (add(v, specials[i], strlen(specials[i])) < 0) { sc_vocab_free(v); return sc_errf(err, "out of memory"); }
    return 0;
}

int sc_vocab_count(sc_vocab *v, const char *tok, sc_err *err) {
    size_t n = strlen(tok);
    size_t h = find(v, tok, n);
    long id = v->slots[h] ? (long)v->slots[h] - 1 : add(v, tok, n);
    if (id < 0) return sc_errf(err, "out of memory");
    v->count[id]++;
    return 0;
}

int32_t sc_vocab_id(const sc_vocab *v, const char *tok) {
    if (!v->n_slots) return SC_TOK_UNK;
    size_t h = find(v, tok, strlen(tok));
    return v->slots[h] ? (int32_t)v->slots[h] - 1 : SC_TOK_UNK;
}

typedef struct {
    uint64_t count;
    const char *s;
} ranked;

static int by_count(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return strcmp(x->s, y->s);
}

int sc_vocab_finish(const sc_vocab *v, size_t min_freq, size_t max_size, sc_vocab *out, sc_err *err) {
    if (sc_vocab_init(out, err)) return -1;
    size_t m = 0;
    ranked *r = malloc((v->n ? v->n : 1) * sizeof *r);
    if (!r) { sc_vocab_free(out); return sc_errf(err, "out of memory"); }
    for (size_t i = SC_TOK_NSPECIAL; i < v->n; i++)
        if (v->count[i] >= min_freq) r[m++] = (ranked){v->count[i], v->blob + v->str[i]};
    qsort(r, m, sizeof *r, by_count);
    for (size_t k = 0; k < m && out->n < max_size; k++) {
        long id = add(out, r[k].s, strlen(r[k].s));
        if (id < 0) { free(r); sc_vocab_free(out); return sc_errf(err, "out of memory"); }
        out->count[id] = r[k].count;
    }
    free(r);
    return 0;
}

int sc_vocab_pack(const sc_vocab *v, msgpack_packer *pk) {
    int rc = msgpack_pack_map(pk, 3);
    rc |= msgpack_pack_str_with_body(pk, "format", 6);
    rc |= msgpack_pack_str_with_body(pk, "scaffold-vocab", 14);
    rc |= msgpack_pack_str_with_body(pk, "version", 7);
    rc |= msgpack_pack_int(pk, 1);
    rc |= msgpack_pack_str_with_body(pk, "tokens", 6);
    rc |= msgpack_pack_array(pk, v->n);
    for (size_t i = 0; i < v->n; i++) {
        const char *s = sc_vocab_str(v, i);
        rc |= msgpack_pack_str_with_body(pk, s, strlen(s));
    }
    return rc ? -1 : 0;
}

static int key_is(const msgpack_object_kv *kv, const char *k) {
    return kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == strlen(k) &&
           !memcmp(kv->key.via.str.ptr, k, kv->key.via.str.size);
}

int sc_vocab_unpack(const msgpack_object *o, sc_vocab *v, sc_err *err) {
    memset(v, 0, sizeof *v);
    if (o->type != MSGPACK_OBJECT_MAP) return sc_errf(err, "vocabulary: expected a map");
    const msgpack_object *tokens = NULL;
    int fmt_ok = 0, ver_ok = 0;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        if (key_is(kv, "format"))
            fmt_ok = kv->val.type == MSGPACK_OBJECT_STR && kv->val.via.str.size == 14 &&
                     !memcmp(kv->val.via.str.ptr, "scaffold-vocab", 14);
        else if (key_is(kv, "version"))
            ver_ok = kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER && kv->val.via.u64 == 1;
        else if (key_is(kv, "tokens"))
            tokens = &kv->val;
        else
            return sc_errf(err, "vocabulary: unknown key in the map");
    }
    if (!fmt_ok) return sc_errf(err, "vocabulary: field 'format' must be \"scaffold-vocab\"");
    if (!ver_ok) return sc_errf(err, "vocabulary: field 'version' must be 1");
    if (!tokens || tokens->type != MSGPACK_OBJECT_ARRAY) return sc_errf(err, "vocabulary: field 'tokens' must be a list");
    const msgpack_object_array *a = &tokens->via.array;
    if (a->size < SC_TOK_NSPECIAL) return sc_errf(err, "vocabulary: fewer tokens than the 3 specials");
    for (uint32_t i = 0; i < a->size; i++) {
        const msgpack_object *t = &a->ptr[i];
        if (t->type != MSGPACK_OBJECT_STR || t->via.str.size == 0 || memchr(t->via.str.ptr, '\0', t->via.str.size)) {
            sc_vocab_free(v);
            return sc_errf(err, "vocabulary: token %u is not a non-empty string", i);
        }
        const char *s = t->via.str.ptr;
        size_t n = t->via.str.size;
        if (i < SC_TOK_NSPECIAL && (n != strlen(specials[i]) || memcmp(s, specials[i], n))) {
            sc_vocab_free(v);
            return sc_errf(err, "vocabulary: token %u must be %s", i, specials[i]);
        }
        if (v->n_slots && v->slots[find(v, s, n)]) {
            sc_vocab_free(v);
            return sc_errf(err, "vocabulary: token %u ('%.*s') is a duplicate", i, (int)(n > 40 ? 40 : n), s);
        }
        if (add(v, s, n) < 0) { sc_vocab_free(v); return sc_errf(err, "out of memory"); }
    }
    return 0;
}

int sc_vocab_encode(const sc_vocab *v, const char *text, size_t n, size_t max_len, int32_t *ids, float *mask,
                    size_t *len, sc_tokens *scratch, sc_err *err) {
    if (max_len < 1) return sc_errf(err, "max_len must be at least 1 (room for [CLS])");
    if (sc_tokenize(text, n, scratch, err)) return -1;
    size_t m = scratch->n + 1 < max_len ? scratch->n + 1 : max_len;
    ids[0] = SC_TOK_CLS;
    for (size_t k = 1; k < m; k++) ids[k] = sc_vocab_id(v, sc_token(scratch, k - 1));
    for (size_t k = 0; k < max_len; k++) {
        if (k >= m) ids[k] = SC_TOK_PAD;
        mask[k] = k < m ? 1.0f : 0.0f;
    }
    *len = m;
    return 0;
}

int sc_vocab_copy(const sc_vocab *src, sc_vocab *dst, sc_err *err) {
    if (sc_vocab_init(dst, err)) return -1;
    for (size_t i = SC_TOK_NSPECIAL; i < src->n; i++) {
        const char *s = sc_vocab_str(src, i);
        long id = add(dst, s, strlen(s));
        if (id < 0) { sc_vocab_free(dst); return sc_errf(err, "out of memory"); }
        dst->count[id] = src->count ? src->count[i] : 0;
    }
    return 0;
}
