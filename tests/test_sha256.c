// SHA-256 against the FIPS 180-2 example vectors, streaming vs one-shot, files.
#include "sc_test.h"

#include <string.h>

#include "core/sha256.h"
#include "tasks_util.h"

static void test_vectors(void **state) {
    (void)state;
    char hex[65];
    sc_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sc_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sc_sha256_hex(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_million_a_streaming(void **state) {
    (void)state;
    // One million 'a' fed in uneven pieces: exercises the partial-block buffer.
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    sc_sha256 s;
    sc_sha256_init(&s);
    size_t left = 1000000, k = 1;
    while (left) {
        size_t n = k % 997 + 1;
        if (n > left) n = left;
        sc_sha256_update(&s, chunk, n);
        left -= n;
        k += 31;
    }
    uint8_t dg[32];
    char hex[65];
    sc_sha256_final(&s, dg);
    sc_sha256_to_hex(dg, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_file(void **state) {
    (void)state;
    char dir[256], hex[65], hex2[65];
    tu_tmpdir(dir, sizeof dir);
    unsigned char data[3000];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 7);
    tu_write(dir, "f", data, sizeof data);
    tu_sha_of(dir, "f", hex);
    sc_sha256_hex(data, sizeof data, hex2);
    assert_string_equal(hex, hex2);
    sc_err err;
    char p[300];
    snprintf(p, sizeof p, "%s/missing", dir);
    assert_int_equal(sc_sha256_file(p, hex, &err), -1);
    assert_non_null(strstr(err.msg, "missing"));
    tu_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_million_a_streaming),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests_name("sha256", tests, NULL, sc_test_teardown);
}
