// optim.h — optimizers (SGD with momentum/Nesterov, Adam, AdamW), global-norm
// gradient clipping and learning-rate schedules.
//
// Every optimizer comes in two forms that compute the same update:
//
//  (a) the fast in-place step, sc_optim_step: reads the gradients sc_grad returned
//      (create_graph off), overwrites the parameters' data and the optimizer state
//      (momentum, Adam moments) with raw-pointer kernels. Nothing is recorded on
//      the tape and nothing is allocated per step but (rarely) a contiguous copy of
//      a strided gradient in the step arena; the state lives in the optimizer's own
//      persistent arena (one slab of named views, like the parameters).
//
//  (b) the differentiable functional step, sc_optim_fstep: given parameter tensors
//      and gradient tensors that are graph tensors (gradients from sc_grad with
//      create_graph on), it builds NEW parameter tensors θ' out of ops (sc_mul,
//      sc_add, sc_sqrt, ...), recorded on the tape. It mutates nothing. A loss
//      evaluated at θ' can then be differentiated with respect to anything the
//      gradients depended on — this is the SMaT meta-gradient ∂L_out(θ')/∂φ, where
//      φ (the teacher explainer) only enters the inner loss, so it only reaches
//      L_out through the gradient inside the update. An in-place step would cut
//      that path; the functional step keeps it.
//
// Both forms apply, in this order: global-norm clipping of the raw gradients
// (over ALL parameters of the set), weight decay, then the optimizer rule.
// Weight decay is coupled (added to the gradient: g + wd·θ) for SGD and Adam, as the
// SMaT reference does for its student SGD (update = -lr·(clip(g) + wd·θ)), and
// decoupled for AdamW (θ ← θ - lr·wd·θ - lr·adam(g)). In the functional form the
// clip factor min(1, c / (‖g‖ + 1e-6)) is built from ops, so the meta-gradient
// passes through the clipping and through the weight decay.
//
// Optimizer state in the functional step is a constant: the current moments are
// read (detached) from the optimizer and m', v' are new graph tensors (returned on
// request); Adam's bias correction uses the step number the in-place step would
// use next (o->t + 1). To unroll k > 1 steps on one tape, sc_optim_fstep_from
// takes the state explicitly, so m', v' of one functional step feed the next.
// With f64 parameters both forms agree to rounding (tests check 1e-12, also over
// chained steps).
//
// The SMaT meta step, sketched (θ = o->p, φ requires grad):
//   g   = sc_grad(ctx, &L_in, 1, o->p, o->n, NULL, 1);          // create_graph
//   sc_optim_fstep(o, ctx, NULL, g, lr, th1, NULL, NULL);       // θ' as graph tensors
//   dφ  = sc_grad(ctx, &L_out(th1), 1, &phi, 1, NULL, 0);        // through the step
//   ... then the ordinary student step: sc_optim_step(o, ctx, g_plain, lr).
//
// Errors follow the engine: sticky in the ctx (ctx->err names what went wrong),
// functions return 0 on success and -1 on failure.
#ifndef SC_OPTIM_OPTIM_H
#define SC_OPTIM_OPTIM_H

#include <stdint.h>

#include "autograd/engine.h"
#include "core/params.h"

typedef enum sc_optim_kind { SC_OPTIM_SGD = 0, SC_OPTIM_ADAM = 1, SC_OPTIM_ADAMW = 2 } sc_optim_kind;

typedef struct sc_optim_cfg {
    sc_optim_kind kind;
    double momentum;      // SGD: heavy-ball coefficient μ (0 = plain SGD)
    int nesterov;         // SGD: Nesterov look-ahead (needs momentum > 0)
    double weight_decay;  // coupled (SGD, Adam) or decoupled (AdamW); 0 = none
    double beta1, beta2;  // Adam/AdamW moment decay (0.9, 0.999 are usual)
    double eps;           // Adam/AdamW denominator ε (1e-8 is usual)
    double clip_norm;     // global-norm clipping threshold c; <= 0 disables
} sc_optim_cfg;

// Defaults: plain SGD; Adam/AdamW with (0.9, 0.999, 1e-8); no decay, no clipping.
sc_optim_cfg sc_optim_sgd_cfg(double momentum, double weight_decay, double clip_norm);
sc_optim_cfg sc_optim_adam_cfg(int decoupled, double weight_decay, double clip_norm);

typedef struct sc_optim {
    sc_optim_cfg cfg;
    sc_arena arena;                 // persistent: the state tensors below
    int n;
    sc_tensor *p[SC_PARAMS_MAX];    // the parameters (leaves; data updated in place)
    sc_tensor *m[SC_PARAMS_MAX];    // SGD momentum buffer / Adam first moment (NULL if unused)
    sc_tensor *v[SC_PARAMS_MAX];    // Adam second moment (NULL for SGD)
    int64_t t;                      // in-place steps taken so far
} sc_optim;

