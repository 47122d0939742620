// figures.c — saving a report's charts and maps as files (figures.h).
#include "report/figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"

int sc_figs_init(sc_figs *f, const char *dir, sc_err *err) {
    memset(f, 0, sizeof *f);
    if (!dir || !*dir) return sc_errf(err, "--figures needs a folder");
    if (strlen(dir) >= sizeof f->dir) return sc_errf(err, "--figures %.60s...: the path is too long", dir);
    snprintf(f->dir, sizeof f->dir, "%s", dir);
    return sc_mkdirs(dir, err) ? sc_err_prefix(err, "--figures %s", dir) : 0;
}

void sc_figs_free(sc_figs *f) {
    if (!f) return;
    free(f->names);
    memset(f, 0, sizeof *f);
}

// name -> [A-Za-z0-9._-]{1,SC_FIG_NAME}, no leading '.', "figure" when empty.
static void sanitise(const char *name, char *out) {
    size_t k = 0;
    for (const char *s = name; *s && k < SC_FIG_NAME; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                 (c == '.' && k > 0);
        out[k++] = ok ? c : '_';
    }
    out[k] = '\0';
    if (!k) snprintf(out, SC_FIG_NAME + 1, "figure");
}

static int used(const sc_figs *f, const char *file) {
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->names[i], file)) return 1;
    return 0;
}

int sc_fig_save(sc_html *h, const char *name, const char *ext, const void *data, size_t n, sc_err *err) {
    sc_figs *f = h->figs;
    if (!f) return 0;
    char base[SC_FIG_NAME + 1], file[SC_FIG_NAME + 16];
    sanitise(name, base);
    snprintf(file, sizeof file, "%s.%s", base, ext);
    for (int k = 2; used(f, file); k++) snprintf(file, sizeof file, "%s-%d.%s", base, k, ext);
    if (f->n == f->cap) {
        int cap = f->cap ? 2 * f->cap : 16;
        void *p = realloc(f->names, sizeof *f->names * (size_t)cap);
        if (!p) return sc_errf(err, "--figures: out of memory");
        f->names = p, f->cap = cap;
    }
    snprintf(f->names[f->n], sizeof f->names[f->n], "%s", file);
    char path[sizeof f->dir + sizeof file + 2];
    snprintf(path, sizeof path, "%s/%s", f->dir, file);
    if (sc_atomic_write(path, data, n, err)) return sc_err_prefix(err, "--figures %s", f->dir);
    f->n++;
    return 0;
}
