// arena.h — bump allocators: the only way scaffold allocates in a training loop.
//
// An arena reserves one large virtual range up front (pages are committed by the
// OS only when touched, so a generous reservation costs nothing) and hands out
// aligned pieces by bumping an offset. Nothing is freed piece by piece: a
// per-step arena is rewound to a mark when the step ends, a persistent arena
// (parameters, optimizer state: one slab with named views) lives as long as the
// model. `peak` records the high-water mark for the memory benchmarks.
#ifndef SC_CORE_ARENA_H
#define SC_CORE_ARENA_H

#include <stddef.h>

#include "core/err.h"

#define SC_ARENA_ALIGN 64  // cache line; also what AVX-512 loads like

typedef struct sc_arena {
    char *base;
    size_t cap;   // bytes reserved
    size_t used;  // bytes handed out (including alignment padding)
    size_t peak;  // max of used over the arena's life
    const char *name;
} sc_arena;

int sc_arena_init(sc_arena *a, size_t cap, const char *name, sc_err *err);
void sc_arena_free(sc_arena *a);

// Returns `bytes` bytes aligned to `align` (a power of two), or NULL if the arena
// is exhausted (the caller reports which op and shape asked).
void *sc_arena_alloc(sc_arena *a, size_t bytes, size_t align);

static inline size_t sc_arena_mark(const sc_arena *a) { return a->used; }
// Rewinds to a mark taken earlier; everything allocated since is gone.
void sc_arena_reset(sc_arena *a, size_t mark);
// Returns the pages past the current offset to the OS (they read as zeros and
// count as resident again only when touched): what a step after this needs
// then shows in the process's RSS, as the memory benchmark wants.
void sc_arena_release(sc_arena *a);

#endif
