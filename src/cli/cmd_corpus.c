// `scaffold corpus list | check NAME|FILE`: pretraining corpora (data/corpus.h).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "data/corpus.h"
#include "data/rawfile.h"
#include "data/task.h"

static const sc_command *self(void) { return sc_cli_find("corpus"); }

static int cmd_list(void) {
    char **names;
    size_t n;
    sc_err err;
    if (sc_corpus_names(&names, &n, &err)) {
        fprintf(stderr, "scaffold corpus list: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    printf("%-22s %s\n", "corpus", "file (fetched and filtered by `scaffold corpus check NAME`)");
    int rc = SC_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        char path[4096], *text;
        size_t len;
        snprintf(path, sizeof path, "%s/tasks/corpora/%s.yaml", sc_task_root(), names[i]);
        // Validated without fetching anything: listing stays instant and offline.
        text = NULL;
        if (sc_read_file_as(path, "raw", &text, &len, &err) || sc_corpus_validate(path, text, len, &err)) {
            printf("%-22s (invalid: %s)\n", names[i], err.msg);
            rc = SC_EXIT_FAIL;
        } else {
            printf("%-22s %s\n", names[i], path);
        }
        free(text);
    }
    sc_corpus_names_free(names, n);
    return rc;
}

// show: print that many texts, evenly spaced over the corpus (a look at what the filters kept).
static int cmd_check(const char *name, long show) {
    sc_err err;
    sc_corpus c;
    double t0 = sc_now();
    if (sc_corpus_open_log(name, stderr, &c, &err)) {
        fprintf(stderr, "scaffold corpus check: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    double secs = sc_now() - t0;
    printf("corpus %s%s%s\n  %s: valid, every file verified (sha256)\n", c.name, c.description[0] ? " — " : "",
           c.description, c.path);
    int w = 6;
    for (size_t i = 0; i < c.n_sources; i++) w = (int)strlen(c.sources[i].name) > w ? (int)strlen(c.sources[i].name) : w;
    printf("  %-*s %9s %9s\n", w, "source", "read", "kept");
    size_t read = 0;
    for (size_t i = 0; i < c.n_sources; i++) {
        printf("  %-*s %9zu %9zu\n", w, c.sources[i].name, c.sources[i].read, c.sources[i].kept);
        read += c.sources[i].read;
    }
    printf("  texts read: %zu; dropped: %zu too short, %zu equal to a held-out test text (of %zu), %zu duplicates, "
           "%zu over max_texts\n", read, c.dropped_short, c.dropped_test, c.n_test_keys, c.dropped_dup, c.dropped_cap);
    printf("  kept: %zu texts, %zu tokens, %.1f MB of UTF-8 (loaded in %.1f s)\n", c.n, c.n_tokens,
           (double)(c.blob_len - c.n) / 1e6, secs);
    printf("  digest: %s\n", c.digest);
    for (long j = 0; j < show && (size_t)j < c.n; j++) {
        size_t i = (size_t)j * c.n / (size_t)show;
        printf("  [%zu] %s\n", i, sc_corpus_text(&c, i));
    }
    sc_corpus_free(&c);
    return SC_EXIT_OK;
}

int sc_cmd_corpus(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "list") && argc == 2) return cmd_list();
    if (argc >= 2 && !strcmp(argv[1], "check")) {
        long show = 0;
        if (argc == 5 && !strcmp(argv[3], "--show") && sc_cli_parse_long(argv[4], 0, 1000000, &show))
            return sc_cli_usage_error(self(), "--show takes a number of texts, found '%s'", argv[4]);
        if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "--show")))
            return sc_cli_usage_error(self(), "check takes one corpus name or file (and --show N)");
        return cmd_check(argv[2], show);
    }
    if (argc < 2) return sc_cli_usage_error(self(), "missing subcommand (list | check)");
    return sc_cli_usage_error(self(), "unknown subcommand '%s' (list | check)", argv[1]);
}
