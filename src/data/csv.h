// csv.h — RFC 4180 records from a buffer, with the lines each record spans.
//
// Fields may be quoted ("a, ""b""" -> a, "b"). sep = ',' or '\t', or ' ' for runs
// of blanks (whitespace-separated tables). Quoting can be turned off (quote = 0:
// '"' is an ordinary character). A quoted field may hold line breaks only when
// `multiline` is set; otherwise a quote that is still open at the end of its line
// is an error naming the line where it opened (a stray '"' in unquoted text would
// silently swallow the following lines into one field). The parser counts the
// physical lines it consumes (records, blank lines, continuation lines inside
// quotes) so that callers can account for every line of a file.
#ifndef SC_DATA_CSV_H
#define SC_DATA_CSV_H

#include <stddef.h>

#include "core/err.h"

typedef struct sc_csv {
    const char *name;  // file name for messages
    const char *p, *end;
    char sep;
    char quote;        // '"' (the default set by sc_csv_init) or 0 for no quoting
    int multiline;     // 1: quoted fields may span lines (default 0)
    long line;         // line of the next record (1-based)
    char *buf;         // unescaped fields of the current record, NUL-separated
    size_t buf_cap;
    char **fields;     // pointers into buf
    size_t nf, f_cap;
    size_t *starts;    // scratch: field offsets in buf
    size_t starts_cap;
    long rec_line;     // line the current record started on
    long rec_lines;    // physical lines it spans (1 unless a quoted field holds line breaks)
    long quote_line;   // line where its last multi-line quoted field opened (0: none)
    // Totals since sc_csv_init:
    long records;      // records returned
    long blank;        // empty lines skipped between records
    long continuation; // lines inside multi-line quoted fields (beyond each record's first)
    long multiline_records;
    long first_multiline;  // line of the first multi-line record (0: none)
} sc_csv;

void sc_csv_init(sc_csv *c, const char *name, const char *data, size_t len, char sep);
// 1 if a record was read (c->fields, c->nf, c->rec_line), 0 at end of data, -1 on
// a malformed record (an unterminated quote, text after a closing quote, a line
// break inside quotes without multiline); errors name the file and the line.
int sc_csv_next(sc_csv *c, sc_err *err);
void sc_csv_free(sc_csv *c);

// Physical lines in data[0..len): line breaks, plus a last line without one.
long sc_count_lines(const char *data, size_t len);

#endif
