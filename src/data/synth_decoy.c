// decoy-fashion-mnist: a class-coded corner patch in training splits (see synth.h).
#include <stdlib.h>
#include <string.h>

#include "data/shuffle.h"
#include "data/synth.h"

int sc_synth_decoy_images(const sc_task *t, sc_dataset *d, sc_err *err) {
    static const char *const keys[] = {"patch", "test_decoy", NULL};
    long patch = 4;
    const char *test_decoy = "random";
    if (t->gen_params && (sc_ycheck_keys(t->gen_params, keys, t->yaml_path, "source.params", err) ||
                          sc_yget_long(t->gen_params, "patch", 0, 1, 64, t->yaml_path, "source.params", &patch, err) ||
                          sc_yget_str(t->gen_params, "test_decoy", 0, t->yaml_path, "source.params", &test_decoy, err)))
        return -1;
    int test_random = !strcmp(test_decoy, "random");
    if (!test_random && strcmp(test_decoy, "none"))
        return sc_errf(err, "%s: field 'source.params.test_decoy': expected random | none, found '%s'", t->yaml_path,
                       test_decoy);
    if (t->modality != SC_IMAGE || t->label_kind != SC_CLASSIFICATION)
        return sc_errf(err, "%s: the decoy-images generator needs an image classification task", t->yaml_path);
    if (!t->base) return sc_errf(err, "%s: decoy-fashion-mnist needs source.base (the image task)", t->yaml_path);
    sc_task *bt;
    if (sc_task_open(t->base, &bt, err)) return sc_err_prefix(err, "%s: source.base", t->yaml_path);
    sc_dataset b;
    int rc = -1;
    if (sc_dataset_load(bt, &b, err)) {
        sc_task_free(bt);
        return sc_err_prefix(err, "%s: source.base", t->yaml_path);
    }
    if (bt->modality != SC_IMAGE || b.C != d->C || b.H != d->H || b.W != d->W || bt->n_classes != t->n_classes) {
        sc_errf(err, "%s: source.base '%s' must be an image task of the same size and classes", t->yaml_path, t->base);
        goto out;
    }
    if ((size_t)patch * 2 > d->H || (size_t)patch * 2 > d->W) {
        sc_errf(err, "%s: source.params.patch %ld is too large for %zux%zu images", t->yaml_path, patch, d->H, d->W);
        goto out;
    }
    // The base files' line accounting is this task's (tasks check reports it).
    d->reads = b.reads;
    d->n_reads = b.n_reads;
    d->reads_cap = b.reads_cap;
    b.reads = NULL;
    b.n_reads = b.reads_cap = 0;
    // Examples keep the base task's source partitions (by name).
    for (size_t i = 0; i < b.n; i++) {
        int part = sc_dataset_partition(t, bt->rules[b.partition[i]].name);
        if (part < 0) {
            sc_errf(err, "%s: splits.partitions has no rule for the base partition '%s'", t->yaml_path,
                    bt->rules[b.partition[i]].name);
            goto out;
        }
        if (sc_dataset_add(d, part, b.label[i], b.target[i], NULL, 0, b.pixels + i * b.C * b.H * b.W, NULL, NULL, 0,
                           err) < 0)
            goto out;
    }
    if (sc_dataset_assign_splits(d, err)) goto out;
    size_t hw = d->H * d->W, K = t->n_classes;
    d->obj_mask = calloc(d->n, hw);
    d->decoy_mask = calloc(d->n, hw);
    if (!d->obj_mask || !d->decoy_mask) { sc_errf(err, "out of memory"); goto out; }
    sc_splitmix r = {t->gen_seed};
    for (size_t i = 0; i < d->n; i++) {
        uint8_t *img = d->pixels + i * d->C * hw, *om = d->obj_mask + i * hw, *dm = d->decoy_mask + i * hw;
        for (size_t p = 0; p < hw; p++) om[p] = img[p] > 0;  // channel 0 decides (gray images)
        int corner = (int)sc_splitmix_below(&r, 4);
        size_t y0 = corner & 1 ? d->H - (size_t)patch : 0, x0 = corner & 2 ? d->W - (size_t)patch : 0;
        int is_test = d->split[i] == SC_SPLIT_TEST;
        // Class c gets shade 255 * (c + 1) / K: a simple, perfectly predictive code.
        uint8_t shade = (uint8_t)(255 * ((size_t)d->label[i] + 1) / K);
        if (is_test) shade = (uint8_t)sc_splitmix_below(&r, 256);
        if (is_test && !test_random) continue;
        for (size_t y = y0; y < y0 + (size_t)patch; y++)
            for (size_t x = x0; x < x0 + (size_t)patch; x++) {
                for (size_t c = 0; c < d->C; c++) img[c * hw + y * d->W + x] = shade;
                dm[y * d->W + x] = 1;
                om[y * d->W + x] = 0;
            }
    }
    rc = 0;
out:
    sc_dataset_free(&b);
    sc_task_free(bt);
    return rc;
}
