// read_count.h — how a reader accounted for every line of each file it read.
//
// A reader that silently merges or skips lines yields plausible but wrong data
// (a stray quote once merged 5 lines into one example and nothing noticed). So
// the line-based readers (lines, csv/tsv, jsonl) report per file what each
// physical line became, counted independently of the parser (sc_count_lines):
//
//   lines   = skipped (read.skip_lines) + header + blank + records + continuation
//   records = examples + dropped (read.drop_labels)
//
// `continuation` is the extra lines of records that span lines: only csv/tsv with
// read.multiline: true may have them. The IDX reader counts records only (lines
// = -1). `scaffold tasks check` prints every count and fails when they do not add
// up. Hook readers report nothing unless they call sc_dataset_add_count.
#ifndef SC_DATA_READ_COUNT_H
#define SC_DATA_READ_COUNT_H

#include <stddef.h>

#include "data/task.h"

typedef struct sc_read_count {
    char file[256];         // the file's name
    long lines;             // physical lines ('\n's, plus a last line without one); -1: not a text file
    long skipped, header, blank, records, continuation;
    long multiline;         // records spanning more than one line
    long first_multiline;   // the line the first of them starts on (0: none)
    long dropped;           // records skipped by read.drop_labels
    long examples;          // examples added from this file
} sc_read_count;

// Writes one line about c into buf, e.g. "d.tsv: 201 lines = 1 header + 200
// records; 200 examples". Returns 0 when every line and record is accounted for
// (and continuation lines are declared by read.multiline), else -1 and buf ends
// with what is unexplained.
int sc_read_count_explain(const sc_task *t, const sc_read_count *c, char *buf, size_t cap);

#endif
