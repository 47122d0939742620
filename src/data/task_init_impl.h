// task_init_impl.h — shared by the files of init-task's detection
// (task_init.c: reading the files and deciding the format; task_init_columns.c:
// header, label, text, classes and token counts from per-column statistics;
// task_init_scan.c: its out-of-memory error).
// Not part of the library's interface: task_init.h is.
#ifndef SC_DATA_TASK_INIT_IMPL_H
#define SC_DATA_TASK_INIT_IMPL_H

#include <stddef.h>

#include "data/task_init.h"
#include "text/tokenizer.h"

// Per column, what the header, label and text choices need.
typedef struct colstat {
    char *first;      // the first record's value (NULL: missing)
    char **vals;      // distinct values of the records below it (capped: `many`)
    size_t *cnt;
    long *line;       // where each value first occurs
    size_t *file;     // ... in which input file
    size_t nv, cap;
    int many;         // more distinct values than a label can have
    int first_later;  // the first record's value occurs again below
    int numeric;      // every value below is a number
    int unusable;     // jsonl: missing from some object, or neither a string nor a number
    int nonstr;       // jsonl: some value is not a string (cannot be the text)
    double bytes;     // total length of the values below the first
    long n;
} colstat;

// A record as a visitor sees it: nf values (NULL = absent), is_str (jsonl only).
typedef int (*visit_fn)(void *ctx, const char *const *vals, const int *is_str, size_t nf, long line, long idx,
                        sc_err *err);

typedef struct walk_out {
    long records, first_line, first_end;  // records; the physical lines of the first one
    size_t width;
} walk_out;

typedef struct stats_ctx {
    colstat *cs;
    int first_kept;  // the first record's values are held apart (a header, maybe)
    int skip_first;  // the first record is the header: not counted
    size_t file;     // the input file being walked
} stats_ctx;

// Token counts of the texts that become examples -> max_tokens.
typedef struct tok_ctx {
    sc_init_guess *g;
    const char *file;
    int skip_first;
    sc_tokens tk;
    char *scratch;
    size_t scap;
    long *n;
    size_t nn, cap;
} tok_ctx;

int sc_init_oom(sc_err *err);       // "out of memory", -1
int sc_init_is_number(const char *s);  // a whole strtod number
int sc_init_is_int(const char *s);     // a whole strtol integer

// task_init_columns.c
void sc_init_col_free(colstat *c);  // its values and arrays (the struct stays)
// A visit_fn (ctx: stats_ctx) adding one record to the per-column statistics.
int sc_init_stats_visit(void *ctx, const char *const *vals, const int *is_str, size_t nf, long line, long idx, sc_err *err);
// The first record names the columns: some few-valued column never repeats its
// first value, or an all-numeric column starts with a word.
int sc_init_looks_like_header(const colstat *cs, size_t n);
// qsort order of class names: numerically if both are integers, else by bytes.
int sc_init_cmp_class(const void *a, const void *b);
// One text's token count (latin1: decode it first); errors name t->file and line.
int sc_init_tok_add(tok_ctx *t, const char *s, size_t len, int latin1, long line, sc_err *err);
// A visit_fn (ctx: tok_ctx): the text of each record that becomes an example.
int sc_init_tok_visit(void *ctx, const char *const *vals, const int *is_str, size_t nf, long line, long idx, sc_err *err);
// Median, p95 and max token counts, max_tokens = [CLS] + p95 rounded up to 8 in
// [8, 512]; frees t's buffers.
void sc_init_tok_finish(tok_ctx *t);
// Label, text, classes and header names from the statistics of n files.
int sc_init_decide(sc_init_guess *g, colstat *cs, const sc_init_file *files, size_t n, sc_err *err);

#endif
