// scouts.h — young students for a less myopic SMaT meta step.
//
// The meta step (student.h) takes the hypergradient at one student: the one
// co-trained with the explainer. What helps that student in its current state
// (late in training, after its own accidents) is not what helps a student that
// starts from scratch with the explanations — the transfer test, and the
// reason a fixed explanation is worth having. Measured on synth-text: on one
// seed in five the co-trained student's steps pull the head mix toward a head
// of the implausible layer, and fresh students then learn less from it.
//
// A scout is an extra student: its own random initialization, its own student
// explainer ψ and its own optimizer (the trainer's recipe and schedule, by its
// own age), trained on the run's batches with the current teacher explainer.
// After `scout_reset` of its steps it starts again from a fresh initialization
// (a new seed). The K scouts are staggered — scout k's first life lasts
// R·(k+1)/K steps — so at any step the meta gradient sees students at K
// different stages of learning from the explanations:
//
//   dφ = (dφ_main + Σ_k dφ_scout k) / (1 + K)
//
// each an unrolled (or other method's) hypergradient at that student's own
// parameters, on the same train and student-valid batches. A scout steps once
// per meta step (after its hypergradient), so it ages with meta_interval.
// The scouts never touch the co-trained student, its optimizer or its RNG
// stream beyond the step context's dropout draws (the run stays deterministic).
//
// Learned-optimizer and learning-to-teach work trains its outer parameters
// over many inner learners restarted from scratch at staggered points for the
// same reason: the outer parameters must serve every stage of learning, not
// one trajectory, and short unrolls taken at many ages stand in for the
// long-horizon objective without unrolling it.
#ifndef SC_SMAT_SCOUTS_H
#define SC_SMAT_SCOUTS_H

#include "optim/optim.h"
#include "smat/objective.h"

typedef struct sc_scout {
    sc_model model;
    sc_explainer sexpl;   // the scout's own student explainer (ψ)
    sc_optim opt;         // θ = the model's tensors, then ψ (as the trainer orders them)
    sc_smat smat;         // the run's objective, with this scout as the student
    long age, life;       // steps taken since the last reset; steps this life lasts
    long lives;           // resets so far
    int have_model, have_sexpl, have_opt;
} sc_scout;

typedef struct sc_scouts {
    int n;
    long reset_every;     // R
    sc_scout *s;          // (n), heap
    sc_schedule sched;    // the trainer's schedule, with total = R (a scout's life)
    uint64_t seed;
} sc_scouts;

// n scouts like proto's student (architecture, resolved config, shape, student
// explainer with its settings), each trained with optimizer ocfg and learning
// rate sched (by age; its total becomes R), reset every R steps. A zeroed or
// failed sc_scouts may be freed. 0, or -1 with err set.
int sc_scouts_init(sc_scouts *sc, int n, long reset_every, const sc_smat *proto, const sc_optim_cfg *ocfg,
                   const sc_schedule *sched, uint64_t seed, sc_err *err);
void sc_scouts_free(sc_scouts *sc);

// The learning rate of scout k's next step.
double sc_scout_lr(const sc_scouts *sc, int k);

// Scout k's real step on the batch (in, idx): L_in with the current teacher
// explainer, its gradient w.r.t. the scout's θ, an in-place optimizer step;
// then its age, and a reset to a fresh initialization when its life is over.
// Rewinds ctx to where it found it. 0, or -1 with err set.
int sc_scout_step(sc_scouts *sc, int k, sc_ctx *ctx, const sc_inputs *in, const uint32_t *idx, size_t n, sc_err *err);

#endif
