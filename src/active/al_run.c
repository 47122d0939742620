// al_run.c — sc_al_run: resolve and check the configuration, then the loop of
// train, evaluate, query (al_run.h). The result file is written by al_files.c.
#include "active/al_run.h"
#include "active/al_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/fs.h"
#include "core/rng.h"
#include "explain/explainer.h"
#include "io/checkpoint.h"
#include "smat/student.h"
#include "smat/student_run.h"
#include "train/setup.h"
#include "train/trainer.h"

static const char *const oracles[] = {"auto", "gold", "teacher", NULL};
static const char *const retrains[] = {"scratch", "warm", NULL};

const sc_config_spec sc_al_spec[] = {
    {"init", "10", "labelled examples before the first query, drawn from the student pool with the seed"},
    {"query", "10", "examples labelled per round"},
    {"rounds", "5", "query rounds (the curve has rounds + 1 points)"},
    {"retrain", "scratch", "scratch (a fresh model from the seed each round) | warm (train the last model on)"},
    {"oracle", "auto", "gold (the task's labels) | teacher (--teacher's predictions) | auto (teacher if given)"},
    {"hybrid_pool", "10", "hybrid: DAMI K-center among the ceil(hybrid_pool x query) highest-entropy examples"},
    {"dami_tokens", "8", "dami/hybrid on text: token positions 1..K whose embedding gradients represent an example"},
    {"valid_size", "0",
     "student-valid examples used for early stopping and the explanation strategy's mistakes (0 = all): a subset "
     "drawn with the seed, so every strategy of a seed sees the same one"},
    {"explainer", "gradient-x-input",
     "explanation: the saliency of mistakes and candidates (see `scaffold explainers`)"},
    {NULL, NULL, NULL},
};

sc_al_run_cfg sc_al_run_defaults(void) { return (sc_al_run_cfg){.seed = 1, .log = stderr}; }

void sc_al_outcome_free(sc_al_outcome *o) {
    if (!o) return;
    free(o->points), free(o->queried);
    o->points = NULL, o->queried = NULL, o->n_points = 0;
}

double sc_al_aulc(const size_t *n, const double *a, int k) {
    if (k <= 0) return 0;
    if (k == 1 || n[k - 1] == n[0]) return a[0];
    double area = 0;
    for (int r = 0; r + 1 < k; r++) area += (double)(n[r + 1] - n[r]) * (a[r] + a[r + 1]) / 2;
    return area / (double)(n[k - 1] - n[0]);
}

void sc_al_outcome_print(FILE *f, const sc_al_outcome *o) {
    int sim = o->aulc_simulatability >= 0, reg = o->regression;
    fprintf(f, "task %s  model %s  strategy %s  oracle %s  seed %llu\n", o->task, o->arch, o->strategy, o->oracle,
            (unsigned long long)o->seed);
    fprintf(f, "  %5s %9s %9s %9s %9s %8s\n", "round", "labelled", reg ? "test r" : "test acc",
            reg ? "test rmse" : sim ? "test sim" : "", reg ? "valid r" : "valid", "seconds");
    for (int i = 0; i < o->n_points; i++) {
        const sc_al_point *p = &o->points[i];
        fprintf(f, "  %5ld %9zu %9.4f ", p->round, p->labelled, p->test_accuracy);
        if (reg) fprintf(f, "%9.4g ", p->test_rmse);
        else if (sim) fprintf(f, "%9.4f ", p->test_simulatability);
        else fprintf(f, "%9s ", "");
        fprintf(f, "%9.4f %8.1f\n", p->valid_accuracy, p->train_seconds + p->select_seconds);
    }
    fprintf(f, "  AULC (test %s) %.4f", reg ? "Pearson r" : "accuracy", o->aulc);
    if (sim) fprintf(f, ", AULC (test simulatability) %.4f", o->aulc_simulatability);
    fprintf(f, "\n  pool %zu, valid %zu, test %zu; %.1f s; wrote %s\n", o->n_pool, o->n_valid, o->n_test, o->seconds,
            o->metrics_path);
}

