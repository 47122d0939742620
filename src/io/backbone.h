// backbone.h — starting teachers and students from a pretrained backbone
// (`scaffold pretrain` writes it: pretrained.ckpt, io/checkpoint.h with a
// `pretrain` field). What `--init CKPT` does:
//   1. the task is tokenized with the backbone's vocabulary (so token ids mean
//      what they meant in pretraining),
//   2. the model takes the backbone's architecture keys (layers, width, heads,
//      mlp_ratio, ...; dropout and pooling stay the run's), unless --set gives
//      them, in which case they must agree or building fails, naming both shapes,
//   3. every parameter but the output head ("head.*", built fresh for the task's
//      classes) is copied from the backbone; positions are cut to the task's
//      max_tokens (which may not exceed the backbone's).
#ifndef SC_IO_BACKBONE_H
#define SC_IO_BACKBONE_H

#include "core/config.h"
#include "io/checkpoint.h"
#include "io/results.h"
#include "models/model.h"

typedef struct sc_backbone {
    char path[1024];
    char sha256[65];  // of the checkpoint's bytes
    sc_model model;   // as saved
    sc_ckpt_extra x;  // its vocabulary (x.vocab) and provenance (x.pre_*)
} sc_backbone;

// Opens a backbone: a checkpoint file, or a folder holding pretrained.ckpt. A
// checkpoint without the `pretrain` field (e.g. a trained teacher) is refused.
int sc_backbone_open(sc_backbone **out, const char *path, sc_err *err);
void sc_backbone_close(sc_backbone *b);  // NULL is a no-op

// What a result file records of the backbone (pointers into b; NULL b: NULL).
const sc_result_init *sc_backbone_result_init(const sc_backbone *b, sc_result_init *out);

// Sets in cfg every architecture key of the backbone (origin "--init PATH"),
// over the values of a config file (sized for training from scratch), but not
// over --set values nor the run's own choices: dropout, pooling, dtype.
int sc_backbone_adopt_config(const sc_backbone *b, sc_config *cfg, sc_err *err);

// Copies the backbone into m (models/transfer.h, the head excepted); errors are
// prefixed with the backbone's path.
int sc_backbone_init_model(const sc_backbone *b, sc_model *m, sc_err *err);

// 0 if the vocabularies are the same tokens in the same order (a student must
// start from the backbone its teacher was tokenized with), else an error
// naming the first difference.
int sc_backbone_check_vocab(const sc_backbone *b, const sc_vocab *v, const char *whose, sc_err *err);

#endif
