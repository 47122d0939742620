// libFuzzer harness for the 'corpus_yaml' target: see sc_fuzz_corpus_yaml in targets*.c, which
// tests/test_fuzz_regress.c also replays on tests/fuzz/{corpus,regress}/corpus_yaml/.
// Run: scripts/fuzz.sh corpus_yaml SECONDS
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return sc_fuzz_corpus_yaml(data, size); }
