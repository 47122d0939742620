// endian.h — little-endian byte order for tensor data in files.
#ifndef SC_IO_ENDIAN_H
#define SC_IO_ENDIAN_H

#include <stddef.h>
#include <stdint.h>

static inline int sc_host_is_le(void) {
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

// Reverses the bytes of each `width`-byte element of buf[0, n).
static inline void sc_swap_bytes(void *buf, size_t n, size_t width) {
    uint8_t *p = buf;
    for (size_t i = 0; i + width <= n; i += width)
        for (size_t a = 0, b = width - 1; a < b; a++, b--) {
            uint8_t t = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = t;
        }
}

#endif
