#include "exp/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "core/clock.h"
#include "core/fs.h"
#include "data/rawfile.h"
#include "kernels/parallel.h"
#include "io/result_read.h"
#include "report/compare.h"
#include "report/compare_al.h"
#include "report/compare_xbl.h"
#include "report/report.h"

enum { ST_PENDING, ST_RUNNING, ST_DONE, ST_SKIPPED, ST_FAILED };

static int read_outcome(const sc_exp_run *r, char *buf, size_t cap);

int sc_exp_finished(const sc_exp_run *r, sc_err *err) {
    char p[1200], *buf;
    size_t n;
    snprintf(p, sizeof p, "%s/run.key", r->dir);
    struct stat st;
    if (stat(p, &st)) return 0;
    if (sc_read_file(p, &buf, &n, err)) return -1;
    int same = n >= 64 && !memcmp(buf, r->key, 64);
    free(buf);
    if (!same)
        return sc_errf(err, "%s was run with another configuration (run.key differs): the manifest changed; remove "
                       "that directory or write to another --out", r->dir);
    char headline[300];
    return read_outcome(r, headline, sizeof headline) == 0 ? 1 : 0;
}

// The child: the run as a library call, its output in log.txt. _exit, never
// exit: the parent's atexit handlers and stdio buffers are not the child's.
static void child_main(const sc_exp_run *r, int fd) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    sc_err err;
    int rc;
    if (r->kind == SC_EXP_AL) {
        sc_al_run_cfg c = r->al_cfg;
        c.log = stderr;
        sc_al_outcome o = {0};
        if (!(rc = sc_al_run(&c, &o, &err))) sc_al_outcome_print(stdout, &o);
        sc_al_outcome_free(&o);
    } else if (r->kind == SC_EXP_XBL) {
        sc_xbl_run_cfg c = r->xbl_cfg;
        c.log = stderr;
        sc_xbl_outcome o;
        if (!(rc = sc_xbl_run(&c, &o, &err))) sc_xbl_outcome_print(stdout, &o);
    } else if (r->is_teacher) {
        sc_teacher_run_cfg c = r->teacher_cfg;
        c.log = stderr;
        sc_teacher_outcome o;
        if (!(rc = sc_teacher_run(&c, &o, &err))) sc_teacher_outcome_print(stdout, c.task, &o);
    } else {
        sc_student_run_cfg c = r->student_cfg;
        c.log = stderr;
        sc_student_outcome o;
        if (!(rc = sc_student_run(&c, &o, &err))) sc_student_outcome_print(stdout, &o);
        sc_student_outcome_free(&o);
    }
    // The line failure_reason() looks for, as the CLI would print it.
    if (rc) fprintf(stderr, "scaffold %s: %s\n", r->argv[0], err.msg);
    // Only the streams the child owns: flushing an inherited stream the parent
    // also writes (its progress log) would move their shared file offset.
    fflush(stdout);
    fflush(stderr);
    // Under valgrind the child is traced too, and its leak check at exit would
    // count the parent's state it inherited (the manifest, the pool's arrays) as
    // lost. Ending by exec instead hands the exit status to a fresh image, and
    // memcheck checks no inherited heap (the run's own objects are freed above).
    if (RUNNING_ON_VALGRIND) execl(rc ? "/bin/false" : "/bin/true", rc ? "false" : "true", (char *)NULL);
    _exit(rc ? 1 : 0);
}

static pid_t launch(const sc_exp_run *r, sc_err *err) {
    if (sc_mkdirs(r->dir, err)) return -1;
    char cmd[8192];
    size_t k = 0;
    for (int i = 0; i < r->argc && k < sizeof cmd - 2; i++)
        k += (size_t)snprintf(cmd + k, sizeof cmd - k, "%s%s", i ? " " : "scaffold ", r->argv[i]);
    if (k >= sizeof cmd - 2) k = sizeof cmd - 2;
    cmd[k++] = '\n';
    char p[1200];
    snprintf(p, sizeof p, "%s/command.txt", r->dir);
    if (sc_atomic_write(p, cmd, k, err)) return -1;
    snprintf(p, sizeof p, "%s/log.txt", r->dir);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        sc_errf(err, "cannot create %s: %s", p, strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd);
        sc_errf(err, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) child_main(r, fd);
    close(fd);
    return pid;
}

