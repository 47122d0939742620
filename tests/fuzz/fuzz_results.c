// libFuzzer harness for the 'results' target: see sc_fuzz_results in targets*.c, which
// tests/test_fuzz_regress.c also replays on tests/fuzz/{corpus,regress}/results/.
// Run: scripts/fuzz.sh results SECONDS
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return sc_fuzz_results(data, size); }
