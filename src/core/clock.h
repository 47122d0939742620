// clock.h — the one clock: monotonic seconds, for progress lines, run timings
// and benchmarks (never for anything that decides a result: determinism).
#ifndef SC_CORE_CLOCK_H
#define SC_CORE_CLOCK_H

double sc_now(void);  // monotonic seconds since an arbitrary origin

#endif
