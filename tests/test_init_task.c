// `scaffold init-task`: a starter task.yaml detected from realistic data files
// (TSV with CRLF and stray quotes, quoted CSV, Latin-1, JSON lines, no header,
// one file per class, several tables or JSON-lines files read together with
// their source as a per-file column) must load, fetch and pass `scaffold tasks
// check` as written; files that cannot make one task are refused naming the
// file that differs and how; it never overwrites a task.yaml; bad input is an error naming the
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

// `scaffold init-task NAME --from F1 --from F2 ...` (n files): exit code, output in out / errbuf.
static int init_cmd_n(const char *name, const char *const *files, size_t n, const char *dir) {
    char *argv[40];
    int k = 0;
    argv[k++] = "init-task";
    argv[k++] = (char *)name;
    for (size_t i = 0; i < n && k < 36; i++) argv[k++] = "--from", argv[k++] = (char *)files[i];
    if (dir) argv[k++] = "--out", argv[k++] = (char *)dir;
    argv[k] = NULL;
    return sc_test_capture(sc_cmd_init_task, k, argv, out, sizeof out, errbuf, sizeof errbuf);
}

// A review table: a header, then `rows` records alternating neg/pos; text_fmt
// takes the row number (%d) once; eol "\n" or "\r\n".
static size_t review_table(char *buf, size_t cap, const char *header, int rows, const char *text_fmt,
                           const char *eol) {
    size_t n = (size_t)snprintf(buf, cap, "%s%s", header, eol);
    for (int i = 0; i < rows && n < cap; i++) {
        n += (size_t)snprintf(buf + n, cap - n, text_fmt, i);
        n += (size_t)snprintf(buf + n, cap - n, "\t%s%s", i % 2 ? "pos" : "neg", eol);
    }
    return n;
}

// s with the first occurrence of `old` replaced by `new` (malloc'd; s is freed).
static char *replace(char *s, const char *old, const char *new) {
    char *at = strstr(s, old);
    if (!at) fail_msg("'%s' is not in the text", old);
    size_t a = (size_t)(at - s), lo = strlen(old), ln = strlen(new), n = strlen(s);
    char *r = malloc(n - lo + ln + 1);
    assert_non_null(r);
    memcpy(r, s, a);
    memcpy(r + a, new, ln);
    memcpy(r + a + ln, at + lo, n - a - lo + 1);
    free(s);
    return r;
}

