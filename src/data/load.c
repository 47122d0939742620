// sc_dataset_load: the cached files through their reader (or the generator), then splits.
#include <string.h>

#include "data/cache.h"
#include "data/reader.h"
#include "data/synth.h"

int sc_synth_generate(const sc_task *t, sc_dataset *d, sc_err *err) {
    if (!strcmp(t->generator, "synth-text")) return sc_synth_text(t, d, err);
    if (!strcmp(t->generator, "decoy-images")) return sc_synth_decoy_images(t, d, err);
    return sc_errf(err, "%s: field 'source.generator': unknown generator '%s' (synth-text | decoy-images)",
                   t->yaml_path, t->generator);
}

int sc_dataset_load(const sc_task *t, sc_dataset *d, sc_err *err) {
    if (sc_dataset_init(d, t, err)) return -1;
    if (t->source == SC_SRC_SYNTHETIC) {
        if (sc_synth_generate(t, d, err)) goto fail;
        return 0;
    }
    char dir[4096];
    if (t->format == SC_FMT_PNG) {  // PNG folders are read in place
        if (sc_task_source_dir(t, dir, sizeof dir, err)) goto fail;
    } else {
        if (sc_cache_task_dir(t, dir, sizeof dir, err)) goto fail;
        if (sc_task_check_cache(t, err)) goto fail;  // no reader sees an unverified cached file
    }
    if (sc_read_task_data(t, dir, d, err)) goto fail;
    if (d->n == 0) {
        sc_errf(err, "%s: the data holds no examples", t->yaml_path);
        goto fail;
    }
    if (sc_dataset_assign_splits(d, err)) goto fail;
    if ((t->rationales == SC_RAT_TOKENS && !d->rat_used && t->modality == SC_TEXT) ||
        (t->rationales == SC_RAT_PIXELS && !d->obj_mask)) {
        sc_errf(err, "%s: field 'input.rationales' is declared but the data provides none", t->yaml_path);
        goto fail;
    }
    return 0;
fail:
    sc_dataset_free(d);
    return -1;
}
