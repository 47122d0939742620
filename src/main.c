// The `scaffold` executable: everything lives in the library; see src/cli/cli.c.
#include "cli/cli.h"

int main(int argc, char **argv) { return sc_cli_main(argc, argv); }
