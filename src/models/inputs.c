#include "models/inputs.h"

#include <string.h>

static sc_tensor *from_floats(sc_ctx *ctx, sc_dtype dt, int nd, const int64_t *shape, const float *src) {
    sc_tensor *t = sc_empty(ctx, dt, nd, shape);
    if (!t) return NULL;
    if (dt == SC_F32) {
        memcpy(t->data, src, sizeof(float) * (size_t)t->numel);
    } else {
        double *d = t->data;
        for (int64_t i = 0; i < t->numel; i++) d[i] = src[i];
    }
    return t;
}

int sc_inputs_from_batch(sc_ctx *ctx, const sc_batch *b, sc_modality modality, sc_dtype dtype, sc_inputs *in) {
    memset(in, 0, sizeof *in);
    in->B = (int64_t)b->B;
    int64_t B = (int64_t)b->B;
    switch (modality) {
    case SC_TEXT: {
        int64_t s[2] = {B, (int64_t)b->T};
        in->ids = sc_empty(ctx, SC_I32, 2, s);
        if (in->ids) memcpy(in->ids->data, b->ids, sizeof(int32_t) * (size_t)(B * (int64_t)b->T));
        in->mask = from_floats(ctx, dtype, 2, s, b->mask);
        break;
    }
    case SC_IMAGE: {
        int64_t s[4] = {B, (int64_t)b->C, (int64_t)b->H, (int64_t)b->W};
        in->images = from_floats(ctx, dtype, 4, s, b->images);
        break;
    }
    case SC_TABULAR: {
        int64_t s[2] = {B, (int64_t)b->F};
        in->features = from_floats(ctx, dtype, 2, s, b->features);
        break;
    }
    }
    return ctx->failed ? -1 : 0;
}
