// slurm_submit.c — `scaffold run --backend slurm`: writes OUT/slurm/ and hands
// the runs to sbatch (the design: exp/slurm.h).
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/proc.h"
#include "data/rawfile.h"
#include "exp/runner.h"
#include "exp/slurm.h"
#include "exp/slurm_impl.h"

// One growing text buffer (a job script, a runs file, jobs.tsv).
typedef struct text {
    char *s;
    size_t n;
    FILE *f;
} text;

static int text_open(text *t, sc_err *err) {
    memset(t, 0, sizeof *t);
    return (t->f = open_memstream(&t->s, &t->n)) ? 0 : sc_errf(err, "out of memory");
}

static int text_write(text *t, const char *path, sc_err *err) {
    fclose(t->f);
    t->f = NULL;
    int rc = sc_atomic_write(path, t->s, t->n, err);
    free(t->s);
    t->s = NULL;
    return rc;
}

// 'text' for sh: single quotes, each ' written as '\''.
static void sh_quote(FILE *f, const char *s) {
    fputc('\'', f);
    for (; *s; s++) s[0] == '\'' ? fputs("'\\''", f) : fputc(*s, f);
    fputc('\'', f);
}

typedef struct submit {
    const sc_manifest *m;
    const sc_slurm_opts *o;
    char out[PATH_MAX], dir[PATH_MAX + 16], manifest[PATH_MAX], exe[PATH_MAX];
    int sub;               // this submission's number (sub<N>- prefix of its files)
    char *jobs;            // jobs.tsv as it was plus this submission's lines
    size_t jobs_len;
    char submitted[4096];  // this submission's job ids, space-separated (cancelled if it fails halfway)
} submit;

// Appends a job to jobs.tsv right away: if a later sbatch fails, --status and
// --cancel still know every job that was submitted.
static int record_job(submit *s, const char *id, const char *stage, const char *runs, sc_err *err) {
    char line[PATH_MAX + 400];
    int l = snprintf(line, sizeof line, "%s\t%s\t%s\n", id, stage, runs);
    char *nb = realloc(s->jobs, s->jobs_len + (size_t)l + 1);
    if (!nb) return sc_errf(err, "out of memory");
    memcpy(nb + s->jobs_len, line, (size_t)l + 1);
    s->jobs = nb;
    s->jobs_len += (size_t)l;
    size_t k = strlen(s->submitted);
    snprintf(s->submitted + k, sizeof s->submitted - k, "%s%s", k ? " " : "", id);
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/jobs.tsv", s->dir);
    return sc_atomic_write(p, s->jobs, s->jobs_len, err);
}

// sbatch with the common resources, --parsable; the job id into id.
static int sbatch(submit *s, const char *stage, const char *script, const char *array, const char *dependency,
                  char *id, size_t cap, sc_err *err) {
    const sc_slurm_opts *o = s->o;
    char name[256], output[PATH_MAX + 64], cpus[32], part[300], tm[300], mem[300], arr[64], dep[4096];
    snprintf(name, sizeof name, "--job-name=scaffold-%s-%s", s->m->name, stage);
    snprintf(output, sizeof output, "--output=%s/logs/%%x-%s.out", s->dir, array ? "%A_%a" : "%j");
    snprintf(cpus, sizeof cpus, "--cpus-per-task=%d", o->cpus);
    char *argv[24 + SC_SLURM_MAX_EXTRA];
    int k = 0;
    argv[k++] = "sbatch", argv[k++] = "--parsable", argv[k++] = name, argv[k++] = output, argv[k++] = cpus;
    argv[k++] = o->requeue ? "--requeue" : "--no-requeue";
    if (o->partition) snprintf(part, sizeof part, "--partition=%s", o->partition), argv[k++] = part;
    int teacher = !strncmp(stage, "teacher-", 8);
    const char *t = teacher && o->teacher_time ? o->teacher_time : o->time;
    const char *mm = teacher && o->teacher_mem ? o->teacher_mem : o->mem;
    if (t) snprintf(tm, sizeof tm, "--time=%s", t), argv[k++] = tm;
    if (mm) snprintf(mem, sizeof mem, "--mem=%s", mm), argv[k++] = mem;
    if (array) snprintf(arr, sizeof arr, "--array=%s", array), argv[k++] = arr;
    if (dependency && dependency[0]) {
        snprintf(dep, sizeof dep, "--dependency=%s", dependency);
        argv[k++] = dep;
        argv[k++] = "--kill-on-invalid-dep=yes";
    }
    for (int i = 0; i < o->n_extra; i++) argv[k++] = (char *)o->extra[i];
    argv[k++] = (char *)script;
    argv[k] = NULL;
    char *got = NULL;
    int code;
    if (sc_proc_capture(argv, &got, NULL, &code, err)) return -1;
    char *end = got + strcspn(got, ";\n");
    *end = '\0';
    int ok = code == 0 && got[0] && strspn(got, "0123456789") == strlen(got);
    if (!ok) {
        sc_errf(err, "sbatch refused the %s job (exit %d): %s", stage, code, got[0] ? got : "(no output)");
        free(got);
        return -1;
    }
    snprintf(id, cap, "%s", got);
    free(got);
    return 0;
}

