// `scaffold init-task`: a starter task.yaml detected from realistic data files
// (TSV with CRLF and stray quotes, quoted CSV, Latin-1, JSON lines, no header,
// one file per class) must load, fetch and pass `scaffold tasks check` as
// written; it never overwrites a task.yaml; bad input is an error naming the
// file. Also the newcomer's lookup errors (they name SCAFFOLD_HOME and the folder
// searched) and cache hints that print the argument that finds the task.
// Everything happens in a temp folder with a private data cache.
#include "sc_test.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/cache.h"
#include "data/dataset.h"
#include "data/task_init.h"
#include "tasks_util.h"

static char tmp[256], cache[300], home_saved[PATH_MAX];
static int home_was_set;
static char out[1 << 16], errbuf[1 << 14];

static int setup(void **state) {
    (void)state;
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(cache, sizeof cache, "%s/cache", tmp);
    setenv("SCAFFOLD_DATA", cache, 1);  // never touch the user's cache here
    const char *h = getenv("SCAFFOLD_HOME");
    home_was_set = h != NULL;
    snprintf(home_saved, sizeof home_saved, "%s", h ? h : "");
    return 0;
}

static int teardown(void **state) {
    tu_rmtree(tmp);
    unsetenv("SCAFFOLD_DATA");
    if (home_was_set) setenv("SCAFFOLD_HOME", home_saved, 1);
    return sc_test_teardown(state);
}

// tmp/<sub>/<name> holding data; returns its path (static buffer).
static const char *put_file(const char *sub, const char *name, const void *data, size_t n) {
    static char path[600];
    char dir[400];
    snprintf(dir, sizeof dir, "%s/%s", tmp, sub);
    mkdir(dir, 0755);
    tu_write(dir, name, data, n);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

// `scaffold init-task NAME --from F1 [--from F2] [--out DIR]`: its exit code, output in out / errbuf.
static int init_cmd(const char *name, const char *f1, const char *f2, const char *dir) {
    char *argv[10];
    int n = 0;
    argv[n++] = "init-task";
    argv[n++] = (char *)name;
    argv[n++] = "--from";
    argv[n++] = (char *)f1;
    if (f2) argv[n++] = "--from", argv[n++] = (char *)f2;
    if (dir) argv[n++] = "--out", argv[n++] = (char *)dir;
    argv[n] = NULL;
    return sc_test_capture(sc_cmd_init_task, n, argv, out, sizeof out, errbuf, sizeof errbuf);
}

static int tasks_cmd(const char *verb, const char *dir) {
    char *argv[] = {"tasks", (char *)verb, (char *)dir, NULL};
    return sc_test_capture(sc_cmd_tasks, 3, argv, out, sizeof out, errbuf, sizeof errbuf);
}

// init-task into tmp/tasks-out; the task.yaml must hold every string of `want`.
// Returns the task folder (static buffer).
static const char *init_ok(const char *name, const char *f1, const char *f2, const char *const *want) {
    static char dir[500];
    char parent[400], yaml[600];
    snprintf(parent, sizeof parent, "%s/tasks-out", tmp);
    int rc = init_cmd(name, f1, f2, parent);
    if (rc) fail_msg("init-task %s failed (%d): %s", name, rc, errbuf);
    snprintf(dir, sizeof dir, "%s/%s", parent, name);
    snprintf(yaml, sizeof yaml, "%s/task.yaml", dir);
    assert_non_null(strstr(out, yaml));
    free(sc_test_file_with(yaml, want));
    return dir;
}

// The generated task as written: it loads by path, fetches, loads n examples with
// these classes and per-class counts, and `scaffold tasks check` passes. The
// caller frees *tp and *d.
static void expect_loads(const char *dir, size_t n, const char *const *classes, const size_t *counts, sc_task **tp,
                         sc_dataset *d) {
    sc_err err;
    sc_task *t;
    if (sc_task_open(dir, &t, &err)) fail_msg("%s", err.msg);
    if (sc_task_fetch(t, NULL, NULL, &err)) fail_msg("fetch: %s", err.msg);
    if (sc_dataset_load(t, d, &err)) fail_msg("load: %s", err.msg);
    assert_int_equal(d->n, n);
    size_t k = 0;
    for (; classes[k]; k++) {
        assert_true(k < t->n_classes);
        assert_string_equal(t->classes[k], classes[k]);
        size_t m = 0;
        for (size_t i = 0; i < d->n; i++) m += d->label[i] == (int32_t)k;
        assert_int_equal(m, counts[k]);
    }
    assert_int_equal(k, t->n_classes);
    int rc = tasks_cmd("check", dir);
    if (rc) fail_msg("tasks check failed: %s", errbuf);
    assert_non_null(strstr(out, "check passed"));
    *tp = t;
}

// 1 if some example's text equals s.
static int has_text(const sc_dataset *d, const char *s) {
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(sc_dataset_text(d, i), s)) return 1;
    return 0;
}

