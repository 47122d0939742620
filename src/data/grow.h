// grow.h — capacity doubling for the data layer's growable arrays (internal).
//
// Every reader appends to arrays whose final size it does not know; they grow by
// doubling. Sizes come from files, so the arithmetic is checked: a capacity that
// would overflow size_t (or elem * capacity bytes) fails like an allocation.
#ifndef SC_DATA_GROW_H
#define SC_DATA_GROW_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

// Ensures room for `need` elements of `elem` bytes in *p (capacity *cap, first
// allocation `first` elements). 0 on success; -1 (with *p and *cap unchanged)
// if the size overflows or realloc fails.
static inline int sc_grow(void **p, size_t *cap, size_t need, size_t elem, size_t first) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : (first ? first : 1);
    while (c < need) c = c > SIZE_MAX / 2 ? need : 2 * c;
    if (elem && c > SIZE_MAX / elem) return -1;
    void *q = realloc(*p, c * elem ? c * elem : 1);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

// need = used + n, or SIZE_MAX (which no allocation satisfies) if that overflows.
static inline size_t sc_grow_need(size_t used, size_t n) { return used > SIZE_MAX - n ? SIZE_MAX : used + n; }

#endif
