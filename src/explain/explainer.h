// explainer.h — explainers: a model's forward state -> saliency over its units.
//
// An explainer maps (model, inputs, the state of a forward pass, target classes)
// to a saliency tensor (B, U) over the model's units: each row a distribution
// over the units with unit_mask 1 (masked units are exactly 0). Some explainers
// own learnable parameters (an sc_params slab, e.g. the attention explainer's
// head coefficients) which SMaT meta-learns, so their output is built only from
// differentiable ops: it is differentiable w.r.t. those parameters and, when the
// state comes from a forward pass on the tape, w.r.t. the model parameters too.
//
// Explainers are found by name in a registry (explainer.c); each declares its
// configuration keys with defaults (sc_config_spec) and the size of its own
// resolved settings (a struct private to its file, e->settings). Two ways to add
// one (src/README.md, "How to add"): a built-in is one file in explain/ plus one
// row in explainer.c's table; a program of your own defines an sc_explainer_def
// in one file and calls sc_explainer_register before creating it
// (tests/test_explainer_plugin.c is a complete example).
#ifndef SC_EXPLAIN_EXPLAINER_H
#define SC_EXPLAIN_EXPLAINER_H

#include "models/model.h"

struct sc_explainer;

// What explain() is given.
typedef struct sc_explain_args {
    const sc_model *model;
    const sc_inputs *in;
    const sc_model_state *st;  // from a forward pass of `model` on `in`
    sc_tensor *logits;         // (B, K) that forward's outputs (gradient explainers with create_graph)
    const int32_t *targets;    // (B) classes to explain; NULL = the model's predicted class
    int create_graph;          // gradient explainers: keep the gradients on the tape (student side)
    sc_tensor *base;           // (B, U) another explanation (the `permuted` control), else NULL
    const sc_tensor *gold;     // (B, U) ground-truth rationale per unit (the `rationale` control), else NULL
    // Return the scores before the unit normalizer (z / temperature) instead of a
    // distribution, for explainers that have one (attention): the student side
    // of an explanation loss takes scores (explain/losses.h).
    int raw_scores;
} sc_explain_args;

// What an explainer is, as data the rest of scaffold reads instead of its name:
// SMaT's default explanation-loss weight, whether --learn-explainer can train
// it, whether a student may use it as its own (differentiable) explainer.
enum {
    // Owns parameters (e->params) that SMaT meta-learns: --learn-explainer accepts it.
    SC_EXPL_LEARNABLE = 1 << 0,
    // Usable as the STUDENT's explainer: its scores are differentiable w.r.t.
    // the model's parameters (attention logits on the tape, or gradients kept
    // with create_graph) and it honours raw_scores. Perturbation explainers and
    // the controls are not.
    SC_EXPL_STUDENT_OK = 1 << 1,
};

// What an explainer needs from the model and the run beyond the forward pass's
// unit mask (sc_explainer_def.needs), so that `scaffold explainers` can say
// which models and tasks it works with. Names: sc_explainer_need_name.
enum {
    // The pre-softmax attention logits of every layer (st->attn_logits): models
    // with attention (m->info.n_layers > 0); init refuses the others.
    SC_EXPL_NEEDS_ATTENTION = 1 << 0,
    // Gradients of the explained logit w.r.t. the unit embeddings (a backward
    // pass through the model; st->embeddings, kept on the tape for students).
    SC_EXPL_NEEDS_EMBED_GRAD = 1 << 1,
    // More forward passes of the model on modified inputs (units removed, or
    // embeddings scaled).
    SC_EXPL_NEEDS_FORWARDS = 1 << 2,
    // Another explainer's explanation of the same batch (a->base).
    SC_EXPL_NEEDS_BASE = 1 << 3,
    // The task's ground-truth rationales (a->gold): tasks with `rationales`.
    SC_EXPL_NEEDS_RATIONALE = 1 << 4,
};
#define SC_EXPL_NEEDS_ALL 0x1fu

