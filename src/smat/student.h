// student.h — training a student to simulate a frozen teacher, with the
// teacher's explanations as extra supervision, and optionally meta-learning the
// teacher explainer (SMaT; the method and data flow: src/README.md).
//
// The student step is the ordinary trainer step (train/trainer.h) on
// L_in = L_sim + β · L_expl (objective.h), the student explainer's ψ trained
// jointly with the student (attention), or, for students without attention, a
// gradient explainer of the student itself with no ψ: L_expl then depends on θ
// through d f_y / d e_u (double backpropagation). With --learn-explainer, every `meta_interval`
// student steps a meta step follows: the hypergradient of the student's
// simulation loss on the next student-valid batch (eval mode, no explanations)
// at the parameters after the student's real optimizer update on the same
// train batch (deterministic forward), w.r.t. the teacher explainer's φ
// (smat/hypergrad.h; unrolled-1 by default), then an in-place AdamW step on φ
// (clip 5, no weight decay). The student is never reset.
//
// Static teacher explanations (no meta-learning) are computed once for the
// training examples (the objective's cache).
#ifndef SC_SMAT_STUDENT_H
#define SC_SMAT_STUDENT_H

#include "core/config.h"
#include "data/batch.h"
#include "smat/hypergrad.h"
#include "smat/objective.h"
#include "smat/scouts.h"
#include "train/trainer.h"

// SMaT keys of a student run's config (beta, expl_loss, meta_*, hypergrad ...).
extern const sc_config_spec sc_student_spec[];

typedef struct sc_student_cfg {
    double beta;
    sc_expl_loss_kind loss;
    int learn;             // meta-learn the teacher explainer
    double meta_lr, meta_clip;
    long meta_interval, meta_batch;
    sc_schedule meta_sched;  // meta lr over the run's meta steps (base meta_lr; total set per run)
    sc_hg_cfg hg;
    long scouts, scout_reset;  // young students averaged into the meta gradient (smat/scouts.h)
    int init_embeddings;   // copy the teacher's token embeddings into the student
} sc_student_cfg;

// The meta learning rate of meta step `meta_step` (0-based) in a run of
// `total_steps` student steps: c->meta_sched over total_steps / meta_interval
// meta steps (warmup clipped to that), as sc_schedule_lr defines it.
double sc_student_meta_lr(const sc_student_cfg *c, long meta_step, long total_steps);

// The paper's β for an explainer: 0 for "none", 0.2 for gradient and
// perturbation explainers, 5 for attention explainers and the controls.
double sc_student_default_beta(const char *explainer);

// Reads the sc_student_spec keys of cfg (defaults applied; beta's default
// depends on the explainer, meta_lr's on regression, meta_batch's on the batch).
int sc_student_cfg_from_config(sc_student_cfg *c, sc_config *cfg, const char *explainer, int regression,
                               long batch_size, sc_err *err);

typedef struct sc_student {
    sc_pipeline *pipe;
    sc_model *teacher, *student;
    sc_explainer texpl, sexpl;
    int have_texpl, have_sexpl, have_meta, have_vb;
    sc_student_cfg cfg;
    sc_smat smat;
    sc_feature_cache fcache;  // the learned teacher explainer's features per example (smat.fcache points here)
    int32_t *sim_labels;   // (dataset n) the teacher's argmax, where predicted
    float *sim_targets;    // (dataset n) the teacher's scores (regression)
    sc_optim meta_opt;     // over φ = texpl.params
    sc_batcher vb;         // cycles the student-valid split for the meta steps
    sc_batch vbatch;
    uint32_t *vidx;        // (meta_batch)
    sc_scouts scouts;      // cfg.scouts young students (sc_student_scouts_init), or none
    // Meta-step record: the outer loss (before each φ update) averaged per epoch.
    double meta_curve[SC_MAX_EPOCHS];  // mean outer loss per epoch
    int n_meta_curve;
    double meta_sum, meta_seconds;
    long meta_n, meta_steps;
} sc_student;

// The student explainer a `student_explainer` value names: "auto" (or NULL) is
// `attention` when the student exposes attention, else `gradient-x-input`; an
// explicit name must be one whose scores are differentiable w.r.t. the student's
// parameters (the attention explainers, gradient-norm, gradient-x-input: the
// gradient ones by double backpropagation, with no ψ). *out is a static string.
int sc_student_explainer_resolve(const char *name, const sc_model *student, const char **out, sc_err *err);

// Sets up explainers (teacher: `explainer` with tcfg; student: `student_explainer`
// resolved as above, with scfg, only when β > 0) and the meta optimizer
// (cfg->learn: the teacher explainer must have parameters). "none" means no
// explainers at all.
int sc_student_init(sc_student *s, sc_pipeline *p, sc_model *teacher, sc_model *student, const char *explainer,
                    const sc_config *tcfg, const char *student_explainer, const sc_config *scfg,
                    const sc_student_cfg *cfg, uint64_t seed, sc_err *err);
void sc_student_free(sc_student *s);

// The cfg.scouts young students of a learning run (smat/scouts.h), trained with
// the student's optimizer recipe and schedule (opts) from seeds derived from
// `seed`. A no-op without learning or with scouts = 0.
int sc_student_scouts_init(sc_student *s, const sc_train_opts *opts, uint64_t seed, sc_err *err);

// The teacher's predictions on idx into the simulation targets.
int sc_student_teacher_predict(sc_student *s, sc_ctx *ctx, const uint32_t *idx, size_t n, long eval_batch,
                               sc_err *err);

// One meta step: dφ of L_out(vidx) after the student's update with `opt` at lr
// on the train batch (in, idx) — averaged with each scout's dφ at its own
// parameters, after which each scout takes its real step on the batch — then,
// if meta_lr > 0, an AdamW step on φ. *outer = L_out at the co-trained
// student's updated parameters with φ before the step.
int sc_student_meta_step(sc_student *s, sc_ctx *ctx, sc_optim *opt, double lr, const sc_inputs *in,
                         const uint32_t *idx, size_t n, const uint32_t *vidx, size_t vn, double meta_lr,
                         double *outer, sc_err *err);

// Hooks for sc_train: the explanation loss (β > 0), the meta step (learn), and
// the student explainer's ψ as the trainer's extra parameters (*extra).
void sc_student_hooks(sc_student *s, sc_train_hooks *h, sc_params **extra);

#endif
