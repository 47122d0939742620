// Every built-in reader on small files made here, and each class of bad input:
// wrong encoding, labels outside the class list, missing columns, malformed
// JSON, truncated IDX / gzip / bzip2 data. Errors must name file and line.
#include "sc_test.h"

#include <bzlib.h>
#include <spng.h>
#include <string.h>

#include "data/json.h"
#include "data/reader.h"
#include "tasks_util.h"

#define Z64 "0000000000000000000000000000000000000000000000000000000000000000"

static char tmp[256];

static int setup(void **state) {
    (void)state;
    tu_tmpdir(tmp, sizeof tmp);
    tu_mkdir(tmp, "t");
    return 0;
}

static int teardown(void **state) {
    tu_rmtree(tmp);
    return sc_test_teardown(state);
}

// Writes tmp/t/task.yaml and loads it (the test fails if it does not parse).
static sc_task *task(const char *yaml) {
    char dir[300];
    snprintf(dir, sizeof dir, "%s/t", tmp);
    tu_write_str(dir, "task.yaml", yaml);
    sc_task *t;
    sc_err err;
    if (sc_task_load(dir, tmp, &t, &err)) fail_msg("task.yaml: %s", err.msg);
    return t;
}

// Reads the task's files from tmp; returns the reader's result, dataset in d.
static int read_all(sc_task *t, sc_dataset *d, sc_err *err) {
    sc_dataset_init(d, t, err);
    return sc_read_task_data(t, tmp, d, err);
}

static const char *lines_yaml(const char *enc) {
    static char y[2048];
    snprintf(y, sizeof y,
             "name: t\nmodality: text\nlabels: {kind: classification, classes: [neg, pos]}\n"
             "source: {kind: local, path: ., files: [{name: n.txt, sha256: " Z64 "}, {name: p.txt, sha256: " Z64 "}]}\n"
             "read: {format: lines, encoding: %s, class_files: {neg: n.txt, pos: p.txt}}\n"
             "splits: {seed: 1, partitions: {all: {teacher-train: 0.5, test: 0.5}}}\n"
             "input: {max_tokens: 16}\n", enc);
    return y;
}

static void test_lines_utf8_and_latin1(void **state) {
    (void)state;
    tu_write_str(tmp, "n.txt", "bad film\r\n\n  \nawful\n");
    tu_write_str(tmp, "p.txt", "caf\xc3\xa9 good");
    sc_task *t = task(lines_yaml("utf-8"));
    sc_dataset d;
    sc_err err;
    assert_int_equal(read_all(t, &d, &err), 0);
    assert_int_equal(d.n, 3);  // blank and white-space-only lines are skipped
    assert_string_equal(sc_dataset_text(&d, 0), "bad film");  // CR stripped
    assert_int_equal(d.label[1], 0);
    assert_string_equal(sc_dataset_text(&d, 2), "caf\xc3\xa9 good");
    assert_int_equal(d.label[2], 1);
    sc_dataset_free(&d);
    sc_task_free(t);
    // Latin-1: each byte is a character; 0xe9 is é.
    tu_write_str(tmp, "p.txt", "caf\xe9 good");
    t = task(lines_yaml("latin-1"));
    assert_int_equal(read_all(t, &d, &err), 0);
    assert_string_equal(sc_dataset_text(&d, 2), "caf\xc3\xa9 good");
    sc_dataset_free(&d);
    sc_task_free(t);
}

static void test_lines_wrong_encoding(void **state) {
    (void)state;
    tu_write_str(tmp, "n.txt", "fine\n");
    tu_write_str(tmp, "p.txt", "ok\ncaf\xe9 good\n");  // Latin-1 byte in a utf-8 task
    sc_task *t = task(lines_yaml("utf-8"));
    sc_dataset d;
    sc_err err;
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "p.txt line 2"));
    assert_non_null(strstr(err.msg, "invalid UTF-8 at byte 4"));
    sc_dataset_free(&d);
    sc_task_free(t);
}

static const char *csv_yaml(const char *fmt, const char *file, const char *extra) {
    static char y[2048];
    snprintf(y, sizeof y,
             "name: t\nmodality: text\nlabels: {kind: classification, classes: [neg, pos]}\n"
             "source: {kind: local, path: ., files: [{name: %s, sha256: " Z64 "}]}\n"
             "read: {format: %s, file: %s, text_column: text, label_column: label%s}\n"
             "splits: {seed: 1, partitions: {all: {teacher-train: 0.5, test: 0.5}}}\n"
             "input: {max_tokens: 16}\n", file, fmt, file, extra);
    return y;
}

