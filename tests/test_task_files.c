// read.files (several data files, per-file columns, globs), predefined splits by
// file, and the pruning of cached files task.yaml no longer lists: every case
// through task.yaml, the private data cache and the readers, and each kind of
// bad input with the file, line and field its error must name.
#include "sc_test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/cache.h"
#include "data/dataset.h"
#include "data/reader.h"
#include "tasks_util.h"

static char tmp[256], cache[300], raw[300];

static int setup(void **state) {
    (void)state;
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(cache, sizeof cache, "%s/cache", tmp);
    snprintf(raw, sizeof raw, "%s/raw", tmp);
    mkdir(raw, 0755);
    setenv("SCAFFOLD_DATA", cache, 1);  // never touch the user's cache here
    return 0;
}

static int teardown(void **state) {
    tu_rmtree(tmp);
    unsetenv("SCAFFOLD_DATA");
    return sc_test_teardown(state);
}

#define Z64 "0000000000000000000000000000000000000000000000000000000000000000"
#define HEAD(name) "name: " name "\nmodality: text\nlabels: {kind: classification, classes: [bad, good]}\n"
#define ALL "splits: {seed: 1, partitions: {all: {teacher-train: 0.5, test: 0.5}}}\n"
#define INP "input: {max_tokens: 8}\n"

// "source: ..." declaring raw/<names...> (NULL-terminated) with their real sha256.
static const char *source_of(const char *const *names) {
    static char s[4096];
    int n = snprintf(s, sizeof s, "source:\n  kind: local\n  path: ../raw\n  files:\n");
    for (; *names; names++) {
        char sha[65];
        tu_sha_of(raw, *names, sha);
        n += snprintf(s + n, sizeof s - (size_t)n, "    - {name: \"%s\", sha256: %s}\n", *names, sha);
    }
    return s;
}

// Writes tmp/<name>/task.yaml and loads it (the test fails if it does not parse).
static sc_task *task_at(const char *name, const char *yaml) {
    char dir[400];
    snprintf(dir, sizeof dir, "%s/%s", tmp, name);
    mkdir(dir, 0755);
    tu_write_str(dir, "task.yaml", yaml);
    sc_task *t;
    sc_err err;
    if (sc_task_load(dir, tmp, &t, &err)) fail_msg("task.yaml: %s", err.msg);
    return t;
}

// sc_task_fetch with its progress lines in out; fails the test on an error.
static void fetch(const sc_task *t, char *out, size_t cap) {
    char *buf = NULL;
    size_t n = 0;
    FILE *log = open_memstream(&buf, &n);
    assert_non_null(log);
    sc_err err;
    int rc = sc_task_fetch(t, NULL, log, &err);
    fclose(log);
    snprintf(out, cap, "%s", buf ? buf : "");
    free(buf);
    if (rc) fail_msg("fetch: %s", err.msg);
}

// Fetches and loads the task; fails the test if loading fails.
static void load(const sc_task *t, sc_dataset *d) {
    char out[4096];
    sc_err err;
    fetch(t, out, sizeof out);
    if (sc_dataset_load(t, d, &err)) fail_msg("load: %s", err.msg);
    for (size_t i = 0; i < d->n_reads; i++) {  // every line of every file accounted for (`tasks check`)
        char line[512];
        if (sc_read_count_explain(t, &d->reads[i], line, sizeof line)) fail_msg("%s", line);
    }
}

// Fetches the task, then expects loading it to fail with `want` in the message.
static void expect_load_error(const sc_task *t, const char *want) {
    char out[4096];
    sc_dataset d;
    sc_err err;
    fetch(t, out, sizeof out);
    if (!sc_dataset_load(t, &d, &err)) {
        sc_dataset_free(&d);
        fail_msg("expected a load error containing \"%s\"", want);
    }
    if (!strstr(err.msg, want)) fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
}