// An optimizer over n parameter tensors (contiguous f32/f64 leaves, e.g. views of
// an sc_params slab); state is zero-initialized. Returns 0, or -1 with err set.
int sc_optim_init(sc_optim *o, const sc_optim_cfg *cfg, sc_tensor *const *params, int n, sc_err *err);
// The same over every tensor of a parameter slab.
int sc_optim_init_params(sc_optim *o, const sc_optim_cfg *cfg, const sc_params *p, sc_err *err);
void sc_optim_free(sc_optim *o);
// Zeroes the state and the step count (parameters untouched).
void sc_optim_reset_state(sc_optim *o);

// (a) In-place step with learning rate lr: grads[i] matches o->p[i] in shape and
// dtype (any strides). Updates o->p[i]->data, the state and o->t; the gradients
// are left unchanged. Records nothing. 0, or -1 with ctx->err set.
int sc_optim_step(sc_optim *o, sc_ctx *ctx, sc_tensor *const *grads, double lr);

// (b) Functional step with learning rate lr. params[i] (graph tensors; NULL means
// o->p) and grads[i] (from sc_grad with create_graph for a meta-gradient) give
// new_params[i] = θ'_i built from recorded ops. If new_m / new_v are non-NULL they
// receive the updated state m', v' as graph tensors (NULL where a kind has none).
// Neither the optimizer nor its state is modified. 0, or -1 with ctx->err set.
// Call it (and differentiate through it) before the in-place step overwrites the
// parameters: rules recorded here read the parameters' data during backward.
int sc_optim_fstep(const sc_optim *o, sc_ctx *ctx, sc_tensor *const *params, sc_tensor *const *grads,
                   double lr, sc_tensor **new_params, sc_tensor **new_m, sc_tensor **new_v);

// The same from an explicit state, for unrolling k > 1 functional steps: m[i], v[i]
// (NULL arrays or entries: the optimizer's own state, detached) may be graph
// tensors returned by a previous functional step, in which case the step is also
// differentiable through them; t is the number of steps already taken (Adam's bias
// correction uses t + 1). sc_optim_fstep is this with m = v = NULL and t = o->t.
int sc_optim_fstep_from(const sc_optim *o, sc_ctx *ctx, sc_tensor *const *params, sc_tensor *const *grads,
                        sc_tensor *const *m, sc_tensor *const *v, int64_t t, double lr, sc_tensor **new_params,
                        sc_tensor **new_m, sc_tensor **new_v);

// ---- global-norm clipping (clip.c) ----------------------------------------------------
// ‖g‖ over all n tensors (f64 accumulation), any strides; no recording.
double sc_grad_global_norm(sc_tensor *const *grads, int n);
// The clip factor min(1, max_norm / (norm + 1e-6)); 1 when max_norm <= 0.
double sc_clip_factor(double norm, double max_norm);
// Scales the gradients in place by the clip factor; returns the norm before
// clipping. Afterwards ‖g‖ = max_norm · N / (N + 1e-6) when N + 1e-6 > max_norm.
double sc_clip_grad_norm(sc_tensor *const *grads, int n, double max_norm);
// Differentiable clipping: out[i] = grads[i] · factor with the factor built from
// ops (a graph scalar depending on every gradient). When clipping is inactive at
// the current values the factor is the constant 1 (its derivative there is 0) and
// out[i] = grads[i]. All grads must share a dtype. *norm_out (if non-NULL) gets
// the norm as a graph scalar (NULL when max_norm <= 0). 0, or -1 with ctx->err.
int sc_clip_grad_norm_graph(sc_ctx *ctx, sc_tensor *const *grads, int n, double max_norm, sc_tensor **out,
                            sc_tensor **norm_out);
// The factor alone: *factor = max_norm / (N + 1e-6) as a graph scalar, or NULL
// when clipping is off or inactive at the current values (the factor 1).
int sc_clip_factor_graph(sc_ctx *ctx, sc_tensor *const *grads, int n, double max_norm, sc_tensor **factor,
                         sc_tensor **norm_out);

// ---- learning-rate schedules (schedule.c) ----------------------------------------------
typedef enum sc_sched_kind { SC_SCHED_CONSTANT = 0, SC_SCHED_LINEAR = 1, SC_SCHED_COSINE = 2 } sc_sched_kind;

// lr(step), step = 0, 1, 2, ... (the index of the update about to be taken):
//   warmup (step < warmup):  base · (step + 1) / warmup   (the first step is not wasted at 0)
//   then, with p = (step - warmup) / (total - warmup) clamped to [0, 1]:
//     constant: base
//     linear:   floor + (base - floor) · (1 - p)
//     cosine:   floor + (base - floor) · (1 + cos(π p)) / 2
// so lr reaches `floor` at step = total and stays there.
typedef struct sc_schedule {
    sc_sched_kind kind;
    double base_lr;
    double floor_lr;
    int64_t warmup;  // steps of linear warmup (0 = none)
    int64_t total;   // step at which decay reaches the floor
} sc_schedule;

double sc_schedule_lr(const sc_schedule *s, int64_t step);
// 0 if the schedule is well-formed (lr >= 0, floor <= base, 0 <= warmup <= total), else -1 with err.
int sc_schedule_check(const sc_schedule *s, sc_err *err);

#endif
