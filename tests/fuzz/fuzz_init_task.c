// libFuzzer harness for the 'init_task' target: see sc_fuzz_init_task in targets*.c, which
// tests/test_fuzz_regress.c also replays on tests/fuzz/{corpus,regress}/init_task/.
// Run: scripts/fuzz.sh init_task SECONDS
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return sc_fuzz_init_task(data, size); }