static void done(sc_task *t, sc_dataset *d) {
    sc_dataset_free(d);
    sc_task_free(t);
}

// TSV with a header, CRLF line ends and the stray quotes of real exports: quoting
// must be off (quote: none) and every quote kept as text, on its own line.
static void test_tsv_crlf_stray_quotes(void **state) {
    (void)state;
    char data[8192] = "label\treview\r\n";
    for (int i = 0; i < 40; i++) {
        char row[200];
        const char *text = i == 3 ? "\"so bad" : i == 8 ? "A 5\" screen , meh" : i == 13 ? "\"great\" she said"
                                                                                         : NULL;
        if (text) snprintf(row, sizeof row, "%s\t%s\r\n", i % 2 ? "good" : "bad", text);
        else snprintf(row, sizeof row, "%s\t%s film number %d , truly %s !\r\n", i % 2 ? "good" : "bad",
                      i % 2 ? "A lovely" : "A dull", i, i % 2 ? "wonderful" : "boring");
        strcat(data, row);
    }
    const char *f = put_file("raw-tsv", "reviews.tsv", data, strlen(data));
    const char *const want[] = {"name: reviews  ", "format: tsv", "header: true", "quote: none",
                                "text_column: review", "label_column: label", "classes: [bad, good]",
                                "41 of 41 lines end in \\r\\n", "encoding: utf-8", "max_tokens: 16",
                                "reviews.tsv line 5: a quoted field opens here and closes on line 10", "student-pool: 0.2", NULL};
    const char *dir = init_ok("reviews", f, NULL, want);
    assert_non_null(strstr(out, "40 examples, 2 classes: bad 20, good 20"));
    sc_task *t;
    sc_dataset d;
    expect_loads(dir, 40, (const char *const[]){"bad", "good", NULL}, (const size_t[]){20, 20}, &t, &d);
    assert_true(has_text(&d, "\"so bad"));
    assert_true(has_text(&d, "A 5\" screen , meh"));
    assert_true(has_text(&d, "\"great\" she said"));
    assert_int_equal(t->quote, 0);
    done(t, &d);
}

// RFC 4180 CSV: quoted fields with commas and doubled quotes, an id column, three classes.
static void test_csv_quoted(void **state) {
    (void)state;
    char data[8192] = "id,text,label\n";
    static const char *const labs[] = {"neg", "neu", "pos"};
    for (int i = 0; i < 30; i++) {
        char row[200];
        snprintf(row, sizeof row, "%d,\"A film, number %d, said \"\"critic %d\"\"\",%s\n", 100 + i, i, i, labs[i % 3]);
        strcat(data, row);
    }
    const char *f = put_file("raw-csv", "films.csv", data, strlen(data));
    const char *const want[] = {"format: csv", "header: true", "# quote: '\"' (the default)", "text_column: text",
                                "label_column: label", "classes: [neg, neu, pos]", NULL};
    const char *dir = init_ok("films", f, NULL, want);
    sc_task *t;
    sc_dataset d;
    expect_loads(dir, 30, (const char *const[]){"neg", "neu", "pos", NULL}, (const size_t[]){10, 10, 10}, &t, &d);
    assert_true(has_text(&d, "A film, number 7, said \"critic 7\""));
    done(t, &d);
}

