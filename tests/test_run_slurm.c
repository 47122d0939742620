// The Slurm backend's pieces that need no cluster (exp/slurm.h; the real
// cluster test is tests/slurm/test_slurm.sh): an array element runs the run
// its runs file names and refuses a run whose key changed or a missing
// SLURM_ARRAY_TASK_ID; a run whose teacher has not finished says so in its own
// log; --collect summarizes from disk with a row per unfinished run; --status
// reads the scheduler through squeue/sacct/scontrol (stand-ins on PATH here,
// printing what Slurm 22.05 prints), including a cancelled array that never
// started and a signal; malformed records name the file and line; the CLI
// refuses option combinations that do not make sense (exit 2); submission
// hands sbatch the stages with their dependencies (a stand-in sbatch records them).
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "exp/manifest.h"
#include "exp/runner.h"
#include "exp/slurm.h"

static char dir[256];

static char *read_all(FILE *f) {
    fflush(f);
    long n = ftell(f);
    char *buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    rewind(f);
    assert_int_equal(ftruncate(fileno(f), 0), 0);
    return buf;
}

static void setup_manifest(sc_manifest *m) {
    char cmd[700], path[600], out[600];
    snprintf(dir, sizeof dir, "/tmp/sc_test_run_slurm_%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/tasks", dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/tasks", dir);
    sc_test_synth_copy(cmd, "synth-text", 200);
    snprintf(path, sizeof path, "%s/m.yaml", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    sc_test_write_file(path, "name: tiny\n"
                     "tasks: [tasks/synth-text]\n"
                     "teacher: {seed: 1, arch: transformer, set: {max_steps: 5, epochs: 1}}\n"
                     "explainers: [none]\n"
                     "n: [40]\n"
                     "seeds: [1, 2]\n"
                     "student:\n  set: {epochs: 1, eval_batch: 300}\n");
    sc_err err;
    if (sc_manifest_load(m, path, out, &err)) fail_msg("%s", err.msg);
    assert_int_equal(m->n_runs, 3);
}

// runs file line: INDEX KEY DIR.
static void write_runs(const char *path, const sc_manifest *m, int idx, const char *key) {
    char line[1600];
    snprintf(line, sizeof line, "%d\t%s\t%s\n", idx, key ? key : m->runs[idx].key, m->runs[idx].dir);
    sc_test_write_file(path, line);
}

static void test_task_collect(void **state) {
    (void)state;
    sc_manifest m;
    setup_manifest(&m);
    sc_err err;
    char runs[600], p[1200];
    FILE *log = tmpfile();
    snprintf(runs, sizeof runs, "%s/x.runs", dir);

    unsetenv("SLURM_ARRAY_TASK_ID");
    write_runs(runs, &m, 1, NULL);
    assert_int_equal(sc_slurm_task(&m, runs, log, &err), -1);
    assert_non_null(strstr(err.msg, "SLURM_ARRAY_TASK_ID is not set"));
    setenv("SLURM_ARRAY_TASK_ID", "0", 1);
    // A student before its teacher: refused, and its log says so (status and summary read it there).
    assert_int_equal(sc_slurm_task(&m, runs, log, &err), -1);
    assert_non_null(strstr(err.msg, "its teacher"));
    snprintf(p, sizeof p, "%s/log.txt", m.runs[1].dir);
    free(sc_test_file_with(p, (const char *[]){"scaffold run: not run: its teacher has not finished", NULL}));
    // The teacher, then the student, each as an array element.
    write_runs(runs, &m, 0, NULL);
    if (sc_slurm_task(&m, runs, log, &err)) fail_msg("%s", err.msg);
    write_runs(runs, &m, 1, NULL);
    if (sc_slurm_task(&m, runs, log, &err)) fail_msg("%s", err.msg);
    assert_int_equal(sc_exp_finished(&m.runs[1], &err), 1);
    // Again: finished earlier, nothing to do.
    assert_int_equal(sc_slurm_task(&m, runs, log, &err), 0);
    char *text = read_all(log);
    if (!strstr(text, "finished earlier, nothing to do")) fail_msg("log:\n%s", text);
    free(text);
    // A key that is not the run's any more (the manifest changed since submission).
    write_runs(runs, &m, 2, "0000000000000000000000000000000000000000000000000000000000000000");
    assert_int_equal(sc_slurm_task(&m, runs, log, &err), -1);
    assert_non_null(strstr(err.msg, "no longer has the configuration"));
    // A line past the end of the runs file.
    setenv("SLURM_ARRAY_TASK_ID", "3", 1);
    assert_int_equal(sc_slurm_task(&m, runs, log, &err), -1);
    assert_non_null(strstr(err.msg, "no run on line 4"));
    setenv("SLURM_ARRAY_TASK_ID", "x1", 1);
    assert_int_equal(sc_slurm_task(&m, runs, log, &err), -1);
    unsetenv("SLURM_ARRAY_TASK_ID");

    // Collect: the seed-2 student never ran; its row says why.
    if (sc_exp_collect(&m, log, &err)) fail_msg("%s", err.msg);
    snprintf(p, sizeof p, "%s/summary.md", m.out);
    free(sc_test_file_with(p, (const char *[]){"| none |", "| none | 40 | 2 | not run |", NULL}));
    text = read_all(log);
    if (!strstr(text, "collect tiny: 2 of 3 runs finished")) fail_msg("log:\n%s", text);
    free(text);
    fclose(log);
    sc_manifest_free(&m);
    snprintf(p, sizeof p, "rm -rf %s", dir);
    assert_int_equal(system(p), 0);
}

// Stand-ins for the Slurm commands: each prints a fixed answer.
static void fake_tool(const char *bin, const char *name, const char *body) {
    char p[700];
    snprintf(p, sizeof p, "%s/%s", bin, name);
    sc_test_write_file(p, body);
    assert_int_equal(chmod(p, 0755), 0);
}

static void test_status_cancel(void **state) {
    (void)state;
    char out[300], bin[300], p[800], key[65];
    snprintf(dir, sizeof dir, "/tmp/sc_test_run_slurm_st_%d", (int)getpid());
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(bin, sizeof bin, "%s/bin", dir);
    snprintf(p, sizeof p, "rm -rf %s && mkdir -p %s/slurm %s/teachers/t %s/runs/t/none/n5/seed1 %s/runs/t/none/n5/seed2 "
             "%s/runs/t/none/n5/seed3 %s", dir, out, out, out, out, out, bin);
    assert_int_equal(system(p), 0);
    memset(key, 'a', 64), key[64] = '\0';
    char text[4000];
    snprintf(text, sizeof text, "0\t%s\tteacher\tteachers/t\n1\t%s\tstudent\truns/t/none/n5/seed1\n"
             "2\t%s\tstudent\truns/t/none/n5/seed2\n3\t%s\tstudent\truns/t/none/n5/seed3\n", key, key, key, key);
    snprintf(p, sizeof p, "%s/slurm/runs.tsv", out);
    sc_test_write_file(p, text);
    snprintf(text, sizeof text, "0\t%s\tx\n", key);
    snprintf(p, sizeof p, "%s/slurm/t.runs", out);
    sc_test_write_file(p, text);
    snprintf(text, sizeof text, "1\t%s\tx\n2\t%s\tx\n3\t%s\tx\n", key, key, key);
    snprintf(p, sizeof p, "%s/slurm/s.runs", out);
    sc_test_write_file(p, text);
    snprintf(text, sizeof text, "41\tteacher-t\t%s/slurm/t.runs\n42\tstudents-t\t%s/slurm/s.runs\n43\tcollect\t\n", out, out);
    snprintf(p, sizeof p, "%s/slurm/jobs.tsv", out);
    sc_test_write_file(p, text);
    snprintf(p, sizeof p, "%s/teachers/t/run.key", out);
    sc_test_write_file(p, key);
    snprintf(p, sizeof p, "%s/runs/t/none/n5/seed1/log.txt", out);
    sc_test_write_file(p, "student epoch 1\n");
    // 42_0 running; 42_1 timed out (accounting off: scontrol); 42_2 pending; collect pending.
    fake_tool(bin, "squeue", "#!/bin/sh\nprintf '42_0|RUNNING|None\\n42_2|PENDING|Dependency\\n43|PENDING|Dependency\\n'\n");
    fake_tool(bin, "sacct", "#!/bin/sh\necho 'Slurm accounting storage is disabled'; exit 1\n");
    fake_tool(bin, "scontrol", "#!/bin/sh\n[ \"$4\" = 42 ] && echo 'JobId=50 ArrayJobId=42 ArrayTaskId=1 JobState=TIMEOUT "
              "Reason=TimeLimit ExitCode=0:15'\nexit 0\n");
    fake_tool(bin, "scancel", "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/scancel.args\"\n");
    const char *old = getenv("PATH");
    char *saved = strdup(old ? old : "/usr/bin:/bin");
    snprintf(text, sizeof text, "%s:%s", bin, saved);
    setenv("PATH", text, 1);

    FILE *f = tmpfile();
    sc_err err;
    int failed = -1;
    if (sc_slurm_status(out, f, &failed, &err)) fail_msg("%s", err.msg);
    char *said = read_all(f);
    const char *want[] = {"done     41_0         teachers/t", "running  42_0         runs/t/none/n5/seed1",
                          "failed   42_1         runs/t/none/n5/seed2  TIMEOUT (TimeLimit)",
                          "pending  42_2         runs/t/none/n5/seed3  Dependency",
                          "4 runs: 1 done, 1 running, 1 pending, 1 failed, 0 not run", "--resume"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (!strstr(said, want[i])) fail_msg("expected '%s' in:\n%s", want[i], said);
    assert_int_equal(failed, 1);
    free(said);
    // --cancel: only the jobs with an element still queued.
    if (sc_slurm_cancel(out, f, &err)) fail_msg("%s", err.msg);
    said = read_all(f);
    if (!strstr(said, "cancelled 2 jobs: 42 43")) fail_msg("cancel said:\n%s", said);
    free(said);
    snprintf(p, sizeof p, "%s/scancel.args", bin);
    free(sc_test_file_with(p, (const char *[]){"42 43", NULL}));
    // A new submission refuses while jobs of OUT are queued.
    // Malformed records name the file and the line.
    snprintf(p, sizeof p, "%s/slurm/jobs.tsv", out);
    sc_test_write_file(p, "41\tteacher-t\tx\nnot a job line\n");
    assert_int_equal(sc_slurm_status(out, f, &failed, &err), -1);
    if (!strstr(err.msg, "jobs.tsv line 2")) fail_msg("%s", err.msg);
    snprintf(p, sizeof p, "%s/slurm/runs.tsv", out);
    sc_test_write_file(p, "0\tshort\tteacher\tteachers/t\n");
    assert_int_equal(sc_slurm_status(out, f, &failed, &err), -1);
    if (!strstr(err.msg, "runs.tsv line 1")) fail_msg("%s", err.msg);
    // No submission at all.
    assert_int_equal(sc_slurm_status(dir, f, &failed, &err), -1);
    assert_non_null(strstr(err.msg, "--backend slurm"));
    // squeue missing entirely.
    setenv("PATH", "/nonexistent", 1);
    assert_int_equal(sc_slurm_cancel(out, f, &err), -1);
    setenv("PATH", saved, 1);
    free(saved);
    fclose(f);
    snprintf(p, sizeof p, "rm -rf %s", dir);
    assert_int_equal(system(p), 0);
}

// Submission with stand-in sbatch/squeue (the real one: tests/slurm/): the
// stages, their dependencies and throttle as sbatch receives them; jobs.tsv and
// the runs files; refusal while a job of OUT is queued, and of a changed run.
static void test_submit(void **state) {
    (void)state;
    sc_manifest m;
    setup_manifest(&m);
    char bin[600], p[1400], text[2000];
    snprintf(bin, sizeof bin, "%s/bin", dir);
    assert_int_equal(mkdir(bin, 0755), 0);
    // sbatch: the next job id (a counter file), its arguments appended to sbatch.args.
    fake_tool(bin, "sbatch", "#!/bin/sh\nd=$(dirname \"$0\"); n=$(cat \"$d/n\" 2>/dev/null || echo 100); n=$((n + 1));"
                             " echo $n > \"$d/n\"; echo \"$n: $*\" >> \"$d/sbatch.args\"; echo \"$n;cluster\"\n");
    fake_tool(bin, "squeue", "#!/bin/sh\ncat \"$(dirname \"$0\")/queue\" 2>/dev/null; exit 0\n");
    fake_tool(bin, "sacct", "#!/bin/sh\nexit 1\n");
    fake_tool(bin, "scontrol", "#!/bin/sh\nexit 0\n");
    const char *old = getenv("PATH");
    char *saved = strdup(old ? old : "/usr/bin:/bin");
    snprintf(text, sizeof text, "%s:%s", bin, saved);
    setenv("PATH", text, 1);
    char manifest[600];
    snprintf(manifest, sizeof manifest, "%s/m.yaml", dir);
    sc_slurm_opts o = {.cpus = 2, .max_concurrent = 3, .mem = "2G", .time = "45:00", .teacher_time = "2:00:00",
                       .manifest_path = manifest,
                       .n_extra = 1, .extra = {"--qos=long"}};
    FILE *log = tmpfile();
    o.log = log;
    sc_err err;
    if (sc_slurm_submit(&m, &o, &err)) fail_msg("%s", err.msg);
    snprintf(p, sizeof p, "%s/sbatch.args", bin);
    char *args = sc_test_file_with(p, (const char *[]){"101: --parsable --job-name=scaffold-tiny-teacher-synth-text",
        "--cpus-per-task=2 --no-requeue --time=2:00:00 --mem=2G --array=0-0%3 --qos=long",
        "--cpus-per-task=2 --no-requeue --time=45:00 --mem=2G --array=0-1%3",
        "102: --parsable --job-name=scaffold-tiny-students-synth-text", "--array=0-1%3 --dependency=afterok:101 "
        "--kill-on-invalid-dep=yes --qos=long", "103: --parsable --job-name=scaffold-tiny-collect",
        "--dependency=afterany:101:102", "sub1-collect.sbatch", NULL});
    free(args);
    snprintf(p, sizeof p, "%s/slurm/jobs.tsv", m.out);
    free(sc_test_file_with(p, (const char *[]){"101\tteacher-synth-text\t", "sub1-teacher-synth-text.runs\n",
                                               "102\tstudents-synth-text\t", "103\tcollect\t\n", NULL}));
    snprintf(p, sizeof p, "%s/slurm/sub1-students-synth-text.runs", m.out);
    snprintf(text, sizeof text, "1\t%s\t", m.runs[1].key);
    free(sc_test_file_with(p, (const char *[]){text, NULL}));
    snprintf(p, sizeof p, "%s/slurm/sub1-students-synth-text.sbatch", m.out);
    free(sc_test_file_with(p, (const char *[]){"#!/bin/sh", "' run '", "--slurm-task '", NULL}));

    // While a job of OUT is queued, a second submission is refused.
    snprintf(p, sizeof p, "%s/queue", bin);
    sc_test_write_file(p, "102_1|PENDING|Dependency\n");
    assert_int_equal(sc_slurm_submit(&m, &o, &err), -1);
    if (!strstr(err.msg, "102_1") || !strstr(err.msg, "--cancel")) fail_msg("%s", err.msg);
    sc_test_write_file(p, "");
    // The teacher finished (run for real): without --resume refused; with it
    // only the students are submitted, with no dependency left to wait for.
    if (sc_exp_run_one(&m, 0, log, &err)) fail_msg("%s", err.msg);
    assert_int_equal(sc_slurm_submit(&m, &o, &err), -1);
    assert_non_null(strstr(err.msg, "--resume"));
    o.resume = 1;
    if (sc_slurm_submit(&m, &o, &err)) fail_msg("%s", err.msg);
    snprintf(p, sizeof p, "%s/sbatch.args", bin);
    args = sc_test_file_with(p, (const char *[]){"104: --parsable --job-name=scaffold-tiny-students-synth-text",
                                                 "sub2-students-synth-text.sbatch", "105: ", NULL});
    if (strstr(args, "sub2-teacher") || strstr(strstr(args, "104: "), "afterok")) fail_msg("sbatch got:\n%s", args);
    free(args);
    // A run finished under another configuration is refused.
    snprintf(p, sizeof p, "%s/run.key", m.runs[1].dir);
    assert_int_equal(system((snprintf(text, sizeof text, "mkdir -p %s", m.runs[1].dir), text)), 0);
    sc_test_write_file(p, "0000000000000000000000000000000000000000000000000000000000000000");
    assert_int_equal(sc_slurm_submit(&m, &o, &err), -1);
    assert_non_null(strstr(err.msg, "another configuration"));
    // sbatch refusing: the error carries its words, and what this submission queued is cancelled.
    remove(p);
    fake_tool(bin, "sbatch", "#!/bin/sh\necho 'sbatch: error: invalid partition specified: nope' >&2; exit 1\n");
    fake_tool(bin, "scancel", "#!/bin/sh\nexit 0\n");
    assert_int_equal(sc_slurm_submit(&m, &o, &err), -1);
    if (!strstr(err.msg, "invalid partition specified")) fail_msg("%s", err.msg);
    setenv("PATH", saved, 1);
    free(saved);
    fclose(log);
    sc_manifest_free(&m);
    snprintf(p, sizeof p, "rm -rf %s", dir);
    assert_int_equal(system(p), 0);
}

static int run_cli(const char *const *args, char *err, size_t cap) {
    char *argv[16];
    int argc = 0;
    for (; args[argc]; argc++) argv[argc] = (char *)args[argc];
    argv[argc] = NULL;
    char out[4096];
    return sc_test_capture(sc_cmd_run, argc, argv, out, sizeof out, err, cap);
}

static void test_cli_combinations(void **state) {
    (void)state;
    struct {
        const char *args[8], *says;
    } cases[] = {
        {{"run", "m.yaml", "--partition", "p", NULL}, "--partition is an option of --backend slurm"},
        {{"run", "m.yaml", "--backend", "pbs", NULL}, "'local' (the default) or 'slurm'"},
        {{"run", "m.yaml", "--backend", "slurm", "--jobs", "2", NULL}, "--max-concurrent"},
        {{"run", "m.yaml", "--status", "out", NULL}, "only the output folder"},
        {{"run", "m.yaml", "--backend=slurm", "--cpus", "0", NULL}, "--cpus expects"},
        {{"run", "m.yaml", "--backend", "slurm", "--sbatch-arg", "qos=x", NULL}, "one sbatch option"},
        {{"run", "m.yaml", "--collect", "--backend", "slurm", NULL}, "do not combine"},
        {{"run", "m.yaml", "--time", NULL}, "--time needs a value"},
        {{"run", "--cancel", NULL}, "--cancel needs a value"},
        {{"run", "m.yaml", "--teacher-time=1:00:00", NULL}, "--teacher-time is an option of --backend slurm"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[4096];
        int rc = run_cli(cases[i].args, err, sizeof err);
        if (rc != SC_EXIT_USAGE || !strstr(err, cases[i].says))
            fail_msg("case %zu: exit %d, want 2 and '%s' in:\n%s", i, rc, cases[i].says, err);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cli_combinations), cmocka_unit_test(test_status_cancel),
                                       cmocka_unit_test(test_task_collect), cmocka_unit_test(test_submit)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
