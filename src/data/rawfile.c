#include "data/rawfile.h"

#include <bzlib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/grow.h"

#define MAX_OUT ((size_t)1 << 32)  // refuse to inflate past 4 GiB (a corrupt or hostile file)

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

// Growable buffer (files and the decompressors' output): *cap bytes plus a NUL.
static int ensure(char **out, size_t *cap, size_t need) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap + 1 : 0;  // bytes allocated
    if (sc_grow((void **)out, &c, sc_grow_need(need, 1), 1, (1 << 16) + 1)) return -1;
    *cap = c - 1;
    return 0;
}

static int slurp(const char *path, char **buf, size_t *len, sc_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return sc_errf(err, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 0, n = 0;
    char *b = NULL;
    for (;;) {
        if (ensure(&b, &cap, n + 1)) {  // room for at least one more byte (and the NUL)
            free(b);
            fclose(f);
            return sc_errf(err, "%s: out of memory", path);
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0 || n < cap) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) { free(b); return sc_errf(err, "%s: read error", path); }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}


int sc_gunzip(const char *name, const char *src, size_t n, char **out, size_t *out_len, sc_err *err) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return sc_errf(err, "%s: cannot start zlib", name);
    char *o = NULL;
    size_t cap = 0, used = 0;
    z.next_in = (Bytef *)src;
    size_t left = n;
    int rc = Z_OK;
    for (;;) {
        if (used > MAX_OUT || ensure(&o, &cap, used + (1 << 16))) { rc = Z_MEM_ERROR; break; }
        uInt chunk_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
        z.avail_in = chunk_in;
        z.next_out = (Bytef *)o + used;
        z.avail_out = (uInt)(cap - used);
        rc = inflate(&z, Z_NO_FLUSH);
        left -= chunk_in - z.avail_in;
        used = cap - z.avail_out;
        if (rc == Z_STREAM_END) {
            // Concatenated gzip members are one file (RFC 1952 §2.2).
            if (left == 0) break;
            if (inflateReset(&z) != Z_OK) { rc = Z_DATA_ERROR; break; }
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) break;
        if (left == 0 && z.avail_out != 0) { rc = Z_BUF_ERROR; break; }  // input ended mid-stream
    }
    const char *msg = z.msg;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(o);
        if (rc == Z_BUF_ERROR) return sc_errf(err, "%s: truncated gzip data (the stream ends early)", name);
        if (rc == Z_MEM_ERROR) return sc_errf(err, "%s: out of memory decompressing", name);
        return sc_errf(err, "%s: corrupt gzip data: %s", name, msg ? msg : "inflate failed");
    }
    o[used] = '\0';
    *out = o;
    *out_len = used;
    return 0;
}

int sc_bunzip2(const char *name, const char *src, size_t n, char **out, size_t *out_len, sc_err *err) {
    bz_stream z;
    memset(&z, 0, sizeof z);
    if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK) return sc_errf(err, "%s: cannot start bzip2", name);
    char *o = NULL;
    size_t cap = 0, used = 0;
    size_t left = n;
    z.next_in = (char *)src;
    int rc = BZ_OK;
    for (;;) {
        if (used > MAX_OUT || ensure(&o, &cap, used + (1 << 16))) { rc = BZ_MEM_ERROR; break; }
        unsigned chunk_in = left > (1u << 30) ? (1u << 30) : (unsigned)left;
        z.avail_in = chunk_in;
        z.next_out = o + used;
        z.avail_out = (unsigned)(cap - used > (1u << 30) ? (1u << 30) : cap - used);
        unsigned before_out = z.avail_out;
        rc = BZ2_bzDecompress(&z);
        left -= chunk_in - z.avail_in;
        used += before_out - z.avail_out;
        if (rc == BZ_STREAM_END) {
            if (left == 0) break;
            BZ2_bzDecompressEnd(&z);  // next concatenated stream
            memset(&z, 0, sizeof z);
            if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK) { rc = BZ_MEM_ERROR; break; }
            z.next_in = (char *)src + (n - left);
            continue;
        }
        if (rc != BZ_OK) break;
        if (left == 0 && z.avail_out != 0) { rc = BZ_UNEXPECTED_EOF; break; }
    }
    BZ2_bzDecompressEnd(&z);
    if (rc != BZ_STREAM_END) {
        free(o);
        if (rc == BZ_UNEXPECTED_EOF) return sc_errf(err, "%s: truncated bzip2 data (the stream ends early)", name);
        if (rc == BZ_MEM_ERROR) return sc_errf(err, "%s: out of memory decompressing", name);
        return sc_errf(err, "%s: corrupt bzip2 data (error %d)", name, rc);
    }
    o[used] = '\0';
    *out = o;
    *out_len = used;
    return 0;
}

int sc_read_file_as(const char *path, const char *name, char **buf, size_t *len, sc_err *err) {
    char *raw;
    size_t n;
    *buf = NULL;
    *len = 0;
    if (slurp(path, &raw, &n, err)) return -1;
    int gz = ends_with(name, ".gz"), bz = ends_with(name, ".bz2");
    if (!gz && !bz) {
        *buf = raw;
        *len = n;
        return 0;
    }
    int rc = gz ? sc_gunzip(path, raw, n, buf, len, err) : sc_bunzip2(path, raw, n, buf, len, err);
    free(raw);
    return rc;
}

int sc_read_file(const char *path, char **buf, size_t *len, sc_err *err) {
    return sc_read_file_as(path, path, buf, len, err);
}