static void test_csv_quoting_and_drop(void **state) {
    (void)state;
    tu_write_str(tmp, "d.csv",
                 "id,label,text\n1,pos,\"great, \"\"really\"\"\nfun\"\n2,skip,x\n3,neg,plain\r\n4,neg,\"\"\n");
    sc_task *t = task(csv_yaml("csv", "d.csv", ", drop_labels: [skip], multiline: true"));
    sc_dataset d;
    sc_err err;
    assert_int_equal(read_all(t, &d, &err), 0);
    assert_int_equal(d.n, 3);
    assert_string_equal(sc_dataset_text(&d, 0), "great, \"really\"\nfun");
    assert_int_equal(d.label[0], 1);
    assert_string_equal(sc_dataset_text(&d, 1), "plain");
    assert_string_equal(sc_dataset_text(&d, 2), "");
    // Every line is accounted for: 6 = 1 header + 4 records + 1 continuation.
    assert_int_equal(d.n_reads, 1);
    const sc_read_count *c = &d.reads[0];
    assert_string_equal(c->file, "d.csv");
    assert_true(c->lines == 6 && c->header == 1 && c->records == 4 && c->continuation == 1 && c->multiline == 1);
    assert_true(c->first_multiline == 2 && c->dropped == 1 && c->examples == 3 && c->blank == 0);
    char why[512];
    assert_int_equal(sc_read_count_explain(t, c, why, sizeof why), 0);
    assert_string_equal(why, "d.csv: 6 lines = 1 header + 4 records + 1 continuation lines (1 records with multi-line "
                             "quoted fields, the first on line 2); 3 examples + 1 dropped (read.drop_labels)");
    sc_dataset_free(&d);
    sc_task_free(t);
    // Without read.multiline the same file is an error at the line the quote opened.
    t = task(csv_yaml("csv", "d.csv", ", drop_labels: [skip]"));
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.csv line 2: a quoted field opens here and closes on line 3; line breaks inside "
                                    "quotes need read.multiline: true"));
    sc_dataset_free(&d);
    sc_task_free(t);
}

static void test_csv_rationale_column(void **state) {
    (void)state;
    tu_write_str(tmp, "d.csv", "label,text,why\npos,\"so good!\",0 1 0\nneg,bad,1\n");
    sc_task *t = task(csv_yaml("csv", "d.csv", ", rationale_column: why"));
    assert_int_equal(t->rationales, SC_RAT_TOKENS);  // implied by the column
    sc_dataset d;
    sc_err err;
    assert_int_equal(read_all(t, &d, &err), 0);
    assert_int_equal(d.rat_len[0], 3);
    assert_int_equal(d.rat[d.rat_off[0] + 1], 1);
    assert_int_equal(d.rat[d.rat_off[1]], 1);
    sc_dataset_free(&d);
    tu_write_str(tmp, "d.csv", "label,text,why\npos,\"so good!\",0 1\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.csv line 2: column 'why' has 2 entries but the text has 3 tokens"));
    sc_dataset_free(&d);
    tu_write_str(tmp, "d.csv", "label,text,why\npos,good,yes\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.csv line 2: column 'why': expected 0/1 values"));
    sc_dataset_free(&d);
    sc_task_free(t);
}

static void test_csv_bad_label_and_missing_column(void **state) {
    (void)state;
    sc_dataset d;
    sc_err err;
    // "skip" is not a class (no drop_labels here): the error names file and line 4,
    // the line the third record starts on (record 1 spans two lines).
    tu_write_str(tmp, "d.csv", "id,label,text\n1,pos,\"a\nb\"\n2,skip,x\n");
    sc_task *t = task(csv_yaml("csv", "d.csv", ", multiline: true"));
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.csv line 4: label 'skip' is not in labels.classes (neg, pos)"));
    sc_dataset_free(&d);
    tu_write_str(tmp, "d.csv", "id,label,body\n1,pos,x\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "column 'text'"));
    sc_dataset_free(&d);
    tu_write_str(tmp, "d.csv", "id,label,text\n1,pos,x\n2,neg\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.csv line 3: 2 fields, expected 3"));
    sc_dataset_free(&d);
    tu_write_str(tmp, "d.csv", "id,label,text\n1,pos,\"never closed\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "line 2: unterminated quoted field"));
    sc_dataset_free(&d);
    // A quote spanning lines that leaves a wrong field count names where it opened.
    tu_write_str(tmp, "d.csv", "id,label,text\n1,pos,x\n2,pos,\"a\nb\",c\n3,neg,y\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.csv line 3: 4 fields, expected 3 (as in the header); the record spans lines "
                                    "3-4: a quoted field opened on line 3"));
    sc_dataset_free(&d);
    tu_write_str(tmp, "d.csv", "id,label,text\n1,pos,x\n2,pos,\"a\nb\"c\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.csv line 4: unexpected text after a closing quote (the quoted field opened on "
                                    "line 3)"));
    sc_dataset_free(&d);
    sc_task_free(t);
}

