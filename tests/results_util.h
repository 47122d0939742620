// results_util.h — crafted result files for the compare and report tests:
// a student (or teacher) metrics.msgpack as io/results.h writes it, with one
// value replaced by a hostile one (n = 1e300, seed = -1, a NaN in the
// per-example agreement, a 300-entry curve, ...). Header-only (static
// functions), like tasks_util.h.
//
// The same cases are kept as files under tests/fuzz/regress/results/ (named by
// what they hold) for the fuzzing harness to replay; they are written by
//   SC_REGRESS_WRITE=tests/fuzz/regress/results zig-out/tests/test_compare
// so the committed bytes always come from this table.
#ifndef SC_TESTS_RESULTS_UTIL_H
#define SC_TESTS_RESULTS_UTIL_H

#include <math.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fs.h"

// One replaced value: `key` is a dotted key ("n", "train.valid_curve") or an
// array element ("test.per_example.agree[0]").
typedef struct ru_fault {
    const char *key;
    char kind;     // 'i' int64, 'u' uint64, 'd' double, 'L' an array of `len` entries of 0.5, 's' string
    int64_t i;
    uint64_t u;
    double d;
    size_t len;
    const char *s;
} ru_fault;

typedef struct ru_case {
    const char *name;    // file name stem under tests/fuzz/regress/results/
    int teacher;         // a teacher result (report reads its metric) instead of a student
    int regression;      // per-example scores instead of agreement
    int compare;         // scaffold compare reads the value too (report reads every one)
    ru_fault f;
    const char *field;   // what the error must name
} ru_case;

static const ru_case ru_cases[] = {
    {"n-1e300", 0, 0, 1, {"n", 'd', .d = 1e300}, "'n'"},
    {"n-nan", 0, 0, 1, {"n", 'd', .d = NAN}, "'n'"},
    {"n-uint64max", 0, 0, 1, {"n", 'u', .u = UINT64_MAX}, "'n'"},
    {"n-minus5", 0, 0, 1, {"n", 'i', .i = -5}, "'n'"},
    {"n-zero", 0, 0, 1, {"n", 'i', .i = 0}, "'n'"},
    {"n-500.5", 0, 0, 1, {"n", 'd', .d = 500.5}, "'n'"},
    {"seed-minus1", 0, 0, 1, {"seed", 'i', .i = -1}, "'seed'"},
    {"seed-nan", 0, 0, 1, {"seed", 'd', .d = NAN}, "'seed'"},
    {"seed-1e300", 0, 0, 1, {"seed", 'd', .d = 1e300}, "'seed'"},
    {"seed-string", 0, 0, 1, {"seed", 's', .s = "1"}, "'seed'"},
    {"learn-nan", 0, 0, 1, {"learn_explainer", 'd', .d = NAN}, "'learn_explainer'"},
    {"agree-nan", 0, 0, 1, {"test.per_example.agree[0]", 'd', .d = NAN}, "'test.per_example.agree'[0]"},
    {"agree-2", 0, 0, 1, {"test.per_example.agree[0]", 'd', .d = 2}, "'test.per_example.agree'[0]"},
    {"gold-inf", 0, 0, 1, {"test.per_example.gold_correct[0]", 'd', .d = INFINITY},
     "'test.per_example.gold_correct'[0]"},
    {"score-1e300", 0, 1, 1, {"test.per_example.student_score[0]", 'd', .d = 1e300},
     "'test.per_example.student_score'[0]"},
    {"score-nan", 0, 1, 1, {"test.per_example.teacher_score[0]", 'd', .d = NAN}, "'test.per_example.teacher_score'[0]"},
    {"label-newline", 0, 0, 1, {"label", 's', .s = "smat\n| injected |"}, "'label'"},
    {"valid-curve-1100-entries", 0, 0, 0, {"train.valid_curve", 'L', .len = 1100}, "'train.valid_curve'"},
    {"valid-curve-nan", 0, 0, 0, {"train.valid_curve[0]", 'd', .d = NAN}, "'train.valid_curve'[0]"},
    {"meta-loss-inf", 0, 0, 0, {"meta.loss_curve[0]", 'd', .d = INFINITY}, "'meta.loss_curve'[0]"},
    {"coef-1e300", 0, 0, 0, {"explainer_params.teacher_before[0]", 'd', .d = 1e300},
     "'explainer_params.teacher_before'[0]"},
    {"teacher-metric-nan", 1, 0, 0, {"metric.value", 'd', .d = NAN}, "'metric.value'"},
};
#define RU_N_CASES ((int)(sizeof ru_cases / sizeof ru_cases[0]))

