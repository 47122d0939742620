// Image readers: IDX (the MNIST family's format, optionally gzip'd) and PNG folders.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spng.h>

#include "data/grow.h"
#include "data/rawfile.h"
#include "data/reader.h"

// IDX: bytes 0-1 zero, byte 2 the element type (0x08 = ubyte), byte 3 the number
// of dimensions, then each dimension as a big-endian uint32, then the data.
int sc_idx_parse(const char *name, const char *buf, size_t len, int want_ndim, size_t dims[4],
                 const unsigned char **data, sc_err *err) {
    const unsigned char *b = (const unsigned char *)buf;
    if (len < 4) return sc_errf(err, "%s: truncated IDX file (%zu bytes, no header)", name, len);
    if (b[0] || b[1]) return sc_errf(err, "%s: not an IDX file (bad magic)", name);
    if (b[2] != 0x08) return sc_errf(err, "%s: IDX element type 0x%02x, only unsigned bytes (0x08) are supported", name, b[2]);
    int nd = b[3];
    if (nd != want_ndim) return sc_errf(err, "%s: IDX file has %d dimensions, expected %d", name, nd, want_ndim);
    if (len < 4 + 4 * (size_t)nd) return sc_errf(err, "%s: truncated IDX header", name);
    size_t total = 1;
    for (int i = 0; i < nd; i++) {
        const unsigned char *q = b + 4 + 4 * i;
        dims[i] = (size_t)q[0] << 24 | (size_t)q[1] << 16 | (size_t)q[2] << 8 | q[3];
        if (dims[i] && total > ((size_t)1 << 40) / dims[i])  // checked before multiplying: no overflow
            return sc_errf(err, "%s: IDX header: dimension %d is %zu, which makes the data larger than 2^40 bytes",
                           name, i, dims[i]);
        total *= dims[i];
    }
    size_t have = len - 4 - 4 * (size_t)nd;
    if (have < total)
        return sc_errf(err, "%s: truncated IDX data: header promises %zu bytes, file holds %zu", name, total, have);
    if (have > total) return sc_errf(err, "%s: %zu unexpected bytes after the IDX data", name, have - total);
    *data = b + 4 + 4 * nd;
    return 0;
}

// IDX files hold records, not lines: one count per file, records = examples.
static int idx_counts(sc_dataset *d, const sc_idx_part *ip, size_t n, sc_err *err) {
    const char *files[2] = {ip->images, ip->labels};
    for (int k = 0; k < 2; k++) {
        sc_read_count c = {.lines = -1, .records = (long)n, .examples = (long)n};
        snprintf(c.file, sizeof c.file, "%s", files[k]);
        if (sc_dataset_add_count(d, &c, err)) return -1;
    }
    return 0;
}

int sc_read_idx(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err) {
    if (d->C != 1) return sc_errf(err, "%s: IDX images have one channel; set input.image.channels: 1", t->yaml_path);
    for (size_t k = 0; k < t->n_idx; k++) {
        const sc_idx_part *ip = &t->idx[k];
        int part = sc_dataset_partition(t, ip->partition);
        if (part < 0)
            return sc_errf(err, "%s: read.partitions.%s has no rule in splits.partitions", t->yaml_path, ip->partition);
        char ipath[4096], lpath[4096];
        sc_reader_path(ipath, sizeof ipath, dir, ip->images);
        sc_reader_path(lpath, sizeof lpath, dir, ip->labels);
        char *ib = NULL, *lb = NULL;
        size_t ilen, llen;
        int rc = -1;
        size_t before = d->n;
        if (!sc_read_file(ipath, &ib, &ilen, err) && !sc_read_file(lpath, &lb, &llen, err))
            rc = sc_read_idx_buf(t, part, ipath, ib, ilen, lpath, lb, llen, d, err);
        if (!rc) rc = idx_counts(d, ip, d->n - before, err);
        free(ib);
        free(lb);
        if (rc) return -1;
    }
    return 0;
}

int sc_read_idx_buf(const sc_task *t, int part, const char *ipath, const char *ib, size_t ilen, const char *lpath,
                    const char *lb, size_t llen, sc_dataset *d, sc_err *err) {
    size_t idims[4], ldims[4];
    const unsigned char *px, *lab;
    if (d->C != 1) return sc_errf(err, "%s: IDX images have one channel; set input.image.channels: 1", t->yaml_path);
    if (sc_idx_parse(ipath, ib, ilen, 3, idims, &px, err) || sc_idx_parse(lpath, lb, llen, 1, ldims, &lab, err))
        return -1;
    if (idims[0] != ldims[0]) return sc_errf(err, "%s holds %zu images but %s %zu labels", ipath, idims[0], lpath, ldims[0]);
    if (idims[1] != d->H || idims[2] != d->W)
        return sc_errf(err, "%s: images are %zux%zu, task.yaml input.image says %zux%zu", ipath, idims[1], idims[2],
                       d->H, d->W);
    for (size_t i = 0; i < idims[0]; i++) {
        if (lab[i] >= t->n_classes)
            return sc_errf(err, "%s: record %zu: label %u is outside the %zu classes", lpath, i, lab[i], t->n_classes);
        if (sc_dataset_add(d, part, lab[i], lab[i], NULL, 0, px + i * d->H * d->W, NULL, NULL, 0, err) < 0) return -1;
    }
    return 0;
}

