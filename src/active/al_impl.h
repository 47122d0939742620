// al_impl.h — the state of one active-learning run, shared by al_run.c and
// al_files.c (private to active/).
#ifndef SC_ACTIVE_AL_IMPL_H
#define SC_ACTIVE_AL_IMPL_H

#include "active/al_run.h"
#include "active/strategy.h"
#include "io/checkpoint.h"
#include "train/setup.h"
#include "train/trainer.h"

enum { AL_OUTSIDE = 0, AL_UNLABELLED = 1, AL_LABELLED = 2 };

// Everything a run holds, on the heap (sc_run_config and sc_model are tens of KiB each).
typedef struct al_state {
    sc_run_config rc;
    sc_config acfg;              // the active-learning keys, resolved
    sc_config mcfg;              // the architecture's keys (SMaT keys of a student config file dropped)
    sc_al_options o;
    const sc_al_strategy_def *strategy;
    const sc_model_def *def;
    sc_train_opts opts;
    sc_train_result res;
    sc_pipeline pipe;
    sc_model model, teacher;
    sc_ckpt_extra x;
    sc_ctx ctx;
    int have_pipe, have_model, have_teacher, have_ctx;
    char teacher_path[1024];
    uint32_t *pool, *valid, *test;
    size_t n_pool, n_valid, n_test;
    int32_t *answer;             // (dataset n) the oracle's answers on pool and valid examples, -1 elsewhere:
                                 // private to the loop (the teacher's are computed once, up front)
    int32_t *known;              // (dataset n) the labels revealed so far: valid and labelled examples, -1
                                 // elsewhere (unlabelled pool, test, the rest). What trainer and strategies read
    int32_t *teacher_test;       // (n_test) the teacher's predictions, or NULL
    int32_t *pred;               // (n_test) scratch
    int regression;              // the task's targets are numbers: the two arrays below replace answer/known
    float *answer_t, *known_t;   // regression: (dataset n) as answer and known, NaN for "not revealed"
    uint32_t *labelled;          // labelled dataset indices in labelling order (capacity n_pool)
    size_t n_labelled;
    uint8_t *status;             // (dataset n) AL_*: outside the pool, unlabelled pool, labelled
    uint32_t *cand;              // scratch: the unlabelled pool (capacity n_pool)
    uint32_t *picked;            // scratch: a query's picks (capacity query)
    sc_al_point *points;         // (rounds + 1)
    int n_points;
} al_state;

// OUT/metrics.msgpack (al_run.h), atomically.
int sc_al_write_result(const al_state *r, const sc_al_run_cfg *c, const sc_al_outcome *o, sc_err *err);

#endif
