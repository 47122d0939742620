// Tokenizer (NFKC + case fold, Unicode segmentation) and vocabulary (build,
// lookup, msgpack save/restore with validation).
#include "sc_test.h"

#include <msgpack.h>
#include <string.h>

#include "text/tokenizer.h"
#include "text/utf8.h"
#include "text/vocab.h"

static void expect_tokens(const char *text, const char *const *want, size_t n) {
    sc_tokens t = {0};
    sc_err err;
    assert_int_equal(sc_tokenize(text, strlen(text), &t, &err), 0);
    assert_int_equal(t.n, n);
    for (size_t i = 0; i < n; i++) assert_string_equal(sc_token(&t, i), want[i]);
    sc_tokens_free(&t);
}

static void test_segmentation(void **state) {
    (void)state;
    const char *a[] = {"don", "'", "t", "stop", "—", "été", "!"};
    expect_tokens("Don't stop—ÉTÉ!", a, 7);
    const char *b[] = {"the", "21st", "century", "'", "s", "new", "\"", "conan", "\""};
    expect_tokens("the 21st century's new \" conan \"", b, 9);
    // NFKC: the ligature ﬁ becomes "fi", full-width letters become ASCII; case
    // folding maps ß to "ss".
    const char *c[] = {"fine", "abc", "strasse"};
    expect_tokens("ﬁne ＡＢＣ STRAßE", c, 3);
    const char *d[] = {"x_y", "1", ",", "5", "€"};
    expect_tokens("  x_y\t1,5€\n", d, 5);
    expect_tokens("   \n\t ", NULL, 0);
    const char *e[] = {"日本語", "。"};  // no spaces in Japanese: one run of letters
    expect_tokens("日本語。", e, 2);
}

static void test_invalid_utf8(void **state) {
    (void)state;
    sc_tokens t = {0};
    sc_err err;
    assert_int_equal(sc_tokenize("ok \xff bad", 8, &t, &err), -1);
    assert_non_null(strstr(err.msg, "invalid UTF-8 at byte 3"));
    sc_tokens_free(&t);
    // Latin-1 decoding turns every byte into a character: é (0xe9) becomes U+00E9.
    char *scratch = NULL;
    size_t cap = 0, n, bad;
    const char *out;
    assert_int_equal(sc_text_to_utf8("caf\xe9", 4, 1, &scratch, &cap, &out, &n, &bad), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "caf\xc3\xa9", 5);
    assert_int_equal(sc_text_to_utf8("caf\xe9", 4, 0, &scratch, &cap, &out, &n, &bad), -1);
    assert_int_equal(bad, 3);
    free(scratch);
}

static void build(sc_vocab *v, size_t min_freq, size_t max_size) {
    sc_vocab c;
    sc_err err;
    assert_int_equal(sc_vocab_init(&c, &err), 0);
    const char *words[] = {"b", "a", "c", "a", "b", "a", "d", "c", "b", "e"};  // a3 b3 c2 d1 e1
    for (size_t i = 0; i < 10; i++) assert_int_equal(sc_vocab_count(&c, words[i], &err), 0);
    assert_int_equal(sc_vocab_finish(&c, min_freq, max_size, v, &err), 0);
    sc_vocab_free(&c);
}

static void test_vocab_build(void **state) {
    (void)state;
    sc_vocab v;
    build(&v, 2, 100);
    // Specials first, then by count (ties in byte order), min_freq 2 drops d, e.
    assert_int_equal(v.n, 6);
    const char *want[] = {"[PAD]", "[UNK]", "[CLS]", "a", "b", "c"};
    for (size_t i = 0; i < 6; i++) assert_string_equal(sc_vocab_str(&v, i), want[i]);
    assert_int_equal(sc_vocab_id(&v, "b"), 4);
    assert_int_equal(sc_vocab_id(&v, "d"), SC_TOK_UNK);
    sc_vocab_free(&v);
    build(&v, 1, 4);  // max_size counts the specials
    assert_int_equal(v.n, 4);
    assert_string_equal(sc_vocab_str(&v, 3), "a");
    sc_vocab_free(&v);
    // Many tokens: the hash table grows and every id maps back.
    sc_vocab c, big;
    sc_err err;
    assert_int_equal(sc_vocab_init(&c, &err), 0);
    char w[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(w, sizeof w, "w%d", i);
        for (int k = 0; k <= i % 3; k++) assert_int_equal(sc_vocab_count(&c, w, &err), 0);
    }
    assert_int_equal(sc_vocab_finish(&c, 1, 100000, &big, &err), 0);
    assert_int_equal(big.n, 5003);
    for (size_t i = 0; i < big.n; i++) assert_int_equal(sc_vocab_id(&big, sc_vocab_str(&big, i)), (int32_t)i);
    sc_vocab_free(&c);
    sc_vocab_free(&big);
}

