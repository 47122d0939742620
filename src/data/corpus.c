// Corpora: finding the file, opening (parse, fetch, build), freeing, listing.
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/corpus_parse.h"
#include "data/grow.h"
#include "data/rawfile.h"

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

int sc_corpus_open_log(const char *name_or_path, FILE *log, sc_corpus *c, sc_err *err) {
    memset(c, 0, sizeof *c);
    char path[4096];
    if (strchr(name_or_path, '/') || ends_with(name_or_path, ".yaml")) snprintf(path, sizeof path, "%s", name_or_path);
    else snprintf(path, sizeof path, "%s/tasks/corpora/%s.yaml", sc_task_root(), name_or_path);
    struct stat st;
    if (stat(path, &st))
        return sc_errf(err, "unknown corpus '%s': no %s (see `scaffold corpus list`)", name_or_path, path);
    char *text;
    size_t len;
    if (sc_read_file_as(path, "raw", &text, &len, err)) return -1;
    sc_corpus_spec *s;
    int rc = sc_corpus_spec_parse(path, text, len, &s, err);
    free(text);
    if (rc) return -1;
    c->path = xstrdup(path);
    c->name = xstrdup(s->name);
    c->description = xstrdup(s->description ? s->description : "");
    if (!c->path || !c->name || !c->description) rc = sc_errf(err, "out of memory");
    if (!rc) rc = sc_corpus_fetch(s, log, err);
    if (!rc) rc = sc_corpus_build(s, log, c, err);
    sc_corpus_spec_free(s);
    if (rc) sc_corpus_free(c);
    return rc;
}

int sc_corpus_open(const char *name_or_path, sc_corpus *c, sc_err *err) {
    return sc_corpus_open_log(name_or_path, NULL, c, err);
}

void sc_corpus_free(sc_corpus *c) {
    if (!c) return;
    free(c->path);
    free(c->name);
    free(c->description);
    free(c->blob);
    free(c->off);
    free(c->sources);
    memset(c, 0, sizeof *c);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int sc_corpus_names(char ***names, size_t *n, sc_err *err) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tasks/corpora", sc_task_root());
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return sc_errf(err, "%s: cannot open the corpora folder: %s", dir, strerror(errno));
    struct dirent *e;
    size_t cap = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l <= 5 || !ends_with(e->d_name, ".yaml")) continue;
        if (sc_grow((void **)names, &cap, *n + 1, sizeof **names, 16) || !((*names)[*n] = strndup(e->d_name, l - 5))) {
            closedir(d);
            sc_corpus_names_free(*names, *n);
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

void sc_corpus_names_free(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}
