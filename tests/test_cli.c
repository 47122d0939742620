// The command-line contract: --help lists real subcommands, --version prints the
// version, unknown commands and flags are usage errors (exit 2), selfcheck passes.
#include "sc_test.h"

#include <string.h>

#include "cli/cli.h"
#include "core/version.h"

static char out[1 << 14], err[1 << 14];

static int run(int argc, char **argv) {
    return sc_test_capture(sc_cli_main, argc, argv, out, sizeof out, err, sizeof err);
}

static void test_version(void **state) {
    (void)state;
    char *argv[] = {"scaffold", "--version", NULL};
    assert_int_equal(run(2, argv), 0);
    assert_non_null(strstr(out, SC_VERSION));
}

static void test_help_lists_commands(void **state) {
    (void)state;
    char *argv[] = {"scaffold", "--help", NULL};
    assert_int_equal(run(2, argv), 0);
    assert_non_null(strstr(out, "selfcheck"));
    // Every command listed must be runnable (its own --help works).
    char *argv2[] = {"scaffold", "selfcheck", "--help", NULL};
    assert_int_equal(run(3, argv2), 0);
    assert_non_null(strstr(out, "usage: scaffold selfcheck"));
}

static void test_unknown_command_is_usage_error(void **state) {
    (void)state;
    char *argv[] = {"scaffold", "frobnicate", NULL};
    assert_int_equal(run(2, argv), SC_EXIT_USAGE);
    assert_non_null(strstr(err, "unknown command 'frobnicate'"));
    assert_non_null(strstr(err, "usage:"));
}

static void test_bad_flag_is_usage_error(void **state) {
    (void)state;
    char *argv[] = {"scaffold", "--frob", NULL};
    assert_int_equal(run(2, argv), SC_EXIT_USAGE);
    assert_non_null(strstr(err, "unknown option '--frob'"));
    char *argv2[] = {"scaffold", "selfcheck", "--frob", NULL};
    assert_int_equal(run(3, argv2), SC_EXIT_USAGE);
    assert_non_null(strstr(err, "'--frob'"));
    char *argv3[] = {"scaffold", NULL};
    assert_int_equal(run(1, argv3), SC_EXIT_USAGE);
}

static void test_selfcheck_command(void **state) {
    (void)state;
    char *argv[] = {"scaffold", "selfcheck", NULL};
    assert_int_equal(run(2, argv), 0);
    assert_non_null(strstr(out, "BLIS"));
    assert_non_null(strstr(out, "all dependencies work"));
    assert_null(strstr(out, "FAIL"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_help_lists_commands),
        cmocka_unit_test(test_unknown_command_is_usage_error),
        cmocka_unit_test(test_bad_flag_is_usage_error),
        cmocka_unit_test(test_selfcheck_command),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, sc_test_teardown);
}
