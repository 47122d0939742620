// A set of byte strings: open addressing with linear probing, kept at most half
// full; FNV-1a 64-bit hashes are stored beside the slots so that a probe compares
// bytes only when the hashes agree (equal keys are then confirmed byte for byte:
// no false positive, ever).
#include <stdlib.h>
#include <string.h>

#include "data/corpus_parse.h"
#include "data/grow.h"

static uint64_t fnv1a(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

// The slot holding key, or the empty slot where it would go.
static size_t probe(const sc_keyset *k, const char *key, size_t n, uint64_t h) {
    size_t mask = k->n_slots - 1, i = (size_t)h & mask;
    while (k->slot[i]) {
        const char *s = k->blob + k->slot[i] - 1;
        if (k->hash[i] == h && !memcmp(s, key, n) && s[n] == '\0') return i;
        i = (i + 1) & mask;
    }
    return i;
}

static int rehash(sc_keyset *k) {
    size_t ns = k->n_slots ? 2 * k->n_slots : 1024;
    sc_keyset b = {.blob = k->blob, .len = k->len, .cap = k->cap, .n = k->n, .n_slots = ns};
    b.slot = calloc(ns, sizeof *b.slot);
    b.hash = calloc(ns, sizeof *b.hash);
    if (!b.slot || !b.hash) {
        free(b.slot);
        free(b.hash);
        return -1;
    }
    for (size_t i = 0; i < k->n_slots; i++) {
        if (!k->slot[i]) continue;
        size_t j = (size_t)k->hash[i] & (ns - 1);
        while (b.slot[j]) j = (j + 1) & (ns - 1);
        b.slot[j] = k->slot[i];
        b.hash[j] = k->hash[i];
    }
    free(k->slot);
    free(k->hash);
    *k = b;
    return 0;
}

int sc_keyset_has(const sc_keyset *k, const char *key, size_t n) {
    if (!k->n_slots) return 0;
    return k->slot[probe(k, key, n, fnv1a(key, n))] != 0;
}

int sc_keyset_add(sc_keyset *k, const char *key, size_t n) {
    if (2 * (k->n + 1) > k->n_slots && rehash(k)) return -1;
    uint64_t h = fnv1a(key, n);
    size_t i = probe(k, key, n, h);
    if (k->slot[i]) return 1;
    if (sc_grow((void **)&k->blob, &k->cap, sc_grow_need(k->len, n + 1), 1, 1 << 16)) return -1;
    memcpy(k->blob + k->len, key, n);
    k->blob[k->len + n] = '\0';
    k->slot[i] = k->len + 1;
    k->hash[i] = h;
    k->len += n + 1;
    k->n++;
    return 0;
}

void sc_keyset_free(sc_keyset *k) {
    free(k->blob);
    free(k->slot);
    free(k->hash);
    memset(k, 0, sizeof *k);
}
