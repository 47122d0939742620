#include "selfcheck/selfcheck.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <yaml.h>
#include <zlib.h>

#include "text/utf8.h"

int sc_selfcheck_fail(sc_selfcheck_result *r, const char *what) {
    snprintf(r->detail, sizeof r->detail, "%s", what);
    r->ok = 0;
    return -1;
}

int sc_selfcheck_pass(sc_selfcheck_result *r, const char *what) {
    snprintf(r->detail, sizeof r->detail, "%s", what);
    r->ok = 1;
    return 0;
}

int sc_selfcheck_msgpack(sc_selfcheck_result *r) {
    r->name = "msgpack-c";
    snprintf(r->version, sizeof r->version, "%s", msgpack_version());
    const unsigned char payload[5] = {0, 1, 2, 0xfe, 0xff};
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "inner", 5);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str_with_body(&pk, "bin", 3);
    msgpack_pack_bin_with_body(&pk, payload, sizeof payload);
    msgpack_pack_str_with_body(&pk, "n", 1);
    msgpack_pack_int64(&pk, -42);

    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    int ok = msgpack_unpack_next(&up, sbuf.data, sbuf.size, &off) == MSGPACK_UNPACK_SUCCESS;
    const msgpack_object *o = &up.data;
    ok = ok && o->type == MSGPACK_OBJECT_MAP && o->via.map.size == 2;
    if (ok) {
        const msgpack_object *in = &o->via.map.ptr[0].val;
        ok = in->type == MSGPACK_OBJECT_MAP && in->via.map.size == 1 &&
             in->via.map.ptr[0].val.type == MSGPACK_OBJECT_BIN &&
             in->via.map.ptr[0].val.via.bin.size == sizeof payload &&
             memcmp(in->via.map.ptr[0].val.via.bin.ptr, payload, sizeof payload) == 0 &&
             o->via.map.ptr[1].val.type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
             o->via.map.ptr[1].val.via.i64 == -42;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "nested map + bin round trip (%zu bytes)", sbuf.size);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sbuf);
    return ok ? sc_selfcheck_pass(r, buf) : sc_selfcheck_fail(r, "nested map + bin round trip MISMATCH");
}

int sc_selfcheck_utf8proc(sc_selfcheck_result *r) {
    r->name = "utf8proc";
    snprintf(r->version, sizeof r->version, "%s", utf8proc_version());
    // "ﬁ" (U+FB01) -> "fi" by NFKC; "É" -> "é" by case folding; "ß" -> "ss".
    const char *in = "\xEF\xAC\x81N \xC3\x89T\xC3\x89 Stra\xC3\x9F" "e";
    const char *want = "fin \xC3\xA9t\xC3\xA9 strasse";
    char *out = NULL;
    sc_err err;
    if (sc_utf8_nfkc_casefold(in, strlen(in), &out, NULL, &err) != 0) return sc_selfcheck_fail(r, err.msg);
    int ok = strcmp(out, want) == 0;
    free(out);
    if (!ok) return sc_selfcheck_fail(r, "NFKC+casefold gave the wrong text");
    const char bad[] = "ok\xC3(";
    if (sc_utf8_nfkc_casefold(bad, 4, &out, NULL, &err) == 0) {
        free(out);
        return sc_selfcheck_fail(r, "invalid UTF-8 was accepted");
    }
    return sc_selfcheck_pass(r, "NFKC + case fold; invalid UTF-8 rejected with offset");
}

int sc_selfcheck_yaml(sc_selfcheck_result *r) {
    r->name = "libyaml";
    snprintf(r->version, sizeof r->version, "%s", yaml_get_version_string());
    const char *doc = "name: quickstart\nseeds: [1, 2]\n";
    yaml_parser_t p;
    yaml_event_t ev;
    if (!yaml_parser_initialize(&p)) return sc_selfcheck_fail(r, "parser init failed");
    yaml_parser_set_input_string(&p, (const unsigned char *)doc, strlen(doc));
    int scalars = 0, ok = 1;
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) { ok = 0; break; }
        if (ev.type == YAML_SCALAR_EVENT) scalars++;
        int done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (done) break;
    }
    yaml_parser_delete(&p);
    char buf[96];
    snprintf(buf, sizeof buf, "mapping with a flow sequence: %d scalars (want 5)%s", scalars,
             ok ? "" : ", parse error");
    return ok && scalars == 5 ? sc_selfcheck_pass(r, buf) : sc_selfcheck_fail(r, buf);
}

int sc_selfcheck_zlib(sc_selfcheck_result *r) {
    r->name = "zlib";
    snprintf(r->version, sizeof r->version, "%s", zlibVersion());
    unsigned char src[1000], comp[1200], back[1000];
    for (int i = 0; i < 1000; i++) src[i] = (unsigned char)(i % 7);
    uLongf cl = sizeof comp, bl = sizeof back;
    if (compress(comp, &cl, src, sizeof src) != Z_OK) return sc_selfcheck_fail(r, "compress failed");
    if (uncompress(back, &bl, comp, cl) != Z_OK || bl != sizeof src || memcmp(src, back, bl))
        return sc_selfcheck_fail(r, "round trip mismatch");
    char buf[64];
    snprintf(buf, sizeof buf, "deflate round trip 1000 -> %lu bytes", (unsigned long)cl);
    return sc_selfcheck_pass(r, buf);
}

int sc_selfcheck_all(FILE *out) {
    static const sc_selfcheck_fn checks[] = {sc_selfcheck_blis, sc_selfcheck_msgpack,
                                             sc_selfcheck_utf8proc, sc_selfcheck_yaml,
                                             sc_selfcheck_zlib, sc_selfcheck_lapacke};
    int failures = 0;
    fprintf(out, "%-10s  %-10s  %-6s  %s\n", "library", "version", "status", "check");
    fprintf(out, "%-10s  %-10s  %-6s  %s\n", "----------", "----------", "------", "-----");
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        sc_selfcheck_result r = {0};
        checks[i](&r);
        failures += !r.ok;
        fprintf(out, "%-10s  %-10s  %-6s  %s\n", r.name, r.version, r.ok ? "ok" : "FAIL", r.detail);
    }
    return failures;
}
