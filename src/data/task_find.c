// Finding tasks: <root>/tasks/<name>/task.yaml, root = $SCAFFOLD_HOME or the cwd.
//
// Lookup errors are where a newcomer working outside the repository first gets
// stuck, so each one names the folder actually searched, whether SCAFFOLD_HOME
// was set, and the two ways out (SCAFFOLD_HOME, or a path with a '/').
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/grow.h"
#include "data/task.h"

const char *sc_task_root(void) {
    const char *h = getenv("SCAFFOLD_HOME");
    return h && *h ? h : ".";
}

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

// Where names are looked up, as a sentence fragment: the folder, whether
// SCAFFOLD_HOME is set, and (for a relative folder) what it is relative to.
static void lookup_where(char *buf, size_t cap) {
    const char *h = getenv("SCAFFOLD_HOME");
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, "?");
    if (h && *h)
        snprintf(buf, cap, "tasks are looked up by name in $SCAFFOLD_HOME/tasks = %s/tasks (SCAFFOLD_HOME is set)", h);
    else
        snprintf(buf, cap, "tasks are looked up by name in ./tasks = %s/tasks (SCAFFOLD_HOME is not set, so the "
                 "current folder is taken for the repository)", cwd);
}

// A folder above the running binary that holds tasks/ (e.g. the repository of
// zig-out/bin/scaffold), to make the SCAFFOLD_HOME advice concrete; "" if none.
static void guess_home(char *buf, size_t cap) {
    char p[PATH_MAX];
    buf[0] = '\0';
    ssize_t n = readlink("/proc/self/exe", p, sizeof p - 1);
    if (n <= 0) return;
    p[n] = '\0';
    for (int up = 0; up < 4; up++) {
        char *slash = strrchr(p, '/');
        if (!slash || slash == p) return;
        *slash = '\0';
        char t[PATH_MAX + 8];
        snprintf(t, sizeof t, "%s/tasks", p);
        if (is_dir(t)) {
            snprintf(buf, cap, "%s", p);
            return;
        }
    }
}

// How to point scaffold at the tasks: SCAFFOLD_HOME, or a path.
static void lookup_fix(char *buf, size_t cap) {
    char home[PATH_MAX];
    const char *h = getenv("SCAFFOLD_HOME");
    guess_home(home, sizeof home);
    snprintf(buf, cap, "%s SCAFFOLD_HOME to the scaffold repository, the folder holding tasks/ (export "
             "SCAFFOLD_HOME=%s), or give a task folder by its path (a NAME containing '/', e.g. ./my-task)",
             h && *h ? "point" : "set", home[0] ? home : "/path/to/scaffold");
}

int sc_task_open(const char *name, sc_task **out, sc_err *err) {
    char dir[4096];
    const char *root = sc_task_root();
    *out = NULL;
    int by_path = strchr(name, '/') != NULL;
    if (by_path) {
        // A plugged-in task folder given by path; trailing slashes are dropped so the
        // folder name can be compared with the task's name.
        snprintf(dir, sizeof dir, "%s", name);
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/') dir[--n] = '\0';
    } else {
        snprintf(dir, sizeof dir, "%s/tasks/%s", root, name);
    }
    char yaml[4200];
    snprintf(yaml, sizeof yaml, "%s/task.yaml", dir);
    struct stat st;
    if (stat(yaml, &st) == 0) return sc_task_load(dir, root, out, err);
    int e = errno;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, "?");
    if (by_path)
        return sc_errf(err, "no task at %s: %s: %s (a NAME containing '/' is the path of a task folder%s%s)", name,
                       yaml, strerror(e), name[0] == '/' ? "" : ", relative to the current folder ",
                       name[0] == '/' ? "" : cwd);
    char where[PATH_MAX + 200], fix[PATH_MAX + 200], tasks[4200];
    lookup_where(where, sizeof where);
    snprintf(tasks, sizeof tasks, "%s/tasks", root);
    if (is_dir(tasks))  // the folder is right, the name is not (or the task lives elsewhere)
        return sc_errf(err, "unknown task '%s': no %s; %s: `scaffold tasks list` shows them; a task folder "
                       "elsewhere is given by its path (a NAME containing '/')", name, yaml, where);
    lookup_fix(fix, sizeof fix);
    return sc_errf(err, "unknown task '%s': no %s, and %s does not exist; %s; to fix: %s", name, yaml, tasks, where,
                   fix);
}

// Shell-quotes s into buf when it holds anything beyond a plain path's characters.
static void shell_word(const char *s, char *buf, size_t cap) {
    int plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-", *p) != NULL;
    if (plain) {
        snprintf(buf, cap, "%s", s);
        return;
    }
    size_t n = 0;
    if (cap < 3) return;
    buf[n++] = '\'';
    for (const char *p = s; *p && n + 6 < cap; p++) {
        if (*p == '\'') {
            memcpy(buf + n, "'\\''", 4);
            n += 4;
        } else {
            buf[n++] = *p;
        }
    }
    buf[n++] = '\'';
    buf[n] = '\0';
}

const char *sc_task_ref(const sc_task *t, char *buf, size_t cap) {
    // The name works only if lookup by name lands on this very folder.
    char by_name[4200], a[PATH_MAX], b[PATH_MAX];
    snprintf(by_name, sizeof by_name, "%s/tasks/%s", sc_task_root(), t->name);
    if (realpath(by_name, a) && t->dir && realpath(t->dir, b) && !strcmp(a, b)) {
        snprintf(buf, cap, "%s", t->name);
        return buf;
    }
    char dir[4200];
    // A bare folder name would be looked up by name: make it a path.
    snprintf(dir, sizeof dir, "%s%s", t->dir && strchr(t->dir, '/') ? "" : "./", t->dir ? t->dir : t->name);
    shell_word(dir, buf, cap);
    return buf;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int sc_task_names(char ***names, size_t *n, sc_err *err) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tasks", sc_task_root());
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        char where[PATH_MAX + 200], fix[PATH_MAX + 200];
        lookup_where(where, sizeof where);
        lookup_fix(fix, sizeof fix);
        return sc_errf(err, "%s: cannot open the tasks folder: %s; %s; to fix: %s", dir, strerror(e), where, fix);
    }
    struct dirent *e;
    size_t cap = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char yaml[4400];
        struct stat st;
        snprintf(yaml, sizeof yaml, "%s/%s/task.yaml", dir, e->d_name);
        if (stat(yaml, &st) != 0) continue;
        if (sc_grow((void **)names, &cap, *n + 1, sizeof **names, 16) || !((*names)[*n] = strdup(e->d_name))) {
            closedir(d);
            sc_task_names_free(*names, *n);
            *names = NULL;
            *n = 0;
            return sc_errf(err, "out of memory");
        }
        (*n)++;
    }
    closedir(d);
    if (*n) qsort(*names, *n, sizeof **names, cmp);
    return 0;
}

void sc_task_names_free(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}
