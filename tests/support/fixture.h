// fixture.h — reads the JAX reference fixtures (tests/fixtures/*.msgpack, written
// by tests/fixtures/gen_jax.py): a map name -> {shape: [...], data: bin f64 LE}.
#ifndef SC_TEST_FIXTURE_H
#define SC_TEST_FIXTURE_H

#include <msgpack.h>

#include "autograd/engine.h"

typedef struct sc_fixture {
    char path[256];
    char *buf;
    size_t size;
    msgpack_unpacked up;
} sc_fixture;

// Loads tests/fixtures/<name>.msgpack (cwd = repository root); fails the test on error.
void sc_fixture_open(sc_fixture *f, const char *name);
void sc_fixture_close(sc_fixture *f);
// The named array as a new f64 tensor (or `dtype`) in ctx; fails the test if missing.
sc_tensor *sc_fixture_get(sc_fixture *f, sc_ctx *ctx, const char *key, sc_dtype dtype);
// Max |a - b| over all elements (shapes must match; fails the test otherwise).
double sc_max_abs_diff(const sc_tensor *a, const sc_tensor *b);

#endif
