// Finding tasks: <root>/tasks/<name>/task.yaml, root = $SCAFFOLD_HOME or the cwd.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/grow.h"
#include "data/task.h"

const char *sc_task_root(void) {
    const char *h = getenv("SCAFFOLD_HOME");
    return h && *h ? h : ".";
}

int sc_task_open(const char *name, sc_task **out, sc_err *err) {
    char dir[4096];
    const char *root = sc_task_root();
    *out = NULL;
    if (strchr(name, '/')) {
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
    if (stat(yaml, &st) != 0)
        return sc_errf(err, "unknown task '%s': no %s (see `scaffold tasks list`)", name, yaml);
    return sc_task_load(dir, root, out, err);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int sc_task_names(char ***names, size_t *n, sc_err *err) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tasks", sc_task_root());
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return sc_errf(err, "%s: cannot open the tasks folder: %s", dir, strerror(errno));
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