static inline void ru_str(msgpack_packer *pk, const char *s) { msgpack_pack_str_with_body(pk, s, strlen(s)); }

static inline void ru_pack_fault(msgpack_packer *pk, const ru_fault *f) {
    switch (f->kind) {
    case 'i': msgpack_pack_int64(pk, f->i); break;
    case 'u': msgpack_pack_uint64(pk, f->u); break;
    case 'd': msgpack_pack_double(pk, f->d); break;
    case 's': ru_str(pk, f->s); break;
    default:
        msgpack_pack_array(pk, f->len);
        for (size_t i = 0; i < f->len; i++) msgpack_pack_double(pk, 0.5);
    }
}

// A number at `key`, or the fault if it targets key.
static inline void ru_num(msgpack_packer *pk, const ru_fault *f, const char *key, int64_t v) {
    if (f && f->key && !strcmp(f->key, key)) ru_pack_fault(pk, f);
    else msgpack_pack_int64(pk, v);
}

// An array of n numbers v[i] at `key`; the fault replaces it whole or its first entry.
static inline void ru_array(msgpack_packer *pk, const ru_fault *f, const char *key, int n, double (*v)(int)) {
    char first[128];
    snprintf(first, sizeof first, "%s[0]", key);
    if (f && f->key && !strcmp(f->key, key)) {
        ru_pack_fault(pk, f);
        return;
    }
    msgpack_pack_array(pk, (size_t)n);
    for (int i = 0; i < n; i++) {
        if (i == 0 && f && f->key && !strcmp(f->key, first)) ru_pack_fault(pk, f);
        else msgpack_pack_double(pk, v(i));
    }
}

static inline double ru_agree(int i) { return i % 3 != 0; }
static inline double ru_one(int i) { return (void)i, 1; }
static inline double ru_score(int i) { return 0.1 * i; }
static inline double ru_score2(int i) { return 0.1 * i + 0.05 * (i % 2); }
static inline double ru_curve(int i) { return 0.5 + 0.01 * i; }
static inline double ru_coef(int i) { return 0.25 * (i + 1); }

#define RU_POINTS 10

