#include "data/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s, *p, *end;
    sc_json_obj *o;
    sc_err *err;
} jp;

static int fail(jp *j, const char *what) {
    return sc_errf(j->err, "column %zu: %s", (size_t)(j->p - j->s) + 1, what);
}

static void ws(jp *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n')) j->p++;
}

static int putc_buf(sc_json_obj *o, char ch) {
    if (o->buf_len + 1 >= o->buf_cap) {
        size_t cap = o->buf_cap ? 2 * o->buf_cap : 1024;
        char *b = realloc(o->buf, cap);
        if (!b) return -1;
        o->buf = b;
        o->buf_cap = cap;
    }
    o->buf[o->buf_len++] = ch;
    return 0;
}

static int put_cp(sc_json_obj *o, uint32_t cp) {
    char t[4];
    int n;
    if (cp < 0x80) { t[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { t[0] = (char)(0xC0 | cp >> 6); t[1] = (char)(0x80 | (cp & 63)); n = 2; }
    else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | cp >> 12); t[1] = (char)(0x80 | ((cp >> 6) & 63)); t[2] = (char)(0x80 | (cp & 63)); n = 3;
    } else {
        t[0] = (char)(0xF0 | cp >> 18); t[1] = (char)(0x80 | ((cp >> 12) & 63));
        t[2] = (char)(0x80 | ((cp >> 6) & 63)); t[3] = (char)(0x80 | (cp & 63)); n = 4;
    }
    for (int i = 0; i < n; i++)
        if (putc_buf(o, t[i])) return -1;
    return 0;
}

static int hex4(jp *j, uint32_t *v) {
    if (j->end - j->p < 4) return fail(j, "truncated \\u escape");
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = *j->p++;
        *v <<= 4;
        if (c >= '0' && c <= '9') *v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') *v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') *v |= (uint32_t)(c - 'A' + 10);
        else return fail(j, "bad \\u escape");
    }
    return 0;
}

// Parses a string at j->p (on the opening quote); *off = its offset in o->buf.
static int string(jp *j, size_t *off, size_t *len) {
    sc_json_obj *o = j->o;
    j->p++;
    *off = o->buf_len;
    for (;;) {
        if (j->p >= j->end) return fail(j, "unterminated string");
        unsigned char c = (unsigned char)*j->p++;
        if (c == '"') break;
        if (c < 0x20) return fail(j, "control character in a string");
        if (c != '\\') {
            if (putc_buf(o, (char)c)) return fail(j, "out of memory");
            continue;
        }
        if (j->p >= j->end) return fail(j, "unterminated escape");
        char e = *j->p++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            static const char map[] = "\"\\/\b\f\n\r\t";
            if (putc_buf(o, map[simple - "\"\\/bfnrt"])) return fail(j, "out of memory");
            continue;
        }
        if (e != 'u') return fail(j, "unknown escape");
        uint32_t cp;
        if (hex4(j, &cp)) return -1;
        if (cp >= 0xD800 && cp < 0xDC00) {  // high surrogate: a low one must follow
            uint32_t lo;
            if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u') return fail(j, "unpaired surrogate");
            j->p += 2;
            if (hex4(j, &lo)) return -1;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail(j, "unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
            return fail(j, "unpaired surrogate");
        }
        if (put_cp(o, cp)) return fail(j, "out of memory");
    }
    *len = o->buf_len - *off;
    if (putc_buf(o, '\0')) return fail(j, "out of memory");
    return 0;
}

static int number(jp *j, double *v) {
    char *e;
    *v = strtod(j->p, &e);
    if (e == j->p || e > j->end) return fail(j, "expected a value");
    j->p = e;
    return 0;
}

