// cli.h — the `scaffold` command line: one table of subcommands.
//
// A subcommand is a function `int fn(int argc, char **argv)` receiving its own
// argv (argv[0] = subcommand name) and returning the process exit code:
//   0 success, 1 the work failed (bad data, failed check), 2 usage error.
// To add one: write src/cli/cmd_NAME.c, declare it below, add a row to the
// table in cli.c. `scaffold --help` lists the table, so it never lies.
#ifndef SC_CLI_H
#define SC_CLI_H

#include <stdio.h>

#define SC_EXIT_OK 0
#define SC_EXIT_FAIL 1
#define SC_EXIT_USAGE 2

typedef struct sc_command {
    const char *name;
    const char *summary;  // one line for `scaffold --help`
    const char *usage;    // the synopsis line(s) for `scaffold NAME --help`
    int (*fn)(int argc, char **argv);
} sc_command;

int sc_cli_main(int argc, char **argv);

// Prints "scaffold NAME: <message>\nusage: ..." to stderr and returns SC_EXIT_USAGE.
int sc_cli_usage_error(const sc_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// Parses a whole decimal integer in [lo, hi] (0), or -1 for anything else.
int sc_cli_parse_long(const char *s, long lo, long hi, long *out);

// Looks a command up by name (NULL if there is none).
const sc_command *sc_cli_find(const char *name);

int sc_cmd_selfcheck(int argc, char **argv);
int sc_cmd_tasks(int argc, char **argv);
int sc_cmd_init_task(int argc, char **argv);
int sc_cmd_corpus(int argc, char **argv);
int sc_cmd_gradcheck(int argc, char **argv);
int sc_cmd_hypercheck(int argc, char **argv);
int sc_cmd_bench(int argc, char **argv);
int sc_cmd_train_teacher(int argc, char **argv);
int sc_cmd_train_xbl(int argc, char **argv);
int sc_cmd_active_learn(int argc, char **argv);
int sc_cmd_train_student(int argc, char **argv);
int sc_cmd_explain(int argc, char **argv);
int sc_cmd_models(int argc, char **argv);
int sc_cmd_explainers(int argc, char **argv);
int sc_cmd_compare(int argc, char **argv);
int sc_cmd_run(int argc, char **argv);
int sc_cmd_report(int argc, char **argv);
int sc_cmd_pretrain(int argc, char **argv);

#endif
