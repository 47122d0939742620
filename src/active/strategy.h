// strategy.h — active-learning query strategies: given the model trained on the
// labelled set, pick the next `b` examples of the unlabelled pool to label.
//
// A strategy is one file in active/ defining
//     const sc_al_strategy_def sc_al_strategy_NAME = {.name, .summary, .cite, .select};
// plus one row in the table of active/strategy.c (the registry; `scaffold
// active-learn --strategy` and the tests walk it); or, in a program of its own,
// the same definition and sc_al_strategy_register (tests/test_al_loop.c's probe). select() sees the current
// state through sc_al_env (never the test split, never gold labels outside the
// oracle's answers) and must be deterministic given env->seed and env->round.
// Shared building blocks (active/repr.h): class probabilities, the pooled
// embedding, the local linear map (input Jacobian row), K-center greedy.
#ifndef SC_ACTIVE_STRATEGY_H
#define SC_ACTIVE_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "train/pipeline.h"

// The active-learning keys a strategy may read (parsed by al_run.c, sc_al_spec).
typedef struct sc_al_options {
    long init, query, rounds;  // initial labelled size, labels per round, rounds
    int retrain_warm;          // retrain: 0 scratch (fresh init each round), 1 warm (continue)
    int oracle;                // SC_AL_ORACLE_*
    double hybrid_pool;        // hybrid: candidates = the ceil(hybrid_pool * b) highest-entropy examples
    long dami_tokens;          // dami/hybrid on text: token positions 1..K whose embedding gradients are kept
    long valid_size;           // student-valid examples kept (0 = all): a seeded subset, the same for every strategy
    char explainer[48];        // explanation-driven: the saliency (an explain/ registry name)
} sc_al_options;

enum { SC_AL_ORACLE_GOLD = 0, SC_AL_ORACLE_TEACHER = 1 };

// What a strategy sees when it is asked for a query.
typedef struct sc_al_env {
    sc_pipeline *pipe;
    const sc_model *model;        // trained on the labelled set (evaluation mode is used)
    sc_ctx *ctx;                  // step arena: rewound by the helpers after each batch
    long eval_batch;
    const uint32_t *labelled;     // dataset indices labelled so far
    size_t n_labelled;
    const uint32_t *valid;        // the student-valid split (labelled by the oracle, used for early stopping)
    size_t n_valid;
    const int32_t *oracle;        // dataset-indexed labels revealed by the oracle: on labelled and valid
                                  // examples; -1 elsewhere (unlabelled pool, test); all -1 for regression
    const float *targets;         // regression: the revealed targets, as oracle (NaN elsewhere); else NULL
    const sc_al_options *opt;
    uint64_t seed;
    int round;                    // 1 for the first query
    char *note;                   // a line the strategy may write (e.g. a fallback taken), recorded with the
    size_t note_cap;              // round; note[0] = 0 on entry
} sc_al_env;

typedef struct sc_al_strategy_def {
    const char *name;     // [a-z0-9-]
    const char *summary;  // one line: what is queried
    const char *cite;     // where it comes from
    // Picks min(b, n_cand) distinct entries of cand (unlabelled dataset indices)
    // into out. 0, or -1 with err set.
    int (*select)(const sc_al_env *e, const uint32_t *cand, size_t n_cand, size_t b, uint32_t *out, sc_err *err);
    // Optional (NULL: nothing to check): refuses, before anything trains, a
    // model or options the strategy cannot work with. 0 or -1 with err set.
    int (*check)(const sc_model *m, const sc_al_options *opt, sc_err *err);
    // 1: ranks by class probabilities, so classification tasks only (refused on
    // a regression task by the run and by manifest validation).
    int needs_classes;
} sc_al_strategy_def;

#define SC_AL_STRATEGY_MAX 32
// The registry: the built-ins, then the registered ones. A program of its own
// adds a strategy with sc_al_strategy_register (the definition is borrowed: it
// must outlive every use) before running; refused, nothing changed: a NULL
// definition, name or select, a name not of 1..47 [a-z0-9-] characters or
// already taken, a full table. Not locked: register before starting threads.
int sc_al_strategy_register(const sc_al_strategy_def *def, sc_err *err);
const sc_al_strategy_def *sc_al_strategy_find(const char *name);
const sc_al_strategy_def *const *sc_al_strategy_list(int *n);
// The names, ", "-separated, into buf; returns buf.
const char *sc_al_strategy_names(char *buf, size_t cap);
// The same for the strategies that work on regression tasks (needs_classes 0).
const char *sc_al_strategy_regression_names(char *buf, size_t cap);

#endif
