// schedule.c — learning rate as a function of the step: linear warmup, then
// constant, linear or cosine decay to a floor (formulas in optim.h).
#include <math.h>

#include "optim/optim.h"

#define PI 3.14159265358979323846

double sc_schedule_lr(const sc_schedule *s, int64_t step) {
    if (step < 0) step = 0;
    if (step < s->warmup) return s->base_lr * (double)(step + 1) / (double)s->warmup;
    if (s->kind == SC_SCHED_CONSTANT) return s->base_lr;
    int64_t span = s->total - s->warmup;
    double p = span > 0 ? (double)(step - s->warmup) / (double)span : 1.0;
    if (p > 1.0) p = 1.0;
    double w = s->kind == SC_SCHED_LINEAR ? 1.0 - p : 0.5 * (1.0 + cos(PI * p));
    return s->floor_lr + (s->base_lr - s->floor_lr) * w;
}

int sc_schedule_check(const sc_schedule *s, sc_err *err) {
    if (s->kind != SC_SCHED_CONSTANT && s->kind != SC_SCHED_LINEAR && s->kind != SC_SCHED_COSINE)
        return sc_errf(err, "schedule: unknown kind %d", (int)s->kind);
    if (!(s->base_lr >= 0) || !(s->floor_lr >= 0) || s->floor_lr > s->base_lr)
        return sc_errf(err, "schedule: need 0 <= floor lr (%g) <= base lr (%g)", s->floor_lr, s->base_lr);
    if (s->warmup < 0 || (s->kind != SC_SCHED_CONSTANT && s->total < s->warmup))
        return sc_errf(err, "schedule: need 0 <= warmup (%lld) <= total (%lld)", (long long)s->warmup,
                       (long long)s->total);
    return 0;
}
