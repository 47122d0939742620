#include "train/progress.h"

#include <stdarg.h>
#include <unistd.h>

#include "core/clock.h"

void sc_progress_init(sc_progress *p, FILE *out, const char *label, long total, long every) {
    p->out = out;
    p->tty = out && isatty(fileno(out));
    p->total = total;
    p->every = every > 0 ? every : 50;
    p->start = p->last = sc_now();
    p->label = label;
    p->first = 0;
}

static void eta(char *buf, size_t n, double secs) {
    long s = (long)(secs + 0.5);
    if (s >= 3600) snprintf(buf, n, "%ldh%02ldm", s / 3600, (s / 60) % 60);
    else snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
}

void sc_progress_step(sc_progress *p, long step, int epoch, double loss, const char *extra) {
    if (!p->out) return;
    double now = sc_now();
    if (p->tty ? now - p->last < 0.2 : step % p->every != 0) return;
    p->last = now;
    double rate = (double)(step - p->first) / (now - p->start + 1e-9);  // this invocation's steps
    char left[32] = "?";
    if (p->total > 0) eta(left, sizeof left, (double)(p->total - step) / (rate + 1e-9));
    fprintf(p->out, "%s%s epoch %d step %ld/%ld loss %.4f %.1f steps/s ETA %s%s%s%s", p->tty ? "\r" : "", p->label,
            epoch, step, p->total, loss, rate, left, extra && *extra ? " | " : "", extra ? extra : "",
            p->tty ? "\033[K" : "\n");
    fflush(p->out);
}

void sc_progress_line(sc_progress *p, const char *fmt, ...) {
    if (!p->out) return;
    if (p->tty) fprintf(p->out, "\r\033[K");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    fprintf(p->out, "\n");
    fflush(p->out);
}
