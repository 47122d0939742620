// Fuzz targets for pretraining corpora (data/corpus.h): the corpus YAML parser,
// and the dictionary readers (GCIDE dictd entries, WordNet data lines) that turn
// package files into texts.
#include <stdlib.h>
#include <string.h>

#include "data/corpus_parse.h"
#include "targets.h"
#include "text/utf8.h"

// ---- corpus YAML ----

int sc_fuzz_corpus_yaml(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    sc_corpus_spec *s = NULL;
    sc_err err;
    // A path without .yaml skips the name-vs-file check, so every seed gets past it.
    int rc = sc_corpus_spec_parse("tasks/corpora/fuzz", (const char *)data, size, &s, &err);
    sc_fuzz_check(rc, &err, "sc_corpus_spec_parse");
    if (rc) return 0;
    SC_FUZZ_ASSERT(s->name && s->n_src >= 1 && s->min_tokens >= 1, "a corpus without name, sources or min_tokens");
    for (size_t k = 0; k < s->n_src; k++) {
        const sc_corpus_src *c = &s->src[k];
        SC_FUZZ_ASSERT(c->ref && c->label[0], "source %zu without a reference or label", k);
        if (c->kind == SC_CSRC_TASK) {
            int any = 0;
            for (int i = 0; i < SC_NSPLITS; i++) any |= c->splits[i];
            SC_FUZZ_ASSERT(any && !c->splits[SC_SPLIT_TEST], "task source %zu: no split, or the test split", k);
            continue;
        }
        SC_FUZZ_ASSERT(c->n_files >= 1, "source %zu without files", k);
        for (size_t i = 0; i < c->n_files; i++)
            SC_FUZZ_ASSERT(strlen(c->files[i].sha256) == 64 && !strchr(c->files[i].name, '/'), "source %zu file %zu", k, i);
        SC_FUZZ_ASSERT(c->format == SC_CFMT_GCIDE ? c->dict && c->index : c->n_read >= 1, "source %zu reads nothing", k);
        char dir[8192];  // what the fetch computes next (names only, no file access)
        sc_fuzz_must(sc_corpus_src_dir(s, k, dir, sizeof dir, &err), &err, "source cache folder");
    }
    sc_corpus_spec_free(s);
    return 0;
}

// ---- GCIDE and WordNet readers ----

static int check_text(void *ctx, const char *text, size_t n, const char *file, long line, sc_err *err) {
    size_t *count = ctx, bad;
    SC_FUZZ_ASSERT(n > 0 && line >= 1 && file, "an empty text or no line");
    (void)sc_utf8_valid(text, n, &bad);  // readers pass bytes on; validation is the sink's (corpus_build.c)
    (*count)++;
    return 0;
}

// The input: an index, a 0 byte, then the dictionary (gcide); the whole input as
// a WordNet data file as well.
int sc_fuzz_corpus_dict(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    char *buf = sc_fuzz_copy(data, size);
    const char *zero = memchr(buf, '\0', size);
    size_t il = zero ? (size_t)(zero - buf) : size;
    const char *dict = zero ? zero + 1 : buf + size;
    size_t n = 0;
    sc_err err;
    sc_fuzz_check(sc_corpus_read_gcide("fuzz.dict", dict, size - il - (zero ? 1 : 0), "fuzz.index", buf, il,
                                       check_text, &n, &err), &err, "sc_corpus_read_gcide");
    sc_fuzz_check(sc_corpus_read_wordnet("data.fuzz", buf, size, check_text, &n, &err), &err, "sc_corpus_read_wordnet");
    free(buf);
    return 0;
}