// Decodes one PNG into C channels of H x W (planar) in out.
static int png_one(const char *path, const sc_dataset *d, uint8_t *out, uint8_t *rgba, sc_err *err) {
    char *buf;
    size_t len;
    if (sc_read_file(path, &buf, &len, err)) return -1;
    int rc = sc_png_decode(path, buf, len, d, out, rgba, err);
    free(buf);
    return rc;
}

int sc_png_decode(const char *path, const char *buf, size_t len, const sc_dataset *d, uint8_t *out, uint8_t *rgba,
                  sc_err *err) {
    spng_ctx *ctx = spng_ctx_new(0);
    int rc = -1, e;
    struct spng_ihdr ih;
    size_t need;
    if (!ctx) return sc_errf(err, "out of memory");
    spng_set_image_limits(ctx, 8192, 8192);
    if ((e = spng_set_png_buffer(ctx, buf, len)) || (e = spng_get_ihdr(ctx, &ih))) {
        sc_errf(err, "%s: not a valid PNG: %s", path, spng_strerror(e));
        goto out;
    }
    if (ih.width != d->W || ih.height != d->H) {
        sc_errf(err, "%s: image is %ux%u, task.yaml input.image says %zux%zu", path, ih.height, ih.width, d->H, d->W);
        goto out;
    }
    if ((e = spng_decoded_image_size(ctx, SPNG_FMT_RGBA8, &need)) || need != 4 * d->H * d->W ||
        (e = spng_decode_image(ctx, rgba, need, SPNG_FMT_RGBA8, SPNG_DECODE_TRNS))) {
        sc_errf(err, "%s: cannot decode PNG: %s", path, e ? spng_strerror(e) : "unexpected size");
        goto out;
    }
    size_t hw = d->H * d->W;
    for (size_t i = 0; i < hw; i++) {
        const uint8_t *q = rgba + 4 * i;
        if (d->C == 1)  // ITU-R BT.601 luma
            out[i] = (uint8_t)((299 * q[0] + 587 * q[1] + 114 * q[2] + 500) / 1000);
        else
            for (size_t c = 0; c < d->C; c++) out[c * hw + i] = q[c];
    }
    rc = 0;
out:
    spng_ctx_free(ctx);
    return rc;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// png: <dir>/<read.dir>/<class>/*.png, files in name order (reproducible).
int sc_read_png(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err) {
    int part = sc_dataset_partition(t, "all");
    if (part < 0) return sc_errf(err, "%s: field 'splits.partitions': png has one partition; name it 'all'", t->yaml_path);
    size_t px = d->C * d->H * d->W;
    uint8_t *img = malloc(px), *rgba = malloc(4 * d->H * d->W);
    int rc = 0;
    if (!img || !rgba) rc = sc_errf(err, "out of memory");
    for (size_t c = 0; c < t->n_classes && !rc; c++) {
        char cdir[4096];
        snprintf(cdir, sizeof cdir, "%s/%s/%s", dir, t->png_dir, t->classes[c]);
        DIR *dd = opendir(cdir);
        if (!dd) { rc = sc_errf(err, "%s: missing folder for class '%s'", cdir, t->classes[c]); break; }
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        while ((e = readdir(dd))) {
            size_t l = strlen(e->d_name);
            if (l < 5 || strcmp(e->d_name + l - 4, ".png")) continue;
            if (sc_grow((void **)&names, &cap, n + 1, sizeof *names, 64) || !(names[n] = strdup(e->d_name))) {
                rc = sc_errf(err, "out of memory");
                break;
            }
            n++;
        }
        closedir(dd);
        if (n) qsort(names, n, sizeof *names, cmp);
        for (size_t i = 0; i < n && !rc; i++) {
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", cdir, names[i]);
            long k;
            if (png_one(path, d, img, rgba, err) ||
                (k = sc_dataset_add(d, part, (int32_t)c, (float)c, NULL, 0, img, NULL, NULL, 0, err)) < 0) {
                rc = -1;
                break;
            }
            if (t->mask_dir) {  // the rationale mask: same name, gray level > 0 marks a pixel
                snprintf(path, sizeof path, "%s/%s/%s/%s", dir, t->mask_dir, t->classes[c], names[i]);
                sc_dataset one = *d;
                one.C = 1;  // decode as gray into a scratch image
                uint8_t *m = d->obj_mask + (size_t)k * d->H * d->W;
                if (png_one(path, &one, m, rgba, err)) { rc = sc_err_prefix(err, "mask for %s", names[i]); break; }
                for (size_t p = 0; p < d->H * d->W; p++) m[p] = m[p] > 0;
            }
        }
        for (size_t i = 0; i < n; i++) free(names[i]);
        free(names);
    }
    free(img);
    free(rgba);
    return rc;
}