// Two TSV files with different headers; the second has no label column: its
// label, like the source of both, is a per-file column.
static void test_per_file_columns(void **state) {
    (void)state;
    tu_write_str(raw, "a.tsv", "label\ttext\ngood\tfine film\nbad\tdull film\n");
    tu_write_str(raw, "b.tsv", "text\nlovely\n\nsplendid\n");
    char yaml[8192];
    const char *ab[] = {"a.tsv", "b.tsv", NULL};
    snprintf(yaml, sizeof yaml, HEAD("multi") "%s"
             "read:\n  format: tsv\n  files:\n    - {name: a.tsv, source: imdb}\n"
             "    - {name: b.tsv, source: yelp, label: good}\n  text_column: text\n  label_column: label\n"
             ALL INP, source_of(ab));
    sc_task *t = task_at("multi", yaml);
    assert_int_equal(t->n_read_files, 2);
    assert_string_equal(t->read_files[1].cols[1].value, "good");
    sc_dataset d;
    load(t, &d);
    assert_int_equal(d.n, 4);
    const char *texts[] = {"fine film", "dull film", "lovely", "splendid"};
    const int labels[] = {1, 0, 1, 1};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(sc_dataset_text(&d, i), texts[i]);
        assert_int_equal(d.label[i], labels[i]);
    }
    assert_int_equal(d.n_reads, 2);  // one line account per file
    assert_string_equal(d.reads[1].file, "b.tsv");
    assert_int_equal(d.reads[1].blank, 1);
    assert_int_equal(d.reads[1].examples, 2);
    sc_dataset_free(&d);
    sc_task_free(t);
    // jsonl, tabular: a per-file number is a feature, a per-file field the partition.
    tu_write_str(raw, "x.jsonl", "{\"f\": 1.5, \"y\": 2}\n{\"f\": 2.5, \"y\": 3}\n");
    tu_write_str(raw, "z.jsonl", "{\"f\": -1, \"y\": 4}\n");
    const char *xz[] = {"x.jsonl", "z.jsonl", NULL};
    snprintf(yaml, sizeof yaml,
             "name: tab\nmodality: tabular\nlabels: {kind: regression}\n%s"
             "read:\n  format: jsonl\n  files:\n    - {name: x.jsonl, year: 2004, part: train}\n"
             "    - {name: z.jsonl, year: '2010', part: test}\n"
             "  label_field: y\n  partition_field: part\n  feature_columns: [f, year]\n"
             "splits: {seed: 1, partitions: {train: {teacher-train: 1.0}, test: {test: 1.0}}}\n"
             "input: {features: [f, year]}\n", source_of(xz));
    t = task_at("tab", yaml);
    load(t, &d);
    assert_int_equal(d.n, 3);
    const float want[] = {1.5f, 2004, 2.5f, 2004, -1, 2010};
    for (size_t i = 0; i < 6; i++) assert_float_equal(d.features[i], want[i], 0);
    assert_int_equal(d.split[2], SC_SPLIT_TEST);
    assert_int_equal(d.counts[SC_SPLIT_TEST], 1);
    sc_dataset_free(&d);
    sc_task_free(t);
}

// A glob is expanded in sorted order over source.files, with its entry's columns.
static void test_glob(void **state) {
    (void)state;
    const char *names[] = {"r-2.tsv", "notes.tsv", "r-10.tsv", "r-1.tsv", NULL};
    for (const char *const *n = names; *n; n++) {
        char body[64];
        snprintf(body, sizeof body, "text\n%.*s\n", (int)(strlen(*n) - 4), *n);
        tu_write_str(raw, *n, body);
    }
    char yaml[8192];
    snprintf(yaml, sizeof yaml, HEAD("globbed") "%s"
             "read:\n  format: tsv\n  files:\n    - {name: \"r-*.tsv\", label: good}\n"
             "    - {name: notes.tsv, label: bad}\n  text_column: text\n  label_column: label\n" ALL INP,
             source_of(names));
    sc_task *t = task_at("globbed", yaml);
    sc_dataset d;
    load(t, &d);
    const char *order[] = {"r-1", "r-10", "r-2", "notes"};
    assert_int_equal(d.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(sc_dataset_text(&d, i), order[i]);
        assert_int_equal(d.label[i], i < 3);
    }
    assert_string_equal(d.reads[0].file, "r-1.tsv");
    assert_int_equal(t->read_files[2].line, t->read_files[0].line);  // one entry, three files
    sc_dataset_free(&d);
    sc_task_free(t);
    // '?' and '[...]' globs; a declared name holding '[' is taken literally.
    const char *more[] = {"r-1.tsv", "r-2.tsv", "r-10.tsv", "a[1].tsv", NULL};
    tu_write_str(raw, "a[1].tsv", "text\nbracketed\n");
    snprintf(yaml, sizeof yaml, HEAD("globs2") "%s"
             "read: {format: tsv, files: [\"r-?.tsv\", \"a[1].tsv\"], text_column: text, label_column: label}\n"
             ALL INP, source_of(more));
    t = task_at("globs2", yaml);
    assert_int_equal(t->n_read_files, 3);
    assert_string_equal(t->read_files[0].name, "r-1.tsv");
    assert_string_equal(t->read_files[1].name, "r-2.tsv");
    assert_string_equal(t->read_files[2].name, "a[1].tsv");
    sc_task_free(t);
}

