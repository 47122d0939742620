// The tabular teacher: an MLP over standardized features (nn/mlp.h), 2 hidden
// layers of 128 GELU units by default.
#include "nn/mlp.h"

static const sc_config_spec spec[] = {SC_TABULAR_MLP_SPEC("2", "128", "gelu", "0.1")};

const sc_model_def sc_teacher_mlp = {
    .name = "mlp",
    .role = "teacher",
    .modality = SC_TABULAR,
    .summary = "MLP for tabular features (GELU or ReLU hidden layers, dropout)",
    .spec = spec,
    .build = sc_tabular_mlp_build,
    .forward = sc_tabular_mlp_forward,
};
