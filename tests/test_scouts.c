// The young students of the SMaT meta step (smat/scouts.h): the meta gradient
// is the mean over the co-trained student and the scouts; scouts live their
// staggered lives and restart from fresh initializations with a fresh
// optimizer; runs with scouts are deterministic and differ from runs without.
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/inputs.h"
#include "smat/student_run.h"

// synth-text, or under valgrind (SCAFFOLD_TEST_QUICK) a 200-example copy of it
// (student pool 40, student-valid 10: enough for n = 32 and meta batches of 8).
static const char *task(void) {
    static char path[300];
    if (!sc_test_quick()) return "synth-text";
    if (!path[0]) {
        char parent[200];
        snprintf(parent, sizeof parent, "/tmp/sc_test_scouts_%d", (int)getpid());
        sc_test_synth_copy(parent, "synth-text", 200);
        snprintf(path, sizeof path, "%s/synth-text", parent);
    }
    return path;
}

// A learning run on synth-text with a fresh random teacher, 16 training
// examples, batch 8, no dropout; `scouts` young students reset every 4 steps.
static sc_student_env *open_env(const char *scouts) {
    char *sets[] = {"dropout=0", "batch_size=8", "meta_batch=8", (char *)scouts, "scout_reset=4"};
    sc_student_run_cfg c = sc_student_run_defaults();
    c.teacher_arch = "transformer", c.task = task(), c.explainer = "attention", c.learn = 1;
    c.arch = "transformer", c.n = 16, c.seed = 3, c.log = NULL, c.sets = sets, c.n_sets = 5;
    sc_student_env *env;
    sc_err e;
    if (sc_student_env_open(&env, &c, &e)) fail_msg("%s", e.msg);
    return env;
}

// What the trainer would hold: the optimizer over θ = the student and ψ, and
// the first training and validation batches.
typedef struct driver {
    sc_student_env *env;
    sc_optim opt;
    sc_batch b;
    sc_inputs in;
} driver;

static void driver_open(driver *d, const char *scouts) {
    memset(d, 0, sizeof *d);
    d->env = open_env(scouts);
    sc_student_env *r = d->env;
    sc_tensor *theta[SC_PARAMS_MAX];
    int nt = 0;
    for (int i = 0; i < r->student.params.n; i++) theta[nt++] = r->student.params.t[i];
    for (int i = 0; i < r->st.sexpl.params.n; i++) theta[nt++] = r->st.sexpl.params.t[i];
    sc_err e;
    assert_int_equal(sc_optim_init(&d->opt, &r->opts.optim, theta, nt, &e), 0);
    assert_int_equal(sc_batch_alloc(&d->b, &r->pipe.data, &r->pipe.enc, 8, &e), 0);
    assert_int_equal(sc_batch_fill(&d->b, &r->pipe.data, &r->pipe.enc, r->train, 8, &e), 0);
}

// One meta step at lr on the first training batch; φ moves (meta_lr 1e-2).
static void meta_step(driver *d, double lr) {
    sc_student_env *r = d->env;
    sc_ctx_reset(&r->ctx);
    assert_int_equal(sc_inputs_from_batch(&r->ctx, &d->b, r->pipe.shape.modality, r->student.dtype, &d->in), 0);
    double outer;
    sc_err e;
    if (sc_student_meta_step(&r->st, &r->ctx, &d->opt, lr, &d->in, r->train, 8, r->valid, 8, 1e-2, &outer, &e))
        fail_msg("%s", e.msg);
}

static void driver_close(driver *d) {
    sc_ctx_reset(&d->env->ctx);  // the tape borrows the slabs (core/params.h)
    sc_batch_free(&d->b);
    sc_optim_free(&d->opt);
    sc_student_env_close(d->env);
}

static void copy_params(sc_params *to, const sc_params *from) {
    assert_int_equal(to->n, from->n);
    for (int i = 0; i < to->n; i++)
        memcpy(to->t[i]->data, from->t[i]->data, (size_t)to->t[i]->numel * sc_dtype_size(to->t[i]->dtype));
}

static int same_params(const sc_params *a, const sc_params *b) {
    for (int i = 0; i < a->n; i++)
        if (memcmp(a->t[i]->data, b->t[i]->data, (size_t)a->t[i]->numel * sc_dtype_size(a->t[i]->dtype))) return 0;
    return 1;
}

// The tensors of `p` one after another into `buf` (the slab itself has gaps
// between tensors, so one memcpy over it would read alignment padding).
static void snapshot(const sc_params *p, char *buf) {
    for (int i = 0; i < p->n; i++) {
        size_t b = (size_t)p->t[i]->numel * sc_dtype_size(p->t[i]->dtype);
        memcpy(buf, p->t[i]->data, b);
        buf += b;
    }
}

