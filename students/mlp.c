// The tabular student: the teacher's MLP (nn/mlp.h) at one hidden layer of 32.
#include "nn/mlp.h"

static const sc_config_spec spec[] = {SC_TABULAR_MLP_SPEC("1", "32", "gelu", "0.1")};

const sc_model_def sc_student_mlp = {
    .name = "mlp",
    .role = "student",
    .modality = SC_TABULAR,
    .summary = "small MLP for tabular features",
    .spec = spec,
    .build = sc_tabular_mlp_build,
    .forward = sc_tabular_mlp_forward,
};
