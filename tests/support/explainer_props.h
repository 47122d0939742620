// explainer_props.h — the properties every explainer definition is held to, as
// one walk shared by tests/test_explainers.c (the built-ins) and
// tests/test_explainer_plugin.c (one registered from outside the library).
// Needs sc_test.h (cmocka) first.
#ifndef SC_TEST_EXPLAINER_PROPS_H
#define SC_TEST_EXPLAINER_PROPS_H

#include "explain/explainer.h"

// sc_explainer_create with "key=value" overrides kv (NULL-terminated, or NULL);
// fails the test on an error.
void ep_create(sc_explainer *e, const char *name, const char *const *kv, const sc_model *m);

// Holds each of defs[0 .. n) to what it declares, on a 2-layer, 2-head f64 text
// transformer: it is the registry's entry of its name; default_beta is positive
// and is what SMaT's beta=auto picks; LEARNABLE <=> its init creates
// parameters; STUDENT_OK => on a forward on the tape its raw scores
// (create_graph, raw_scores) have a finite nonzero gradient w.r.t. the model's
// parameters, and the student configuration accepts it (refuses it otherwise,
// listing what qualifies).
void ep_properties(sc_ctx *ctx, const sc_explainer_def *const *defs, int n);

#endif
