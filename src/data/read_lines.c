// The lines reader: one example per line, one file per class.
#include <stdlib.h>
#include <string.h>

#include "data/rawfile.h"
#include "data/reader.h"

int sc_read_lines(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err) {
    for (size_t c = 0; c < t->n_classes; c++) {
        char path[4096];
        sc_reader_path(path, sizeof path, dir, t->class_files[c]);
        char *buf;
        size_t len;
        if (sc_read_file(path, &buf, &len, err)) return -1;
        int rc = sc_read_lines_buf(t, c, path, buf, len, d, err);
        free(buf);
        if (rc) return -1;
    }
    return 0;
}

int sc_read_lines_buf(const sc_task *t, size_t cls, const char *path, const char *buf, size_t len, sc_dataset *d,
                      sc_err *err) {
    int part = sc_reader_single_partition(t, err);
    if (part < 0) return -1;
    sc_text_scratch s = {0};
    int rc = 0;
    sc_read_count cnt;  // lines = blank + records, for `tasks check`
    sc_reader_count_init(&cnt, t->class_files[cls], buf, len);
    long line = 1;
    for (const char *p = buf, *end = buf + len; p < end && !rc; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        size_t n = (size_t)(e - p);
        if (n && p[n - 1] == '\r') n--;
        size_t lead = 0;
        while (lead < n && (p[lead] == ' ' || p[lead] == '\t')) lead++;
        if (lead < n) {  // blank lines separate nothing and are skipped
            rc = sc_reader_add_text(t, d, &s, part, (int32_t)cls, (float)cls, p, n, NULL, 0, path, line, err);
            cnt.records++;
            cnt.examples += !rc;
        } else {
            cnt.blank++;
        }
        p = nl ? nl + 1 : end;
    }
    if (!rc) rc = sc_dataset_add_count(d, &cnt, err);
    free(s.buf);
    return rc;
}