// Latin-1: detected from invalid UTF-8, texts decoded; a header whose names are
// Latin-1 is skipped (task.yaml is UTF-8 and could not name the columns); a
// non-ASCII Latin-1 label is an error naming its line.
static void test_latin1(void **state) {
    (void)state;
    char data[8192] = "label\ttext\n";
    for (int i = 0; i < 20; i++) {
        char row[120];
        snprintf(row, sizeof row, "%s\t%s num\xe9ro %d\n", i % 2 ? "pos" : "neg", i % 2 ? "Tr\xe8s bon caf\xe9" : "Mauvais",
                 i);
        strcat(data, row);
    }
    const char *f = put_file("raw-l1", "fr.tsv", data, strlen(data));
    const char *const want[] = {"encoding: latin-1", "fr.tsv line 2 is not valid UTF-8", "header: true",
                                "text_column: text", NULL};
    const char *dir = init_ok("fr", f, NULL, want);
    sc_task *t;
    sc_dataset d;
    expect_loads(dir, 20, (const char *const[]){"neg", "pos", NULL}, (const size_t[]){10, 10}, &t, &d);
    assert_true(has_text(&d, "Tr\xc3\xa8s bon caf\xc3\xa9 num\xc3\xa9ro 1"));  // as UTF-8
    done(t, &d);
    // Latin-1 column names: the header line is skipped, the columns numbered.
    memcpy(data, "\xe9tiq\ttexte", 10);
    f = put_file("raw-l1h", "frh.tsv", data, strlen(data));
    const char *const want2[] = {"header: false", "skip_lines: 1", "text_column: 1", "label_column: 0",
                                 "column 0 has Latin-1 bytes", "column \"\xc3\xa9tiq\"", NULL};
    dir = init_ok("frh", f, NULL, want2);
    expect_loads(dir, 20, (const char *const[]){"neg", "pos", NULL}, (const size_t[]){10, 10}, &t, &d);
    done(t, &d);
    // A Latin-1 label task.yaml cannot spell.
    memcpy(data + 11, "n\xe9g", 3);
    f = put_file("raw-l1l", "frl.tsv", data, strlen(data));
    char parent[400];
    snprintf(parent, sizeof parent, "%s/tasks-out", tmp);
    assert_int_equal(init_cmd("frl", f, NULL, parent), 1);
    if (!strstr(errbuf, "frl.tsv line 2: label 'n\xe9g' is not ASCII in a Latin-1 file"))
        fail_msg("unexpected error: %s", errbuf);
    assert_non_null(strstr(errbuf, "iconv -f latin1 -t utf-8"));
    assert_false(tu_exists(parent, "frl/task.yaml"));
}

// JSON lines: keys, the string field with the longest values, a few-valued label.
static void test_jsonl(void **state) {
    (void)state;
    static const char *const topics[] = {"sport", "science", "art"};
    char data[8192] = "";
    for (int i = 0; i < 30; i++) {
        char row[200];
        snprintf(row, sizeof row, "{\"id\": %d, \"question\": \"what is item %d \\u00e9 ?\", \"topic\": \"%s\", "
                 "\"score\": %d.5}\r\n%s", i, i, topics[i % 3], i, i == 10 ? "\n" : "");
        strcat(data, row);
    }
    const char *f = put_file("raw-jl", "q.jsonl", data, strlen(data));
    const char *const want[] = {"format: jsonl", "text_field: question", "label_field: topic",
                                "classes: [art, science, sport]", "JSON lines are always UTF-8", NULL};
    const char *dir = init_ok("q", f, NULL, want);
    sc_task *t;
    sc_dataset d;
    expect_loads(dir, 30, (const char *const[]){"art", "science", "sport", NULL}, (const size_t[]){10, 10, 10}, &t,
                 &d);
    assert_true(has_text(&d, "what is item 4 \xc3\xa9 ?"));
    done(t, &d);
}