// Real-world TSV with a bare '"' opening a text field. Before, the quote ran on
// to the next '"' and either failed far from its cause ("line 17: unexpected
// text after a closing quote") or silently merged five lines into one example
// (200 lines -> 196 examples). Now: an error at the line it opened; read.quote:
// none reads every line as it is.
static void stray_quote_file(const char *line17) {
    char data[16384] = "label\ttext\n";
    for (int i = 2; i <= 200; i++) {
        char line[96];
        if (i == 17) snprintf(line, sizeof line, "neg\t%s\n", line17);
        else snprintf(line, sizeof line, "%s\t%sreview %d\n", i % 2 ? "pos" : "neg", i == 13 ? "\"so bad " : "", i);
        strcat(data, line);
    }
    tu_write_str(tmp, "d.tsv", data);
}

static void test_tsv_stray_quote(void **state) {
    (void)state;
    stray_quote_file("a 5\" screen\" 17");
    sc_task *t = task(csv_yaml("tsv", "d.tsv", ""));
    sc_dataset d;
    sc_err err;
    assert_int_equal(read_all(t, &d, &err), -1);
    if (!strstr(err.msg, "d.tsv line 13: a quoted field opens here and closes on line 17"))
        fail_msg("unexpected error: %s", err.msg);
    assert_non_null(strstr(err.msg, "read.quote: none"));
    sc_dataset_free(&d);
    sc_task_free(t);
    t = task(csv_yaml("tsv", "d.tsv", ", quote: none"));
    assert_int_equal(t->quote, 0);
    assert_int_equal(read_all(t, &d, &err), 0);
    assert_int_equal(d.n, 199);
    assert_string_equal(sc_dataset_text(&d, 11), "\"so bad review 13");
    assert_string_equal(sc_dataset_text(&d, 15), "a 5\" screen\" 17");
    char why[512];
    assert_int_equal(sc_read_count_explain(t, &d.reads[0], why, sizeof why), 0);
    assert_string_equal(why, "d.tsv: 200 lines = 1 header + 199 records; 199 examples");
    sc_dataset_free(&d);
    sc_task_free(t);
    // Even with multi-line fields allowed, the later error names where the quote opened.
    t = task(csv_yaml("tsv", "d.tsv", ", quote: '\"', multiline: true"));
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.tsv line 17: unexpected text after a closing quote (the quoted field opened on "
                                    "line 13)"));
    sc_dataset_free(&d);
    // A quote that closes at the end of a field: the silent merge of lines 13-17.
    stray_quote_file("the end\"");
    assert_int_equal(read_all(t, &d, &err), 0);  // declared multi-line fields: read on purpose, and said so
    assert_int_equal(d.n, 195);
    assert_int_equal(sc_read_count_explain(t, &d.reads[0], why, sizeof why), 0);
    assert_non_null(strstr(why, "200 lines = 1 header + 195 records + 4 continuation lines (1 records with multi-line "
                                "quoted fields, the first on line 13); 195 examples"));
    sc_dataset_free(&d);
    sc_task_free(t);
    t = task(csv_yaml("tsv", "d.tsv", ""));
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.tsv line 13: a quoted field opens here and closes on line 17"));
    sc_dataset_free(&d);
    sc_task_free(t);
}

// The accounting check itself: counts that do not add up are reported.
static void test_read_count_mismatch(void **state) {
    (void)state;
    sc_task *t = task(csv_yaml("csv", "d.csv", ""));
    sc_read_count c = {.file = "d.csv", .lines = 200, .header = 1, .records = 196, .examples = 196};
    char why[512];
    assert_int_equal(sc_read_count_explain(t, &c, why, sizeof why), -1);
    assert_non_null(strstr(why, "MISMATCH: 200 lines, but the reader accounts for 197"));
    c.records = 199;
    assert_int_equal(sc_read_count_explain(t, &c, why, sizeof why), -1);
    assert_non_null(strstr(why, "MISMATCH: 199 records, but 196 examples + 0 dropped"));
    c = (sc_read_count){.file = "d.csv", .lines = 3, .header = 1, .records = 1, .continuation = 1, .multiline = 1,
                        .first_multiline = 2, .examples = 1};
    assert_int_equal(sc_read_count_explain(t, &c, why, sizeof why), -1);  // no read.multiline in this task
    assert_non_null(strstr(why, "does not declare read.multiline: true"));
    c = (sc_read_count){.file = "i.gz", .lines = -1, .records = 4, .examples = 4};
    assert_int_equal(sc_read_count_explain(t, &c, why, sizeof why), 0);
    assert_string_equal(why, "i.gz: 4 records; 4 examples");
    sc_task_free(t);
}

