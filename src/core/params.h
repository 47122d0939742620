// params.h — a model's parameters: one slab with named views (llm.c style).
//
// Every parameter tensor is allocated back to back in one persistent arena, so
// the whole model is a single contiguous block (checkpoint = one write; the
// optimizer can sweep it as one vector) while code addresses tensors by name.
// Parameters are leaves with requires_grad set; the per-step arena never owns
// them, so they survive sc_ctx_reset.
#ifndef SC_CORE_PARAMS_H
#define SC_CORE_PARAMS_H

#include "core/arena.h"
#include "core/rng.h"
#include "core/tensor.h"

#define SC_PARAMS_MAX 256
#define SC_PARAM_NAME_MAX 64

typedef struct sc_params {
    sc_arena arena;                      // the slab
    int n;
    sc_tensor *t[SC_PARAMS_MAX];         // views into the slab, in creation order
    char names[SC_PARAMS_MAX][SC_PARAM_NAME_MAX];
} sc_params;

int sc_params_init(sc_params *p, size_t cap_bytes, sc_err *err);
void sc_params_free(sc_params *p);
// Adds a zero-initialized parameter (requires_grad = 1). Names must be unique.
sc_tensor *sc_params_add(sc_params *p, const char *name, sc_dtype dtype, int ndim, const int64_t *shape,
                         sc_err *err);
sc_tensor *sc_params_get(const sc_params *p, const char *name);
int64_t sc_params_numel(const sc_params *p);

// Initializers (in place): N(0, std^2), U(-a, a), constant.
void sc_init_normal(sc_tensor *t, sc_rng *rng, double std);
void sc_init_uniform(sc_tensor *t, sc_rng *rng, double a);
void sc_init_const(sc_tensor *t, double v);

#endif
