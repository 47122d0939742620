#include "report/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/rawfile.h"
#include "report/figures.h"

// A temporary file from a mkstemp template; its name stays in tmpl.
static int temp_file(char *tmpl, size_t cap, const char *suffix_free_name) {
    const char *dir = getenv("TMPDIR");
    snprintf(tmpl, cap, "%s/%s.XXXXXX", dir && *dir ? dir : "/tmp", suffix_free_name);
    return mkstemp(tmpl);
}

int sc_plot_svg(sc_html *h, const char *fig, int width, int height, const char *script, sc_err *err) {
    char gp[512], svg[512], log[512];
    int fg = temp_file(gp, sizeof gp, "scaffold-plot-gp"), fs = temp_file(svg, sizeof svg, "scaffold-plot-svg"),
        fl = temp_file(log, sizeof log, "scaffold-plot-log");
    int rc = -1;
    char *out = NULL, *msg = NULL;
    size_t n_out = 0, n_msg = 0;
    if (fg < 0 || fs < 0 || fl < 0) {
        sc_errf(err, "plot: cannot create a temporary file: %s", strerror(errno));
        goto done;
    }
    FILE *f = fdopen(fg, "w");
    if (!f) {
        sc_errf(err, "plot: %s", strerror(errno));
        goto done;
    }
    fg = -1;
    fprintf(f, "set terminal svg size %d,%d dynamic font 'sans,11' background rgb 'white'\nset output '%s'\n%s\nunset output\n",
            width, height, svg, script);
    if (fclose(f)) {
        sc_errf(err, "plot: cannot write %s", gp);
        goto done;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        sc_errf(err, "plot: fork: %s", strerror(errno));
        goto done;
    }
    if (pid == 0) {
        dup2(fl, 1);
        dup2(fl, 2);
        execlp("gnuplot", "gnuplot", gp, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        sc_err e2;
        if (sc_read_file(log, &msg, &n_msg, &e2)) msg = NULL;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            sc_errf(err, "plot: cannot run gnuplot (install Debian's gnuplot-nox)");
        else
            sc_errf(err, "plot: gnuplot failed: %.300s", msg && *msg ? msg : "(no message)");
        goto done;
    }
    if (sc_read_file(svg, &out, &n_out, err)) goto done;
    const char *start = strstr(out, "<svg");
    if (!start) {
        sc_errf(err, "plot: gnuplot wrote no SVG");
        goto done;
    }
    sc_html_put(h, start, n_out - (size_t)(start - out));
    rc = fig ? sc_fig_save(h, fig, "svg", start, n_out - (size_t)(start - out), err) : 0;
done:
    if (fg >= 0) close(fg);
    if (fs >= 0) close(fs);
    if (fl >= 0) close(fl);
    unlink(gp);
    unlink(svg);
    unlink(log);
    free(out);
    free(msg);
    return rc;
}

void sc_plot_label(sc_html *h, const char *s) {
    sc_html_put(h, "\"", 1);
    for (; *s; s++)
        if (*s != '"' && *s != '\\' && (unsigned char)*s >= 32) sc_html_put(h, s, 1);
    sc_html_put(h, "\"", 1);
}