// The batch script of a stage: the scaffold binary that submitted it, the
// manifest and OUT by absolute path, and the runs file (or --collect).
static int write_script(submit *s, const char *path, const char *runs_file, sc_err *err) {
    text t;
    if (text_open(&t, err)) return -1;
    fprintf(t.f, "#!/bin/sh\n# Written by `scaffold run --backend slurm` for experiment %s; see exp/slurm.h.\n",
            s->m->name);
    fputs("exec ", t.f);
    sh_quote(t.f, s->exe);
    fputs(" run ", t.f);
    sh_quote(t.f, s->manifest);
    fputs(" --out ", t.f);
    sh_quote(t.f, s->out);
    if (runs_file) {
        fputs(" --slurm-task ", t.f);
        sh_quote(t.f, runs_file);
    } else {
        fputs(" --collect", t.f);
    }
    fputc('\n', t.f);
    return text_write(&t, path, err);
}

// Submits runs idx[0..n) (all of one stage) as arrays of at most
// SC_SLURM_MAX_ARRAY, each after `dependency`; their job ids are appended to
// ids (":"-separated, for the next stage's dependency).
static int submit_stage(submit *s, const char *stage, const int *idx, int n, const char *dependency, char *ids,
                        size_t cap, sc_err *err) {
    for (int c0 = 0, chunk = 0; c0 < n; c0 += SC_SLURM_MAX_ARRAY, chunk++) {
        int cn = n - c0 < SC_SLURM_MAX_ARRAY ? n - c0 : SC_SLURM_MAX_ARRAY;
        char base[PATH_MAX + 200], runs[PATH_MAX + 220], script[PATH_MAX + 220], array[64], id[32];
        snprintf(base, sizeof base, "%s/sub%d-%s%s%.0d", s->dir, s->sub, stage, chunk ? "-" : "", chunk);
        snprintf(runs, sizeof runs, "%s.runs", base);
        snprintf(script, sizeof script, "%s.sbatch", base);
        text t;
        if (text_open(&t, err)) return -1;
        for (int i = 0; i < cn; i++) {
            const sc_exp_run *r = &s->m->runs[idx[c0 + i]];
            fprintf(t.f, "%d\t%s\t%s\n", idx[c0 + i], r->key, r->dir);
        }
        if (text_write(&t, runs, err) || write_script(s, script, runs, err)) return -1;
        int len = snprintf(array, sizeof array, "0-%d", cn - 1);
        if (s->o->max_concurrent) snprintf(array + len, sizeof array - (size_t)len, "%%%d", s->o->max_concurrent);
        // Every stage is an array, a teacher one of one element: each job finds
        // its run the same way (line SLURM_ARRAY_TASK_ID of its runs file).
        if (sbatch(s, stage, script, array, dependency, id, sizeof id, err)) return -1;
        if (record_job(s, id, stage, runs, err)) return -1;
        fprintf(s->o->log, "  submitted %-28s job %s: %d run%s%s%s\n", stage, id, cn, cn == 1 ? "" : "s",
                dependency && dependency[0] ? " after " : "", dependency ? dependency : "");
        size_t l = strlen(ids);
        snprintf(ids + l, cap - l, "%s%s", l ? ":" : "", id);
    }
    return 0;
}

// The next submission number: one above every sub<N>- file in OUT/slurm, so a
// new submission never overwrites the runs file of a job that may be queued.
static int next_submission(const char *dir) {
    DIR *d = opendir(dir);
    int max = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int k;
        if (sscanf(e->d_name, "sub%d-", &k) == 1 && k > max) max = k;
    }
    if (d) closedir(d);
    return max + 1;
}

