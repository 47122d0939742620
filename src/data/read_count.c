// Explaining a file's line accounting (read_count.h) in one sentence.
#include "data/read_count.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

// Appends to buf (truncating at cap).
static void add(char *buf, size_t cap, const char *fmt, ...) {
    size_t n = strlen(buf);
    if (n + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
}

static void part(char *buf, size_t cap, int *first, long v, const char *what) {
    if (!v) return;
    add(buf, cap, "%s%ld %s", *first ? "" : " + ", v, what);
    *first = 0;
}

int sc_read_count_explain(const sc_task *t, const sc_read_count *c, char *buf, size_t cap) {
    buf[0] = '\0';
    int ok = 1;
    if (c->lines < 0) {
        add(buf, cap, "%s: %ld records", c->file, c->records);
    } else {
        add(buf, cap, "%s: %ld lines = ", c->file, c->lines);
        int first = 1;
        part(buf, cap, &first, c->skipped, "skipped (read.skip_lines)");
        part(buf, cap, &first, c->header, "header");
        part(buf, cap, &first, c->blank, "blank");
        part(buf, cap, &first, c->records, "records");
        if (c->continuation)
            add(buf, cap, "%s%ld continuation lines (%ld records with multi-line quoted fields, the first on line %ld)",
                first ? "" : " + ", c->continuation, c->multiline, c->first_multiline);
        else if (first)
            add(buf, cap, "0");
    }
    add(buf, cap, "; %ld examples", c->examples);
    if (c->dropped) add(buf, cap, " + %ld dropped (read.drop_labels)", c->dropped);
    long accounted = c->skipped + c->header + c->blank + c->records + c->continuation;
    if (c->lines >= 0 && accounted != c->lines) {
        add(buf, cap, "; MISMATCH: %ld lines, but the reader accounts for %ld", c->lines, accounted);
        ok = 0;
    }
    if (c->examples + c->dropped != c->records) {
        add(buf, cap, "; MISMATCH: %ld records, but %ld examples + %ld dropped", c->records, c->examples, c->dropped);
        ok = 0;
    }
    if (c->continuation && !t->multiline) {
        add(buf, cap, "; MISMATCH: records span lines but the task does not declare read.multiline: true");
        ok = 0;
    }
    return ok ? 0 : -1;
}
