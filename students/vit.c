// A small ViT student: the teacher's architecture (nn/vit.h) at 1 layer, width
// 32, 2 heads, over the same 4x4-pixel cells.
#include "nn/vit.h"

static const sc_config_spec spec[] = {SC_VIT_SPEC("4", "1", "32", "2", "2", "0.1")};

const sc_model_def sc_student_vit = {
    .name = "vit",
    .role = "student",
    .modality = SC_IMAGE,
    .summary = "small vision transformer (same family as the teacher)",
    .spec = spec,
    .build = sc_vit_build,
    .forward = sc_vit_forward,
};
