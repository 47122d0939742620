// slurm.h — the Slurm backend of `scaffold run`: the same manifest, the same
// run folders and keys as the local pool (exp/runner.h), submitted to a
// cluster's scheduler instead of forked here.
//
//   scaffold run MANIFEST --backend slurm [--partition P] [--time T] [--mem M]
//                [--teacher-time T] [--teacher-mem M] [--cpus C] [--max-concurrent K]
//                [--requeue] [--sbatch-arg ARG]...
//
// Submission (sc_slurm_submit) writes OUT/slurm/ and calls sbatch:
//   teacher-<task>            one job per teacher that has not finished
//   students-<task>           one job array per task: its unfinished students
//                             (explainer × n × seed), `--dependency=afterok` on
//                             that task's teacher job, throttled to K at a time
//                             (`%K`); `--kill-on-invalid-dep=yes`, so a failed
//                             teacher cancels its students instead of leaving
//                             them pending forever
//   active-<task>             for a `kind: active-learning` manifest: the same as xbl-<task>
//   xbl-<task>                for a `kind: xbl` manifest, instead of the above:
//                             one job array per task of its train-xbl runs, with
//                             no dependency (they need no teacher)
//   transfer-<task>           the `from` students (a frozen learned explainer),
//                             `afterany` on the task's students: each checks
//                             that the run it reads has finished
//   collect                   `scaffold run MANIFEST --out OUT --collect`,
//                             `afterany` on everything: summary.md, summary.csv,
//                             report.html, with a row for every run that failed
// Per task, not one array for the whole manifest: one task's failed teacher
// must not cancel another task's students. Arrays longer than
// SC_SLURM_MAX_ARRAY are split (the scheduler's default MaxArraySize is 1001).
//
// Each array element runs `scaffold run MANIFEST --out OUT --slurm-task FILE`:
// line $SLURM_ARRAY_TASK_ID of FILE names a run (index and key). It reloads
// the manifest, refuses if the run's key differs from the one submitted (the
// manifest or a config changed since), and runs it with sc_exp_run_one: the
// pool's own child process, log.txt, command.txt, and run.key written last.
// A job killed by the scheduler (time limit, preemption, node failure, scancel)
// therefore leaves no run.key and no half-written result file; the next
// submission with --resume runs it again. A run that fails exits non-zero and
// is reported (--status, summary.md), never resubmitted by Slurm itself; only
// with --requeue does a preempted or node-failed job go back to the queue.
//
// Files under OUT/slurm/ (nothing is written outside OUT):
//   runs.tsv      INDEX KEY KIND DIR for every run of the manifest (for --status;
//                 KIND: teacher, student, transfer, xbl or active)
//   jobs.tsv      JOBID STAGE RUNS-FILE, one line per submitted job, appended
//   <sub>-<stage>.runs / .sbatch   what each job runs, and its batch script
//   logs/         the scheduler's stdout/stderr of each job element (each run
//                 keeps its own log.txt in its folder, as with the local pool)
#ifndef SC_EXP_SLURM_H
#define SC_EXP_SLURM_H

#include <stdio.h>

#include "exp/manifest.h"

#define SC_SLURM_MAX_ARRAY 1000
#define SC_SLURM_MAX_EXTRA 32

typedef struct sc_slurm_opts {
    const char *partition, *time, *mem;  // sbatch --partition/--time/--mem; NULL: the cluster's defaults
    const char *teacher_time, *teacher_mem;  // the teachers' jobs instead (a teacher may take 20x a student); NULL: as above
    int cpus;                            // --cpus-per-task of every run (≥ 1)
    int max_concurrent;                  // array throttle %K; 0: none
    int requeue;                         // --requeue (else --no-requeue)
    int resume;                          // as the local backend: OUT with finished runs needs it
    int n_extra;
    const char *extra[SC_SLURM_MAX_EXTRA];  // --sbatch-arg values, passed to every sbatch as they are
    const char *manifest_path;           // as given; made absolute for the jobs
    FILE *log;
} sc_slurm_opts;

// Validates the state of OUT (no jobs of it still queued, no changed run,
// finished runs only with resume), writes OUT/slurm/ and submits. Prints the
// job ids and the commands to follow them. When every run has finished it
// submits nothing and collects here.
int sc_slurm_submit(const sc_manifest *m, const sc_slurm_opts *o, sc_err *err);

// Inside an array element: runs the run named by line $SLURM_ARRAY_TASK_ID
// (0-based) of runs_file. 0 when it finished (now or earlier).
int sc_slurm_task(const sc_manifest *m, const char *runs_file, FILE *log, sc_err *err);

// `scaffold run --status OUT`: every run's state — done, running, pending (with
// the scheduler's reason), failed (the scheduler's state or the log's error),
// not run — from the run folders and squeue/sacct (scontrol where accounting
// is disabled), then counts and the last lines of each failed run's log.
// *n_failed gets the number of failed runs.
int sc_slurm_status(const char *out, FILE *f, int *n_failed, sc_err *err);
// `scaffold run --cancel OUT`: scancel for every job of OUT still queued.
int sc_slurm_cancel(const char *out, FILE *f, sc_err *err);

#endif
