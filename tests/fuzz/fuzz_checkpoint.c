// libFuzzer harness for the 'checkpoint' target: see sc_fuzz_checkpoint in targets*.c, which
// tests/test_fuzz_regress.c also replays on tests/fuzz/{corpus,regress}/checkpoint/.
// Run: scripts/fuzz.sh checkpoint SECONDS
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return sc_fuzz_checkpoint(data, size); }
