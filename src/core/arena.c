#include "core/arena.h"

#include <stdint.h>
#include <sys/mman.h>

int sc_arena_init(sc_arena *a, size_t cap, const char *name, sc_err *err) {
    a->name = name;
    a->used = a->peak = 0;
    a->cap = cap;
    // MAP_NORESERVE: reserve address space only; physical pages arrive on first touch.
    void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        a->base = NULL;
        a->cap = 0;
        return sc_errf(err, "arena '%s': cannot reserve %zu MiB of address space", name, cap >> 20);
    }
    a->base = p;
    return 0;
}

void sc_arena_free(sc_arena *a) {
    if (a->base) munmap(a->base, a->cap);
    a->base = NULL;
    a->cap = a->used = 0;
}

void *sc_arena_alloc(sc_arena *a, size_t bytes, size_t align) {
    uintptr_t start = ((uintptr_t)a->base + a->used + (align - 1)) & ~(uintptr_t)(align - 1);
    size_t end = (size_t)(start - (uintptr_t)a->base) + bytes;
    if (end > a->cap) return NULL;
    a->used = end;
    if (end > a->peak) a->peak = end;
    return (void *)start;
}

void sc_arena_reset(sc_arena *a, size_t mark) {
    if (mark <= a->used) a->used = mark;
}
