// proc.h — running another program (no shell) and reading what it printed.
// Used where scaffold talks to tools it does not re-implement (the Slurm
// commands sbatch, squeue, sacct, scontrol, scancel): arguments go to execvp as
// they are, so paths with spaces or quotes need no escaping.
#ifndef SC_CORE_PROC_H
#define SC_CORE_PROC_H

#include <stddef.h>

#include "core/err.h"

// Runs argv (NULL-terminated; argv[0] is looked up in PATH) and waits for it.
// Its stdout and stderr together land in *out (NUL-terminated, caller frees;
// out may be NULL to discard them), its exit status in *exit_code (0..255, or
// 128 + signal when killed). Returns -1 with err only when the program could
// not be started at all (not installed: the message names it); a program that
// ran and failed returns 0 with a non-zero *exit_code.
int sc_proc_capture(char *const argv[], char **out, size_t *len, int *exit_code, sc_err *err);

#endif
