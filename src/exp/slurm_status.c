// slurm_status.c — what became of a Slurm submission (exp/slurm.h): the job
// records of OUT/slurm/, the scheduler's view of them, `--status`, `--cancel`.
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/proc.h"
#include "data/rawfile.h"
#include "exp/slurm.h"
#include "exp/slurm_impl.h"

// Splits text into lines in place; calls fn(line, lineno, ctx) for each
// non-empty one until it returns non-zero.
static int each_line(char *text, size_t n, int (*fn)(char *, int, void *), void *ctx) {
    char *p = text, *stop = text + n;
    for (int no = 1; p < stop; no++) {
        char *nl = memchr(p, '\n', (size_t)(stop - p));
        if (nl) *nl = '\0';
        else text[n] = '\0';
        if (*p && fn(p, no, ctx)) return -1;
        p = nl ? nl + 1 : stop;
    }
    return 0;
}

typedef struct jobs_ctx {
    sc_slurm_job *v;
    int n, cap;
    const char *path;
    sc_err *err;
} jobs_ctx;

static int add_job(char *line, int no, void *arg) {
    jobs_ctx *c = arg;
    sc_slurm_job j;
    memset(&j, 0, sizeof j);
    char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (!t1 || !t2 || t1 - line >= (long)sizeof j.id || t2 - t1 - 1 >= (long)sizeof j.stage ||
        strlen(t2 + 1) >= sizeof j.runs || strspn(line, "0123456789") != (size_t)(t1 - line) || t1 == line)
        return sc_errf(c->err, "%s line %d: expected JOBID<tab>STAGE<tab>RUNS-FILE (a file scaffold writes; was it "
                       "edited?)", c->path, no);
    memcpy(j.id, line, (size_t)(t1 - line));
    memcpy(j.stage, t1 + 1, (size_t)(t2 - t1 - 1));
    strcpy(j.runs, t2 + 1);
    if (c->n == c->cap) {
        int nc = c->cap ? 2 * c->cap : 16;
        sc_slurm_job *nv = realloc(c->v, (size_t)nc * sizeof *nv);
        if (!nv) return sc_errf(c->err, "out of memory");
        c->v = nv, c->cap = nc;
    }
    c->v[c->n++] = j;
    return 0;
}

int sc_slurm_jobs_load(const char *out, sc_slurm_job **jobs, int *n, sc_err *err) {
    char p[PATH_MAX + 32], *text = NULL;
    size_t len = 0;
    struct stat st;
    *jobs = NULL, *n = 0;
    snprintf(p, sizeof p, "%s/slurm/jobs.tsv", out);
    if (stat(p, &st)) return 0;
    if (sc_read_file(p, &text, &len, err)) return -1;
    char *t = realloc(text, len + 1);
    if (!t) {
        free(text);
        return sc_errf(err, "out of memory");
    }
    jobs_ctx c = {.path = p, .err = err};
    int rc = each_line(t, len, add_job, &c);
    free(t);
    if (rc) {
        free(c.v);
        return -1;
    }
    *jobs = c.v, *n = c.n;
    return 0;
}

int sc_slurm_is_live(const char *state) {
    static const char *live[] = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED",
                                 "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED"};
    for (size_t i = 0; i < sizeof live / sizeof *live; i++)
        if (!strcmp(state, live[i])) return 1;
    return 0;
}

typedef struct states {
    sc_slurm_state *v;
    int n, cap;
    const sc_slurm_job *jobs;
    int n_jobs;
    sc_err *err;
} states;

static int ours(const states *s, const char *id) {
    size_t k = strcspn(id, "_");
    for (int i = 0; i < s->n_jobs; i++)
        if (strlen(s->jobs[i].id) == k && !strncmp(s->jobs[i].id, id, k)) return 1;
    return 0;
}

// Adds (or, when live, replaces) one element's state.
static int put_state(states *s, const char *id, const char *state, const char *reason) {
    if (!ours(s, id)) return 0;
    sc_slurm_state e;
    memset(&e, 0, sizeof e);
    snprintf(e.id, sizeof e.id, "%s", id);
    snprintf(e.state, sizeof e.state, "%.*s", (int)strcspn(state, " +"), state);  // "CANCELLED by 0" -> CANCELLED
    snprintf(e.reason, sizeof e.reason, "%s", reason && strcmp(reason, "None") ? reason : "");
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].id, e.id)) {
            if (!sc_slurm_is_live(s->v[i].state)) s->v[i] = e;
            return 0;
        }
    if (s->n == s->cap) {
        int nc = s->cap ? 2 * s->cap : 64;
        sc_slurm_state *nv = realloc(s->v, (size_t)nc * sizeof *nv);
        if (!nv) return sc_errf(s->err, "out of memory");
        s->v = nv, s->cap = nc;
    }
    s->v[s->n++] = e;
    return 0;
}

