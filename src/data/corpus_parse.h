// corpus_parse.h — a corpus file parsed, and the pieces that read it (internal to
// the corpus_*.c files; the format is documented in corpus.h).
#ifndef SC_DATA_CORPUS_PARSE_H
#define SC_DATA_CORPUS_PARSE_H

#include <stdint.h>
#include <stdio.h>

#include "core/yaml_tree.h"
#include "data/corpus.h"
#include "data/task.h"

typedef enum { SC_CSRC_TASK, SC_CSRC_WHEEL, SC_CSRC_DEBIAN, SC_CSRC_LOCAL } sc_csrc_kind;
typedef enum { SC_CFMT_LINES, SC_CFMT_CSV, SC_CFMT_TSV, SC_CFMT_GCIDE, SC_CFMT_WORDNET, SC_CFMT_NONE } sc_cfmt;

// One entry of `sources`. Strings point into the spec's YAML tree.
typedef struct sc_corpus_src {
    sc_csrc_kind kind;
    int line;
    char label[128];  // `name`, or "KIND REF"
    const char *ref;  // the task, PACKAGE==VERSION, PACKAGE=VERSION or folder
    const char *env;  // local: a variable overriding the folder
    int splits[SC_NSPLITS];  // task: 1 for the splits taken
    size_t n_files;
    sc_task_file *files;
    // read
    sc_cfmt format;
    sc_encoding encoding;
    const char *text_col, *dict, *index;
    int header, multiline;
    char quote;
    long skip_lines;
    size_t n_read;
    const char **read_files;  // the files read, in order (lines/csv/tsv/wordnet)
    int read_line;
} sc_corpus_src;

typedef struct sc_corpus_spec {
    sc_ynode *yaml;
    char *path, *dir, *root;  // the file, its folder, the repository root ($ROOT)
    const char *name, *description;
    size_t n_src;
    sc_corpus_src *src;
    long min_tokens, max_texts;  // max_texts 0: no cap
    int dedupe;
    size_t n_exclude;
    const char **exclude;
} sc_corpus_spec;

// corpus_yaml.c: the text of a corpus file -> spec (every error names file, line, field).
int sc_corpus_spec_parse(const char *path, const char *text, size_t len, sc_corpus_spec **out, sc_err *err);
void sc_corpus_spec_free(sc_corpus_spec *s);
// A task named by a corpus (built-in name, or a path relative to the corpus file's folder).
int sc_corpus_task_open(const sc_corpus_spec *s, const char *ref, sc_task **out, sc_err *err);

// corpus_fetch.c: the cache folder of a file-based source and bringing its files there.
int sc_corpus_src_dir(const sc_corpus_spec *s, size_t k, char *buf, size_t cap, sc_err *err);
int sc_corpus_fetch(const sc_corpus_spec *s, FILE *log, sc_err *err);

// corpus_read.c / corpus_dict.c: readers call `emit` once per text (bytes as in
// the file, already in UTF-8 for gcide/wordnet; the sink validates them).
typedef int (*sc_corpus_emit)(void *ctx, const char *text, size_t len, const char *file, long line, sc_err *err);
int sc_corpus_read_src(const sc_corpus_spec *s, size_t k, sc_corpus_emit emit, void *ctx, sc_err *err);
int sc_corpus_read_gcide(const char *name, const char *dict, size_t dict_len, const char *index_name,
                         const char *index, size_t index_len, sc_corpus_emit emit, void *ctx, sc_err *err);
int sc_corpus_read_wordnet(const char *name, const char *buf, size_t len, sc_corpus_emit emit, void *ctx, sc_err *err);

// corpus_build.c: every source read through the filters into c (spec fetched).
int sc_corpus_build(const sc_corpus_spec *s, FILE *log, sc_corpus *c, sc_err *err);

// corpus_keys.c: a set of byte strings (the filters' normalized texts).
typedef struct sc_keyset {
    char *blob;  // keys, each NUL-terminated
    size_t len, cap;
    size_t *slot;  // open addressing: key offset + 1, 0 = empty
    uint64_t *hash;  // the hash of each slot's key
    size_t n, n_slots;
} sc_keyset;
// 1 if key was already in the set, 0 if it was added, -1 out of memory.
int sc_keyset_add(sc_keyset *k, const char *key, size_t n);
int sc_keyset_has(const sc_keyset *k, const char *key, size_t n);
void sc_keyset_free(sc_keyset *k);

#endif
