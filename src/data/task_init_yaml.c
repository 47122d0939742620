// task_init_yaml.c — the starter task.yaml: rendering what detection found
// (task_init.c) with a comment on every field, and writing it without ever
// overwriting a task.yaml.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/sha256.h"
#include "data/grow.h"
#include "data/rawfile.h"
#include "data/task_init.h"
#include "text/utf8.h"

typedef struct sb {
    char *p;
    size_t n, cap;
    int oom;          // an allocation failed
    const char *bad;  // a string that is not UTF-8 (task.yaml cannot hold it)
} sb;

static void sb_put(sb *b, const char *s, size_t n) {
    if (b->oom || sc_grow((void **)&b->p, &b->cap, sc_grow_need(b->n, n + 1), 1, 1024)) {
        b->oom = 1;
        return;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_puts(sb *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_printf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sb *b, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0) sb_put(b, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

// A plain YAML scalar is only written when nothing in it could be read as syntax.
static int plain_ok(const char *s) {
    static const char *const words[] = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", NULL};
    if (!*s || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/", *s)) return 0;
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/", *p)) return 0;
    for (int i = 0; words[i]; i++)
        if (!strcasecmp(s, words[i])) return 0;
    return 1;
}

// UTF-8 text s as a YAML scalar: plain, or double-quoted with every character
// YAML does not allow raw (controls, C1, BOM, line separators) escaped.
static void put_scalar(sb *b, const char *s) {
    size_t off;
    if (!sc_utf8_valid(s, strlen(s), &off)) {  // the decoder below relies on valid UTF-8
        b->bad = s;
        return;
    }
    if (plain_ok(s)) {
        sb_puts(b, s);
        return;
    }
    sb_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned cp = *p;
        int n = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
        if (n == 2) cp = ((cp & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        if (n == 3) cp = ((cp & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        if (cp == '"' || cp == '\\') sb_printf(b, "\\%c", (char)cp);
        else if (cp == '\n') sb_puts(b, "\\n");
        else if (cp == '\t') sb_puts(b, "\\t");
        else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0xFEFF || cp == 0x2028 ||
                 cp == 0x2029 || cp == 0xFFFE || cp == 0xFFFF)
            sb_printf(b, "\\u%04X", cp);
        else sb_put(b, (const char *)p, (size_t)n);
        p += n;
    }
    sb_puts(b, "\"");
}

// Raw bytes of the data (Latin-1 when the guess says so) as a quoted scalar.
static void put_data(sb *b, const sc_init_guess *g, const char *raw) {
    if (g->encoding != SC_ENC_LATIN1 || g->format == SC_FMT_JSONL) {
        put_scalar(b, raw);
        return;
    }
    size_t n = strlen(raw);
    char *u = malloc(2 * n + 1);
    if (!u) {
        b->oom = 1;
        return;
    }
    u[sc_latin1_to_utf8(raw, n, u)] = '\0';
    put_scalar(b, u);
    free(u);
}

// Free text in a comment: one line of characters YAML allows raw (others as '?').
static void put_comment_text(sb *b, const char *s) {
    size_t bad, n = strlen(s);
    int valid = sc_utf8_valid(s, n, &bad);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t k = !valid || *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        int ok = *p >= 0x20 && *p != 0x7F && (*p < 0x80 || valid);
        if (k == 2 && p[0] == 0xC2 && p[1] < 0xA0) ok = 0;                   // C1 controls
        if (k == 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) ok = 0;  // a byte-order mark
        if (k == 3 && p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE) ok = 0;  // U+FFFE, U+FFFF
        if (ok) sb_put(b, (const char *)p, k);
        else sb_puts(b, "?");
        p += k;
    }
}

// "<lhs>   # comment\n" with the comments aligned where the key/value allows.
static void line(sb *b, sb *lhs, const char *comment) {
    sb_puts(b, lhs->p ? lhs->p : "");
    if (comment) {
        for (size_t w = lhs->n; w < 34; w++) sb_puts(b, " ");
        sb_puts(b, "  # ");
        sb_puts(b, comment);
    }
    sb_puts(b, "\n");
    if (lhs->oom) b->oom = 1;
    if (lhs->bad) b->bad = lhs->bad;
    lhs->n = 0;
    if (lhs->p) lhs->p[0] = '\0';
}

static const char *format_name(sc_format f) {
    return f == SC_FMT_TSV ? "tsv" : f == SC_FMT_CSV ? "csv" : f == SC_FMT_JSONL ? "jsonl" : "lines";
}

// A column as the comments name it: its header name, or its number.
static void put_col(sb *b, const sc_init_guess *g, int k) {
    sb_puts(b, g->format == SC_FMT_JSONL ? "field " : "column ");
    if (g->cols && g->format == SC_FMT_JSONL) put_scalar(b, g->cols[k]);
    else if (g->cols) put_data(b, g, g->cols[k]);
    else sb_printf(b, "%d", k);
}

// The parser's message on why the default quoting failed, without its advice (the field below is that advice).
static void put_why(sb *b, const char *msg) {
    static const char *const advice[] = {"; line breaks", " (if '\"'", " (it opens", NULL};
    const char *cut = NULL;
    for (int i = 0; advice[i]; i++) {
        const char *a = strstr(msg, advice[i]);
        if (a && (!cut || a < cut)) cut = a;
    }
    char buf[400];
    snprintf(buf, sizeof buf, "%.*s", cut ? (int)(cut - msg) : (int)strlen(msg), msg);
    put_comment_text(b, buf);
}

static void render_head(sb *b, const sc_init_guess *g, const char *name) {
    sb_puts(b, "# task.yaml for ");
    put_comment_text(b, name);
    sb_puts(b, ", written by `scaffold init-task` from ");
    for (size_t i = 0; i < g->n_files; i++) {
        sb_puts(b, i ? ", " : "");
        put_comment_text(b, g->file_names[i]);
    }
    sb_puts(b, ".\n# Every setting was detected from the data; the comments say what was found. Check them,\n"
               "# edit what is wrong, then (by NAME from the repository, else by this folder's path):\n"
               "#   scaffold tasks fetch NAME   # a verified copy of the data into the data cache\n"
               "#   scaffold tasks check NAME   # examples per split and class, token lengths, vocabulary\n"
               "# The format: the comment atop src/data/task.h; tasks/README.md walks through it.\n");
    sb lhs = {0};
    sb_puts(&lhs, "name: ");
    put_scalar(&lhs, name);
    line(b, &lhs, "must equal the folder name");
    sb_puts(&lhs, "description: ");
    char d[600];
    if (g->format == SC_FMT_LINES)
        snprintf(d, sizeof d, "%zu files of lines, one per class: %ld examples (scaffold init-task)", g->n_files,
                 g->examples);
    else if (g->n_files > 1)
        snprintf(d, sizeof d, "%zu %s files: %ld examples, %zu classes (scaffold init-task)", g->n_files,
                 format_name(g->format), g->examples, g->n_classes);
    else snprintf(d, sizeof d, "%s: %ld examples, %zu classes (scaffold init-task)", g->file_names[0], g->examples,
                  g->n_classes);
    put_scalar(&lhs, d);
    line(b, &lhs, "free text, shown by `scaffold tasks check`");
    sb_puts(&lhs, "modality: text");
    line(b, &lhs, "text | image | tabular (init-task writes text tasks)");
    free(lhs.p);
}

static void render_labels(sb *b, const sc_init_guess *g) {
    sb lhs = {0};
    sb_puts(b, "labels:\n");
    sb_puts(&lhs, "  kind: classification");
    line(b, &lhs, "classification | regression");
    sb_puts(b, "  # examples per class");
    if (g->format == SC_FMT_LINES) sb_puts(b, " (one class per file, named after it)");
    else {
        sb_puts(b, " in ");
        put_col(b, g, g->label);
    }
    size_t start = b->n;
    for (size_t c = 0; c < g->n_classes; c++) {
        if (c && b->n - start > 90) {  // wrap long lists
            sb_puts(b, ",\n  #  ");
            start = b->n;
        } else if (c) {
            sb_puts(b, ", ");
        }
        if (!c) sb_puts(b, ": ");
        put_scalar(b, g->classes[c]);
        sb_printf(b, " %zu", g->counts[c]);
        if (g->format == SC_FMT_LINES) {
            sb_puts(b, " (");
            put_comment_text(b, g->file_names[g->class_file[c]]);
            sb_puts(b, ")");
        }
    }
    sb_puts(b, "\n");
    sb_puts(&lhs, "  classes: [");
    for (size_t c = 0; c < g->n_classes; c++) {
        sb_puts(&lhs, c ? ", " : "");
        put_scalar(&lhs, g->classes[c]);
    }
    sb_puts(&lhs, "]");
    line(b, &lhs, "every label in the data must be one of these; order = class index");
    free(lhs.p);
}

static void render_source(sb *b, const sc_init_guess *g, const char *src_dir) {
    sb lhs = {0};
    sb_puts(b, "source:\n");
    sb_puts(&lhs, "  kind: local");
    line(b, &lhs, "files in a folder; `scaffold tasks fetch` copies them, verified, into the data cache");
    sb_puts(&lhs, "  path: ");
    put_scalar(&lhs, src_dir);
    line(b, &lhs, "the folder holding the data (absolute; $ROOT/... is under the repository)");
    sb_puts(&lhs, "  files:");
    line(b, &lhs, "each file's sha256, checked by fetch and by every load");
    for (size_t i = 0; i < g->n_files; i++) {
        sb_puts(b, "    - {name: ");
        put_scalar(b, g->file_names[i]);
        sb_printf(b, ", sha256: %s}\n", g->file_sha[i]);
    }
    free(lhs.p);
}

// How the bytes were read: encoding, line ends, and for tables header and quoting.
static void render_encoding(sb *b, sb *lhs, const sc_init_guess *g) {
    char why[300];
    if (g->format == SC_FMT_JSONL) {
        sb_puts(b, "  # encoding: JSON lines are always UTF-8 (checked)\n");
    } else {
        if (g->encoding == SC_ENC_UTF8)
            snprintf(why, sizeof why, "detected: every byte sequence %sis valid UTF-8 (utf-8 | latin-1)",
                     g->n_files > 1 ? "of every file " : "");
        else
            snprintf(why, sizeof why, "detected: %s line %ld is not valid UTF-8, so each byte is one Latin-1 "
                     "character", g->file_names[g->bad_utf8_file], g->bad_utf8_line);
        sb_puts(lhs, g->encoding == SC_ENC_UTF8 ? "  encoding: utf-8" : "  encoding: latin-1");
        sb lt = {0};
        put_comment_text(&lt, why);
        // One encoding reads every file: say why Latin-1 is right for the UTF-8 ones (task_init.h).
        size_t k = 0;
        for (size_t i = 0; g->encoding == SC_ENC_LATIN1 && i < g->n_files; i++) {
            if (g->file_enc[i] != SC_INIT_ASCII) continue;
            if (k < 8) {
                sb_puts(&lt, k ? ", " : "; the encoding is one for the task: ");
                put_comment_text(&lt, g->file_names[i]);
            } else if (k == 8) {
                sb_puts(&lt, ", ...");
            }
            k++;
        }
        if (k) sb_puts(&lt, k > 1 ? " are plain ASCII, the same in both" : " is plain ASCII, the same in both");
        line(b, lhs, lt.p);
        free(lt.p);
    }
    if (g->crlf && g->n_files == 1)
        sb_printf(b, "  # line ends: %ld of %ld lines end in \\r\\n (CRLF, e.g. from Windows); the reader accepts both\n",
                  g->crlf, g->lines);
    for (size_t i = 0; g->crlf && g->n_files > 1 && i < g->n_files; i++) {
        if (!g->file_crlf[i]) continue;
        sb_puts(b, "  # line ends: ");
        put_comment_text(b, g->file_names[i]);
        sb_printf(b, ": %ld of %ld lines end in \\r\\n (CRLF, e.g. from Windows); the reader accepts both\n",
                  g->file_crlf[i], g->file_lines[i]);
    }
}

static void render_table_read(sb *b, sb *lhs, const sc_init_guess *g) {
    char c[700];
    if (!g->header) {
        sb_puts(lhs, "  header: false");
        line(b, lhs, "detected: the first record is data (its values occur again below); columns are numbered from 0");
    } else if (g->skip_lines) {
        sb_puts(lhs, "  header: false");
        snprintf(c, sizeof c, "detected: a header, but %s: so it is skipped and columns are numbered from 0",
                 g->skip_why);
        line(b, lhs, c);
        sb_printf(lhs, "  skip_lines: %ld", g->skip_lines);
        line(b, lhs, "the header's lines, dropped before reading");
    } else {
        sb_puts(lhs, "  header: true");
        line(b, lhs, "detected: the first record names the columns (its values occur nowhere below)");
    }
    if (!g->quote) {
        sb_puts(lhs, "  quote: none");
        sb lt = {0};
        put_why(&lt, g->quote_why);
        snprintf(c, sizeof c, "'\"' is ordinary text in %s; with quoting on: %s",
                 g->n_files > 1 ? "these files" : "this file", lt.p ? lt.p : "");
        free(lt.p);
        line(b, lhs, c);
    } else if (g->multiline) {
        sb_puts(lhs, "  multiline: true");
        sb lt = {0};
        put_why(&lt, g->quote_why);
        snprintf(c, sizeof c, "quoted fields hold line breaks; read one line per record: %s", lt.p ? lt.p : "");
        free(lt.p);
        line(b, lhs, c);
    } else {
        sb_puts(b, "  # quote: '\"' (the default): a field that starts with '\"' is quoted, RFC 4180 style\n");
    }
}

// read.files: one entry per file, each with its source as a per-file column.
static void render_files(sb *b, sb *lhs, const sc_init_guess *g) {
    char c[300];
    sb_puts(lhs, "  files:");
    snprintf(c, sizeof c, "read in this order; `%s` is a per-file column: every row gets its file's value",
             g->source_col);
    sb lt = {0};
    put_comment_text(&lt, c);
    line(b, lhs, lt.p);
    free(lt.p);
    for (size_t i = 0; i < g->n_files; i++) {
        sb_puts(lhs, "    - {name: ");
        put_scalar(lhs, g->file_names[i]);
        sb_puts(lhs, ", ");
        put_scalar(lhs, g->source_col);
        sb_puts(lhs, ": ");
        put_scalar(lhs, g->file_source[i]);
        sb_puts(lhs, "}");
        snprintf(c, sizeof c, "%ld examples", g->file_examples[i]);
        line(b, lhs, c);
    }
}

static void render_read(sb *b, const sc_init_guess *g) {
    sb lhs = {0};
    char c[300];
    sb_puts(b, "read:\n");
    sb_printf(&lhs, "  format: %s", format_name(g->format));
    if (g->format == SC_FMT_LINES)
        snprintf(c, sizeof c, "one example per non-blank line, one file per class (lines | csv | tsv | jsonl)");
    else if (g->format == SC_FMT_JSONL)
        snprintf(c, sizeof c, "detected: every non-blank line is a JSON object (%ld objects, %zu keys)", g->records,
                 g->ncols);
    else
        snprintf(c, sizeof c, "detected: every record%s has %zu %s-separated fields (%ld records)",
                 g->n_files > 1 ? " of every file" : "", g->ncols, g->format == SC_FMT_TSV ? "tab" : "comma",
                 g->records + g->header * (long)g->n_files);
    line(b, &lhs, c);
    if (g->source_col) render_files(b, &lhs, g);
    else if (g->format != SC_FMT_LINES) {
        sb_puts(&lhs, "  file: ");
        put_scalar(&lhs, g->file_names[0]);
        line(b, &lhs, NULL);
    }
    render_encoding(b, &lhs, g);
    if (g->format == SC_FMT_LINES) {
        sb_puts(&lhs, "  class_files: {");
        for (size_t i = 0; i < g->n_classes; i++) {
            sb_puts(&lhs, i ? ", " : "");
            put_scalar(&lhs, g->classes[i]);
            sb_puts(&lhs, ": ");
            put_scalar(&lhs, g->file_names[g->class_file[i]]);
        }
        sb_puts(&lhs, "}");
        line(b, &lhs, "class: its file");
        free(lhs.p);
        return;
    }
    if (g->format != SC_FMT_JSONL) render_table_read(b, &lhs, g);
    const char *key = g->format == SC_FMT_JSONL ? "field" : "column";
    for (int role = 0; role < 2; role++) {
        int k = role ? g->label : g->text;
        sb_printf(&lhs, "  %s_%s: ", role ? "label" : "text", key);
        if (g->cols && !g->skip_lines) put_scalar(&lhs, g->cols[k]);
        else sb_printf(&lhs, "%d", k);
        if (role) snprintf(c, sizeof c, "detected: few distinct values (%zu)", g->label_distinct);
        else snprintf(c, sizeof c, "detected: the longest values (mean %.1f bytes)", g->text_mean);
        line(b, &lhs, c);
    }
    if (g->dropped) {
        sb_puts(&lhs, "  drop_labels: [\"\"]");
        snprintf(c, sizeof c, "%ld records have an empty label: they are skipped", g->dropped);
        line(b, &lhs, c);
    }
    if (g->source_col) {
        sb_puts(&lhs, "  # partition_column: ");
        put_scalar(&lhs, g->source_col);
        line(b, &lhs, "uncomment to split by source (then a rule per source under splits)");
    }
    free(lhs.p);
}

// Splits by source, commented out: uncommented (with read.partition_column) they
// test on the first file's source, which no model then trains on.
static void render_by_source(sb *b, const sc_init_guess *g) {
    sb_puts(b, "  # To split by source instead (e.g. test on data from a source no model trained on):\n"
               "  # uncomment read.partition_column, and replace `all` with one rule per source:\n");
    for (size_t i = 0; i < g->n_files; i++) {
        sb_puts(b, "    # ");
        put_scalar(b, g->file_source[i]);
        sb_puts(b, i ? ": {teacher-train: 0.6, teacher-valid: 0.1, student-pool: 0.2, student-valid: 0.1}\n"
                     : ": {test: 1.0}\n");
    }
}

static void render_tail(sb *b, const sc_init_guess *g) {
    sb lhs = {0};
    char c[300];
    sb_puts(b, "splits:\n");
    sb_puts(&lhs, "  seed: 1");
    line(b, &lhs, "the shuffle; another seed gives other splits");
    sb_puts(&lhs, "  partitions:");
    snprintf(c, sizeof c, "the data has one partition, 'all', cut into the five splits (%ld examples)", g->examples);
    line(b, &lhs, c);
    sb_puts(b, "    all: {teacher-train: 0.5, teacher-valid: 0.1, student-pool: 0.2, student-valid: 0.1, test: 0.1}\n");
    if (g->source_col) render_by_source(b, g);
    sb_puts(b, "input:\n");
    sb_printf(&lhs, "  max_tokens: %ld", g->max_tokens);
    snprintf(c, sizeof c, "[CLS] + up to %ld tokens; the texts have median %ld, p95 %ld, max %ld tokens",
             g->max_tokens - 1, g->tok_median, g->tok_p95, g->tok_max);
    line(b, &lhs, c);
    sb_puts(&lhs, "  min_freq: 1");
    line(b, &lhs, "the vocabulary: words seen at least this often in teacher-train");
    sb_puts(&lhs, "  max_vocab: 30000");
    line(b, &lhs, "at most this many ids, special tokens included");
    free(lhs.p);
}

int sc_init_render(const sc_init_guess *g, const char *name, const char *src_dir, char **yaml, size_t *len,
                   sc_err *err) {
    sb b = {0};
    *yaml = NULL;
    render_head(&b, g, name);
    render_labels(&b, g);
    render_source(&b, g, src_dir);
    render_read(&b, g);
    render_tail(&b, g);
    if (b.oom || b.bad) {
        int oom = b.oom;
        free(b.p);
        if (oom) return sc_errf(err, "out of memory");
        return sc_errf(err, "'%s' (a file name, folder or task name) is not valid UTF-8, which task.yaml must be: "
                       "rename it", b.bad);
    }
    *yaml = b.p;
    *len = b.n;
    return 0;
}

int sc_init_check_name(const char *name, sc_err *err) {
    int ok = name[0] && name[0] != '.' && name[0] != '-' && strlen(name) < 200;
    for (const char *p = name; *p && ok; p++)
        ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p) != NULL;
    if (ok) return 0;
    return sc_errf(err, "task name '%s': use letters, digits, '.', '_' and '-' (not first: '.' or '-'); it names "
                   "the task's folder and its data cache folder", name);
}

// Reads every --from file (decompressed as the reader will), its sha256 as
// stored, and the one absolute folder they share.
static int read_inputs(const char *const *from, size_t n, sc_init_file *f, char **bufs, char (*sha)[65],
                       char *src_dir, size_t cap, sc_err *err) {
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(from[i], &st)) return sc_errf(err, "%s: cannot read the data file: %s", from[i], strerror(errno));
        if (!S_ISREG(st.st_mode)) return sc_errf(err, "%s: not a regular file (--from takes a data file)", from[i]);
        const char *slash = strrchr(from[i], '/');
        char dir[PATH_MAX], abs[PATH_MAX];
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - from[i]) : 1, slash ? from[i] : ".");
        if (!dir[0]) snprintf(dir, sizeof dir, "/");
        if (!realpath(dir, abs)) return sc_errf(err, "%s: cannot resolve its folder: %s", from[i], strerror(errno));
        if (i && strcmp(abs, src_dir))
            return sc_errf(err, "%s is in the folder %s, but %s is in %s: a task reads its files from one folder "
                           "(source.path); put the files together", from[i], abs, from[0], src_dir);
        snprintf(src_dir, cap, "%s", abs);
        f[i].name = slash ? slash + 1 : from[i];
        if (sc_read_file(from[i], &bufs[i], &f[i].len, err) || sc_sha256_file(from[i], sha[i], err)) return -1;
        f[i].data = bufs[i];
        f[i].sha256 = sha[i];
        if (!f[i].len) return sc_errf(err, "%s: empty file (nothing to detect a task from)", from[i]);
    }
    return 0;
}

