// pretrain_image.c — the masked-cell objective of a ViT (mim.h): a task's
// teacher-train and student-pool images without their labels, a share of each
// image's grid cells replaced by the learned mask vector, their pixels predicted.
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "models/inputs.h"
#include "nn/vit.h"
#include "ops/ops.h"
#include "pretrain/pretrain_impl.h"

int pt_images_open(pt_run *r, sc_err *err) {
    if (sc_pipeline_open(&r->pipe, r->c->task, NULL, err)) return -1;
    r->have_pipe = 1;
    const sc_dataset *d = &r->pipe.data;
    if (r->pipe.shape.modality != SC_IMAGE)
        return sc_errf(err, "task '%s' is not an image task: a vit pretrains on images", r->c->task);
    r->image_idx = malloc(sizeof *r->image_idx * (d->n ? d->n : 1));
    if (!r->image_idx) return sc_errf(err, "out of memory");
    // Never teacher-valid, student-valid or test: those judge what is trained later.
    sc_sha256 h;
    sc_sha256_init(&h);
    size_t px = d->C * d->H * d->W;
    for (size_t i = 0; i < d->n; i++)
        if (d->split[i] == SC_SPLIT_TEACHER_TRAIN || d->split[i] == SC_SPLIT_STUDENT_POOL) {
            r->image_idx[r->n++] = (uint32_t)i;
            sc_sha256_update(&h, d->pixels + i * px, px);
        }
    uint8_t dg[32];
    sc_sha256_final(&h, dg);
    sc_sha256_to_hex(dg, r->digest_buf);
    r->digest = r->digest_buf;
    r->corpus_name = r->pipe.task->name;
    return 0;
}

static int image_prepare(pt_run *r, sc_err *err) {
    r->shape = r->pipe.shape;
    if (sc_batch_alloc(&r->batch, &r->pipe.data, NULL, (size_t)r->o.batch, err)) return -1;
    r->have_batch = 1;
    return 0;
}

static int image_head(pt_run *r, sc_rng *rng, sc_err *err) {
    const sc_vit *a = r->model.arch;
    if (a->U > 4096) return sc_errf(err, "vit: %lld cells per image; masked-cell pretraining takes at most 4096",
                                    (long long)a->U);
    return sc_mim_head_build(&r->ih, &r->head, a->C, a->P, r->model.dtype, rng, err);
}

static sc_tensor *image_loss(pt_run *r, const uint32_t *idx, size_t k, sc_rng *rng, int training, size_t *m,
                             double *seen) {
    const sc_vit *a = r->model.arch;
    uint32_t *ds = (uint32_t *)r->targets;  // (k,) dataset indices (the text targets' scratch, unused here)
    for (size_t i = 0; i < k; i++) ds[i] = r->image_idx[idx[i]];
    sc_err e;
    sc_inputs in;
    if (sc_batch_fill(&r->batch, &r->pipe.data, NULL, ds, k, &e)) return sc_fail(&r->ctx, "%s", e.msg);
    if (sc_inputs_from_batch(&r->ctx, &r->batch, SC_IMAGE, r->model.dtype, &in)) return NULL;
    sc_mim_choose((int64_t)k, a->U, r->o.mask_prob, rng, r->maskbuf);
    const int64_t s[2] = {(int64_t)k, a->U};
    sc_tensor *rep = sc_empty(&r->ctx, r->model.dtype, 2, s);  // (k, U)
    if (!rep) return NULL;
    for (int64_t j = 0; j < rep->numel; j++) sc_tensor_set(rep, j, r->maskbuf[j]);
    in.unit_replace = rep, in.unit_replacement = r->ih.mask;
    sc_model_state st;
    memset(&st, 0, sizeof st);
    if (!sc_model_forward(&r->model, &r->ctx, &in, training ? SC_FWD_TRAINING : 0, &st)) return NULL;
    *seen = (double)k * (double)a->U;
    return sc_mim_loss(&r->ih, &r->ctx, st.sequence, sc_image_to_cells(&r->ctx, in.images, a->patch), r->maskbuf, m);
}

const pt_objective pt_masked_cells = {"masked-cells", 0.5, image_prepare, image_head, image_loss};
