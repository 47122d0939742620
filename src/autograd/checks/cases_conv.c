// Gradcheck cases for ops/conv.c (see autograd/gradcheck.h).
#include "autograd/gradcheck.h"
#include "ops/ops.h"

const sc_gc_case sc_gc_cases_conv[] = {
    {NULL, 0, 0, NULL, NULL},
};