static void state_free(al_state *r) {
    if (r->have_ctx) sc_ctx_reset(&r->ctx), sc_ctx_free(&r->ctx);
    if (r->have_model) sc_model_free(&r->model);
    if (r->have_teacher) sc_model_free(&r->teacher), sc_ckpt_extra_free(&r->x);
    if (r->have_pipe) sc_pipeline_close(&r->pipe);
    free(r->pool), free(r->valid), free(r->test), free(r->answer), free(r->known), free(r->teacher_test), free(r->pred);
    free(r->labelled), free(r->status), free(r->cand), free(r->picked), free(r->points);
    free(r->answer_t), free(r->known_t);
    free(r);
}

// The active-learning keys of cfg->sets into r->acfg, parsed; the rest to `rest`.
static int read_al_keys(al_state *r, const sc_al_run_cfg *c, char **rest, int *n_rest, sc_err *err) {
    sc_config_init(&r->acfg);
    *n_rest = 0;
    for (int i = 0; i < c->n_sets; i++) {
        size_t len = strcspn(c->sets[i], "=");
        int mine = 0;
        for (const sc_config_spec *s = sc_al_spec; s->key && !mine; s++)
            mine = strlen(s->key) == len && !strncmp(s->key, c->sets[i], len);
        if (!mine) rest[(*n_rest)++] = c->sets[i];
        else if (sc_config_set_kv(&r->acfg, c->sets[i], err)) return -1;
    }
    sc_al_options *o = &r->o;
    int oracle;
    if (sc_config_apply_defaults(&r->acfg, sc_al_spec, "active learning", err) ||
        sc_config_long(&r->acfg, "init", 1, 100000000, &o->init, err) ||
        sc_config_long(&r->acfg, "query", 1, 100000000, &o->query, err) ||
        sc_config_long(&r->acfg, "rounds", 0, SC_AL_MAX_ROUNDS, &o->rounds, err) ||
        sc_config_choice(&r->acfg, "retrain", retrains, &o->retrain_warm, err) ||
        sc_config_choice(&r->acfg, "oracle", oracles, &oracle, err) ||
        sc_config_double(&r->acfg, "hybrid_pool", 1, 1e6, &o->hybrid_pool, err) ||
        sc_config_long(&r->acfg, "dami_tokens", 1, 4096, &o->dami_tokens, err) ||
        sc_config_long(&r->acfg, "valid_size", 0, 100000000, &o->valid_size, err))
        return -1;
    if (oracle == 2 && !c->teacher)
        return sc_errf(err, "key 'oracle': 'teacher' needs a teacher checkpoint (--teacher)");
    o->oracle = oracle == 2 || (oracle == 0 && c->teacher) ? SC_AL_ORACLE_TEACHER : SC_AL_ORACLE_GOLD;
    const char *ex = sc_config_str(&r->acfg, "explainer");
    if (!sc_explainer_find(ex)) {
        char names[1024];
        return sc_errf(err, "key 'explainer': no explainer '%s' (known: %s)", ex,
                       sc_explainer_names(names, sizeof names));
    }
    snprintf(o->explainer, sizeof o->explainer, "%s", ex);
    return 0;
}

static int load_teacher(al_state *r, const sc_al_run_cfg *c, sc_err *err) {
    sc_ckpt_extra_init(&r->x);
    if (!c->teacher) return 0;
    sc_student_teacher_ckpt_path(c->teacher, r->teacher_path, sizeof r->teacher_path);
    if (sc_checkpoint_load(r->teacher_path, &r->teacher, &r->x, err)) return -1;
    r->have_teacher = 1;
    if (r->teacher.shape.regression) return sc_errf(err, "active learning: the teacher is a regression model");
    return 0;
}

// A key of the student config file that configures SMaT (train-student), not this learner.
static int is_smat_key(const char *k) {
    if (!strncmp(k, "teacher.", 8) || !strncmp(k, "student_explainer.", 18)) return 1;
    for (const sc_config_spec *s = sc_student_spec; s->key; s++)
        if (!strcmp(s->key, k)) return 1;
    return 0;
}

