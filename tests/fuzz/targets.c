// The fuzz target table and the helpers every target uses (targets.h).
#include "targets.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/task.h"

const sc_fuzz_target sc_fuzz_targets[] = {
    {"task_yaml", sc_fuzz_task_yaml, "task.yaml text -> sc_task_parse (+ source folder, cache folder)"},
    {"manifest", sc_fuzz_manifest, "experiment manifest YAML -> sc_manifest_parse (expanded runs)"},
    {"checkpoint", sc_fuzz_checkpoint, "checkpoint bytes -> sc_checkpoint_load_buf (model rebuilt, forward pass)"},
    {"results", sc_fuzz_results, "metrics.msgpack -> sc_result_load_buf, compare cell + table, report run"},
    {"read_lines", sc_fuzz_read_lines, "lines reader (utf-8, latin-1) -> splits, vocabulary, encoding"},
    {"read_table", sc_fuzz_read_table, "csv / tsv reader (text, tabular, rationales, partitions)"},
    {"read_jsonl", sc_fuzz_read_jsonl, "jsonl reader (text, rationales, partitions, tabular regression)"},
    {"read_image", sc_fuzz_read_image, "IDX images+labels and PNG decoding"},
    {"archive", sc_fuzz_archive, "gzip / bzip2 / tar members / wheel (zip) members"},
    {"tokenizer", sc_fuzz_tokenizer, "tokenizer, Latin-1 decoding, vocabulary build, encode, pack/unpack"},
    {"set", sc_fuzz_set, "config YAML + --set k=v lines -> run config, trainer options, model build"},
    {"corpus_yaml", sc_fuzz_corpus_yaml, "corpus YAML -> sc_corpus_spec_parse (+ each source's cache folder)"},
    {"corpus_dict", sc_fuzz_corpus_dict, "GCIDE index + dictionary and WordNet data lines -> corpus texts"},
    {"init_task", sc_fuzz_init_task, "init-task detection -> task.yaml that parses, read back with the same counts"},
    {NULL, NULL, NULL},
};

_Noreturn void sc_fuzz_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "\nfuzz invariant broken (%s:%d): ", file, line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

char *sc_fuzz_copy(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    SC_FUZZ_ASSERT(s, "out of memory copying a %zu-byte input", size);
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

static int input_says_oom;

void sc_fuzz_begin(const uint8_t *data, size_t size) {
    static const char w[] = "out of memory";
    input_says_oom = 0;
    for (size_t i = 0; i + sizeof w - 1 <= size && !input_says_oom; i++)
        input_says_oom = !memcmp(data + i, w, sizeof w - 1);
}

int sc_fuzz_is_oom(const char *msg) { return !input_says_oom && strstr(msg, "out of memory"); }

void sc_fuzz_check(int rc, const sc_err *err, const char *what) {
    static int verbose = -1;  // SC_FUZZ_VERBOSE=1: say why each input was refused (to check seeds)
    if (verbose < 0) verbose = getenv("SC_FUZZ_VERBOSE") != NULL;
    SC_FUZZ_ASSERT(rc == 0 || rc == -1, "%s returned %d (expected 0 or -1)", what, rc);
    if (verbose) fprintf(stderr, "%s: %s%s\n", what, rc ? "refused: " : "ok", rc ? err->msg : "");
    if (rc == 0) return;
    SC_FUZZ_ASSERT(err->msg[0], "%s failed without an error message", what);
    // Fuzz inputs are at most a few hundred KB: running out of memory on one is a
    // loader trusting a size or growing without bound, not a real shortage.
    SC_FUZZ_ASSERT(!sc_fuzz_is_oom(err->msg), "%s ran out of memory on a small input: %s", what, err->msg);
}

void sc_fuzz_must(int rc, const sc_err *err, const char *what) {
    SC_FUZZ_ASSERT(rc == 0, "%s failed: %s", what, err->msg);
}

const sc_task *sc_fuzz_task(const char *yaml) {
    static struct {
        const char *yaml;
        sc_task *t;
    } cache[32];
    for (int i = 0; i < 32 && cache[i].yaml; i++)
        if (cache[i].yaml == yaml) return cache[i].t;
    int slot = 0;
    while (slot < 32 && cache[slot].yaml) slot++;
    SC_FUZZ_ASSERT(slot < 32, "more than 32 fixed tasks");
    sc_err err;
    sc_task *t;
    // dir "" skips the name-vs-folder check; no file is ever read.
    if (sc_task_parse("", "fuzz/task.yaml", yaml, strlen(yaml), ".", &t, &err))
        sc_fuzz_fail(__FILE__, __LINE__, "a fixed task does not parse: %s", err.msg);
    cache[slot].yaml = yaml;
    cache[slot].t = t;
    return t;
}