// "ID|STATE|REASON" lines (squeue -o '%i|%T|%r', sacct -P -o JobID,State,ExitCode).
// Elements an array record covers: "3", "0-11", "0-11%2", "[0,3-5]". A
// pending array is one record for the elements not yet started; when it is
// cancelled (its teacher failed: DependencyNeverSatisfied) it stays one.
static int put_range(states *s, const char *job, const char *spec, const char *state, const char *reason) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec + (spec[0] == '['));
    buf[strcspn(buf, "%]")] = '\0';
    for (char *save = NULL, *part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
        long a, b;
        int got = sscanf(part, "%ld-%ld", &a, &b);
        if (got < 1) continue;
        if (got == 1) b = a;
        for (long t = a; t <= b && t - a < 100000; t++) {
            char id[72];
            snprintf(id, sizeof id, "%s_%ld", job, t);
            if (put_state(s, id, state, reason)) return -1;
        }
    }
    return 0;
}

static int put_bar_line(char *line, int no, void *arg) {
    (void)no;
    char *b1 = strchr(line, '|'), *b2 = b1 ? strchr(b1 + 1, '|') : NULL;
    if (!b1) return 0;  // a warning line, not a record
    *b1 = '\0';
    if (b2) *b2 = '\0';
    if (strchr(line, '.')) return 0;  // a job step (5_0.batch), not the element
    char *us = strchr(line, '_');
    if (us && us[1] == '[') {  // sacct's "2_[0-11]": an array record never started
        *us = '\0';
        return put_range(arg, line, us + 1, b1 + 1, b2 ? b2 + 1 : "");
    }
    return put_state(arg, line, b1 + 1, b2 ? b2 + 1 : "");
}

// One `scontrol -o show job` line: Key=Value fields.
static int put_scontrol_line(char *line, int no, void *arg) {
    (void)no;
    char job[32] = "", array[32] = "", task[32] = "", state[32] = "", reason[96] = "", ec[32] = "";
    for (char *f = strtok(line, " "); f; f = strtok(NULL, " ")) {
        if (!strncmp(f, "JobId=", 6)) snprintf(job, sizeof job, "%s", f + 6);
        else if (!strncmp(f, "ArrayJobId=", 11)) snprintf(array, sizeof array, "%s", f + 11);
        else if (!strncmp(f, "ArrayTaskId=", 12)) snprintf(task, sizeof task, "%s", f + 12);
        else if (!strncmp(f, "JobState=", 9)) snprintf(state, sizeof state, "%s", f + 9);
        else if (!strncmp(f, "Reason=", 7)) snprintf(reason, sizeof reason, "%s", f + 7);
        else if (!strncmp(f, "ExitCode=", 9)) snprintf(ec, sizeof ec, "%s", f + 9);
    }
    if (!state[0] || !job[0]) return 0;
    // Why it ended: the scheduler's reason when it has one (DependencyNeverSatisfied), else the exit code.
    const char *why = !strcmp(state, "PENDING") || (reason[0] && strcmp(reason, "None")) ? reason : ec;
    if (array[0]) return put_range(arg, array, task, state, why);
    return put_state(arg, job, state, why);
}

// Runs argv; feeds its output to fn when it exits 0. Returns its exit code, or -1 if it cannot run.
static int feed(char **argv, int (*fn)(char *, int, void *), states *s) {
    char *text = NULL;
    size_t n = 0;
    int code;
    sc_err ignored;
    if (sc_proc_capture(argv, &text, &n, &code, &ignored)) return -1;
    if (code == 0 && each_line(text, n, fn, s)) code = -2;
    free(text);
    return code;
}

