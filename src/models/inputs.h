// inputs.h — a data batch (raw arrays, data/batch.h) as model input tensors.
#ifndef SC_MODELS_INPUTS_H
#define SC_MODELS_INPUTS_H

#include "data/batch.h"
#include "models/model.h"

// Copies the batch's arrays for `modality` into step-arena tensors of `dtype`
// (ids stay i32). Returns 0, or -1 with ctx->err set.
int sc_inputs_from_batch(sc_ctx *ctx, const sc_batch *b, sc_modality modality, sc_dtype dtype, sc_inputs *in);

#endif
