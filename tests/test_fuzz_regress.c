// The fuzz targets' saved inputs, replayed in the normal suite (no libFuzzer):
// every file under tests/fuzz/regress/<target>/ (inputs that once crashed,
// leaked or broke an invariant) and tests/fuzz/corpus/<target>/ (the seeds) goes
// through the same entry function the libFuzzer harness calls (tests/fuzz/targets*.c).
//
// Each file runs in a child process, so one crashing input names itself and the
// others still run: a failure lists every failing file with how it failed. In
// the sanitized build (scripts/sanitize.sh) and under valgrind the child's exit
// also carries leak reports. SCAFFOLD_TEST_QUICK=1 (the memcheck pass) replays
// every regression input but only the first few seeds per target.
#include "sc_test.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "targets.h"

#define QUICK_SEEDS 3

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// The regular files in dir, sorted (none if dir is missing); free with free_list.
static char **list_files(const char *dir, size_t *n) {
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char **v = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[1024];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode)) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            v = realloc(v, cap * sizeof *v);
            assert_non_null(v);
        }
        v[(*n)++] = strdup(path);
    }
    closedir(d);
    if (*n) qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

static void free_list(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

// Runs t on the file in a child; 0 if it returned normally, else -1 with why.
static int replay(const sc_fuzz_target *t, const char *path, char *why, size_t cap) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        size_t n;
        char *buf = sc_test_slurp(path, &n);
        if (!buf) _exit(3);
        t->fn((const uint8_t *)buf, n);
        free(buf);
        sc_test_teardown(NULL);  // BLIS's pools, which a leak checker would otherwise report
        exit(0);  // not _exit: leak checkers (LeakSanitizer, valgrind) report at exit
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        snprintf(why, cap, "killed by signal %d (%s)%s", sig, strsignal(sig),
                 sig == SIGILL ? ": undefined behaviour trapped by the UB sanitizer; `bash scripts/sanitize.sh "
                                 "fuzz_regress` prints where"
                 : sig == SIGABRT ? ": a broken invariant or a sanitizer report, printed above"
                                  : "");
    } else {
        int code = WEXITSTATUS(status);
        snprintf(why, cap, "exit %d%s", code,
                 code == 3 ? " (cannot read the file)"
                 : code == 23 ? " (LeakSanitizer: the input leaks memory, see above)"
                 : code == 99 ? " (valgrind: memory errors or leaks, see above)"
                              : "");
    }
    return -1;
}

// Replays one target's regression inputs and seeds; fails listing every bad file.
static void replay_target(void **state) {
    const sc_fuzz_target *t = *state;
    static const char *const kinds[] = {"regress", "corpus"};
    char failures[8192] = "";
    size_t n_failed = 0, n_run = 0, n_seeds = 0;
    for (int k = 0; k < 2; k++) {
        char dir[512];
        snprintf(dir, sizeof dir, "tests/fuzz/%s/%s", kinds[k], t->name);
        size_t n;
        char **files = list_files(dir, &n);
        if (k == 1) n_seeds = n;
        size_t limit = k == 1 && sc_test_quick() && n > QUICK_SEEDS ? QUICK_SEEDS : n;
        for (size_t i = 0; i < limit; i++) {
            char why[256];
            n_run++;
            if (replay(t, files[i], why, sizeof why) == 0) continue;
            n_failed++;
            fprintf(stderr, "fuzz_regress: %s: %s\n", files[i], why);
            size_t used = strlen(failures);
            snprintf(failures + used, sizeof failures - used, "\n  %s: %s", files[i], why);
        }
        free_list(files, n);
    }
    if (!n_seeds) fail_msg("tests/fuzz/corpus/%s/ holds no seed inputs", t->name);
    if (n_failed) fail_msg("%s: %zu of %zu inputs failed:%s", t->name, n_failed, n_run, failures);
}

// Every folder under corpus/ and regress/ belongs to a target (a typo would
// silently never be replayed).
static void folders_name_targets(void **state) {
    (void)state;
    static const char *const kinds[] = {"tests/fuzz/regress", "tests/fuzz/corpus"};
    for (int k = 0; k < 2; k++) {
        DIR *d = opendir(kinds[k]);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            int known = 0;
            for (const sc_fuzz_target *t = sc_fuzz_targets; t->name; t++) known |= !strcmp(t->name, e->d_name);
            if (!known) {
                closedir(d);
                fail_msg("%s/%s is not the name of a fuzz target (tests/fuzz/targets.c)", kinds[k], e->d_name);
            }
        }
        closedir(d);
    }
}

int main(void) {
    struct CMUnitTest tests[64];
    size_t n = 0;
    tests[n++] = (struct CMUnitTest){.name = "folders_name_targets", .test_func = folders_name_targets};
    for (const sc_fuzz_target *t = sc_fuzz_targets; t->name && n < 64; t++)
        tests[n++] = (struct CMUnitTest){.name = t->name, .test_func = replay_target, .initial_state = (void *)t};
    return _cmocka_run_group_tests("fuzz_regress", tests, n, NULL, sc_test_teardown);
}