int sc_slurm_query(const sc_slurm_job *jobs, int n_jobs, sc_slurm_state **out, int *n_out, sc_err *err) {
    states s = {.jobs = jobs, .n_jobs = n_jobs, .err = err};
    *out = NULL, *n_out = 0;
    size_t cap = 1;
    for (int i = 0; i < n_jobs; i++) cap += strlen(jobs[i].id) + 1;
    char *ids = calloc(1, cap);
    if (!ids) return sc_errf(err, "out of memory");
    for (int i = 0; i < n_jobs; i++) strcat(strcat(ids, i ? "," : ""), jobs[i].id);
    char *sq[] = {"squeue", "-h", "-r", "-j", ids, "-o", "%i|%T|%r", NULL};
    char *sa[] = {"sacct", "-n", "-P", "-X", "-j", ids, "-o", "JobID,State,ExitCode", NULL};
    int code = feed(sq, put_bar_line, &s), rc = 0;
    if (code == -1) rc = sc_errf(err, "cannot run squeue: is Slurm installed here, and SLURM_CONF set if needed?");
    else if (code == -2) rc = -1;
    // Finished elements: accounting if the cluster keeps it, else what the
    // controller still remembers (MinJobAge).
    if (!rc && feed(sa, put_bar_line, &s) != 0) {
        for (int i = 0; !rc && i < n_jobs; i++) {
            char *sc[] = {"scontrol", "-o", "show", "job", (char *)jobs[i].id, NULL};
            if (feed(sc, put_scontrol_line, &s) == -2) rc = -1;
        }
    }
    free(ids);
    if (rc) {
        free(s.v);
        return -1;
    }
    *out = s.v, *n_out = s.n;
    return 0;
}

// One run of runs.tsv and what --status finds out about it.
typedef struct run_row {
    int index;
    char key[65], kind[16], dir[1024];
    char element[48];  // the last job element it was submitted as ("" if never)
} run_row;

typedef struct rows_ctx {
    run_row *v;
    int n, cap;
    const char *path;
    sc_err *err;
} rows_ctx;

static int add_row(char *line, int no, void *arg) {
    rows_ctx *c = arg;
    run_row r = {0};
    if (sscanf(line, "%d\t%64[0-9a-f]\t%15[a-z]\t%1023[^\n]", &r.index, r.key, r.kind, r.dir) != 4 || r.index != c->n)
        return sc_errf(c->err, "%s line %d: expected INDEX<tab>KEY<tab>KIND<tab>FOLDER (a file scaffold writes; was "
                       "it edited?)", c->path, no);
    if (c->n == c->cap) {
        int nc = c->cap ? 2 * c->cap : 64;
        run_row *nv = realloc(c->v, (size_t)nc * sizeof *nv);
        if (!nv) return sc_errf(c->err, "out of memory");
        c->v = nv, c->cap = nc;
    }
    c->v[c->n++] = r;
    return 0;
}

static int load_text(const char *path, char **text, size_t *n, sc_err *err) {
    if (sc_read_file(path, text, n, err)) return -1;
    char *t = realloc(*text, *n + 1);
    if (!t) {
        free(*text);
        return sc_errf(err, "out of memory");
    }
    *text = t;
    return 0;
}

// Each run's latest job element: line L of a job's runs file is element JOB_L.
static int map_elements(const sc_slurm_job *jobs, int n_jobs, run_row *rows, int n_rows, sc_err *err) {
    for (int j = 0; j < n_jobs; j++) {
        if (!jobs[j].runs[0]) continue;
        char *text = NULL;
        size_t n = 0;
        if (load_text(jobs[j].runs, &text, &n, err)) return -1;
        text[n] = '\0';
        int line = 0;
        for (char *p = text; p && *p; line++) {
            int idx;
            if (sscanf(p, "%d", &idx) == 1 && idx >= 0 && idx < n_rows)
                snprintf(rows[idx].element, sizeof rows[idx].element, "%s_%d", jobs[j].id, line);
            p = strchr(p, '\n');
            if (p) p++;
        }
        free(text);
    }
    return 0;
}

// The first error line of a run's log ("scaffold <command>: ..."), or "".
static void log_error(const char *dir, char *buf, size_t cap, int *has_log) {
    char p[PATH_MAX], *text = NULL;
    size_t n = 0;
    sc_err ignored;
    buf[0] = '\0';
    snprintf(p, sizeof p, "%s/log.txt", dir);
    *has_log = load_text(p, &text, &n, &ignored) == 0;
    if (!*has_log) return;
    text[n] = '\0';
    for (char *line = text; line && *line && !buf[0];) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        if (!strncmp(line, "scaffold ", 9) && strstr(line, ": ")) snprintf(buf, cap, "%s", line);
        line = nl ? nl + 1 : NULL;
    }
    free(text);
}