// Given splits: each file's partition is a per-file column; `test: {test: 1.0}`
// sends all of test.tsv to the test split, while train.tsv is still cut.
static void test_split_by_file(void **state) {
    (void)state;
    char train[1024] = "label\ttext\n", test[256] = "label\ttext\n";
    for (int i = 0; i < 20; i++) {
        char line[64];
        snprintf(line, sizeof line, "%s\ttrain example %d\n", i % 2 ? "good" : "bad", i);
        strcat(train, line);
        if (i < 5) {
            snprintf(line, sizeof line, "%s\ttest example %d\n", i % 2 ? "good" : "bad", i);
            strcat(test, line);
        }
    }
    tu_write_str(raw, "train.tsv", train);
    tu_write_str(raw, "test.tsv", test);
    const char *tt[] = {"train.tsv", "test.tsv", NULL};
    char yaml[8192];
    snprintf(yaml, sizeof yaml, HEAD("given") "%s"
             "read:\n  format: tsv\n  files:\n    - {name: train.tsv, part: train}\n"
             "    - {name: test.tsv, part: test}\n"
             "  text_column: text\n  label_column: label\n  partition_column: part\n"
             "splits:\n  seed: 3\n  partitions:\n"
             "    train: {teacher-train: 0.5, teacher-valid: 0.1, student-pool: 0.2, student-valid: 0.2}\n"
             "    test: {test: 1.0}\n" INP, source_of(tt));
    sc_task *t = task_at("given", yaml);
    sc_dataset d;
    load(t, &d);
    assert_int_equal(d.n, 25);
    for (size_t i = 0; i < d.n; i++)
        assert_int_equal(d.split[i] == SC_SPLIT_TEST, !strncmp(sc_dataset_text(&d, i), "test", 4));
    const size_t want[SC_NSPLITS] = {10, 2, 4, 4, 5};
    for (int s = 0; s < SC_NSPLITS; s++) assert_int_equal(d.counts[s], want[s]);
    sc_dataset_free(&d);
    // Bytes held in memory are read as the file they are named after (its
    // per-file columns apply), as fuzz targets read them.
    sc_err err;
    assert_int_equal(sc_dataset_init(&d, t, &err), 0);
    assert_int_equal(sc_read_table_buf(t, "somewhere/test.tsv", test, strlen(test), &d, &err), 0);
    assert_int_equal(d.n, 5);
    int test_part = sc_dataset_partition(t, "test");
    for (size_t i = 0; i < d.n; i++) assert_int_equal(d.partition[i], test_part);
    sc_dataset_free(&d);
    sc_task_free(t);
    // The lines format: class and partition are both per-file columns.
    tu_write_str(raw, "train.pos", "great\nfine\nnice\n");
    tu_write_str(raw, "train.neg", "awful\nbad\n");
    tu_write_str(raw, "test.pos", "lovely\n");
    tu_write_str(raw, "test.neg", "dull\n");
    const char *ln[] = {"train.pos", "train.neg", "test.pos", "test.neg", NULL};
    snprintf(yaml, sizeof yaml, HEAD("lined") "%s"
             "read:\n  format: lines\n  files:\n"
             "    - {name: train.pos, label: good, part: train}\n    - {name: train.neg, label: bad, part: train}\n"
             "    - {name: test.pos, label: good, part: test}\n    - {name: test.neg, label: bad, part: test}\n"
             "  label_column: label\n  partition_column: part\n"
             "splits: {seed: 1, partitions: {train: {teacher-train: 1.0}, test: {test: 1.0}}}\n" INP,
             source_of(ln));
    t = task_at("lined", yaml);
    load(t, &d);
    assert_int_equal(d.n, 7);
    const int labels[] = {1, 1, 1, 0, 0, 1, 0};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(d.label[i], labels[i]);
        assert_int_equal(d.split[i], i < 5 ? SC_SPLIT_TEACHER_TRAIN : SC_SPLIT_TEST);
    }
    assert_int_equal(d.n_reads, 4);
    sc_dataset_free(&d);
    sc_task_free(t);
}