static void test_tsv_tabular_and_bz2(void **state) {
    (void)state;
    const char *y =
        "name: t\nmodality: tabular\nlabels: {kind: regression}\n"
        "source: {kind: local, path: ., files: [{name: d.tsv.bz2, sha256: " Z64 "}]}\n"
        "read: {format: tsv, file: d.tsv.bz2, label_column: y, feature_columns: [b, a]}\n"
        "splits: {seed: 1, partitions: {all: {teacher-train: 1.0}}}\n"
        "input: {features: [bee, ay]}\n";
    const char *data = "a\tb\ty\tjunk\n1\t2\t3.5\tz\n-1e3\t0.25\t-7\tz\n";
    char comp[512];
    unsigned clen = sizeof comp;
    assert_int_equal(BZ2_bzBuffToBuffCompress(comp, &clen, (char *)data, (unsigned)strlen(data), 9, 0, 0), BZ_OK);
    tu_write(tmp, "d.tsv.bz2", comp, clen);
    sc_task *t = task(y);
    sc_dataset d;
    sc_err err;
    assert_int_equal(read_all(t, &d, &err), 0);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.F, 2);
    assert_true(d.features[0] == 2.0f && d.features[1] == 1.0f);
    assert_true(d.features[2] == 0.25f && d.features[3] == -1000.0f);
    assert_true(d.target[0] == 3.5f && d.target[1] == -7.0f);
    sc_dataset_free(&d);
    // Truncated bzip2 data.
    tu_write(tmp, "d.tsv.bz2", comp, clen / 2);
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.tsv.bz2: truncated bzip2 data"));
    sc_dataset_free(&d);
    // A feature that is not a number.
    clen = sizeof comp;
    assert_int_equal(BZ2_bzBuffToBuffCompress(comp, &clen, "a\tb\ty\n1\tx2\t3\n", 13, 9, 0, 0), BZ_OK);
    tu_write(tmp, "d.tsv.bz2", comp, clen);
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "line 2: feature 'bee': 'x2' is not a number"));
    sc_dataset_free(&d);
    sc_task_free(t);
}

// Numbers from data files are range-checked before they become floats (a double
// beyond FLT_MAX converted to float is undefined behaviour).
static void test_numbers_beyond_float(void **state) {
    (void)state;
    const char *y =
        "name: t\nmodality: tabular\nlabels: {kind: regression}\n"
        "source: {kind: local, path: ., files: [{name: d.csv, sha256: " Z64 "}]}\n"
        "read: {format: csv, file: d.csv, label_column: y}\n"
        "splits: {seed: 1, partitions: {all: {teacher-train: 1.0}}}\n"
        "input: {features: [a, b]}\n";
    sc_task *t = task(y);
    sc_dataset d;
    sc_err err;
    const char *cases[][2] = {
        {"a,b,y\n1,2,3\n4,5,1e39\n", "d.csv line 3: regression label '1e39' is outside the range of a 32-bit float"},
        {"a,b,y\n1,-3.5e38,3\n", "d.csv line 2: feature 'b': '-3.5e38' is outside the range of a 32-bit float"},
        {"a,b,y\n1,1e400,3\n", "d.csv line 2: feature 'b': '1e400' is outside the range of a 32-bit float"},
        {"a,b,y\ninf,2,3\n", "d.csv line 2: feature 'a': 'inf' is not a finite number"},
        {"a,b,y\n1,2,nan\n", "d.csv line 2: regression label 'nan' is not a number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_write_str(tmp, "d.csv", cases[i][0]);
        assert_int_equal(read_all(t, &d, &err), -1);
        if (!strstr(err.msg, cases[i][1])) fail_msg("error \"%s\" lacks \"%s\"", err.msg, cases[i][1]);
        sc_dataset_free(&d);
    }
    tu_write_str(tmp, "d.csv", "a,b,y\n3e38,-1e-50,1\n");  // the float's edge and an underflow to 0
    assert_int_equal(read_all(t, &d, &err), 0);
    assert_true(d.features[0] == 3e38f && d.features[1] == 0.0f);
    sc_dataset_free(&d);
    sc_task_free(t);
    t = task("name: t\nmodality: tabular\nlabels: {kind: regression}\n"
             "source: {kind: local, path: ., files: [{name: d.jsonl, sha256: " Z64 "}]}\n"
             "read: {format: jsonl, file: d.jsonl, label_field: y}\n"
             "splits: {seed: 1, partitions: {all: {teacher-train: 1.0}}}\n"
             "input: {features: [a, b]}\n");
    tu_write_str(tmp, "d.jsonl", "{\"a\": 1, \"b\": 2, \"y\": 3}\n{\"a\": 1e39, \"b\": 2, \"y\": 3}\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.jsonl line 2: field 'a': 1e39 is outside the range of a 32-bit float"));
    sc_dataset_free(&d);
    sc_task_free(t);
}

