#include "data/encode.h"

#include <stdlib.h>
#include <string.h>

int sc_vocab_from_split(const sc_dataset *d, int split, sc_vocab *out, sc_err *err) {
    sc_vocab counts;
    sc_tokens tk = {0};
    if (sc_vocab_init(&counts, err)) return -1;
    int rc = 0;
    for (size_t i = 0; i < d->n && !rc; i++) {
        if (d->split[i] != split) continue;
        const char *s = sc_dataset_text(d, i);
        if (sc_tokenize(s, strlen(s), &tk, err)) { rc = sc_err_prefix(err, "example %zu", i); break; }
        for (size_t k = 0; k < tk.n && !rc; k++) rc = sc_vocab_count(&counts, sc_token(&tk, k), err);
    }
    if (!rc) rc = sc_vocab_finish(&counts, (size_t)d->task->min_freq, (size_t)d->task->max_vocab, out, err);
    sc_vocab_free(&counts);
    sc_tokens_free(&tk);
    return rc;
}

void sc_encoded_free(sc_encoded *e) {
    free(e->ids); free(e->rat); free(e->off); free(e->len); free(e->raw_len);
    memset(e, 0, sizeof *e);
}

int sc_encode_dataset(const sc_dataset *d, const sc_vocab *v, size_t max_tokens, sc_encoded *e, sc_err *err) {
    memset(e, 0, sizeof *e);
    if (max_tokens < 1) return sc_errf(err, "max_tokens must be at least 1");
    size_t n = d->n;
    int has_rat = d->rat_used > 0;
    e->n = n;
    e->off = malloc((n ? n : 1) * sizeof *e->off);
    e->len = malloc((n ? n : 1) * sizeof *e->len);
    e->raw_len = malloc((n ? n : 1) * sizeof *e->raw_len);
    e->ids = malloc((n ? n : 1) * max_tokens * sizeof *e->ids);  // upper bound; trimmed below
    if (has_rat) e->rat = calloc((n ? n : 1) * max_tokens, 1);
    sc_tokens tk = {0};
    int rc = 0;
    if (!e->off || !e->len || !e->raw_len || !e->ids || (has_rat && !e->rat)) rc = sc_errf(err, "out of memory");
    size_t used = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *s = sc_dataset_text(d, i);
        if (sc_tokenize(s, strlen(s), &tk, err)) { rc = sc_err_prefix(err, "example %zu", i); break; }
        if (has_rat && d->rat_len[i] != tk.n) {
            rc = sc_errf(err, "example %zu: the rationale has %zu entries but the text has %zu tokens (\"%.40s\")", i,
                         d->rat_len[i], tk.n, s);
            break;
        }
        size_t m = tk.n + 1 < max_tokens ? tk.n + 1 : max_tokens;
        e->off[i] = used;
        e->len[i] = (uint32_t)m;
        e->raw_len[i] = (uint32_t)tk.n;
        e->ids[used] = SC_TOK_CLS;
        for (size_t k = 1; k < m; k++) {
            e->ids[used + k] = sc_vocab_id(v, sc_token(&tk, k - 1));
            if (has_rat) e->rat[used + k] = d->rat[d->rat_off[i] + k - 1];
        }
        if (m > e->max_len) e->max_len = m;
        used += m;
    }
    sc_tokens_free(&tk);
    if (rc) { sc_encoded_free(e); return -1; }
    int32_t *ids = realloc(e->ids, (used ? used : 1) * sizeof *ids);
    if (ids) e->ids = ids;
    return 0;
}
