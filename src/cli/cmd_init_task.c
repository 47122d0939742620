// `scaffold init-task NAME --from FILE [--from FILE ...] [--out DIR]`: a starter
// task.yaml detected from data files (data/task_init.h), for the user to check:
// one table, several tables of one format (read.files), or one file of lines
// per class.
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "data/task_init.h"

enum { MAX_FROM = 256 };

static void print_summary(const sc_init_guess *g, const char *path) {
    static const char *const fmts[] = {"lines", "csv", "tsv", "jsonl"};
    printf("wrote %s\n", path);
    printf("  format %s", g->format <= SC_FMT_JSONL ? fmts[g->format] : "?");
    if (g->format == SC_FMT_CSV || g->format == SC_FMT_TSV)
        printf(", %s, %zu columns%s%s", g->skip_lines ? "header skipped" : g->header ? "header" : "no header",
               g->ncols, !g->quote ? ", quote: none" : "", g->multiline ? ", multiline" : "");
    printf(", encoding %s%s\n", g->encoding == SC_ENC_LATIN1 ? "latin-1" : "utf-8",
           g->crlf ? ", CRLF line ends" : "");
    for (size_t i = 0; g->source_col && i < g->n_files; i++)
        printf("  %s: %ld examples, %s %s%s%s\n", g->file_names[i], g->file_examples[i], g->source_col,
               g->file_source[i], g->file_enc[i] == SC_INIT_NOT_UTF8 ? ", not UTF-8" : "",
               g->file_crlf[i] ? ", CRLF" : "");
    if (g->format != SC_FMT_LINES) {
        int named = g->cols && !g->skip_lines;
        printf("  text %s ", g->format == SC_FMT_JSONL ? "field" : "column");
        if (named) printf("'%s'", g->cols[g->text]); else printf("%d", g->text);
        printf(", label %s ", g->format == SC_FMT_JSONL ? "field" : "column");
        if (named) printf("'%s'\n", g->cols[g->label]); else printf("%d\n", g->label);
    }
    printf("  %ld examples", g->examples);
    if (g->dropped) printf(" (+ %ld with an empty label, dropped)", g->dropped);
    printf(", %zu classes:", g->n_classes);
    for (size_t c = 0; c < g->n_classes && c < 10; c++) printf(" %s %zu%s", g->classes[c], g->counts[c],
                                                               c + 1 < g->n_classes ? "," : "");
    printf("%s\n", g->n_classes > 10 ? " ..." : "");
    printf("  max_tokens %ld (tokens per text: median %ld, p95 %ld, max %ld)\n", g->max_tokens, g->tok_median,
           g->tok_p95, g->tok_max);
}

// The argument that finds the new task from here: its name, or its folder's path.
static void print_next(const char *path) {
    char dir[4300], ref[4400];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    sc_task *t;
    sc_err err;
    if (sc_task_load(dir, sc_task_root(), &t, &err)) {  // written just now: only a race can fail here
        fprintf(stderr, "scaffold init-task: %s\n", err.msg);
        return;
    }
    sc_task_ref(t, ref, sizeof ref);
    sc_task_free(t);
    printf("next: check the comments in the file (every setting was detected), then\n"
           "  scaffold tasks fetch %s\n  scaffold tasks check %s\n", ref, ref);
}

int sc_cmd_init_task(int argc, char **argv) {
    const sc_command *me = sc_cli_find("init-task");
    const char *name = NULL, *out = NULL, *from[MAX_FROM];
    size_t n = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--from") || !strcmp(argv[i], "--out")) {
            if (i + 1 >= argc) return sc_cli_usage_error(me, "%s needs a value", argv[i]);
            if (argv[i][2] == 'o') out = argv[++i];
            else if (n == MAX_FROM) return sc_cli_usage_error(me, "at most %d --from files", MAX_FROM);
            else from[n++] = argv[++i];
        } else if (argv[i][0] == '-') {
            return sc_cli_usage_error(me, "unknown option '%s'", argv[i]);
        } else if (name) {
            return sc_cli_usage_error(me, "one task NAME (found '%s' and '%s')", name, argv[i]);
        } else {
            name = argv[i];
        }
    }
    if (!name) return sc_cli_usage_error(me, "missing the task NAME");
    if (!n) return sc_cli_usage_error(me, "missing --from FILE (the data file to detect the task from)");
    struct stat st;
    if (!out) out = !stat("tasks", &st) && S_ISDIR(st.st_mode) ? "tasks" : ".";
    sc_init_guess g;
    sc_err err;
    char path[4300];
    int rc = sc_init_task(name, from, n, out, path, sizeof path, &g, &err);
    if (rc) fprintf(stderr, "scaffold init-task: %s\n", err.msg);
    else print_summary(&g, path);
    sc_init_guess_free(&g);
    if (rc) return SC_EXIT_FAIL;
    print_next(path);
    return SC_EXIT_OK;
}