static void test_csv_no_header_label_index(void **state) {
    (void)state;
    const char *y =
        "name: t\nmodality: tabular\nlabels: {kind: classification, classes: [m, b]}\n"
        "source: {kind: local, path: ., files: [{name: d.csv, sha256: " Z64 "}]}\n"
        "read: {format: csv, file: d.csv, header: false, skip_lines: 1, label_column: \"2\", label_is_index: true}\n"
        "splits: {seed: 1, partitions: {all: {teacher-train: 1.0}}}\n"
        "input: {features: [f0, f1]}\n";
    tu_write_str(tmp, "d.csv", "3,2,m,b\n1.5,2,0\n3,4,1\n5,6,1.0\n");
    sc_task *t = task(y);
    sc_dataset d;
    sc_err err;
    assert_int_equal(read_all(t, &d, &err), 0);
    assert_int_equal(d.n, 3);
    assert_int_equal(d.label[0], 0);
    assert_int_equal(d.label[2], 1);
    assert_true(d.features[0] == 1.5f);
    sc_dataset_free(&d);
    tu_write_str(tmp, "d.csv", "header\n1,2,0\n3,4,2\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.csv line 3: label '2' is not a class index in [0, 2)"));
    sc_dataset_free(&d);
    // An extra column is not silently dropped when every column is a feature.
    tu_write_str(tmp, "d.csv", "header\n1,2,0,9\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.csv line 2: 4 columns, but input.features names 2 features"));
    sc_dataset_free(&d);
    sc_task_free(t);
}

static void test_jsonl(void **state) {
    (void)state;
    const char *y =
        "name: t\nmodality: text\nlabels: {kind: classification, classes: [neg, pos]}\n"
        "source: {kind: local, path: ., files: [{name: d.jsonl, sha256: " Z64 "}]}\n"
        "read: {format: jsonl, file: d.jsonl, text_field: review, label_field: y, partition_field: part,"
        " rationale_field: why}\n"
        "splits: {seed: 1, partitions: {train: {teacher-train: 1.0}, test: {test: 1.0}}}\n"
        "input: {max_tokens: 16}\n";
    tu_write_str(tmp, "d.jsonl",
                 "{\"review\": \"Caf\\u00e9 \\\"nice\\\" \\ud83d\\ude00\", \"y\": \"pos\", \"part\": \"train\","
                 " \"why\": [0, 1, 0, 0, 0], \"extra\": null}\n"
                 "\n"
                 "  {\"y\":\"neg\",\"review\":\"meh\",\"part\":\"test\",\"why\":[1],\"n\":-1.5e3,\"b\":true}  \n");
    sc_task *t = task(y);
    sc_dataset d;
    sc_err err;
    assert_int_equal(read_all(t, &d, &err), 0);
    assert_int_equal(d.n, 2);
    assert_string_equal(sc_dataset_text(&d, 0), "Caf\xc3\xa9 \"nice\" \xf0\x9f\x98\x80");
    assert_int_equal(d.rat_len[0], 5);
    assert_int_equal(d.rat[d.rat_off[0] + 1], 1);
    assert_int_equal(d.partition[1], 1);
    assert_int_equal(d.label[1], 0);
    sc_dataset_free(&d);
    // Malformed JSON on line 3: named with file, line and column.
    tu_write_str(tmp, "d.jsonl",
                 "{\"review\":\"a\",\"y\":\"pos\",\"part\":\"train\",\"why\":[0]}\n\n{\"review\": \"b\", \"y\": pos}\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.jsonl line 3: column"));
    sc_dataset_free(&d);
    tu_write_str(tmp, "d.jsonl", "{\"review\":\"a\",\"part\":\"train\",\"why\":[0]}\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.jsonl line 1: field 'y' (the label) is missing"));
    sc_dataset_free(&d);
    tu_write_str(tmp, "d.jsonl", "{\"review\":\"a\",\"y\":\"pos\",\"part\":\"valid\",\"why\":[0]}\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "names no rule in splits.partitions"));
    sc_dataset_free(&d);
    tu_write_str(tmp, "d.jsonl", "{\"review\":\"a\",\"y\":\"pos\",\"part\":\"train\",\"why\":[2]}\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "is not 0 or 1"));
    sc_dataset_free(&d);
    tu_write_str(tmp, "d.jsonl", "{\"review\":\"a\",\"y\":\"pos\",\"part\":\"train\",\"why\":[0]}\n"
                                 "{\"review\":\"two words!\",\"y\":\"pos\",\"part\":\"train\",\"why\":[0,1]}\n");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "d.jsonl line 2: field 'why' has 2 entries but the text has 3 tokens"));
    sc_dataset_free(&d);
    sc_task_free(t);
}

