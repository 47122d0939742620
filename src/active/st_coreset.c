// st_coreset.c — diversity by K-center greedy (kcenter.h), the labelled set as
// the centers already chosen:
//   core-set: on the pooled embedding the output head reads (Sener & Savarese
//             2018, "Active Learning for Convolutional Neural Networks: A
//             Core-Set Approach", ICLR);
//   dami:     on each example's local linear interpretation, the input gradient
//             of the predicted class's logit (repr.h, sc_al_jacobians) — Liu et
//             al., "Deep Active learning by Model Interpretability" (DAMI):
//             examples whose local linear models differ most are the most
//             diverse in how the model decides.
#include "active/repr.h"

static int select_coreset(const sc_al_env *e, const uint32_t *c, size_t n, size_t b, uint32_t *out, sc_err *err) {
    return sc_al_kcenter_select(e, SC_AL_REPR_EMBEDDING, c, n, b, out, err);
}

static int select_dami(const sc_al_env *e, const uint32_t *c, size_t n, size_t b, uint32_t *out, sc_err *err) {
    return sc_al_kcenter_select(e, SC_AL_REPR_JACOBIAN, c, n, b, out, err);
}

const sc_al_strategy_def sc_al_strategy_coreset = {
    .name = "core-set",
    .summary = "K-center greedy on the model's pooled embeddings",
    .cite = "Sener & Savarese 2018 (ICLR)",
    .select = select_coreset,
};

const sc_al_strategy_def sc_al_strategy_dami = {
    .name = "dami",
    .summary = "K-center greedy on local linear interpretations (input gradient of the predicted logit)",
    .cite = "Liu et al., Deep Active learning by Model Interpretability (DAMI)",
    .select = select_dami,
};