// No header: the first record's label occurs again below, so it is data; numeric labels sort as numbers.
static void test_headerless(void **state) {
    (void)state;
    char data[8192] = "";
    for (int i = 0; i < 33; i++) {
        char row[100];
        snprintf(row, sizeof row, "%d\t%s movie %d%s", i % 3 ? (i % 3 == 1 ? 2 : 10) : 1, i % 2 ? "good" : "bad", i,
                 i == 32 ? "" : "\n");  // no line break at the end
        strcat(data, row);
    }
    const char *f = put_file("raw-nh", "nohead.tsv", data, strlen(data));
    const char *const want[] = {"header: false", "label_column: 0", "text_column: 1", "classes: [1, 2, 10]", NULL};
    const char *dir = init_ok("nohead", f, NULL, want);
    sc_task *t;
    sc_dataset d;
    expect_loads(dir, 33, (const char *const[]){"1", "2", "10", NULL}, (const size_t[]){11, 11, 11}, &t, &d);
    assert_true(has_text(&d, "bad movie 0"));  // the first line is an example
    done(t, &d);
}

// Several files: one file of lines per class, class names from the file names.
static void test_lines_per_class(void **state) {
    (void)state;
    char neg[2048] = "", pos[2048] = "";
    for (int i = 0; i < 7; i++) snprintf(neg + strlen(neg), sizeof neg - strlen(neg), "a bad film %d\n\n", i);
    for (int i = 0; i < 9; i++) snprintf(pos + strlen(pos), sizeof pos - strlen(pos), "a good film %d\r\n", i);
    put_file("raw-lines", "rt-polarity.neg", neg, strlen(neg));
    char fneg[600];
    snprintf(fneg, sizeof fneg, "%s/raw-lines/rt-polarity.neg", tmp);
    const char *fpos = put_file("raw-lines", "rt-polarity.pos", pos, strlen(pos));
    const char *const want[] = {"format: lines", "class_files: {neg: rt-polarity.neg, pos: rt-polarity.pos}",
                                "classes: [neg, pos]", NULL};
    const char *dir = init_ok("rt", fneg, fpos, want);
    sc_task *t;
    sc_dataset d;
    expect_loads(dir, 16, (const char *const[]){"neg", "pos", NULL}, (const size_t[]){7, 9}, &t, &d);
    done(t, &d);
}

// Labels that YAML would misread if written plain: quoted in task.yaml, matched byte for byte.
static void test_labels_need_quoting(void **state) {
    (void)state;
    static const char *const labs[] = {"yes", "very good: 5", "#1", "\"q\"", "- x"};
    char data[8192] = "text,label\n";
    for (int i = 0; i < 25; i++) {
        const char *l = labs[i % 5];
        char q[40];  // CSV-quote labels holding a quote
        if (strchr(l, '"')) snprintf(q, sizeof q, "\"\"\"q\"\"\"");
        else snprintf(q, sizeof q, "%s", l);
        snprintf(data + strlen(data), sizeof data - strlen(data), "some words number %d here,%s\n", i, q);
    }
    const char *f = put_file("raw-q", "odd.csv", data, strlen(data));
    const char *const want[] = {"classes: [\"\\\"q\\\"\", \"#1\", \"- x\", \"very good: 5\", \"yes\"]", NULL};
    const char *dir = init_ok("odd", f, NULL, want);
    sc_task *t;
    sc_dataset d;
    expect_loads(dir, 25, (const char *const[]){"\"q\"", "#1", "- x", "very good: 5", "yes", NULL},
                 (const size_t[]){5, 5, 5, 5, 5}, &t, &d);
    done(t, &d);
}

