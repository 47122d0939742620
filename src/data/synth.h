// synth.h — synthetic tasks generated from a seed, with ground-truth rationales.
//
// synth-text: sentences of filler words in which a few planted "signal" words
// decide the label (the class with more planted signal words wins) — those words
// are the ground-truth token rationale — plus "distractor" words planted just as
// often in both classes (they look like signal but carry none). Parameters
// (source.params): vocab (filler words, default 200), min_len / max_len (words,
// 8 / 24), signal (signal words per class, 4), distractors (distinct distractor
// words, 4), and for a text decoy task (decoy-synth-text):
//   decoy: 0 | 1 (default 0). 1 plants one decoy word per sentence, in a
//     position of its own (never a signal or distractor word): the word of the
//     label's class (one made-up word per class, spelled "j..."), in every split
//     but test.
//   test_decoy: random (default) | none. Test sentences get the decoy word of a
//     uniformly random class, or none at all.
//   signal_noise: in [0, 0.9], default 0. Outside test, the chance that a
//     sentence's signal words are those of another (random) class than its
//     label: the signal then predicts the label 1 - signal_noise of the time and
//     the decoy always, so a plain model takes the decoy. Test sentences follow
//     the clean rule.
//   test_decoy and signal_noise need decoy: 1. With decoy: 0 the generated data
//   are exactly those of earlier versions (the same random draws).
// Ground truth per token: the rationale (the signal words: the object) and, with
// decoy: 1, a decoy mask. For text tasks sc_dataset.decoy_mask holds it per
// token, laid out like the rationales (rat_off / rat_len), not (n, H, W).
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
