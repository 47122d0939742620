// result_read.h — reading result files (results.h) back: `scaffold compare`
// and `scaffold report` aggregate runs from them.
//
// The bytes are untrusted (a results tree is shared between people and may
// hold truncated, foreign or crafted files): they pass sc_mp_check before
// msgpack-c sees them, the root must be a map with format "scaffold-result",
// and every accessor checks the type it expects and names the file and the key
// in its error. Numbers are range-checked BEFORE any conversion: a crafted n =
// 1e300, NaN or 2^64-1, or seed = -1, is an error naming the file, the key and
// the value, never an out-of-range float-to-integer conversion (undefined
// behaviour; UBSan aborts on it). Readers use the checked accessors
// (sc_result_int, sc_result_uint, sc_result_real, sc_result_floats_in).
#ifndef SC_IO_RESULT_READ_H
#define SC_IO_RESULT_READ_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "train/trainer.h"  // SC_MAX_EPOCHS

typedef struct sc_result_doc {
    char path[1024];
    uint8_t *buf;
    size_t n;
    msgpack_unpacked up;
    const msgpack_object *root;
} sc_result_doc;

int sc_result_load(sc_result_doc *d, const char *path, sc_err *err);
// The same on a result file's bytes held in memory (copied; `name` stands for
// the file in messages and d->path). sc_result_load reads the file and parses
// it the same way.
int sc_result_load_buf(sc_result_doc *d, const char *name, const void *buf, size_t n, sc_err *err);
void sc_result_doc_free(sc_result_doc *d);

// The value at a dotted path of map keys ("test.simulatability"), or NULL.
const msgpack_object *sc_result_get(const sc_result_doc *d, const char *dotted);

// Typed reads of a required key; errors name the file and the key.
// Strings: shorter than cap, without NUL or other control characters (they
// end up in Markdown tables, CSV rows and HTML).
int sc_result_str(const sc_result_doc *d, const char *key, char *buf, size_t cap, sc_err *err);
// Any number, unchecked (NaN and infinities pass): only for values that are
// never converted or printed as they are; prefer the checked reads below.
int sc_result_num(const sc_result_doc *d, const char *key, double *v, sc_err *err);
// A finite number in [lo, hi] (a boolean reads as 0/1).
int sc_result_real(const sc_result_doc *d, const char *key, double lo, double hi, double *v, sc_err *err);
// An integer in [lo, hi]: a msgpack integer, or a float holding an integral
// value (other writers, e.g. Python, may write 500.0).
int sc_result_int(const sc_result_doc *d, const char *key, int64_t lo, int64_t hi, int64_t *v, sc_err *err);
// An unsigned integer in [0, hi] (seeds are uint64: every value is valid, -1 is not).
int sc_result_uint(const sc_result_doc *d, const char *key, uint64_t hi, uint64_t *v, sc_err *err);
// A numeric array (msgpack array of numbers, or bin of little-endian f32) as
// malloc'd floats (free()), unchecked.
int sc_result_floats(const sc_result_doc *d, const char *key, float **v, size_t *n, sc_err *err);
// The same with at most max_n entries, each finite and in [lo, hi] (checked in
// double before the conversion to float, so |lo|, |hi| should be < FLT_MAX).
int sc_result_floats_in(const sc_result_doc *d, const char *key, size_t max_n, double lo, double hi, float **v,
                        size_t *n, sc_err *err);

// Bounds shared by the readers of result files.
#define SC_RESULT_MAX_N 1000000000L       // student training size n (no task holds a billion examples)
#define SC_RESULT_MAX_ABS 1e30            // |score|, |loss|, |coefficient|: squares and sums stay finite
#define SC_RESULT_MAX_CURVE SC_MAX_EPOCHS  // per-epoch entries (train/trainer.h keeps at most this many)
#define SC_RESULT_MAX_POINTS (16u << 20)  // per-example test entries

#endif
