// A corpus's file-based sources into the data cache. Each package (or local
// source) is presented to the task cache code as a task of its own — a name (its
// cache folder), its files with sha256, its source — so fetching, verification and
// stamps are exactly the task ones (data/cache.h): wheels and local folders go
// through sc_task_fetch; Debian packages are unpacked here, then stamped by
// sc_task_check_cache.
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sha256.h"
#include "data/cache.h"
#include "data/corpus_parse.h"
#include "data/deb.h"
#include "data/tar.h"

typedef struct shadow {
    sc_task t;
    char name[512];
} shadow;

int sc_corpus_src_dir(const sc_corpus_spec *s, size_t k, char *buf, size_t cap, sc_err *err) {
    const sc_corpus_src *c = &s->src[k];
    char root[4096];
    if (sc_cache_root(root, sizeof root, err)) return -1;
    if (c->kind == SC_CSRC_WHEEL) snprintf(buf, cap, "%s/corpora/wheel/%s", root, c->ref);
    else if (c->kind == SC_CSRC_DEBIAN) snprintf(buf, cap, "%s/corpora/debian/%s", root, c->ref);
    else if (c->kind == SC_CSRC_LOCAL) snprintf(buf, cap, "%s/corpora/local/%s-%zu", root, s->name, k);
    else return sc_errf(err, "%s: sources[%zu] is a task: its data is the task's", s->path, k);
    return 0;
}

// The task-shaped view of source k together with every later source of the same
// package (their files merged; corpus_yaml.c checked that equal names agree).
static int shadow_init(const sc_corpus_spec *s, size_t k, shadow *sh, sc_err *err) {
    const sc_corpus_src *c = &s->src[k];
    memset(sh, 0, sizeof *sh);
    char root[4096], dir[8192];
    if (sc_cache_root(root, sizeof root, err) || sc_corpus_src_dir(s, k, dir, sizeof dir, err)) return -1;
    snprintf(sh->name, sizeof sh->name, "%s", dir + strlen(root) + 1);
    sc_task *t = &sh->t;
    t->name = sh->name;
    t->yaml_path = s->path;
    t->dir = s->dir;
    t->root = s->root;
    t->source = c->kind == SC_CSRC_WHEEL ? SC_SRC_WHEEL : SC_SRC_LOCAL;
    t->package = c->ref;
    t->src_path = c->ref;
    t->src_env = c->env;
    size_t total = 0;
    for (size_t j = k; j < s->n_src; j++) total += s->src[j].n_files;
    if (!(t->files = calloc(total + 1, sizeof *t->files))) return sc_errf(err, "out of memory");
    for (size_t j = k; j < s->n_src; j++) {
        const sc_corpus_src *o = &s->src[j];
        if (j > k && (o->kind != c->kind || c->kind == SC_CSRC_LOCAL || strcmp(o->ref, c->ref))) continue;
        for (size_t i = 0; i < o->n_files; i++) {
            int dup = 0;
            for (size_t q = 0; q < t->n_files && !dup; q++) dup = !strcmp(t->files[q].name, o->files[i].name);
            if (!dup) t->files[t->n_files++] = o->files[i];
        }
    }
    return 0;
}

// Empties and removes the temporary folder (the download and dpkg-deb's tar: plain files).
static void rm_tmp(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            char p[8600];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))) unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

// The package's members that the cache lacks, verified, written atomically.
static int deb_members(const sc_task *t, const char *cache, const char *deb, const char *tmp, FILE *log, sc_err *err) {
    char *tar;
    size_t len;
    if (sc_deb_data_tar(deb, tmp, &tar, &len, err)) return -1;
    int rc = 0;
    for (size_t i = 0; i < t->n_files && !rc; i++) {
        const sc_task_file *f = &t->files[i];
        char dst[8192], hex[65];
        snprintf(dst, sizeof dst, "%s/%s", cache, f->name);
        const char *data;
        size_t n;
        int found = sc_tar_member(deb, tar, len, f->member, &data, &n, err);
        if (found < 0) { rc = -1; break; }
        if (!found) { rc = sc_errf(err, "%s: the package holds no file %s (see `dpkg-deb -c`)", deb, f->member); break; }
        sc_sha256_hex(data, n, hex);
        if (strcmp(hex, f->sha256))
            rc = sc_errf(err, "%s: member %s: checksum mismatch: sha256 is %s, %s line %d expects %s (nothing was "
                         "written)", deb, f->member, hex, t->yaml_path, f->line, f->sha256);
        else if (!(rc = sc_atomic_write(dst, data, n, err)) && log)
            fprintf(log, "  %s <- %s\n", f->name, f->member);
    }
    free(tar);
    return rc;
}

static int fetch_deb(const sc_corpus_spec *s, size_t k, const sc_task *t, FILE *log, sc_err *err) {
    char cache[8192], tmp[8300], deb[8400];
    if (sc_corpus_src_dir(s, k, cache, sizeof cache, err) || sc_mkdirs(cache, err)) return -1;
    if (!sc_task_check_cache(t, NULL)) return 0;  // by stamp, or hashed (stamps written)
    if (log) fprintf(log, "%s: fetching %s\n", s->name, s->src[k].ref);
    snprintf(tmp, sizeof tmp, "%s/.deb-XXXXXX", cache);
    if (!mkdtemp(tmp)) return sc_errf(err, "%s: cannot create a temporary folder: %s", tmp, strerror(errno));
    int rc = sc_deb_get(s->src[k].ref, tmp, deb, sizeof deb, log, err);
    if (!rc) rc = deb_members(t, cache, deb, tmp, log, err);
    rm_tmp(tmp);  // a download; a .deb found in the user's folders stays
    return rc ? -1 : sc_task_check_cache(t, err);
}

int sc_corpus_fetch(const sc_corpus_spec *s, FILE *log, sc_err *err) {
    for (size_t k = 0; k < s->n_src; k++) {
        const sc_corpus_src *c = &s->src[k];
        int first = 1;  // a package shared by sources is fetched with its first source
        for (size_t j = 0; j < k && first; j++)
            first = !(s->src[j].kind == c->kind && c->kind != SC_CSRC_LOCAL && !strcmp(s->src[j].ref, c->ref));
        if (c->kind == SC_CSRC_TASK || !first) continue;
        shadow sh;
        int rc = shadow_init(s, k, &sh, err);
        if (!rc && c->kind == SC_CSRC_DEBIAN) rc = fetch_deb(s, k, &sh.t, log, err);
        else if (!rc) rc = sc_task_fetch(&sh.t, NULL, log, err);
        free(sh.t.files);
        if (rc) return sc_err_prefix(err, "%s line %d: sources[%zu] (%s)", s->path, c->line, k, c->label);
    }
    return 0;
}
