// Reading every source through the filters (corpus.h "filters, order and
// identity"): held-out keys first, then each source's texts in order, then the cap
// and the digest.
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "data/cache.h"
#include "data/corpus_parse.h"
#include "data/dataset.h"
#include "data/grow.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

typedef struct build {
    sc_corpus *c;
    size_t src;  // the source being read
    long min_tokens;
    int dedupe;
    sc_tokens tok;
    char *key;  // the tokens joined by single spaces
    size_t key_len, key_cap;
    sc_keyset test, seen;
    uint32_t *ntok, *srcof;  // per kept text: tokens, source index
    size_t meta_cap, src_cap;
} build;

// The filters' view of a text: its tokens (NFKC, case folded) joined by spaces.
static int make_key(build *b, const char *s, size_t n, sc_err *err) {
    if (sc_tokenize(s, n, &b->tok, err)) return -1;
    b->key_len = 0;
    for (size_t i = 0; i < b->tok.n; i++) {
        const char *t = sc_token(&b->tok, i);
        size_t l = strlen(t);
        if (sc_grow((void **)&b->key, &b->key_cap, sc_grow_need(b->key_len, l + 2), 1, 1024))
            return sc_errf(err, "out of memory");
        if (i) b->key[b->key_len++] = ' ';
        memcpy(b->key + b->key_len, t, l);
        b->key_len += l;
    }
    if (sc_grow((void **)&b->key, &b->key_cap, b->key_len + 1, 1, 1024)) return sc_errf(err, "out of memory");
    b->key[b->key_len] = '\0';
    return 0;
}

static int append(build *b, const char *s, size_t n, sc_err *err) {
    sc_corpus *c = b->c;
    if (sc_grow((void **)&c->blob, &c->blob_cap, sc_grow_need(c->blob_len, n + 1), 1, 1 << 20) ||
        sc_grow((void **)&c->off, &c->off_cap, c->n + 1, sizeof *c->off, 4096) ||
        sc_grow((void **)&b->ntok, &b->meta_cap, c->n + 1, sizeof *b->ntok, 4096) ||
        sc_grow((void **)&b->srcof, &b->src_cap, c->n + 1, sizeof *b->srcof, 4096))
        return sc_errf(err, "out of memory");
    c->off[c->n] = c->blob_len;
    memcpy(c->blob + c->blob_len, s, n);
    c->blob[c->blob_len + n] = '\0';
    c->blob_len += n + 1;
    b->ntok[c->n] = b->tok.n > UINT32_MAX ? UINT32_MAX : (uint32_t)b->tok.n;
    b->srcof[c->n] = (uint32_t)b->src;
    c->n++;
    return 0;
}

// The sink every reader emits into: validate, count, filter, keep.
static int emit(void *ctx, const char *s, size_t n, const char *file, long line, sc_err *err) {
    build *b = ctx;
    size_t bad;
    while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) { s++; n--; }  // task texts may carry blanks
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
    if (!sc_utf8_valid(s, n, &bad))
        return sc_errf(err, "%s line %ld: invalid UTF-8 at byte %zu of the text (byte 0x%02x)", file, line, bad + 1,
                       (unsigned)(unsigned char)s[bad]);
    if (memchr(s, '\0', n)) return sc_errf(err, "%s line %ld: NUL byte inside the text", file, line);
    b->c->sources[b->src].read++;
    if (make_key(b, s, n, err)) return sc_err_prefix(err, "%s line %ld", file, line);
    if ((long)b->tok.n < b->min_tokens) { b->c->dropped_short++; return 0; }
    if (sc_keyset_has(&b->test, b->key, b->key_len)) { b->c->dropped_test++; return 0; }
    if (b->dedupe) {
        int r = sc_keyset_add(&b->seen, b->key, b->key_len);
        if (r < 0) return sc_errf(err, "out of memory");
        if (r) { b->c->dropped_dup++; return 0; }
    }
    return append(b, s, n, err);
}

// A task's dataset, fetched and loaded as for training.
static int load_task(const sc_corpus_spec *s, const char *ref, FILE *log, sc_task **t, sc_dataset *d, sc_err *err) {
    memset(d, 0, sizeof *d);
    if (sc_corpus_task_open(s, ref, t, err)) return -1;
    int rc = (*t)->modality != SC_TEXT ? sc_errf(err, "task %s is not a text task", (*t)->name)
                                       : sc_task_fetch(*t, NULL, log, err) || sc_dataset_load(*t, d, err) ? -1 : 0;
    if (rc) {
        sc_task_free(*t);
        *t = NULL;
    }
    return rc;
}