// The last `lines` lines of a failed run's log, indented, under a heading
// (nothing if it has no log).
static void print_tail(FILE *f, const char *dir, int lines) {
    char p[PATH_MAX], *text = NULL;
    size_t n = 0;
    sc_err ignored;
    snprintf(p, sizeof p, "%s/log.txt", dir);
    if (load_text(p, &text, &n, &ignored)) return;
    text[n] = '\0';
    while (n && text[n - 1] == '\n') text[--n] = '\0';
    if (n) fprintf(f, "\nfailed: %s (log.txt, last lines)\n", dir);
    size_t start = n;
    for (int k = 0; start > 0 && k < lines; k++) {
        start--;
        while (start > 0 && text[start - 1] != '\n') start--;
    }
    for (char *line = text + start; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        fprintf(f, "    | %s\n", line);
        line = nl ? nl + 1 : NULL;
    }
    free(text);
}

// Decides one run's state; fills detail. Returns the index into the labels.
enum { S_DONE, S_RUNNING, S_PENDING, S_FAILED, S_NOT_RUN, S_N };
static const char *state_label[S_N] = {"done", "running", "pending", "failed", "not run"};

static int run_state(const char *out, const run_row *r, const sc_slurm_state *st, int n_st, char *detail, size_t cap) {
    char dir[PATH_MAX], p[PATH_MAX + 16], *key = NULL;
    size_t n = 0;
    sc_err ignored;
    snprintf(dir, sizeof dir, "%s/%s", out, r->dir);
    snprintf(p, sizeof p, "%s/run.key", dir);
    detail[0] = '\0';
    if (sc_read_file(p, &key, &n, &ignored) == 0) {
        int same = n >= 64 && !memcmp(key, r->key, 64);
        free(key);
        if (same) return S_DONE;
        snprintf(detail, cap, "finished with another configuration (run.key differs)");
        return S_FAILED;
    }
    const sc_slurm_state *s = NULL;
    for (int i = 0; r->element[0] && i < n_st; i++)
        if (!strcmp(st[i].id, r->element)) s = &st[i];
    char err_line[600] = "";  // zeroed: strncmp below may be inlined as a 23-byte compare
    int has_log;
    log_error(dir, err_line, sizeof err_line, &has_log);
    if (s && sc_slurm_is_live(s->state)) {
        const char *shown = strcmp(s->state, "RUNNING") && strcmp(s->state, "PENDING") ? s->state : "";
        snprintf(detail, cap, "%s%s%s", shown, shown[0] && s->reason[0] ? " " : "", s->reason);
        return !strcmp(s->state, "PENDING") || !strcmp(s->state, "REQUEUED") ? S_PENDING : S_RUNNING;
    }
    if (s && !strcmp(s->state, "CANCELLED") && !strcmp(s->reason, "DependencyNeverSatisfied")) {
        snprintf(detail, cap, "cancelled before it started: a job it depends on failed");
        return S_NOT_RUN;
    }
    if (!strncmp(err_line, "scaffold run: not run: ", 23)) {  // its element found a run it needs unfinished
        snprintf(detail, cap, "%s", err_line + 23);
        return S_NOT_RUN;
    }
    if (s) {
        // ExitCode is "status:signal": 0:15 is a SIGTERM (scancel, a time limit).
        char why[128] = "";
        int code, sig;
        if (sscanf(s->reason, "%d:%d", &code, &sig) == 2) {
            if (sig) snprintf(why, sizeof why, " (signal %d)", sig);
            else if (code) snprintf(why, sizeof why, " (exit %d)", code);
        } else if (s->reason[0] && strcmp(s->reason, "NonZeroExitCode")) {
            snprintf(why, sizeof why, " (%s)", s->reason);
        }
        snprintf(detail, cap, "%s%s%s", !strcmp(s->state, "COMPLETED") ? "exited without finishing" : s->state, why,
                 err_line[0] ? ": " : "");
        size_t l = strlen(detail);
        snprintf(detail + l, cap - l, "%s", err_line);
        return S_FAILED;
    }
    if (err_line[0]) return snprintf(detail, cap, "%s", err_line), S_FAILED;
    if (has_log) return snprintf(detail, cap, "stopped before finishing (the scheduler no longer knows its job)"), S_FAILED;
    snprintf(detail, cap, "%s", r->element[0] ? "never started (the scheduler no longer knows its job)" : "");
    return S_NOT_RUN;
}