// An IDX pair: n images of 2x3 pixels (value = 10*i + k) and labels i % 3.
static size_t make_idx(unsigned char *img, unsigned char *lab, int n) {
    unsigned char ih[16] = {0, 0, 8, 3, 0, 0, 0, (unsigned char)n, 0, 0, 0, 2, 0, 0, 0, 3};
    unsigned char lh[8] = {0, 0, 8, 1, 0, 0, 0, (unsigned char)n};
    memcpy(img, ih, 16);
    memcpy(lab, lh, 8);
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 6; k++) img[16 + 6 * i + k] = (unsigned char)(10 * i + k);
        lab[8 + i] = (unsigned char)(i % 3);
    }
    return 16 + 6 * (size_t)n;
}

static const char *idx_yaml =
    "name: t\nmodality: image\nlabels: {kind: classification, classes: [a, b, c]}\n"
    "source: {kind: local, path: ., files: [{name: i.gz, sha256: " Z64 "}, {name: l, sha256: " Z64 "}]}\n"
    "read: {format: idx, partitions: {train: {images: i.gz, labels: l}}}\n"
    "splits: {seed: 1, partitions: {train: {teacher-train: 0.5, test: 0.5}}}\n"
    "input: {image: {height: 2, width: 3, channels: 1}}\n";

static void test_idx_gz(void **state) {
    (void)state;
    unsigned char img[16 + 6 * 4], lab[8 + 4];
    size_t n = make_idx(img, lab, 4);
    tu_write_gz(tmp, "i.gz", img, n);
    tu_write(tmp, "l", lab, sizeof lab);
    sc_task *t = task(idx_yaml);
    sc_dataset d;
    sc_err err;
    assert_int_equal(read_all(t, &d, &err), 0);
    assert_int_equal(d.n, 4);
    assert_int_equal(d.pixels[3 * 6 + 5], 35);
    assert_int_equal(d.label[2], 2);
    sc_dataset_free(&d);
    sc_task_free(t);
}

static void test_idx_truncated(void **state) {
    (void)state;
    unsigned char img[16 + 6 * 4], lab[8 + 4];
    size_t n = make_idx(img, lab, 4);
    sc_task *t = task(idx_yaml);
    sc_dataset d;
    sc_err err;
    tu_write(tmp, "l", lab, sizeof lab);
    tu_write_gz(tmp, "i.gz", img, n - 5);  // valid gzip of a short IDX body
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "i.gz: truncated IDX data: header promises 24 bytes, file holds 19"));
    sc_dataset_free(&d);
    // A gzip stream cut in the middle.
    tu_write_gz(tmp, "i.gz", img, n);
    char p[300];
    snprintf(p, sizeof p, "%s/i.gz", tmp);
    assert_int_equal(truncate(p, 20), 0);
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "i.gz: truncated gzip data"));
    sc_dataset_free(&d);
    // Corrupt gzip data.
    tu_write_str(tmp, "i.gz", "\x1f\x8b\x08\x00garbage-garbage-garbage");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "i.gz: "));
    sc_dataset_free(&d);
    // Header dimensions are range-checked before they are multiplied.
    unsigned char huge[16 + 6] = {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    tu_write_gz(tmp, "i.gz", huge, sizeof huge);
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "i.gz: IDX header: dimension 1 is 4294967295, which makes the data larger than 2^40"));
    sc_dataset_free(&d);
    unsigned char big[16 + 6] = {0, 0, 8, 3, 0, 0x10, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3};  // 2^20 images promised
    tu_write_gz(tmp, "i.gz", big, sizeof big);
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "i.gz: truncated IDX data: header promises 6291456 bytes, file holds 6"));
    sc_dataset_free(&d);
    // A label beyond the class list.
    tu_write_gz(tmp, "i.gz", img, n);
    lab[8 + 1] = 7;
    tu_write(tmp, "l", lab, sizeof lab);
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "record 1: label 7 is outside the 3 classes"));
    sc_dataset_free(&d);
    sc_task_free(t);
}

static void write_png(const char *dir, const char *name, const uint8_t *rgb, uint32_t w, uint32_t h) {
    spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
    assert_non_null(ctx);
    spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
    struct spng_ihdr ih = {.width = w, .height = h, .bit_depth = 8, .color_type = SPNG_COLOR_TYPE_TRUECOLOR};
    assert_int_equal(spng_set_ihdr(ctx, &ih), 0);
    assert_int_equal(spng_encode_image(ctx, rgb, 3 * (size_t)w * h, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE), 0);
    size_t len;
    int e;
    void *buf = spng_get_png_buffer(ctx, &len, &e);
    assert_non_null(buf);
    tu_write(dir, name, buf, len);
    free(buf);
    spng_ctx_free(ctx);
}

