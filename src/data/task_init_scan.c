// task_init_scan.c — init-task's look at each input file as bytes (the rules:
// task_init.h): line statistics, encodings and the task-wide one, and the
// source name of each file.
#include "data/task_init_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/task_init_impl.h"
#include "text/utf8.h"

// The 1-based line holding byte `off`.
static long line_of(const char *data, size_t off) {
    long n = 1;
    for (const char *p = data; (p = memchr(p, '\n', (size_t)(data + off - p))); p++) n++;
    return n;
}

// Line statistics and the encoding of file i; refuses empty and binary files.
static int scan_file(const sc_init_file *f, size_t i, sc_init_guess *g, sc_err *err) {
    const char *z = memchr(f->data, '\0', f->len);
    if (z) return sc_errf(err, "%s line %ld: NUL byte: not a text file", f->name, line_of(f->data, (size_t)(z - f->data)));
    size_t blank_only = 0;
    while (blank_only < f->len && strchr(" \t\r\n", f->data[blank_only])) blank_only++;
    if (blank_only == f->len) return sc_errf(err, "%s: empty file (nothing to detect a task from)", f->name);
    g->file_lines[i] = sc_count_lines(f->data, f->len);
    for (const char *p = f->data, *end = p + f->len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
        g->file_crlf[i] += nl && nl > p && nl[-1] == '\r';
        const char *q = p;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
        g->blank += q == e;
        p = nl ? nl + 1 : end;
    }
    g->lines += g->file_lines[i];
    g->crlf += g->file_crlf[i];
    size_t bad;
    if (!sc_utf8_valid(f->data, f->len, &bad)) {
        g->file_enc[i] = SC_INIT_NOT_UTF8;
        g->file_enc_line[i] = line_of(f->data, bad);
        return 0;
    }
    for (size_t k = 0; k < f->len; k++)
        if ((unsigned char)f->data[k] >= 0x80) {
            g->file_enc[i] = SC_INIT_UTF8;
            g->file_enc_line[i] = line_of(f->data, k);
            break;
        }
    return 0;
}

// "dir/forum.tsv" -> "forum-utf8.tsv": a name for the recoded copy the error suggests.
static void recoded_name(const char *name, char *out, size_t cap) {
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name) snprintf(out, cap, "%s-utf8", name);
    else snprintf(out, cap, "%.*s-utf8%s", (int)(dot - name), name, dot);
}

// read.encoding is task-wide: every reader decodes every file with it. Latin-1
// is only right when the files that are valid UTF-8 are plain ASCII (the same
// bytes in both encodings); otherwise one of the files would be misread.
static int task_encoding(const sc_init_file *f, size_t n, sc_init_guess *g, sc_err *err) {
    size_t latin = n, utf8 = n;
    for (size_t i = n; i-- > 0;) {
        if (g->file_enc[i] == SC_INIT_NOT_UTF8) latin = i;
        if (g->file_enc[i] == SC_INIT_UTF8) utf8 = i;
    }
    g->encoding = latin < n ? SC_ENC_LATIN1 : SC_ENC_UTF8;
    if (latin == n) return 0;
    g->bad_utf8_file = latin;
    g->bad_utf8_line = g->file_enc_line[latin];
    if (utf8 == n) return 0;
    char fixed[300];
    recoded_name(f[latin].name, fixed, sizeof fixed);
    return sc_errf(err, "%s line %ld is not valid UTF-8 (Latin-1, or another 8-bit encoding), but %s is UTF-8 with "
                   "non-ASCII characters (line %ld): read.encoding is one for the whole task, and neither reads "
                   "both (latin-1 would garble the UTF-8 characters of %s, utf-8 refuses the bytes of %s); recode "
                   "%s to UTF-8 (iconv -f latin1 -t utf-8 %s > %s) and give that file instead", f[latin].name,
                   g->bad_utf8_line, f[utf8].name, g->file_enc_line[utf8], f[utf8].name, f[latin].name,
                   f[latin].name, f[latin].name, fixed);
}

int sc_init_scan(const sc_init_file *files, size_t n, sc_init_guess *g, sc_err *err) {
    g->n_files = n;
    if (!(g->file_names = calloc(n + 1, sizeof *g->file_names)) || !(g->file_sha = calloc(n + 1, sizeof *g->file_sha)) ||
        !(g->file_lines = calloc(n + 1, sizeof *g->file_lines)) || !(g->file_crlf = calloc(n + 1, sizeof *g->file_crlf)) ||
        !(g->file_examples = calloc(n + 1, sizeof *g->file_examples)) ||
        !(g->file_enc = calloc(n + 1, sizeof *g->file_enc)) ||
        !(g->file_enc_line = calloc(n + 1, sizeof *g->file_enc_line)))
        return sc_init_oom(err);
    for (size_t i = 0; i < n; i++) {
        if (!(g->file_names[i] = strdup(files[i].name)) ||
            !(g->file_sha[i] = strdup(files[i].sha256 ? files[i].sha256 : "")))
            return sc_init_oom(err);
        for (size_t j = 0; j < i; j++)  // one folder: the same name is the same file
            if (!strcmp(files[j].name, files[i].name))
                return sc_errf(err, "%s: given twice (--from): its examples would be read twice", files[i].name);
        if (scan_file(&files[i], i, g, err)) return -1;
    }
    return task_encoding(files, n, g, err);
}

// The file's stem: without a .gz/.bz2 suffix and then its last extension.
static char *stem(const char *name) {
    size_t len = strlen(name);
    if (len > 3 && !strcmp(name + len - 3, ".gz")) len -= 3;
    else if (len > 4 && !strcmp(name + len - 4, ".bz2")) len -= 4;
    for (size_t k = len; k-- > 1;)
        if (name[k] == '.') {
            len = k;
            break;
        }
    return strndup(name, len);
}

int sc_init_name_sources(sc_init_guess *g, sc_init_taken_fn taken, void *ctx, sc_err *err) {
    char name[32] = "source";
    for (int k = 1; taken(ctx, name); k++) {
        if (k == 1) snprintf(name, sizeof name, "source_file");
        else snprintf(name, sizeof name, "source_%d", k);
    }
    if (!(g->source_col = strdup(name)) || !(g->file_source = calloc(g->n_files + 1, sizeof *g->file_source)))
        return sc_init_oom(err);
    int whole = 0;
    for (size_t i = 0; i < g->n_files; i++) {
        if (!(g->file_source[i] = stem(g->file_names[i]))) return sc_init_oom(err);
        for (size_t j = 0; j < i; j++) whole |= !strcmp(g->file_source[i], g->file_source[j]);
    }
    for (size_t i = 0; whole && i < g->n_files; i++) {  // a.tsv and a.csv.gz: the stems would not tell them apart
        free(g->file_source[i]);
        if (!(g->file_source[i] = strdup(g->file_names[i]))) return sc_init_oom(err);
    }
    return 0;
}