// Several tables of one format from three sources: one Latin-1, one with CRLF
// and a stray leading quote. One task reads them all (read.files), each file's
// stem as the per-file column `source`; Latin-1 is right for the task because
// the other files are plain ASCII; the quoting that reads every file is chosen.
static void test_several_tables(void **state) {
    (void)state;
    char a[4096], b[4096], c[4096], paths[3][600];
    size_t na = review_table(a, sizeof a, "sentence\tlabel", 20, "the 5\" kettle %d was fine", "\n");
    size_t nb = review_table(b, sizeof b, "sentence\tlabel", 20, "le caf\xe9 num\xe9ro %d", "\n");
    size_t nc = review_table(c, sizeof c, "sentence\tlabel", 20, "the film %d , sadly", "\r\n");
    memcpy(strstr(c, "the film 7"), "\"he film 7", 10);  // a stray quote opens the field: quoting would merge lines
    snprintf(paths[0], sizeof paths[0], "%s", put_file("raw-multi", "a-shop.tsv", a, na));
    snprintf(paths[1], sizeof paths[1], "%s", put_file("raw-multi", "b-forum.tsv", b, nb));
    snprintf(paths[2], sizeof paths[2], "%s", put_file("raw-multi", "c-films.tsv", c, nc));
    const char *const files[] = {paths[0], paths[1], paths[2]};
    char parent[400], dir[500], yaml[600];
    snprintf(parent, sizeof parent, "%s/tasks-out", tmp);
    if (init_cmd_n("multi", files, 3, parent)) fail_msg("init-task failed: %s", errbuf);
    snprintf(dir, sizeof dir, "%s/multi", parent);
    snprintf(yaml, sizeof yaml, "%s/task.yaml", dir);
    const char *const want[] = {"format: tsv", "every record of every file has 2 tab-separated fields (63 records)",
                                "    - {name: a-shop.tsv, source: a-shop}", "    - {name: b-forum.tsv, source: b-forum}",
                                "    - {name: c-films.tsv, source: c-films}", "encoding: latin-1",
                                "b-forum.tsv line 2 is not valid UTF-8",
                                "the encoding is one for the task: a-shop.tsv, c-films.tsv are plain ASCII",
                                "quote: none", "with quoting on: c-films.tsv line 9: unterminated quoted field",
                                "# line ends: c-films.tsv: 21 of 21 lines end in \\r\\n", "header: true",
                                "text_column: sentence", "label_column: label", "  # partition_column: source",
                                "    # a-shop: {test: 1.0}", "description: \"3 tsv files: 60 examples, 2 classes",
                                NULL};
    free(sc_test_file_with(yaml, want));
    assert_non_null(strstr(out, "b-forum.tsv: 20 examples, source b-forum, not UTF-8"));
    assert_non_null(strstr(out, "c-films.tsv: 20 examples, source c-films, CRLF"));
    assert_non_null(strstr(out, "60 examples, 2 classes: neg 30, pos 30"));
    sc_task *t;
    sc_dataset d;
    expect_loads(dir, 60, (const char *const[]){"neg", "pos", NULL}, (const size_t[]){30, 30}, &t, &d);
    assert_true(has_text(&d, "le caf\xc3\xa9 num\xc3\xa9ro 3"));  // Latin-1 decoded
    assert_true(has_text(&d, "the 5\" kettle 4 was fine"));     // UTF-8 (ASCII) unchanged
    assert_true(has_text(&d, "\"he film 7 , sadly"));
    assert_int_equal(t->n_read_files, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(t->read_files[i].n_cols, 1);
        assert_string_equal(t->read_files[i].cols[0].name, "source");
    }
    assert_string_equal(t->read_files[1].cols[0].value, "b-forum");
    done(t, &d);
    // The edit the comments propose: split by source, testing on a-shop alone.
    size_t n;
    char *text = sc_test_slurp(yaml, &n);
    text = replace(text, "  # partition_column: source", "  partition_column: source");
    text = replace(text, "    all: {teacher-train: 0.5, teacher-valid: 0.1, student-pool: 0.2, student-valid: 0.1, "
                         "test: 0.1}\n", "");
    for (int i = 0; i < 3; i++) {
        static const char *const src[] = {"a-shop", "b-forum", "c-films"};
        char from[40], to[40];
        snprintf(from, sizeof from, "    # %s: ", src[i]);
        snprintf(to, sizeof to, "    %s: ", src[i]);
        text = replace(text, from, to);
    }
    tu_write_str(dir, "task.yaml", text);
    free(text);
    sc_err err;
    if (sc_task_open(dir, &t, &err)) fail_msg("%s", err.msg);
    if (sc_dataset_load(t, &d, &err)) fail_msg("load: %s", err.msg);
    assert_int_equal(d.counts[SC_SPLIT_TEST], 20);
    int shop = sc_dataset_partition(t, "a-shop");
    for (size_t i = 0; i < d.n; i++) assert_int_equal(d.split[i] == SC_SPLIT_TEST, d.partition[i] == shop);
    done(t, &d);
    assert_int_equal(tasks_cmd("check", dir), 0);
}

