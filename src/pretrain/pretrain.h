// pretrain.h — self-supervised pretraining of a backbone without labels
// (`scaffold pretrain`), so that teachers and students can start from the same
// pretrained model, as in the paper's setting.
//
// The architecture fixes the objective: a text transformer learns masked-token
// prediction on a corpus (pretrain/mlm.h, pretrain_text.c); a ViT learns
// masked-cell prediction on a task's teacher-train and student-pool images
// (pretrain/mim.h, pretrain_image.c). The text run:
//   corpus (data/corpus.h) ─▶ vocabulary from its training texts (+ "[MASK]")
//     ─▶ texts encoded once ([CLS] + at most max_tokens-1 ids)
//     ─▶ a held-out slice (valid_texts) for the masked-token validation loss
//     ─▶ AdamW steps over shuffled batches, linear warmup then linear decay
//     ─▶ OUT/pretrained.ckpt  the backbone: an ordinary checkpoint of the text
//                             architecture with the vocabulary and a `pretrain`
//                             provenance field (objective, corpus, corpus digest)
//        OUT/pretrain.state   what resuming needs besides the backbone: the
//                             masked-token head, AdamW moments, curves, counters
//        OUT/metrics.msgpack  kind "pretrain": loss curves, tokens, timing
// Both checkpoint files are rewritten every save_every steps and at the end,
// each atomically.
//
// Determinism and resuming: every random draw of step s (batch order, masks,
// dropout) comes from generators seeded with (seed, s) or (seed, epoch), never
// from a stream carried across steps. So the state after step s is a function of
// the state before it and s alone, and `--resume` from the files written at step
// s continues bit-identically to a run that was never interrupted (tested).
// Resuming checks that the configuration and the corpus digest are the ones the
// files were written with, and that the two files belong to the same step.
#ifndef SC_PRETRAIN_PRETRAIN_H
#define SC_PRETRAIN_PRETRAIN_H

#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "core/err.h"

// The run's own keys (steps, batch_size, lr, ...); every other --set key goes
// to the architecture (layers, width, heads, ...).
extern const sc_config_spec sc_pretrain_spec[];

typedef struct sc_pretrain_cfg {
    const char *arch;           // a text architecture of the teacher registry ("transformer")
    const char *corpus;         // text: corpus NAME or path (data/corpus.h); unused by sc_pretrain_run_texts
    const char *task;           // images (vit): the task whose teacher-train and student-pool images are used
    const char *out;            // output folder (created)
    const char *const *sets;    // "key=value" overrides
    int n_sets;
    uint64_t seed;
    int resume;                 // continue from OUT's files (an error if they are absent or disagree)
    FILE *log;                  // progress and summary lines; NULL = quiet
} sc_pretrain_cfg;

typedef struct sc_pretrain_outcome {
    long steps, resumed_from;      // steps taken in all; the step a resume started from (0 = fresh)
    double train_loss;             // mean masked-token loss over the last eval interval
    double valid_loss0, valid_loss;  // held-out masked-token loss before the first step and at the end
    double seconds, tokens_per_second;  // this invocation's
    size_t n_train, n_valid;       // texts
    long long n_params;            // backbone parameters (the head not counted)
    size_t vocab_size;
    char digest[65];               // the corpus digest (images: sha256 of the items' pixels)
    char objective[32];            // "masked-tokens" | "masked-cells"
    char ckpt_path[1100], state_path[1100], metrics_path[1100];
} sc_pretrain_outcome;

// Opens the corpus c->corpus and pretrains on it.
int sc_pretrain_run(const sc_pretrain_cfg *c, sc_pretrain_outcome *o, sc_err *err);

// The same on texts given directly (UTF-8, NUL-terminated, text i at blob +
// off[i]); corpus_name and digest are recorded as the provenance.
int sc_pretrain_run_texts(const sc_pretrain_cfg *c, const char *corpus_name, const char *digest, const char *blob,
                          const size_t *off, size_t n, sc_pretrain_outcome *o, sc_err *err);

void sc_pretrain_outcome_print(FILE *f, const sc_pretrain_outcome *o);

#endif
