// rank.h — ordering units by saliency for the explanation metrics.
#ifndef SC_EVAL_RANK_H
#define SC_EVAL_RANK_H

#include <stdint.h>

// Writes into idx the valid units (mask NULL or mask[u] != 0) of scores (U,)
// ordered by score descending, ties by unit index ascending (a stable merge sort;
// tmp is scratch of U entries). Returns the number of valid units.
int64_t sc_rank_desc(const float *scores, const float *mask, int64_t U, int64_t *idx, int64_t *tmp);

#endif
