// sha256.h — SHA-256 (FIPS 180-4), used to verify every data file a task fetches.
//
// Streaming: init, update any number of times, final. sc_sha256_file hashes a
// whole file and writes the 64-character lowercase hex digest.
#ifndef SC_CORE_SHA256_H
#define SC_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct sc_sha256 {
    uint32_t h[8];
    uint64_t nbytes;    // total message length so far
    uint8_t buf[64];    // pending partial block
    size_t nbuf;
} sc_sha256;

void sc_sha256_init(sc_sha256 *s);
void sc_sha256_update(sc_sha256 *s, const void *data, size_t n);
void sc_sha256_final(sc_sha256 *s, uint8_t digest[32]);

// hex must hold 65 bytes (64 hex digits + NUL).
void sc_sha256_hex(const void *data, size_t n, char hex[65]);
void sc_sha256_to_hex(const uint8_t digest[32], char hex[65]);
int sc_sha256_file(const char *path, char hex[65], sc_err *err);

#endif
