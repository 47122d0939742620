// selfcheck.h — proves each third-party dependency really works on this machine
// (its own layer above kernels and text: it exercises BLIS, utf8proc, msgpack,
// libyaml, zlib and LAPACKE through the code that uses them).
//
// `scaffold selfcheck` prints these as a table; the test suite runs them too.
// Each check does real work (a GEMM against a naive loop, a msgpack round trip,
// a Unicode normalization) rather than just linking a symbol.
#ifndef SC_SELFCHECK_H
#define SC_SELFCHECK_H

#include <stdio.h>

typedef struct sc_selfcheck_result {
    const char *name;     // "BLIS", "msgpack-c", ...
    char version[64];     // the library's own version string
    char detail[256];     // what was checked, or what went wrong
    int ok;
} sc_selfcheck_result;

typedef int (*sc_selfcheck_fn)(sc_selfcheck_result *r);

int sc_selfcheck_blis(sc_selfcheck_result *r);
int sc_selfcheck_msgpack(sc_selfcheck_result *r);
int sc_selfcheck_utf8proc(sc_selfcheck_result *r);
int sc_selfcheck_yaml(sc_selfcheck_result *r);
int sc_selfcheck_zlib(sc_selfcheck_result *r);
int sc_selfcheck_lapacke(sc_selfcheck_result *r);

// Record the outcome in r (detail = what) and return 0 / -1.
int sc_selfcheck_pass(sc_selfcheck_result *r, const char *what);
int sc_selfcheck_fail(sc_selfcheck_result *r, const char *what);

// Runs every check, prints a table to `out`, returns the number of failures.
int sc_selfcheck_all(FILE *out);

#endif