// A scout that is an exact copy of the co-trained student (parameters, ψ, a
// fresh optimizer, the same lr) has the same hypergradient, so the mean
// (a + a) / 2 = a is bit-exactly the run without scouts; a scout of its own
// initialization moves φ elsewhere.
static void test_mean_of_student_and_scouts(void **state) {
    (void)state;
    driver none, twin, own;
    driver_open(&none, "scouts=0");
    driver_open(&twin, "scouts=1");
    driver_open(&own, "scouts=1");
    assert_int_equal(twin.env->st.scouts.n, 1);
    sc_scout *s = &twin.env->st.scouts.s[0];
    copy_params(&s->model.params, &twin.env->student.params);
    copy_params(&s->sexpl.params, &twin.env->st.sexpl.params);
    assert_false(same_params(&own.env->st.scouts.s[0].model.params, &own.env->student.params));
    double lr = sc_scout_lr(&twin.env->st.scouts, 0);
    meta_step(&none, lr), meta_step(&twin, lr), meta_step(&own, lr);
    assert_true(same_params(&twin.env->st.texpl.params, &none.env->st.texpl.params));
    assert_false(same_params(&own.env->st.texpl.params, &none.env->st.texpl.params));
    driver_close(&none), driver_close(&twin), driver_close(&own);
}

// Two scouts, R = 4: scout 1's first life is 2 steps, scout 2's is 4, later
// lives 4. A reset starts from a new initialization (not the first one, not the
// trained one) with the optimizer's state at zero.
static void test_staggered_lives(void **state) {
    (void)state;
    driver d;
    driver_open(&d, "scouts=2");
    sc_scouts *sc = &d.env->st.scouts;
    assert_int_equal(sc->n, 2);
    assert_int_equal(sc->s[0].life, 2);
    assert_int_equal(sc->s[1].life, 4);
    assert_false(same_params(&sc->s[0].model.params, &sc->s[1].model.params));
    sc_model *m0 = &sc->s[0].model;
    size_t bytes = 0;
    for (int i = 0; i < m0->params.n; i++) bytes += (size_t)m0->params.t[i]->numel * sc_dtype_size(m0->params.t[i]->dtype);
    char *init = malloc(bytes), *trained = malloc(bytes), *now = malloc(bytes);
    assert_non_null(init), assert_non_null(trained), assert_non_null(now);
    snapshot(&m0->params, init);
    long want_age[2][6] = {{1, 0, 1, 2, 3, 0}, {1, 2, 3, 0, 1, 2}}, want_lives[2][6] = {{0, 1, 1, 1, 1, 2},
                                                                                        {0, 0, 0, 1, 1, 1}};
    for (int step = 0; step < 6; step++) {
        snapshot(&m0->params, trained);
        meta_step(&d, 1e-3);
        for (int k = 0; k < 2; k++) {
            assert_int_equal(sc->s[k].age, want_age[k][step]);
            assert_int_equal(sc->s[k].lives, want_lives[k][step]);
            assert_int_equal(sc->s[k].opt.t, sc->s[k].age);  // the optimizer restarts with the scout
        }
        if (step == 1) {  // scout 1 just restarted: neither its first initialization nor what it had learned
            snapshot(&m0->params, now);
            assert_true(memcmp(init, now, bytes) != 0);
            assert_true(memcmp(trained, now, bytes) != 0);
        }
    }
    free(init), free(trained), free(now);
    driver_close(&d);
}

// Whole runs: scouts change what is learned; the same seed gives the same numbers.
static void test_runs_deterministic(void **state) {
    (void)state;
    float phi[3][16] = {{0}};
    const char *scouts[3] = {"scouts=2", "scouts=2", "scouts=0"};
    // Under valgrind (SCAFFOLD_TEST_QUICK) one run covers the memory of the
    // path; the comparisons of numbers are the unit pass's.
    int runs = sc_test_quick() ? 1 : 3;
    for (int k = 0; k < runs; k++) {
        char *sets[] = {"batch_size=8", "epochs=1", (char *)scouts[k], "scout_reset=3"};
        sc_student_run_cfg c = sc_student_run_defaults();
        c.teacher_arch = "transformer", c.task = task(), c.explainer = "attention", c.learn = 1;
        c.arch = "transformer", c.n = 32, c.seed = 2, c.log = NULL, c.sets = sets, c.n_sets = 4;
        sc_student_outcome o;
        sc_err e;
        if (sc_student_run(&c, &o, &e)) fail_msg("%s", e.msg);
        assert_true(o.n_phi > 0 && o.n_phi <= 16);
        memcpy(phi[k], o.phi_after, sizeof(float) * (size_t)o.n_phi);
        assert_int_equal(o.meta_steps, 4);
        sc_student_outcome_free(&o);
    }
    if (runs == 1) return;
    assert_memory_equal(phi[0], phi[1], sizeof phi[0]);
    assert_memory_not_equal(phi[0], phi[2], sizeof phi[0]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mean_of_student_and_scouts),
        cmocka_unit_test(test_staggered_lives),
        cmocka_unit_test(test_runs_deterministic),
    };
    int rc = cmocka_run_group_tests_name("scouts", tests, NULL, sc_test_teardown);
    if (sc_test_quick()) {
        char cmd[200];
        snprintf(cmd, sizeof cmd, "rm -rf /tmp/sc_test_scouts_%d", (int)getpid());
        if (system(cmd)) rc = 1;
    }
    return rc;
}