// The student configuration (file, then the non-active-learning sets), every
// --set key checked against the groups that read one, the file's SMaT keys
// dropped (they configure train-student, not this learner).
static int resolve(al_state *r, const sc_al_run_cfg *c, char **rest, int n_rest, sc_err *err) {
    const char *arch = c->arch;
    if (!arch && !c->config_path && !sc_run_has_default_config("student", c->task)) {
        sc_task *t;
        if (sc_task_open(c->task, &t, err)) return -1;
        arch = sc_run_default_arch(t->modality);
        sc_task_free(t);
    }
    if (sc_run_config_resolve(&r->rc, "student", c->task, c->config_path, arch, rest, n_rest, 0, err)) return -1;
    if (!(r->def = sc_model_find("student", r->rc.arch)))
        return sc_errf(err, "no student architecture '%s' (see `scaffold models`)", r->rc.arch);
    char title[96];
    snprintf(title, sizeof title, "student '%s'", r->def->name);
    sc_config_group g[4] = {{"active learning", NULL, sc_al_spec}, {"trainer", NULL, sc_trainer_spec},
                            {title, NULL, r->def->spec}, {"every model", NULL, sc_model_common_spec}};
    sc_config *sets = calloc(1, sizeof *sets);
    if (!sets) return sc_errf(err, "out of memory");
    int rc = 0;
    for (int i = 0; i < c->n_sets && !rc; i++) rc = sc_config_set_kv(sets, c->sets[i], err);
    if (!rc) rc = sc_config_check_groups(sets, g, 4, "active-learn", err);
    free(sets);
    if (rc) return -1;
    sc_config_init(&r->mcfg);
    for (int i = 0; i < r->rc.model.n; i++) {  // anything else, e.g. a typo in --config, the model refuses
        const sc_config_entry *e = &r->rc.model.e[i];
        if (!is_smat_key(e->key) && sc_config_set(&r->mcfg, e->key, e->value, e->origin, err)) return -1;
    }
    for (const sc_config_spec *s = sc_trainer_spec; s->key; s++) {  // the student recipe's defaults
        const char *v = sc_student_trainer_default(s->key);
        if (v && !sc_config_find(&r->rc.trainer, s->key) &&
            sc_config_set(&r->rc.trainer, s->key, v, "student default", err))
            return -1;
    }
    return sc_train_opts_from_config(&r->opts, &r->rc.trainer, err);
}

// Sizes against the pool, before anything trains.
static int check_sizes(const al_state *r, const sc_al_run_cfg *c, sc_err *err) {
    const sc_al_options *o = &r->o;
    if ((size_t)o->init > r->n_pool)
        return sc_errf(err, "key 'init': %ld exceeds the student pool of %s (%zu examples)", o->init, c->task,
                       r->n_pool);
    double total = (double)o->init + (double)o->rounds * (double)o->query;
    if (total > (double)r->n_pool)
        return sc_errf(err, "keys 'init', 'query', 'rounds': %ld + %ld x %ld = %.0f labels exceed the student pool "
                       "of %s (%zu examples)", o->init, o->rounds, o->query, total, c->task, r->n_pool);
    if (!r->n_valid || !r->n_test) return sc_errf(err, "task '%s' has an empty student-valid or test split", c->task);
    return 0;
}

