// fs.c — folders and atomic file writes (fs.h).
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sc_mkdirs(const char *path, sc_err *err) {
    char p[4096];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || !*s) {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) && errno != EEXIST) return sc_errf(err, "%s: cannot create folder: %s", p, strerror(errno));
            *s = c;
            if (!c) break;
        }
    }
    return 0;
}

int sc_atomic_write(const char *path, const void *data, size_t n, sc_err *err) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return sc_errf(err, "%s: cannot create: %s", tmp, strerror(errno));
    const char *p = data;
    size_t left = n;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return sc_errf(err, "%s: write failed: %s", tmp, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) || close(fd)) {
        unlink(tmp);
        return sc_errf(err, "%s: fsync/close failed: %s", tmp, strerror(errno));
    }
    if (rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        return sc_errf(err, "%s: rename failed: %s", path, strerror(e));
    }
    // The rename itself is durable only once the folder is synced.
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        int dfd = open(*dir ? dir : "/", O_RDONLY);
        if (dfd >= 0) { fsync(dfd); close(dfd); }
    }
    return 0;
}
