#include "core/params.h"

#include <string.h>

int sc_params_init(sc_params *p, size_t cap_bytes, sc_err *err) {
    memset(p, 0, sizeof *p);
    return sc_arena_init(&p->arena, cap_bytes, "params", err);
}

static sc_slab_release_check release_check;

void sc_params_set_release_check(sc_slab_release_check fn) { release_check = fn; }

void sc_params_free(sc_params *p) {
    if (release_check && p->arena.base && p->arena.cap)
        release_check(p->arena.base, (const char *)p->arena.base + p->arena.cap);
    sc_arena_free(&p->arena);
}

sc_tensor *sc_params_add(sc_params *p, const char *name, sc_dtype dtype, int ndim, const int64_t *shape,
                         sc_err *err) {
    if (p->n >= SC_PARAMS_MAX) {
        sc_errf(err, "parameter '%s': more than %d parameter tensors", name, SC_PARAMS_MAX);
        return NULL;
    }
    if (strlen(name) >= SC_PARAM_NAME_MAX) {
        sc_errf(err, "parameter name '%s' is longer than %d characters", name, SC_PARAM_NAME_MAX - 1);
        return NULL;
    }
    if (sc_params_get(p, name)) {
        sc_errf(err, "parameter '%s' defined twice", name);
        return NULL;
    }
    if (dtype == SC_I32) {
        sc_errf(err, "parameter '%s': parameters must be f32 or f64", name);
        return NULL;
    }
    sc_tensor *t = sc_empty_in(&p->arena, dtype, ndim, shape);
    if (!t) {
        sc_errf(err, "parameter '%s': parameter slab full (%zu MiB)", name, p->arena.cap >> 20);
        return NULL;
    }
    memcpy(p->names[p->n], name, strlen(name) + 1);
    t->name = p->names[p->n];
    t->requires_grad = 1;
    p->t[p->n++] = t;
    return t;
}

sc_tensor *sc_params_get(const sc_params *p, const char *name) {
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->names[i], name)) return p->t[i];
    return NULL;
}

int64_t sc_params_numel(const sc_params *p) {
    int64_t n = 0;
    for (int i = 0; i < p->n; i++) n += p->t[i]->numel;
    return n;
}

void sc_init_normal(sc_tensor *t, sc_rng *rng, double std) {
    for (int64_t i = 0; i < t->numel; i++) sc_tensor_set(t, i, std * sc_rng_normal(rng));
}

void sc_init_uniform(sc_tensor *t, sc_rng *rng, double a) {
    for (int64_t i = 0; i < t->numel; i++) sc_tensor_set(t, i, a * (2.0 * sc_rng_uniform(rng) - 1.0));
}

void sc_init_const(sc_tensor *t, double v) {
    for (int64_t i = 0; i < t->numel; i++) sc_tensor_set(t, i, v);
}