static void test_png_folders(void **state) {
    (void)state;
    const char *y =
        "name: t\nmodality: image\nlabels: {kind: classification, classes: [cat, dog]}\n"
        "source: {kind: local, path: ., files: []}\n"
        "read: {format: png, dir: imgs}\n"
        "splits: {seed: 1, partitions: {all: {teacher-train: 0.5, test: 0.5}}}\n"
        "input: {image: {height: 2, width: 2, channels: 3}}\n";
    char d1[400], d2[400];
    tu_mkdir(tmp, "imgs");
    snprintf(d1, sizeof d1, "%s/imgs", tmp);
    tu_mkdir(d1, "cat");
    tu_mkdir(d1, "dog");
    snprintf(d2, sizeof d2, "%s/imgs/cat", tmp);
    uint8_t rgb[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
    write_png(d2, "b.png", rgb, 2, 2);
    write_png(d2, "a.png", rgb, 2, 2);
    snprintf(d2, sizeof d2, "%s/imgs/dog", tmp);
    write_png(d2, "x.png", rgb, 2, 2);
    tu_write_str(d2, "notes.txt", "ignored");
    sc_task *t = task(y);
    sc_dataset d;
    sc_err err;
    assert_int_equal(read_all(t, &d, &err), 0);
    assert_int_equal(d.n, 3);
    assert_int_equal(d.label[2], 1);
    assert_null(d.obj_mask);
    // Planar (C, H, W): red channel of the 4 pixels, then green, then blue.
    const uint8_t want[12] = {255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30};
    assert_memory_equal(d.pixels, want, 12);
    sc_dataset_free(&d);
    // Wrong size is an error naming the file.
    write_png(d2, "y.png", rgb, 1, 4);
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "y.png: image is 4x1"));
    sc_dataset_free(&d);
    tu_write_str(d2, "y.png", "not a png");
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "y.png: not a valid PNG"));
    sc_dataset_free(&d);
    sc_task_free(t);
    // Ground-truth masks: masks/<class>/<same name>.png, nonzero = rationale.
    char sub[500];
    snprintf(sub, sizeof sub, "%s/imgs/dog/y.png", tmp);
    unlink(sub);
    tu_mkdir(tmp, "masks");
    snprintf(d1, sizeof d1, "%s/masks", tmp);
    tu_mkdir(d1, "cat");
    tu_mkdir(d1, "dog");
    uint8_t on[12] = {0, 0, 0, 255, 255, 255, 0, 0, 0, 0, 0, 9};  // pixels 1 and 3 marked
    snprintf(sub, sizeof sub, "%s/masks/cat", tmp);
    write_png(sub, "a.png", on, 2, 2);
    write_png(sub, "b.png", on, 2, 2);
    char y2[1024];
    snprintf(y2, sizeof y2, "%s", y);
    char *r = strstr(y2, "dir: imgs}");
    snprintf(r, sizeof y2 - (size_t)(r - y2), "dir: imgs, mask_dir: masks}\n%s", strstr(y, "splits:"));
    t = task(y2);
    assert_int_equal(t->rationales, SC_RAT_PIXELS);
    assert_int_equal(read_all(t, &d, &err), -1);  // dog/x.png has no mask yet
    assert_non_null(strstr(err.msg, "mask for x.png"));
    sc_dataset_free(&d);
    snprintf(sub, sizeof sub, "%s/masks/dog", tmp);
    write_png(sub, "x.png", on, 2, 2);
    assert_int_equal(read_all(t, &d, &err), 0);
    const uint8_t wm[4] = {0, 1, 0, 1};
    assert_memory_equal(d.obj_mask + 2 * 4, wm, 4);
    sc_dataset_free(&d);
    sc_task_free(t);
}

static void test_hook_reader(void **state) {
    (void)state;
    const char *y =
        "name: t\nmodality: tabular\nlabels: {kind: regression}\n"
        "source: {kind: local, path: ., files: [{name: x.gz, sha256: " Z64 "}, {name: y.gz, sha256: " Z64 "}]}\n"
        "read: {format: hook, hook: sklearn-diabetes}\n"
        "splits: {seed: 1, partitions: {all: {teacher-train: 1.0}}}\n"
        "input: {features: [a, b, c]}\n";
    const char *x = "1 2 3\n4  5.5 6\n", *yy = "1.5e+02\n7.0e+01\n";
    tu_write_gz(tmp, "x.gz", x, strlen(x));
    tu_write_gz(tmp, "y.gz", yy, strlen(yy));
    sc_task *t = task(y);
    sc_dataset d;
    sc_err err;
    assert_int_equal(read_all(t, &d, &err), 0);
    assert_int_equal(d.n, 2);
    assert_true(d.features[4] == 5.5f && d.target[0] == 150.0f && d.target[1] == 70.0f);
    sc_dataset_free(&d);
    tu_write_gz(tmp, "y.gz", "1\n", 2);
    assert_int_equal(read_all(t, &d, &err), -1);
    assert_non_null(strstr(err.msg, "different numbers of rows"));
    sc_dataset_free(&d);
    sc_task_free(t);
}