// Files that cannot make one task: each error names the first file that differs
// from the first one and how; nothing is written.
static void test_several_tables_disagree(void **state) {
    (void)state;
    char parent[400], data[4096], p[8][600];
    snprintf(parent, sizeof parent, "%s/disagree-out", tmp);
    size_t n = review_table(data, sizeof data, "text\tlabel", 12, "some text %d", "\n");
    snprintf(p[0], sizeof p[0], "%s", put_file("raw-dis", "base.tsv", data, n));
    // another folder
    snprintf(p[1], sizeof p[1], "%s", put_file("raw-dis-other", "far.tsv", data, n));
    const char *const two_dirs[] = {p[0], p[1]};
    assert_int_equal(init_cmd_n("x", two_dirs, 2, parent), 1);
    char want[1400];
    snprintf(want, sizeof want, "%s is in the folder ", p[1]);
    if (!strstr(errbuf, want) || !strstr(errbuf, "raw-dis-other, but ") || !strstr(errbuf, "raw-dis: a task reads"))
        fail_msg("unexpected error: %s", errbuf);
    struct { const char *name, *data, *expect; } bad[] = {
        {"comma.csv", "text,label\na b,neg\nc d,pos\ne f,neg\ng h,pos\n",
         "comma.csv is a csv table (2 fields per record), but base.tsv is a tsv table (2 fields per record)"},
        {"wide.tsv", "text\tlabel\tid\na\tneg\t1\nb\tpos\t2\nc\tneg\t3\n",
         "wide.tsv: 3 fields per record, but base.tsv has 2: the files of one task must have the same columns"},
        {"renamed.tsv", "review\tlabel\nsome text 1\tneg\nsome text 2\tpos\nsome text 3\tneg\nsome text 4\tpos\n",
         "renamed.tsv line 1: column 0 of the header is 'review', but in base.tsv it is 'text'"},
        {"nohead.tsv", "some text 1\tneg\nsome text 2\tpos\nsome text 3\tneg\nsome text 4\tpos\n",
         "nohead.tsv: no header (its first record's values occur again below: it is data), but base.tsv has one"},
        {"plain.txt", "one line\nanother line\n", "plain.txt is plain lines (not a table: as tsv: every record is "
                                                  "one field"},
        {"utf8.tsv", "text\tlabel\ncaf\xc3\xa9 1\tneg\nb\tpos\nc\tneg\n", NULL},  // fine alone: see below
        {"same.tsv", NULL, "base.tsv: given twice (--from)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *f = bad[i].data ? put_file("raw-dis", bad[i].name, bad[i].data, strlen(bad[i].data)) : p[0];
        snprintf(p[2], sizeof p[2], "%s", f);
        const char *const pair[] = {p[0], p[2]};
        int rc = init_cmd_n("x", pair, 2, parent);
        if (!bad[i].expect) {
            if (rc) fail_msg("%s: %s", bad[i].name, errbuf);
            char yaml[600];
            snprintf(yaml, sizeof yaml, "%s/x", parent);
            tu_rmtree(yaml);
            continue;
        }
        assert_int_equal(rc, 1);
        if (!strstr(errbuf, bad[i].expect)) fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].name, errbuf, bad[i].expect);
    }
    // A Latin-1 file next to a UTF-8 file with non-ASCII characters: no one encoding reads both.
    n = review_table(data, sizeof data, "text\tlabel", 12, "le caf\xe9 %d", "\n");
    snprintf(p[3], sizeof p[3], "%s", put_file("raw-dis", "latin.tsv", data, n));
    snprintf(p[4], sizeof p[4], "%s/raw-dis/utf8.tsv", tmp);  // written above
    const char *const enc[] = {p[3], p[4]};
    assert_int_equal(init_cmd_n("x", enc, 2, parent), 1);
    const char *const enc_want[] = {"latin.tsv line 2 is not valid UTF-8", "but utf8.tsv is UTF-8 with non-ASCII "
                                    "characters (line 2)", "read.encoding is one for the whole task",
                                    "iconv -f latin1 -t utf-8 latin.tsv > latin-utf8.tsv", NULL};
    for (int i = 0; enc_want[i]; i++)
        if (!strstr(errbuf, enc_want[i])) fail_msg("\"%s\" lacks \"%s\"", errbuf, enc_want[i]);
    // One file needs quoting (a quoted field holds a tab), the other quote: none (a stray quote).
    const char *quoted = "text\tlabel\n\"a\tb\"\tneg\nc d\tpos\ne f\tneg\n";
    const char *stray = "text\tlabel\n\"so bad\tneg\nc d\tpos\ne f\tneg\n";
    snprintf(p[5], sizeof p[5], "%s", put_file("raw-dis", "quoted.tsv", quoted, strlen(quoted)));
    snprintf(p[6], sizeof p[6], "%s", put_file("raw-dis", "stray.tsv", stray, strlen(stray)));
    const char *const quotes[] = {p[5], p[6]};
    assert_int_equal(init_cmd_n("x", quotes, 2, parent), 1);
    const char *const q_want[] = {"no one quoting reads every file (read.quote and read.multiline are one for the "
                                  "task): with quote '\"': stray.tsv line 2", "with quote: none: quoted.tsv line 2: "
                                  "3 fields", "with multiline: true: stray.tsv line 2", NULL};
    for (int i = 0; q_want[i]; i++)
        if (!strstr(errbuf, q_want[i])) fail_msg("\"%s\" lacks \"%s\"", errbuf, q_want[i]);
    assert_int_equal(tu_count(parent), 0);  // nothing was written for any of them
}

