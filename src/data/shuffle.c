#include "data/shuffle.h"

// splitmix64 (Steele, Lea & Flood 2014): a Weyl sequence through a mixing
// function; passes BigCrush and any 64-bit seed is fine.
uint64_t sc_splitmix_next(sc_splitmix *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t sc_splitmix_below(sc_splitmix *r, uint64_t bound) {
    // Accept only draws below the largest multiple of bound: every residue is then
    // equally likely.
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t x;
    do x = sc_splitmix_next(r);
    while (x >= limit);
    return x % bound;
}

double sc_splitmix_unit(sc_splitmix *r) { return (double)(sc_splitmix_next(r) >> 11) * 0x1.0p-53; }

void sc_shuffle_u32(uint32_t *a, size_t n, uint64_t seed) {
    sc_splitmix r = {seed};
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)sc_splitmix_below(&r, i);
        uint32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}
