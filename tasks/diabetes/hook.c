// The C hook example (see src/data/hook.h): scikit-learn's diabetes data keeps the
// 10 features and the target in two whitespace-separated gzip files, a layout the
// built-in readers do not cover. Files: source.files[0] features, [1] targets.
#include <stdlib.h>

#include "data/csv.h"
#include "data/hook.h"
#include "data/rawfile.h"
#include "data/reader.h"

static int number(const char *s, const char *file, long line, float *out, sc_err *err) {
    const char *why;
    if (sc_reader_float(s, out, &why)) return sc_errf(err, "%s line %ld: '%s' %s", file, line, s, why);
    return 0;
}

int sc_hook_sklearn_diabetes(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err) {
    if (t->n_files != 2 || t->modality != SC_TABULAR || t->label_kind != SC_REGRESSION)
        return sc_errf(err, "%s: the sklearn-diabetes hook needs a tabular regression task with 2 files", t->yaml_path);
    int part = sc_dataset_partition(t, "all");
    if (part < 0) return sc_errf(err, "%s: splits.partitions must name 'all'", t->yaml_path);
    char xp[4096], yp[4096];
    sc_reader_path(xp, sizeof xp, dir, t->files[0].name);
    sc_reader_path(yp, sizeof yp, dir, t->files[1].name);
    char *xb = NULL, *yb = NULL;
    size_t xn, yn;
    sc_csv xc, yc;
    sc_csv_init(&xc, xp, "", 0, ' ');
    sc_csv_init(&yc, yp, "", 0, ' ');
    float feat[64];
    int rc = -1, rx, ry;
    if (t->n_features > 64) { sc_errf(err, "%s: too many features", t->yaml_path); goto out; }
    if (sc_read_file(xp, &xb, &xn, err) || sc_read_file(yp, &yb, &yn, err)) goto out;
    sc_csv_init(&xc, xp, xb, xn, ' ');
    sc_csv_init(&yc, yp, yb, yn, ' ');
    for (;;) {
        rx = sc_csv_next(&xc, err);
        if (rx < 0) goto out;
        ry = sc_csv_next(&yc, err);
        if (ry < 0) goto out;
        if (!rx || !ry) {
            if (rx != ry) { sc_errf(err, "%s and %s hold different numbers of rows", xp, yp); goto out; }
            break;
        }
        if (xc.nf != t->n_features) {
            sc_errf(err, "%s line %ld: %zu fields, expected %zu features", xp, xc.rec_line, xc.nf, t->n_features);
            goto out;
        }
        if (yc.nf != 1) { sc_errf(err, "%s line %ld: expected one target value", yp, yc.rec_line); goto out; }
        float y;
        for (size_t i = 0; i < xc.nf; i++)
            if (number(xc.fields[i], xp, xc.rec_line, &feat[i], err)) goto out;
        if (number(yc.fields[0], yp, yc.rec_line, &y, err)) goto out;
        if (sc_dataset_add(d, part, 0, y, NULL, 0, NULL, feat, NULL, 0, err) < 0) goto out;
    }
    // Line accounting for `tasks check` (data/read_count.h): one example per line pair.
    const sc_csv *cs[2] = {&xc, &yc};
    const char *bufs[2] = {xb, yb};
    size_t lens[2] = {xn, yn};
    for (int k = 0; k < 2; k++) {
        sc_read_count c;
        sc_reader_count_init(&c, t->files[k].name, bufs[k], lens[k]);
        c.records = cs[k]->records;
        c.blank = cs[k]->blank;
        c.examples = (long)d->n;
        if (sc_dataset_add_count(d, &c, err)) goto out;
    }
    rc = 0;
out:
    sc_csv_free(&xc);
    sc_csv_free(&yc);
    free(xb);
    free(yb);
    return rc;
}
