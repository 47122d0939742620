// libFuzzer harness for the 'tokenizer' target: see sc_fuzz_tokenizer in targets*.c, which
// tests/test_fuzz_regress.c also replays on tests/fuzz/{corpus,regress}/tokenizer/.
// Run: scripts/fuzz.sh tokenizer SECONDS
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return sc_fuzz_tokenizer(data, size); }