// An existing task.yaml is never overwritten (not a byte changes).
static void test_refuses_overwrite(void **state) {
    (void)state;
    char data[4096] = "label\ttext\n";
    for (int i = 0; i < 12; i++)
        snprintf(data + strlen(data), sizeof data - strlen(data), "%s\tsome text %d\n", i % 2 ? "a" : "b", i);
    const char *f = put_file("raw-ow", "ow.tsv", data, strlen(data));
    char parent[400], yaml[500];
    snprintf(parent, sizeof parent, "%s/ow-out", tmp);
    snprintf(yaml, sizeof yaml, "%s/ow/task.yaml", parent);
    assert_int_equal(init_cmd("ow", f, NULL, parent), 0);
    size_t n0, n1;
    char *before = sc_test_slurp(yaml, &n0);
    tu_write_str(tmp, "raw-ow/ow.tsv", "label\ttext\nc\tchanged\nd\tother\n");
    assert_int_equal(init_cmd("ow", f, NULL, parent), 1);
    char want[700];
    snprintf(want, sizeof want, "%s already exists: init-task never overwrites a task.yaml", yaml);
    if (!strstr(errbuf, want)) fail_msg("unexpected error: %s", errbuf);
    char *after = sc_test_slurp(yaml, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
}

// Input init-task cannot use: errors name the file (and the line when there is one).
static void test_bad_input_errors(void **state) {
    (void)state;
    char parent[400], missing[500];
    snprintf(parent, sizeof parent, "%s/bad-out", tmp);
    snprintf(missing, sizeof missing, "%s/nowhere/x.tsv", tmp);
    assert_int_equal(init_cmd("m", missing, NULL, parent), 1);
    assert_non_null(strstr(errbuf, missing));
    assert_non_null(strstr(errbuf, "cannot read the data file: No such file or directory"));
    const char *f = put_file("raw-bad", "empty.tsv", "", 0);
    assert_int_equal(init_cmd("e", f, NULL, parent), 1);
    assert_non_null(strstr(errbuf, "empty.tsv: empty file"));
    f = put_file("raw-bad", "blank.tsv", "\n \r\n\t\n", 6);
    assert_int_equal(init_cmd("e", f, NULL, parent), 1);
    assert_non_null(strstr(errbuf, "blank.tsv: empty file"));
    f = put_file("raw-bad", "plain.txt", "one line\nanother line\nthird\n", 28);
    assert_int_equal(init_cmd("p", f, NULL, parent), 1);
    assert_non_null(strstr(errbuf, "plain.txt: not a table"));
    assert_non_null(strstr(errbuf, "give --from once per class"));
    f = put_file("raw-bad", "few.tsv", "label\ttext\na\tx\nb\ty\na\tz\nb\tw\n", 27);
    assert_int_equal(init_cmd("f", f, NULL, parent), 1);
    assert_non_null(strstr(errbuf, "few.tsv: 4 examples; the default split into five parts needs at least 10"));
    f = put_file("raw-bad", "bad.jsonl", "{\"t\": \"a\", \"l\": \"x\"}\n{\"t\": \"b\", \"l\": \n", 38);
    assert_int_equal(init_cmd("j", f, NULL, parent), 1);
    assert_non_null(strstr(errbuf, "bad.jsonl line 2: not a JSON object"));
    f = put_file("raw-bad", "bin.tsv", "a\tb\nc\0d\te\n", 10);
    assert_int_equal(init_cmd("b", f, NULL, parent), 1);
    assert_non_null(strstr(errbuf, "bin.tsv line 2: NUL byte"));
    assert_int_equal(init_cmd("../evil", f, NULL, parent), 1);
    assert_non_null(strstr(errbuf, "task name '../evil'"));
    assert_int_equal(tu_count(parent), 0);  // nothing was written for any of them
    char *argv[] = {"init-task", "x", NULL};
    assert_int_equal(sc_test_capture(sc_cmd_init_task, 2, argv, out, sizeof out, errbuf, sizeof errbuf), 2);
    assert_non_null(strstr(errbuf, "missing --from FILE"));
}

// The default --out is ./tasks when it exists (then the task is found by name), else the current folder.
static void test_default_out_and_hints(void **state) {
    (void)state;
    char data[4096] = "label\ttext\n", cwd[PATH_MAX], work[400];
    for (int i = 0; i < 12; i++)
        snprintf(data + strlen(data), sizeof data - strlen(data), "%s\tsome text %d\n", i % 2 ? "a" : "b", i);
    const char *f = put_file("raw-def", "d.tsv", data, strlen(data));
    char from[600];
    snprintf(from, sizeof from, "%s", f);
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(work, sizeof work, "%s/work", tmp);
    mkdir(work, 0755);
    assert_int_equal(chdir(work), 0);
    unsetenv("SCAFFOLD_HOME");
    int rc = init_cmd("here", from, NULL, NULL);  // no ./tasks: written to ./here
    int here = tu_exists(work, "here/task.yaml");
    int path_hint = strstr(out, "scaffold tasks fetch ./here\n") != NULL;
    mkdir("tasks", 0755);
    int rc2 = init_cmd("named", from, NULL, NULL);  // ./tasks exists: found by name
    int named = tu_exists(work, "tasks/named/task.yaml");
    int name_hint = strstr(out, "scaffold tasks fetch named\n") != NULL;
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    assert_true(here);
    assert_true(path_hint);
    assert_int_equal(rc2, 0);
    assert_true(named);
    assert_true(name_hint);
}

// Outside the repository: lookup errors name the folder searched and SCAFFOLD_HOME, and say how to fix it.
static void test_lookup_errors_name_home(void **state) {
    (void)state;
    char cwd[PATH_MAX], work[400], real[PATH_MAX];
    snprintf(work, sizeof work, "%s/outside", tmp);
    mkdir(work, 0755);
    assert_non_null(realpath(work, real));
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(work), 0);
    unsetenv("SCAFFOLD_HOME");
    sc_task *t = NULL;
    sc_err e1, e2, e3, e4;
    int r1 = sc_task_open("uci-ext", &t, &e1);
    char **names = NULL;
    size_t n = 0;
    int r2 = sc_task_names(&names, &n, &e2);
    char home[500];
    snprintf(home, sizeof home, "%s/nohome", tmp);
    setenv("SCAFFOLD_HOME", home, 1);
    int r3 = sc_task_open("uci-ext", &t, &e3);
    unsetenv("SCAFFOLD_HOME");
    int r4 = sc_task_open("/tmp/x/uci-ext", &t, &e4);
    assert_int_equal(chdir(cwd), 0);
    if (home_was_set) setenv("SCAFFOLD_HOME", home_saved, 1);
    assert_int_equal(r1, -1);
    assert_int_equal(r2, -1);
    assert_int_equal(r3, -1);
    assert_int_equal(r4, -1);
    char want[PATH_MAX + 100];
    snprintf(want, sizeof want, "./tasks = %s/tasks (SCAFFOLD_HOME is not set", real);
    const char *const unset[] = {"unknown task 'uci-ext': no ./tasks/uci-ext/task.yaml, and ./tasks does not exist",
                                 want, "set SCAFFOLD_HOME to the scaffold repository",
                                 "give a task folder by its path (a NAME containing '/'", NULL};
    for (int i = 0; unset[i]; i++)
        if (!strstr(e1.msg, unset[i])) fail_msg("\"%s\" lacks \"%s\"", e1.msg, unset[i]);
    for (int i = 1; unset[i]; i++)
        if (!strstr(e2.msg, unset[i])) fail_msg("\"%s\" lacks \"%s\"", e2.msg, unset[i]);
    assert_non_null(strstr(e2.msg, "./tasks: cannot open the tasks folder"));
    snprintf(want, sizeof want, "$SCAFFOLD_HOME/tasks = %s/tasks (SCAFFOLD_HOME is set)", home);
    if (!strstr(e3.msg, want)) fail_msg("\"%s\" lacks \"%s\"", e3.msg, want);
    assert_non_null(strstr(e3.msg, "point SCAFFOLD_HOME to the scaffold repository"));
    assert_non_null(strstr(e4.msg, "no task at /tmp/x/uci-ext: /tmp/x/uci-ext/task.yaml: No such file"));
}

