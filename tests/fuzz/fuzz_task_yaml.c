// libFuzzer harness for the 'task_yaml' target: see sc_fuzz_task_yaml in targets*.c, which
// tests/test_fuzz_regress.c also replays on tests/fuzz/{corpus,regress}/task_yaml/.
// Run: scripts/fuzz.sh task_yaml SECONDS
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return sc_fuzz_task_yaml(data, size); }
