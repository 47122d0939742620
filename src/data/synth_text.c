// synth-text: the label is a function of a few planted tokens (see synth.h);
// optionally with a planted decoy token and a noisier signal outside test.
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

// The generator's options (source.params), checked, with their defaults.
typedef struct text_opts {
    long vocab, min_len, max_len, nsig, ndis;
    long decoy;           // 1: one planted decoy token per sentence
    int test_random;      // test split: the decoy of a random class (1) or no decoy (0)
    double signal_noise;  // outside test: chance that the signal words are another class's
} text_opts;

#define MAX_SIGNAL_NOISE 0.9

static int read_opts(const sc_task *t, text_opts *o, sc_err *err) {
    static const char *const keys[] = {"vocab", "min_len", "max_len", "signal", "distractors", "decoy",
                                       "test_decoy", "signal_noise", NULL};
    const char *test_decoy = "random", *f = t->yaml_path;
    const sc_ynode *gp = t->gen_params;
    o->signal_noise = 0;
    if ((gp && sc_ycheck_keys(gp, keys, f, "source.params", err)) ||
        param(t, "vocab", 200, 10, 100000, &o->vocab, err) || param(t, "min_len", 8, 4, 1000, &o->min_len, err) ||
        param(t, "max_len", 24, 4, 1000, &o->max_len, err) || param(t, "signal", 4, 1, 100, &o->nsig, err) ||
        param(t, "distractors", 4, 0, 100, &o->ndis, err) || param(t, "decoy", 0, 0, 1, &o->decoy, err) ||
        (gp && (sc_yget_str(gp, "test_decoy", 0, f, "source.params", &test_decoy, err) ||
                sc_yget_double(gp, "signal_noise", 0, f, "source.params", &o->signal_noise, err))))
        return -1;
    if (o->max_len < o->min_len) return sc_errf(err, "%s: source.params: max_len < min_len", f);
    const sc_ynode *sn = gp ? sc_ymap_get(gp, "signal_noise") : NULL, *td = gp ? sc_ymap_get(gp, "test_decoy") : NULL;
    if (!(o->signal_noise >= 0 && o->signal_noise <= MAX_SIGNAL_NOISE))
        return sc_errf(err, "%s line %d: field 'source.params.signal_noise': expected a number in [0, %g], found %g",
                       f, sn ? sn->line : 0, MAX_SIGNAL_NOISE, o->signal_noise);
    o->test_random = !strcmp(test_decoy, "random");
    if (!o->test_random && strcmp(test_decoy, "none"))
        return sc_errf(err, "%s line %d: field 'source.params.test_decoy': expected random | none, found '%s'", f,
                       td ? td->line : 0, test_decoy);
    if (!o->decoy && (sn || td))
        return sc_errf(err, "%s line %d: field 'source.params.%s': only meaningful with decoy: 1", f,
                       (sn ? sn : td)->line, sn ? "signal_noise" : "test_decoy");
    return 0;
}

// The split each of the n examples will get: the splits depend only on the
// example count and the partition rules, so a throwaway dataset of n blank
// examples is assigned them first (the decoy and the noise depend on the split).
static uint8_t *splits_ahead(const sc_task *t, int part, size_t n, sc_err *err) {
    sc_dataset tmp;
    uint8_t *split = malloc(n ? n : 1);
    if (!split) return sc_errf(err, "out of memory"), NULL;
    if (sc_dataset_init(&tmp, t, err)) return free(split), NULL;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        if (sc_dataset_add(&tmp, part, 0, 0, "a", 1, NULL, NULL, NULL, 0, err) < 0) rc = -1;
    if (!rc) rc = sc_dataset_assign_splits(&tmp, err);
    if (!rc) memcpy(split, tmp.split, n);
    sc_dataset_free(&tmp);
    if (rc) free(split), split = NULL;
    return split;
}

// One sentence: word ids (into the word table), rationale and decoy masks.
// Word table: filler [0, vocab), signal (K x nsig), distractors (ndis), decoys (K).
// With decoy = 0 the random draws are exactly those of the original generator,
// so tasks without the new options are unchanged.
static size_t plant_example(const text_opts *o, size_t K, int is_test, sc_splitmix *r, size_t *y_out,
                            size_t *wid, uint8_t *rat, uint8_t *dm, size_t *slot) {
    size_t len = (size_t)(o->min_len + (long)sc_splitmix_below(r, (uint64_t)(o->max_len - o->min_len + 1)));
    size_t y = (size_t)sc_splitmix_below(r, K), sig0 = (size_t)o->vocab, dis0 = sig0 + K * (size_t)o->nsig;
    for (size_t i = 0; i < len; i++) {
        wid[i] = (size_t)sc_splitmix_below(r, (uint64_t)o->vocab);
        rat[i] = dm[i] = 0;
        slot[i] = i;
    }
    // Distinct positions for planted words: a partial shuffle of slot[].
    size_t m = 1 + (size_t)sc_splitmix_below(r, 3);               // signal words for y
    size_t other = m >= 2 && sc_splitmix_unit(r) < 0.3 ? 1 : 0;  // one for another class
    size_t dist = o->ndis ? (size_t)sc_splitmix_below(r, 3) : 0;   // 0..2 distractors
    size_t planted = m + other + dist, dec = (size_t)o->decoy;
    if (planted + dec > len) planted = len - dec;  // the decoy keeps a slot of its own
    for (size_t i = 0; i < planted + dec; i++) {
        size_t j = i + (size_t)sc_splitmix_below(r, len - i);
        size_t tmp = slot[i]; slot[i] = slot[j]; slot[j] = tmp;
    }
    // Signal noise (outside test): the signal words are those of another class
    // than the label, so the signal predicts the label only 1 - signal_noise of
    // the time while the decoy always does.
    size_t sy = y;
    if (dec && !is_test && o->signal_noise > 0 && sc_splitmix_unit(r) < o->signal_noise)
        sy = (y + 1 + (size_t)sc_splitmix_below(r, K - 1)) % K;
    for (size_t i = 0; i < planted; i++) {
        size_t pos = slot[i];
        if (i < m) {
            wid[pos] = sig0 + sy * (size_t)o->nsig + (size_t)sc_splitmix_below(r, (uint64_t)o->nsig);
            rat[pos] = 1;
        } else if (i < m + other) {
            size_t c = (sy + 1 + (size_t)sc_splitmix_below(r, K - 1)) % K;
            wid[pos] = sig0 + c * (size_t)o->nsig + (size_t)sc_splitmix_below(r, (uint64_t)o->nsig);
            rat[pos] = 1;
        } else {
            wid[pos] = dis0 + (size_t)sc_splitmix_below(r, (uint64_t)o->ndis);
        }
    }
    if (dec && (!is_test || o->test_random)) {  // the decoy: the label's word, a random class's at test
        size_t c = is_test ? (size_t)sc_splitmix_below(r, K) : y;
        wid[slot[planted]] = dis0 + (size_t)o->ndis + c;
        dm[slot[planted]] = 1;
    }
    *y_out = y;
    return len;
}