// Cache hints print what finds the task: its path when it was given by path, its name when the name finds it.
static void test_fetch_hint_names_path(void **state) {
    (void)state;
    char data[4096] = "label\ttext\n";
    for (int i = 0; i < 12; i++)
        snprintf(data + strlen(data), sizeof data - strlen(data), "%s\tsome text %d\n", i % 2 ? "a" : "b", i);
    const char *f = put_file("raw-hint", "h.tsv", data, strlen(data));
    char from[600], home[400], parent[500], dir[600], want[800];
    snprintf(from, sizeof from, "%s", f);
    snprintf(home, sizeof home, "%s/home", tmp);
    snprintf(parent, sizeof parent, "%s/tasks", home);
    assert_int_equal(init_cmd("uci-ext", from, NULL, parent), 0);
    snprintf(dir, sizeof dir, "%s/uci-ext", parent);
    // By path, not fetched: the hint is the path (`fetch uci-ext` would say "unknown task").
    unsetenv("SCAFFOLD_HOME");
    assert_int_equal(tasks_cmd("check", dir), 1);
    snprintf(want, sizeof want, "not fetched (run `scaffold tasks fetch %s`)", dir);
    if (!strstr(errbuf, want)) fail_msg("\"%s\" lacks \"%s\"", errbuf, want);
    // With SCAFFOLD_HOME pointing at it, the name finds the task: the hint is the name.
    setenv("SCAFFOLD_HOME", home, 1);
    int rc = tasks_cmd("check", dir);
    int by_name = strstr(errbuf, "not fetched (run `scaffold tasks fetch uci-ext`)") != NULL;
    // A changed cached copy names the same command.
    sc_task *t = NULL;
    sc_err err;
    int open = sc_task_open(dir, &t, &err);
    unsetenv("SCAFFOLD_HOME");
    if (home_was_set) setenv("SCAFFOLD_HOME", home_saved, 1);
    assert_int_equal(rc, 1);
    assert_true(by_name);
    assert_int_equal(open, 0);
    assert_int_equal(sc_task_fetch(t, NULL, NULL, &err), 0);
    char cdir[500];
    snprintf(cdir, sizeof cdir, "%s/uci-ext", cache);
    tu_write_str(cdir, "h.tsv", "label\ttext\na\tb\n");
    sc_dataset d;
    assert_int_equal(sc_dataset_load(t, &d, &err), -1);
    snprintf(want, sizeof want, "run `scaffold tasks fetch %s` to restore it", dir);
    if (!strstr(err.msg, want)) fail_msg("\"%s\" lacks \"%s\"", err.msg, want);
    sc_task_free(t);
}