// Two tasks of one name in two folders share a cache folder (it is keyed by
// name): a fetch prunes only a folder last fetched for its own task.yaml, so
// neither deletes the other's files unannounced.
static void test_prune_same_name(void **state) {
    (void)state;
    tu_write_str(raw, "a.tsv", "text\na\n");
    tu_write_str(raw, "b.tsv", "text\nb\n");
    const char *fa[] = {"a.tsv", NULL}, *fb[] = {"b.tsv", NULL};
    const char *rd = "read: {format: tsv, files: [{name: \"*.tsv\", label: good}], text_column: text, "
                     "label_column: label}\n" ALL INP;
    char yaml[8192], out[4096], cdir[400], dir[400];
    snprintf(yaml, sizeof yaml, HEAD("twin") "%s%s", source_of(fa), rd);
    sc_task *a = task_at("twin", yaml);
    fetch(a, out, sizeof out);
    snprintf(cdir, sizeof cdir, "%s/twin", cache);
    assert_true(tu_exists(cdir, "a.tsv") && tu_exists(cdir, SC_CACHE_OWNER));
    // The same name in another folder, reading b.tsv only.
    snprintf(dir, sizeof dir, "%s/elsewhere", tmp);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/elsewhere/twin", tmp);
    mkdir(dir, 0755);
    char src[4096];
    snprintf(src, sizeof src, "%s", source_of(fb));
    char *at = strstr(src, "path: ../raw");
    assert_non_null(at);
    memmove(at + strlen("path: ../../raw"), at + strlen("path: ../raw"), strlen(at + strlen("path: ../raw")) + 1);
    memcpy(at, "path: ../../raw", strlen("path: ../../raw"));
    snprintf(yaml, sizeof yaml, HEAD("twin") "%s%s", src, rd);
    tu_write_str(dir, "task.yaml", yaml);
    sc_task *b;
    sc_err err;
    if (sc_task_load(dir, tmp, &b, &err)) fail_msg("%s", err.msg);
    fetch(b, out, sizeof out);
    if (!strstr(out, "not pruned: ") || !strstr(out, "a task of the same name")) fail_msg("fetch said:\n%s", out);
    assert_true(tu_exists(cdir, "a.tsv") && tu_exists(cdir, "b.tsv"));  // a's file kept
    // Fetched for b now: b's next fetch prunes what b does not list.
    fetch(b, out, sizeof out);
    assert_non_null(strstr(out, "  removed a.tsv (no longer in task.yaml)\n"));
    assert_false(tu_exists(cdir, "a.tsv"));
    assert_true(sc_task_is_fetched(b));
    fetch(a, out, sizeof out);  // a fetches a.tsv again and leaves b's file alone
    assert_true(tu_exists(cdir, "a.tsv") && tu_exists(cdir, "b.tsv"));
    sc_task_free(a);
    sc_task_free(b);
}

