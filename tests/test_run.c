// scaffold run (exp/manifest.c, exp/runner.c): a tiny manifest on synth-text
// runs for real (a teacher, then students in a pool of 2 forked processes
// that call the library), writes its summary table, is skipped entirely by --resume,
// refuses to overwrite without --resume, and refuses a run whose configuration
// changed. Manifest errors name the file, line and field; a manifest is
// validated in full before anything runs (every problem listed, the run count
// checked before expanding); tasks given by path (../x, absolute) write nothing
// outside OUT; a run that fails is a FAILED row with its reason in summary.md.
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/rss.h"
#include "exp/manifest.h"
#include "exp/runner.h"
#include "kernels/parallel.h"

static char dir[256];

// What was written to `log` since the last call, and rewinds it for the next.
static char *log_text(FILE *log) {
    fflush(log);
    long n = ftell(log);
    char *buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    rewind(log);
    assert_int_equal(fread(buf, 1, (size_t)n, log), (size_t)n);
    rewind(log);
    assert_int_equal(ftruncate(fileno(log), 0), 0);
    return buf;
}

static void copy_task(const char *parent, const char *name);
static const char *run_task(const char *root);

// Under valgrind (SCAFFOLD_TEST_QUICK) the runs' teachers are one small layer:
// the same code paths, a fraction of the emulated arithmetic.
static const char *teacher_size(void) { return sc_test_quick() ? ", layers: 1, width: 16, heads: 2" : ""; }

static const char *manifest_text(const char *task, int epochs) {
    static char buf[1024];
    snprintf(buf, sizeof buf,
             "name: tiny\n"
             "tasks: [%s]\n"
             "teacher: {seed: 1, arch: transformer, set: {max_steps: 5, epochs: 1%s}}\n"
             "explainers: [none, {name: attention-uniform, label: attn}]\n"
             "n: [40]\n"
             "seeds: [1, 2]\n"
             "student:\n  set: {epochs: %d, eval_batch: 300}\n",
             task, teacher_size(), epochs);
    return buf;
}

