// sc_test.h — shared helpers for the cmocka test executables.
//
// Every tests/test_*.c is its own executable (build.zig) linking cmocka, the
// scaffold library and tests/support/*.c. Include this after the cmocka prelude.
#ifndef SC_TEST_H
#define SC_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/err.h"

// Runs fn(argc, argv) with stdout and stderr redirected to buffers (each
// NUL-terminated, truncated to cap bytes). Returns fn's return value.
int sc_test_capture(int (*fn)(int, char **), int argc, char **argv,
                    char *out, size_t out_cap, char *err, size_t err_cap);

// Hermetic data: `scaffold tasks fetch NAME` (idempotent; the user's data cache,
// $SCAFFOLD_DATA or ~/.cache/scaffold/data). A test that needs a built-in task's
// data calls this first, so it passes on a new machine with an empty cache and in
// any order; a fetch that fails FAILS the test (never a silent skip): the data of
// every built-in task is reachable from a machine set up by scripts/bootstrap.sh.
void sc_test_need_task(const char *name);

// 1 if SCAFFOLD_TEST_QUICK is set (the memcheck pass sets it: slow cases shrink).
int sc_test_quick(void);

// Group teardown for cmocka_run_group_tests: releases library-global pools
// (BLIS) so leak checking sees only real leaks.
int sc_test_teardown(void **state);

// Deterministic values in [-1, 1) from (index, salt): a hash, no global RNG state.
double sc_test_val(int64_t i, int64_t salt);
// Fills every element of t with scale * sc_test_val(i, salt) (any dtype, any strides).
struct sc_tensor;
void sc_test_fill(struct sc_tensor *t, int64_t salt, double scale);

// The whole file, NUL-terminated, malloc'd (free it); NULL if it cannot be read.
char *sc_test_slurp(const char *path, size_t *n);
// Writes text to path (the test fails if it cannot).
void sc_test_write_file(const char *path, const char *text);
// Writes text to path, loads it as a manifest expecting failure, and returns
// every problem it lists, one per line (malloc'd); err holds their count.
char *sc_test_manifest_problems(const char *path, const char *text, sc_err *err);
// The whole file (free it), which must exist and contain every string of the
// NULL-terminated list `want` (fails the test otherwise, naming what is missing).
char *sc_test_file_with(const char *path, const char *const *want);
// A copy of the built-in synth-text task as parent/name/task.yaml, named `name`,
// with `size` generated examples (0: synth-text's own). Tests that only need
// the pipeline to run take a small one under valgrind.
void sc_test_synth_copy(const char *parent, const char *name, int size);
// Files a and b hold the same bytes (fails the test otherwise, or if one cannot be read).
void sc_test_expect_same_bytes(const char *a, const char *b);

// Group setup/teardown giving each test a 64 MiB engine context in *state
// (sc_ctx *ctx = *state); the teardown also runs sc_test_teardown.
int sc_test_ctx_setup(void **state);
int sc_test_ctx_teardown(void **state);
// The same per test (cmocka_unit_test_setup_teardown): the release only frees the ctx.
int sc_test_ctx_release(void **state);
// Runs a group in which every test gets its own context (sc_test_ctx_setup and
// sc_test_ctx_release around each), then sc_test_teardown.
int sc_test_run_ctx_group(const char *name, const struct CMUnitTest *tests, size_t n);
#define sc_test_run_with_ctx(name, tests) sc_test_run_ctx_group(name, tests, sizeof(tests) / sizeof((tests)[0]))

// Decodes a PNG file to RGB8 (malloc'd, free()) and gives its size; fails the test if unreadable.
uint8_t *sc_test_read_png(const char *path, uint32_t *w, uint32_t *h);

#endif