// The cache folder after a fetch holds what task.yaml lists, nothing else.
static void test_prune(void **state) {
    (void)state;
    tu_write_str(raw, "keep.tsv", "text\nkept\n");
    tu_write_str(raw, "old.tsv", "text\nold\n");
    const char *both[] = {"keep.tsv", "old.tsv", NULL}, *one[] = {"keep.tsv", NULL};
    char yaml[8192], out[4096], cdir[400], stamps[500];
    const char *rd = "read: {format: tsv, files: [{name: \"*.tsv\", label: good}], text_column: text, "
                     "label_column: label}\n" ALL INP;
    snprintf(yaml, sizeof yaml, HEAD("pruned") "%s%s", source_of(both), rd);
    sc_task *t = task_at("pruned", yaml);
    fetch(t, out, sizeof out);
    sc_task_free(t);
    snprintf(cdir, sizeof cdir, "%s/pruned", cache);
    snprintf(stamps, sizeof stamps, "%s/" SC_CACHE_STAMPS, cdir);
    // What must survive: a folder, a fetch's temporary file still being written
    // (this process's), the target of a symbolic link; what must go: the link.
    tu_mkdir(cdir, "sub");
    tu_write_str(cdir, "sub/inner.tsv", "x");
    char name[64], target[400], link[500];
    snprintf(name, sizeof name, "keep.tsv.tmp.%ld", (long)getpid());
    tu_write_str(cdir, name, "partial");
    tu_write_str(cdir, "keep.tsv.tmp.999999999", "left by a dead fetch");
    tu_write_str(tmp, "outside.tsv", "precious");
    snprintf(target, sizeof target, "%s/outside.tsv", tmp);
    snprintf(link, sizeof link, "%s/link.tsv", cdir);
    assert_int_equal(symlink(target, link), 0);
    // task.yaml drops old.tsv: the next fetch removes it and its stamp.
    snprintf(yaml, sizeof yaml, HEAD("pruned") "%s%s", source_of(one), rd);
    t = task_at("pruned", yaml);
    fetch(t, out, sizeof out);
    assert_non_null(strstr(out, "  removed old.tsv (no longer in task.yaml)\n"));
    assert_non_null(strstr(out, "  removed keep.tsv.tmp.999999999 (no longer in task.yaml)\n"));
    assert_non_null(strstr(out, "  removed link.tsv (no longer in task.yaml; a symbolic link: what it points to is "
                                "untouched)\n"));
    assert_non_null(strstr(out, "  left sub in place"));
    assert_false(tu_exists(cdir, "old.tsv"));
    assert_false(tu_exists(cdir, "link.tsv"));
    assert_true(tu_exists(cdir, "keep.tsv") && tu_exists(cdir, name) && tu_exists(cdir, "sub/inner.tsv"));
    assert_true(tu_exists(tmp, "outside.tsv"));
    size_t n;
    char *s = sc_test_slurp(stamps, &n);
    assert_non_null(s);
    assert_null(strstr(s, "old.tsv"));
    assert_non_null(strstr(s, " keep.tsv\n"));
    free(s);
    assert_true(sc_task_is_fetched(t));
    // Nothing left to prune: nothing printed about it.
    fetch(t, out, sizeof out);
    assert_null(strstr(out, "removed"));
    sc_task_free(t);
    // A task folder that is a symbolic link (e.g. to the source data) is never pruned.
    char real[400];
    snprintf(real, sizeof real, "%s/elsewhere", tmp);
    mkdir(real, 0755);
    tu_write_str(real, "README", "not task data");
    snprintf(link, sizeof link, "%s/linked", cache);
    assert_int_equal(symlink(real, link), 0);
    snprintf(yaml, sizeof yaml, HEAD("linked") "%s%s", source_of(one), rd);
    t = task_at("linked", yaml);
    fetch(t, out, sizeof out);
    assert_non_null(strstr(out, "linked is a symbolic link: not pruned"));
    assert_true(tu_exists(real, "README") && tu_exists(real, "keep.tsv"));
    sc_task_free(t);
}

// task.yaml `text` must be refused with `want` (and the file's name) in the message.
static void expect_yaml_error(const char *text, const char *want) {
    sc_task *t = NULL;
    sc_err err;
    if (!sc_task_parse("t", "t/task.yaml", text, strlen(text), tmp, &t, &err)) {
        sc_task_free(t);
        fail_msg("expected an error containing \"%s\"", want);
    }
    if (!strstr(err.msg, want)) fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
    assert_non_null(strstr(err.msg, "t/task.yaml"));
}

#define SRC "source: {kind: local, path: ., files: [{name: a.tsv, sha256: " Z64 "}, {name: b.tsv, sha256: " Z64 "}]}\n"
#define COLS "text_column: t, label_column: l"