static void test_vocab_msgpack_roundtrip(void **state) {
    (void)state;
    sc_vocab v, r;
    sc_err err;
    build(&v, 1, 100);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    assert_int_equal(sc_vocab_pack(&v, &pk), 0);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(sc_vocab_unpack(&u.data, &r, &err), 0);
    assert_int_equal(r.n, v.n);
    for (size_t i = 0; i < v.n; i++) {
        assert_string_equal(sc_vocab_str(&r, i), sc_vocab_str(&v, i));
        assert_int_equal(sc_vocab_id(&r, sc_vocab_str(&v, i)), (int32_t)i);
    }
    sc_vocab c;
    assert_int_equal(sc_vocab_copy(&r, &c, &err), 0);
    assert_int_equal(c.n, r.n);
    for (size_t i = 0; i < c.n; i++) assert_string_equal(sc_vocab_str(&c, i), sc_vocab_str(&r, i));
    sc_vocab_free(&c);
    sc_vocab_free(&r);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    sc_vocab_free(&v);
}

// Packs {format, version, tokens} with the given pieces and expects an error.
static void expect_bad(const char *fmt, int version, const char *const *toks, size_t n, int not_map,
                       const char *msg) {
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    if (not_map) {
        msgpack_pack_array(&pk, 0);
    } else {
        msgpack_pack_map(&pk, 3);
        msgpack_pack_str_with_body(&pk, "format", 6);
        msgpack_pack_str_with_body(&pk, fmt, strlen(fmt));
        msgpack_pack_str_with_body(&pk, "version", 7);
        msgpack_pack_int(&pk, version);
        msgpack_pack_str_with_body(&pk, "tokens", 6);
        msgpack_pack_array(&pk, n);
        for (size_t i = 0; i < n; i++) {
            if (toks[i]) msgpack_pack_str_with_body(&pk, toks[i], strlen(toks[i]));
            else msgpack_pack_int(&pk, 5);
        }
    }
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    sc_vocab v;
    sc_err err;
    assert_int_equal(sc_vocab_unpack(&u.data, &v, &err), -1);
    assert_non_null(strstr(err.msg, msg));
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

static void test_vocab_unpack_rejects_bad_input(void **state) {
    (void)state;
    const char *ok[] = {"[PAD]", "[UNK]", "[CLS]", "a"};
    expect_bad("scaffold-vocab", 1, ok, 4, 1, "expected a map");
    expect_bad("other", 1, ok, 4, 0, "format");
    expect_bad("scaffold-vocab", 2, ok, 4, 0, "version");
    expect_bad("scaffold-vocab", 1, ok, 2, 0, "fewer tokens");
    const char *swapped[] = {"[UNK]", "[PAD]", "[CLS]"};
    expect_bad("scaffold-vocab", 1, swapped, 3, 0, "must be [PAD]");
    const char *dup[] = {"[PAD]", "[UNK]", "[CLS]", "a", "a"};
    expect_bad("scaffold-vocab", 1, dup, 5, 0, "duplicate");
    const char *num[] = {"[PAD]", "[UNK]", "[CLS]", NULL};
    expect_bad("scaffold-vocab", 1, num, 4, 0, "token 3 is not a non-empty string");
    const char *empty[] = {"[PAD]", "[UNK]", "[CLS]", ""};
    expect_bad("scaffold-vocab", 1, empty, 4, 0, "non-empty string");
}

static void test_encode_truncate_pad(void **state) {
    (void)state;
    sc_vocab v;
    build(&v, 1, 100);  // ids: a 3, b 4, c 5, d 6, e 7
    sc_tokens scratch = {0};
    sc_err err;
    int32_t ids[6];
    float mask[6];
    size_t len;
    assert_int_equal(sc_vocab_encode(&v, "A b Zed", 7, 6, ids, mask, &len, &scratch, &err), 0);
    const int32_t want[6] = {SC_TOK_CLS, 3, 4, SC_TOK_UNK, SC_TOK_PAD, SC_TOK_PAD};
    const float wmask[6] = {1, 1, 1, 1, 0, 0};
    assert_int_equal(len, 4);
    assert_memory_equal(ids, want, sizeof want);
    assert_memory_equal(mask, wmask, sizeof wmask);
    assert_int_equal(sc_vocab_encode(&v, "a b c d e a", 11, 3, ids, mask, &len, &scratch, &err), 0);
    assert_int_equal(len, 3);  // truncated: [CLS] a b
    assert_int_equal(ids[2], 4);
    assert_int_equal(sc_vocab_encode(&v, "a", 1, 0, ids, mask, &len, &scratch, &err), -1);
    sc_tokens_free(&scratch);
    sc_vocab_free(&v);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segmentation),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_vocab_build),
        cmocka_unit_test(test_vocab_msgpack_roundtrip),
        cmocka_unit_test(test_vocab_unpack_rejects_bad_input),
        cmocka_unit_test(test_encode_truncate_pad),
    };
    return cmocka_run_group_tests_name("tokenizer", tests, NULL, sc_test_teardown);
}
