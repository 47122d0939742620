// csv.h — RFC 4180 records from a buffer, with the line each record starts on.
//
// Fields may be quoted ("a, ""b""" -> a, "b") and quoted fields may span lines.
// sep = ',' or '\t', or ' ' for runs of blanks (whitespace-separated tables).
#ifndef SC_DATA_CSV_H
#define SC_DATA_CSV_H

#include <stddef.h>

#include "core/err.h"

typedef struct sc_csv {
    const char *name;  // file name for messages
    const char *p, *end;
    char sep;
    long line;         // line of the next record (1-based)
    char *buf;         // unescaped fields of the current record, NUL-separated
    size_t buf_cap;
    char **fields;     // pointers into buf
    size_t nf, f_cap;
    long rec_line;     // line the current record started on
} sc_csv;

void sc_csv_init(sc_csv *c, const char *name, const char *data, size_t len, char sep);
// 1 if a record was read (c->fields, c->nf, c->rec_line), 0 at end of data, -1 on
// a malformed record (an unterminated quote, text after a closing quote).
int sc_csv_next(sc_csv *c, sc_err *err);
void sc_csv_free(sc_csv *c);

#endif
