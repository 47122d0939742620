// tasks_util.h — fixtures shared by the task/reader tests: a temporary folder
// and small files written into it. Header-only (static functions) so that it
// adds nothing to the other test executables.
#ifndef SC_TESTS_TASKS_UTIL_H
#define SC_TESTS_TASKS_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/sha256.h"

// mkdtemp under $TMPDIR; the path is written into dir (>= 256 bytes).
static inline void tu_tmpdir(char *dir, size_t cap) {
    const char *t = getenv("TMPDIR");
    snprintf(dir, cap, "%s/sc-test-XXXXXX", t && *t ? t : "/tmp");
    assert_non_null(mkdtemp(dir));
}

static inline void tu_write(const char *dir, const char *name, const void *data, size_t n) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static inline void tu_write_str(const char *dir, const char *name, const char *s) { tu_write(dir, name, s, strlen(s)); }

// gzip-compresses data into dir/name.
static inline void tu_write_gz(const char *dir, const char *name, const void *data, size_t n) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    gzFile g = gzopen(p, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, data, (unsigned)n), (int)n);
    gzclose(g);
}

static inline void tu_sha_of(const char *dir, const char *name, char hex[65]) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    assert_int_equal(sc_sha256_file(p, hex, NULL), 0);
}

static inline void tu_mkdir(const char *dir, const char *name) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    assert_int_equal(mkdir(p, 0755), 0);
}

static inline void tu_rmtree(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (!lstat(p, &st) && S_ISDIR(st.st_mode)) tu_rmtree(p);
        else unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static inline int tu_exists(const char *dir, const char *name) {
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

// Number of entries in a folder (0 if it does not exist).
static inline int tu_count(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

// Appends one ustar member (a regular file) to buf at *off; buf must have room
// for 512 + n rounded up to 512, plus 1024 for the end blocks.
static inline void tu_tar_add(unsigned char *buf, size_t *off, const char *name, const void *data, size_t n) {
    unsigned char *h = buf + *off;
    memset(h, 0, 512);
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 124, 12, "%011zo", n);
    h[156] = '0';
    memcpy(h + 257, "ustar\0" "00", 8);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++) sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    memcpy(h + 512, data, n);
    size_t padded = (n + 511) / 512 * 512;
    memset(h + 512 + n, 0, padded - n);
    *off += 512 + padded;
}

#endif
