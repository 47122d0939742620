#include "models/transfer.h"

#include <string.h>

int sc_model_init_embeddings_from(sc_model *student, const sc_model *teacher, sc_err *err) {
    static const char *const key = "embed.tokens";
    sc_tensor *dst = sc_params_get(&student->params, key);
    const sc_tensor *src = sc_params_get(&teacher->params, key);
    if (!src) return sc_errf(err, "teacher '%s' has no parameter '%s' to copy", teacher->def->name, key);
    if (!dst) return sc_errf(err, "student '%s' has no parameter '%s' to initialize", student->def->name, key);
    char b1[96], b2[96];
    if (dst->ndim != src->ndim || memcmp(dst->shape, src->shape, sizeof(int64_t) * (size_t)src->ndim))
        return sc_errf(err,
                       "cannot initialize the student's %s %s from the teacher's %s: shapes differ (set the "
                       "student's width to the teacher's)",
                       key, sc_shape_str(dst, b1, sizeof b1), sc_shape_str(src, b2, sizeof b2));
    if (dst->dtype == src->dtype && sc_tensor_is_contiguous(dst) && sc_tensor_is_contiguous(src)) {
        memcpy(dst->data, src->data, sc_dtype_size(src->dtype) * (size_t)src->numel);
    } else {
        for (int64_t i = 0; i < src->numel; i++) sc_tensor_set(dst, i, sc_tensor_get(src, i));
    }
    return 0;
}

static int skipped(const char *name, const char *prefix) {
    return prefix && prefix[0] && !strncmp(name, prefix, strlen(prefix));
}

// Checks one pair; *rows = the rows of src to copy.
static int check_pair(const sc_model *dst, const sc_tensor *d, const sc_tensor *s, const char *name, int64_t *rows,
                      sc_err *err) {
    char b1[96], b2[96];
    int pos = !strcmp(name, "embed.pos");
    int same = d->ndim == s->ndim && d->dtype == s->dtype;
    for (int k = 0; same && k < s->ndim; k++) same = d->shape[k] == s->shape[k] || (pos && k == 0 && d->shape[0] < s->shape[0]);
    if (!same)
        return sc_errf(err, "%s '%s': its %s %s cannot start from the backbone's %s%s", dst->def->role, dst->def->name,
                       name, sc_shape_str(d, b1, sizeof b1), sc_shape_str(s, b2, sizeof b2),
                       pos ? " (the task's max_tokens exceeds the backbone's: pretrain with a larger max_tokens)"
                           : " (leave the architecture keys to the backbone: layers, width, heads, mlp_ratio)");
    if (!sc_tensor_is_contiguous(d) || !sc_tensor_is_contiguous(s))
        return sc_errf(err, "parameter '%s' is not contiguous", name);
    *rows = d->ndim ? d->shape[0] : 1;
    return 0;
}

int sc_model_init_from(sc_model *dst, const sc_model *src, const char *skip_prefix, sc_err *err) {
    if (dst->shape.modality != src->shape.modality)
        return sc_errf(err, "a %s backbone cannot start a %s model", sc_modality_name(src->shape.modality),
                       sc_modality_name(dst->shape.modality));
    for (int i = 0; i < dst->params.n; i++)  // nothing of dst outside the head is left at random
        if (!skipped(dst->params.names[i], skip_prefix) && !sc_params_get(&src->params, dst->params.names[i]))
            return sc_errf(err, "the backbone has no parameter '%s' for %s '%s' (another architecture?)",
                           dst->params.names[i], dst->def->role, dst->def->name);
    int64_t rows[SC_PARAMS_MAX];
    for (int i = 0; i < src->params.n; i++) {
        const char *name = src->params.names[i];
        if (skipped(name, skip_prefix)) continue;
        const sc_tensor *d = sc_params_get(&dst->params, name);
        if (!d) return sc_errf(err, "%s '%s' has no parameter '%s' of the backbone", dst->def->role, dst->def->name, name);
        if (check_pair(dst, d, src->params.t[i], name, &rows[i], err)) return -1;
    }
    for (int i = 0; i < src->params.n; i++) {
        const sc_tensor *s = src->params.t[i];
        if (skipped(src->params.names[i], skip_prefix)) continue;
        sc_tensor *d = sc_params_get(&dst->params, src->params.names[i]);
        size_t row_bytes = (size_t)(s->ndim ? s->numel / s->shape[0] : 1) * sc_dtype_size(s->dtype);
        memcpy(d->data, s->data, row_bytes * (size_t)rows[i]);
    }
    return 0;
}
