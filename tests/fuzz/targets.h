// targets.h — the fuzz targets' entry functions (tests/fuzz/README.md).
//
// Each sc_fuzz_<target> feeds one input (a file's bytes) to the library's
// buffer entry point for that file kind, exactly as the file loader does after
// reading the file, then frees everything. Bad input must give an error, never a
// crash; a broken invariant (an error without a message, "out of memory" on an
// input of a few KB, a result that contradicts the input) is reported on stderr
// and abort()s, so libFuzzer saves the input and the replay test fails on it.
//
// The same functions run under libFuzzer (tests/fuzz/fuzz_<target>.c) and in the
// normal test suite (tests/test_fuzz_regress.c replays every saved input).
#ifndef SC_FUZZ_TARGETS_H
#define SC_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

// An entry function: feeds one input (any bytes) to the library; returns 0 (as libFuzzer wants).
typedef int sc_fuzz_entry(const uint8_t *data, size_t size);
typedef sc_fuzz_entry *sc_fuzz_fn;

typedef struct sc_fuzz_target {
    const char *name;  // tests/fuzz/{corpus,regress}/<name>/, fuzz_<name>.c
    sc_fuzz_fn fn;
    const char *what;  // one line for `scripts/fuzz.sh --list`
} sc_fuzz_target;

// NULL-name terminated.
extern const sc_fuzz_target sc_fuzz_targets[];

sc_fuzz_entry sc_fuzz_task_yaml, sc_fuzz_manifest, sc_fuzz_checkpoint, sc_fuzz_results, sc_fuzz_read_lines,
    sc_fuzz_read_table, sc_fuzz_read_jsonl, sc_fuzz_read_image, sc_fuzz_archive, sc_fuzz_tokenizer, sc_fuzz_set,
    sc_fuzz_corpus_yaml, sc_fuzz_corpus_dict, sc_fuzz_init_task;

// ---- helpers shared by the targets (targets.c) ----

// Every entry function calls this first with its input.
void sc_fuzz_begin(const uint8_t *data, size_t size);
// 1 if msg reports running out of memory. Inputs that themselves contain the
// words are exempt: the message may be quoting them (libFuzzer learns the words
// from this very comparison and plants them).
int sc_fuzz_is_oom(const char *msg);

// The input as a malloc'd string with a NUL after its last byte (what
// sc_read_file hands the loaders). Never NULL (aborts when out of memory).
char *sc_fuzz_copy(const uint8_t *data, size_t size);
// Checks a loader's result: rc == 0, or rc == -1 with a message that is not
// "out of memory" (inputs are small). Aborts with `what` and the message otherwise.
void sc_fuzz_check(int rc, const sc_err *err, const char *what);
// Aborts unless rc == 0: for steps that cannot fail on what the input produced.
void sc_fuzz_must(int rc, const sc_err *err, const char *what);
// Aborts with the message when cond is false (an invariant of a loaded result).
#define SC_FUZZ_ASSERT(cond, ...) \
    do { \
        if (!(cond)) sc_fuzz_fail(__FILE__, __LINE__, __VA_ARGS__); \
    } while (0)
_Noreturn void sc_fuzz_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

// A task parsed once from YAML text and kept for the process (targets build
// their reader tasks with it). Aborts if the text does not parse.
struct sc_task;
const struct sc_task *sc_fuzz_task(const char *yaml);

#endif
