// transfer.h — initializing a student from its teacher.
//
// A text student may start from the teacher's token embeddings ("embed.tokens",
// (V, C)): both are indexed by the same vocabulary, so copying them gives the
// student the teacher's lexical knowledge for free. The student must have been
// built with the teacher's width (set its `width` key to the teacher's).
#ifndef SC_MODELS_TRANSFER_H
#define SC_MODELS_TRANSFER_H

#include "models/model.h"

// Copies the teacher's "embed.tokens" into the student's (values converted if
// the dtypes differ). Errors when either model has no such parameter or when the
// shapes differ, naming both shapes. Returns 0 or -1 with err set.
int sc_model_init_embeddings_from(sc_model *student, const sc_model *teacher, sc_err *err);

// Starts dst from src (a pretrained backbone): every parameter of src whose
// name does not begin with skip_prefix (the backbone's output head, e.g.
// "head.") is copied into dst's parameter of the same name. Shapes must agree,
// except "embed.pos" (positions, rows): dst may have fewer rows and takes the
// first ones. Every copied name must exist in dst, and dst may hold nothing
// outside skip_prefix that src lacks. Errors name the parameter and both shapes
// (and what to set). Nothing is copied unless everything agrees.
int sc_model_init_from(sc_model *dst, const sc_model *src, const char *skip_prefix, sc_err *err);

#endif
