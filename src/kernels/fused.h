// fused.h — counts of backward passes that took a fused kernel.
//
// Rules of softmax, log_softmax, layernorm and cross_entropy use a fused kernel
// when no graph is requested (ctx->create_graph == 0) and op-based formulas
// otherwise. These counters let tests prove which path actually ran.
#ifndef SC_KERNELS_FUSED_H
#define SC_KERNELS_FUSED_H

#include <stdint.h>

typedef enum { SC_FUSED_SOFTMAX, SC_FUSED_LAYERNORM, SC_FUSED_XENT, SC_FUSED_N } sc_fused_kind;

void sc_fused_note(sc_fused_kind k);
uint64_t sc_fused_count(sc_fused_kind k);

#endif
