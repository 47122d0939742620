// Fuzz targets for text (tokenizer, vocabulary) and archives (gzip, bzip2, tar,
// wheel members): the layers under every reader.
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "data/rawfile.h"
#include "data/tar.h"
#include "data/wheel.h"
#include "targets.h"
#include "text/utf8.h"
#include "text/vocab.h"

// ---- tokenizer ----

// Tokens are non-empty, valid UTF-8 and free of white space.
static void check_tokens(const sc_tokens *tk) {
    for (size_t i = 0; i < tk->n; i++) {
        const char *s = sc_token(tk, i);
        size_t bad;
        SC_FUZZ_ASSERT(s[0], "token %zu is empty", i);
        SC_FUZZ_ASSERT(sc_utf8_valid(s, strlen(s), &bad), "token %zu is not UTF-8", i);
        SC_FUZZ_ASSERT(!strpbrk(s, " \t\n\r"), "token %zu holds white space: '%s'", i, s);
    }
}

// Builds a vocabulary from the tokens, encodes the text with it and round-trips
// the vocabulary through its checkpoint form.
static void vocab_roundtrip(const char *text, size_t n, const sc_tokens *tk) {
    sc_err err;
    sc_vocab counts, v, back;
    sc_fuzz_must(sc_vocab_init(&counts, &err), &err, "sc_vocab_init");
    for (size_t i = 0; i < tk->n; i++)
        sc_fuzz_must(sc_vocab_count(&counts, sc_token(tk, i), &err), &err, "sc_vocab_count");
    sc_fuzz_must(sc_vocab_finish(&counts, 1, 64, &v, &err), &err, "sc_vocab_finish");
    sc_vocab_free(&counts);
    SC_FUZZ_ASSERT(v.n >= 3 && v.n <= 64, "vocabulary of %zu ids", v.n);
    int32_t ids[16];
    float mask[16];
    size_t len;
    sc_tokens scratch = {0};
    sc_fuzz_must(sc_vocab_encode(&v, text, n, 16, ids, mask, &len, &scratch, &err), &err, "sc_vocab_encode");
    SC_FUZZ_ASSERT(len >= 1 && len <= 16 && ids[0] == SC_TOK_CLS, "encoded length %zu", len);
    for (size_t i = 0; i < 16; i++)
        SC_FUZZ_ASSERT(ids[i] >= 0 && (size_t)ids[i] < v.n && mask[i] == (i < len), "id %zu: %d", i, ids[i]);
    sc_tokens_free(&scratch);

    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    SC_FUZZ_ASSERT(sc_vocab_pack(&v, &pk) == 0, "sc_vocab_pack failed");
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    SC_FUZZ_ASSERT(msgpack_unpack_next(&up, sb.data, sb.size, &off) == MSGPACK_UNPACK_SUCCESS, "unpack failed");
    sc_fuzz_must(sc_vocab_unpack(&up.data, &back, &err), &err, "sc_vocab_unpack");
    SC_FUZZ_ASSERT(back.n == v.n, "round trip: %zu ids, then %zu", v.n, back.n);
    for (size_t i = 0; i < v.n; i++)
        SC_FUZZ_ASSERT(!strcmp(sc_vocab_str(&v, i), sc_vocab_str(&back, i)) &&
                           sc_vocab_id(&back, sc_vocab_str(&v, i)) == (int32_t)i,
                       "round trip: id %zu differs", i);
    sc_vocab_free(&back);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    sc_vocab_free(&v);
}

int sc_fuzz_tokenizer(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    const char *s = (const char *)data;
    sc_tokens tk = {0};
    sc_err err;
    int rc = sc_tokenize(s, size, &tk, &err);
    sc_fuzz_check(rc, &err, "sc_tokenize");
    size_t bad;
    int valid = sc_utf8_valid(s, size, &bad);
    SC_FUZZ_ASSERT(valid == (rc == 0) || memchr(s, '\0', size), "sc_tokenize %s valid=%d input", rc ? "failed on" : "took",
                   valid);
    if (!rc) {
        check_tokens(&tk);
        vocab_roundtrip(s, size, &tk);
    }
    // The same bytes declared Latin-1: always decodable, so always tokenizable.
    char *scratch = NULL;
    size_t cap = 0, ulen;
    const char *u;
    SC_FUZZ_ASSERT(sc_text_to_utf8(s, size, 1, &scratch, &cap, &u, &ulen, &bad) == 0, "Latin-1 decoding failed");
    rc = sc_tokenize(u, ulen, &tk, &err);
    sc_fuzz_check(rc, &err, "sc_tokenize (Latin-1)");
    SC_FUZZ_ASSERT(rc == 0 || memchr(s, '\0', size), "Latin-1 text did not tokenize: %s", err.msg);
    if (!rc) check_tokens(&tk);
    free(scratch);
    sc_tokens_free(&tk);
    return 0;
}

// ---- archives ----

// The members fetch looks for (any name works; these are what real archives hold).
static const char *const member_names[] = {"rt-polarity.neg", "rt-polarity.pos", "a.txt", "data.csv", NULL};

static void tar_members(const char *buf, size_t len) {
    for (int i = 0; member_names[i]; i++) {
        const char *data = NULL;
        size_t n = 0;
        sc_err err;
        int rc = sc_tar_find("fuzz.tar", buf, len, member_names[i], &data, &n, &err);
        SC_FUZZ_ASSERT(rc >= -1 && rc <= 1, "sc_tar_find returned %d", rc);
        if (rc < 0) sc_fuzz_check(rc, &err, "sc_tar_find");
        if (rc == 1)
            SC_FUZZ_ASSERT(data >= buf && n <= len && (size_t)(data - buf) <= len - n, "member outside the archive");
        if (rc < 0) break;  // a malformed archive fails the same way for every name
    }
}

static void wheel_members(const char *buf, size_t len) {
    sc_err err;
    zip_t *z = sc_wheel_open("fuzz.whl", buf, len, &err);
    if (!z) {
        sc_fuzz_check(-1, &err, "sc_wheel_open");
        return;
    }
    zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < n && i < 16; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
        if (!name) continue;
        char *m = NULL;
        size_t mlen = 0;
        int rc = sc_wheel_member(z, "fuzz.whl", name, &m, &mlen, &err);
        sc_fuzz_check(rc, &err, "sc_wheel_member");
        if (!rc) SC_FUZZ_ASSERT(m && m[mlen] == '\0', "member '%s' is not NUL-terminated", name);
        free(m);
    }
    zip_discard(z);
}

int sc_fuzz_archive(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    char *buf = sc_fuzz_copy(data, size);
    int gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b, bz = size >= 3 && !memcmp(data, "BZh", 3);
    if (gz || bz) {
        char *out = NULL;
        size_t n = 0;
        sc_err err;
        int rc = gz ? sc_gunzip("fuzz.gz", buf, size, &out, &n, &err) : sc_bunzip2("fuzz.bz2", buf, size, &out, &n, &err);
        sc_fuzz_check(rc, &err, gz ? "sc_gunzip" : "sc_bunzip2");
        if (!rc) {
            SC_FUZZ_ASSERT(out[n] == '\0', "decompressed data is not NUL-terminated");
            tar_members(out, n);
            free(out);
        }
    } else if (size >= 4 && !memcmp(data, "PK", 2)) {
        wheel_members(buf, size);
    } else {
        tar_members(buf, size);
    }
    free(buf);
    return 0;
}
