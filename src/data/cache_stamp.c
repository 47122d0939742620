// Cache stamps: verifying cached files cheaply before any reader sees them.
//
// <cache>/<task>/.scaffold-stamps holds one line per verified file:
//     <sha256> <size> <mtime s.ns> <ctime s.ns> <name>
// A file whose size, mtime and ctime still equal its stamp (and whose stamp
// sha256 is the one task.yaml declares) is trusted without hashing; anything else
// is hashed again. The ctime makes `touch -d` (which can set mtime back, never
// ctime) unable to hide an edit. A stamp file that does not parse counts as
// missing: every file is then hashed once and the stamps written anew.
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/sha256.h"
#include "data/cache.h"
#include "data/grow.h"
#include "data/rawfile.h"

typedef struct stamp {
    char sha[65];
    uint64_t size;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
    const char *name;  // points into the stamps buffer or a task file's name
} stamp;

typedef struct stamps {
    char *buf;  // the stamp file's text (names point into it)
    stamp *s;
    size_t n, cap;
} stamps;

static void stamps_free(stamps *ss) {
    free(ss->buf);
    free(ss->s);
    memset(ss, 0, sizeof *ss);
}

static void stamp_of(stamp *s, const struct stat *st) {
    s->size = (uint64_t)st->st_size;
    s->mtime_s = (int64_t)st->st_mtim.tv_sec;
    s->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
    s->ctime_s = (int64_t)st->st_ctim.tv_sec;
    s->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
}

static int same_file_state(const stamp *a, const stamp *b) {
    return a->size == b->size && a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns && a->ctime_s == b->ctime_s &&
           a->ctime_ns == b->ctime_ns;
}

// "<s>.<ns>" with ns in [0, 1e9): the parts of a timestamp (range-checked).
static int parse_time(char **p, int64_t *s, int64_t *ns) {
    char *e;
    errno = 0;
    long long a = strtoll(*p, &e, 10);
    if (e == *p || *e != '.' || errno) return -1;
    char *f = e + 1;
    long long b = strtoll(f, &e, 10);
    if (e == f || errno || b < 0 || b >= 1000000000LL || *e != ' ') return -1;
    *s = a;
    *ns = b;
    *p = e + 1;
    return 0;
}

// One stamp line (NUL-terminated, modified in place); -1 if it does not parse.
static int parse_line(char *line, stamp *s) {
    if (strlen(line) < 66 || line[64] != ' ') return -1;
    for (int i = 0; i < 64; i++)
        if (!((line[i] >= '0' && line[i] <= '9') || (line[i] >= 'a' && line[i] <= 'f'))) return -1;
    memcpy(s->sha, line, 64);
    s->sha[64] = '\0';
    char *p = line + 65, *e;
    if (*p < '0' || *p > '9') return -1;
    errno = 0;
    unsigned long long size = strtoull(p, &e, 10);
    if (e == p || *e != ' ' || errno) return -1;
    s->size = size;
    p = e + 1;
    if (parse_time(&p, &s->mtime_s, &s->mtime_ns) || parse_time(&p, &s->ctime_s, &s->ctime_ns) || !*p) return -1;
    s->name = p;
    return 0;
}

// Reads dir/.scaffold-stamps; a missing or malformed file leaves ss empty.
static void stamps_load(const char *dir, stamps *ss) {
    memset(ss, 0, sizeof *ss);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, SC_CACHE_STAMPS);
    size_t len;
    if (sc_read_file_as(path, "raw", &ss->buf, &len, NULL)) return;
    static const char head[] = "# scaffold cache stamps v1\n";
    if (len < sizeof head - 1 || memcmp(ss->buf, head, sizeof head - 1) || memchr(ss->buf, '\0', len)) {
        stamps_free(ss);
        return;
    }
    for (char *p = ss->buf + sizeof head - 1; *p;) {
        char *nl = strchr(p, '\n');
        if (!nl) break;  // a last line without '\n' was cut short: ignored
        *nl = '\0';
        stamp s;
        if (parse_line(p, &s) || sc_grow((void **)&ss->s, &ss->cap, ss->n + 1, sizeof *ss->s, 8)) {
            stamps_free(ss);
            return;
        }
        ss->s[ss->n++] = s;
        p = nl + 1;
    }
}

static stamp *stamps_find(stamps *ss, const char *name) {
    for (size_t i = 0; i < ss->n; i++)
        if (!strcmp(ss->s[i].name, name)) return &ss->s[i];
    return NULL;
}

