// POSIX ustar / GNU tar: 512-byte headers (name at 0, octal size at 124, header
// checksum at 148, type flag at 156, ustar prefix at 345), each followed by the
// member's data padded to 512 bytes; two zero blocks end the archive.
#include "data/tar.h"

#include <stdio.h>
#include <string.h>

static int octal(const char *p, size_t n, size_t *out) {
    size_t v = 0, i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\0')) i++;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
        if (v > ((size_t)1 << 50)) return -1;
        v = v * 8 + (size_t)(p[i] - '0');
    }
    for (; i < n; i++)
        if (p[i] != ' ' && p[i] != '\0') return -1;
    *out = v;
    return 0;
}

// A member's path without leading "./" (dpkg-deb lists "./usr/...", tar may store "usr/...").
static const char *strip_dot(const char *p) {
    while (p[0] == '.' && p[1] == '/') p += 2;
    return p;
}

// by_path 0: `want` is a base name; 1: a whole member path.
static int tar_find(const char *name, const char *buf, size_t len, const char *target, int by_path, const char **data,
                    size_t *size, sc_err *err) {
    size_t off = 0;
    while (off + 512 <= len) {
        const unsigned char *h = (const unsigned char *)buf + off;
        int zero = 1;
        for (int i = 0; i < 512 && zero; i++) zero = h[i] == 0;
        if (zero) return 0;  // end of archive
        size_t want, sum = 0, n;
        for (int i = 0; i < 512; i++) sum += (i >= 148 && i < 156) ? ' ' : h[i];
        if (octal((const char *)h + 148, 8, &want) || want != sum)
            return sc_errf(err, "%s: not a tar archive (bad header checksum at byte %zu)", name, off);
        if (octal((const char *)h + 124, 12, &n)) return sc_errf(err, "%s: bad member size at byte %zu", name, off);
        size_t padded = (n + 511) / 512 * 512;
        if (n > len - off - 512 || padded > len - off - 512)
            return sc_errf(err, "%s: truncated tar archive (member at byte %zu)", name, off);
        char full[256];
        const char *prefix = (const char *)h + 345;
        if (!memcmp(h + 257, "ustar", 5) && prefix[0])
            snprintf(full, sizeof full, "%.155s/%.100s", prefix, (const char *)h);
        else
            snprintf(full, sizeof full, "%.100s", (const char *)h);
        const char *slash = strrchr(full, '/');
        const char *b = slash ? slash + 1 : full;
        char type = (char)h[156];
        int hit = by_path ? !strcmp(strip_dot(full), strip_dot(target)) : !strcmp(b, target);
        if ((type == '0' || type == '\0') && hit) {
            *data = buf + off + 512;
            *size = n;
            return 1;
        }
        off += 512 + padded;
    }
    if (off < len) return sc_errf(err, "%s: truncated tar archive", name);
    return 0;
}

int sc_tar_find(const char *name, const char *buf, size_t len, const char *base, const char **data, size_t *size,
                sc_err *err) {
    return tar_find(name, buf, len, base, 0, data, size, err);
}

int sc_tar_member(const char *name, const char *buf, size_t len, const char *path, const char **data, size_t *size,
                  sc_err *err) {
    return tar_find(name, buf, len, path, 1, data, size, err);
}
