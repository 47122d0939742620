// The convolutional image teacher: conv/ReLU/2x2-pool stages down to the unit
// grid, global average pooling and a linear head (nn/cnn.h), the architecture
// of class activation maps and so of Grad-CAM (train-xbl's saliency=gradcam).
// Twice the student's channels by default: 4x4-pixel cells (28 -> 14 -> 7),
// 32 then 64 channels.
#include "nn/cnn.h"

static const sc_config_spec spec[] = {SC_CNN_SPEC("4", "32", "64", "max", "0")};

const sc_model_def sc_teacher_cnn = {
    .name = "cnn",
    .role = "teacher",
    .modality = SC_IMAGE,
    .summary = "CNN (conv/ReLU/pool to the cell grid, global average pooling, linear head) with class activation maps",
    .spec = spec,
    .build = sc_cnn_build,
    .forward = sc_cnn_forward,
    .feature_map = 1,
};
