// slurm_query.c — the Slurm backend's records and the scheduler's view of them
// (exp/slurm_impl.h): OUT/slurm/jobs.tsv, and each job element's state from
// squeue, then sacct, or scontrol where accounting is disabled.
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/proc.h"
#include "data/rawfile.h"
#include "exp/slurm.h"
#include "exp/slurm_impl.h"

int sc_slurm_each_line(char *text, size_t n, int (*fn)(char *, int, void *), void *ctx) {
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
    if (sc_read_file(p, &text, &len, err)) return -1;  // NUL-terminated: each_line may write text[len]
    jobs_ctx c = {.path = p, .err = err};
    int rc = sc_slurm_each_line(text, len, add_job, &c);
    free(text);
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
    if (code == 0 && sc_slurm_each_line(text, n, fn, s)) code = -2;
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

