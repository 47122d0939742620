#include "text/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

int sc_utf8_valid(const char *s, size_t n, size_t *bad_offset) {
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                                (utf8proc_ssize_t)(n - i), &cp);
        if (len < 0) {
            if (bad_offset) *bad_offset = i;
            return 0;
        }
        i += (size_t)len;
    }
    return 1;
}

int sc_utf8_nfkc_casefold(const char *s, size_t n, char **out, size_t *out_len, sc_err *err) {
    size_t bad = 0;
    *out = NULL;
    if (out_len) *out_len = 0;
    if (!sc_utf8_valid(s, n, &bad))
        return sc_errf(err, "invalid UTF-8 at byte %zu (byte value 0x%02x)", bad,
                       (unsigned)(unsigned char)s[bad]);
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t len = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &dst,
                                        UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                            UTF8PROC_CASEFOLD);
    if (len < 0) {
        free(dst);
        return sc_errf(err, "Unicode normalization failed: %s", utf8proc_errmsg(len));
    }
    *out = (char *)dst;
    if (out_len) *out_len = (size_t)len;
    return 0;
}

size_t sc_latin1_to_utf8(const char *s, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            out[o++] = (char)c;
        } else {
            out[o++] = (char)(0xC0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = '\0';
    return o;
}

int sc_text_to_utf8(const char *s, size_t n, int latin1, char **scratch, size_t *scratch_cap, const char **out,
                    size_t *out_len, size_t *bad_offset) {
    if (!latin1) {
        if (!sc_utf8_valid(s, n, bad_offset)) return -1;
        *out = s;
        *out_len = n;
        return 0;
    }
    if (*scratch_cap < 2 * n + 1) {
        char *b = realloc(*scratch, 2 * n + 1);
        if (!b) return -1;
        *scratch = b;
        *scratch_cap = 2 * n + 1;
    }
    *out_len = sc_latin1_to_utf8(s, n, *scratch);
    *out = *scratch;
    return 0;
}
