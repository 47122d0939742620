// scaffold run — validates an experiment manifest in full and expands it into
// runs (exp/manifest.h), then executes them in a local pool (exp/runner.h) or
// submits them to Slurm (exp/slurm.h); ends with the summary table.
// --dry-run validates and prints the commands. --status / --cancel follow a
// Slurm submission; --collect summarizes what is on disk; --slurm-task is what
// an array element runs.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "exp/runner.h"
#include "exp/slurm.h"

typedef struct run_args {
    const char *path, *out, *backend, *status, *cancel, *slurm_task;
    int collect;
    char first_slurm_opt[64];  // the first Slurm option given ("" if none), for the error without --backend slurm
    sc_exp_opts local;
    sc_slurm_opts slurm;
} run_args;

// A Slurm option with a value; 1 if a matched, 0 if not, -1 on a usage error.
static int slurm_value(run_args *r, const sc_command *me, const char *a, const char *v) {
    static const char *names[] = {"--partition",  "--time",       "--mem",        "--cpus",
                                  "--max-concurrent", "--sbatch-arg", "--teacher-time", "--teacher-mem"};
    int k = -1;
    for (int i = 0; i < 8; i++)
        if (!strcmp(a, names[i])) k = i;
    if (k < 0) return 0;
    if (!v) return sc_cli_usage_error(me, "%s needs a value", a), -1;
    if (!v[0]) return sc_cli_usage_error(me, "%s needs a non-empty value", a), -1;
    if (!r->first_slurm_opt[0]) snprintf(r->first_slurm_opt, sizeof r->first_slurm_opt, "%s", a);
    long n;
    switch (k) {
        case 0: r->slurm.partition = v; break;
        case 1: r->slurm.time = v; break;
        case 2: r->slurm.mem = v; break;
        case 3:
            if (sc_cli_parse_long(v, 1, 1024, &n)) return sc_cli_usage_error(me, "--cpus expects an integer in [1, 1024], got '%s'", v), -1;
            r->slurm.cpus = (int)n;
            break;
        case 4:
            if (sc_cli_parse_long(v, 1, 100000, &n))
                return sc_cli_usage_error(me, "--max-concurrent expects an integer in [1, 100000], got '%s'", v), -1;
            r->slurm.max_concurrent = (int)n;
            break;
        case 6: r->slurm.teacher_time = v; break;
        case 7: r->slurm.teacher_mem = v; break;
        default:
            if (r->slurm.n_extra == SC_SLURM_MAX_EXTRA)
                return sc_cli_usage_error(me, "at most %d --sbatch-arg", SC_SLURM_MAX_EXTRA), -1;
            if (v[0] != '-')
                return sc_cli_usage_error(me, "--sbatch-arg takes one sbatch option, e.g. --sbatch-arg=--qos=long "
                                          "(got '%s')", v), -1;
            r->slurm.extra[r->slurm.n_extra++] = v;
    }
    return 1;
}

static int parse(run_args *r, const sc_command *me, int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        // --opt=value and --opt value are the same (sbatch arguments read
        // better as --sbatch-arg=--qos=long).
        char name[64];
        const char *a = argv[i], *eq = strchr(a, '='), *v = i + 1 < argc ? argv[i + 1] : NULL;
        int inline_value = a[0] == '-' && a[1] == '-' && eq && (size_t)(eq - a) < sizeof name;
        if (inline_value) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - a), a);
            a = name, v = eq + 1;
        }
        int step = inline_value ? 0 : 1;  // argv entries a value takes
        int got = slurm_value(r, me, a, v);
        if (got < 0) return -1;
        if (got) {
            i += step;
            continue;
        }
        const char **slot = !strcmp(a, "--out") ? &r->out : !strcmp(a, "--backend") ? &r->backend
                          : !strcmp(a, "--status") ? &r->status : !strcmp(a, "--cancel") ? &r->cancel
                          : !strcmp(a, "--slurm-task") ? &r->slurm_task : NULL;
        long j;
        if (slot) {
            if (!v) return sc_cli_usage_error(me, "%s needs a value", a), -1;
            *slot = v, i += step;
        } else if (!strcmp(a, "--jobs")) {
            if (!v || sc_cli_parse_long(v, 1, 256, &j))
                return sc_cli_usage_error(me, "--jobs expects an integer in [1, 256], got '%s'", v ? v : ""), -1;
            r->local.jobs = (int)j, i += step;
        } else if (inline_value) {
            return sc_cli_usage_error(me, "unexpected option '%s'", argv[i]), -1;
        } else if (!strcmp(a, "--resume")) {
            r->local.resume = r->slurm.resume = 1;
        } else if (!strcmp(a, "--dry-run")) {
            r->local.dry_run = 1;
        } else if (!strcmp(a, "--collect")) {
            r->collect = 1;
        } else if (!strcmp(a, "--requeue")) {
            r->slurm.requeue = 1;
            if (!r->first_slurm_opt[0]) snprintf(r->first_slurm_opt, sizeof r->first_slurm_opt, "%s", a);
        } else if (a[0] == '-') {
            return sc_cli_usage_error(me, "unexpected option '%s'", a), -1;
        } else if (r->path) {
            return sc_cli_usage_error(me, "one manifest at a time (got '%s' and '%s')", r->path, a), -1;
        } else {
            r->path = a;
        }
    }
    return 0;
}

