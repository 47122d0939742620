// fused.c — see fused.h. Atomic so that concurrent steps never race on a count.
#include "kernels/fused.h"

#include <stdatomic.h>

static _Atomic uint64_t counts[SC_FUSED_N];

void sc_fused_note(sc_fused_kind k) {
    if (k < SC_FUSED_N) atomic_fetch_add(&counts[k], 1);
}

uint64_t sc_fused_count(sc_fused_kind k) { return k < SC_FUSED_N ? atomic_load(&counts[k]) : 0; }
