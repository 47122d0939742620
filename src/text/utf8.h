// utf8.h — byte-level text checks and Unicode normalization (utf8proc).
//
// Text enters scaffold as bytes in a declared encoding. Invalid input is never
// repaired silently: the validator reports the byte offset of the first bad
// sequence so the caller can name file, line and column.
#ifndef SC_TEXT_UTF8_H
#define SC_TEXT_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

// Returns 1 if s[0..n) is valid UTF-8, else 0 and *bad_offset = offset of the
// first byte of the first invalid sequence.
int sc_utf8_valid(const char *s, size_t n, size_t *bad_offset);

// NFKC normalization followed by Unicode case folding (the tokenizer's view of
// text). On success *out is a NUL-terminated malloc'd string (free() it) and
// *out_len its length. Invalid UTF-8 fails with "invalid UTF-8 at byte N".
int sc_utf8_nfkc_casefold(const char *s, size_t n, char **out, size_t *out_len, sc_err *err);

// Latin-1 (ISO-8859-1) bytes to UTF-8: every byte is a code point, so this never
// fails. `out` must hold 2*n + 1 bytes; returns the UTF-8 length.
size_t sc_latin1_to_utf8(const char *s, size_t n, char *out);

#endif

#ifndef SC_TEXT_UTF8_DECODE
#define SC_TEXT_UTF8_DECODE
// Bytes in a declared encoding to UTF-8. UTF-8 input is validated and returned
// in place (*out = s); Latin-1 input is converted into *scratch (grown as needed,
// free() it when done). Returns 0, or -1 with *bad_offset = offset of the first
// invalid byte (UTF-8 only: every byte is valid Latin-1).
int sc_text_to_utf8(const char *s, size_t n, int latin1, char **scratch, size_t *scratch_cap, const char **out,
                    size_t *out_len, size_t *bad_offset);
#endif
