// gemm_sup.c — see gemm_sup.h. Each step below names the BLIS 0.9 function
// whose decision it repeats, for the case BLIS is in when scaffold calls it
// for a small product: one thread, no packing (BLIS_RNTM_INITIALIZER),
// alpha != 0, k >= 1, real single precision.
#include "kernels/gemm_sup.h"

#include <blis-openmp/blis.h>  // Debian libblis-openmp-dev; see build.zig
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    dim_t m, n, k;
    float *a, *b, *c;
    inc_t rsa, csa, rsb, csb, rsc, csc;
    float alpha, beta;
    stor3_t id;  // storage of (C, A, B), BLIS_RRR .. BLIS_CCC
} sup_product;

static struct {
    cntx_t *cntx;
    dim_t nat_mr, nat_nr;               // the native kernel's tile: bli_gemmsup_int's choice of loop nest
    int nat_rows;                       // the native kernel prefers C by rows: bli_gemmsup's threshold test
    dim_t mr, nr, mc, nc, kc, nrm;       // the sup blocksizes (def, and NR's max)
    int usable[BLIS_NUM_3OP_RC_COMBOS];  // storage cases that reproduced bli_sgemm's bits
} S;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static dim_t min_dim(dim_t x, dim_t y) { return x < y ? x : y; }

// bli_gemmsup_ref_var2m without packing: KC for the storage and shape.
static dim_t k_block(stor3_t id, dim_t m, dim_t n) {
    dim_t kc = S.kc, mr = S.mr, nr = S.nr;
    if (id == BLIS_RRC || id == BLIS_CRC || id == BLIS_RRR || id == BLIS_CCC) return kc;
    if (m <= mr && n <= nr) return kc;
    if (m <= 2 * mr && n <= 2 * nr) return kc / 2;
    if (m <= 3 * mr && n <= 3 * nr) return ((kc / 3) / 4) * 4;
    if (m <= 4 * mr && n <= 4 * nr) return kc / 4;
    return ((kc / 5) / 4) * 4;
}

// The last of `iter` blocks of `step` holds `left` (0: a full block).
static dim_t block_len(dim_t j, dim_t iter, dim_t left, dim_t step) { return j == iter - 1 && left ? left : step; }

// Block-panel nest (bli_gemmsup_ref_var2m): NC columns, KC of k, MC rows; the
// millikernel takes MC rows by NR columns (the last up to NR max).
static void block_panel(const sup_product *p) {
    sgemmsup_ker_ft ker = (sgemmsup_ker_ft)bli_cntx_get_l3_sup_ker_dt(BLIS_FLOAT, p->id, S.cntx);
    dim_t kc_max = k_block(p->id, p->m, p->n), nre = S.nrm - S.nr;
    float alpha = p->alpha, beta = p->beta, one = 1.0f;
    auxinfo_t aux;
    memset(&aux, 0, sizeof aux);
    bli_auxinfo_set_ps_a(S.mr * p->rsa, &aux);
    for (dim_t jj = 0; jj < p->n; jj += S.nc) {
        dim_t nc = min_dim(S.nc, p->n - jj);
        for (dim_t pp = 0; pp < p->k; pp += kc_max) {
            dim_t kc = min_dim(kc_max, p->k - pp);
            float *beta_use = pp == 0 ? &beta : &one;  // later k blocks accumulate
            for (dim_t ii = 0; ii < p->m; ii += S.mc) {
                dim_t mc = min_dim(S.mc, p->m - ii);
                dim_t iter = (nc + S.nr - 1) / S.nr, left = nc % S.nr;
                if (nre != 0 && 1 < iter && left != 0 && left <= nre) iter--, left += S.nr;
                for (dim_t j = 0; j < iter; j++) {
                    dim_t col = jj + j * S.nr;
                    ker(BLIS_NO_CONJUGATE, BLIS_NO_CONJUGATE, mc, block_len(j, iter, left, S.nr), kc, &alpha,
                        p->a + ii * p->rsa + pp * p->csa, p->rsa, p->csa, p->b + pp * p->rsb + col * p->csb, p->rsb,
                        p->csb, beta_use, p->c + ii * p->rsc + col * p->csc, p->rsc, p->csc, &aux, S.cntx);
                }
            }
        }
    }
}

// C^T = B^T A^T: the object-level variants' BLIS_TRANSPOSE branch.
static sup_product transposed(const sup_product *p) {
    sup_product t = *p;
    t.m = p->n, t.n = p->m;
    t.a = p->b, t.rsa = p->csb, t.csa = p->rsb;
    t.b = p->a, t.rsb = p->csa, t.csb = p->rsa;
    t.rsc = p->csc, t.csc = p->rsc;
    t.id = bli_stor3_trans(p->id);
    return t;
}

// bli_gemmsup_int: a kernel preferring rows takes RRR, RRC, RCR and CRR as
// they are and the rest transposed (the other way round for one preferring
// columns); then the block-panel nest when C has at least as many MR-row
// tiles as NR-column tiles. Otherwise BLIS runs its panel-block nest
// (bli_gemmsup_ref_var1n), whose calls into the millikernels this file does
// not reproduce bit for bit (tests/test_deps.c found products such as
// 2 x 25 x 16 differing): those stay with BLIS. Returns -1 for them.
static int run(const sup_product *p) {
    int rrr_rrc_rcr_crr = p->id == BLIS_RRR || p->id == BLIS_RRC || p->id == BLIS_RCR || p->id == BLIS_CRR;
    int primary = bli_cntx_l3_sup_ker_prefers_rows_dt(BLIS_FLOAT, p->id, S.cntx) ? rrr_rrc_rcr_crr : !rrr_rrc_rcr_crr;
    dim_t mu = (primary ? p->m : p->n) / S.nat_mr, nu = (primary ? p->n : p->m) / S.nat_nr;
    if (mu < nu) return -1;
    sup_product t = primary ? *p : transposed(p);
    block_panel(&t);
    return 0;
}

