// slurm_task.c — the inside of a Slurm array element (exp/slurm.h): find the
// run this element stands for and run it as the local pool would.
#include <stdlib.h>
#include <string.h>

#include "data/rawfile.h"
#include "exp/runner.h"
#include "exp/slurm.h"

int sc_slurm_task(const sc_manifest *m, const char *runs_file, FILE *log, sc_err *err) {
    const char *env = getenv("SLURM_ARRAY_TASK_ID");
    char *end = NULL;
    long want = env ? strtol(env, &end, 10) : -1;
    if (!env || !*env || *end || want < 0)
        return sc_errf(err, "--slurm-task runs inside a Slurm array job (SLURM_ARRAY_TASK_ID is %s%s%s); "
                       "it is written by `scaffold run --backend slurm`, not typed",
                       env ? "'" : "not set", env ? env : "", env ? "'" : "");
    char *text = NULL;
    size_t n = 0;
    if (sc_read_file(runs_file, &text, &n, err)) return -1;
    // Line `want` (0-based): INDEX TAB KEY TAB DIR.
    long line = 0;
    char *p = text, *stop = text + n;
    while (p < stop && line < want) {
        char *nl = memchr(p, '\n', (size_t)(stop - p));
        p = nl ? nl + 1 : stop;
        line++;
    }
    int idx = -1, rc;
    char key[65] = "";
    if (p >= stop || sscanf(p, "%d\t%64[0-9a-f]", &idx, key) != 2 || strlen(key) != 64) {
        rc = sc_errf(err, "%s: no run on line %ld (array task %ld): the file was changed after submission", runs_file,
                     want + 1, want);
    } else if (idx < 0 || idx >= m->n_runs || strcmp(m->runs[idx].key, key)) {
        // The manifest, a config file or the code's run keys changed since
        // submission: running it now would file a result under the wrong key.
        rc = sc_errf(err, "%s line %ld: run %d no longer has the configuration it was submitted with (%s): "
                     "re-submit with --resume", runs_file, want + 1, idx,
                     idx >= 0 && idx < m->n_runs ? m->runs[idx].dir : "the manifest has fewer runs now");
    } else {
        fprintf(log, "slurm array task %ld: %s\n", want, m->runs[idx].dir);
        rc = sc_exp_run_one(m, idx, log, err);
    }
    free(text);
    return rc;
}
