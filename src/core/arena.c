#include "core/arena.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

// Under valgrind, arena memory is made as strict as malloc'd memory: a fresh
// allocation reads as undefined, everything past `used` (and a red zone after
// each allocation) is inaccessible, and a reset makes rewound memory
// inaccessible again — so memcheck reports uninitialized reads and overruns
// inside the arena. The client requests cost a few instructions otherwise.
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define SC_HAVE_MEMCHECK 1
#endif
#endif
#ifndef SC_HAVE_MEMCHECK
#define VALGRIND_MAKE_MEM_NOACCESS(p, n) ((void)0)
#define VALGRIND_MAKE_MEM_UNDEFINED(p, n) ((void)0)
#define RUNNING_ON_VALGRIND 0
#endif

#define REDZONE 64

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
    VALGRIND_MAKE_MEM_NOACCESS(a->base, a->cap);
    return 0;
}

void sc_arena_free(sc_arena *a) {
    if (a->base) munmap(a->base, a->cap);
    a->base = NULL;
    a->cap = a->used = 0;
}

void *sc_arena_alloc(sc_arena *a, size_t bytes, size_t align) {
    size_t pad = RUNNING_ON_VALGRIND ? REDZONE : 0;
    uintptr_t start = ((uintptr_t)a->base + a->used + pad + (align - 1)) & ~(uintptr_t)(align - 1);
    size_t end = (size_t)(start - (uintptr_t)a->base) + bytes;
    if (end > a->cap) return NULL;
    a->used = end;
    if (end > a->peak) a->peak = end;
    VALGRIND_MAKE_MEM_UNDEFINED((void *)start, bytes);
    return (void *)start;
}

void sc_arena_reset(sc_arena *a, size_t mark) {
    if (mark > a->used) return;
    VALGRIND_MAKE_MEM_NOACCESS(a->base + mark, a->used - mark);
    a->used = mark;
}

void sc_arena_release(sc_arena *a) {
    if (!a->base) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t from = (a->used + page - 1) / page * page;
    if (from < a->cap) madvise(a->base + from, a->cap - from, MADV_DONTNEED);
}