// Writes the stamps of the task's files (atomically); names come from the task.
static int stamps_save(const sc_task *t, const char *dir, const stamp *s, sc_err *err) {
    size_t cap = 64, n = 0;
    for (size_t i = 0; i < t->n_files; i++) cap += 160 + strlen(t->files[i].name);
    char *buf = malloc(cap);
    if (!buf) return sc_errf(err, "out of memory");
    n += (size_t)snprintf(buf, cap, "# scaffold cache stamps v1\n");
    for (size_t i = 0; i < t->n_files; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s %" PRIu64 " %" PRId64 ".%09" PRId64 " %" PRId64 ".%09" PRId64 " %s\n",
                              s[i].sha, s[i].size, s[i].mtime_s, s[i].mtime_ns, s[i].ctime_s, s[i].ctime_ns,
                              t->files[i].name);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, SC_CACHE_STAMPS);
    int rc = sc_atomic_write(path, buf, n, err);
    free(buf);
    return rc;
}

// What changed about a file since its stamp, for the error message.
static void describe_change(const stamp *old, const stamp *now, char *buf, size_t cap) {
    if (old->size != now->size)
        snprintf(buf, cap, " (it changed since it was fetched: %" PRIu64 " -> %" PRIu64 " bytes)", old->size, now->size);
    else
        snprintf(buf, cap, " (it changed since it was fetched: same size, rewritten or modified)");
}

// One cached file: trusted by its stamp, else hashed against task.yaml's sha256.
// *out gets its current stamp; *hashed = 1 if it had to be hashed.
static int verify_file(const sc_task *t, size_t i, const char *dir, stamps *ss, int force, stamp *out, int *hashed,
                       sc_err *err) {
    const sc_task_file *f = &t->files[i];
    char p[8192], hex[65];
    snprintf(p, sizeof p, "%s/%s", dir, f->name);
    struct stat st;
    char ref[4400];  // for errors: the argument that finds this task (its name, or its folder's path)
    if (stat(p, &st) || !S_ISREG(st.st_mode))
        return sc_errf(err, "%s: not fetched (run `scaffold tasks fetch %s`)", p, sc_task_ref(t, ref, sizeof ref));
    stamp now = {.name = f->name};
    stamp_of(&now, &st);
    const stamp *old = stamps_find(ss, f->name);
    if (!force && old && !strcmp(old->sha, f->sha256) && same_file_state(old, &now)) {
        *out = *old;
        out->name = f->name;
        return 0;
    }
    if (sc_sha256_file(p, hex, err)) return -1;
    if (strcmp(hex, f->sha256)) {
        char why[160] = "";
        if (old && !strcmp(old->sha, f->sha256)) describe_change(old, &now, why, sizeof why);
        return sc_errf(err, "%s: checksum mismatch%s: sha256 is %s, %s line %d expects %s; the cached copy is not used: "
                       "run `scaffold tasks fetch %s` to restore it", p, why, hex, t->yaml_path, f->line, f->sha256,
                       sc_task_ref(t, ref, sizeof ref));
    }
    // Stamp only a state seen both before and after hashing (not a file being written).
    struct stat st2;
    stamp after = {0};
    if (stat(p, &st2)) return sc_errf(err, "%s: vanished while being verified: %s", p, strerror(errno));
    stamp_of(&after, &st2);
    if (!same_file_state(&now, &after)) return sc_errf(err, "%s: changed while being verified; try again", p);
    memcpy(now.sha, hex, sizeof hex);
    *out = now;
    *hashed = 1;
    return 0;
}

// force: hash every file whatever its stamp says (tasks check).
static int cache_verify(const sc_task *t, int force, sc_err *err) {
    if (t->source == SC_SRC_SYNTHETIC) {  // the data is the base task's, if any
        if (!t->base) return 0;
        sc_task *b;
        if (sc_task_open(t->base, &b, err)) return sc_err_prefix(err, "%s: source.base", t->yaml_path);
        int rc = cache_verify(b, force, err);
        sc_task_free(b);
        return rc;
    }
    char dir[4096];
    if (sc_cache_task_dir(t, dir, sizeof dir, err)) return -1;
    stamps ss;
    stamps_load(dir, &ss);
    stamp *cur = calloc(t->n_files + 1, sizeof *cur);
    if (!cur) {
        stamps_free(&ss);
        return sc_errf(err, "out of memory");
    }
    int rc = 0, hashed = 0;
    for (size_t i = 0; i < t->n_files && !rc; i++) rc = verify_file(t, i, dir, &ss, force, &cur[i], &hashed, err);
    // Saving is an optimization: a read-only cache is simply hashed on every load.
    if (!rc && (hashed || ss.n != t->n_files)) stamps_save(t, dir, cur, NULL);
    free(cur);
    stamps_free(&ss);
    return rc;
}

int sc_task_check_cache(const sc_task *t, sc_err *err) { return cache_verify(t, 0, err); }

int sc_task_verify(const sc_task *t, sc_err *err) { return cache_verify(t, 1, err); }

int sc_task_is_fetched(const sc_task *t) {
    sc_err err;
    return cache_verify(t, 0, &err) == 0;
}