// The oracle's answers on pool and valid (gold, or the teacher's argmax), the
// valid ones revealed; and the teacher's test predictions for simulatability.
// Test gold labels are not copied.
static int oracle_labels(al_state *r, sc_err *err) {
    const sc_dataset *d = &r->pipe.data;
    r->answer = malloc(sizeof(int32_t) * (d->n + 1));
    r->known = malloc(sizeof(int32_t) * (d->n + 1));
    r->pred = malloc(sizeof(int32_t) * (r->n_test + 1));
    int32_t *tp = malloc(sizeof(int32_t) * (r->n_pool + r->n_valid + 1));
    if (!r->answer || !r->known || !r->pred || !tp) return free(tp), sc_errf(err, "out of memory");
    for (size_t i = 0; i < d->n; i++) r->answer[i] = r->known[i] = -1;
    int rc = 0;
    if (r->o.oracle == SC_AL_ORACLE_TEACHER) {
        rc = sc_predict(&r->pipe, &r->teacher, &r->ctx, r->pool, r->n_pool, r->opts.eval_batch, tp, NULL, err) ||
             sc_predict(&r->pipe, &r->teacher, &r->ctx, r->valid, r->n_valid, r->opts.eval_batch, tp + r->n_pool,
                        NULL, err);
    }
    for (size_t i = 0; !rc && i < r->n_pool + r->n_valid; i++) {
        uint32_t j = i < r->n_pool ? r->pool[i] : r->valid[i - r->n_pool];
        r->answer[j] = r->o.oracle == SC_AL_ORACLE_TEACHER ? tp[i] : d->label[j];
        if (i >= r->n_pool) r->known[j] = r->answer[j];
    }
    free(tp);
    if (!rc && r->regression) {  // the targets, gold (build refuses a teacher): revealed as the labels are
        r->answer_t = malloc(sizeof(float) * (d->n + 1));
        r->known_t = malloc(sizeof(float) * (d->n + 1));
        if (!r->answer_t || !r->known_t) return sc_errf(err, "out of memory");
        for (size_t i = 0; i < d->n; i++) r->answer_t[i] = r->known_t[i] = NAN;
        for (size_t i = 0; i < r->n_pool + r->n_valid; i++) {
            uint32_t j = i < r->n_pool ? r->pool[i] : r->valid[i - r->n_pool];
            r->answer_t[j] = d->target[j];
            if (i >= r->n_pool) r->known_t[j] = r->answer_t[j];
            r->answer[j] = -1;  // a regression target is no class
            r->known[j] = -1;
        }
    }
    if (!rc && r->have_teacher) {
        if (!(r->teacher_test = malloc(sizeof(int32_t) * (r->n_test + 1)))) return sc_errf(err, "out of memory");
        rc = sc_predict(&r->pipe, &r->teacher, &r->ctx, r->test, r->n_test, r->opts.eval_batch, r->teacher_test,
                        NULL, err);
    }
    sc_ctx_reset(&r->ctx);
    return rc ? -1 : 0;
}

// Labels dataset example j: its status and the oracle's answer revealed.
static void reveal(al_state *r, uint32_t j) {
    r->status[j] = AL_LABELLED;
    r->known[j] = r->answer[j];
    if (r->regression) r->known_t[j] = r->answer_t[j];
    r->labelled[r->n_labelled++] = j;
}

// valid_size > 0: keeps that many student-valid examples, a partial Fisher–Yates
// draw with the seed (not the strategy), sorted by dataset index. A small labelled
// validation set is the realistic one in active learning, and early stopping on
// thousands of examples would cost more than the training it stops.
static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void subset_valid(al_state *r, uint64_t seed) {
    if (r->o.valid_size <= 0 || (size_t)r->o.valid_size >= r->n_valid) return;
    size_t k = (size_t)r->o.valid_size;
    sc_rng g;
    sc_rng_seed(&g, seed ^ 0x56414C49ull);
    for (size_t i = 0; i < k; i++) {
        size_t j = i + (size_t)sc_rng_below(&g, (uint64_t)(r->n_valid - i));
        uint32_t t = r->valid[i];
        r->valid[i] = r->valid[j], r->valid[j] = t;
    }
    qsort(r->valid, k, sizeof *r->valid, cmp_u32);  // back to dataset-index order
    r->n_valid = k;
}

// The first `init` examples of a seeded shuffle of the pool.
static int initial_set(al_state *r, uint64_t seed, sc_err *err) {
    r->labelled = malloc(sizeof(uint32_t) * (r->n_pool + 1));
    r->cand = malloc(sizeof(uint32_t) * (r->n_pool + 1));
    r->picked = malloc(sizeof(uint32_t) * ((size_t)r->o.query + 1));
    r->status = calloc(r->pipe.data.n + 1, 1);
    r->points = calloc((size_t)r->o.rounds + 1, sizeof(sc_al_point));
    if (!r->labelled || !r->cand || !r->picked || !r->status || !r->points) return sc_errf(err, "out of memory");
    memcpy(r->cand, r->pool, sizeof(uint32_t) * r->n_pool);
    for (size_t i = 0; i < r->n_pool; i++) r->status[r->pool[i]] = AL_UNLABELLED;
    sc_rng g;
    sc_rng_seed(&g, seed ^ 0x414C494Eull);
    for (size_t i = 0; i < (size_t)r->o.init; i++) {  // partial Fisher–Yates
        size_t j = i + (size_t)sc_rng_below(&g, (uint64_t)(r->n_pool - i));
        uint32_t t = r->cand[i];
        r->cand[i] = r->cand[j], r->cand[j] = t;
        reveal(r, r->cand[i]);
    }
    return 0;
}

