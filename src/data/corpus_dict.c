// Plain English out of dictionaries: GCIDE (dictd format) and WordNet glosses.
//
// GCIDE as Debian ships it (dict-gcide): gcide.index lines "HEADWORD\tOFFSET\tLENGTH"
// with the numbers in dictd's base64 (digits A-Z a-z 0-9 + /, most significant
// first) locate each entry in the decompressed gcide.dict.dz. An entry is a
// headword line at column 0 ("Abandon \A*ban"don\, v. t. [OF. abandoner ...]"), the
// etymology in brackets possibly continuing on indented lines, then paragraphs
// separated by blank lines or source marks ("[1913 Webster]"): numbered senses,
// "Syn:" lists, "Usage:"/"Note:" prose, and quotations ending "--Author.".
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/corpus_parse.h"
#include "data/grow.h"

typedef struct range {
    size_t off, len;
    long line;  // index line, for messages
} range;

static int b64(char ch) {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

// One base64 number of s[0..n); -1 if empty, malformed or beyond 2^40.
static int64_t b64num(const char *s, size_t n) {
    if (!n || n > 7) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = b64(s[i]);
        if (d < 0) return -1;
        v = v * 64 + d;
    }
    return v;
}

static int cmp_range(const void *a, const void *b) {
    const range *x = a, *y = b;
    return x->off != y->off ? (x->off < y->off ? -1 : 1) : x->len != y->len ? (x->len < y->len ? -1 : 1) : 0;
}

// The index -> entry ranges sorted by offset, each once (several headwords share an
// entry); the 00-database-* entries (dictd's metadata) are left out.
static int parse_index(const char *name, const char *buf, size_t len, size_t dict_len, range **out, size_t *n,
                       sc_err *err) {
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    long line = 0;
    for (const char *p = buf, *end = buf + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        const char *t1 = memchr(p, '\t', (size_t)(le - p));
        const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(le - t1 - 1)) : NULL;
        int64_t off = t2 ? b64num(t1 + 1, (size_t)(t2 - t1 - 1)) : -1;
        int64_t l = t2 ? b64num(t2 + 1, (size_t)(le - t2 - 1)) : -1;
        if (le > p && (off < 0 || l < 0 || t1 == p))
            return sc_errf(err, "%s line %ld: expected HEADWORD<tab>OFFSET<tab>LENGTH (dictd base64)", name, line);
        if (le > p && (uint64_t)off + (uint64_t)l > dict_len)
            return sc_errf(err, "%s line %ld: the entry points past the end of the dictionary (%zu bytes): a "
                           "truncated .dict.dz or a wrong index", name, line, dict_len);
        if (le > p && strncmp(p, "00-database", 11) && strncmp(p, "00database", 10)) {
            if (sc_grow((void **)out, &cap, *n + 1, sizeof **out, 1024)) return sc_errf(err, "out of memory");
            (*out)[(*n)++] = (range){(size_t)off, (size_t)l, line};
        }
        p = nl ? nl + 1 : end;
    }
    if (*n) qsort(*out, *n, sizeof **out, cmp_range);
    size_t w = 0;  // drop repeats and entries overlapping the one before
    for (size_t i = 0; i < *n; i++)
        if (!w || (*out)[i].off >= (*out)[w - 1].off + (*out)[w - 1].len) (*out)[w++] = (*out)[i];
    *n = w;
    return 0;
}

// [x] markup: an accent on one letter ([e'], [a^], [=o], [.a]) stands for the letter; a
// label ([Obs.], [R.], [1913 Webster]) or an etymology is dropped. 0 keeps nothing.
static char bracket_letter(const char *s, size_t n) {
    if (n > 3) return 0;
    char letter = 0;
    int letters = 0, dot = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) { letter = ch; letters++; }
        dot |= ch == '.';
    }
    if (letters != 1 || (letter >= 'A' && letter <= 'Z' && dot)) return 0;
    return letter;
}

// One paragraph's text (lines joined) -> plain text in out (cap >= n + 1): markup
// removed, white space collapsed. Returns the length (0: nothing to keep).
static size_t clean(const char *s, size_t n, char *out) {
    size_t k = 0;
    int depth = 0;  // inside [...] that is dropped
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '[') {
            const char *close = memchr(s + i + 1, ']', n - i - 1);
            char letter = close ? bracket_letter(s + i + 1, (size_t)(close - s - i - 1)) : 0;
            if (letter) { out[k++] = letter; i = (size_t)(close - s); continue; }
            depth++;
            continue;
        }
        if (ch == ']') { if (depth) depth--; continue; }
        if (depth || ch == '{' || ch == '}' || ch == '\\') continue;
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            if (k && out[k - 1] != ' ') out[k++] = ' ';
            continue;
        }
        out[k++] = ch;
    }
    while (k && out[k - 1] == ' ') k--;
    out[k] = '\0';
    // A quotation's attribution: the last "--Name" (a dash glued to a capital).
    for (size_t i = k; i-- > 1;)
        if (out[i - 1] == '-' && i >= 2 && out[i - 2] == '-' && i < k && out[i] >= 'A' && out[i] <= 'Z' && k - i < 80 &&
            (i == 2 || out[i - 3] == ' ')) {
            k = i - 2;
            break;
        }
    while (k && out[k - 1] == ' ') k--;
    out[k] = '\0';
    // Sense numbers and letters that open a paragraph: "2. ", "(a) ", "1. (b) ".
    size_t st = 0;
    for (int again = 1; again;) {
        again = 0;
        size_t j = st;
        while (j < k && out[j] >= '0' && out[j] <= '9') j++;
        if (j > st && j + 1 < k && out[j] == '.' && out[j + 1] == ' ') { st = j + 2; again = 1; continue; }
        if (st + 3 < k && out[st] == '(' && out[st + 1] >= 'a' && out[st + 1] <= 'z' && out[st + 2] == ')' &&
            out[st + 3] == ' ') { st += 4; again = 1; }
    }
    static const char *const label[] = {"Usage: ", "Note: ", NULL};
    for (int i = 0; label[i]; i++)
        if (!strncmp(out + st, label[i], strlen(label[i]))) st += strlen(label[i]);
    if (!strncmp(out + st, "Syn:", 4) || !strncmp(out + st, "Syn.", 4)) return 0;  // word lists, not prose
    memmove(out, out + st, k - st + 1);
    return k - st;
}

