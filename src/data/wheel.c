#include "data/wheel.h"

#include <stdlib.h>

#define MAX_MEMBER ((zip_uint64_t)1 << 32)  // data files are far smaller; a larger claim is corrupt or hostile

zip_t *sc_wheel_open(const char *name, const void *buf, size_t len, sc_err *err) {
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(buf, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
    if (!z) {
        sc_errf(err, "%s: not a readable wheel (zip): %s", name, zip_error_strerror(&ze));
        if (src) zip_source_free(src);  // zip_open_from_source keeps it only on success
    }
    zip_error_fini(&ze);
    return z;
}

// Reads f to its end into a growing buffer: memory follows the bytes that really
// arrive, not the size the archive's directory claims. -1 on a read error or
// past `limit` bytes; -2 out of memory.
static int read_all(zip_file_t *f, zip_uint64_t limit, char **buf, size_t *len) {
    size_t cap = 0, n = 0;
    char *b = NULL;
    for (;;) {
        if (cap - n < 65536) {
            size_t c = cap ? 2 * cap : 65536;
            char *nb = realloc(b, c + 1);
            if (!nb) { free(b); return -2; }
            b = nb;
            cap = c;
        }
        zip_int64_t got = zip_fread(f, b + n, cap - n);
        if (got < 0 || n + (size_t)got > limit) { free(b); return -1; }
        if (got == 0) break;
        n += (size_t)got;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

int sc_wheel_member(zip_t *z, const char *name, const char *member, char **buf, size_t *len, sc_err *err) {
    zip_stat_t st;
    zip_stat_init(&st);
    *buf = NULL;
    *len = 0;
    if (zip_stat(z, member, 0, &st) || !(st.valid & ZIP_STAT_SIZE))
        return sc_errf(err, "%s: the wheel has no member '%s'", name, member);
    if (st.size > MAX_MEMBER) return sc_errf(err, "%s: member '%s' is too large", name, member);
    zip_file_t *f = zip_fopen(z, member, 0);
    if (!f) return sc_errf(err, "%s: cannot open member '%s': %s", name, member, zip_strerror(z));
    int rc = read_all(f, st.size, buf, len);
    zip_fclose(f);
    if (rc == -2) return sc_errf(err, "%s: out of memory reading member '%s'", name, member);
    if (rc || *len != st.size) {
        free(*buf);
        *buf = NULL;
        *len = 0;
        return sc_errf(err, "%s: member '%s' is truncated or corrupt", name, member);
    }
    return 0;
}
