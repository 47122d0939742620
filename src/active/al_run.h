// al_run.h — pool-based active learning as a library call: which query strategy
// reaches a given accuracy with the fewest labels. `scaffold active-learn`
// parses argv into an sc_al_run_cfg and prints the outcome.
//
//     sc_al_run_cfg c = sc_al_run_defaults();
//     c.task = "breast-cancer";  c.strategy = "dami";  c.out = "runs/al";
//     char *sets[] = {"init=10", "query=10", "rounds=4"};  c.sets = sets;  c.n_sets = 3;
//     sc_al_outcome o = {0};
//     if (sc_al_run(&c, &o, &err)) fprintf(stderr, "%s\n", err.msg);
//     sc_al_outcome_free(&o);
//
// The loop. The pool is the task's student-pool split (never test). `init`
// examples of it, drawn with the seed, are labelled; then for round r = 0 ..
// rounds: a model is trained on the labelled set (scratch: a fresh model from
// the seed each round; warm: the previous round's model trained on), with the
// existing trainer and early stopping on the student-valid split, and
// evaluated on test; unless r == rounds the strategy (active/strategy.h) picks
// `query` unlabelled pool examples and the oracle labels them. No example is
// queried twice; test labels are read only to evaluate.
//
// The model is the task's STUDENT architecture and recipe (students/configs/
// <task>.yaml, or --model/--config; trainer and architecture keys in `sets`):
// the student is scaffold's learner of few labels on exactly these splits
// (student-pool, student-valid), so an active-learning curve at N labels is
// comparable with a train-student run at --n N.
//
// The oracle (key `oracle`): gold, the task's labels; teacher, the argmax of a
// teacher checkpoint (cfg.teacher) — then the learner is a student and
// test_simulatability (agreement with the teacher on test) is its score. auto
// (default): teacher when a teacher is given, else gold. With a teacher and
// oracle=gold, simulatability is measured too. The student-valid split is
// labelled by the same oracle (outside the query budget: the usual
// validation-set assumption of the active-learning literature).
//
// Result (OUT/metrics.msgpack, written atomically):
//   {format: "scaffold-result", version: 1, kind: "active-learning", task, arch,
//    strategy, oracle ("gold" | "teacher"), teacher (checkpoint path or nil), seed,
//    config: {model, trainer, active},
//    n_pool, n_valid, n_test,
//    aulc: {test_accuracy, test_simulatability (nil without a teacher)},
//    rounds: [{round, labelled, test_accuracy, test_simulatability (or nil),
//              valid_accuracy, train_seconds, select_seconds, steps, epochs_run,
//              best_epoch, stopped_by, note (the strategy's remark on the
//              query, e.g. a fallback taken; "" if none),
//              queried: [dataset indices labelled just before this round's
//                        training; round 0: the initial set]}],
//    seconds, created_by}
// Dataset indices are positions in the task's dataset (the same for every
// strategy and seed of a task), so compare can check overlaps and budgets.
//
// Regression tasks (e.g. diabetes): the oracle is gold (a teacher oracle is for
// classification), the score is the test Pearson correlation r, the metric
// the trainer early-stops on, with the RMSE beside it; the file then holds
// rounds[].test_pearson, test_rmse and valid_pearson in place of test_accuracy
// and valid_accuracy, and aulc.test_pearson. Strategies that need class
// probabilities (entropy, margin, hybrid) refuse such a task before anything
// trains.
//
// AULC, the area under the learning curve: with points (n_r, a_r), r = 0..R,
// n the labelled count, the trapezoid rule normalised by the labelled range,
//     AULC = sum_r (n_{r+1} - n_r) (a_r + a_{r+1}) / 2  /  (n_R - n_0),
// the mean accuracy over the range of labels (in [0, 1]); with R = 0 it is a_0.
#ifndef SC_ACTIVE_AL_RUN_H
#define SC_ACTIVE_AL_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "core/err.h"

extern const sc_config_spec sc_al_spec[];  // init, query, rounds, retrain, oracle, hybrid_pool, dami_tokens, valid_size, explainer

#define SC_AL_MAX_ROUNDS 1000

typedef struct sc_al_run_cfg {
    const char *task;         // a classification or regression task (required)
    const char *strategy;     // a registry name (active/strategy.h; required)
    const char *teacher;      // a teacher checkpoint (file or run folder), or NULL
    const char *arch;         // NULL: the student config's `arch`, else the modality's default
    const char *config_path;  // NULL: students/configs/<task>.yaml when it exists
    char *const *sets;        // n_sets "k=v": active-learning keys, trainer keys, architecture keys
    int n_sets;
    uint64_t seed;
    const char *out;          // folder for metrics.msgpack (required; created)
    FILE *log;                // progress lines (NULL: quiet)
} sc_al_run_cfg;

sc_al_run_cfg sc_al_run_defaults(void);  // seed 1, log = stderr

typedef struct sc_al_point {
    long round;
    size_t labelled;
    double test_accuracy, test_simulatability;  // accuracy (regression: Pearson r); simulatability: -1 without a teacher
    double test_rmse;                           // regression: the test RMSE, else 0
    double valid_accuracy;                      // best student-valid agreement with the oracle (regression: r)
    double train_seconds, select_seconds;
    long steps, epochs_run, best_epoch;
    int stopped_by;
    size_t first_queried, n_queried;            // this round's slice of sc_al_outcome.queried
    char note[96];                              // what the strategy said choosing this round's queries, or ""
} sc_al_point;

typedef struct sc_al_outcome {
    char task[64], arch[64], strategy[48], oracle[16];
    int regression;                // points' test_accuracy and aulc are Pearson r
    uint64_t seed;
    size_t n_pool, n_valid, n_test;
    int n_points;                  // rounds + 1
    sc_al_point *points;           // (n_points), malloc'd
    uint32_t *queried;             // every labelled dataset index, in labelling order, malloc'd
    double aulc, aulc_simulatability;  // the latter -1 without a teacher
    double seconds;
    char metrics_path[1024];
} sc_al_outcome;

// Frees points and queried; a no-op on a zeroed or freed outcome.
void sc_al_outcome_free(sc_al_outcome *o);
void sc_al_outcome_print(FILE *f, const sc_al_outcome *o);
// The AULC of n points (labelled counts, scores), as defined above.
double sc_al_aulc(const size_t *labelled, const double *score, int n);

// Checks every key, trains, queries, measures and writes. 0, or -1 with err
// naming what failed (o is then empty).
int sc_al_run(const sc_al_run_cfg *cfg, sc_al_outcome *out, sc_err *err);

#endif