// filters.exclude_test_of: the keys of every test-split text of those tasks.
static int test_keys(build *b, const sc_corpus_spec *s, FILE *log, sc_err *err) {
    for (size_t i = 0; i < s->n_exclude; i++) {
        sc_task *t;
        sc_dataset d;
        if (load_task(s, s->exclude[i], log, &t, &d, err))
            return sc_err_prefix(err, "%s: field 'filters.exclude_test_of': %s", s->path, s->exclude[i]);
        int rc = 0;
        for (size_t j = 0; j < d.n && !rc; j++) {
            if (d.split[j] != SC_SPLIT_TEST) continue;
            const char *x = sc_dataset_text(&d, j);
            rc = make_key(b, x, strlen(x), err) || sc_keyset_add(&b->test, b->key, b->key_len) < 0 ? -1 : 0;
        }
        sc_dataset_free(&d);
        sc_task_free(t);
        if (rc) return sc_err_prefix(err, "%s: field 'filters.exclude_test_of': %s", s->path, s->exclude[i]);
    }
    b->c->n_test_keys = b->test.n;
    return 0;
}

static int read_task_src(build *b, const sc_corpus_spec *s, const sc_corpus_src *src, FILE *log, sc_err *err) {
    sc_task *t;
    sc_dataset d;
    if (load_task(s, src->ref, log, &t, &d, err)) return -1;
    int rc = 0;
    for (size_t j = 0; j < d.n && !rc; j++) {
        if (!src->splits[d.split[j]]) continue;
        const char *x = sc_dataset_text(&d, j);
        rc = emit(b, x, strlen(x), t->name, (long)j + 1, err);
    }
    sc_dataset_free(&d);
    sc_task_free(t);
    return rc;
}

// max_texts: keep i = floor(j * n / max) for j < max (evenly spaced, order kept),
// compacting blob, offsets and metadata in place (every move is towards the front).
static void cap_texts(build *b, size_t max) {
    sc_corpus *c = b->c;
    if (!max || c->n <= max) return;
    size_t len = 0;
    for (size_t j = 0; j < max; j++) {
        size_t i = j * (c->n / max) + j * (c->n % max) / max;  // floor(j n / max) without overflow
        const char *s = c->blob + c->off[i];
        size_t l = strlen(s) + 1;
        memmove(c->blob + len, s, l);
        c->off[j] = len;
        b->ntok[j] = b->ntok[i];
        b->srcof[j] = b->srcof[i];
        len += l;
    }
    c->dropped_cap = c->n - max;
    c->n = max;
    c->blob_len = len;
}

static void finish(build *b) {
    sc_corpus *c = b->c;
    for (size_t i = 0; i < c->n; i++) {
        c->n_tokens += b->ntok[i];
        c->sources[b->srcof[i]].kept++;
    }
    sc_sha256_hex(c->blob ? c->blob : "", c->blob_len, c->digest);
}

int sc_corpus_build(const sc_corpus_spec *s, FILE *log, sc_corpus *c, sc_err *err) {
    build b = {.c = c, .min_tokens = s->min_tokens, .dedupe = s->dedupe};
    c->n_sources = s->n_src;
    if (!(c->sources = calloc(s->n_src, sizeof *c->sources))) return sc_errf(err, "out of memory");
    for (size_t k = 0; k < s->n_src; k++) snprintf(c->sources[k].name, sizeof c->sources[k].name, "%s", s->src[k].label);
    int rc = test_keys(&b, s, log, err);
    for (size_t k = 0; k < s->n_src && !rc; k++) {
        b.src = k;
        const sc_corpus_src *src = &s->src[k];
        rc = src->kind == SC_CSRC_TASK ? read_task_src(&b, s, src, log, err) : sc_corpus_read_src(s, k, emit, &b, err);
        if (rc) sc_err_prefix(err, "%s line %d: sources[%zu] (%s)", s->path, src->line, k, src->label);
    }
    if (!rc && !c->n) rc = sc_errf(err, "%s: no text is left after the filters", s->path);
    if (!rc) {
        cap_texts(&b, (size_t)s->max_texts);
        finish(&b);
    }
    sc_tokens_free(&b.tok);
    free(b.key);
    sc_keyset_free(&b.test);
    sc_keyset_free(&b.seen);
    free(b.ntok);
    free(b.srcof);
    return rc;
}