// Creates path with the text, failing if it exists (O_EXCL: no race with another writer).
static int write_new(const char *path, const char *text, size_t len, sc_err *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0 && errno == EEXIST)
        return sc_errf(err, "%s already exists: init-task never overwrites a task.yaml (edit it, remove it, or "
                       "choose another NAME or --out)", path);
    if (fd < 0) return sc_errf(err, "%s: cannot create: %s", path, strerror(errno));
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(path);
            return sc_errf(err, "%s: write failed: %s", path, strerror(e));
        }
        off += (size_t)w;
    }
    if (fsync(fd) || close(fd)) {
        int e = errno;
        unlink(path);
        return sc_errf(err, "%s: write failed: %s", path, strerror(e));
    }
    return 0;
}

int sc_init_task(const char *name, const char *const *from, size_t n_from, const char *out_dir, char *path_out,
                 size_t cap, sc_init_guess *g, sc_err *err) {
    memset(g, 0, sizeof *g);
    if (sc_init_check_name(name, err)) return -1;
    if (!n_from) return sc_errf(err, "no data file (--from FILE)");
    char dir[4096], yaml_path[4200];
    snprintf(dir, sizeof dir, "%s/%s", out_dir, name);
    snprintf(yaml_path, sizeof yaml_path, "%s/task.yaml", dir);
    struct stat st;
    if (!stat(yaml_path, &st))  // before reading any data: the answer will not change
        return sc_errf(err, "%s already exists: init-task never overwrites a task.yaml (edit it, remove it, or "
                       "choose another NAME or --out)", yaml_path);
    sc_init_file *f = calloc(n_from, sizeof *f);
    char **bufs = calloc(n_from, sizeof *bufs), (*sha)[65] = calloc(n_from, sizeof *sha), src_dir[PATH_MAX] = "";
    char *yaml = NULL;
    size_t len = 0;
    sc_task *t = NULL;
    int rc = -1;
    if (!f || !bufs || !sha) {
        sc_errf(err, "out of memory");
        goto out;
    }
    if (read_inputs(from, n_from, f, bufs, sha, src_dir, sizeof src_dir, err) || sc_init_detect(f, n_from, g, err) ||
        sc_init_render(g, name, src_dir, &yaml, &len, err))
        goto out;
    // What is written must load: a detection that the parser rejects is a bug here, not the user's problem.
    if (sc_task_parse(dir, yaml_path, yaml, len, sc_task_root(), &t, err)) {
        sc_err_prefix(err, "init-task produced a task.yaml that does not load (a bug: please report it with the "
                      "data file's first lines)");
        goto out;
    }
    if (sc_mkdirs(dir, err) || write_new(yaml_path, yaml, len, err)) goto out;
    snprintf(path_out, cap, "%s", yaml_path);
    rc = 0;
out:
    sc_task_free(t);
    free(yaml);
    for (size_t i = 0; bufs && i < n_from; i++) free(bufs[i]);
    free(bufs);
    free(sha);
    free(f);
    return rc;
}
