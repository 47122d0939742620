// Split assignment: per source partition, a seeded shuffle cut by fractions.
#include <math.h>
#include <stdlib.h>

#include "data/dataset.h"
#include "data/shuffle.h"

// Exact sizes from fractions (largest-remainder method): floor(f_s * n) each,
// then the leftover examples go one by one to the splits with the largest
// fractional parts (earlier split on ties). Sizes always sum to n.
static void split_sizes(const double *frac, size_t n, size_t *size) {
    double rem[SC_NSPLITS];
    size_t used = 0;
    for (int s = 0; s < SC_NSPLITS; s++) {
        double x = frac[s] * (double)n;
        size[s] = (size_t)floor(x + 1e-9);
        rem[s] = frac[s] > 0 ? x - (double)size[s] : -1;
        used += size[s];
    }
    while (used < n) {
        int best = 0;
        for (int s = 1; s < SC_NSPLITS; s++)
            if (rem[s] > rem[best]) best = s;
        size[best]++;
        rem[best] = -1;
        used++;
    }
    while (used > n) {  // only possible through rounding slack; take from the largest
        int big = 0;
        for (int s = 1; s < SC_NSPLITS; s++)
            if (size[s] > size[big]) big = s;
        size[big]--;
        used--;
    }
}

int sc_dataset_assign_splits(sc_dataset *d, sc_err *err) {
    const sc_task *t = d->task;
    uint32_t *idx = malloc((d->n ? d->n : 1) * sizeof *idx);
    if (!idx) return sc_errf(err, "out of memory");
    for (int s = 0; s < SC_NSPLITS; s++) d->counts[s] = 0;
    for (size_t r = 0; r < t->n_rules; r++) {
        size_t m = 0;
        for (size_t i = 0; i < d->n; i++)
            if (d->partition[i] == r) idx[m++] = (uint32_t)i;
        // Each partition gets its own stream, so adding a partition never moves
        // the examples of another.
        sc_shuffle_u32(idx, m, t->split_seed * 0x100000001b3ULL + r);
        size_t size[SC_NSPLITS];
        split_sizes(t->rules[r].frac, m, size);
        size_t k = 0;
        for (int s = 0; s < SC_NSPLITS; s++)
            for (size_t j = 0; j < size[s]; j++) d->split[idx[k++]] = (uint8_t)s;
    }
    free(idx);
    for (size_t i = 0; i < d->n; i++) d->counts[d->split[i]]++;
    for (int s = 0; s < SC_NSPLITS; s++) {
        double want = 0;
        for (size_t r = 0; r < t->n_rules; r++) want += t->rules[r].frac[s];
        if (want > 0 && d->counts[s] == 0)
            return sc_errf(err, "%s: split '%s' is empty (%zu examples in all; check splits.partitions)",
                           t->yaml_path, sc_split_name(s), d->n);
    }
    return 0;
}