// The bytes of a crafted result (c->f applied; f == NULL: a good result) in sb.
static inline void ru_pack(msgpack_sbuffer *sb, const ru_case *c, const ru_fault *f, const char *expl, long seed) {
    msgpack_sbuffer_init(sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    if (c->teacher) {
        msgpack_pack_map(&pk, 6);
        ru_str(&pk, "format"), ru_str(&pk, "scaffold-result");
        ru_str(&pk, "kind"), ru_str(&pk, "teacher");
        ru_str(&pk, "task"), ru_str(&pk, "t");
        ru_str(&pk, "arch"), ru_str(&pk, "transformer");
        ru_str(&pk, "seed"), ru_num(&pk, f, "seed", 1);
        ru_str(&pk, "metric");
        msgpack_pack_map(&pk, 2);
        ru_str(&pk, "name"), ru_str(&pk, "test_accuracy");
        ru_str(&pk, "value");
        if (f && f->key && !strcmp(f->key, "metric.value")) ru_pack_fault(&pk, f);
        else msgpack_pack_double(&pk, 0.9);
        return;
    }
    int learn = f != NULL;  // the crafted run is a learned explainer: report reads its coefficients
    msgpack_pack_map(&pk, 13);
    ru_str(&pk, "format"), ru_str(&pk, "scaffold-result");
    ru_str(&pk, "kind"), ru_str(&pk, "student");
    ru_str(&pk, "task"), ru_str(&pk, "t");
    ru_str(&pk, "explainer"), ru_str(&pk, expl);
    ru_str(&pk, "learn_explainer");
    if (f && f->key && !strcmp(f->key, "learn_explainer")) ru_pack_fault(&pk, f);
    else learn ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
    ru_str(&pk, "label");
    if (f && f->key && !strcmp(f->key, "label")) ru_pack_fault(&pk, f);
    else ru_str(&pk, learn ? "smat" : expl);
    ru_str(&pk, "n"), ru_num(&pk, f, "n", 500);
    ru_str(&pk, "seed"), ru_num(&pk, f, "seed", seed);
    ru_str(&pk, "test");
    msgpack_pack_map(&pk, 1);
    ru_str(&pk, "per_example");
    msgpack_pack_map(&pk, 2);
    if (c->regression) {
        ru_str(&pk, "student_score"), ru_array(&pk, f, "test.per_example.student_score", RU_POINTS, ru_score);
        ru_str(&pk, "teacher_score"), ru_array(&pk, f, "test.per_example.teacher_score", RU_POINTS, ru_score2);
    } else {
        ru_str(&pk, "agree"), ru_array(&pk, f, "test.per_example.agree", RU_POINTS, ru_agree);
        ru_str(&pk, "gold_correct"), ru_array(&pk, f, "test.per_example.gold_correct", RU_POINTS, ru_one);
    }
    ru_str(&pk, "train");
    msgpack_pack_map(&pk, 1);
    ru_str(&pk, "valid_curve"), ru_array(&pk, f, "train.valid_curve", 3, ru_curve);
    ru_str(&pk, "meta");
    msgpack_pack_map(&pk, 1);
    ru_str(&pk, "loss_curve"), ru_array(&pk, f, "meta.loss_curve", learn ? 3 : 0, ru_curve);
    ru_str(&pk, "explainer_params");
    msgpack_pack_map(&pk, 2);
    ru_str(&pk, "teacher_before"), ru_array(&pk, f, "explainer_params.teacher_before", learn ? 4 : 0, ru_coef);
    ru_str(&pk, "teacher_after"), ru_array(&pk, f, "explainer_params.teacher_after", learn ? 4 : 0, ru_coef);
    ru_str(&pk, "created_by"), ru_str(&pk, "tests/results_util.h");
}

// Writes dir/metrics.msgpack: case c's crafted result (bad != 0) or a good
// student of the same kind (explainer `none`, the given seed). 0 or -1.
static inline int ru_write(const char *dir, const ru_case *c, int bad, long seed) {
    sc_err err;
    if (sc_mkdirs(dir, &err)) return -1;
    char path[1024];
    snprintf(path, sizeof path, "%s/metrics.msgpack", dir);
    msgpack_sbuffer sb;
    ru_case good = *c;
    good.teacher = bad ? c->teacher : 0;
    ru_pack(&sb, &good, bad ? &c->f : NULL, bad ? "attention" : "none", seed);
    int rc = sc_atomic_write(path, sb.data, sb.size, &err);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

// With SC_REGRESS_WRITE=DIR set, every crafted case is also written as
// DIR/<name>.msgpack (how tests/fuzz/regress/results/ is made).
// A results tree at root with one good student and the case's bad one; runs
// `cmd NAME root FLAG root/OUTPUT` (compare --csv, report --out) and expects
// exit 1 naming bad/metrics.msgpack and the case's field, no output file and no
// temporary file left behind. Needs sc_test.h (sc_test_capture, cmocka) first.
static inline void ru_expect_refused(int (*cmd)(int, char **), const char *name, const char *flag,
                                     const char *output, const char *root, const ru_case *c) {
    char d[512], path[512], out[8192], errb[4096], sh[700];
    snprintf(sh, sizeof sh, "rm -rf %s", root);
    assert_int_equal(system(sh), 0);
    snprintf(d, sizeof d, "%s/good", root), assert_int_equal(ru_write(d, c, 0, 1), 0);
    snprintf(d, sizeof d, "%s/bad", root), assert_int_equal(ru_write(d, c, 1, 2), 0);
    snprintf(path, sizeof path, "%s/%s", root, output);
    char *argv[] = {(char *)name, (char *)root, (char *)flag, path, NULL};
    int rc = sc_test_capture(cmd, 4, argv, out, sizeof out, errb, sizeof errb);
    if (rc != 1 || !strstr(errb, "bad/metrics.msgpack") || !strstr(errb, c->field))
        fail_msg("%s %s: exit %d, expected 1 and an error naming bad/metrics.msgpack and %s; stderr: %s", name,
                 c->name, rc, c->field, errb);
    assert_int_not_equal(access(path, F_OK), 0);  // no partial output
    snprintf(sh, sizeof sh, "find %s -name '*.tmp.*' | grep -q .", root);
    assert_int_not_equal(system(sh), 0);           // no half-written temporary file
    snprintf(sh, sizeof sh, "rm -rf %s", root);
    assert_int_equal(system(sh), 0);
}

static inline void ru_export(void) {
    const char *dir = getenv("SC_REGRESS_WRITE");
    if (!dir || !*dir) return;
    for (int k = 0; k < RU_N_CASES; k++) {
        msgpack_sbuffer sb;
        ru_pack(&sb, &ru_cases[k], &ru_cases[k].f, "attention", 7);
        char path[1024];
        sc_err err;
        snprintf(path, sizeof path, "%s/%s.msgpack", dir, ru_cases[k].name);
        if (sc_mkdirs(dir, &err) || sc_atomic_write(path, sb.data, sb.size, &err))
            fprintf(stderr, "SC_REGRESS_WRITE: %s\n", err.msg);
        msgpack_sbuffer_destroy(&sb);
    }
}

#endif
