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
// Releases the slab (a no-op on a zeroed or freed one). The tape BORROWS
// parameter memory: every context whose tape still reads this slab must be
// reset, rewound past those nodes, or freed first. That contract is checked:
// the autograd layer installs a hook (sc_params_set_release_check) that walks
// the live contexts' tapes and aborts, naming the contract, if one does.
void sc_params_free(sc_params *p);
// The check sc_params_free runs on [lo, hi) before releasing it (NULL: none).
typedef void (*sc_slab_release_check)(const void *lo, const void *hi);
void sc_params_set_release_check(sc_slab_release_check fn);
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