// The combinations that make sense, each refusal saying what to do instead.
static int check(run_args *r, const sc_command *me) {
    int slurm = r->backend && !strcmp(r->backend, "slurm");
    if (r->backend && !slurm && strcmp(r->backend, "local"))
        return sc_cli_usage_error(me, "--backend is 'local' (the default) or 'slurm', got '%s'", r->backend), -1;
    if (r->status || r->cancel) {
        if (r->path || r->backend || r->collect || (r->status && r->cancel))
            return sc_cli_usage_error(me, "--status OUT and --cancel OUT take only the output folder"), -1;
        return 0;
    }
    if (!r->path) return sc_cli_usage_error(me, "give a manifest file (see experiments/)"), -1;
    if (r->first_slurm_opt[0] && !slurm)
        return sc_cli_usage_error(me, "%s is an option of --backend slurm", r->first_slurm_opt), -1;
    if (slurm && r->local.jobs != 1)
        return sc_cli_usage_error(me, "--jobs is for the local backend; with Slurm use --max-concurrent K"), -1;
    if (r->collect + !!r->slurm_task + r->local.dry_run > 1 || ((r->collect || r->slurm_task) && r->backend))
        return sc_cli_usage_error(me, "--collect, --slurm-task, --dry-run and --backend do not combine"), -1;
    return 0;
}

int sc_cmd_run(int argc, char **argv) {
    const sc_command *me = sc_cli_find("run");
    run_args r = {.local = {.jobs = 1, .log = stderr}, .slurm = {.cpus = 1, .log = stderr}};
    if (parse(&r, me, argc, argv) || check(&r, me)) return SC_EXIT_USAGE;
    sc_err err;
    int failed = 0, rc = 0;
    if (r.status || r.cancel) {
        rc = r.status ? sc_slurm_status(r.status, stdout, &failed, &err) : sc_slurm_cancel(r.cancel, stdout, &err);
        if (rc) fprintf(stderr, "scaffold run: %s\n", err.msg);
        return rc || failed ? SC_EXIT_FAIL : SC_EXIT_OK;
    }
    sc_manifest m;
    // The manifest is validated in full here (exp/manifest.h), --dry-run included:
    // every problem is listed before anything runs.
    if (sc_manifest_load_report(&m, r.path, r.out, stderr, &err)) {
        fprintf(stderr, "scaffold run: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    if (r.local.dry_run && m.kind == SC_EXP_XBL) {
        fprintf(stderr, "%s: valid; %d xbl run%s (train-xbl) into %s\n", r.path, m.n_runs, m.n_runs == 1 ? "" : "s",
                m.out);
    } else if (r.local.dry_run && m.kind == SC_EXP_AL) {
        fprintf(stderr, "%s: valid; %d active-learning run%s (active-learn) into %s\n", r.path, m.n_runs,
                m.n_runs == 1 ? "" : "s", m.out);
    } else if (r.local.dry_run) {
        int teachers = 0;
        for (int i = 0; i < m.n_runs; i++) teachers += m.runs[i].is_teacher;
        fprintf(stderr, "%s: valid; %d runs (%d teacher%s, %d student%s) into %s\n", r.path, m.n_runs, teachers,
                teachers == 1 ? "" : "s", m.n_runs - teachers, m.n_runs - teachers == 1 ? "" : "s", m.out);
    }
    r.slurm.manifest_path = r.path;
    if (r.slurm_task) rc = sc_slurm_task(&m, r.slurm_task, stderr, &err);
    else if (r.collect) rc = sc_exp_collect(&m, stderr, &err);
    else if (r.backend && !strcmp(r.backend, "slurm")) rc = sc_slurm_submit(&m, &r.slurm, &err);
    else rc = sc_exp_execute(&m, &r.local, &failed, &err);
    if (rc) fprintf(stderr, "scaffold run: %s\n", err.msg);
    else if (failed) fprintf(stderr, "scaffold run: %d run%s failed (their log.txt says why)\n", failed, failed > 1 ? "s" : "");
    sc_manifest_free(&m);
    return rc || failed ? SC_EXIT_FAIL : SC_EXIT_OK;
}
