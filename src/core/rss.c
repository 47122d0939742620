// rss.c — resident memory from /proc/self (rss.h).
#include "core/rss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long sc_rss_kib(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

int sc_rss_reset_peak(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    int ok = f && fputs("5", f) >= 0;
    if (f && fclose(f)) ok = 0;
    return ok ? 0 : -1;
}
