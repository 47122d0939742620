// backbone.c — opening a pretrained backbone and starting a model from it (backbone.h).
#include "io/backbone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/sha256.h"
#include "models/transfer.h"

int sc_backbone_open(sc_backbone **out, const char *path, sc_err *err) {
    *out = NULL;
    sc_backbone *b = calloc(1, sizeof *b);
    if (!b) return sc_errf(err, "out of memory");
    struct stat st;
    if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
        snprintf(b->path, sizeof b->path, "%s/pretrained.ckpt", path);
        if (stat(b->path, &st)) {
            free(b);
            return sc_errf(err, "--init %s: the folder holds no pretrained.ckpt (the output of `scaffold pretrain`)",
                           path);
        }
    } else {
        snprintf(b->path, sizeof b->path, "%s", path);
    }
    sc_ckpt_extra_init(&b->x);
    if (sc_checkpoint_load(b->path, &b->model, &b->x, err)) {
        free(b);
        return sc_err_prefix(err, "--init");
    }
    int rc = sc_sha256_file(b->path, b->sha256, err);
    if (rc) sc_err_prefix(err, "--init");
    else if (!b->x.pre_objective[0])
        rc = sc_errf(err, "--init %s: not a pretrained backbone (no `pretrain` field; it was written by %s, not "
                     "by `scaffold pretrain`)", b->path, b->x.task[0] ? "a training run" : "another command");
    else if (b->model.shape.modality == SC_TEXT && !b->x.vocab)
        rc = sc_errf(err, "--init %s: a text backbone without its vocabulary", b->path);
    if (rc) {
        sc_backbone_close(b);
        return -1;
    }
    *out = b;
    return 0;
}

void sc_backbone_close(sc_backbone *b) {
    if (!b) return;
    sc_model_free(&b->model);
    sc_ckpt_extra_free(&b->x);
    free(b);
}

const sc_result_init *sc_backbone_result_init(const sc_backbone *b, sc_result_init *out) {
    if (!b) return NULL;
    *out = (sc_result_init){.path = b->path, .sha256 = b->sha256, .objective = b->x.pre_objective,
                            .corpus = b->x.pre_corpus, .corpus_digest = b->x.pre_digest};
    return out;
}

int sc_backbone_adopt_config(const sc_backbone *b, sc_config *cfg, sc_err *err) {
    static const char *const own[] = {"dropout", "pooling", "dtype", NULL};
    char origin[1100];
    snprintf(origin, sizeof origin, "--init %s", b->path);
    for (int i = 0; i < b->model.cfg.n; i++) {
        const char *k = b->model.cfg.e[i].key;
        int skip = 0;
        for (int j = 0; own[j]; j++) skip |= !strcmp(k, own[j]);
        // A --set value is the user's and stays (a disagreement fails when the
        // parameters are copied); a config file's size is for a model from scratch.
        const sc_config_entry *e = sc_config_find(cfg, k);
        if (skip || (e && !strcmp(e->origin, "--set"))) continue;
        if (sc_config_set(cfg, k, b->model.cfg.e[i].value, origin, err)) return -1;
    }
    return 0;
}

int sc_backbone_init_model(const sc_backbone *b, sc_model *m, sc_err *err) {
    if (strcmp(m->def->name, b->model.def->name))
        return sc_errf(err, "--init %s: a '%s' backbone cannot start a '%s' %s", b->path, b->model.def->name,
                       m->def->name, m->def->role);
    if (sc_model_init_from(m, &b->model, "head.", err)) return sc_err_prefix(err, "--init %s", b->path);
    return 0;
}

int sc_backbone_check_vocab(const sc_backbone *b, const sc_vocab *v, const char *whose, sc_err *err) {
    const sc_vocab *w = b->x.vocab;
    if (!w || !v) return w == v ? 0 : sc_errf(err, "--init %s: %s has no vocabulary", b->path, w ? whose : "the backbone");
    if (w->n != v->n)
        return sc_errf(err, "--init %s: its vocabulary has %zu tokens, %s has %zu (it was not tokenized with this "
                       "backbone)", b->path, w->n, whose, v->n);
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(sc_vocab_str(w, i), sc_vocab_str(v, i)))
            return sc_errf(err, "--init %s: token %zu is '%s' in its vocabulary but '%s' in %s's (it was not "
                           "tokenized with this backbone)", b->path, i, sc_vocab_str(w, i), sc_vocab_str(v, i), whose);
    return 0;
}
