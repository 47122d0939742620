// explainer_ckpt.h — a learned explainer on disk, to be reused frozen: train
// fresh students with what SMaT learned (the transfer evaluation), explain with
// it, share it. One msgpack map:
//
//   format    "scaffold-explainer"
//   version   1
//   explainer the explainer's name (the registry's)
//   config    {key: value}        its resolved settings, as strings
//   task      the task's name it was learned on
//   teacher   {arch, checksum}    the teacher it explains: the checksum of its
//                                 parameters, as its checkpoint records it
//   tensors   the explainer's parameters (checkpoint.h's format)
//   checksum  sha256 of the tensors (checkpoint.h)
//
// Written atomically; bytes are a pure function of the explainer and teacher.
// Loading reads untrusted bytes (bounded structure check first, every field's
// type checked, the checksum verified) and refuses an explainer learned for
// another teacher: its head coefficients mean nothing on other heads.
#ifndef SC_IO_EXPLAINER_CKPT_H
#define SC_IO_EXPLAINER_CKPT_H

#include "explain/explainer.h"

#define SC_EXPL_CKPT_FORMAT "scaffold-explainer"
#define SC_EXPL_CKPT_VERSION 1

int sc_explainer_ckpt_save(const char *path, const sc_explainer *e, const sc_model *teacher, const char *task,
                           sc_err *err);

// What a file says before any explainer is built (heap: the config is large).
typedef struct sc_explainer_ckpt {
    char explainer[64], task[64], teacher_arch[64], teacher_checksum[65];
    sc_config cfg;
    char path[1024];
    void *priv;  // the parsed bytes
} sc_explainer_ckpt;

// Reads and checks path. 0, or -1 with err naming the file and the field.
int sc_explainer_ckpt_open(sc_explainer_ckpt **k, const char *path, sc_err *err);
// Checks that `teacher` is the file's teacher (architecture and parameter
// checksum), then copies the saved parameters into e — created by the caller
// as k->explainer with k->cfg on that teacher.
int sc_explainer_ckpt_restore(const sc_explainer_ckpt *k, const sc_model *teacher, sc_explainer *e, sc_err *err);
void sc_explainer_ckpt_close(sc_explainer_ckpt *k);  // NULL: a no-op

#endif
