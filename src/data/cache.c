#include "data/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sha256.h"
#include "data/rawfile.h"

int sc_cache_root(char *buf, size_t cap, sc_err *err) {
    const char *d = getenv("SCAFFOLD_DATA");
    if (d && *d) {
        snprintf(buf, cap, "%s", d);
        return 0;
    }
    const char *home = getenv("HOME");
    if (!home || !*home) {  // e.g. a stripped CI environment: ask the password database
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home || !*home) return sc_errf(err, "neither $SCAFFOLD_DATA nor $HOME is set: no place for the data cache");
    snprintf(buf, cap, "%s/.cache/scaffold/data", home);
    return 0;
}

int sc_cache_task_dir(const sc_task *t, char *buf, size_t cap, sc_err *err) {
    char root[4096];
    if (sc_cache_root(root, sizeof root, err)) return -1;
    snprintf(buf, cap, "%s/%s", root, t->name);
    return 0;
}

static int slurp_raw(const char *path, char **buf, size_t *len, sc_err *err) {
    // sc_read_file_as with a name without a compression suffix reads bytes as they are.
    return sc_read_file_as(path, "raw", buf, len, err);
}

int sc_copy_verified(const char *src, const char *dst, const char *sha, sc_err *err) {
    char *buf;
    size_t n;
    if (slurp_raw(src, &buf, &n, err)) return -1;
    char hex[65];
    sc_sha256_hex(buf, n, hex);
    int rc;
    if (strcmp(hex, sha))
        rc = sc_errf(err, "%s: checksum mismatch: sha256 is %s, task.yaml expects %s (nothing was written)", src, hex, sha);
    else
        rc = sc_atomic_write(dst, buf, n, err);
    free(buf);
    return rc;
}

int sc_task_source_dir(const sc_task *t, char *buf, size_t cap, sc_err *err) {
    const char *env = t->src_env ? getenv(t->src_env) : NULL;
    if (env && *env) {
        snprintf(buf, cap, "%s", env);
        return 0;
    }
    if (!t->src_path) return sc_errf(err, "%s: field 'source.path' is not set", t->yaml_path);
    const char *p = t->src_path;
    if (!strncmp(p, "$ROOT", 5) && (p[5] == '/' || !p[5]))
        snprintf(buf, cap, "%s%s", t->root, p + 5);
    else if (p[0] == '/')
        snprintf(buf, cap, "%s", p);
    else
        snprintf(buf, cap, "%s/%s", t->dir, p);
    return 0;
}
