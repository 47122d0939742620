// libFuzzer harness for the 'archive' target: see sc_fuzz_archive in targets*.c, which
// tests/test_fuzz_regress.c also replays on tests/fuzz/{corpus,regress}/archive/.
// Run: scripts/fuzz.sh archive SECONDS
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return sc_fuzz_archive(data, size); }