static void test_yaml_errors(void **state) {
    (void)state;
    expect_yaml_error(HEAD("t") SRC "read: {format: tsv, file: a.tsv, files: [b.tsv], " COLS "}\n" ALL INP,
                      "line 5: field 'read.files': give read.file or read.files, not both (read.file is on line 5)");
    expect_yaml_error(HEAD("t") SRC "read: {format: tsv, files: [], " COLS "}\n" ALL INP,
                      "line 5: field 'read.files': empty");
    expect_yaml_error(HEAD("t") SRC "read: {format: tsv, files: a.tsv, " COLS "}\n" ALL INP,
                      "line 5: field 'read.files': expected a list, found a scalar");
    expect_yaml_error(HEAD("t") SRC "read:\n  format: tsv\n  files:\n    - a.tsv\n    - [b.tsv]\n  " "text_column: t\n"
                      "  label_column: l\n" ALL INP,
                      "line 9: field 'read.files[1]': expected a file name or a mapping {name: FILE, COLUMN: VALUE, "
                      "...}, found a list");
    expect_yaml_error(HEAD("t") SRC "read: {format: tsv, files: [{file: a.tsv}], " COLS "}\n" ALL INP,
                      "missing required field 'read.files[0].name'");
    expect_yaml_error(HEAD("t") SRC "read: {format: tsv, files: [{name: a.tsv, src: [x]}], " COLS "}\n" ALL INP,
                      "line 5: field 'read.files[0].src': expected a scalar, found a list");
    expect_yaml_error(HEAD("t") SRC "read: {format: tsv, files: [\"c-*.tsv\"], " COLS "}\n" ALL INP,
                      "line 5: field 'read.files[0]': pattern 'c-*.tsv' matches no file in source.files");
    expect_yaml_error(HEAD("t") SRC "read: {format: tsv, files: [\"data/*.tsv\"], " COLS "}\n" ALL INP,
                      "pattern 'data/*.tsv' matches no file in source.files (their names are plain file names");
    expect_yaml_error(HEAD("t") SRC "read: {format: tsv, files: [a.tsv, c.tsv], " COLS "}\n" ALL INP,
                      "line 5: field 'read.files[1]': file 'c.tsv' is not listed in source.files");
    expect_yaml_error(HEAD("t") SRC "read:\n  format: tsv\n  files:\n    - b.tsv\n    - \"*.tsv\"\n"
                      "  text_column: t\n  label_column: l\n" ALL INP,
                      "line 9: field 'read.files[1]': file 'b.tsv' is already read by the entry on line 8");
    expect_yaml_error(HEAD("t") SRC "read: {format: tsv, files: [{name: a.tsv, part: dev}], " COLS
                      ", partition_column: part}\n" ALL INP,
                      "line 5: field 'read.files[0].part': partition 'dev' has no rule in splits.partitions");
    expect_yaml_error(HEAD("t") SRC "read: {format: tsv, files: [{name: a.tsv, l: meh}], " COLS "}\n" ALL INP,
                      "label 'meh' is not in labels.classes (bad, good) (field 'read.files[0].l')");
    expect_yaml_error(HEAD("t") SRC "read: {format: tsv, header: false, files: [{name: a.tsv, '2': x}], "
                      "text_column: '0', label_column: '1'}\n" ALL INP,
                      "field 'read.files[0].2': without a header (read.header: false) the file's columns are numbers");
    expect_yaml_error(HEAD("t") SRC "read: {format: lines, class_files: {bad: a.tsv, good: b.tsv}, files: [a.tsv]}\n"
                      ALL INP, "line 5: field 'read.files': give read.class_files or read.files, not both");
    expect_yaml_error(HEAD("t") SRC "read: {format: lines, files: [a.tsv]}\n" ALL INP,
                      "line 5: missing required field 'read.label_column' (the lines format with read.files");
    expect_yaml_error(HEAD("t") SRC "read: {format: lines, files: [{name: a.tsv, l: good}, b.tsv], label_column: l}\n"
                      ALL INP, "field 'read.files[1]': file 'b.tsv' has no per-file column 'l' (read.label_column)");
    expect_yaml_error("name: t\nmodality: image\nlabels: {kind: classification, classes: [bad, good]}\n" SRC
                      "read: {format: idx, files: [a.tsv], partitions: {all: {images: a.tsv, labels: b.tsv}}}\n" ALL
                      "input: {image: {height: 2, width: 2, channels: 1}}\n",
                      "line 5: field 'read.files': only the csv, tsv, jsonl and lines formats read a list of files");
    expect_yaml_error(HEAD("t") SRC "read: {format: tsv, " COLS "}\n" ALL INP,
                      "missing required field 'read.file' (or a list, read.files)");
    expect_yaml_error(HEAD("..") SRC "read: {format: tsv, file: a.tsv, " COLS "}\n" ALL INP,
                      "line 1: field 'name': '..' must be a plain folder name");
}