// Refuses while jobs of an earlier submission are still queued: two
// submissions of the same runs would write the same folders at once.
static int check_nothing_queued(const char *out, sc_err *err) {
    sc_slurm_job *jobs = NULL;
    sc_slurm_state *st = NULL;
    int n = 0, ns = 0, rc = sc_slurm_jobs_load(out, &jobs, &n, err);
    if (!rc && n) rc = sc_slurm_query(jobs, n, &st, &ns, err);
    for (int i = 0; !rc && i < ns; i++)
        if (sc_slurm_is_live(st[i].state))
            rc = sc_errf(err, "job %s of an earlier submission to %s is still %s: wait for it (scaffold run --status "
                         "%s), or cancel it (scaffold run --cancel %s)", st[i].id, out, st[i].state, out, out);
    free(jobs);
    free(st);
    return rc;
}

// Absolute paths for the jobs (they may start in another folder on another
// node), and OUT/slurm/logs.
static int resolve_paths(submit *s, sc_err *err) {
    char logs[PATH_MAX + 32];
    if (sc_mkdirs(s->m->out, err)) return -1;
    if (!realpath(s->m->out, s->out)) return sc_errf(err, "%s: %s", s->m->out, strerror(errno));
    if (!realpath(s->o->manifest_path, s->manifest)) return sc_errf(err, "%s: %s", s->o->manifest_path, strerror(errno));
    ssize_t k = readlink("/proc/self/exe", s->exe, sizeof s->exe - 1);
    if (k <= 0) return sc_errf(err, "cannot find the scaffold binary (/proc/self/exe): %s", strerror(errno));
    s->exe[k] = '\0';
    snprintf(s->dir, sizeof s->dir, "%s/slurm", s->out);
    snprintf(logs, sizeof logs, "%s/logs", s->dir);
    return sc_mkdirs(logs, err);
}

// runs.tsv: every run of the manifest, for --status (which has no manifest):
// INDEX KEY KIND FOLDER-UNDER-OUT.
static int write_index(submit *s, sc_err *err) {
    text t;
    char p[PATH_MAX + 32];
    if (text_open(&t, err)) return -1;
    for (int i = 0; i < s->m->n_runs; i++) {
        const sc_exp_run *r = &s->m->runs[i];
        // The folder relative to OUT: --status may be given OUT by another path.
        size_t lo = strlen(s->m->out);
        const char *rel = !strncmp(r->dir, s->m->out, lo) && r->dir[lo] == '/' ? r->dir + lo + 1 : r->dir;
        fprintf(t.f, "%d\t%s\t%s\t%s\n", i, r->key,
                r->kind == SC_EXP_XBL ? "xbl" : r->kind == SC_EXP_AL ? "active" : r->is_teacher ? "teacher" : r->after >= 0 ? "transfer" : "student", rel);
    }
    snprintf(p, sizeof p, "%s/runs.tsv", s->dir);
    return text_write(&t, p, err);
}

// Which runs still have to run; refuses a changed run, and finished runs without resume.
static int scan_finished(const sc_manifest *m, int resume, int *todo, int *n_todo, sc_err *err) {
    *n_todo = 0;
    for (int i = 0; i < m->n_runs; i++) {
        int f = sc_exp_finished(&m->runs[i], err);
        if (f < 0) return -1;
        if (f && !resume)
            return sc_errf(err, "%s already holds finished runs (e.g. %s): pass --resume to continue, or remove it",
                           m->out, m->runs[i].dir);
        todo[i] = !f;
        *n_todo += !f;
    }
    return 0;
}

