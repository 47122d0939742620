// st_random.c — the baseline: b unlabelled examples uniformly at random, from a
// generator seeded by (seed, round) so a run is reproducible.
#include <stdlib.h>
#include <string.h>

#include "active/strategy.h"
#include "core/rng.h"

static int select_random(const sc_al_env *e, const uint32_t *cand, size_t n, size_t b, uint32_t *out, sc_err *err) {
    uint32_t *a = malloc(sizeof(uint32_t) * (n + 1));
    if (!a) return sc_errf(err, "out of memory");
    memcpy(a, cand, sizeof(uint32_t) * n);
    sc_rng r;
    sc_rng_seed(&r, e->seed ^ 0x52414E44ull ^ ((uint64_t)e->round << 32));
    for (size_t i = 0; i < b && i < n; i++) {  // partial Fisher–Yates: a[0..b) is the sample
        size_t j = i + (size_t)sc_rng_below(&r, (uint64_t)(n - i));
        uint32_t t = a[i];
        a[i] = a[j], a[j] = t;
        out[i] = a[i];
    }
    free(a);
    return 0;
}

const sc_al_strategy_def sc_al_strategy_random = {
    .name = "random",
    .summary = "uniformly random unlabelled examples (seeded by seed and round)",
    .cite = "the passive baseline",
    .select = select_random,
};