// A JSONL file far longer than the value array's first allocation: every line
// must parse with the same amount of memory (the array once doubled per line).
static void test_jsonl_many_lines(void **state) {
    (void)state;
    enum { N = 1000 };
    size_t cap = (size_t)N * 96 + 1, n = 0;
    char *data = malloc(cap);
    assert_non_null(data);
    for (int i = 0; i < N; i++)
        n += (size_t)snprintf(data + n, cap - n, "{\"review\": \"review number %d\", \"y\": \"%s\", \"k\": %d}\n", i,
                              i % 3 ? "pos" : "neg", i);
    tu_write(tmp, "d.jsonl", data, n);
    free(data);
    const char *y =
        "name: t\nmodality: text\nlabels: {kind: classification, classes: [neg, pos]}\n"
        "source: {kind: local, path: ., files: [{name: d.jsonl, sha256: " Z64 "}]}\n"
        "read: {format: jsonl, file: d.jsonl, text_field: review, label_field: y}\n"
        "splits: {seed: 1, partitions: {all: {teacher-train: 0.5, test: 0.5}}}\n"
        "input: {max_tokens: 16}\n";
    sc_task *t = task(y);
    sc_dataset d;
    sc_err err;
    if (read_all(t, &d, &err)) fail_msg("%s", err.msg);
    assert_int_equal(d.n, N);
    assert_string_equal(sc_dataset_text(&d, N - 1), "review number 999");
    assert_int_equal(d.label[N - 1], 0);
    assert_int_equal(d.label[N - 2], 1);
    sc_dataset_free(&d);
    sc_task_free(t);
}

// Empty arrays and objects, and one object parsed after another in the same
// buffers (reuse must not leak values of the previous line).
static void test_json_edge_values(void **state) {
    (void)state;
    sc_json_obj o = {0};
    sc_err err;
    const char *s = "{\"a\":[]}";
    assert_int_equal(sc_json_parse_object(&o, s, strlen(s), &err), 0);
    const sc_json_value *v = sc_json_get(&o, "a");
    assert_non_null(v);
    assert_int_equal(v->type, SC_JSON_ARRAY);
    assert_int_equal(v->n_nums, 0);
    s = "{}";
    assert_int_equal(sc_json_parse_object(&o, s, strlen(s), &err), 0);
    assert_int_equal(o.n, 0);
    assert_null(sc_json_get(&o, "a"));
    s = "{\"a\": [1, 2.5e1], \"b\": []}";
    assert_int_equal(sc_json_parse_object(&o, s, strlen(s), &err), 0);
    v = sc_json_get(&o, "a");
    assert_int_equal(v->n_nums, 2);
    assert_true(v->nums[1] == 25.0);
    assert_int_equal(sc_json_get(&o, "b")->n_nums, 0);
    // Numbers outside JSON's grammar or a double's range are errors with a column.
    const char *bad[][2] = {{"{\"a\": 0x10}", "column 8: expected ',' or '}'"},
                            {"{\"a\": nan}", "column 7: expected a value"},
                            {"{\"a\": +1}", "column 7: expected a value"},
                            {"{\"a\": 1e999}", "column 7: number out of range"},
                            {"{\"a\": [1, -1e400]}", "column 11: number out of range"},
                            {"{\"a\": 1.}", "expected a digit after '.'"},
                            {"{\"a\": 2e}", "expected the exponent's digits"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sc_json_parse_object(&o, bad[i][0], strlen(bad[i][0]), &err), -1);
        if (!strstr(err.msg, bad[i][1])) fail_msg("%s: error \"%s\" lacks \"%s\"", bad[i][0], err.msg, bad[i][1]);
    }
    s = "{\"a\": -0.5e-3, \"b\": 0}";
    assert_int_equal(sc_json_parse_object(&o, s, strlen(s), &err), 0);
    assert_string_equal(sc_json_get(&o, "a")->str, "-0.5e-3");
    sc_json_free(&o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_utf8_and_latin1),
        cmocka_unit_test(test_lines_wrong_encoding),
        cmocka_unit_test(test_csv_quoting_and_drop),
        cmocka_unit_test(test_csv_rationale_column),
        cmocka_unit_test(test_csv_bad_label_and_missing_column),
        cmocka_unit_test(test_tsv_stray_quote),
        cmocka_unit_test(test_read_count_mismatch),
        cmocka_unit_test(test_tsv_tabular_and_bz2),
        cmocka_unit_test(test_csv_no_header_label_index),
        cmocka_unit_test(test_numbers_beyond_float),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_jsonl_many_lines),
        cmocka_unit_test(test_json_edge_values),
        cmocka_unit_test(test_idx_gz),
        cmocka_unit_test(test_idx_truncated),
        cmocka_unit_test(test_png_folders),
        cmocka_unit_test(test_hook_reader),
    };
    return cmocka_run_group_tests_name("readers", tests, setup, teardown);
}
