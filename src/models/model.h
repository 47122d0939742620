// model.h — teachers and students: named architectures built from a config.
//
// An architecture is one C file in teachers/ or students/ defining one
// `const sc_model_def sc_teacher_<name>` or `sc_student_<name>` (file name with
// '-' -> '_'); build.zig generates the registry from the file names, so adding a
// student is adding one file. A definition declares its hyperparameters with
// defaults (sc_config_spec), a `build` that creates the parameters in the
// model's slab, and a `forward` that maps a batch to outputs and fills the state
// the explainers read.
//
// Units. Explanations are distributions over a model's input units, and a
// teacher and a student of one task must agree on them, whatever their
// architectures: tokens for text (the same ids for every model; [CLS] is unit 0
// and unit_mask is 0 there, so explanations skip it), grid cells of the image
// for vision (a ViT's patches and a CNN's final feature-map cells use the same
// grid, e.g. 7x7 cells of 4x4 pixels on 28x28 images), features for tabular
// data. The state exposes, per unit:
//   - the input embeddings, a graph tensor gradients can be taken with respect
//     to (with SC_FWD_EMBED_LEAF it is a fresh leaf, for frozen teachers);
//   - per layer, per head, PRE-softmax attention logits with padded keys set to
//     -1e9 (what the attention explainers aggregate);
//   - hidden states, the pooled vector, and class activation maps for CNNs.
#ifndef SC_MODELS_MODEL_H
#define SC_MODELS_MODEL_H

#include "autograd/engine.h"
#include "core/config.h"
#include "core/params.h"
#include "data/task.h"

#define SC_MAX_LAYERS 16

// A batch as tensors (the modality's fields are set, the others NULL).
typedef struct sc_inputs {
    int64_t B;
    sc_tensor *ids;       // (B, T) i32 token ids, [CLS] first          (text)
    sc_tensor *mask;      // (B, T) 1 = token, 0 = padding              (text)
    sc_tensor *images;    // (B, C, H, W) pixel values in [0, 1]        (image)
    sc_tensor *features;  // (B, F) standardized features               (tabular)
    // Masked-unit pretraining (pretrain/mim.h), ViT only: where unit_replace
    // (B, U) is nonzero the unit's embedding is replaced by unit_replacement
    // (C,) before positions are added. Both NULL otherwise.
    sc_tensor *unit_replace, *unit_replacement;
} sc_inputs;

typedef struct sc_model_state {
    int64_t n_units;                        // U
    sc_tensor *unit_mask;                   // (B, U) 1 = a real unit (explanations live here)
    sc_tensor *embeddings;                  // (B, U, E) input embeddings of the units
    int n_layers, n_heads;                  // 0 for models without attention
    // (B, H, Q, K) pre-softmax logits, padded keys = -1e9. Self-attention has
    // Q = K = unit_offset + U: a ViT's [CLS] token sits at position 0 and unit u
    // at key position u + unit_offset. Attention pooling has Q = 1.
    int unit_offset;
    sc_tensor *attn_logits[SC_MAX_LAYERS];
    sc_tensor *hidden[SC_MAX_LAYERS + 1];   // (B, U, C) after embedding (0) and each layer
    sc_tensor *pooled;                      // (B, C) what the output head reads
    sc_tensor *sequence;                    // (B, Q, C) transformers: the encoder's output after its final
                                            // LayerNorm, one row per position (masked-token pretraining reads it)
    sc_tensor *cam;                         // (B, K, U) class activation maps (CNN), else NULL
} sc_model_state;

enum {
    SC_FWD_TRAINING = 1u << 0,    // dropout on
    SC_FWD_EMBED_LEAF = 1u << 1,  // embeddings become a leaf requiring grad
};

// What a task asks of a model: its output size and input geometry.
typedef struct sc_model_shape {
    sc_modality modality;
    int64_t n_outputs;   // classes, or 1 for regression
    int regression;
    int64_t vocab_size;  // text
    int64_t max_tokens;  // text: longest sequence incl. [CLS]
    int64_t C, H, W;     // image
    int64_t F;           // tabular
} sc_model_shape;

struct sc_model_def;

// A built model's geometry, as the explainers and SMaT need it, known without
// running it: set by the architecture's build from its hyperparameters and the
// task's shape. Equal to what a forward pass reports in sc_model_state (for
// text, on a full-length batch): tests/test_models_info.c walks the registry
// and holds every architecture to it.
typedef struct sc_model_info {
    int n_layers, n_heads;  // attention exposed in the state (0, 0 without attention)
    int64_t n_units;        // U: explanation units per example (text: max_tokens, the longest a
                            // batch can be; a batch trimmed to its longest example has fewer)
    int unit_offset;        // key position of unit 0 in the attention logits
    int64_t width;          // C of the last hidden states hidden[n_layers] (B, U, C) when they hold
                            // one vector per query row of the attention (encoders), else 0
} sc_model_info;

typedef struct sc_model {
    const struct sc_model_def *def;
    sc_config cfg;        // resolved hyperparameters (saved in checkpoints)
    sc_model_shape shape;
    sc_params params;     // the slab
    sc_dtype dtype;
    void *arch;           // the architecture's resolved hyperparameters (in the slab arena)
    sc_model_info info;   // geometry, filled by build (n_units >= 1 once built)
} sc_model;

typedef struct sc_model_def {
    const char *name;     // "transformer", "vit", "bag", ...
    const char *role;     // "teacher" or "student"
    sc_modality modality;
    const char *summary;
    const sc_config_spec *spec;  // hyperparameters (NULL-key terminated)
    // Reads m->cfg (defaults applied, keys checked) and m->shape; creates and
    // initializes the parameters in m->params; fills m->info; may set m->arch.
    int (*build)(sc_model *m, sc_rng *rng, sc_err *err);
    // Outputs: (B, n_outputs) logits, or (B, 1) scores for regression. st may be
    // NULL; when given, every field that applies is filled.
    sc_tensor *(*forward)(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, unsigned flags, sc_model_state *st);
    // 1: the forward fills st->cam, and st->hidden[0] is the final feature map
    // over the units (B, U, K) that the logits are computed from (CNNs): what
    // Grad-CAM needs (train-xbl saliency=gradcam).
    int feature_map;
} sc_model_def;

// The registry (generated by build.zig from teachers/*.c and students/*.c).
const sc_model_def *sc_model_find(const char *role, const char *name);
const sc_model_def *const *sc_model_list(int *n);

// The keys every architecture has besides its own spec (`dtype`).
extern const sc_config_spec sc_model_common_spec[];

// Every key of cfg must be one of the definition's hyperparameters (or the
// common `dtype`); the error names the key, where it was set, the nearest known
// key if it looks like a typo, and the known keys. Values are not checked (the build reads them). `scaffold run` checks
// a manifest's --set keys with it before anything runs.
int sc_model_check_config(const sc_model_def *def, const sc_config *cfg, sc_err *err);

// Resolves cfg over the definition's defaults (unknown keys are errors naming
// the key and where it was set), builds and initializes the model from `seed`.
int sc_model_create(sc_model *m, const sc_model_def *def, const sc_model_shape *shape, const sc_config *cfg,
                    uint64_t seed, sc_err *err);
void sc_model_free(sc_model *m);

// Runs the model; fails cleanly (NULL, ctx->err) if the inputs do not fit it.
sc_tensor *sc_model_forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, unsigned flags,
                            sc_model_state *st);

#endif
