// err.h — error values that carry a human-readable message.
//
// Every fallible function in scaffold takes an `sc_err *` last and returns 0 on
// success or -1 on failure, after writing one sentence into err->msg that names
// the thing at fault (file, line, field, op, shape) and what was expected. Callers
// add context by prefixing (sc_err_prefix), never by overwriting. The CLI prints
// the message and exits non-zero; nothing in the library calls exit().
#ifndef SC_CORE_ERR_H
#define SC_CORE_ERR_H

#include <stddef.h>

#define SC_ERR_MSG_MAX 1024

typedef struct sc_err {
    char msg[SC_ERR_MSG_MAX];
} sc_err;

// Writes the formatted message into err (if err is non-NULL); returns -1 so that
// `return sc_errf(err, "...")` reads naturally.
int sc_errf(sc_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// Prepends "<formatted>: " to the message already in err; returns -1.
int sc_err_prefix(sc_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