static int build(al_state *r, const sc_al_run_cfg *c, sc_err *err) {
    char **rest = calloc((size_t)c->n_sets + 1, sizeof(char *));
    int n_rest = 0;
    if (!rest) return sc_errf(err, "out of memory");
    int rc = read_al_keys(r, c, rest, &n_rest, err) || load_teacher(r, c, err) || resolve(r, c, rest, n_rest, err);
    free(rest);
    if (rc) return -1;
    if (sc_pipeline_open(&r->pipe, c->task, r->have_teacher ? r->x.vocab : NULL, err)) return -1;
    r->have_pipe = 1;
    if (r->have_teacher && r->x.task[0] && strcmp(r->x.task, r->pipe.task->name))
        return sc_errf(err, "%s was trained on task '%s', not '%s'", r->teacher_path, r->x.task, r->pipe.task->name);
    r->regression = r->pipe.shape.regression;
    if (r->regression && r->strategy->needs_classes) {
        char names[512];
        return sc_errf(err, "strategy %s ranks by class probabilities, and '%s' is a regression task (strategies for "
                       "regression: %s)", r->strategy->name, c->task, sc_al_strategy_regression_names(names, sizeof names));
    }
    if (r->regression && r->have_teacher)
        return sc_errf(err, "active learning: task '%s' is a regression task, labelled by its gold targets; a "
                       "teacher oracle (--teacher) is for classification", c->task);
    if (sc_ctx_init(&r->ctx, (size_t)r->opts.arena_mb << 20, c->seed ^ 0xA1A1ull, err)) return -1;
    r->have_ctx = 1;
    r->pool = sc_pipeline_split(&r->pipe, SC_SPLIT_STUDENT_POOL, &r->n_pool);
    r->valid = sc_pipeline_split(&r->pipe, SC_SPLIT_STUDENT_VALID, &r->n_valid);
    r->test = sc_pipeline_split(&r->pipe, SC_SPLIT_TEST, &r->n_test);
    if (!r->pool || !r->valid || !r->test) return sc_errf(err, "out of memory");
    subset_valid(r, c->seed);
    if (check_sizes(r, c, err)) return -1;
    if (sc_model_create(&r->model, r->def, &r->pipe.shape, &r->mcfg, c->seed, err)) return -1;
    r->have_model = 1;
    if (r->strategy->check && r->strategy->check(&r->model, &r->o, err))
        return sc_err_prefix(err, "strategy %s", r->strategy->name);
    if (sc_mkdirs(c->out, err)) return -1;  // every check passed: the run will write
    return oracle_labels(r, err) || initial_set(r, c->seed, err) ? -1 : 0;
}

