// gemm_direct.c — see gemm_direct.h.
//
// BLIS's micro-kernel computes one MR x NR tile of C from an A micro-panel
// (k steps of MR values, PACKMR apart) and a B micro-panel (k steps of NR
// values, PACKNR apart), zero-padded past the matrix edge; since BLIS 0.9 it
// takes the tile's true size (m_r <= MR, n_r <= NR) and writes only that. A
// kernel that prefers C by columns is given C^T = B^T A^T when C is stored by
// rows, as BLIS does itself. Where BLIS would take its small-product ('sup')
// path instead, this path declines, so the bits are BLIS's in every
// configuration.
#include "kernels/gemm_direct.h"

#include <blis-openmp/blis.h>  // Debian libblis-openmp-dev; see build.zig
#include <pthread.h>
#include <string.h>

typedef void (*sgemm_ukr)(dim_t m, dim_t n, dim_t k, float *alpha, float *a, float *b, float *beta, float *c,
                          inc_t rs_c, inc_t cs_c, auxinfo_t *data, cntx_t *cntx);

static struct {
    cntx_t *cntx;
    sgemm_ukr ukr;
    dim_t mr, nr, pmr, pnr, kc;
    int prefers_rows;
} K;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void query(void) {
    bli_init();
    K.cntx = bli_gks_query_cntx();
    K.ukr = (sgemm_ukr)bli_cntx_get_l3_nat_ukr_dt(BLIS_FLOAT, BLIS_GEMM_UKR, K.cntx);
    K.mr = bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_MR, K.cntx);
    K.nr = bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_NR, K.cntx);
    K.pmr = bli_cntx_get_blksz_max_dt(BLIS_FLOAT, BLIS_MR, K.cntx);  // PACKMR
    K.pnr = bli_cntx_get_blksz_max_dt(BLIS_FLOAT, BLIS_NR, K.cntx);  // PACKNR
    K.kc = bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_KC, K.cntx);
    K.prefers_rows = bli_cntx_l3_nat_ukr_prefers_rows_dt(BLIS_FLOAT, BLIS_GEMM_UKR, K.cntx);
}

// Packed panels of one product, per thread (products of a batch run one per
// thread). 64-byte aligned, as BLIS's own packing buffers.
#define PACK_FLOATS (1 << 15)
static _Thread_local _Alignas(64) float a_pack[PACK_FLOATS], b_pack[PACK_FLOATS];

// Rows [0, m) of an (m, k) operand into micro-panels of `r` rows, `pr` apart:
// panel element (l, i) = x[(i0 + i) rs + l cs], zero past row m. The two
// contiguous layouts get loops that read memory in order.
static void pack(dim_t m, dim_t k, const float *x, inc_t rs, inc_t cs, dim_t r, dim_t pr, float *dst) {
    for (dim_t i0 = 0; i0 < m; i0 += r) {
        dim_t rows = m - i0 < r ? m - i0 : r;
        float *p = dst + (i0 / r) * pr * k;
        if (rs == 1) {  // a column of the panel is contiguous
            for (dim_t l = 0; l < k; l++) {
                memcpy(p + l * pr, x + i0 + l * cs, sizeof(float) * (size_t)rows);
                memset(p + l * pr + rows, 0, sizeof(float) * (size_t)(pr - rows));
            }
            continue;
        }
        if (rows < pr)
            for (dim_t l = 0; l < k; l++) memset(p + l * pr + rows, 0, sizeof(float) * (size_t)(pr - rows));
        for (dim_t i = 0; i < rows; i++) {  // a row of the operand, read in order (cs = 1 mostly)
            const float *src = x + (i0 + i) * rs;
            for (dim_t l = 0; l < k; l++) p[l * pr + i] = src[l * cs];
        }
    }
}

int sc_sgemm_direct(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa,
                    const float *b, int64_t rsb, int64_t csb, float beta, float *c, int64_t rsc, int64_t csc) {
    pthread_once(&once, query);
    if (!K.ukr || m <= 0 || n <= 0 || k <= 0 || k > K.kc) return -1;
    // A configuration with small-product ('sup') kernels (haswell, zen*) runs
    // such products unpacked, with its own kernels and so its own roundings:
    // BLIS is left to do them, already without most of the call cost.
    if (bli_cntx_l3_sup_thresh_is_met(BLIS_FLOAT, (dim_t)m, (dim_t)n, (dim_t)k, K.cntx)) return -1;
    if (((csc == 1 && rsc != 1) ? 1 : 0) != K.prefers_rows) {  // C^T = B^T A^T
        int64_t t = m;
        const float *p = a;
        m = n, n = t, a = b, b = p;
        t = rsa, rsa = csb, csb = t;
        t = csa, csa = rsb, rsb = t;
        t = rsc, rsc = csc, csc = t;
    }
    dim_t mp = (m + K.mr - 1) / K.mr, np = (n + K.nr - 1) / K.nr;
    if (mp * K.pmr * k > PACK_FLOATS || np * K.pnr * k > PACK_FLOATS) return -1;
    pack(m, k, a, rsa, csa, K.mr, K.pmr, a_pack);
    // B (k, n) as the rows of B^T (n, k): micro-panels of NR columns.
    pack(n, k, b, csb, rsb, K.nr, K.pnr, b_pack);
    auxinfo_t aux = {0};
    for (dim_t j = 0; j < np; j++) {
        float *bp = b_pack + j * K.pnr * k;
        dim_t nr = n - j * K.nr < K.nr ? n - j * K.nr : K.nr;
        for (dim_t i = 0; i < mp; i++) {
            float *ap = a_pack + i * K.pmr * k;
            dim_t mr = m - i * K.mr < K.mr ? m - i * K.mr : K.mr;
            bli_auxinfo_set_next_ab(i + 1 < mp ? ap + K.pmr * k : a_pack, bp, &aux);
            K.ukr(mr, nr, k, &alpha, ap, bp, &beta, c + i * K.mr * rsc + j * K.nr * csc, rsc, csc, &aux, K.cntx);
        }
    }
    return 0;
}
