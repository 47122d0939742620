// `scaffold tasks list | check NAME | fetch NAME [--from PATH]`.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "data/cache.h"
#include "data/dataset.h"
#include "data/encode.h"

static const sc_command *self(void) { return sc_cli_find("tasks"); }

static void print_sizes(FILE *out, const sc_dataset *d) {
    for (int s = 0; s < SC_NSPLITS; s++) fprintf(out, "%s%zu", s ? "/" : "", d->counts[s]);
}

static int cmd_list(void) {
    char **names;
    size_t n;
    sc_err err;
    if (sc_task_names(&names, &n, &err)) {
        fprintf(stderr, "scaffold tasks list: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    printf("%-22s %-8s %-16s %-9s %s\n", "task", "modality", "labels", "fetched", "sizes (teacher-train/teacher-valid/"
                                                                             "student-pool/student-valid/test)");
    int rc = SC_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        sc_task *t;
        if (sc_task_open(names[i], &t, &err)) {
            printf("%-22s (invalid: %s)\n", names[i], err.msg);
            rc = SC_EXIT_FAIL;
            continue;
        }
        char labels[32];
        if (t->label_kind == SC_REGRESSION) snprintf(labels, sizeof labels, "regression");
        else snprintf(labels, sizeof labels, "%zu classes", t->n_classes);
        int fetched = sc_task_is_fetched(t);  // verified by stamp; a synthetic task answers for its base
        printf("%-22s %-8s %-16s %-9s ", t->name, sc_modality_name(t->modality), labels,
               t->source == SC_SRC_SYNTHETIC && !t->base ? "generated" : fetched ? "yes" : "no");
        sc_dataset d;
        if (fetched && !sc_dataset_load(t, &d, &err)) {
            print_sizes(stdout, &d);
            sc_dataset_free(&d);
        } else {
            printf("-");
        }
        printf("\n");
        sc_task_free(t);
    }
    sc_task_names_free(names, n);
    return rc;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

// Token-length statistics over all examples, and the teacher-train vocabulary.
static int text_report(const sc_dataset *d, sc_err *err) {
    sc_vocab v;
    if (sc_vocab_from_split(d, SC_SPLIT_TEACHER_TRAIN, &v, err)) return -1;
    sc_encoded e;
    if (sc_encode_dataset(d, &v, (size_t)d->task->max_tokens, &e, err)) { sc_vocab_free(&v); return -1; }
    uint32_t *lens = malloc(d->n * sizeof *lens);
    if (!lens) { sc_encoded_free(&e); sc_vocab_free(&v); return sc_errf(err, "out of memory"); }
    double sum = 0;
    size_t trunc = 0, unk = 0, ids = 0;
    for (size_t i = 0; i < d->n; i++) {
        lens[i] = e.raw_len[i];
        sum += lens[i];
        trunc += e.raw_len[i] + 1 > (uint32_t)d->task->max_tokens;
        for (size_t k = 0; k < e.len[i]; k++) unk += e.ids[e.off[i] + k] == SC_TOK_UNK;
        ids += e.len[i];
    }
    qsort(lens, d->n, sizeof *lens, cmp_u32);
    printf("  tokens per example: min %u, mean %.1f, median %u, p95 %u, max %u\n", lens[0], sum / (double)d->n,
           lens[d->n / 2], lens[(size_t)(0.95 * (double)(d->n - 1))], lens[d->n - 1]);
    printf("  truncated to max_tokens %ld ([CLS] included): %zu examples (%.1f%%)\n", d->task->max_tokens, trunc,
           100.0 * (double)trunc / (double)d->n);
    printf("  vocabulary from teacher-train (min_freq %ld, max_vocab %ld): %zu ids; [UNK] rate over all splits %.2f%%\n",
           d->task->min_freq, d->task->max_vocab, v.n, 100.0 * (double)unk / (double)ids);
    if (e.rat) {
        size_t on = 0;
        for (size_t i = 0; i < d->rat_used; i++) on += d->rat[i];
        printf("  token rationales: %zu examples, %.1f%% of tokens marked\n", d->n,
               100.0 * (double)on / (double)(d->rat_used ? d->rat_used : 1));
    }
    free(lens);
    sc_encoded_free(&e);
    sc_vocab_free(&v);
    // Splits are disjoint as examples, but a source may repeat a text: count test
    // texts that also occur in a training split (a string set via the vocabulary table).
    sc_vocab seen;
    if (sc_vocab_init(&seen, err)) return -1;
    size_t dup = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->split[i] != SC_SPLIT_TEST && sc_vocab_count(&seen, sc_dataset_text(d, i), err)) {
            sc_vocab_free(&seen);
            return -1;
        }
    for (size_t i = 0; i < d->n; i++)
        if (d->split[i] == SC_SPLIT_TEST && sc_dataset_text(d, i)[0])
            dup += sc_vocab_id(&seen, sc_dataset_text(d, i)) != SC_TOK_UNK;
    printf("  test texts also present in another split (duplicates in the source): %zu\n", dup);
    sc_vocab_free(&seen);
    return 0;
}

static void label_report(const sc_dataset *d) {
    const sc_task *t = d->task;
    if (t->label_kind == SC_CLASSIFICATION) {
        printf("  %-14s %7s", "split", "total");
        for (size_t c = 0; c < t->n_classes; c++) printf(" %*s", (int)(strlen(t->classes[c]) > 6 ? strlen(t->classes[c]) : 6), t->classes[c]);
        printf("\n");
        for (int s = 0; s < SC_NSPLITS; s++) {
            printf("  %-14s %7zu", sc_split_name(s), d->counts[s]);
            for (size_t c = 0; c < t->n_classes; c++) {
                size_t k = 0;
                for (size_t i = 0; i < d->n; i++) k += d->split[i] == s && (size_t)d->label[i] == c;
                printf(" %*zu", (int)(strlen(t->classes[c]) > 6 ? strlen(t->classes[c]) : 6), k);
            }
            printf("\n");
        }
    } else {
        printf("  %-14s %7s %10s %10s %10s %10s\n", "split", "total", "mean", "std", "min", "max");
        for (int s = 0; s < SC_NSPLITS; s++) {
            double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
            for (size_t i = 0; i < d->n; i++)
                if (d->split[i] == s) {
                    double y = d->target[i];
                    sum += y; sq += y * y;
                    lo = y < lo ? y : lo;
                    hi = y > hi ? y : hi;
                }
            double m = d->counts[s] ? sum / (double)d->counts[s] : 0;
            double sd = d->counts[s] ? sqrt(fmax(0, sq / (double)d->counts[s] - m * m)) : 0;
            printf("  %-14s %7zu %10.3f %10.3f %10.3f %10.3f\n", sc_split_name(s), d->counts[s], m, sd, lo, hi);
        }
    }
}

// Examples read vs lines (or records) per file: every line must be accounted for
// (read_count.h), or the reader merged or skipped lines it should not have.
static int file_report(const sc_dataset *d, sc_err *err) {
    const sc_task *t = d->task;
    if (!d->n_reads) {
        if (t->source == SC_SRC_SYNTHETIC) printf("  generated: %zu examples (no files)\n", d->n);
        else printf("  examples vs lines: not counted by the %s reader\n", t->format == SC_FMT_PNG ? "png" : "hook");
        return 0;
    }
    printf("  examples read vs lines in the file%s:\n", d->n_reads == 1 ? "" : "s");
    const char *bad = NULL;
    for (size_t i = 0; i < d->n_reads; i++) {
        char line[1024];
        int rc = sc_read_count_explain(t, &d->reads[i], line, sizeof line);
        printf("    %s\n", line);
        if (rc && !bad) bad = d->reads[i].file;
    }
    if (bad)
        return sc_errf(err, "%s: the examples read do not account for every line (see MISMATCH above): the reader "
                       "merged or skipped lines", bad);
    return 0;
}

static int cmd_check(const char *name) {
    sc_err err;
    sc_task *t;
    if (sc_task_open(name, &t, &err)) {
        fprintf(stderr, "scaffold tasks check: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    printf("task %s: %s, %s%s%s\n", t->name, sc_modality_name(t->modality),
           t->label_kind == SC_REGRESSION ? "regression" : "classification", t->description ? " — " : "",
           t->description ? t->description : "");
    printf("  %s: valid\n", t->yaml_path);
    int rc = SC_EXIT_FAIL;
    sc_dataset d;
    int loaded = 0;
    if (t->source != SC_SRC_SYNTHETIC) {
        if (sc_task_verify(t, &err)) goto out;
        printf("  %zu file%s verified (sha256)\n", t->n_files, t->n_files == 1 ? "" : "s");
    } else {
        printf("  synthetic: generator %s, seed %llu%s%s\n", t->generator, (unsigned long long)t->gen_seed,
               t->base ? ", base task " : "", t->base ? t->base : "");
        if (t->base) {  // the generator's input is verified like any task's data
            sc_task *b = NULL;
            int bad = sc_task_open(t->base, &b, &err) || sc_task_verify(b, &err);
            if (!bad) printf("  base task %s: %zu files verified (sha256)\n", b->name, b->n_files);
            sc_task_free(b);
            if (bad) goto out;
        }
    }
    if (sc_dataset_load(t, &d, &err)) goto out;
    loaded = 1;
    printf("  examples: %zu\n", d.n);
    if (file_report(&d, &err)) goto out;
    label_report(&d);
    if (t->label_kind == SC_CLASSIFICATION)
        for (int s = 0; s < SC_NSPLITS; s++)
            for (size_t c = 0; c < t->n_classes && d.counts[s]; c++) {
                size_t k = 0;
                for (size_t i = 0; i < d.n; i++) k += d.split[i] == s && (size_t)d.label[i] == c;
                if (!k) printf("  note: split %s has no example of class '%s'\n", sc_split_name(s), t->classes[c]);
            }
    if (t->modality == SC_TEXT && text_report(&d, &err)) goto out;
    if (t->modality == SC_IMAGE) {
        double sum = 0;
        size_t px = d.n * d.C * d.H * d.W;
        for (size_t i = 0; i < px; i++) sum += d.pixels[i];
        printf("  images: %zu x %zu x %zu, mean intensity %.3f\n", d.C, d.H, d.W, sum / (double)px / 255.0);
        if (d.decoy_mask) {
            size_t dm = 0, om = 0, hw = d.n * d.H * d.W;
            for (size_t i = 0; i < hw; i++) { dm += d.decoy_mask[i]; om += d.obj_mask[i]; }
            printf("  ground-truth masks: object %.1f%%, decoy %.1f%% of pixels\n", 100.0 * (double)om / (double)hw,
                   100.0 * (double)dm / (double)hw);
        }
    }
    if (t->modality == SC_TABULAR) {
        printf("  features: %zu (", d.F);
        for (size_t f = 0; f < d.F; f++) printf("%s%s", f ? ", " : "", t->features[f]);
        printf(")\n");
    }
    rc = SC_EXIT_OK;
    printf("check passed\n");
out:
    if (rc) fprintf(stderr, "scaffold tasks check %s: %s\n", name, err.msg);
    if (loaded) sc_dataset_free(&d);
    sc_task_free(t);
    return rc;
}

static int cmd_fetch(const char *name, const char *from) {
    sc_err err;
    sc_task *t;
    if (sc_task_open(name, &t, &err)) {
        fprintf(stderr, "scaffold tasks fetch: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    if (t->source != SC_SRC_SYNTHETIC) {  // synthetic tasks have no files of their own
        char cache[4096] = "";
        sc_cache_task_dir(t, cache, sizeof cache, NULL);
        printf("%s: fetching into %s\n", t->name, cache);
    }
    int rc = sc_task_fetch(t, from, stdout, &err);
    char ref[4400];  // the argument that finds this task again from here: its name or its path
    if (rc) fprintf(stderr, "scaffold tasks fetch %s: %s\n", name, err.msg);
    else printf("%s: ok (next: scaffold tasks check %s)\n", t->name, sc_task_ref(t, ref, sizeof ref));
    sc_task_free(t);
    return rc ? SC_EXIT_FAIL : SC_EXIT_OK;
}

int sc_cmd_tasks(int argc, char **argv) {
    if (argc < 2) return sc_cli_usage_error(self(), "missing subcommand (list, check or fetch)");
    const char *sub = argv[1];
    if (!strcmp(sub, "list")) {
        if (argc != 2) return sc_cli_usage_error(self(), "list takes no arguments");
        return cmd_list();
    }
    if (!strcmp(sub, "check")) {
        if (argc != 3 || argv[2][0] == '-') return sc_cli_usage_error(self(), "check takes one task NAME");
        return cmd_check(argv[2]);
    }
    if (!strcmp(sub, "fetch")) {
        const char *name = NULL, *from = NULL;
        for (int i = 2; i < argc; i++) {
            if (!strcmp(argv[i], "--from")) {
                if (++i >= argc) return sc_cli_usage_error(self(), "--from needs a PATH");
                from = argv[i];
            } else if (argv[i][0] == '-') {
                return sc_cli_usage_error(self(), "unknown option '%s'", argv[i]);
            } else if (name) {
                return sc_cli_usage_error(self(), "fetch takes one task NAME");
            } else {
                name = argv[i];
            }
        }
        if (!name) return sc_cli_usage_error(self(), "fetch needs a task NAME");
        return cmd_fetch(name, from);
    }
    return sc_cli_usage_error(self(), "unknown subcommand '%s'", sub);
}