// Trains on the labelled set (scratch: a fresh model from the seed), early
// stopping on student-valid against the oracle, then tests.
static int train_and_test(al_state *r, const sc_al_run_cfg *c, sc_al_point *p, sc_err *err) {
    if (!r->o.retrain_warm && p->round > 0) {
        sc_model_free(&r->model);
        r->have_model = 0;
        if (sc_model_create(&r->model, r->def, &r->pipe.shape, &r->mcfg, c->seed, err)) return -1;
        r->have_model = 1;
    }
    sc_trainer tr = {.pipe = &r->pipe, .model = &r->model, .opts = r->opts, .train_idx = r->labelled,
                     .valid_idx = r->valid, .n_train = r->n_labelled, .n_valid = r->n_valid, .labels = r->known,
                     .targets = r->known_t, .seed = c->seed + (uint64_t)p->round, .log = NULL, .label = "active"};
    if (sc_train(&tr, &r->ctx, &r->res, err)) return -1;
    sc_ctx_reset(&r->ctx);
    p->labelled = r->n_labelled;
    p->test_simulatability = -1;
    if (r->regression) {  // the only read of test targets: evaluation
        int rc = sc_evaluate(&r->pipe, &r->model, &r->ctx, r->test, r->n_test, r->opts.eval_batch, NULL,
                             r->pipe.data.target, &p->test_accuracy, &p->test_rmse, err);
        sc_ctx_reset(&r->ctx);
        if (rc) return -1;
    } else {
        if (sc_predict(&r->pipe, &r->model, &r->ctx, r->test, r->n_test, r->opts.eval_batch, r->pred, NULL, err))
            return -1;
        sc_ctx_reset(&r->ctx);
        size_t right = 0, agree = 0;
        for (size_t i = 0; i < r->n_test; i++) {  // the only reads of test labels: evaluation
            right += r->pred[i] == r->pipe.data.label[r->test[i]];
            if (r->teacher_test) agree += r->pred[i] == r->teacher_test[i];
        }
        p->test_accuracy = (double)right / (double)r->n_test;
        if (r->teacher_test) p->test_simulatability = (double)agree / (double)r->n_test;
    }
    p->valid_accuracy = r->res.best_valid;
    p->train_seconds = r->res.seconds;
    p->steps = r->res.steps, p->epochs_run = r->res.epochs_run, p->best_epoch = r->res.best_epoch;
    p->stopped_by = r->res.stopped_by;
    return 0;
}

// Asks the strategy for `query` unlabelled pool examples and labels them.
static int query(al_state *r, const sc_al_run_cfg *c, int round, sc_err *err) {
    size_t n_cand = 0, b = (size_t)r->o.query;
    for (size_t i = 0; i < r->n_pool; i++)
        if (r->status[r->pool[i]] == AL_UNLABELLED) r->cand[n_cand++] = r->pool[i];
    uint32_t *picked = r->picked;
    memset(picked, 0xFF, sizeof(uint32_t) * b);  // a pick left unset is caught below, never read uninitialised
    sc_al_env e = {.pipe = &r->pipe, .model = &r->model, .ctx = &r->ctx, .eval_batch = r->opts.eval_batch,
                   .labelled = r->labelled, .n_labelled = r->n_labelled, .valid = r->valid, .n_valid = r->n_valid,
                   .oracle = r->known, .targets = r->known_t, .opt = &r->o, .seed = c->seed, .round = round,
                   .note = r->points[round].note, .note_cap = sizeof r->points[round].note};
    if (r->strategy->select(&e, r->cand, n_cand, b, picked, err))
        return sc_err_prefix(err, "strategy %s, round %d", r->strategy->name, round);
    sc_ctx_reset(&r->ctx);
    for (size_t i = 0; i < b; i++) {  // a strategy's picks must be new, distinct pool examples
        uint32_t j = picked[i];
        if (j >= r->pipe.data.n || r->status[j] != AL_UNLABELLED)
            return sc_errf(err, "strategy %s, round %d: pick %zu (example %u) is not an unlabelled pool example",
                           r->strategy->name, round, i, j);
        r->status[j] = AL_LABELLED;  // marks repeats within the query too
    }
    for (size_t i = 0; i < b; i++) reveal(r, picked[i]);  // check_sizes bounds the total by n_pool
    return 0;
}

static void progress(const al_state *r, const sc_al_run_cfg *c, const sc_al_point *p, double t0) {
    if (!c->log) return;
    double spent = sc_now() - t0, per = spent / (double)(p->round + 1);
    fprintf(c->log, "active %s round %ld/%ld: %zu labelled, test %s %.4f", r->strategy->name, p->round,
            r->o.rounds, p->labelled, r->regression ? "r" : "acc", p->test_accuracy);
    if (r->regression) fprintf(c->log, " (rmse %.4g)", p->test_rmse);
    if (p->test_simulatability >= 0) fprintf(c->log, ", sim %.4f", p->test_simulatability);
    fprintf(c->log, ", valid %.4f; %.1f s/round, ETA %.0f s%s%s\n", p->valid_accuracy, per,
            per * (double)(r->o.rounds - p->round), p->note[0] ? "; " : "", p->note);
    fflush(c->log);
}

