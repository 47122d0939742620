// vocab.h — token strings <-> ids, built from the teacher-train split.
//
// Ids 0, 1, 2 are [PAD], [UNK], [CLS]; then tokens by decreasing frequency (ties
// in byte order, so a vocabulary is a pure function of its training text), kept
// if they occur at least min_freq times, up to max_size ids in all.
// Saved in checkpoints as a msgpack map {format: "scaffold-vocab", version: 1,
// tokens: [str...]} (ids are positions).
#ifndef SC_TEXT_VOCAB_H
#define SC_TEXT_VOCAB_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "text/tokenizer.h"

enum { SC_TOK_PAD = 0, SC_TOK_UNK = 1, SC_TOK_CLS = 2, SC_TOK_NSPECIAL = 3 };

// A string -> count/id hash table (open addressing), strings in one blob.
typedef struct sc_vocab {
    char *blob;
    size_t blob_len, blob_cap;
    size_t *str;        // (n,) offset of token id i in blob
    uint64_t *count;    // (n,) occurrences (builder); 0 for a restored vocabulary
    size_t n, cap;
    uint32_t *slots;    // hash slots: id + 1, 0 = empty
    size_t n_slots;
} sc_vocab;

// An empty vocabulary holding only the specials.
int sc_vocab_init(sc_vocab *v, sc_err *err);
void sc_vocab_free(sc_vocab *v);
// Adds one occurrence of a token (creating it if new).
int sc_vocab_count(sc_vocab *v, const char *tok, sc_err *err);
// Keeps specials + tokens with count >= min_freq, most frequent first, at most
// max_size ids in all; out is a new vocabulary (v is unchanged).
int sc_vocab_finish(const sc_vocab *v, size_t min_freq, size_t max_size, sc_vocab *out, sc_err *err);
// A deep copy (same ids, same counts).
int sc_vocab_copy(const sc_vocab *src, sc_vocab *dst, sc_err *err);
// Id of a token (SC_TOK_UNK if absent).
int32_t sc_vocab_id(const sc_vocab *v, const char *tok);
static inline const char *sc_vocab_str(const sc_vocab *v, size_t id) { return v->blob + v->str[id]; }

// One text to a fixed-length row: ids = [CLS], token ids (truncated so that at
// most max_len ids fit), then [PAD]; mask 1 for real ids, 0 for padding; *len =
// the number of real ids. scratch is reused between calls. (Batches of a dataset
// use the pre-encoded ids of data/encode.h and pad to the batch's longest row.)
int sc_vocab_encode(const sc_vocab *v, const char *text, size_t n, size_t max_len, int32_t *ids, float *mask,
                    size_t *len, sc_tokens *scratch, sc_err *err);

int sc_vocab_pack(const sc_vocab *v, msgpack_packer *pk);
int sc_vocab_unpack(const msgpack_object *o, sc_vocab *v, sc_err *err);

#endif
