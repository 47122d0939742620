// scaffold bench — performance tables (ratios against raw BLIS and plain steps),
// and scaffold's side of the side-by-side comparison with JAX and PyTorch
// (`export` writes each case's inputs and values, `time` runs one round,
// `memory` measures one pass's peak RSS growth).
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "cli/cli.h"

typedef struct bench_args {
    const char *what, *out, *case_name, *pass;
    int quick;
    long threads, steps;
    double seconds;
} bench_args;

// The value after option argv[*i] (advancing *i), or NULL when there is none.
static const char *value_of(int argc, char **argv, int *i) { return *i + 1 < argc ? argv[++*i] : NULL; }

// --seconds: a number in (0, 600].
static int parse_seconds(const char *v, double *out) {
    char *end;
    double s = strtod(v, &end);
    if (!*v || *end || !(s > 0) || s > 600) return -1;
    *out = s;
    return 0;
}

// An option that takes a value: stores it, or returns the usage error.
static int option_value(const sc_command *me, const char *o, const char *v, bench_args *a) {
    if (!v) return sc_cli_usage_error(me, "%s needs a value", o);
    if (!strcmp(o, "--out")) a->out = v;
    else if (!strcmp(o, "--case")) a->case_name = v;
    else if (!strcmp(o, "--threads") && sc_cli_parse_long(v, 1, 256, &a->threads))
        return sc_cli_usage_error(me, "--threads %s: expected a whole number in 1..256", v);
    else if (!strcmp(o, "--seconds") && parse_seconds(v, &a->seconds))
        return sc_cli_usage_error(me, "--seconds %s: expected a number of seconds in (0, 600]", v);
    else if (!strcmp(o, "--pass")) a->pass = v;
    else if (!strcmp(o, "--steps") && sc_cli_parse_long(v, 1, 10000, &a->steps))
        return sc_cli_usage_error(me, "--steps %s: expected a whole number in 1..10000", v);
    return SC_EXIT_OK;
}

static int parse(const sc_command *me, int argc, char **argv, bench_args *a) {
    *a = (bench_args){.threads = 1, .seconds = 1.0, .steps = 20};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        int rc;
        if (!strcmp(o, "--quick")) a->quick = 1;
        else if (!strcmp(o, "--out") || !strcmp(o, "--case") || !strcmp(o, "--threads") || !strcmp(o, "--seconds") ||
                 !strcmp(o, "--pass") || !strcmp(o, "--steps")) {
            if ((rc = option_value(me, o, value_of(argc, argv, &i), a))) return rc;
        } else if (o[0] == '-') {
            return sc_cli_usage_error(me, "unknown option '%s'", o);
        } else if (!a->what) {
            a->what = o;
        } else {
            return sc_cli_usage_error(me, "unexpected argument '%s'", o);
        }
    }
    return SC_EXIT_OK;
}

// Options that only some benchmarks take.
static int check_options(const sc_command *me, const bench_args *a, int is_export, int is_time, int is_memory) {
    int measures = is_time || is_memory;  // time and memory run one case
    if (a->quick && (is_export || measures))
        return sc_cli_usage_error(me, "--quick is for engine, train, meta and active");
    if (a->out && !is_export) return sc_cli_usage_error(me, "--out is for `bench export`");
    if (a->case_name && !is_export && !measures)
        return sc_cli_usage_error(me, "--case is for `bench export`, `bench time` and `bench memory`");
    if (!measures && a->threads != 1) return sc_cli_usage_error(me, "--threads is for `bench time` and `bench memory`");
    if (!is_time && a->seconds != 1.0) return sc_cli_usage_error(me, "--seconds is for `bench time`");
    if (!is_memory && (a->pass || a->steps != 20)) return sc_cli_usage_error(me, "--pass and --steps are for `bench memory`");
    if (is_export && !a->out) return sc_cli_usage_error(me, "bench export needs --out DIR");
    if (measures && !a->case_name)
        return sc_cli_usage_error(me, "bench %s needs --case (block, meta or mid)", is_time ? "time" : "memory");
    if (is_memory && !a->pass)
        return sc_cli_usage_error(me, "bench memory needs --pass (block: forward, forward+backward, double-backward; "
                                      "meta, mid: plain, explained, meta-unrolled-1)");
    const char *c = a->case_name;
    if (c && !sc_bench_case_known(c) && !(is_export && !strcmp(c, "all")))
        return sc_cli_usage_error(me, "unknown case '%s' (known: block, meta, mid%s)", c, is_export ? ", all" : "");
    return SC_EXIT_OK;
}

int sc_cmd_bench(int argc, char **argv) {
    const sc_command *me = sc_cli_find("bench");
    bench_args a;
    int rc = parse(me, argc, argv, &a);
    if (rc) return rc;
    if (!a.what) return sc_cli_usage_error(me, "which benchmark? (engine | train | meta | active | export | time | memory)");
    int is_export = !strcmp(a.what, "export"), is_time = !strcmp(a.what, "time"), is_memory = !strcmp(a.what, "memory");
    if ((rc = check_options(me, &a, is_export, is_time, is_memory))) return rc;
    sc_err err;
    if (is_export) {
        if (!sc_bench_export(a.out, a.case_name ? a.case_name : "all", stdout, &err)) return SC_EXIT_OK;
        fprintf(stderr, "scaffold bench export: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    if (is_time) {
        if (!sc_bench_time_case(stdout, a.case_name, (int)a.threads, a.seconds, &err)) return SC_EXIT_OK;
        fprintf(stderr, "scaffold bench time: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    if (is_memory) {
        if (!sc_bench_memory_case(stdout, a.case_name, a.pass, (int)a.threads, (int)a.steps, &err)) return SC_EXIT_OK;
        fprintf(stderr, "scaffold bench memory: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    if (!strcmp(a.what, "engine")) return sc_bench_engine(stdout, a.quick) ? SC_EXIT_FAIL : SC_EXIT_OK;
    if (!strcmp(a.what, "train")) return sc_bench_train(stdout, a.quick) ? SC_EXIT_FAIL : SC_EXIT_OK;
    if (!strcmp(a.what, "meta")) return sc_bench_meta(stdout, a.quick) ? SC_EXIT_FAIL : SC_EXIT_OK;
    if (!strcmp(a.what, "active")) return sc_bench_active(stdout, a.quick) ? SC_EXIT_FAIL : SC_EXIT_OK;
    return sc_cli_usage_error(me, "unknown benchmark '%s' (known: engine, train, meta, active, export, time, memory)",
                              a.what);
}
