// mlp.h — a stack of fully connected layers ending in an output head, shared by
// the tabular MLP (teacher and student), the bag-of-embeddings student's
// optional hidden layer and the text transformer's head.
//
//   x -> [Linear -> act -> dropout] x layers -> Linear (head)
//
// Parameters: "<prefix>.<i>.w" (in_i, width), "<prefix>.<i>.b" (width,) for the
// hidden layers and "head.w" (last, n_out), "head.b" (n_out,) for the head.
#ifndef SC_NN_MLP_H
#define SC_NN_MLP_H

#include "models/model.h"

#define SC_MLP_MAX_LAYERS 8

typedef enum sc_activation { SC_ACT_GELU = 0, SC_ACT_RELU = 1 } sc_activation;

// The words a config may use for sc_activation, in enum order (NULL-terminated).
extern const char *const sc_activation_names[];

typedef struct sc_mlp {
    int layers;
    int64_t in, width, n_out;
    sc_activation act;
    sc_tensor *w[SC_MLP_MAX_LAYERS], *b[SC_MLP_MAX_LAYERS];  // (in_i, width), (width,)
    sc_tensor *head_w, *head_b;                              // (last, n_out), (n_out,)
} sc_mlp;

// Creates the parameters. Hidden weights ~ N(0, g / fan_in) with g = 2 for ReLU
// (He) and 1 for GELU (LeCun), the head ~ N(0, 1 / fan_in), biases zero.
// layers = 0 gives a single linear head (width is then unused).
int sc_mlp_build(sc_mlp *n, sc_params *P, const char *prefix, int64_t in, int layers, int64_t width, int64_t n_out,
                 sc_activation act, sc_dtype dt, sc_rng *rng, sc_err *err);

// x (B, in) -> (B, n_out). *last (if non-NULL) receives what the head reads:
// (B, width) after the last hidden layer (x itself when layers = 0).
sc_tensor *sc_mlp_forward(const sc_mlp *n, sc_ctx *ctx, sc_tensor *x, double dropout, int training,
                          sc_tensor **last);

// n_outputs a task asks for: 1 for regression, else the class count (>= 1).
int sc_model_n_outputs(const sc_model *m, int64_t *n_out, sc_err *err);

// Allocates `bytes` zeroed bytes for an architecture's resolved hyperparameters
// in the model's parameter arena (they live as long as the model).
void *sc_model_arch_alloc(sc_model *m, size_t bytes, sc_err *err);

// ---- the tabular MLP (teacher "mlp" and student "mlp") ---------------------------------
// features (B, F) -> MLP -> (B, n_out). Units are the F features: the state's
// embeddings are the features as (B, F, 1) (a leaf requiring grad unless the
// given features already carry a graph), unit_mask is all ones, n_layers = 0,
// hidden[0] = embeddings, pooled = what the head reads.
#define SC_TABULAR_MLP_SPEC(layers, width, activation, dropout)                         \
    {"layers", layers, "hidden layers (0..8)"}, {"width", width, "units per hidden layer"}, \
        {"activation", activation, "gelu or relu"},                                   \
        {"dropout", dropout, "dropout after each hidden layer"},                      \
    {                                                                                 \
        NULL, NULL, NULL                                                              \
    }

int sc_tabular_mlp_build(sc_model *m, sc_rng *rng, sc_err *err);
sc_tensor *sc_tabular_mlp_forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, unsigned flags,
                                  sc_model_state *st);

#endif
