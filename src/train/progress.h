// progress.h — what long work shows: step, loss, metric, rate, ETA. On a terminal
// one line redrawn in place (at most 5 times a second); otherwise plain lines
// every `every` steps, so logs stay readable.
#ifndef SC_TRAIN_PROGRESS_H
#define SC_TRAIN_PROGRESS_H

#include <stdio.h>

typedef struct sc_progress {
    FILE *out;
    int tty;
    long total;          // expected steps (for the ETA); 0 = unknown
    long every;          // plain-line interval
    double start, last;
    const char *label;
    long first;          // steps done before this invocation (a resumed run): not in the rate
} sc_progress;

void sc_progress_init(sc_progress *p, FILE *out, const char *label, long total, long every);
// Reports step `step` (1-based); `extra` is appended (e.g. "val acc 0.81").
void sc_progress_step(sc_progress *p, long step, int epoch, double loss, const char *extra);
// Ends the in-place line (if any) and prints a full line.
void sc_progress_line(sc_progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