static void test_run_resume(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sc_test_run_%d", (int)getpid());
    char cmd[600], path[600], out[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/m.yaml", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    sc_test_write_file(path, manifest_text(run_task(dir), 1));

    sc_manifest m;
    sc_err err;
    assert_int_equal(sc_manifest_load(&m, path, out, &err), 0);
    assert_int_equal(m.n_runs, 5);  // 1 teacher + 2 explainers x 2 seeds
    assert_true(m.runs[0].is_teacher && m.runs[1].teacher == 0);
    FILE *log = tmpfile();
    sc_exp_opts o = {.jobs = 2, .log = log};
    int failed = -1;
    assert_int_equal(sc_exp_execute(&m, &o, &failed, &err), 0);
    assert_int_equal(failed, 0);
    snprintf(cmd, sizeof cmd, "%s/summary.md", out);
    free(sc_test_file_with(cmd, (const char *[]){"| none |", "| attn |", "(2 seeds, SD ", NULL}));
    snprintf(cmd, sizeof cmd, "%s/report.html", out);
    if (system("command -v gnuplot > /dev/null 2>&1") == 0) assert_int_equal(access(cmd, R_OK), 0);

    // Progress lines carry each run's headline, read back through the result reader.
    char *text = log_text(log);
    const char *tm = strstr(text, "test metric "), *sm = strstr(text, "simulatability ");
    double tv = tm ? strtod(tm + 12, NULL) : -1, sv = sm ? strtod(sm + 15, NULL) : -1;
    if (!(tv > 0 && tv <= 1 && sv > 0 && sv <= 1)) fail_msg("progress log:\n%s", text);
    // Two jobs share the CPUs: each run is capped at CPUs / 2 threads (at least
    // one), said in the log and handed to the runs through the environment.
    {
        char want[64];
        int cap = sc_cpus_available() / 2 > 1 ? sc_cpus_available() / 2 : 1;
        snprintf(want, sizeof want, "2 jobs of at most %d thread%s (%d CPUs)", cap, cap > 1 ? "s" : "",
                 sc_cpus_available());
        if (!strstr(text, want)) fail_msg("expected '%s' in the log:\n%s", want, text);
        char capv[16];
        snprintf(capv, sizeof capv, "%d", cap);
        assert_string_equal(getenv("SCAFFOLD_THREADS_PER_RUN"), capv);
    }
    // ... and its peak memory (what a cluster job must request).
    const char *pk = strstr(text, ", peak ");
    if (!pk || strtol(pk + 7, NULL, 10) < 1) fail_msg("no peak memory in the progress log:\n%s", text);
    free(text);

    // Again without --resume: refused; with it: nothing runs.
    assert_int_equal(sc_exp_execute(&m, &o, &failed, &err), -1);
    assert_non_null(strstr(err.msg, "--resume"));
    o.resume = 1;
    assert_int_equal(sc_exp_execute(&m, &o, &failed, &err), 0);
    text = log_text(log);
    if (!strstr(text, "5 runs (5 finished earlier)")) fail_msg("resume log:\n%s", text);
    free(text);
    // A result that no longer reads (truncated, say) is not finished: --resume runs it again.
    snprintf(cmd, sizeof cmd, "%s/metrics.msgpack", m.runs[3].dir);
    assert_int_equal(truncate(cmd, 10), 0);
    assert_int_equal(sc_exp_execute(&m, &o, &failed, &err), 0);
    assert_int_equal(failed, 0);
    text = log_text(log);
    if (!strstr(text, "5 runs (4 finished earlier)") || !strstr(text, "[1/1] done")) fail_msg("rerun log:\n%s", text);
    free(text);
    sc_manifest_free(&m);

    // The student settings change: the finished runs no longer match.
    sc_test_write_file(path, manifest_text(run_task(dir), 2));
    assert_int_equal(sc_manifest_load(&m, path, out, &err), 0);
    assert_int_equal(sc_exp_execute(&m, &o, &failed, &err), -1);
    assert_non_null(strstr(err.msg, "another configuration"));
    sc_manifest_free(&m);
    fclose(log);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

// A transfer row: `from: smat` runs a fresh student per seed with the explainer
// the smat run of that seed learned, after it; its row is in the summary.
static void test_run_transfer(void **state) {
    (void)state;
    char root[256], cmd[600], path[600], out[600];
    snprintf(root, sizeof root, "/tmp/sc_test_run_transfer_%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", root, root);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/m.yaml", root);
    snprintf(out, sizeof out, "%s/out", root);
    char text[1024];
    snprintf(text, sizeof text, "name: transfer\n"
                     "tasks: [%s]\n"
                     "teacher: {seed: 1, arch: transformer, set: {max_steps: 5, epochs: 1%s}}\n"
                     "explainers:\n"
                     "  - {name: attention, from: smat}\n"  // listed first: it still waits for smat
                     "  - {name: attention, learn: true, label: smat}\n"
                     "n: [40]\n"
                     "seeds: [1, 2]\n"
                     "student:\n  set: {epochs: 1, eval_batch: 300}\n", run_task(root), teacher_size());
    sc_test_write_file(path, text);
    sc_manifest m;
    sc_err err;
    if (sc_manifest_load(&m, path, out, &err)) fail_msg("%s", err.msg);
    assert_int_equal(m.n_runs, 5);
    for (int i = 1; i <= 2; i++) {  // the transfer runs, each after the smat run of its seed
        assert_string_equal(m.runs[i].label, "smat-transfer");
        int a = m.runs[i].after;
        assert_true(a >= 3 && !strcmp(m.runs[a].label, "smat") && m.runs[a].seed == m.runs[i].seed);
        assert_non_null(m.runs[i].student_cfg.explainer_ckpt);
    }
    FILE *log = tmpfile();
    sc_exp_opts o = {.jobs = 2, .log = log};
    int failed = -1;
    if (sc_exp_execute(&m, &o, &failed, &err)) fail_msg("%s", err.msg);
    assert_int_equal(failed, 0);
    snprintf(cmd, sizeof cmd, "%s/summary.md", out);
    free(sc_test_file_with(cmd, (const char *[]){"| smat |", "| smat-transfer |", NULL}));
    sc_manifest_free(&m);
    fclose(log);
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

static void expect_error(const char *text, const char *want) {
    char path[300];
    snprintf(path, sizeof path, "/tmp/sc_test_run_bad_%d.yaml", (int)getpid());
    sc_test_write_file(path, text);
    sc_manifest m;
    sc_err err;
    assert_int_equal(sc_manifest_load(&m, path, NULL, &err), -1);
    if (!strstr(err.msg, want)) fail_msg("expected '%s' in: %s", want, err.msg);
    assert_non_null(strstr(err.msg, path));
    unlink(path);
}

static void test_manifest_errors(void **state) {
    (void)state;
    expect_error("tasks: [a]\nexplainers: [none]\nn: [1]\nseeds: [1]\n", "'name'");
    expect_error("name: x\ntasks: [a]\nexplainers: [none]\nn: [1]\nseeds: [1]\nbogus: 1\n", "line 6: unknown key 'bogus'");
    expect_error("name: x\ntasks: []\nexplainers: [none]\nn: [1]\nseeds: [1]\n", "line 2: field 'tasks' is an empty list");
    expect_error("name: x\ntasks: [a]\nexplainers: [none]\nn: [ten]\nseeds: [1]\n", "line 4: field 'n[0]'");
    expect_error("name: x\ntasks: [a]\nexplainers: [none, {name: none}]\nn: [1]\nseeds: [1]\n", "label 'none'");
    expect_error("name: x\ntasks: [a]\nexplainers: [{name: a, learn: maybe}]\nn: [1]\nseeds: [1]\n", "learn");
    expect_error("name: x\ntasks: [a]\nexplainers: [none]\nn: [1]\nseeds: [1]\nstudent: {set: {lr: [1]}}\n",
                 "student.set.lr");
    // n as a map: one list per task of `tasks`, no other keys.
    expect_error("name: x\ntasks: [a]\nexplainers: [none]\nn: {a: [1], b: [2]}\nseeds: [1]\n",
                 "line 4: field 'n.b': not one of the manifest's tasks");
    expect_error("name: x\ntasks: [a, c]\nexplainers: [none]\nn: {a: [1]}\nseeds: [1]\n",
                 "field 'n' has no entry for task 'c' (line 2)");
    expect_error("name: x\ntasks: [a]\nexplainers: [none]\nn: {a: [0]}\nseeds: [1]\n", "line 4: field 'n.a[0]': expected an integer");
}

static void expect_problem(const char *list, const char *want) {
    if (!strstr(list, want)) fail_msg("expected '%s' among the problems:\n%s", want, list);
}

// Everything wrong at once, each problem with the file, line and field.
static void test_manifest_validation(void **state) {
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "/tmp/sc_test_run_check_%d.yaml", (int)getpid());
    sc_err err;
    char *list = sc_test_manifest_problems(path,
                             "name: check\n"
                             "tasks: [synth-text, no-such-task]\n"
                             "teacher: {set: {epochz: 2}}\n"
                             "explainers:\n"
                             "  - none\n"
                             "  - no-such-explainer\n"
                             "  - {name: gradient-x-input, learn: true}\n"
                             "  - {name: attention, label: ../../evil, set: {teacher.stepz: 1}}\n"
                             "n: [40, 5000]\n"
                             "seeds: [1]\n"
                             "student:\n"
                             "  set:\n"
                             "    epochs: 1\n"
                             "    bogus_key: 3\n"
                             "    student_explainer.temperature: 2\n",
                             &err);
    const char *const problems[] = {
        "line 2: field 'tasks[1]': unknown task 'no-such-task'",
        "line 6: field 'explainers[1].name': unknown explainer 'no-such-explainer'",
        ("line 7: field 'explainers[2].learn': explainer 'gradient-x-input' has no parameters to learn "
         "(learnable: attention)"),
        "line 8: field 'explainers[3].label': '../../evil'",
        "line 3: field 'teacher.set.epochz': unknown key 'epochz' for teacher",
        "line 14: field 'student.set.bogus_key': unknown key 'bogus_key' for student",
        "line 8: field 'explainers[3].set.teacher.stepz': unknown key 'stepz' for explainer attention",
        "line 9: field 'n[1]': n = 5000 is more than the student pool of task 'synth-text' (1200 examples)",
    };
    char want[600];
    for (size_t i = 0; i < sizeof problems / sizeof problems[0]; i++) {
        snprintf(want, sizeof want, "%s %s", path, problems[i]);
        expect_problem(list, want);
    }
    // student_explainer.temperature is known to the student explainer (auto: attention): no problem.
    assert_null(strstr(list, "field 'student.set.student_explainer.temperature'"));
    snprintf(want, sizeof want, "%s: 8 problems (nothing was run)", path);
    if (strcmp(err.msg, want)) fail_msg("expected '%s', got '%s'\n%s", want, err.msg, list);
    free(list);

    // Without a problem list, err holds as many as fit, after the count.
    sc_manifest m;
    assert_int_equal(sc_manifest_load(&m, path, NULL, &err), -1);
    snprintf(want, sizeof want, "%s: 8 problems (nothing was run):\n  %s line 2", path, path);
    if (strncmp(err.msg, want, strlen(want))) fail_msg("expected '%s...', got '%s'", want, err.msg);

    // `from`: the label of a learning entry of the same explainer, never learned again, no teacher keys.
    list = sc_test_manifest_problems(path,
                       "name: from\n"
                       "tasks: [synth-text]\n"
                       "explainers:\n"
                       "  - attention-uniform\n"
                       "  - {name: attention, learn: true, label: smat}\n"
                       "  - {name: attention, from: nothing}\n"
                       "  - {name: attention, from: attention-uniform, label: t2}\n"
                       "  - {name: attention-uniform, from: smat, label: t3}\n"
                       "  - {name: attention, from: smat, learn: true, label: t4}\n"
                       "  - {name: attention, from: smat, label: t5, set: {teacher.temperature: 0.3}}\n"
                       "n: [40]\n"
                       "seeds: [1]\n",
                       &err);
    const char *const from_problems[] = {
        "line 6: field 'explainers[2].from': 'nothing' is not the label of an entry with learn: true",
        "line 7: field 'explainers[3].from': 'attention-uniform' is not the label of an entry with learn: true",
        "line 8: field 'explainers[4].from': 'smat' learns explainer 'attention', not 'attention-uniform'",
        "line 9: field 'explainers[5]': learn: true and from together",
        "key 'teacher.temperature': a learned explainer used frozen (from) keeps the settings",
    };
    for (size_t i = 0; i < sizeof from_problems / sizeof from_problems[0]; i++) {
        snprintf(want, sizeof want, "%s", from_problems[i]);
        expect_problem(list, want);
    }
    free(list);

    // init: a backbone per task of the manifest, which must exist.
    list = sc_test_manifest_problems(path,
                       "name: init\n"
                       "tasks: [synth-text]\n"
                       "explainers: [none]\n"
                       "n: [40]\n"
                       "seeds: [1]\n"
                       "init: {movie-reviews: /tmp, synth-text: /nonexistent/backbone}\n",
                       &err);
    expect_problem(list, "line 6: field 'init.movie-reviews': no such task in 'tasks'");
    expect_problem(list, "line 6: field 'init.synth-text': no pretrained backbone /nonexistent/backbone");
    free(list);
    // ... and then the teacher and every student of the task get --init.
    char bdir[300], bfile[400], mtext[600];
    snprintf(bdir, sizeof bdir, "/tmp/sc_test_run_backbone_%d", (int)getpid());
    snprintf(bfile, sizeof bfile, "%s/pretrained.ckpt", bdir);
    assert_int_equal(mkdir(bdir, 0755), 0);
    sc_test_write_file(bfile, "x");
    snprintf(mtext, sizeof mtext, "name: init\ntasks: [synth-text]\nexplainers: [none]\nn: [40]\nseeds: [1, 2]\n"
             "init: {synth-text: %s}\n", bdir);
    sc_test_write_file(path, mtext);
    sc_manifest mi;
    if (sc_manifest_load(&mi, path, NULL, &err)) fail_msg("%s", err.msg);
    assert_int_equal(mi.n_runs, 3);
    for (int i = 0; i < mi.n_runs; i++) {
        int k = 0;
        while (k < mi.runs[i].argc && strcmp(mi.runs[i].argv[k], "--init")) k++;
        if (k + 1 >= mi.runs[i].argc || strcmp(mi.runs[i].argv[k + 1], bdir)) fail_msg("run %d has no --init %s", i, bdir);
        assert_string_equal(mi.runs[i].is_teacher ? mi.runs[i].teacher_cfg.init : mi.runs[i].student_cfg.init, bdir);
    }
    // A retrained backbone at the same path changes every run's key (a resume redoes them).
    char keys[3][65];
    for (int i = 0; i < 3; i++) memcpy(keys[i], mi.runs[i].key, 65);
    sc_manifest_free(&mi);
    sc_test_write_file(bfile, "y");
    if (sc_manifest_load(&mi, path, NULL, &err)) fail_msg("%s", err.msg);
    for (int i = 0; i < 3; i++) assert_string_not_equal(keys[i], mi.runs[i].key);
    sc_manifest_free(&mi);
    unlink(bfile);
    rmdir(bdir);

    // The same task twice, by name and by (absolute) path: one output folder for both.
    char cwd[512], text[1200];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(text, sizeof text, "name: x\ntasks: [synth-text, %s/tasks/synth-text]\nexplainers: [none]\nn: [1]\n"
             "seeds: [1]\n", cwd);
    list = sc_test_manifest_problems(path, text, &err);
    snprintf(want, sizeof want, "%s line 2: field 'tasks[1]': '%s/tasks/synth-text' is the task 'synth-text' again "
             "(as tasks[0]): their runs would share OUT/runs/synth-text", path, cwd);
    expect_problem(list, want);
    free(list);
    unlink(path);
}

// A manifest that would expand to ~1M runs is refused from the list sizes
// alone, before anything is expanded (expanding it took 930 MB and over 30 s).
// Checked by memory, which load does not change: the peak resident size while
// refusing it (reset through /proc/self/clear_refs) stays within 64 MiB of
// where it started. The time is printed, not judged.
static void test_run_count_limit(void **state) {
    (void)state;
    char path[300], text[8192];
    snprintf(path, sizeof path, "/tmp/sc_test_run_big_%d.yaml", (int)getpid());
    size_t k = (size_t)snprintf(text, sizeof text, "name: big\ntasks: [synth-text, synth-text, synth-text, "
                                "synth-text]\nexplainers: [none");
    for (int i = 1; i < 64; i++) k += (size_t)snprintf(text + k, sizeof text - k, ", {name: none, label: e%d}", i);
    k += (size_t)snprintf(text + k, sizeof text - k, "]\nn: [1");
    for (int i = 2; i <= 64; i++) k += (size_t)snprintf(text + k, sizeof text - k, ", %d", i);
    k += (size_t)snprintf(text + k, sizeof text - k, "]\nseeds: [0");
    for (int i = 1; i < 64; i++) k += (size_t)snprintf(text + k, sizeof text - k, ", %d", i);
    snprintf(text + k, sizeof text - k, "]\n");
    int reset = !sc_rss_reset_peak();
    long rss0 = sc_rss_kib("VmRSS");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sc_err err;
    char *list = sc_test_manifest_problems(path, text, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long peak = sc_rss_kib("VmHWM");
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    print_message("1M-run manifest refused in %.3f s, peak resident growth %ld KiB\n", s,
                  reset && rss0 >= 0 && peak >= 0 ? peak - rss0 : -1);
    if (reset && rss0 >= 0 && peak >= 0 && peak - rss0 > 64 * 1024) {
        free(list);
        fail_msg("refusing the 1M-run manifest grew the resident size by %ld KiB", peak - rss0);
    }
    expect_problem(list, "= 1048576 student runs, plus 4 teachers: more than the 10000 runs a manifest may hold");
    expect_problem(list, "line 2"), expect_problem(list, "line 3"), expect_problem(list, "line 4");
    free(list);
    unlink(path);
}

// Copies tasks/synth-text to dir/<name>/task.yaml under another name.
// Under valgrind (SCAFFOLD_TEST_QUICK) the runs' forked children are traced
// too: 200 examples (student pool 40, test 30) keep every split non-empty,
// n = 40 possible, and the pass short.
static void copy_task(const char *parent, const char *name) {
    sc_test_synth_copy(parent, name, sc_test_quick() ? 200 : 0);
}

// The task entry of the tests' manifests written into root: synth-text, or
// under SCAFFOLD_TEST_QUICK a smaller copy of it (copy_task) next to the manifest.
static const char *run_task(const char *root) {
    if (!sc_test_quick()) return "synth-text";
    char parent[600];
    snprintf(parent, sizeof parent, "%s/tasks", root);
    copy_task(parent, "synth-text");
    return "tasks/synth-text";
}

// Every path under root except OUT, one per line, sorted (malloc'd).
static char *tree_outside(const char *root, const char *out) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "find %s -path %s -prune -o -print | sort", root, out);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, p);
    buf[n] = '\0';
    pclose(p);
    return buf;
}