// A finished run's result, read back through the result reader (never from
// its log): its headline number for the progress line. -1 if unreadable.
static int read_outcome(const sc_exp_run *r, char *buf, size_t cap) {
    char p[1200];
    snprintf(p, sizeof p, "%s/metrics.msgpack", r->dir);
    sc_result_doc d;
    sc_err e;
    if (sc_result_load(&d, p, &e)) {
        snprintf(buf, cap, "%s", e.msg);
        return -1;
    }
    double v = 0;
    // An xbl run's headline: accuracy with the decoy erased, what the methods are after.
    // An active-learning run's: the area under its accuracy curve (active/al_run.h).
    // A regression task's: the area under its Pearson r curve.
    int al_r = r->kind == SC_EXP_AL && sc_result_get(&d, "aulc.test_pearson");
    const char *key = al_r                    ? "aulc.test_pearson"
                      : r->kind == SC_EXP_AL  ? "aulc.test_accuracy"
                      : r->kind == SC_EXP_XBL ? "test.clean_accuracy"
                      : r->is_teacher         ? "metric.value"
                                              : "test.simulatability";
    const char *name = al_r                    ? "AULC (r)"
                       : r->kind == SC_EXP_AL  ? "AULC"
                       : r->kind == SC_EXP_XBL ? "clean accuracy"
                       : r->is_teacher         ? "test metric"
                                               : "simulatability";
    // A headline that does not read (say, a NaN pearson) is shown as such; the file itself is sound.
    if (sc_result_real(&d, key, -1, 1, &v, &e)) snprintf(buf, cap, "%s ?", name);
    else snprintf(buf, cap, "%s %.4f", name, v);
    sc_result_doc_free(&d);
    return 0;
}

