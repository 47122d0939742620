// rss.h — this process's resident memory, from Linux's /proc/self: the current
// size (VmRSS), the peak (VmHWM), and resetting the peak to the current size
// (writing "5" to /proc/self/clear_refs, Linux 4.0 or later). The memory
// benchmark and the tests that bound a step's memory measure with these.
#ifndef SC_CORE_RSS_H
#define SC_CORE_RSS_H

// The field "VmRSS" or "VmHWM" of /proc/self/status in KiB, or -1.
long sc_rss_kib(const char *field);
// Resets the peak to the current resident size: 0, or -1 when it cannot.
int sc_rss_reset_peak(void);

#endif