// Errors only the data can show: each names the data file and its line.
static void test_read_errors(void **state) {
    (void)state;
    tu_write_str(raw, "a.tsv", "label\ttext\ngood\tfine\n");
    tu_write_str(raw, "b.tsv", "label\ttext\ngood\tfine\nbad\tcaf\xe9\n");
    tu_write_str(raw, "c.tsv", "text\tsource\nfine\tx\n");
    const char *abc[] = {"a.tsv", "b.tsv", "c.tsv", NULL};
    char yaml[8192];
    // Invalid UTF-8 in the second file: named with its line; declared latin-1, both files decode.
    for (int latin1 = 0; latin1 < 2; latin1++) {
        snprintf(yaml, sizeof yaml, HEAD("enc") "%sread: {format: tsv, encoding: %s, files: [a.tsv, b.tsv], "
                 "text_column: text, label_column: label}\n" ALL INP, source_of(abc), latin1 ? "latin-1" : "utf-8");
        sc_task *t = task_at("enc", yaml);
        if (!latin1) {
            expect_load_error(t, "enc/b.tsv line 3: invalid UTF-8 at byte 4 of the text (byte 0xe9)");
        } else {
            sc_dataset d;
            load(t, &d);
            assert_string_equal(sc_dataset_text(&d, 2), "caf\xc3\xa9");
            sc_dataset_free(&d);
        }
        sc_task_free(t);
    }
    // A column the second file lacks (and no per-file value for it).
    snprintf(yaml, sizeof yaml, HEAD("cols") "%sread: {format: tsv, files: [a.tsv, c.tsv], text_column: text, "
             "label_column: label}\n" ALL INP, source_of(abc));
    sc_task *t = task_at("cols", yaml);
    expect_load_error(t, "cols/c.tsv line 1: column 'label' (named in task.yaml) is not in the header nor a per-file "
                         "column of its read.files entry");
    sc_task_free(t);
    // A per-file column that is also in the file's header: ambiguous.
    snprintf(yaml, sizeof yaml, HEAD("clash") "%sread:\n  format: tsv\n  files:\n    - {name: c.tsv, label: good, "
             "source: y}\n  text_column: text\n  label_column: label\n" ALL INP, source_of(abc));
    t = task_at("clash", yaml);
    expect_load_error(t, "clash/c.tsv line 1: column 'source' is in the header and also a per-file column (");
    expect_load_error(t, "clash/task.yaml line 14); rename one of them");  // the entry's value
    sc_task_free(t);
    // The same in jsonl: a per-file field the objects also have.
    tu_write_str(raw, "j.jsonl", "{\"text\": \"fine\", \"label\": \"good\"}\n{\"text\": \"x\", \"label\": \"bad\", "
                                 "\"src\": \"q\"}\n");
    const char *j[] = {"j.jsonl", NULL};
    snprintf(yaml, sizeof yaml, HEAD("jclash") "%sread: {format: jsonl, files: [{name: j.jsonl, src: web}], "
             "text_field: text, label_field: label}\n" ALL INP, source_of(j));
    t = task_at("jclash", yaml);
    expect_load_error(t, "jclash/j.jsonl line 2: field 'src' is in the object and also a per-file field");
    sc_task_free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_per_file_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_glob, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_by_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_same_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
    };
    return cmocka_run_group_tests_name("task_files", tests, NULL, NULL);
}
