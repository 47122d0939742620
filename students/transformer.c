// A small text transformer student: the teacher's architecture
// (nn/text_transformer.h) at 1 layer, width 32, 2 heads. Set width to the
// teacher's to initialize its token embeddings from the teacher
// (models/transfer.h).
#include "nn/text_transformer.h"

static const sc_config_spec spec[] = {SC_TEXT_TRANSFORMER_SPEC("1", "32", "2", "4", "0.1", "cls")};

const sc_model_def sc_student_transformer = {
    .name = "transformer",
    .role = "student",
    .modality = SC_TEXT,
    .summary = "small transformer encoder for text (same family as the teacher)",
    .spec = spec,
    .build = sc_text_transformer_build,
    .forward = sc_text_transformer_forward,
};
