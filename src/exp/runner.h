// runner.h — executing a manifest's runs (exp/manifest.h) in a local pool.
//
// Every run is a forked child process that calls the library with the run's
// configuration (sc_teacher_run / sc_student_run, or sc_xbl_run for a
// `kind: xbl` manifest, as the manifest expanded it), its output in RUN_DIR/log.txt and its equivalent command line in
// RUN_DIR/command.txt: runs share no state, a crash stays inside its run, and
// `jobs` of them run side by side (each single-threaded by default, so J jobs
// use J cores). A run counts as done when its child exits 0 and its
// metrics.msgpack reads back through the result reader (io/result_read.h). A student starts when its teacher has finished. A run that finishes
// writes RUN_DIR/run.key (its configuration hash) last, so an interrupted run
// is simply run again by --resume, a finished one is skipped, and one whose key
// differs (the manifest changed under it) is refused. Progress (runs done,
// failed, elapsed, ETA; each run's headline: its test metric, simulatability
// or, for xbl runs, clean accuracy) goes to `log`. At the end the results are
// summarized with report/compare.h into OUT/summary.md and OUT/summary.csv,
// and report/report.h draws OUT/report.html.
#ifndef SC_EXP_RUNNER_H
#define SC_EXP_RUNNER_H

#include <stdio.h>

#include "exp/manifest.h"

typedef struct sc_exp_opts {
    int jobs;          // ≥ 1
    int resume;        // skip finished runs (an OUT with results needs it)
    int dry_run;       // print the commands only
    FILE *log;         // progress (stderr)
} sc_exp_opts;

// Runs everything; *n_failed gets the number of failed runs. -1 with err for
// problems before or around the runs (OUT not writable, a changed run, ...).
int sc_exp_execute(const sc_manifest *m, const sc_exp_opts *o, int *n_failed, sc_err *err);

// The pieces other backends (exp/slurm.h) share with the pool, so that a run
// means the same thing wherever it ran:
// 1 if run r finished with its key, 0 if not (or interrupted), -1 if it
// finished with another key (err: the manifest changed under it).
int sc_exp_finished(const sc_exp_run *r, sc_err *err);
// Runs run i of m as the pool does (a child process, log.txt, command.txt,
// run.key last) and waits. 0 when it finished now or earlier; -1 with err when
// it failed (err: the first error line of its log) or cannot run because a
// run it depends on has not finished.
int sc_exp_run_one(const sc_manifest *m, int i, FILE *log, sc_err *err);
// The first error line of RUN_DIR/log.txt into buf ("" if none): the CLI's
// "scaffold <command>: <message>", an exec failure or a panic. 1 if the log
// exists, 0 if not.
int sc_exp_log_error(const char *run_dir, char *buf, size_t cap);
// summary.md / summary.csv / report.html of OUT from what is on disk: every
// finished run, and a row for each unfinished one with the reason its folder
// gives (its log's error line, "did not finish", "not run").
int sc_exp_collect(const sc_manifest *m, FILE *log, sc_err *err);

#endif
