#include "core/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void sc_rng_seed(sc_rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t sc_rng_next(sc_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sc_rng_uniform(sc_rng *r) { return (double)(sc_rng_next(r) >> 11) * 0x1.0p-53; }

// u = N 2^-53 with N the draw's top 53 bits, so u >= p exactly when
// N >= p 2^53 (a power-of-two scaling: exact), i.e. N >= ceil(p 2^53).
static uint64_t keep_threshold(double p) { return (uint64_t)ceil(p * 0x1.0p53); }

#define KEEP_MASK(T, SUFFIX)                                                        \
    void sc_rng_keep_mask_##SUFFIX(sc_rng *r, T *m, int64_t n, double p, T keep) { \
        sc_rng local = *r;                                                          \
        uint64_t thr = keep_threshold(p);                                           \
        for (int64_t i = 0; i < n; i++) m[i] = (sc_rng_next(&local) >> 11) >= thr ? keep : (T)0; \
        *r = local;                                                                 \
    }
KEEP_MASK(float, f32)
KEEP_MASK(double, f64)

double sc_rng_normal(sc_rng *r) {
    double u1 = 1.0 - sc_rng_uniform(r);  // (0, 1]: log is finite
    double u2 = sc_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t sc_rng_below(sc_rng *r, uint64_t n) {
    if (n <= 1) return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // reject the biased tail
    uint64_t x;
    do x = sc_rng_next(r);
    while (x >= limit);
    return x % n;
}

sc_rng sc_rng_fork(sc_rng *r, uint64_t label) {
    sc_rng child;
    sc_rng_seed(&child, sc_rng_next(r) ^ (label * 0xD6E8FEB86659FD93ull));
    return child;
}

void sc_rng_shuffle_u32(sc_rng *r, uint32_t *a, size_t n) {
    for (size_t i = n ? n - 1 : 0; i > 0; i--) {
        size_t j = (size_t)sc_rng_below(r, (uint64_t)i + 1);
        uint32_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

void sc_rng_shuffle_i64(sc_rng *r, int64_t *a, int64_t n) {
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)sc_rng_below(r, (uint64_t)i + 1);
        int64_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
