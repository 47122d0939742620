// grow.h — the byte buffers of the text layer (a token list's text, the
// vocabulary's string blob) grow the same way: to at least what is needed,
// from a first size, doubling, so appends cost amortized O(1).
#ifndef SC_TEXT_GROW_H
#define SC_TEXT_GROW_H

#include <stdlib.h>

// Makes *buf (capacity *cap) hold at least `need` bytes; an empty buffer starts
// at `first` (> 0). 0, or -1 when out of memory (*buf and *cap unchanged).
static inline int sc_text_reserve(char **buf, size_t *cap, size_t need, size_t first) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : first;
    while (c < need) c *= 2;
    char *b = realloc(*buf, c);
    if (!b) return -1;
    *buf = b;
    *cap = c;
    return 0;
}

#endif