// The per-token decoy masks (n, max_len) into d->decoy_mask, laid out like the
// rationales (d->rat_off / d->rat_len): for text tasks that field is per token.
static int store_decoy_masks(sc_dataset *d, const uint8_t *dm_all, size_t max_len, sc_err *err) {
    if (!(d->decoy_mask = calloc(d->rat_used ? d->rat_used : 1, 1))) return sc_errf(err, "out of memory");
    for (size_t i = 0; i < d->n; i++) memcpy(d->decoy_mask + d->rat_off[i], dm_all + i * max_len, d->rat_len[i]);
    return 0;
}

int sc_synth_text(const sc_task *t, sc_dataset *d, sc_err *err) {
    text_opts o;
    if (read_opts(t, &o, err)) return -1;
    if (t->n_classes < 2 || t->label_kind != SC_CLASSIFICATION || t->modality != SC_TEXT)
        return sc_errf(err, "%s: the synth-text generator needs a text classification task", t->yaml_path);
    int part = sc_dataset_partition(t, "all");
    if (part < 0) return sc_errf(err, "%s: splits.partitions must name 'all'", t->yaml_path);
    size_t K = t->n_classes, n = (size_t)t->gen_size, L = (size_t)o.max_len;
    // Word tables: filler, signal (K x nsig), distractors, decoys (K); all in one block.
    size_t nwords = (size_t)o.vocab + K * (size_t)o.nsig + (size_t)o.ndis + (o.decoy ? K : 0);
    char(*words)[24] = malloc(nwords * sizeof *words);
    char *sent = malloc(L * 24 + 1);
    uint8_t *rat = malloc(L), *dm_all = o.decoy ? malloc(n * L + 1) : NULL;
    size_t *slot = malloc(L * sizeof *slot), *wid = malloc(L * sizeof *wid);
    uint8_t *split = o.decoy ? splits_ahead(t, part, n, err) : NULL;
    int rc = 0;
    if (o.decoy && !split) rc = -1;
    else if (!words || !sent || !rat || !slot || !wid || (o.decoy && !dm_all)) rc = sc_errf(err, "out of memory");
    if (!rc) {
        size_t dis0 = (size_t)o.vocab + K * (size_t)o.nsig;
        for (size_t i = 0; i < (size_t)o.vocab; i++) make_word(words[i], i, "");
        for (size_t i = 0; i < K * (size_t)o.nsig; i++) make_word(words[(size_t)o.vocab + i], i, "x");
        for (size_t i = 0; i < (size_t)o.ndis; i++) make_word(words[dis0 + i], i, "q");
        for (size_t c = 0; o.decoy && c < K; c++) make_word(words[dis0 + (size_t)o.ndis + c], c, "j");
    }
    sc_splitmix r = {t->gen_seed};
    uint8_t dm_one[1000];
    for (size_t ex = 0; ex < n && !rc; ex++) {
        size_t y, len = plant_example(&o, K, split && split[ex] == SC_SPLIT_TEST, &r, &y, wid, rat,
                                      dm_all ? dm_all + ex * L : dm_one, slot);
        char *p = sent;
        for (size_t i = 0; i < len; i++) p += sprintf(p, i ? " %s" : "%s", words[wid[i]]);
        if (sc_dataset_add(d, part, (int32_t)y, (float)y, sent, (size_t)(p - sent), NULL, NULL, rat, len, err) < 0)
            rc = -1;
    }
    if (!rc) rc = sc_dataset_assign_splits(d, err);
    if (!rc && split && memcmp(split, d->split, n))  // cannot happen: the assignment is a function of n and the rules
        rc = sc_errf(err, "%s: synth-text: the splits assigned ahead differ from the final ones", t->yaml_path);
    if (!rc && o.decoy) rc = store_decoy_masks(d, dm_all, L, err);
    free(words), free(sent), free(rat), free(dm_all), free(slot), free(wid), free(split);
    return rc;
}