int sc_slurm_status(const char *out, FILE *f, int *n_failed, sc_err *err) {
    char p[PATH_MAX + 32], *text = NULL;
    size_t n = 0;
    *n_failed = 0;
    snprintf(p, sizeof p, "%s/slurm/runs.tsv", out);
    struct stat st;
    if (stat(p, &st))
        return sc_errf(err, "%s has no slurm/runs.tsv: --status follows experiments submitted with --backend slurm "
                       "(the local backend prints its progress as it runs)", out);
    if (load_text(p, &text, &n, err)) return -1;
    rows_ctx rc_ = {.path = p, .err = err};
    sc_slurm_job *jobs = NULL;
    sc_slurm_state *states_ = NULL;
    int n_jobs = 0, n_st = 0, rc = each_line(text, n, add_row, &rc_);
    free(text);
    if (!rc) rc = sc_slurm_jobs_load(out, &jobs, &n_jobs, err);
    if (!rc) rc = map_elements(jobs, n_jobs, rc_.v, rc_.n, err);
    if (!rc && n_jobs) rc = sc_slurm_query(jobs, n_jobs, &states_, &n_st, err);
    int count[S_N] = {0};
    int *state = rc ? NULL : calloc((size_t)rc_.n + 1, sizeof(int));
    if (!rc && !state) rc = sc_errf(err, "out of memory");
    for (int i = 0; !rc && i < rc_.n; i++) {
        char detail[700];
        state[i] = run_state(out, &rc_.v[i], states_, n_st, detail, sizeof detail);
        count[state[i]]++;
        fprintf(f, "%-8s %-12s %s%s%s\n", state_label[state[i]], rc_.v[i].element[0] ? rc_.v[i].element : "-",
                rc_.v[i].dir, detail[0] ? "  " : "", detail);
    }
    if (!rc) {
        fprintf(f, "%s: %d runs: %d done, %d running, %d pending, %d failed, %d not run\n", out, rc_.n, count[S_DONE],
                count[S_RUNNING], count[S_PENDING], count[S_FAILED], count[S_NOT_RUN]);
        for (int i = 0; i < rc_.n; i++) {
            if (state[i] != S_FAILED) continue;
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s/%s", out, rc_.v[i].dir);
            print_tail(f, dir, 6);
        }
        if (count[S_FAILED] || count[S_NOT_RUN])
            fprintf(f, "\nto run what did not finish: scaffold run MANIFEST --out %s --backend slurm --resume\n", out);
        *n_failed = count[S_FAILED];
    }
    free(state);
    free(rc_.v);
    free(jobs);
    free(states_);
    return rc;
}

int sc_slurm_cancel(const char *out, FILE *f, sc_err *err) {
    sc_slurm_job *jobs = NULL;
    sc_slurm_state *st = NULL;
    int n = 0, ns = 0, rc = sc_slurm_jobs_load(out, &jobs, &n, err);
    if (!rc && !n) rc = sc_errf(err, "%s has no slurm/jobs.tsv: nothing was submitted from it with --backend slurm", out);
    if (!rc) rc = sc_slurm_query(jobs, n, &st, &ns, err);
    char **argv = rc ? NULL : calloc((size_t)n + 2, sizeof *argv);
    if (!rc && !argv) rc = sc_errf(err, "out of memory");
    int k = 0;
    if (!rc) {
        argv[k++] = "scancel";
        for (int j = 0; j < n; j++) {  // jobs with an element still queued
            int live = 0;
            size_t l = strlen(jobs[j].id);
            for (int i = 0; i < ns; i++)
                live |= sc_slurm_is_live(st[i].state) && !strncmp(st[i].id, jobs[j].id, l) &&
                        (st[i].id[l] == '\0' || st[i].id[l] == '_');
            if (live) argv[k++] = jobs[j].id;
        }
    }
    if (!rc && k == 1) fprintf(f, "%s: no job of it is queued or running; nothing to cancel\n", out);
    if (!rc && k > 1) {
        char *said = NULL;
        int code;
        rc = sc_proc_capture(argv, &said, NULL, &code, err);
        if (!rc && code) rc = sc_errf(err, "scancel failed (exit %d): %s", code, said);
        if (!rc) {
            fprintf(f, "%s: cancelled %d job%s:", out, k - 1, k > 2 ? "s" : "");
            for (int i = 1; i < k; i++) fprintf(f, " %s", argv[i]);
            fprintf(f, "\nunfinished runs leave no result; `scaffold run MANIFEST --out %s --backend slurm --resume` "
                       "runs them again\n", out);
        }
        free(said);
    }
    free(argv);
    free(jobs);
    free(st);
    return rc;
}
