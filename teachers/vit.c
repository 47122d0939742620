// The image teacher: a vision transformer over 4x4-pixel patches with a [CLS]
// token and learned positions (nn/vit.h). The default size (2 layers, width 64,
// 4 heads; 49 patches + [CLS] on 28x28 images) trains on two CPU cores in minutes.
#include "nn/vit.h"

static const sc_config_spec spec[] = {SC_VIT_SPEC("4", "2", "64", "4", "2", "0.1")};

const sc_model_def sc_teacher_vit = {
    .name = "vit",
    .role = "teacher",
    .modality = SC_IMAGE,
    .summary = "vision transformer (patch embedding, [CLS] token, learned positions, pre-LN encoder)",
    .spec = spec,
    .build = sc_vit_build,
    .forward = sc_vit_forward,
};