// bli_gemmsup and bli_gemmsup_ref: below a threshold in some dimension (m and
// n swapped when the native kernel dislikes C's storage), no general stride.
static int blis_takes_sup(dim_t m, dim_t n, dim_t k, inc_t rsc, inc_t csc, stor3_t id) {
    int prefers = (labs(csc) == 1 && S.nat_rows) || (labs(rsc) == 1 && !S.nat_rows);
    if (!(prefers ? bli_cntx_l3_sup_thresh_is_met(BLIS_FLOAT, m, n, k, S.cntx)
                  : bli_cntx_l3_sup_thresh_is_met(BLIS_FLOAT, n, m, k, S.cntx)))
        return 0;
    return id != BLIS_XXX;
}

// One product of storage case `id`, both ways: equal if every element has
// bli_sgemm's bits.
static int agrees(stor3_t id, dim_t m, dim_t n, dim_t k) {
    float *a = malloc(sizeof(float) * (size_t)(m * k)), *b = malloc(sizeof(float) * (size_t)(k * n));
    float *c1 = malloc(sizeof(float) * (size_t)(m * n)), *c2 = malloc(sizeof(float) * (size_t)(m * n));
    int ok = a && b && c1 && c2;
    for (dim_t i = 0; ok && i < m * k; i++) a[i] = sinf(0.37f * (float)i);
    for (dim_t i = 0; ok && i < k * n; i++) b[i] = cosf(0.23f * (float)i);
    for (dim_t i = 0; ok && i < m * n; i++) c1[i] = c2[i] = 0.5f - (float)(i % 7) * 0.125f;
    int ccol = (id >> 2) & 1, acol = (id >> 1) & 1, bcol = id & 1;
    sup_product p = {m, n, k, a, b, c2, acol ? 1 : k, acol ? m : 1, bcol ? 1 : n, bcol ? k : 1,
                     ccol ? 1 : n, ccol ? m : 1, 0.75f, -0.5f, id};
    if (ok && blis_takes_sup(m, n, k, p.rsc, p.csc, id)) {
        rntm_t serial = BLIS_RNTM_INITIALIZER;
        bli_rntm_set_num_threads(1, &serial);
        bli_sgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &p.alpha, a, p.rsa, p.csa, b, p.rsb, p.csb,
                     &p.beta, c1, p.rsc, p.csc, NULL, &serial);
        ok = !run(&p) && !memcmp(c1, c2, sizeof(float) * (size_t)(m * n));
    } else {
        ok = 0;
    }
    free(a), free(b), free(c1), free(c2);
    return ok;
}

// Odd sizes (edge tiles in m and n) and more k than one block.
static int case_reproduces(stor3_t id) { return agrees(id, 41, 37, 300) && agrees(id, 31, 29, 16); }

static void setup(void) {
    bli_init();
    if (strncmp(bli_info_get_version_str(), "0.9.", 4)) return;  // the nests above are 0.9's
    S.cntx = bli_gks_query_cntx();
    S.nat_mr = bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_MR, S.cntx);
    S.nat_nr = bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_NR, S.cntx);
    S.nat_rows = bli_cntx_l3_nat_ukr_prefers_rows_dt(BLIS_FLOAT, BLIS_GEMM_UKR, S.cntx);
    S.mr = bli_cntx_get_l3_sup_blksz_def_dt(BLIS_FLOAT, BLIS_MR, S.cntx);
    S.nr = bli_cntx_get_l3_sup_blksz_def_dt(BLIS_FLOAT, BLIS_NR, S.cntx);
    S.mc = bli_cntx_get_l3_sup_blksz_def_dt(BLIS_FLOAT, BLIS_MC, S.cntx);
    S.nc = bli_cntx_get_l3_sup_blksz_def_dt(BLIS_FLOAT, BLIS_NC, S.cntx);
    S.kc = bli_cntx_get_l3_sup_blksz_def_dt(BLIS_FLOAT, BLIS_KC, S.cntx);
    S.nrm = bli_cntx_get_l3_sup_blksz_max_dt(BLIS_FLOAT, BLIS_NR, S.cntx);
    if (S.mr <= 0 || S.nr <= 0 || S.mc <= 0 || S.nc <= 0 || S.kc <= 0 || S.nat_mr <= 0 || S.nat_nr <= 0) return;
    for (int id = 0; id < BLIS_NUM_3OP_RC_COMBOS; id++)
        S.usable[id] = bli_cntx_get_l3_sup_ker_dt(BLIS_FLOAT, (stor3_t)id, S.cntx) != NULL &&
                       case_reproduces((stor3_t)id);
}

int sc_sgemm_sup(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa,
                 const float *b, int64_t rsb, int64_t csb, float beta, float *c, int64_t rsc, int64_t csc) {
    pthread_once(&once, setup);
    if (m <= 0 || n <= 0 || k <= 0 || alpha == 0.0f) return -1;
    stor3_t id = bli_stor3_from_strides(rsc, csc, rsa, csa, rsb, csb);
    if (id == BLIS_XXX || !S.usable[id] || !blis_takes_sup(m, n, k, rsc, csc, id)) return -1;
    sup_product p = {m, n, k, (float *)a, (float *)b, c, rsa, csa, rsb, csb, rsc, csc, alpha, beta, id};
    return run(&p);
}
