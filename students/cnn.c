// The CNN student: conv/ReLU/2x2-pool stages down to the unit grid, global
// average pooling and a linear head, exposing class activation maps (nn/cnn.h).
// Defaults: 4x4-pixel cells (28 -> 14 -> 7), 16 then 32 channels.
#include "nn/cnn.h"

static const sc_config_spec spec[] = {SC_CNN_SPEC("4", "16", "32", "max", "0")};

const sc_model_def sc_student_cnn = {
    .name = "cnn",
    .role = "student",
    .modality = SC_IMAGE,
    .summary = "small CNN (conv/ReLU/pool to the cell grid, global average pooling) with class activation maps",
    .spec = spec,
    .build = sc_cnn_build,
    .forward = sc_cnn_forward,
    .feature_map = 1,
};
