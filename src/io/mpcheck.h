// mpcheck.h — a bounded structural check of untrusted msgpack bytes.
//
// msgpack-c's unpacker allocates an array's or map's element storage as soon as
// it reads the header, trusting the declared count; a corrupt header can ask for
// gigabytes. sc_mp_check walks the bytes first, without allocating: every length
// and count is checked against the bytes that remain (an element takes at least
// one byte), nesting is bounded, and the buffer must hold exactly one object. Only
// bytes that pass are handed to msgpack-c. Errors give the byte offset.
#ifndef SC_IO_MPCHECK_H
#define SC_IO_MPCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

// 0 if buf[0, n) is exactly one well-formed msgpack object with at most
// max_objects objects in all and at most max_depth levels of nesting.
int sc_mp_check(const uint8_t *buf, size_t n, size_t max_objects, int max_depth, sc_err *err);

#endif
