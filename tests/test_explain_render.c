// `scaffold explain` pages render in a real browser: a small teacher is trained
// on movie-reviews and on fashion-mnist, the report page is written, headless
// Chromium (Debian's `chromium`, or $SCAFFOLD_CHROMIUM) takes a screenshot, and
// the PNG (read with libspng) must not be blank: many pixels differ from the
// page background and the saliency colours (red token shading / red heatmap
// cells) are there. The tasks' data is fetched if missing. Skipped (and counted
// as skipped in the suite's summary) when no chromium is found, and under
// SCAFFOLD_TEST_QUICK (the valgrind pass).
#include "sc_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/cache.h"

#define CHROMIUM_TIMEOUT_S 60

static char out[1 << 16], err[1 << 16];
static char chromium[1024];

static int run(char **argv) {
    int argc = 0;
    while (argv[argc]) argc++;
    return sc_test_capture(sc_cli_main, argc, argv, out, sizeof out, err, sizeof err);
}

// $SCAFFOLD_CHROMIUM, else `chromium` / `chromium-browser` on PATH; 0 if none.
static int find_chromium(void) {
    const char *env = getenv("SCAFFOLD_CHROMIUM");
    if (env && *env) {
        snprintf(chromium, sizeof chromium, "%s", env);
        return access(chromium, X_OK) == 0;
    }
    const char *path = getenv("PATH");
    if (!path) path = "/usr/bin:/bin";
    const char *names[] = {"chromium", "chromium-browser"};
    for (int k = 0; k < 2; k++)
        for (const char *p = path; *p;) {
            size_t n = strcspn(p, ":");
            snprintf(chromium, sizeof chromium, "%.*s/%s", (int)n, p, names[k]);
            if (n && access(chromium, X_OK) == 0) return 1;
            p += n + (p[n] == ':');
        }
    return 0;
}

// Runs chromium in its own process group (it forks helpers), output discarded;
// the whole group is killed after CHROMIUM_TIMEOUT_S. Returns its exit status.
static int screenshot(const char *html, const char *png, const char *profile) {
    char shot[1100], url[1100], prof[1100];
    snprintf(shot, sizeof shot, "--screenshot=%s", png);
    snprintf(url, sizeof url, "file://%s", html);
    snprintf(prof, sizeof prof, "--user-data-dir=%s", profile);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        FILE *nul = fopen("/dev/null", "w");
        if (nul) {
            dup2(fileno(nul), 1);
            dup2(fileno(nul), 2);
        }
        char *argv[] = {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", prof,
                        shot, "--window-size=1200,1600", url, NULL};
        execv(chromium, argv);
        _exit(127);
    }
    setpgid(pid, pid);
    int status = 0;
    for (int waited_ms = 0;; waited_ms += 100) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (waited_ms >= CHROMIUM_TIMEOUT_S * 1000) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("chromium did not finish within %d s on %s", CHROMIUM_TIMEOUT_S, url);
        }
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
    kill(-pid, SIGKILL);  // helpers left behind, if any
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

typedef struct shot_stats {
    double ink;  // share of pixels differing from the background (the top-left pixel)
    double red;  // share of clearly reddish pixels (saliency shading / heatmap)
} shot_stats;

static shot_stats measure(const uint8_t *px, uint32_t w, uint32_t h) {
    shot_stats s = {0, 0};
    const uint8_t *bg = px;
    size_t n = (size_t)w * h, ink = 0, red = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = px + 3 * i;
        ink += abs(p[0] - bg[0]) + abs(p[1] - bg[1]) + abs(p[2] - bg[2]) > 30;
        red += p[0] > 120 && p[0] > p[1] + 60 && p[0] > p[2] + 60;
    }
    s.ink = (double)ink / (double)n;
    s.red = (double)red / (double)n;
    return s;
}

// Trains (argv), explains with `explainer` into dir/page, screenshots it and
// returns the pixel statistics.
static shot_stats render(const char *dir, char **train_argv, const char *explainer) {
    if (run(train_argv)) fail_msg("train-teacher exited non-zero: %s", err);
    char odir[300], page[320], png[320], prof[320];
    snprintf(odir, sizeof odir, "%s/page", dir);
    snprintf(page, sizeof page, "%s/index.html", odir);
    snprintf(png, sizeof png, "%s/shot.png", dir);
    snprintf(prof, sizeof prof, "%s/profile", dir);
    char *ex[] = {"scaffold", "explain", "--teacher-ckpt", (char *)dir, "--explainer", (char *)explainer, "--n", "8",
                  "--out", odir, NULL};
    if (run(ex)) fail_msg("explain exited non-zero: %s", err);
    int rc = screenshot(page, png, prof);
    if (rc != 0) fail_msg("chromium exited %d on %s", rc, page);
    uint32_t w, h;
    uint8_t *px = sc_test_read_png(png, &w, &h);
    assert_int_equal(w, 1200);
    assert_int_equal(h, 1600);
    shot_stats s = measure(px, w, h);
    free(px);
    print_message("%s: %.4f of pixels differ from the background, %.4f reddish\n", explainer, s.ink, s.red);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return s;
}

// 1 if the test should run: not quick, chromium found; the task's data is fetched here.
static int can_run(const char *task) {
    if (sc_test_quick()) {
        print_message("skipped: no browser under SCAFFOLD_TEST_QUICK (valgrind pass)\n");
        return 0;
    }
    if (!find_chromium()) {
        print_message("skipped: no chromium on PATH (apt-get install chromium, or set SCAFFOLD_CHROMIUM)\n");
        return 0;
    }
    sc_test_need_task(task);
    return 1;
}

static void test_render_movie_reviews(void **state) {
    (void)state;
    if (!can_run("movie-reviews")) skip();
    char dir[] = "/tmp/sc_render_mr_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *tr[] = {"scaffold", "train-teacher", "--task", "movie-reviews", "--teacher", "transformer", "--set",
                  "layers=1", "--set", "width=32", "--set", "heads=2", "--set", "max_steps=30", "--set", "epochs=1",
                  "--seed", "1", "--out", dir, NULL};
    shot_stats s = render(dir, tr, "gradient-x-input");
    // Measured: ink 0.095, red 0.051 (8 reviews of dark text with shaded tokens on white);
    // a blank page gives 0 and 0.
    if (!(s.ink > 0.02)) fail_msg("screenshot nearly blank: %.4f of pixels differ from the background", s.ink);
    if (!(s.red > 0.01)) fail_msg("no shaded tokens: %.5f of pixels are reddish", s.red);
}

static void test_render_fashion_mnist(void **state) {
    (void)state;
    if (!can_run("fashion-mnist")) skip();
    char dir[] = "/tmp/sc_render_fm_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *tr[] = {"scaffold", "train-teacher", "--task", "fashion-mnist", "--teacher", "vit", "--set", "layers=1",
                  "--set", "width=16", "--set", "heads=2", "--set", "max_steps=20", "--set", "epochs=1", "--seed",
                  "1", "--out", dir, NULL};
    shot_stats s = render(dir, tr, "gradient-norm");
    // Measured: ink 0.212, red 0.065 (a grid of 224x224 heatmaps; the top cells are 75% red).
    if (!(s.ink > 0.05)) fail_msg("screenshot nearly blank: %.4f of pixels differ from the background", s.ink);
    if (!(s.red > 0.01)) fail_msg("no heatmap cells: %.5f of pixels are reddish", s.red);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_movie_reviews),
        cmocka_unit_test(test_render_fashion_mnist),
    };
    return cmocka_run_group_tests(tests, NULL, sc_test_teardown);
}
