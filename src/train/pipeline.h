// pipeline.h — a task made ready for models: data loaded and split, text
// tokenized with a vocabulary from the teacher-train split, tabular features and
// regression targets standardized with teacher-train statistics, and the model
// shape the task implies. Teachers and students of a task share one pipeline, so
// they see the same units.
#ifndef SC_TRAIN_PIPELINE_H
#define SC_TRAIN_PIPELINE_H

#include "data/batch.h"
#include "data/dataset.h"
#include "data/encode.h"
#include "models/model.h"
#include "text/vocab.h"

typedef struct sc_pipeline {
    sc_task *task;
    sc_dataset data;
    sc_vocab vocab;        // text only
    sc_encoded enc;        // text only
    int has_text;
    sc_model_shape shape;
    double target_mean, target_std;  // regression targets are (y - mean) / std
} sc_pipeline;

// Opens task NAME, loads its (fetched or generated) data, and prepares it. A
// vocabulary may be given (from a checkpoint) instead of being built.
int sc_pipeline_open(sc_pipeline *p, const char *task_name, const sc_vocab *vocab, sc_err *err);
void sc_pipeline_close(sc_pipeline *p);

// The indices of one split (malloc'd; free()).
uint32_t *sc_pipeline_split(const sc_pipeline *p, int split, size_t *n);

#endif
