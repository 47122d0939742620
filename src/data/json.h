// json.h — one flat JSON object (a JSONL line) into key/value pairs.
//
// Enough JSON for data files: string, number, true/false/null and arrays of
// numbers as values (nested objects are rejected). Strings are unescaped
// (including \uXXXX surrogate pairs) to UTF-8. Numbers follow RFC 8259's grammar
// (no hex, inf, nan or leading '+') and must be finite as doubles.
// Memory: the buffers grow to the largest object parsed, not with the number of
// objects, so a JSONL file of any length parses line by line in bounded memory.
#ifndef SC_DATA_JSON_H
#define SC_DATA_JSON_H

#include <stddef.h>

#include "core/err.h"

typedef enum { SC_JSON_STRING, SC_JSON_NUMBER, SC_JSON_BOOL, SC_JSON_NULL, SC_JSON_ARRAY } sc_json_type;

typedef struct sc_json_value {
    const char *key;
    sc_json_type type;
    const char *str;   // STRING: unescaped UTF-8; NUMBER/BOOL: the literal text
    size_t len;
    double *nums;      // ARRAY: numbers (NULL when the array is empty)
    size_t n_nums;
    size_t key_off, val_off;  // internal: offsets into the buffers while they may still move
} sc_json_value;

typedef struct sc_json_obj {
    sc_json_value *v;
    size_t n, cap;
    char *buf;         // unescaped strings, owned
    size_t buf_len, buf_cap;
    double *nums;      // array elements, owned
    size_t nums_len, nums_cap;
} sc_json_obj;

// Parses s[0..n) as one object; reuses o's buffers (zero-init o before first use).
// Errors say "column C: ..." (the caller adds file and line).
int sc_json_parse_object(sc_json_obj *o, const char *s, size_t n, sc_err *err);
const sc_json_value *sc_json_get(const sc_json_obj *o, const char *key);
void sc_json_free(sc_json_obj *o);

#endif
