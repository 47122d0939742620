// Fuzz target for `scaffold init-task`'s detection (data/task_init.h). The input
// is one data file, or two files when it holds a NUL byte (split there): two
// class files of the lines format, or two tables (or JSON-lines files) read
// together (read.files). Detection may refuse the input; when it accepts it, what it
// promises must hold: the rendered task.yaml parses, the real reader reads the
// same bytes under it without an error, and finds exactly the examples and
// per-class counts detection reported, enough for every split.
#include <stdlib.h>
#include <string.h>

#include "data/reader.h"
#include "data/task_init.h"
#include "targets.h"

// Reads the input's files with the generated task's reader; checks the counts.
static void read_back(const sc_task *t, const sc_init_guess *g, const sc_init_file *f) {
    sc_dataset d;
    sc_err err;
    sc_fuzz_must(sc_dataset_init(&d, t, &err), &err, "sc_dataset_init");
    int rc = 0;
    if (g->format == SC_FMT_LINES)
        for (size_t c = 0; c < g->n_classes && !rc; c++) {
            const sc_init_file *cf = &f[g->class_file[c]];
            rc = sc_read_lines_buf(t, c, cf->name, cf->data, cf->len, &d, &err);
        }
    else  // every file as entry 0 of read.files: its per-file column only tags the rows, so the counts agree
        for (size_t i = 0; i < g->n_files && !rc; i++)
            rc = g->format == SC_FMT_JSONL ? sc_read_jsonl_buf(t, f[i].name, f[i].data, f[i].len, &d, &err)
                                           : sc_read_table_buf(t, f[i].name, f[i].data, f[i].len, &d, &err);
    sc_fuzz_must(rc, &err, "reading the data under the generated task.yaml");
    SC_FUZZ_ASSERT(d.n == (size_t)g->examples, "detection counted %ld examples, the reader %zu", g->examples, d.n);
    for (size_t c = 0; c < g->n_classes; c++) {
        size_t k = 0;
        for (size_t i = 0; i < d.n; i++) k += d.label[i] == (int32_t)c;
        SC_FUZZ_ASSERT(k == g->counts[c], "class %zu: detection counted %zu, the reader %zu", c, g->counts[c], k);
    }
    sc_fuzz_must(sc_dataset_assign_splits(&d, &err), &err, "sc_dataset_assign_splits");
    sc_dataset_free(&d);
}

int sc_fuzz_init_task(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    char *buf = sc_fuzz_copy(data, size);  // NUL-terminated, as sc_read_file leaves a file
    const char *nul = memchr(buf, '\0', size);
    sc_init_file f[2] = {{"d.tsv", buf, size, "0000000000000000000000000000000000000000000000000000000000000000"},
                         {"d.pos", NULL, 0, "1111111111111111111111111111111111111111111111111111111111111111"}};
    size_t n = 1;
    if (nul) {  // two class files: the bytes before and after the first NUL (each NUL-terminated)
        f[0].name = "d.neg";
        f[0].len = (size_t)(nul - buf);
        f[1].data = nul + 1;
        f[1].len = size - f[0].len - 1;
        n = 2;
    }
    sc_init_guess g;
    sc_err err;
    int rc = sc_init_detect(f, n, &g, &err);
    sc_fuzz_check(rc, &err, "sc_init_detect");
    if (!rc) {
        char *yaml = NULL;
        size_t len = 0;
        sc_task *t = NULL;
        sc_fuzz_must(sc_init_render(&g, "fuzz-init", "/data", &yaml, &len, &err), &err, "sc_init_render");
        SC_FUZZ_ASSERT(g.max_tokens >= 8 && g.max_tokens <= 512, "max_tokens %ld", g.max_tokens);
        if (sc_task_parse("fuzz-init", "fuzz-init/task.yaml", yaml, len, ".", &t, &err))
            sc_fuzz_fail(__FILE__, __LINE__, "the generated task.yaml does not parse: %s\n%s", err.msg, yaml);
        read_back(t, &g, f);
        sc_task_free(t);
        free(yaml);
    }
    sc_init_guess_free(&g);
    free(buf);
    return 0;
}
