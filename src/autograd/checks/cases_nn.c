// Gradcheck cases for ops/nn.c (see autograd/gradcheck.h).
#include "autograd/gradcheck.h"
#include "ops/ops.h"

const sc_gc_case sc_gc_cases_nn[] = {
    {NULL, 0, 0, NULL, NULL},
};
