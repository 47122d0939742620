#include "train/setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/rawfile.h"
#include "data/task.h"
#include "models/model.h"
#include "train/trainer.h"

const char *sc_run_default_arch(sc_modality m) {
    return m == SC_TEXT ? "transformer" : m == SC_IMAGE ? "vit" : "mlp";
}

int sc_run_has_default_config(const char *role, const char *task) {
    char def[1024];
    snprintf(def, sizeof def, "%s/%ss/configs/%s.yaml", sc_task_root(), role, task);
    return access(def, R_OK) == 0;
}

static int is_trainer_key(const char *k) {
    for (const sc_config_spec *s = sc_trainer_spec; s->key; s++)
        if (!strcmp(s->key, k)) return 1;
    return 0;
}

static int is_common_model_key(const char *k) {
    for (const sc_config_spec *s = sc_model_common_spec; s->key; s++)
        if (!strcmp(s->key, k)) return 1;
    return 0;
}

int sc_run_config_resolve(sc_run_config *rc, const char *role, const char *task, const char *config_path,
                          const char *arch_flag, char *const *sets, int n_sets, int from_backbone, sc_err *err) {
    char source[512] = "";
    if (config_path) {
        snprintf(source, sizeof source, "%s", config_path);
    } else {
        char def[512];
        snprintf(def, sizeof def, "%s/%ss/configs/%s.yaml", sc_task_root(), role, task);
        if (access(def, R_OK) == 0) snprintf(source, sizeof source, "%s", def);
    }
    char *text = NULL;
    size_t len = 0;
    if (source[0] && sc_read_file_as(source, "raw", &text, &len, err)) {
        memset(rc, 0, sizeof *rc);
        return -1;
    }
    int r = sc_run_config_resolve_buf(rc, role, source, text, len, arch_flag, sets, n_sets, from_backbone, err);
    free(text);
    return r;
}

#define FINETUNE "finetune."

// The file's finetune section over its top level (a run from a backbone).
static int apply_finetune(sc_config *all, sc_err *err) {
    const size_t k = strlen(FINETUNE);
    for (int i = 0, n = all->n; i < n; i++) {
        const sc_config_entry *e = &all->e[i];
        if (strncmp(e->key, FINETUNE, k)) continue;
        char origin[sizeof e->origin];
        snprintf(origin, sizeof origin, "%.140s (finetune)", e->origin);
        if (!strcmp(e->key + k, "arch"))
            return sc_errf(err, "%s: key 'finetune.arch': a fine-tuned model keeps its architecture", e->origin);
        if (sc_config_set(all, e->key + k, e->value, origin, err)) return -1;
    }
    return 0;
}

// Every layer into `all` (the file, its finetune section if the run starts from
// a backbone, then each --set), then each key to the trainer's config or the
// model's; 'arch' is taken out (--teacher/--student wins).
static int merge_and_split(sc_run_config *rc, sc_config *all, const char *role, const char *text, size_t len,
                           const char *arch_flag, char *const *sets, int n_sets, int from_backbone, sc_err *err) {
    if (rc->source[0] && sc_config_load_yaml_buf(all, rc->source, text, len, err)) return -1;
    if (from_backbone && apply_finetune(all, err)) return -1;
    for (int i = 0; i < n_sets; i++) {
        if (!strncmp(sets[i], FINETUNE, strlen(FINETUNE)))
            return sc_errf(err, "--set '%s': finetune keys belong in a config file; set the key itself", sets[i]);
        if (sc_config_set_kv(all, sets[i], err)) return -1;
    }
    // --teacher/--student naming another architecture than the file's `arch`:
    // the file's architecture keys describe its own architecture (a ViT's
    // `layers`, or a `width` that means something else in a CNN), so they are
    // set aside; its trainer keys and the architecture-independent ones (dtype)
    // still apply, and so does every --set.
    const char *file_arch = sc_config_str(all, "arch");
    int other_arch = arch_flag && file_arch && strcmp(arch_flag, file_arch) != 0;
    for (int i = 0; i < all->n; i++) {
        const sc_config_entry *e = &all->e[i];
        if (!strncmp(e->key, FINETUNE, strlen(FINETUNE))) continue;  // applied above, or not a run from a backbone
        if (other_arch && strcmp(e->origin, "--set") && !is_trainer_key(e->key) && !is_common_model_key(e->key))
            continue;
        if (!strcmp(e->key, "arch")) {
            snprintf(rc->arch, sizeof rc->arch, "%s", e->value);
            continue;
        }
        sc_config *dst = is_trainer_key(e->key) ? &rc->trainer : &rc->model;
        if (sc_config_set(dst, e->key, e->value, e->origin, err)) return -1;
    }
    if (arch_flag) snprintf(rc->arch, sizeof rc->arch, "%s", arch_flag);
    if (!rc->arch[0])
        return sc_errf(err, "no %s architecture: pass --%s ARCH or set 'arch' in %s", role, role,
                       rc->source[0] ? rc->source : "a --config file");
    return 0;
}

int sc_run_config_resolve_buf(sc_run_config *rc, const char *role, const char *source, const char *text, size_t len,
                              const char *arch_flag, char *const *sets, int n_sets, int from_backbone, sc_err *err) {
    memset(rc, 0, sizeof *rc);
    sc_config_init(&rc->trainer);
    sc_config_init(&rc->model);
    if (source) snprintf(rc->source, sizeof rc->source, "%s", source);
    sc_config *all = malloc(sizeof *all);  // ~59 KB: too big for the stack
    if (!all) return sc_errf(err, "out of memory resolving the %s config", role);
    sc_config_init(all);
    int r = merge_and_split(rc, all, role, text, len, arch_flag, sets, n_sets, from_backbone, err);
    free(all);
    return r;
}
