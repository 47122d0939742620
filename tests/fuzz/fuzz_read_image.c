// libFuzzer harness for the 'read_image' target: see sc_fuzz_read_image in targets*.c, which
// tests/test_fuzz_regress.c also replays on tests/fuzz/{corpus,regress}/read_image/.
// Run: scripts/fuzz.sh read_image SECONDS
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return sc_fuzz_read_image(data, size); }
