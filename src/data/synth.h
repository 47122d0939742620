// synth.h — synthetic tasks generated from a seed, with ground-truth rationales.
//
// synth-text: sentences of filler words in which a few planted "signal" words
// decide the label (the class with more planted signal words wins) — those words
// are the ground-truth token rationale — plus "distractor" words planted just as
// often in both classes (they look like signal but carry none). Parameters
// (source.params): vocab (filler words, default 200), min_len / max_len (words,
// 8 / 24), signal (signal words per class, 4), distractors (distinct distractor
// words, 4).
//
// decoy-fashion-mnist: Fashion-MNIST (source.base) with a decoy: a square patch
// (params.patch pixels, default 4) in a random corner whose gray level encodes
// the class, in every split but test; at test time the patch shade is random
// (params.test_decoy: random, default) or absent (none), so a model that learned
// the decoy fails there. Ground truth: the decoy mask (the patch) and the object
// mask (the garment's pixels, gray level > 0 outside the patch).
#ifndef SC_DATA_SYNTH_H
#define SC_DATA_SYNTH_H

#include "data/dataset.h"

// Generates the task's examples and assigns their splits.
int sc_synth_generate(const sc_task *t, sc_dataset *d, sc_err *err);
int sc_synth_text(const sc_task *t, sc_dataset *d, sc_err *err);
int sc_synth_decoy_images(const sc_task *t, sc_dataset *d, sc_err *err);

#endif