typedef struct sc_explainer_def {
    const char *name;
    const char *summary;  // one line: what the saliency is
    const sc_config_spec *spec;  // NULL-key terminated
    // SMaT's explanation-loss weight when the student config says beta=auto:
    // the reference's 5 for attention-like distributions (and the controls that
    // stand in for them), 0.2 for the sharper gradient/perturbation scores.
    double default_beta;
    unsigned flags;  // SC_EXPL_*
    // Reads e->cfg (defaults applied) into its settings (e->settings), may create
    // parameters in e->params and may point e->coef at the coefficients the
    // result files record. On failure it returns -1 and leaves the rest to
    // sc_explainer_create (which frees e).
    int (*init)(struct sc_explainer *e, const sc_model *m, sc_err *err);
    sc_tensor *(*explain)(struct sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a);
    // Bytes of the explainer's own settings struct: sc_explainer_create gives
    // e->settings that many zeroed bytes before init (NULL when 0), and
    // sc_explainer_free frees them. Only the explainer's file knows their type.
    size_t settings_size;
    unsigned needs;  // SC_EXPL_NEEDS_*: what it reads besides the unit mask (0: nothing)
    // Optional split of explain() for a learnable explainer whose input from the
    // model does not depend on its parameters (the attention explainer's
    // per-head aggregated logits). feature_rows(e) = P, or 0 when this
    // configuration has no such split (aggregation=learned: its query weights
    // are parameters). features(a) is (B, P, U), a function of the model and the
    // inputs alone; from_features(f, unit_mask, a) finishes the explanation from
    // it, and explain(a) is from_features(features(a), a->st->unit_mask, a), the
    // same ops. A frozen teacher's features are constants, so SMaT computes them
    // once per example (smat/feature_cache.h). All three or none.
    int (*feature_rows)(const struct sc_explainer *e);
    sc_tensor *(*features)(struct sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a);
    sc_tensor *(*from_features)(struct sc_explainer *e, sc_ctx *ctx, sc_tensor *f, const sc_tensor *unit_mask,
                                const sc_explain_args *a);
} sc_explainer_def;

// A short phrase for one SC_EXPL_NEEDS_* bit ("attention logits of every
// layer"), NULL for anything else.
const char *sc_explainer_need_name(unsigned bit);

// Normalizers (explainer.c, explain/losses.h); NONE divides a nonnegative z by its sum.
typedef enum sc_expl_norm { SC_NORM_SOFTMAX = 0, SC_NORM_SPARSEMAX, SC_NORM_ENTMAX15, SC_NORM_NONE } sc_expl_norm;
enum { SC_AGG_MEAN = 0, SC_AGG_CLS, SC_AGG_LEARNED };

// What every explainer has; what only one explainer reads lives in its settings.
typedef struct sc_explainer {
    const sc_explainer_def *def;
    sc_config cfg;            // resolved configuration
    sc_params params;         // learnable parameters (params.n == 0 if none)
    int n_layers, n_heads;    // of the model's attention (0 if none), from m->info
    // The coefficients the result files record (φ of the teacher's explainer, ψ
    // of the student's): learnable (in params) or fixed; NULL if it has none.
    // The attention explainers' (L*H) head coefficients.
    sc_tensor *coef;
    void *settings;           // def->settings_size zeroed bytes, the explainer's own (NULL if 0)
} sc_explainer;

// The registry: the built-in explainers, then the registered ones in the order
// they were registered. Names are unique.
const sc_explainer_def *sc_explainer_find(const char *name);
const sc_explainer_def *const *sc_explainer_list(int *n);

// The registered names, ", "-separated, into buf (cut with "..." if it does
// not fit): what messages about an unknown explainer list. Returns buf.
const char *sc_explainer_names(char *buf, size_t cap);
// The registered name a mistyped `name` most likely meant (edit distance at
// most 2), or NULL.
const char *sc_explainer_nearest(const char *name);

// The registry's size (the built-ins included) and the longest name.
#define SC_EXPLAINER_MAX 64
#define SC_EXPLAINER_NAME_MAX 48
// Adds an explainer defined outside the library (a research program's own), so
// that sc_explainer_find / sc_explainer_list, sc_explainer_create and what is
// built on them (sc_student_run, manifest checks) know it. The definition is
// borrowed, not copied: it must outlive every use (e.g. a `static const`
// object). Refuses, with err naming why and nothing changed: a NULL definition,
// spec or name; a name that is empty, longer than SC_EXPLAINER_NAME_MAX, not
// made of [a-z0-9-], "none" or "auto" (reserved by the student configuration)
// or already taken; a missing init or explain; unknown flag or needs bits; a
// default_beta that is not a positive number; a full table (SC_EXPLAINER_MAX).
// Call it before creating explainers and before starting threads: the registry
// is not locked. There is no unregistering.
int sc_explainer_register(const sc_explainer_def *def, sc_err *err);
// 1 if the explainer's init creates parameters (e->params) that SMaT can
// meta-learn (--learn-explainer; `learn: true` in a manifest): its
// SC_EXPL_LEARNABLE flag, declared rather than discovered, so that a manifest
// can be checked without building a model; sc_explainer_create refuses an
// explainer whose init disagrees with the declaration.
int sc_explainer_learnable(const sc_explainer_def *d);