typedef struct gsink {
    sc_corpus_emit emit;
    void *ctx;
    const char *name;
    char *buf;  // the paragraph being gathered
    size_t len, cap;
    char *out;
    size_t out_cap;
    long line;  // its first line
} gsink;

static int flush(gsink *g, sc_err *err) {
    if (!g->len) return 0;
    if (sc_grow((void **)&g->out, &g->out_cap, g->len + 1, 1, 4096)) return sc_errf(err, "out of memory");
    size_t n = clean(g->buf, g->len, g->out);
    g->len = 0;
    return n ? g->emit(g->ctx, g->out, n, g->name, g->line, err) : 0;
}

static int gather(gsink *g, const char *s, size_t n, long line, sc_err *err) {
    if (!g->len) g->line = line;
    if (sc_grow((void **)&g->buf, &g->cap, g->len + n + 2, 1, 4096)) return sc_errf(err, "out of memory");
    memcpy(g->buf + g->len, s, n);
    g->len += n;
    g->buf[g->len++] = '\n';
    return 0;
}

static int depth_after(const char *s, size_t n, int depth) {
    for (size_t i = 0; i < n; i++) depth += s[i] == '[' ? 1 : s[i] == ']' && depth > 0 ? -1 : 0;
    return depth;
}

// One entry: its header (headword line and the etymology) is skipped, then each
// paragraph becomes a text. `line` is the entry's first line in the dictionary.
static int gcide_entry(gsink *g, const char *s, size_t n, long line, sc_err *err) {
    int header = 1, depth = 0;
    for (const char *p = s, *end = s + n; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *t = p;
        while (t < le && (*t == ' ' || *t == '\t' || *t == '\r')) t++;
        const char *te = le;
        while (te > t && (te[-1] == ' ' || te[-1] == '\r')) te--;
        int blank = t == te, col0 = t == p && !blank;
        int mark = !blank && *t == '[' && te[-1] == ']' && depth_after(t, (size_t)(te - t), 0) == 0;
        if (col0) {  // a headword line (an entry may hold several): a new header
            if (flush(g, err)) return -1;
            header = 1;
            depth = depth_after(p, (size_t)(le - p), 0);
        } else if (header && !blank && depth > 0) {
            depth = depth_after(p, (size_t)(le - p), depth);  // the etymology goes on
        } else if (blank || mark) {
            header = 0;
            if (flush(g, err)) return -1;
        } else {
            header = 0;
            if (gather(g, t, (size_t)(te - t), line, err)) return -1;
        }
        p = nl ? nl + 1 : end;
    }
    return flush(g, err);
}

int sc_corpus_read_gcide(const char *name, const char *dict, size_t dict_len, const char *index_name,
                         const char *index, size_t index_len, sc_corpus_emit emit, void *ctx, sc_err *err) {
    range *r;
    size_t n;
    if (parse_index(index_name, index, index_len, dict_len, &r, &n, err)) {
        free(r);  // what was gathered before the error
        return -1;
    }
    gsink g = {.emit = emit, .ctx = ctx, .name = name};
    int rc = 0;
    long line = 1;
    size_t pos = 0;  // lines counted up to here
    for (size_t i = 0; i < n && !rc; i++) {
        for (; pos < r[i].off; pos++) line += dict[pos] == '\n';
        rc = gcide_entry(&g, dict + r[i].off, r[i].len, line, err);
    }
    free(r);
    free(g.buf);
    free(g.out);
    return rc;
}

// WordNet 3 data.noun / data.verb / data.adj / data.adv (wndb(5)): a synset per line,
// "offset lex_filenum ss_type w_cnt word lex_id ... | gloss"; the license header's
// lines start with two spaces.
int sc_corpus_read_wordnet(const char *name, const char *buf, size_t len, sc_corpus_emit emit, void *ctx, sc_err *err) {
    long line = 0;
    for (const char *p = buf, *end = buf + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        if (le > p && *p != ' ') {
            const char *bar = NULL;
            for (const char *q = p; q + 3 <= le && !bar; q++)
                if (q[0] == ' ' && q[1] == '|' && q[2] == ' ') bar = q + 3;
            if (!bar)
                return sc_errf(err, "%s line %ld: a synset line without its gloss (\" | \"): not a WordNet data file",
                               name, line);
            const char *e = le;
            while (e > bar && (e[-1] == ' ' || e[-1] == '\r')) e--;
            while (bar < e && *bar == ' ') bar++;
            if (e > bar && emit(ctx, bar, (size_t)(e - bar), name, line, err)) return -1;
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}