// The pure detection on buffers: a stray quote that opens a field and a later
// one that closes it would make one consistent multi-line record; quote: none
// comes first, so no lines are merged.
static void test_detect_prefers_no_merge(void **state) {
    (void)state;
    char data[4096] = "label\ttext\n";
    for (int i = 0; i < 12; i++)  // quoting on lines 4-6 would make one record of 2 fields
        snprintf(data + strlen(data), sizeof data - strlen(data), "%s\t%s\n", i % 2 ? "a" : "b",
                 i == 2 ? "\"opens here" : i == 4 ? "and closes here\"" : "plain text");
    sc_init_file f = {"s.tsv", data, strlen(data), "x"};
    sc_init_guess g;
    sc_err err;
    if (sc_init_detect(&f, 1, &g, &err)) fail_msg("%s", err.msg);
    assert_int_equal(g.format, SC_FMT_TSV);
    assert_int_equal(g.quote, 0);
    assert_int_equal(g.multiline, 0);
    assert_int_equal(g.examples, 12);
    sc_init_guess_free(&g);
    // A label-like header name wins over a column with fewer values.
    const char *csv = "split,label,text\n"
                      "train,x,aaa aaa\ntrain,y,bbb bbb\ntest,z,ccc ccc\ntrain,x,ddd ddd\ntest,y,eee eee\n"
                      "train,z,fff fff\ntrain,x,ggg ggg\ntest,y,hhh hhh\ntrain,z,iii iii\ntrain,x,jjj jjj\n";
    sc_init_file f2 = {"c.csv", csv, strlen(csv), "x"};
    if (sc_init_detect(&f2, 1, &g, &err)) fail_msg("%s", err.msg);
    assert_int_equal(g.label, 1);
    assert_int_equal(g.text, 2);
    assert_int_equal(g.n_classes, 3);
    sc_init_guess_free(&g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tsv_crlf_stray_quotes),
        cmocka_unit_test(test_csv_quoted),
        cmocka_unit_test(test_latin1),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_headerless),
        cmocka_unit_test(test_lines_per_class),
        cmocka_unit_test(test_labels_need_quoting),
        cmocka_unit_test(test_refuses_overwrite),
        cmocka_unit_test(test_bad_input_errors),
        cmocka_unit_test(test_default_out_and_hints),
        cmocka_unit_test(test_lookup_errors_name_home),
        cmocka_unit_test(test_fetch_hint_names_path),
        cmocka_unit_test(test_detect_prefers_no_merge),
    };
    return cmocka_run_group_tests_name("init-task", tests, setup, teardown);
}
