// results.h — one msgpack result file per run, readable from Python:
//   import msgpack; r = msgpack.unpackb(open("metrics.msgpack", "rb").read())
//   {format: "scaffold-result", version: 1, kind, task, arch, seed,
//    config: {model: {k: v}, trainer: {k: v}}, metric: {name, value}, rmse,
//    train: {steps, epochs_run, best_epoch, best_valid, seconds, valid_curve: [..], loss_curve: [..]}}
// Written atomically (temp file, fsync, rename).
#ifndef SC_IO_RESULTS_H
#define SC_IO_RESULTS_H

#include <stdint.h>

#include "core/config.h"
#include "train/trainer.h"

typedef struct sc_result_run {
    const char *kind, *task, *arch;
    uint64_t seed;
    const sc_config *cfg_model, *cfg_trainer;
    const sc_train_result *train;
    const char *metric_name;
    double metric;
    double rmse;  // < 0: not applicable
} sc_result_run;

int sc_result_write(const char *path, const sc_result_run *r, sc_err *err);

#endif
