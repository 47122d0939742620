// encode.h — a text dataset as token ids, once, so batches are plain copies.
//
// Each example becomes [CLS] followed by its tokens, truncated to max_tokens ids
// in all. Ground-truth token rationales (if any) are aligned the same way, with 0
// at [CLS]; a rationale whose length differs from the token count is an error.
#ifndef SC_DATA_ENCODE_H
#define SC_DATA_ENCODE_H

#include "data/dataset.h"
#include "text/tokenizer.h"
#include "text/vocab.h"

typedef struct sc_encoded {
    int32_t *ids;      // all examples' ids, concatenated
    uint8_t *rat;      // aligned with ids (NULL if the dataset has no rationales)
    size_t *off;       // (n,) start of example i in ids
    uint32_t *len;     // (n,) number of ids (>= 1: [CLS])
    uint32_t *raw_len; // (n,) token count before truncation (statistics)
    size_t n, max_len;
} sc_encoded;

// Counts tokens over one split and finishes a vocabulary (task's min_freq, max_vocab).
int sc_vocab_from_split(const sc_dataset *d, int split, sc_vocab *out, sc_err *err);
int sc_encode_dataset(const sc_dataset *d, const sc_vocab *v, size_t max_tokens, sc_encoded *e, sc_err *err);
void sc_encoded_free(sc_encoded *e);

#endif
