// libFuzzer harness for the 'set' target: see sc_fuzz_set in targets*.c, which
// tests/test_fuzz_regress.c also replays on tests/fuzz/{corpus,regress}/set/.
// Run: scripts/fuzz.sh set SECONDS
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return sc_fuzz_set(data, size); }
