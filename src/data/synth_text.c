// synth-text: the label is a function of a few planted tokens (see synth.h).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/shuffle.h"
#include "data/synth.h"

// Made-up words from consonant-vowel syllables: readable, never English, all
// distinct, and one token each for the tokenizer (lowercase ASCII letters).
static void make_word(char *out, size_t i, const char *prefix) {
    static const char cons[] = "bdfgklmnprstvz", vow[] = "aeiou";
    size_t nc = sizeof cons - 1, nv = sizeof vow - 1;
    char *p = out + sprintf(out, "%s", prefix);
    do {  // base-(nc*nv) digits, at least two syllables
        *p++ = cons[i % nc];
        i /= nc;
        *p++ = vow[i % nv];
        i /= nv;
    } while (i);
    // One-syllable words get a final consonant: multi-syllable words end in a
    // vowel, so the two kinds never collide.
    if (p - out - (long)strlen(prefix) < 4) *p++ = 'n';
    *p = '\0';
}

static int param(const sc_task *t, const char *key, long def, long lo, long hi, long *out, sc_err *err) {
    *out = def;
    if (!t->gen_params) return 0;
    return sc_yget_long(t->gen_params, key, 0, lo, hi, t->yaml_path, "source.params", out, err);
}

int sc_synth_text(const sc_task *t, sc_dataset *d, sc_err *err) {
    static const char *const keys[] = {"vocab", "min_len", "max_len", "signal", "distractors", NULL};
    long vocab, min_len, max_len, nsig, ndis;
    if ((t->gen_params && sc_ycheck_keys(t->gen_params, keys, t->yaml_path, "source.params", err)) ||
        param(t, "vocab", 200, 10, 100000, &vocab, err) || param(t, "min_len", 8, 4, 1000, &min_len, err) ||
        param(t, "max_len", 24, 4, 1000, &max_len, err) || param(t, "signal", 4, 1, 100, &nsig, err) ||
        param(t, "distractors", 4, 0, 100, &ndis, err))
        return -1;
    if (max_len < min_len) return sc_errf(err, "%s: source.params: max_len < min_len", t->yaml_path);
    if (t->n_classes < 2 || t->label_kind != SC_CLASSIFICATION || t->modality != SC_TEXT)
        return sc_errf(err, "%s: the synth-text generator needs a text classification task", t->yaml_path);
    int part = sc_dataset_partition(t, "all");
    if (part < 0) return sc_errf(err, "%s: splits.partitions must name 'all'", t->yaml_path);
    size_t K = t->n_classes;
    // Word tables: filler, signal (K x nsig), distractors; all in one block.
    size_t nwords = (size_t)vocab + K * (size_t)nsig + (size_t)ndis;
    char(*words)[24] = malloc(nwords * sizeof *words);
    char *sent = malloc((size_t)max_len * 24 + 1);
    uint8_t *rat = malloc((size_t)max_len);
    size_t *slot = malloc((size_t)max_len * sizeof *slot);
    if (!words || !sent || !rat || !slot) {
        free(words); free(sent); free(rat); free(slot);
        return sc_errf(err, "out of memory");
    }
    for (size_t i = 0; i < (size_t)vocab; i++) make_word(words[i], i, "");
    for (size_t i = 0; i < K * (size_t)nsig; i++) make_word(words[vocab + (long)i], i, "x");
    for (size_t i = 0; i < (size_t)ndis; i++) make_word(words[vocab + (long)K * nsig + (long)i], i, "q");
    sc_splitmix r = {t->gen_seed};
    int rc = 0;
    for (long ex = 0; ex < t->gen_size && !rc; ex++) {
        size_t len = (size_t)(min_len + (long)sc_splitmix_below(&r, (uint64_t)(max_len - min_len + 1)));
        size_t y = (size_t)sc_splitmix_below(&r, K);
        size_t wid[1000];
        for (size_t i = 0; i < len; i++) {
            wid[i] = (size_t)sc_splitmix_below(&r, (uint64_t)vocab);
            rat[i] = 0;
            slot[i] = i;
        }
        // Distinct positions for planted words: a partial shuffle of slot[].
        size_t m = 1 + (size_t)sc_splitmix_below(&r, 3);           // signal words for y
        size_t other = m >= 2 && sc_splitmix_unit(&r) < 0.3 ? 1 : 0;  // one for another class
        size_t dist = ndis ? (size_t)sc_splitmix_below(&r, 3) : 0;   // 0..2 distractors
        size_t planted = m + other + dist;
        if (planted > len) planted = len;
        for (size_t i = 0; i < planted; i++) {
            size_t j = i + (size_t)sc_splitmix_below(&r, len - i);
            size_t tmp = slot[i]; slot[i] = slot[j]; slot[j] = tmp;
        }
        for (size_t i = 0; i < planted; i++) {
            size_t pos = slot[i];
            if (i < m) {
                wid[pos] = (size_t)vocab + y * (size_t)nsig + (size_t)sc_splitmix_below(&r, (uint64_t)nsig);
                rat[pos] = 1;
            } else if (i < m + other) {
                size_t c = (y + 1 + (size_t)sc_splitmix_below(&r, K - 1)) % K;
                wid[pos] = (size_t)vocab + c * (size_t)nsig + (size_t)sc_splitmix_below(&r, (uint64_t)nsig);
                rat[pos] = 1;
            } else {
                wid[pos] = (size_t)(vocab + (long)K * nsig) + (size_t)sc_splitmix_below(&r, (uint64_t)ndis);
            }
        }
        char *p = sent;
        for (size_t i = 0; i < len; i++) p += sprintf(p, i ? " %s" : "%s", words[wid[i]]);
        if (sc_dataset_add(d, part, (int32_t)y, (float)y, sent, (size_t)(p - sent), NULL, NULL, rat, len, err) < 0)
            rc = -1;
    }
    free(words); free(sent); free(rat); free(slot);
    if (rc) return -1;
    return sc_dataset_assign_splits(d, err);
}
