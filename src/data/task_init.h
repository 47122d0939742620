// task_init.h — a starter task.yaml detected from data files (`scaffold init-task`).
//
// A newcomer has a data file, not a task.yaml. Detection reads the bytes the way
// the readers will (data/csv.h for csv/tsv, data/json.h for jsonl, the lines
// reader's blank-line rule, text/utf8.h), so the settings it writes are ones the
// readers accept, and the generated file loads and passes `scaffold tasks check`
// without edits:
// - format: jsonl when the first non-blank line starts with '{' (every non-blank
//   line must then be a JSON object); else tsv, then csv, when every record has
//   the same number (>= 2) of fields. Quoting, in this order: '"' (RFC 4180, one
//   line per record), `quote: none` ('"' is ordinary text: stray quotes), and
//   only then `multiline: true` — so a stray quote never merges lines silently.
//   Several files of a table (or JSON lines) format: one task reading them all
//   (read.files), each entry {name: FILE, source: STEM} so that the file a row
//   came from is a column users can see (named source_file, ... if the data has
//   a column `source`). The files must agree: one format and separator, the
//   same number of fields, a header in all or none (the same names, in the same
//   order), for JSON lines the same keys; one quoting that reads every file
//   (the first in the order above). Otherwise the error names the first file
//   that differs from the first file and how. Several files of plain lines:
//   format lines, one file per class (class names from the file names); a
//   single file of plain lines has no labels and is refused, and so is a mix
//   of tables and plain lines.
// - label: a column with few distinct values (2..SC_INIT_MAX_CLASSES, and at
//   most half the examples), preferring a header name such as label or class,
//   else the fewest values; text: the other column with the longest mean value.
// - header: the first record names the columns when, in a column with few
//   distinct values (or an all-numeric one), its value occurs nowhere below.
//   Header names task.yaml cannot use (duplicates, empty, Latin-1 bytes) are
//   skipped with `skip_lines` and the columns are numbered instead.
// - classes: the label's values, sorted (numerically when all are integers); an
//   empty label is not a class: such rows are dropped (read.drop_labels).
// - encoding: utf-8 when every byte sequence is valid UTF-8, else latin-1 (JSON
//   lines must be UTF-8). Labels are compared as raw bytes and task.yaml is UTF-8,
//   so a Latin-1 label with non-ASCII bytes is an error (recode the file).
//   read.encoding is one for the whole task (every reader decodes every file
//   with it), so with several files: utf-8 if all are valid UTF-8; latin-1 if
//   some are not and every other one is plain ASCII (which reads the same in
//   both); a file that is not UTF-8 next to one that is UTF-8 with non-ASCII
//   characters is an error naming both (Latin-1 would garble the UTF-8 file's
//   characters, UTF-8 refuses the other's bytes): recode the first.
// - max_tokens: [CLS] + the 95th percentile of the texts' token counts (the
//   tokenizer of text/tokenizer.h), rounded up to a multiple of 8, in [8, 512].
// - splits: teacher-train 0.5, teacher-valid 0.1, student-pool 0.2,
//   student-valid 0.1, test 0.1; at least SC_INIT_MIN_EXAMPLES examples, so that
//   no split is empty. With several table files, commented out: splits by
//   source (read.partition_column: source; the first file's source all test,
//   the others cut into the four training splits), ready to uncomment.
#ifndef SC_DATA_TASK_INIT_H
#define SC_DATA_TASK_INIT_H

#include <stddef.h>

#include "core/err.h"
#include "data/task.h"

enum { SC_INIT_MAX_CLASSES = 50, SC_INIT_MIN_EXAMPLES = 10 };

// One input file: its base name (as in source.files), its bytes as the reader
// sees them (decompressed), and the sha256 of the file as stored.
typedef struct sc_init_file {
    const char *name;
    const char *data;
    size_t len;
    const char *sha256;
} sc_init_file;

// What detection found. Strings are owned (sc_init_guess_free); column values
// and class names are the file's raw bytes (Latin-1 when encoding says so).
typedef struct sc_init_guess {
    sc_format format;         // SC_FMT_TSV, SC_FMT_CSV, SC_FMT_JSONL or SC_FMT_LINES
    sc_encoding encoding;
    long bad_utf8_line;       // latin-1: the first line that is not valid UTF-8, in file bad_utf8_file
    size_t bad_utf8_file;
    long lines, crlf, blank;  // physical lines, lines ending in "\r\n", blank lines (all files)
    long records;             // data records (header excluded), dropped ones included
    long examples;            // records that become examples
    long dropped;             // records with an empty label (read.drop_labels: [""])
    int header;               // the first record names the columns (read.header: true)
    long skip_lines;          // > 0: a header task.yaml cannot use, skipped; columns by number
    char skip_why[160];       // why the header names are not used
    char quote;               // '"' or 0 (read.quote: none)
    int multiline;            // quoted fields span lines
    char quote_why[400];      // the parse error that ruled the default quoting out ("" if none)
    size_t ncols;
    char **cols;              // header names or jsonl keys (raw); NULL without a header
    int label, text;          // column indices (jsonl: key indices); -1 for lines
    double text_mean;         // mean bytes of the text column
    size_t label_distinct;    // distinct labels (the empty one included)
    size_t n_classes;
    char **classes;           // sorted
    size_t *counts;           // examples per class
    size_t *class_file;       // lines: index of the file of each class
    long tok_median, tok_p95, tok_max;
    long max_tokens;
    size_t n_files;
    char **file_names, **file_sha;
    long *file_lines, *file_crlf;  // per file: physical lines, lines ending in "\r\n"
    long *file_examples;           // per file: examples (lines: the class's count)
    int *file_enc;                 // per file: SC_INIT_ASCII, SC_INIT_UTF8 (with non-ASCII) or SC_INIT_NOT_UTF8
    long *file_enc_line;           // per file: the first line not ASCII (SC_INIT_NOT_UTF8: not valid UTF-8)
    char *source_col;              // several table/jsonl files: the per-file column of read.files (else NULL)
    char **file_source;            // its value for each file: the file's stem (its whole name if stems repeat)
} sc_init_guess;

enum { SC_INIT_ASCII, SC_INIT_UTF8, SC_INIT_NOT_UTF8 };

// Detects format, columns, classes, encoding and input size from n files (n > 1:
// several files of one table format, or one file of lines per class). Errors
// name the file and line (and say what to change).
int sc_init_detect(const sc_init_file *files, size_t n, sc_init_guess *g, sc_err *err);
void sc_init_guess_free(sc_init_guess *g);

// The task.yaml text for g: task `name`, data read from the absolute folder
// `src_dir`; every field carries a comment saying what it is and what was
// detected. *yaml is malloc'd (NUL-terminated).
int sc_init_render(const sc_init_guess *g, const char *name, const char *src_dir, char **yaml, size_t *len,
                   sc_err *err);

// A task name init-task accepts: a plain folder name ([A-Za-z0-9._-], not
// starting with '.' or '-'); 0 if valid, else -1 with the reason.
int sc_init_check_name(const char *name, sc_err *err);

// The whole command: reads and hashes the files `from` (all in one folder:
// else an error naming both folders),
// detects, renders, checks that the text parses as a task, and writes
// out_dir/name/task.yaml, refusing to overwrite an existing one. *path_out gets
// the file written; g holds what was detected (free it, on failure too).
int sc_init_task(const char *name, const char *const *from, size_t n_from, const char *out_dir, char *path_out,
                 size_t cap, sc_init_guess *g, sc_err *err);

#endif