// Several JSON-lines files: the same keys in any order; a key named `source`
// in the data moves the per-file column to source_file; a Latin-1 file is refused.
static void test_several_jsonl(void **state) {
    (void)state;
    char a[4096] = "", b[4096] = "", pa[600], pb[600], parent[400];
    for (int i = 0; i < 12; i++) {
        snprintf(a + strlen(a), sizeof a - strlen(a), "{\"q\": \"what is item %d ?\", \"topic\": \"%s\"}\n", i,
                 i % 2 ? "art" : "sport");
        snprintf(b + strlen(b), sizeof b - strlen(b), "{\"topic\": \"%s\", \"q\": \"who made thing %d ?\"%s}\n",
                 i % 3 ? "art" : "sport", i, i == 5 ? ", \"source\": \"web\"" : "");
    }
    snprintf(pa, sizeof pa, "%s", put_file("raw-jls", "quiz.jsonl", a, strlen(a)));
    snprintf(pb, sizeof pb, "%s", put_file("raw-jls", "trivia.jsonl", b, strlen(b)));
    snprintf(parent, sizeof parent, "%s/tasks-out", tmp);
    const char *const files[] = {pa, pb};
    assert_int_equal(init_cmd_n("jls", files, 2, parent), 0);
    char dir[500], yaml[600];
    snprintf(dir, sizeof dir, "%s/jls", parent);
    snprintf(yaml, sizeof yaml, "%s/task.yaml", dir);
    const char *const want[] = {"format: jsonl", "    - {name: quiz.jsonl, source_file: quiz}",
                                "    - {name: trivia.jsonl, source_file: trivia}", "text_field: q",
                                "label_field: topic", "# partition_column: source_file", NULL};
    free(sc_test_file_with(yaml, want));
    sc_task *t;
    sc_dataset d;
    expect_loads(dir, 24, (const char *const[]){"art", "sport", NULL}, (const size_t[]){14, 10}, &t, &d);
    assert_true(has_text(&d, "who made thing 5 ?"));
    done(t, &d);
    // Keys that differ: named, with the file.
    const char *c = "{\"q\": \"x 1\", \"label\": \"art\"}\n{\"q\": \"x 2\", \"label\": \"sport\"}\n";
    const char *const bad[] = {pa, put_file("raw-jls", "other.jsonl", c, strlen(c))};
    assert_int_equal(init_cmd_n("jbad", bad, 2, parent), 1);
    if (!strstr(errbuf, "other.jsonl: its first object has no key 'topic', which is in the first object of "
                        "quiz.jsonl: the files must have the same keys"))
        fail_msg("unexpected error: %s", errbuf);
    // JSON is UTF-8: a Latin-1 file among ASCII ones is refused, naming it.
    const char *l1 = "{\"q\": \"caf\xe9 1\", \"topic\": \"art\"}\n{\"q\": \"b\", \"topic\": \"sport\"}\n";
    const char *const latin[] = {pa, put_file("raw-jls", "latin.jsonl", l1, strlen(l1))};
    assert_int_equal(init_cmd_n("jl1", latin, 2, parent), 1);
    if (!strstr(errbuf, "latin.jsonl line 1: not valid UTF-8, but JSON lines must be UTF-8"))
        fail_msg("unexpected error: %s", errbuf);
    assert_false(tu_exists(parent, "jbad"));
    assert_false(tu_exists(parent, "jl1"));
}

