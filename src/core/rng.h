// rng.h — the one random number generator: xoshiro256** seeded by splitmix64.
//
// Every source of randomness (init, dropout, shuffles, sampling) draws from an
// explicit sc_rng passed down from a seed, so the same seed and thread count give
// bit-identical runs. sc_rng_fork derives an independent stream (e.g. one per
// seed of an experiment) without consuming the parent's sequence order.
#ifndef SC_CORE_RNG_H
#define SC_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct sc_rng {
    uint64_t s[4];
} sc_rng;

void sc_rng_seed(sc_rng *r, uint64_t seed);
uint64_t sc_rng_next(sc_rng *r);
// Uniform in [0, 1) with 53 random bits.
double sc_rng_uniform(sc_rng *r);
// Standard normal (Box–Muller; uses two uniforms per call, no cached state).
double sc_rng_normal(sc_rng *r);
// Inverted-dropout masks: m[i] = keep when the i-th of the next n uniforms is
// >= p, else 0. The same draws and outcomes as n calls of sc_rng_uniform, the
// stream left where they would leave it (only faster: the state stays in
// registers and the comparison is on the integers). p in [0, 1].
void sc_rng_keep_mask_f32(sc_rng *r, float *m, int64_t n, double p, float keep);
void sc_rng_keep_mask_f64(sc_rng *r, double *m, int64_t n, double p, double keep);
// Uniform integer in [0, n) without modulo bias.
uint64_t sc_rng_below(sc_rng *r, uint64_t n);
// A child generator seeded from this one's stream and a label.
sc_rng sc_rng_fork(sc_rng *r, uint64_t label);
// In-place Fisher–Yates shuffle of an int64 array.
void sc_rng_shuffle_i64(sc_rng *r, int64_t *a, int64_t n);
// The same for uint32 indices (the same draws, so the same permutation).
void sc_rng_shuffle_u32(sc_rng *r, uint32_t *a, size_t n);

#endif