// The loop: train and test, then (but after the last round) query.
static int loop(al_state *r, const sc_al_run_cfg *c, sc_err *err) {
    double t0 = sc_now();
    if (c->log)
        fprintf(c->log, "active-learn %s on %s, strategy %s, oracle %s: pool %zu, valid %zu, test %zu; init %ld, "
                "query %ld, rounds %ld (%s)\n", r->def->name, c->task, r->strategy->name,
                r->o.oracle == SC_AL_ORACLE_TEACHER ? "teacher" : "gold", r->n_pool, r->n_valid, r->n_test,
                r->o.init, r->o.query, r->o.rounds, r->o.retrain_warm ? "warm" : "scratch");
    size_t first = 0;
    for (long round = 0; round <= r->o.rounds; round++) {
        sc_al_point *p = &r->points[round];
        p->round = round;
        p->first_queried = first, p->n_queried = r->n_labelled - first;
        if (train_and_test(r, c, p, err)) return sc_err_prefix(err, "round %ld", round);
        r->n_points = (int)round + 1;
        progress(r, c, p, t0);
        if (round == r->o.rounds) break;
        double ts = sc_now();
        first = r->n_labelled;
        if (query(r, c, (int)round + 1, err)) return -1;
        r->points[round + 1].select_seconds = sc_now() - ts;
    }
    return 0;
}

static int fill_outcome(al_state *r, const sc_al_run_cfg *c, sc_al_outcome *o, double seconds, sc_err *err) {
    snprintf(o->task, sizeof o->task, "%s", r->pipe.task->name);
    snprintf(o->arch, sizeof o->arch, "%s", r->def->name);
    snprintf(o->strategy, sizeof o->strategy, "%s", r->strategy->name);
    snprintf(o->oracle, sizeof o->oracle, "%s", r->o.oracle == SC_AL_ORACLE_TEACHER ? "teacher" : "gold");
    o->seed = c->seed, o->n_pool = r->n_pool, o->n_valid = r->n_valid, o->n_test = r->n_test;
    o->regression = r->regression;
    o->n_points = r->n_points, o->seconds = seconds;
    o->points = r->points, r->points = NULL;  // handed over
    o->queried = malloc(sizeof(uint32_t) * (r->n_labelled + 1));
    size_t np = (size_t)o->n_points + 1, *n = malloc(sizeof(size_t) * np);
    double *a = malloc(sizeof(double) * np), *s = malloc(sizeof(double) * np);
    if (!o->queried || !n || !a || !s) return free(n), free(a), free(s), sc_errf(err, "out of memory");
    memcpy(o->queried, r->labelled, sizeof(uint32_t) * r->n_labelled);
    for (int i = 0; i < o->n_points; i++)
        n[i] = o->points[i].labelled, a[i] = o->points[i].test_accuracy, s[i] = o->points[i].test_simulatability;
    o->aulc = sc_al_aulc(n, a, o->n_points);
    o->aulc_simulatability = r->teacher_test ? sc_al_aulc(n, s, o->n_points) : -1;
    free(n), free(a), free(s);
    snprintf(o->metrics_path, sizeof o->metrics_path, "%s/metrics.msgpack", c->out);
    return 0;
}

int sc_al_run(const sc_al_run_cfg *c, sc_al_outcome *o, sc_err *err) {
    memset(o, 0, sizeof *o);
    if (!c->task) return sc_errf(err, "active-learn: no task given");
    if (!c->out) return sc_errf(err, "active-learn: no output folder given");
    const sc_al_strategy_def *st = sc_al_strategy_find(c->strategy);
    if (!st) {
        char names[512];
        return sc_errf(err, "active-learn: unknown strategy '%s' (known: %s)", c->strategy ? c->strategy : "(none)",
                       sc_al_strategy_names(names, sizeof names));
    }
    al_state *r = calloc(1, sizeof *r);
    if (!r) return sc_errf(err, "active-learn: out of memory");
    r->strategy = st;
    double t0 = sc_now();
    int rc = build(r, c, err) || loop(r, c, err) || fill_outcome(r, c, o, sc_now() - t0, err) ||
                     sc_al_write_result(r, c, o, err)
                 ? -1
                 : 0;
    if (rc) sc_al_outcome_free(o);
    state_free(r);
    return rc;
}