static void fmt_time(double s, char *b, size_t cap) {
    if (s < 60) snprintf(b, cap, "%.0fs", s);
    else if (s < 3600) snprintf(b, cap, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else snprintf(b, cap, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

int sc_exp_log_error(const char *run_dir, char *buf, size_t cap) {
    char p[1200], *log = NULL;
    size_t n = 0;
    sc_err ignored;
    snprintf(p, sizeof p, "%s/log.txt", run_dir);
    buf[0] = '\0';
    if (sc_read_file(p, &log, &n, &ignored)) return 0;
    for (char *line = log; line && *line && !buf[0];) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        if ((!strncmp(line, "scaffold ", 9) && strstr(line, ": ")) || !strncmp(line, "cannot execute ", 15) ||
            strstr(line, "panic:"))
            snprintf(buf, cap, "%s", line);
        line = nl ? nl + 1 : NULL;
    }
    free(log);
    return 1;
}

// Why run i failed, in one line: the first error line of its log.txt, else
// how the process ended.
static void failure_reason(const sc_manifest *m, int i, const int *state, const pid_t *pid, const int *status,
                           char *buf, size_t cap) {
    const sc_exp_run *r = &m->runs[i];
    if (!pid[i]) {  // never started: a run it depends on failed
        int t = r->teacher >= 0 && state[r->teacher] == ST_FAILED ? r->teacher : r->after;
        char tr[200] = "";
        if (t >= 0 && state[t] == ST_FAILED) failure_reason(m, t, state, pid, status, tr, sizeof tr);
        snprintf(buf, cap, "not run: %s failed (%s)", t == r->teacher ? "its teacher" : "the run it takes its explainer from", tr);
        return;
    }
    sc_exp_log_error(r->dir, buf, cap);
    if (buf[0]) return;
    int st = status[i];
    if (WIFSIGNALED(st)) snprintf(buf, cap, "killed by signal %d (see %s/log.txt)", WTERMSIG(st), r->dir);
    else if (WIFEXITED(st) && WEXITSTATUS(st)) snprintf(buf, cap, "exit status %d (see %s/log.txt)", WEXITSTATUS(st), r->dir);
    else snprintf(buf, cap, "finished without a readable metrics.msgpack (see %s/log.txt)", r->dir);
}

// Why an unfinished run did not finish, from its folder alone (no process to
// ask: the runs of a cluster backend ran elsewhere).
static void disk_reason(const sc_manifest *m, int i, char *buf, size_t cap) {
    const sc_exp_run *r = &m->runs[i];
    if (!sc_exp_log_error(r->dir, buf, cap)) {
        int t = r->teacher >= 0 ? r->teacher : r->after;
        sc_err ignored;
        if (t >= 0 && sc_exp_finished(&m->runs[t], &ignored) != 1)
            snprintf(buf, cap, "not run: %s did not finish", t == r->teacher ? "its teacher" : "the run it takes its explainer from");
        else
            snprintf(buf, cap, "not run");
    } else if (!buf[0]) {
        snprintf(buf, cap, "did not finish: stopped from outside (time limit, preemption, cancel?) (see %s/log.txt)", r->dir);
    }
}

// summary.md / summary.csv from the student results under OUT/runs, with a
// row for every run that failed in this invocation.
// reasons[i] is non-NULL for the runs to list as failed.
static int summarize(const sc_manifest *m, char *const *reasons, FILE *log, sc_err *err) {
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/runs", m->out);
    struct stat st;
    sc_cmp c;
    sc_cmp_init(&c);
    sc_boot_cfg cfg = sc_boot_default();
    int rc = stat(dir, &st) == 0 ? sc_cmp_add_dir(&c, dir, err) : 0;
    for (int i = 0; !rc && i < m->n_runs; i++) {
        if (!reasons[i]) continue;
        const sc_exp_run *r = &m->runs[i];
        if (r->kind == SC_EXP_XBL) rc = sc_cmp_add_failed_xbl(&c, r->task, r->label, (uint64_t)r->seed, reasons[i], err);
        else if (r->kind == SC_EXP_AL) rc = sc_cmp_add_failed_al(&c, r->task, r->label, (uint64_t)r->seed, reasons[i], err);
        else rc = sc_cmp_add_failed(&c, r->task, r->is_teacher ? "teacher" : r->label, r->is_teacher ? 0 : r->n,
                                    (uint64_t)r->seed, reasons[i], err);
    }
    int any = c.n_files || c.n_failed || c.xbl || c.al;  // c.xbl, c.al: such a result or failure was added
    if (!rc && any) rc = sc_cmp_compute(&c, &cfg, err);
    for (int which = 0; !rc && any && which < 2; which++) {
        char *buf = NULL, path[1200];
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f) {
            rc = sc_errf(err, "out of memory");
            break;
        }
        if (which == 0) {
            fprintf(f, "## %s\n\n", m->name);
            sc_cmp_print_markdown(&c, f);
        } else {
            sc_cmp_print_csv(&c, f);
        }
        fclose(f);
        snprintf(path, sizeof path, "%s/summary.%s", m->out, which ? "csv" : "md");
        rc = sc_atomic_write(path, buf, len, err);
        if (!rc && which == 0) fwrite(buf, 1, len, stdout);
        free(buf);
        if (!rc) fprintf(log, "wrote %s\n", path);
    }
    int any_results = c.n_files > 0 || sc_cmp_xbl_files(&c) > 0 || sc_cmp_al_files(&c) > 0;
    sc_cmp_free(&c);
    if (!rc && any_results) {
        // The page with charts; its failure (say, no gnuplot) does not undo the runs.
        char path[1200];
        sc_err perr;
        snprintf(path, sizeof path, "%s/report.html", m->out);
        if (sc_report_write(m->out, path, NULL, &perr)) fprintf(log, "warning: no report.html: %s\n", perr.msg);
        else fprintf(log, "wrote %s\n", path);
    }
    return rc;
}

// summarize() with this invocation's failures, each with its reason.
static int summarize_failed(const sc_manifest *m, const int *state, const pid_t *pid, const int *status, FILE *log,
                            sc_err *err) {
    char **reasons = calloc((size_t)m->n_runs, sizeof *reasons);
    if (!reasons) return sc_errf(err, "out of memory");
    int rc = 0;
    for (int i = 0; i < m->n_runs && !rc; i++) {
        if (state[i] != ST_FAILED) continue;
        if (!(reasons[i] = malloc(256))) rc = sc_errf(err, "out of memory");
        else failure_reason(m, i, state, pid, status, reasons[i], 256);
    }
    if (!rc) rc = summarize(m, reasons, log, err);
    for (int i = 0; i < m->n_runs; i++) free(reasons[i]);
    free(reasons);
    return rc;
}

int sc_exp_collect(const sc_manifest *m, FILE *log, sc_err *err) {
    char **reasons = calloc((size_t)m->n_runs, sizeof *reasons);
    if (!reasons) return sc_errf(err, "out of memory");
    int rc = 0, n_done = 0;
    for (int i = 0; i < m->n_runs && !rc; i++) {
        int f = sc_exp_finished(&m->runs[i], err);
        if (f < 0) rc = -1;
        else if (f) n_done++;
        else if (!(reasons[i] = malloc(256))) rc = sc_errf(err, "out of memory");
        else disk_reason(m, i, reasons[i], 256);
    }
    if (!rc) {
        fprintf(log ? log : stderr, "collect %s: %d of %d runs finished\n", m->name, n_done, m->n_runs);
        rc = summarize(m, reasons, log ? log : stderr, err);
    }
    for (int i = 0; i < m->n_runs; i++) free(reasons[i]);
    free(reasons);
    return rc;
}

// Waits for pid; its wait status in *st.
static int wait_child(pid_t pid, int *st, struct rusage *ru, sc_err *err) {
    while (wait4(pid, st, 0, ru) < 0)
        if (errno != EINTR) return sc_errf(err, "waitpid: %s", strerror(errno));
    return 0;
}

int sc_exp_run_one(const sc_manifest *m, int i, FILE *log, sc_err *err) {
    if (i < 0 || i >= m->n_runs) return sc_errf(err, "run index %d out of range (the manifest has %d runs)", i, m->n_runs);
    const sc_exp_run *r = &m->runs[i];
    int f = sc_exp_finished(r, err);
    if (f < 0) return -1;
    if (f) {
        fprintf(log, "%s: finished earlier, nothing to do\n", r->dir);
        return 0;
    }
    int dep[2] = {r->teacher, r->after};
    for (int k = 0; k < 2; k++) {
        if (dep[k] < 0) continue;
        int d = sc_exp_finished(&m->runs[dep[k]], err);
        if (d < 0) return -1;
        if (!d) {
            // Said in the run's own log too: --status and the summary read it there.
            sc_errf(err, "%s cannot run: %s (%s) has not finished", r->dir,
                    k ? "the run it takes its explainer from" : "its teacher", m->runs[dep[k]].dir);
            char p[1200], line[SC_ERR_MSG_MAX + 32];
            snprintf(p, sizeof p, "%s/log.txt", r->dir);
            int n = snprintf(line, sizeof line, "scaffold run: not run: %s has not finished\n",
                             k ? "the run it takes its explainer from" : "its teacher");
            sc_err ignored;
            if (!sc_mkdirs(r->dir, &ignored)) sc_atomic_write(p, line, (size_t)n, &ignored);
            return -1;
        }
    }
    double t0 = sc_now();
    pid_t pid = launch(r, err);
    if (pid < 0) return -1;
    int st = 0;
    struct rusage ru;
    if (wait_child(pid, &st, &ru, err)) return -1;
    char headline[300] = "", took[32];
    fmt_time(sc_now() - t0, took, sizeof took);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0 && read_outcome(r, headline, sizeof headline) == 0)) {
        char reason[256];
        sc_exp_log_error(r->dir, reason, sizeof reason);
        return sc_errf(err, "%s FAILED after %s: %s", r->dir, took, reason[0] ? reason : "see its log.txt");
    }
    char kp[1200];
    snprintf(kp, sizeof kp, "%s/run.key", r->dir);
    if (sc_atomic_write(kp, r->key, 64, err)) return -1;
    fprintf(log, "done %s (%s, peak %ld MiB)  %s\n", r->dir, took, ru.ru_maxrss / 1024, headline);
    return 0;
}

