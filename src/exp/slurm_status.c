// slurm_status.c — what became of a Slurm submission (exp/slurm.h):
// `scaffold run --status OUT` (each run's state from its folder and the
// scheduler, exp/slurm_query.c) and `--cancel OUT`.
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/proc.h"
#include "data/rawfile.h"
#include "exp/runner.h"
#include "exp/slurm.h"
#include "exp/slurm_impl.h"

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

// Each run's latest job element: line L of a job's runs file is element JOB_L.
static int map_elements(const sc_slurm_job *jobs, int n_jobs, run_row *rows, int n_rows, sc_err *err) {
    for (int j = 0; j < n_jobs; j++) {
        if (!jobs[j].runs[0]) continue;
        char *text = NULL;
        size_t n = 0;
        if (sc_read_file(jobs[j].runs, &text, &n, err)) return -1;
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

// The last `lines` lines of a failed run's log, indented, under a heading
// (nothing if it has no log).
static void print_tail(FILE *f, const char *dir, int lines) {
    char p[PATH_MAX], *text = NULL;
    size_t n = 0;
    sc_err ignored;
    snprintf(p, sizeof p, "%s/log.txt", dir);
    if (sc_read_file(p, &text, &n, &ignored)) return;
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
    int has_log = sc_exp_log_error(dir, err_line, sizeof err_line);
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
    if (sc_read_file(p, &text, &n, err)) return -1;
    rows_ctx rc_ = {.path = p, .err = err};
    sc_slurm_job *jobs = NULL;
    sc_slurm_state *states_ = NULL;
    int n_jobs = 0, n_st = 0, rc = sc_slurm_each_line(text, n, add_row, &rc_);
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
