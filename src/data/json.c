#include "data/json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/grow.h"

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
    if (sc_grow((void **)&o->buf, &o->buf_cap, sc_grow_need(o->buf_len, 1), 1, 1024)) return -1;
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

static int is_digit(const jp *j, const char *p) { return p < j->end && *p >= '0' && *p <= '9'; }

// A number in RFC 8259 grammar (strtod alone would also take hex, inf, nan, a
// leading '+' or blanks) whose value is a finite double.
static int number(jp *j, double *v) {
    const char *p = j->p;
    if (p < j->end && *p == '-') p++;
    if (!is_digit(j, p)) return fail(j, "expected a value");
    if (*p++ != '0')
        while (is_digit(j, p)) p++;
    if (p < j->end && *p == '.') {
        if (!is_digit(j, ++p)) return fail(j, "expected a digit after '.'");
        while (is_digit(j, p)) p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < j->end && (*p == '+' || *p == '-')) p++;
        if (!is_digit(j, p)) return fail(j, "expected the exponent's digits");
        while (is_digit(j, p)) p++;
    }
    // The line is not NUL-terminated where the number ends: strtod gets a copy.
    char lit[256];
    size_t n = (size_t)(p - j->p);
    if (n >= sizeof lit) return fail(j, "number literal longer than 255 characters");
    memcpy(lit, j->p, n);
    lit[n] = '\0';
    *v = strtod(lit, NULL);
    if (!isfinite(*v)) return fail(j, "number out of range (beyond a double's)");
    j->p = p;
    return 0;
}

// Room for one more value in o->v.
static int reserve_value(jp *j) {
    sc_json_obj *o = j->o;
    if (sc_grow((void **)&o->v, &o->cap, sc_grow_need(o->n, 1), sizeof *o->v, 8)) return fail(j, "out of memory");
    return 0;
}

// An array of numbers at j->p (on the '['); its elements are appended to o->nums.
static int array(jp *j, sc_json_value *val) {
    sc_json_obj *o = j->o;
    val->type = SC_JSON_ARRAY;
    val->val_off = o->nums_len;
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return 0;
    }
    for (;;) {
        ws(j);
        double d;
        if (j->p < j->end && (*j->p == '{' || *j->p == '[' || *j->p == '"')) return fail(j, "arrays may hold only numbers");
        if (number(j, &d)) return -1;
        if (sc_grow((void **)&o->nums, &o->nums_cap, sc_grow_need(o->nums_len, 1), sizeof *o->nums, 64))
            return fail(j, "out of memory");
        o->nums[o->nums_len++] = d;
        val->n_nums++;
        ws(j);
        if (j->p < j->end && *j->p == ',') { j->p++; continue; }
        if (j->p < j->end && *j->p == ']') { j->p++; return 0; }
        return fail(j, "expected ',' or ']'");
    }
}

// true / false / null, or a number (kept as its literal text in o->buf).
static int scalar(jp *j, sc_json_value *val) {
    static const char *const lit[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        size_t l = strlen(lit[i]);
        if ((size_t)(j->end - j->p) >= l && !strncmp(j->p, lit[i], l)) {
            val->type = i < 2 ? SC_JSON_BOOL : SC_JSON_NULL;
            val->str = lit[i];
            val->len = l;
            j->p += l;
            return 0;
        }
    }
    const char *start = j->p;
    double d;
    if (number(j, &d)) return -1;
    val->type = SC_JSON_NUMBER;
    val->val_off = j->o->buf_len;
    val->len = (size_t)(j->p - start);
    for (const char *q = start; q < j->p; q++)
        if (putc_buf(j->o, *q)) return fail(j, "out of memory");
    if (putc_buf(j->o, '\0')) return fail(j, "out of memory");
    return 0;
}

// One "key": value member at j->p, appended to o->v.
static int member(jp *j) {
    sc_json_obj *o = j->o;
    if (j->p >= j->end || *j->p != '"') return fail(j, "expected a key string");
    if (reserve_value(j)) return -1;
    sc_json_value *val = &o->v[o->n];
    memset(val, 0, sizeof *val);
    size_t klen;
    if (string(j, &val->key_off, &klen)) return -1;
    ws(j);
    if (j->p >= j->end || *j->p != ':') return fail(j, "expected ':'");
    j->p++;
    ws(j);
    if (j->p >= j->end) return fail(j, "expected a value");
    int rc;
    if (*j->p == '"') {
        val->type = SC_JSON_STRING;
        rc = string(j, &val->val_off, &val->len);
    } else if (*j->p == '[') {
        rc = array(j, val);
    } else if (*j->p == '{') {
        rc = fail(j, "nested objects are not supported");
    } else {
        rc = scalar(j, val);
    }
    if (rc) return -1;
    o->n++;
    return 0;
}

int sc_json_parse_object(sc_json_obj *o, const char *s, size_t n, sc_err *err) {
    jp j = {s, s, s + n, o, err};
    o->n = o->buf_len = o->nums_len = 0;
    ws(&j);
    if (j.p >= j.end || *j.p != '{') return fail(&j, "expected a JSON object '{'");
    j.p++;
    ws(&j);
    if (j.p < j.end && *j.p == '}') {
        j.p++;
    } else {
        for (;;) {
            ws(&j);
            if (member(&j)) return -1;
            ws(&j);
            if (j.p < j.end && *j.p == ',') { j.p++; continue; }
            if (j.p < j.end && *j.p == '}') { j.p++; break; }
            return fail(&j, "expected ',' or '}'");
        }
    }
    ws(&j);
    if (j.p != j.end) return fail(&j, "text after the object");
    // Offsets were recorded while the buffers could still move; pointers now.
    for (size_t i = 0; i < o->n; i++) {
        sc_json_value *v = &o->v[i];
        v->key = o->buf + v->key_off;
        if (v->type == SC_JSON_STRING || v->type == SC_JSON_NUMBER) v->str = o->buf + v->val_off;
        if (v->type == SC_JSON_ARRAY) v->nums = v->n_nums ? o->nums + v->val_off : NULL;
    }
    return 0;
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
