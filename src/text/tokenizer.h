// tokenizer.h — text to tokens: NFKC + case folding, then word segmentation.
//
// Segmentation is by Unicode general category (utf8proc): a token is a maximal
// run of letters, marks and digits (categories L*, M*, N*, and connector
// punctuation such as '_'); every other non-space character (punctuation,
// symbols) is a token of its own; white space and control characters separate.
// So "Don't stop—ÉTÉ!" gives: don ' t stop — été !
#ifndef SC_TEXT_TOKENIZER_H
#define SC_TEXT_TOKENIZER_H

#include <stddef.h>

#include "core/err.h"

// Tokens of one text; reused across calls (buffers grow, never shrink).
typedef struct sc_tokens {
    char *buf;      // tokens, each NUL-terminated
    size_t len, cap;
    size_t *off;    // (n,) start of token i in buf
    size_t n, off_cap;
} sc_tokens;

// Tokenizes UTF-8 text s[0..n). Invalid UTF-8 is an error (with its byte offset).
int sc_tokenize(const char *s, size_t n, sc_tokens *out, sc_err *err);
static inline const char *sc_token(const sc_tokens *t, size_t i) { return t->buf + t->off[i]; }
void sc_tokens_free(sc_tokens *t);

#endif
