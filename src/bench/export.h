// export.h — the side-by-side benchmark's export (scripts/bench/, `scaffold
// bench export`): one folder per case holding everything a JAX or PyTorch
// replica needs to compute exactly what scaffold computes on that case, and the
// values scaffold got, which the replica must reproduce before it is timed.
//
//   DIR/CASE/tensors.bin   every tensor back to back, raw little-endian
//   DIR/CASE/index.json    {"format": "scaffold-bench-export 1", "case": ...,
//                           "config": {key: string or number, ...},
//                           "tensors": [{"name", "dtype" (f32|f64|i32), "shape", "offset" (bytes)}, ...],
//                           "checks": {name: number, ...}}
//
// Raw arrays and a JSON index rather than msgpack: numpy reads them with no
// extra package (the replicas' venv has numpy through JAX and PyTorch anyway).
// Both files are written atomically at sc_bx_close, so a folder with an
// index.json is always complete.
#ifndef SC_BENCH_EXPORT_H
#define SC_BENCH_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "core/params.h"

typedef struct sc_bx_buf {
    char *p;
    size_t len, cap;
} sc_bx_buf;

typedef struct sc_bx {
    char dir[1024];                      // DIR/CASE
    sc_bx_buf bin;                       // tensors.bin
    sc_bx_buf tensors, config, checks;   // JSON members, comma-separated
    int failed;                          // out of memory somewhere (reported at close)
} sc_bx;

// Starts DIR/case_name (created). 0, or -1 with err.
int sc_bx_open(sc_bx *x, const char *dir, const char *case_name, sc_err *err);
// Writes both files (atomically) and frees x. 0, or -1 with err (x freed either way).
int sc_bx_close(sc_bx *x, sc_err *err);
// Frees x without writing (after an error).
void sc_bx_abort(sc_bx *x);

// A tensor's values (any strides; f32, f64 or i32) under name.
void sc_bx_tensor(sc_bx *x, const char *name, const sc_tensor *t);
// Every tensor of a slab, named prefix + its name ("teacher." + "enc.0.ln1.g").
void sc_bx_params(sc_bx *x, const char *prefix, const sc_params *p);
// Raw host arrays (row-major) of ndim dims.
void sc_bx_f32(sc_bx *x, const char *name, const float *v, int ndim, const int64_t *shape);
void sc_bx_i32(sc_bx *x, const char *name, const int32_t *v, int ndim, const int64_t *shape);

// config members: a string, a number, or every entry of a config as prefix + key.
void sc_bx_config_str(sc_bx *x, const char *key, const char *value);
void sc_bx_config_num(sc_bx *x, const char *key, double value);
void sc_bx_config_all(sc_bx *x, const char *prefix, const sc_config *c);
// A value scaffold computed (%.17g: the replicas compare against it).
void sc_bx_check(sc_bx *x, const char *name, double value);

#endif
