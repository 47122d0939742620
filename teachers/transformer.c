// The text teacher: a pre-LN transformer encoder over tokens with learned
// positions, [CLS] pooling by default (nn/text_transformer.h). The default size
// (2 layers, width 64, 4 heads) trains on two CPU cores in minutes.
#include "nn/text_transformer.h"

static const sc_config_spec spec[] = {SC_TEXT_TRANSFORMER_SPEC("2", "64", "4", "4", "0.1", "cls")};

const sc_model_def sc_teacher_transformer = {
    .name = "transformer",
    .role = "teacher",
    .modality = SC_TEXT,
    .summary = "transformer encoder for text (learned positions, pre-LN, GELU MLP, [CLS] or mean pooling)",
    .spec = spec,
    .build = sc_text_transformer_build,
    .forward = sc_text_transformer_forward,
};