int sc_exp_execute(const sc_manifest *m, const sc_exp_opts *o, int *n_failed, sc_err *err) {
    *n_failed = 0;
    FILE *log = o->log ? o->log : stderr;
    if (o->dry_run) {
        for (int i = 0; i < m->n_runs; i++) {
            printf("scaffold");
            for (int a = 0; a < m->runs[i].argc; a++) printf(" %s", m->runs[i].argv[a]);
            printf("\n");
        }
        return 0;
    }
    int *state = calloc((size_t)m->n_runs, sizeof(int));
    pid_t *pid = calloc((size_t)m->n_runs, sizeof(pid_t));
    double *t0 = calloc((size_t)m->n_runs, sizeof(double));
    int *status = calloc((size_t)m->n_runs, sizeof(int));  // wait status of finished runs
    int rc = -1, running = 0, n_done = 0, n_skip = 0, n_todo = 0;
    double busy = 0;  // summed seconds of finished runs (for the ETA)
    if (!state || !pid || !t0 || !status) {
        sc_errf(err, "out of memory");
        goto out;
    }
    if (sc_mkdirs(m->out, err)) goto out;
    for (int i = 0; i < m->n_runs; i++) {
        int f = sc_exp_finished(&m->runs[i], err);
        if (f < 0) goto out;
        if (f && !o->resume) {
            sc_errf(err, "%s already holds finished runs (e.g. %s): pass --resume to continue, or remove it", m->out,
                    m->runs[i].dir);
            goto out;
        }
        state[i] = f ? ST_SKIPPED : ST_PENDING;
        n_skip += f;
    }
    n_todo = m->n_runs - n_skip;
    // J runs at a time share the CPUs: each run's threads (its `threads` key,
    // "auto" by default) are capped at CPUs / J, so the machine is never
    // oversubscribed. Runs are child processes: they read the cap from the environment.
    int cpus = sc_cpus_available(), per_run = cpus / o->jobs > 1 ? cpus / o->jobs : 1;
    char cap[16];
    snprintf(cap, sizeof cap, "%d", per_run);
    setenv("SCAFFOLD_THREADS_PER_RUN", cap, 1);
    fprintf(log, "run %s: %d runs (%d finished earlier), %d job%s of at most %d thread%s (%d CPUs), results in %s\n",
            m->name, m->n_runs, n_skip, o->jobs, o->jobs > 1 ? "s" : "", per_run, per_run > 1 ? "s" : "", cpus,
            m->out);
    double start = sc_now();
    for (;;) {
        // Start what can start: pending runs whose teacher (and, for a transfer
        // run, the learning run it takes its explainer from) has finished.
        for (int i = 0; i < m->n_runs && running < o->jobs; i++) {
            if (state[i] != ST_PENDING) continue;
            int dep[2] = {m->runs[i].teacher, m->runs[i].after}, wait = 0, failed = -1;
            for (int k = 0; k < 2; k++) {
                if (dep[k] < 0) continue;
                if (state[dep[k]] == ST_FAILED) failed = k;
                else if (state[dep[k]] != ST_DONE && state[dep[k]] != ST_SKIPPED) wait = 1;
            }
            if (failed >= 0) {
                state[i] = ST_FAILED;
                (*n_failed)++;
                fprintf(log, "  skip %s: %s failed\n", m->runs[i].dir,
                        failed ? "the run it takes its explainer from" : "its teacher");
                continue;
            }
            if (wait) continue;
            if ((pid[i] = launch(&m->runs[i], err)) < 0) goto out;
            state[i] = ST_RUNNING;
            t0[i] = sc_now();
            running++;
        }
        if (!running) break;
        int st_code;
        struct rusage ru;  // the run's peak resident memory: what a cluster job must ask for
        pid_t p = wait4(-1, &st_code, 0, &ru);
        if (p < 0) {
            if (errno == EINTR) continue;
            sc_errf(err, "waitpid: %s", strerror(errno));
            goto out;
        }
        for (int i = 0; i < m->n_runs; i++) {
            if (state[i] != ST_RUNNING || pid[i] != p) continue;
            running--;
            status[i] = st_code;
            double dt = sc_now() - t0[i];
            char headline[300] = "";
            int ok = WIFEXITED(st_code) && WEXITSTATUS(st_code) == 0 &&
                     read_outcome(&m->runs[i], headline, sizeof headline) == 0;
            if (ok) {
                char kp[1200];
                snprintf(kp, sizeof kp, "%s/run.key", m->runs[i].dir);
                if (sc_atomic_write(kp, m->runs[i].key, 64, err)) goto out;
                state[i] = ST_DONE;
            } else {
                state[i] = ST_FAILED;
                (*n_failed)++;
            }
            n_done++;
            busy += dt;
            char el[32], eta[32], took[32];
            fmt_time(sc_now() - start, el, sizeof el);
            fmt_time(busy / n_done * (n_todo - n_done) / o->jobs, eta, sizeof eta);
            fmt_time(dt, took, sizeof took);
            fprintf(log, "[%d/%d] %s %s (%s, peak %ld MiB)  %s%selapsed %s  ETA %s%s\n", n_done, n_todo,
                    ok ? "done" : "FAILED", m->runs[i].dir, took, ru.ru_maxrss / 1024, headline, headline[0] ? "  " : "",
                    el, eta, ok ? "" : "  see log.txt there");
        }
    }
    if (summarize_failed(m, state, pid, status, log, err)) goto out;
    rc = 0;
out:
    if (rc) {  // stop children still running: their runs are unfinished and will be re-run by --resume
        for (int i = 0; state && pid && i < m->n_runs; i++)
            if (state[i] == ST_RUNNING) kill(pid[i], SIGTERM), waitpid(pid[i], NULL, 0);
    }
    free(state);
    free(pid);
    free(t0);
    free(status);
    return rc;
}
