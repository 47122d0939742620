// meta_case.h — the SMaT step cases that `scaffold bench meta` prices and the
// side-by-side comparison (scripts/bench/) replicates, built once here so the
// table, the export and the timed rounds all run the very same setup.
//
// Cases (a fresh, untrained teacher: cost does not depend on its weights):
//   meta  synth-text (T ≤ 25 after [CLS]), the default teacher transformer (2 layers,
//         width 64, 4 heads) with the learnable attention explainer, the student
//         of students/configs/synth-text.yaml (1 layer, width 32, 2 heads) with its
//         own attention explainer; batch 32 (train) and 32 (student-valid).
//   mid   a mid-size case where the GEMMs matter: teacher 4 layers × 256 wide
//         (4 heads), student 2 × 128 (2 heads), T = 64 (synth-text sentences of 63
//         words, generated from a task file written to a temporary folder).
// Both: the paper's student SGD (lr 5e-3, clip 5, coupled weight decay 0.01, no
// momentum) over θ = the student and its explainer, β = 5, AdamW on φ (the
// teacher explainer) at meta lr 5e-4, clip 5; both explainers start at
// temperature 0.01 (meta_case.c says why: the cost is the same at any value).
//
// Passes, each one real step (sc_meta_case_run):
//   plain      forward, L_sim, backward, SGD step (β = 0: no explanations)
//   explained  forward, L_sim + β·L_expl, backward, SGD step (teacher forward and both explainers)
//   meta       sc_student_meta_step with the configured hypergradient (unrolled-1 unless
//              the caller sets env->st.cfg.hg): the hypergradient w.r.t. φ, then AdamW on φ
#ifndef SC_BENCH_META_CASE_H
#define SC_BENCH_META_CASE_H

#include "smat/student_run.h"

typedef enum sc_meta_pass { SC_META_PLAIN = 0, SC_META_EXPLAINED = 1, SC_META_STEP = 2 } sc_meta_pass;

#define SC_META_CASE_LR 5e-3       // the student's SGD learning rate
#define SC_META_CASE_META_LR 5e-4  // AdamW on φ

typedef struct sc_meta_case {
    sc_student_env *env;        // the student run's state (teacher, student, explainers, context)
    sc_optim opt;               // SGD over θ
    int have_opt, have_b, have_vb;
    sc_batch b, vb;             // the train and student-valid batches
    sc_inputs in, vin;          // as tensors (in the context's arena, below every step's mark)
    const uint32_t *idx, *vidx; // their dataset indices
    size_t n, vn;
    double beta;                // the explained step's β (the run's: 5)
    sc_meta_pass pass;          // what sc_meta_case_run does
    unsigned fwd_flags;         // plain and explained steps: SC_FWD_TRAINING (dropout), or 0
    char tmp[1024];             // mid: the temporary folder of its task file ("" if none)
} sc_meta_case;

// Opens case "meta" or "mid" (anything else is an error naming the two).
// Leaves the BLIS thread count alone. 0, or -1 with err (nothing to close).
int sc_meta_case_open(sc_meta_case *c, const char *case_name, sc_err *err);
void sc_meta_case_close(sc_meta_case *c);

// One step of c->pass (sc_bench_time's callback); the context is rewound after it.
// A failure is left in c->env->ctx (failed, err).
void sc_meta_case_run(void *c);

// θ: the student's parameters, then its explainer's, in the optimizer's order.
int sc_meta_case_theta(const sc_meta_case *c, sc_tensor **theta);

// The values a replica must reproduce on the case, every forward in eval mode
// (no dropout, so they are deterministic; the timed plain and explained steps
// use dropout as training does):
//   plain, plain_after          L_sim(θ) on the train batch, and after one SGD step on it
//   explained, explained_after  L_sim + β·L_expl, and after one SGD step on it
//   outer                       unrolled-1: L_out on the valid batch at θ' = SGD(θ, ∇L_in(θ; φ))
//   dphi, phi_after             dL_out(θ'(φ))/dφ, and φ after the AdamW step with it (flat,
//                               in the explainer's parameter order; n_phi floats each, malloc'd)
// The case's state is put back afterwards (θ, φ, both optimizers' state).
typedef struct sc_meta_values {
    double plain, plain_after, explained, explained_after, outer;
    int n_phi;
    float *dphi, *phi_after;
} sc_meta_values;
int sc_meta_case_values(sc_meta_case *c, sc_meta_values *v, sc_err *err);
void sc_meta_values_free(sc_meta_values *v);

// L_sim at the current θ in eval mode (the first value above): the fingerprint
// `bench time` prints.
double sc_meta_case_plain_loss(sc_meta_case *c);

#endif
