// rank.c — a stable descending sort of unit indices by score (merge sort,
// bottom-up, no allocation: the caller gives the scratch).
#include "eval/rank.h"

#include <string.h>

int64_t sc_rank_desc(const float *scores, const float *mask, int64_t U, int64_t *idx, int64_t *tmp) {
    int64_t n = 0;
    for (int64_t u = 0; u < U; u++)
        if (!mask || mask[u] != 0.0f) idx[n++] = u;
    int64_t *a = idx, *b = tmp;
    for (int64_t w = 1; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t i = lo, j = mid, k = lo;
            // Take from the left run unless the right one is strictly larger: stable.
            while (i < mid && j < hi) b[k++] = scores[a[j]] > scores[a[i]] ? a[j++] : a[i++];
            while (i < mid) b[k++] = a[i++];
            while (j < hi) b[k++] = a[j++];
        }
        int64_t *t = a;
        a = b, b = t;
    }
    if (a != idx) memcpy(idx, a, (size_t)n * sizeof *idx);
    return n;
}
