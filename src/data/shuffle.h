// shuffle.h — seeded permutations for splits and batch order.
//
// A tiny self-contained generator (splitmix64) so that data splits never change
// when the engine's RNG evolves: a task's split is part of its definition.
#ifndef SC_DATA_SHUFFLE_H
#define SC_DATA_SHUFFLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sc_splitmix {
    uint64_t s;
} sc_splitmix;

uint64_t sc_splitmix_next(sc_splitmix *r);
// Uniform in [0, bound) without modulo bias (rejection sampling); bound > 0.
uint64_t sc_splitmix_below(sc_splitmix *r, uint64_t bound);
// Uniform in [0, 1) with 53 random bits.
double sc_splitmix_unit(sc_splitmix *r);
// Fisher-Yates shuffle of a[0..n) with a generator seeded by `seed`.
void sc_shuffle_u32(uint32_t *a, size_t n, uint64_t seed);

#endif
