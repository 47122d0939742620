// scouts.c — young students for the SMaT meta step (scouts.h).
#include "smat/scouts.h"

#include <stdlib.h>
#include <string.h>

#include "autograd/engine.h"

// Scout k's seed for its life number `life`: distinct from the run's student
// (seed) and from every other scout and life.
static uint64_t scout_seed(const sc_scouts *sc, int k, long life) {
    uint64_t z = sc->seed ^ 0x53434F5554ull ^ ((uint64_t)(k + 1) << 40) ^ (uint64_t)life * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;  // splitmix64's finalizer
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Copies the data of every tensor of `from` into `to` (same layout: both were
// built by one definition from one config).
static void copy_slab(sc_params *to, const sc_params *from) {
    for (int i = 0; i < to->n; i++)
        memcpy(to->t[i]->data, from->t[i]->data, (size_t)to->t[i]->numel * sc_dtype_size(to->t[i]->dtype));
}

// A fresh initialization for scout k (model and ψ), written into its existing
// slabs so the optimizer's views and the objective's pointers stay valid; the
// optimizer's state starts again at zero.
static int reinit(sc_scouts *sc, int k, sc_err *err) {
    sc_scout *s = &sc->s[k];
    sc_model *fresh = calloc(1, sizeof *fresh);
    sc_explainer *fe = calloc(1, sizeof *fe);
    int rc = -1;
    if (!fresh || !fe) {
        sc_errf(err, "scouts: out of memory");
    } else if (!sc_model_create(fresh, s->model.def, &s->model.shape, &s->model.cfg, scout_seed(sc, k, s->lives),
                                err)) {
        if (!sc_explainer_create(fe, s->sexpl.def->name, &s->sexpl.cfg, fresh, err)) {
            copy_slab(&s->model.params, &fresh->params);
            copy_slab(&s->sexpl.params, &fe->params);
            sc_optim_reset_state(&s->opt);
            rc = 0;
            sc_explainer_free(fe);
        }
        sc_model_free(fresh);
    }
    free(fresh);
    free(fe);
    return rc;
}

static int scout_init(sc_scouts *sc, int k, const sc_smat *proto, const sc_optim_cfg *ocfg, sc_err *err) {
    sc_scout *s = &sc->s[k];
    const sc_model *m = proto->student;
    if (sc_model_create(&s->model, m->def, &m->shape, &m->cfg, scout_seed(sc, k, 0), err)) return -1;
    s->have_model = 1;
    if (sc_explainer_create(&s->sexpl, proto->student_expl->def->name, &proto->student_expl->cfg, &s->model, err))
        return -1;
    s->have_sexpl = 1;
    sc_tensor *theta[SC_PARAMS_MAX];
    int nt = 0;
    const sc_params *sets[2] = {&s->model.params, &s->sexpl.params};
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < sets[j]->n; i++) {
            if (nt == SC_PARAMS_MAX) return sc_errf(err, "scouts: more than %d parameter tensors", SC_PARAMS_MAX);
            theta[nt++] = sets[j]->t[i];
        }
    if (sc_optim_init(&s->opt, ocfg, theta, nt, err)) return -1;
    s->have_opt = 1;
    s->smat = *proto;
    s->smat.student = &s->model;
    s->smat.student_expl = &s->sexpl;
    s->smat.cache = NULL;  // the run's cache, if any, stays the run's (a learned explainer has none)
    s->smat.cache_have = NULL;
    // Staggered: scout k's first life is R·(k+1)/K steps, later ones R.
    s->life = sc->reset_every * (k + 1) / sc->n;
    if (s->life < 1) s->life = 1;
    return 0;
}

int sc_scouts_init(sc_scouts *sc, int n, long reset_every, const sc_smat *proto, const sc_optim_cfg *ocfg,
                   const sc_schedule *sched, uint64_t seed, sc_err *err) {
    memset(sc, 0, sizeof *sc);
    if (n <= 0) return 0;
    if (reset_every < 1) return sc_errf(err, "scouts: scout_reset must be at least 1 step (got %ld)", reset_every);
    if (!proto->student_expl)
        return sc_errf(err, "scouts: the run has no student explainer (beta = 0): scouts learn from explanations");
    sc->s = calloc((size_t)n, sizeof *sc->s);
    if (!sc->s) return sc_errf(err, "scouts: out of memory for %d students", n);
    sc->n = n;
    sc->reset_every = reset_every;
    sc->seed = seed;
    sc->sched = *sched;
    sc->sched.total = reset_every;
    if (sc->sched.warmup > sc->sched.total) sc->sched.warmup = sc->sched.total;
    for (int k = 0; k < n; k++)
        if (scout_init(sc, k, proto, ocfg, err)) {
            sc_scouts_free(sc);
            return -1;
        }
    return 0;
}

void sc_scouts_free(sc_scouts *sc) {
    for (int k = 0; sc->s && k < sc->n; k++) {
        sc_scout *s = &sc->s[k];
        if (s->have_opt) sc_optim_free(&s->opt);
        if (s->have_sexpl) sc_explainer_free(&s->sexpl);
        if (s->have_model) sc_model_free(&s->model);
    }
    free(sc->s);
    memset(sc, 0, sizeof *sc);
}

double sc_scout_lr(const sc_scouts *sc, int k) { return sc_schedule_lr(&sc->sched, sc->s[k].age); }

int sc_scout_step(sc_scouts *sc, int k, sc_ctx *ctx, const sc_inputs *in, const uint32_t *idx, size_t n, sc_err *err) {
    sc_scout *s = &sc->s[k];
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    sc_tensor *loss = sc_smat_inner_loss(&s->smat, ctx, in, idx, n, SC_FWD_TRAINING);
    sc_tensor **g = loss ? sc_grad(ctx, &loss, 1, s->opt.p, s->opt.n, NULL, 0) : NULL;
    if (!g || sc_optim_step(&s->opt, ctx, g, sc_scout_lr(sc, k)))
        return sc_errf(err, "scout %d: %s", k + 1, ctx->err.msg);
    sc_ctx_rewind(ctx, mark);  // first: the tape read this scout's slabs, which reinit overwrites
    if (++s->age < s->life) return 0;
    s->age = 0;
    s->lives++;
    s->life = sc->reset_every;
    return reinit(sc, k, err);
}