// One task's stages: its teacher, then its students (afterok on the teacher),
// then its transfer students (afterany on the students: each checks the run
// it reads). Every job id is appended to all_ids for the collect job.
static int submit_task(submit *s, const char *task, const int *todo, int *idx, char *all_ids, size_t cap,
                       sc_err *err) {
    const sc_manifest *m = s->m;
    char done_before[2048] = "";  // ids of this task's earlier stages
    // xbl runs have no teacher and depend on nothing: one array per task,
    // stage xbl-<task>, in the students' place (no stage before it, so no dependency).
    // Active-learning runs likewise: stage active-<task>.
    const char *solo = m->kind == SC_EXP_XBL ? "xbl" : m->kind == SC_EXP_AL ? "active" : NULL;
    for (int kind = 0; kind < 3; kind++) {  // teacher, students (or xbl runs), transfer
        int n = 0;
        for (int i = 0; i < m->n_runs; i++) {
            const sc_exp_run *r = &m->runs[i];
            if (!todo[i] || strcmp(r->task, task)) continue;
            if ((r->is_teacher ? 0 : r->after >= 0 ? 2 : 1) == kind) idx[n++] = i;
        }
        if (!n) continue;
        char stage[96], dep[2100] = "", ids[2048] = "";
        snprintf(stage, sizeof stage, "%s-%s", kind == 0 ? "teacher" : kind == 2 ? "transfer" : solo ? solo : "students",
                 task);
        if (done_before[0]) snprintf(dep, sizeof dep, "%s:%s", kind == 1 ? "afterok" : "afterany", done_before);
        if (submit_stage(s, stage, idx, n, dep, ids, sizeof ids, err)) return -1;
        size_t l = strlen(done_before);
        snprintf(done_before + l, sizeof done_before - l, "%s%s", l ? ":" : "", ids);
        l = strlen(all_ids);
        snprintf(all_ids + l, cap - l, "%s%s", l ? ":" : "", ids);
    }
    return 0;
}

// Cancels what this submission already queued when a later sbatch fails, so a
// half-submitted plan never runs.
static void cancel_partial(submit *s) {
    if (!s->submitted[0]) return;
    char *argv[64];
    int k = 0;
    argv[k++] = "scancel";
    for (char *p = strtok(s->submitted, " "); p && k < 63; p = strtok(NULL, " ")) argv[k++] = p;
    argv[k] = NULL;
    int code;
    sc_err ignored;
    sc_proc_capture(argv, NULL, NULL, &code, &ignored);
    fprintf(s->o->log, "  cancelled the jobs this submission had queued\n");
}

int sc_slurm_submit(const sc_manifest *m, const sc_slurm_opts *o, sc_err *err) {
    submit s = {.m = m, .o = o};
    int *todo = calloc((size_t)m->n_runs, sizeof(int)), *idx = calloc((size_t)m->n_runs, sizeof(int));
    char *all_ids = calloc(1, 65536);
    int rc = -1, n_todo = 0;
    if (!todo || !idx || !all_ids) {
        sc_errf(err, "out of memory");
        goto out;
    }
    if (resolve_paths(&s, err) || check_nothing_queued(s.out, err) || scan_finished(m, o->resume, todo, &n_todo, err))
        goto out;
    if (!n_todo) {
        fprintf(o->log, "run %s: all %d runs finished earlier; nothing to submit\n", m->name, m->n_runs);
        rc = sc_exp_collect(m, o->log, err);
        goto out;
    }
    char jp[PATH_MAX + 32];
    snprintf(jp, sizeof jp, "%s/jobs.tsv", s.dir);
    struct stat st;
    if (stat(jp, &st) == 0 && sc_read_file(jp, &s.jobs, &s.jobs_len, err)) goto out;
    s.sub = next_submission(s.dir);
    if (write_index(&s, err)) goto out;
    fprintf(o->log, "run %s: %d runs (%d finished earlier) to Slurm, results in %s\n", m->name, m->n_runs,
            m->n_runs - n_todo, s.out);
    for (int i = 0; i < m->n_runs; i++) {
        int first = 1;  // each task once, in manifest order
        for (int j = 0; j < i; j++) first &= strcmp(m->runs[j].task, m->runs[i].task) != 0;
        if (first && submit_task(&s, m->runs[i].task, todo, idx, all_ids, 65536, err)) goto fail;
    }
    char script[PATH_MAX + 64], dep[65600], id[32];
    snprintf(script, sizeof script, "%s/sub%d-collect.sbatch", s.dir, s.sub);
    snprintf(dep, sizeof dep, "afterany:%s", all_ids);
    if (write_script(&s, script, NULL, err) || sbatch(&s, "collect", script, NULL, dep, id, sizeof id, err) ||
        record_job(&s, id, "collect", "", err))
        goto fail;
    fprintf(o->log, "  submitted %-28s job %s: summary.md and report.html when all are over\n", "collect", id);
    fprintf(o->log, "follow it with: scaffold run --status %s   (cancel: scaffold run --cancel %s)\n", s.out, s.out);
    rc = 0;
    goto out;
fail:
    cancel_partial(&s);
out:
    free(s.jobs);
    free(todo);
    free(idx);
    free(all_ids);
    return rc;
}