// Detection on buffers: the per-file source names (stems, or whole names when
// two stems are equal), and the encoding rule for files of lines too.
static void test_detect_several(void **state) {
    (void)state;
    char t1[2048], t2[2048];
    size_t n1 = review_table(t1, sizeof t1, "text\tlabel", 12, "plain text %d", "\n");
    size_t n2 = review_table(t2, sizeof t2, "text\tlabel", 12, "more text %d", "\n");
    sc_init_file f[2] = {{"r.tsv", t1, n1, "x"}, {"r.tsv.gz", t2, n2, "y"}};
    sc_init_guess g;
    sc_err err;
    if (sc_init_detect(f, 2, &g, &err)) fail_msg("%s", err.msg);
    assert_string_equal(g.source_col, "source");
    assert_string_equal(g.file_source[0], "r.tsv");  // stems "r" and "r": the whole names tell them apart
    assert_string_equal(g.file_source[1], "r.tsv.gz");
    assert_int_equal(g.examples, 24);
    assert_int_equal(g.file_examples[1], 12);
    assert_int_equal(g.encoding, SC_ENC_UTF8);
    sc_init_guess_free(&g);
    f[1].name = "web.2024.tsv.bz2";
    if (sc_init_detect(f, 2, &g, &err)) fail_msg("%s", err.msg);
    assert_string_equal(g.file_source[0], "r");
    assert_string_equal(g.file_source[1], "web.2024");
    sc_init_guess_free(&g);
    // Files of lines, one per class: Latin-1 next to ASCII is fine, next to UTF-8 with accents not.
    const char *neg = "tr\xe8s mauvais\nnul\nbof\nhorrible\nrat\xe9\nennuyeux\n";
    const char *pos_ascii = "super\ngenial\nbien\nparfait\nbravo\ntop\n";
    const char *pos_utf8 = "tr\xc3\xa8s bien\ngenial\nbien\nparfait\nbravo\ntop\n";
    sc_init_file l[2] = {{"avis.neg", neg, strlen(neg), "x"}, {"avis.pos", pos_ascii, strlen(pos_ascii), "y"}};
    if (sc_init_detect(l, 2, &g, &err)) fail_msg("%s", err.msg);
    assert_int_equal(g.format, SC_FMT_LINES);
    assert_int_equal(g.encoding, SC_ENC_LATIN1);
    assert_null(g.source_col);
    sc_init_guess_free(&g);
    l[1].data = pos_utf8;
    l[1].len = strlen(pos_utf8);
    assert_int_equal(sc_init_detect(l, 2, &g, &err), -1);
    if (!strstr(err.msg, "avis.neg line 1 is not valid UTF-8") || !strstr(err.msg, "but avis.pos is UTF-8"))
        fail_msg("unexpected error: %s", err.msg);
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
        cmocka_unit_test(test_several_tables),
        cmocka_unit_test(test_several_tables_disagree),
        cmocka_unit_test(test_several_jsonl),
        cmocka_unit_test(test_detect_several),
    };
    return cmocka_run_group_tests_name("init-task", tests, setup, teardown);
}
