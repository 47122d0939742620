// Pruning a task's cache folder: the files (and stamps) task.yaml no longer lists.
//
// When a task.yaml renames or drops a data file, its old copy would otherwise
// stay in the cache forever, unverified and unused. Safety first, since this
// deletes files: only entries directly inside <cache>/<task>/ are considered,
// through a descriptor of that folder opened without following a symbolic link
// (a task folder that is itself a link, e.g. to the source data, is never
// pruned); entries are removed with unlinkat, which removes a symbolic link
// itself and never what it points to; folders are left alone; and a temporary
// file of a fetch still running (<name>.tmp.<pid> of a live process, written by
// sc_atomic_write) is left alone. Failing to remove a file is reported, not
// fatal: a stale file costs disk space, never correctness (readers only open
// files task.yaml lists).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/cache.h"
#include "data/grow.h"

static int listed(const sc_task *t, const char *name, size_t n) {
    for (size_t i = 0; i < t->n_files; i++)
        if (strlen(t->files[i].name) == n && !memcmp(t->files[i].name, name, n)) return 1;
    return 0;
}

// "<name>.tmp.<pid>" whose process is still running: an atomic write under way.
static int in_flight(const char *name) {
    const char *p = NULL;
    for (const char *q = strstr(name, ".tmp."); q; q = strstr(q + 1, ".tmp.")) p = q;
    if (!p || !p[5]) return 0;
    char *e;
    long pid = strtol(p + 5, &e, 10);
    if (*e || pid <= 0) return 0;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

// The names in the folder that task.yaml does not list (sorted; NULL-terminated).
static char **stale_names(const sc_task *t, DIR *d, size_t *n) {
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *s = e->d_name;
        if (!strcmp(s, ".") || !strcmp(s, "..") || !strcmp(s, SC_CACHE_STAMPS) || !strcmp(s, SC_CACHE_OWNER) ||
            listed(t, s, strlen(s)))
            continue;
        if (sc_grow((void **)&v, &cap, *n + 2, sizeof *v, 8) || !(v[*n] = strdup(s))) break;
        v[++*n] = NULL;
    }
    return v;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// 1 if the folder's SC_CACHE_OWNER names this task.yaml. A folder fetched for
// another task of the same name, or before owners were recorded, is not this
// task's to prune: what it holds may be the other task's files.
static int owned(const sc_task *t, int dfd, const char *dir, FILE *log) {
    char me[4096], owner[4097] = "";
    if (!realpath(t->yaml_path, me)) return 0;
    int fd = openat(dfd, SC_CACHE_OWNER, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ssize_t k = fd >= 0 ? read(fd, owner, sizeof owner - 1) : -1;
    if (fd >= 0) close(fd);
    owner[k > 0 ? k : 0] = '\0';
    if (!strcmp(owner, me)) return 1;
    if (log && owner[0])
        fprintf(log, "  not pruned: %s was last fetched for %s, a task of the same name (files of either are kept)\n",
                dir, owner);
    return 0;
}

int sc_task_prune_cache(const sc_task *t, FILE *log) {
    // A name that is not a plain folder name is not a task's own folder (corpus
    // sources share folders between corpora: never pruned).
    if (!t->name[0] || strchr(t->name, '/') || !strcmp(t->name, ".") || !strcmp(t->name, "..")) return 0;
    char dir[4096];
    if (sc_cache_task_dir(t, dir, sizeof dir, NULL)) return 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {  // ELOOP or ENOTDIR for a link, depending on the kernel: ask lstat
        struct stat st;
        if (!lstat(dir, &st) && S_ISLNK(st.st_mode) && log) fprintf(log, "  %s is a symbolic link: not pruned\n", dir);
        return 0;
    }
    if (!owned(t, dfd, dir, log)) {
        close(dfd);
        return 0;
    }
    DIR *d = fdopendir(dfd);
    if (!d) { close(dfd); return 0; }
    size_t n;
    char **stale = stale_names(t, d, &n);
    if (n) qsort(stale, n, sizeof *stale, cmp_str);
    int removed = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        const char *s = stale[i];
        if (fstatat(dfd, s, &st, AT_SYMLINK_NOFOLLOW) || in_flight(s)) continue;
        if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
            if (log)
                fprintf(log, "  left %s in place: not in task.yaml, but not a file (prune removes files only)\n", s);
        } else if (unlinkat(dfd, s, 0)) {
            if (log) fprintf(log, "  could not remove %s/%s: %s (left in place)\n", dir, s, strerror(errno));
        } else {
            removed++;
            if (log) fprintf(log, "  removed %s (no longer in task.yaml%s)\n", s,
                             S_ISLNK(st.st_mode) ? "; a symbolic link: what it points to is untouched" : "");
        }
    }
    // Their stamp lines go with the verification that follows a fetch: it
    // rewrites the stamps of the listed files whenever the stamp file holds
    // others (cache_stamp.c), so no second parser of that format lives here.
    for (size_t i = 0; i < n; i++) free(stale[i]);
    free(stale);
    closedir(d);
    return removed;
}
