#include "text/tokenizer.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "text/grow.h"
#include "text/utf8.h"

void sc_tokens_free(sc_tokens *t) {
    free(t->buf);
    free(t->off);
    memset(t, 0, sizeof *t);
}

static int is_word(utf8proc_category_t c) {
    switch (c) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
    case UTF8PROC_CATEGORY_PC:
        return 1;
    default:
        return 0;
    }
}

static int is_space(utf8proc_category_t c) {
    return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP ||
           c == UTF8PROC_CATEGORY_CC || c == UTF8PROC_CATEGORY_CF || c == UTF8PROC_CATEGORY_CN;
}

static int push(sc_tokens *t, const char *s, size_t n, int start) {
    if (sc_text_reserve(&t->buf, &t->cap, t->len + n + 2, 256)) return -1;
    if (start) {
        if (t->n == t->off_cap) {
            size_t cap = t->off_cap ? 2 * t->off_cap : 64;
            size_t *o = realloc(t->off, cap * sizeof *o);
            if (!o) return -1;
            t->off = o;
            t->off_cap = cap;
        }
        if (t->n) t->buf[t->len++] = '\0';  // terminate the previous token
        t->off[t->n++] = t->len;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
    return 0;
}

int sc_tokenize(const char *s, size_t n, sc_tokens *out, sc_err *err) {
    out->n = 0;
    out->len = 0;
    char *norm;
    size_t nlen;
    if (sc_utf8_nfkc_casefold(s, n, &norm, &nlen, err)) return -1;
    int in_word = 0;
    for (size_t i = 0; i < nlen;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)norm + i, (utf8proc_ssize_t)(nlen - i), &cp);
        if (l <= 0) { free(norm); return sc_errf(err, "invalid UTF-8 after normalization"); }
        utf8proc_category_t c = utf8proc_category(cp);
        if (is_space(c)) {
            in_word = 0;
        } else if (is_word(c)) {
            if (push(out, norm + i, (size_t)l, !in_word)) { free(norm); return sc_errf(err, "out of memory"); }
            in_word = 1;
        } else {  // punctuation and symbols stand alone
            if (push(out, norm + i, (size_t)l, 1)) { free(norm); return sc_errf(err, "out of memory"); }
            in_word = 0;
        }
        i += (size_t)l;
    }
    free(norm);
    return 0;
}