// Resolves cfg over the definition's defaults (unknown keys are errors; NULL:
// the defaults alone), reads the model's attention geometry from m->info,
// allocates the settings, and runs init. On failure nothing is left to free.
int sc_explainer_create(sc_explainer *e, const char *name, const sc_config *cfg, const sc_model *m, sc_err *err);
// Frees the slab and the settings: rewind or reset the ctx first if its tape
// still uses the explainer's parameters. A no-op on a zeroed or freed explainer.
void sc_explainer_free(sc_explainer *e);

// Saliency (B, U) in the model's dtype; NULL with ctx->err set on failure.
sc_tensor *sc_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a);

// The features/from_features split (sc_explainer_def): P, 0 when e has none.
int sc_explainer_feature_rows(const sc_explainer *e);
// features(a): (B, P, U), constants computed without recording anything.
sc_tensor *sc_explain_features(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a);
// The saliency (B, U) from features f (B, P, U) and unit_mask (B, U), as
// sc_explain would give on the forward that produced f.
sc_tensor *sc_explain_from_features(sc_explainer *e, sc_ctx *ctx, sc_tensor *f, const sc_tensor *unit_mask,
                                    const sc_explain_args *a);

// ---- helpers shared by the explainers (explainer.c) ----
// The normalizer `kind` over the last axis of z (B, U) / temperature, with units
// where unit_mask == 0 excluded (their probability is exactly 0). SC_NORM_NONE
// divides a nonnegative z by its masked sum instead.
sc_tensor *sc_explain_normalize(sc_ctx *ctx, sc_tensor *z, const sc_tensor *unit_mask, int kind, double temperature);
// Classes to explain: a->targets, or the argmax of logits (B, K). Step arena, i32 (B).
sc_tensor *sc_explain_targets(sc_ctx *ctx, const sc_explain_args *a, sc_tensor *logits);
// Attention logits of every layer aggregated over query rows (SC_AGG_MEAN:
// mean over the real query positions; SC_AGG_CLS: row 0; SC_AGG_LEARNED:
// softmax over real rows of the last hidden states times `query` (C), see
// attention.c; query is NULL otherwise), the first
// unit_offset key positions dropped: (B, L*H, U), layer-major.
sc_tensor *sc_explain_attention_logits(sc_ctx *ctx, const sc_explain_args *a, int aggregation, sc_tensor *query);
// Raw gradient attributions (B, U) before any normalizer, for the target
// classes: kind 0 = ||d logit_y / d e_u||, kind 1 = <d logit_y / d e_u, e_u>.
// With a->create_graph they come from a->logits and a->st->embeddings and stay
// on the tape; otherwise from a fresh SC_FWD_EMBED_LEAF forward pass.
sc_tensor *sc_explain_gradient_raw(sc_ctx *ctx, const sc_explain_args *a, int kind);
// Integrated gradients from the zero embedding: (B, U) with
// sum_u raw_u ~= f_y(x) - f_y(0) (completeness), `steps` Riemann points
// (midpoint rule, or the trapezoid rule with steps + 1 points).
sc_tensor *sc_explain_ig_raw(sc_ctx *ctx, const sc_explain_args *a, int steps, int trapezoid);
// Leave one unit out: score_y(x) - score_y(x without unit u), (B, U); score is
// the predicted class's probability (the output itself for regression). A text
// token is removed through the mask; a feature or an image cell is zeroed.
sc_tensor *sc_explain_occlusion_raw(sc_ctx *ctx, const sc_explain_args *a);
// LIME: weighted least-squares coefficients (B, U) of the score on `samples`
// random keep/remove masks of the real units (the first sample keeps all),
// kernel exp(-d^2 / width^2) with d the fraction of units removed.
sc_tensor *sc_explain_lime_raw(sc_ctx *ctx, const sc_explain_args *a, int samples, double width, uint64_t seed);
// The normalizer words, in enum order: "softmax", "sparsemax", "entmax15", "none".
extern const char *const sc_explain_norm_names[];

#endif
