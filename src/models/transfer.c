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
