// libFuzzer harness for the 'manifest' target: see sc_fuzz_manifest in targets*.c, which
// tests/test_fuzz_regress.c also replays on tests/fuzz/{corpus,regress}/manifest/.
// Run: scripts/fuzz.sh manifest SECONDS
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return sc_fuzz_manifest(data, size); }