// n as a map from task to list: each task's students get its own sizes, and
// a size past a task's student pool names that task's entry.
static void test_n_per_task(void **state) {
    (void)state;
    char root[256], cmd[700], path[600], task_b[600], text[2048];
    snprintf(root, sizeof root, "/tmp/sc_test_run_n_%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", root, root);
    assert_int_equal(system(cmd), 0);
    copy_task(root, "synth-b");
    snprintf(task_b, sizeof task_b, "%s/synth-b", root);
    snprintf(path, sizeof path, "%s/m.yaml", root);
    snprintf(text, sizeof text,
             "name: sizes\ntasks: [synth-text, %s]\nteacher: {arch: transformer}\nexplainers: [none]\nn:\n  synth-text: [40, 80]\n  %s: [30]\n"
             "seeds: [1]\n", task_b, task_b);
    sc_test_write_file(path, text);
    sc_manifest m;
    sc_err err;
    char out[700], want[800];
    snprintf(out, sizeof out, "%s/out", root);
    if (sc_manifest_load(&m, path, out, &err)) fail_msg("%s", err.msg);
    const char *dirs[] = {"teachers/synth-text", "runs/synth-text/none/n40/seed1", "runs/synth-text/none/n80/seed1",
                          "teachers/synth-b", "runs/synth-b/none/n30/seed1"};
    assert_int_equal(m.n_runs, 5);
    for (int i = 0; i < 5; i++) {
        snprintf(want, sizeof want, "%s/%s", out, dirs[i]);
        assert_string_equal(m.runs[i].dir, want);
    }
    sc_manifest_free(&m);
    snprintf(text, sizeof text,
             "name: sizes\ntasks: [synth-text, %s]\nteacher: {arch: transformer}\nexplainers: [none]\nn:\n  synth-text: [40]\n  %s: [30, 5000]\n"
             "seeds: [1]\n", task_b, task_b);
    char *list = sc_test_manifest_problems(path, text, &err);
    snprintf(want, sizeof want, "%s line 7: field 'n.%s[1]': n = 5000 is more than the student pool of task "
             "'synth-b'", path, task_b);
    expect_problem(list, want);
    free(list);
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

// Tasks given as ../../x (relative to the manifest's folder) and by absolute
// path: output folders are the tasks' names, nothing is written outside OUT,
// and a run that fails (a head out of range, found only at run time) is a
// FAILED row with its reason in summary.md.
static void test_task_paths_and_failed_rows(void **state) {
    (void)state;
    char root[256], cmd[700], path[600], out[600], abs_task[600], text[2048];
    snprintf(root, sizeof root, "/tmp/sc_test_run_paths_%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/exp/sub", root, root);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/tasks", root), copy_task(path, "synth-a");
    snprintf(path, sizeof path, "%s/abs", root), copy_task(path, "synth-b");
    snprintf(abs_task, sizeof abs_task, "%s/abs/synth-b", root);
    snprintf(out, sizeof out, "%s/out", root);
    snprintf(path, sizeof path, "%s/exp/sub/m.yaml", root);
    snprintf(text, sizeof text,
             "name: paths\n"
             "tasks: [../../tasks/synth-a, %s]\n"
             "teacher: {arch: transformer, set: {max_steps: 5, epochs: 1, eval_batch: 300}}\n"
             "explainers: [none, {name: attention-head, label: bad-head, set: {teacher.layer: 7}}]\n"
             "n: [40]\n"
             "seeds: [1]\n"
             "student: {set: {epochs: 1, max_steps: 5, eval_batch: 300}}\n",
             abs_task);
    sc_test_write_file(path, text);
    char *before = tree_outside(root, out);

    sc_manifest m;
    sc_err err;
    if (sc_manifest_load(&m, path, out, &err)) fail_msg("%s", err.msg);
    assert_int_equal(m.n_runs, 6);
    char want[700];
    snprintf(want, sizeof want, "%s/teachers/synth-a", out);
    assert_string_equal(m.runs[0].dir, want);
    snprintf(want, sizeof want, "%s/runs/synth-b/bad-head/n40/seed1", out);
    assert_string_equal(m.runs[5].dir, want);
    for (int i = 0; i < m.n_runs; i++) {
        assert_int_equal(strncmp(m.runs[i].dir, out, strlen(out)), 0);
        assert_null(strstr(m.runs[i].dir, ".."));
    }
    FILE *log = tmpfile();
    sc_exp_opts o = {.jobs = 2, .log = log};
    int failed = -1;
    if (sc_exp_execute(&m, &o, &failed, &err)) fail_msg("%s", err.msg);
    assert_int_equal(failed, 2);  // bad-head on both tasks
    sc_manifest_free(&m);
    fclose(log);

    char *after = tree_outside(root, out);
    if (strcmp(before, after)) fail_msg("written outside %s:\nbefore:\n%s\nafter:\n%s", out, before, after);
    free(before), free(after);
    snprintf(path, sizeof path, "%s/runs/synth-a/none/n40/seed1/metrics.msgpack", out);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof path, "%s/teachers/synth-b/teacher.ckpt", out);
    assert_int_equal(access(path, R_OK), 0);

    snprintf(path, sizeof path, "%s/summary.md", out);
    size_t n;
    char *md = sc_test_slurp(path, &n);
    assert_non_null(md);
    if (!strstr(md, "| bad-head | FAILED (1 run) |") || !strstr(md, "Failed runs of synth-a:") ||
        !strstr(md, "Failed runs of synth-b:") || !strstr(md, "| bad-head | 40 | 1 | scaffold train-student: ") ||
        !strstr(md, "'layer'") || !strstr(md, "| none | "))
        fail_msg("summary.md lacks the failed rows:\n%s", md);
    free(md);
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_manifest_errors), cmocka_unit_test(test_manifest_validation),
                                       cmocka_unit_test(test_run_count_limit),
                                       cmocka_unit_test(test_task_paths_and_failed_rows),
                                       cmocka_unit_test(test_n_per_task),
                                       cmocka_unit_test(test_run_resume), cmocka_unit_test(test_run_transfer)};
    return cmocka_run_group_tests_name("run", tests, NULL, sc_test_teardown);
}
