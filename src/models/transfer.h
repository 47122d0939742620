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

#endif
