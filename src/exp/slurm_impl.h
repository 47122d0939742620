// slurm_impl.h — what the Slurm backend's files share (exp/slurm.h): the
// records of OUT/slurm/ and the scheduler queries.
#ifndef SC_EXP_SLURM_IMPL_H
#define SC_EXP_SLURM_IMPL_H

#include <stddef.h>

#include "core/err.h"

typedef struct sc_slurm_job {
    char id[32];          // the scheduler's job id (an array's id for arrays)
    char stage[96];       // teacher-<task>, students-<task>, transfer-<task>, collect
    char runs[1200];      // its .runs file ("" for collect)
} sc_slurm_job;

// Splits text (n bytes and a NUL at text[n], as sc_read_file gives) into lines in place;
// calls fn(line, lineno, ctx) for each non-empty one until it returns non-zero
// (then -1).
int sc_slurm_each_line(char *text, size_t n, int (*fn)(char *, int, void *), void *ctx);

// OUT/slurm/jobs.tsv, in submission order; *jobs NULL and *n 0 when the file
// does not exist. A malformed line is an error naming the file and line.
int sc_slurm_jobs_load(const char *out, sc_slurm_job **jobs, int *n, sc_err *err);

// What the queue says of one job element (squeue), or the accounting record of
// a finished one (sacct; scontrol where accounting is disabled).
typedef struct sc_slurm_state {
    char id[48];          // "JOBID" or "ARRAYID_TASK"
    char state[32];       // PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, ...
    char reason[96];      // pending reason or exit code ("" if none)
} sc_slurm_state;

// The states of every element of the given jobs known to the scheduler: live
// ones from squeue, then finished ones from sacct or scontrol (when both know
// an element, the live one wins). Elements the scheduler has forgotten are
// absent. -1 with err when squeue cannot run at all.
int sc_slurm_query(const sc_slurm_job *jobs, int n_jobs, sc_slurm_state **out, int *n_out, sc_err *err);
// Of those, the ones still in the queue (PENDING, RUNNING, ...).
int sc_slurm_is_live(const char *state);

#endif
