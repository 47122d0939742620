// libFuzzer harness for the 'read_lines' target: see sc_fuzz_read_lines in targets*.c, which
// tests/test_fuzz_regress.c also replays on tests/fuzz/{corpus,regress}/read_lines/.
// Run: scripts/fuzz.sh read_lines SECONDS
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return sc_fuzz_read_lines(data, size); }