int sc_json_parse_object(sc_json_obj *o, const char *s, size_t n, sc_err *err) {
    // Offsets are recorded while buffers may still move, pointers fixed at the end.
    jp j = {s, s, s + n, o, err};
    o->n = o->buf_len = o->nums_len = 0;
    size_t *koff = NULL, *voff = NULL, kcap = 0;
    int rc = -1;
    ws(&j);
    if (j.p >= j.end || *j.p != '{') { fail(&j, "expected a JSON object '{'"); goto out; }
    j.p++;
    ws(&j);
    if (j.p < j.end && *j.p == '}') { j.p++; goto tail; }
    for (;;) {
        ws(&j);
        if (j.p >= j.end || *j.p != '"') { fail(&j, "expected a key string"); goto out; }
        if (o->n == o->cap || o->n == kcap) {
            size_t cap = (o->cap > kcap ? o->cap : kcap) * 2 + 8;
            sc_json_value *v = realloc(o->v, cap * sizeof *v);
            if (v) o->v = v, o->cap = cap;
            size_t *k2 = realloc(koff, cap * sizeof *k2);
            if (k2) koff = k2;
            size_t *v2 = realloc(voff, cap * sizeof *v2);
            if (v2) voff = v2;
            if (!v || !k2 || !v2) { fail(&j, "out of memory"); goto out; }
            kcap = cap;
        }
        sc_json_value *val = &o->v[o->n];
        memset(val, 0, sizeof *val);
        size_t klen;
        if (string(&j, &koff[o->n], &klen)) goto out;
        ws(&j);
        if (j.p >= j.end || *j.p != ':') { fail(&j, "expected ':'"); goto out; }
        j.p++;
        ws(&j);
        if (j.p >= j.end) { fail(&j, "expected a value"); goto out; }
        if (*j.p == '"') {
            val->type = SC_JSON_STRING;
            if (string(&j, &voff[o->n], &val->len)) goto out;
        } else if (*j.p == '[') {
            val->type = SC_JSON_ARRAY;
            voff[o->n] = o->nums_len;
            j.p++;
            ws(&j);
            if (j.p < j.end && *j.p == ']') j.p++;
            else for (;;) {
                ws(&j);
                double d;
                if (j.p < j.end && (*j.p == '{' || *j.p == '[' || *j.p == '"')) { fail(&j, "arrays may hold only numbers"); goto out; }
                if (number(&j, &d)) goto out;
                if (o->nums_len == o->nums_cap) {
                    size_t cap = o->nums_cap * 2 + 64;
                    double *nn = realloc(o->nums, cap * sizeof *nn);
                    if (!nn) { fail(&j, "out of memory"); goto out; }
                    o->nums = nn;
                    o->nums_cap = cap;
                }
                o->nums[o->nums_len++] = d;
                val->n_nums++;
                ws(&j);
                if (j.p < j.end && *j.p == ',') { j.p++; continue; }
                if (j.p < j.end && *j.p == ']') { j.p++; break; }
                fail(&j, "expected ',' or ']'");
                goto out;
            }
        } else if (*j.p == '{') {
            fail(&j, "nested objects are not supported");
            goto out;
        } else {
            const char *lit[] = {"true", "false", "null"};
            int found = 0;
            for (int i = 0; i < 3; i++) {
                size_t l = strlen(lit[i]);
                if ((size_t)(j.end - j.p) >= l && !strncmp(j.p, lit[i], l)) {
                    val->type = i < 2 ? SC_JSON_BOOL : SC_JSON_NULL;
                    val->str = lit[i];
                    val->len = l;
                    j.p += l;
                    found = 1;
                    break;
                }
            }
            if (!found) {
                const char *start = j.p;
                double d;
                if (number(&j, &d)) goto out;
                val->type = SC_JSON_NUMBER;
                voff[o->n] = o->buf_len;
                val->len = (size_t)(j.p - start);
                for (const char *q = start; q < j.p; q++)
                    if (putc_buf(o, *q)) { fail(&j, "out of memory"); goto out; }
                if (putc_buf(o, '\0')) { fail(&j, "out of memory"); goto out; }
            }
        }
        o->n++;
        ws(&j);
        if (j.p < j.end && *j.p == ',') { j.p++; continue; }
        if (j.p < j.end && *j.p == '}') { j.p++; break; }
        fail(&j, "expected ',' or '}'");
        goto out;
    }
tail:
    ws(&j);
    if (j.p != j.end) { fail(&j, "text after the object"); goto out; }
    for (size_t i = 0; i < o->n; i++) {
        sc_json_value *v = &o->v[i];
        v->key = o->buf + koff[i];
        if (v->type == SC_JSON_STRING || v->type == SC_JSON_NUMBER) v->str = o->buf + voff[i];
        if (v->type == SC_JSON_ARRAY) v->nums = o->nums + voff[i];
    }
    rc = 0;
out:
    free(koff);
    free(voff);
    return rc;
}

const sc_json_value *sc_json_get(const sc_json_obj *o, const char *key) {
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->v[i].key, key)) return &o->v[i];
    return NULL;
}

void sc_json_free(sc_json_obj *o) {
    free(o->v);
    free(o->buf);
    free(o->nums);
    memset(o, 0, sizeof *o);
}
