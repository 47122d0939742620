// explainer_ckpt.c — saving and restoring a learned explainer (explainer_ckpt.h).
#include "io/explainer_ckpt.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "data/rawfile.h"
#include "io/checkpoint.h"
#include "io/mpcheck.h"

#define MAX_OBJECTS (1u << 20)
#define MAX_DEPTH 8

static int pack_str(msgpack_packer *pk, const char *s) { return msgpack_pack_str_with_body(pk, s, strlen(s)); }

int sc_explainer_ckpt_save(const char *path, const sc_explainer *e, const sc_model *teacher, const char *task,
                           sc_err *err) {
    char teacher_sum[65], sum[65];
    if (sc_params_checksum(&teacher->params, teacher_sum, err)) return sc_err_prefix(err, "%s", path);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = msgpack_pack_map(&pk, 8);
    rc |= pack_str(&pk, "format") | pack_str(&pk, SC_EXPL_CKPT_FORMAT);
    rc |= pack_str(&pk, "version") | msgpack_pack_int(&pk, SC_EXPL_CKPT_VERSION);
    rc |= pack_str(&pk, "explainer") | pack_str(&pk, e->def->name);
    rc |= pack_str(&pk, "config") | msgpack_pack_map(&pk, (size_t)e->cfg.n);
    for (int i = 0; i < e->cfg.n; i++) rc |= pack_str(&pk, e->cfg.e[i].key) | pack_str(&pk, e->cfg.e[i].value);
    rc |= pack_str(&pk, "task") | pack_str(&pk, task ? task : "");
    rc |= pack_str(&pk, "teacher") | msgpack_pack_map(&pk, 2);
    rc |= pack_str(&pk, "arch") | pack_str(&pk, teacher->def->name);
    rc |= pack_str(&pk, "checksum") | pack_str(&pk, teacher_sum);
    rc |= pack_str(&pk, "tensors");
    if (rc || sc_ckpt_pack_params(&pk, &e->params, sum, err) ||
        pack_str(&pk, "checksum") | pack_str(&pk, sum))
        rc = sc_errf(err, "%s: cannot pack the explainer (out of memory?)", path);
    else
        rc = sc_atomic_write(path, sb.data, sb.size, err);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

typedef struct parsed {
    uint8_t *buf;
    msgpack_unpacked up;
    const msgpack_object *tensors, *checksum;
} parsed;

static const msgpack_object *field(const msgpack_object *map, const char *key) {
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) && !memcmp(k->via.str.ptr, key, k->via.str.size))
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

// A required string field, shorter than cap, without NUL.
static int get_str(const msgpack_object *map, const char *key, char *buf, size_t cap, sc_err *err) {
    const msgpack_object *o = field(map, key);
    if (!o) return sc_errf(err, "field '%s' is missing", key);
    if (o->type != MSGPACK_OBJECT_STR || o->via.str.size >= cap || memchr(o->via.str.ptr, '\0', o->via.str.size))
        return sc_errf(err, "field '%s' must be a string of at most %zu bytes", key, cap - 1);
    memcpy(buf, o->via.str.ptr, o->via.str.size);
    buf[o->via.str.size] = '\0';
    return 0;
}

static int parse_config(const msgpack_object *map, sc_config *cfg, sc_err *err) {
    const msgpack_object *o = field(map, "config");
    if (!o || o->type != MSGPACK_OBJECT_MAP) return sc_errf(err, "field 'config' must be a map");
    if (o->via.map.size > SC_CONFIG_MAX) return sc_errf(err, "field 'config' has more than %d keys", SC_CONFIG_MAX);
    sc_config_init(cfg);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key, *v = &o->via.map.ptr[i].val;
        char key[SC_CONFIG_KEY_MAX], val[SC_CONFIG_VAL_MAX];
        if (k->type != MSGPACK_OBJECT_STR || v->type != MSGPACK_OBJECT_STR || k->via.str.size >= sizeof key ||
            v->via.str.size >= sizeof val || memchr(k->via.str.ptr, '\0', k->via.str.size) ||
            memchr(v->via.str.ptr, '\0', v->via.str.size))
            return sc_errf(err, "field 'config': entry %u must map a short string to a short string", i);
        memcpy(key, k->via.str.ptr, k->via.str.size), key[k->via.str.size] = '\0';
        memcpy(val, v->via.str.ptr, v->via.str.size), val[v->via.str.size] = '\0';
        if (sc_config_find(cfg, key)) return sc_errf(err, "field 'config': key '%s' appears twice", key);
        if (sc_config_set(cfg, key, val, "explainer checkpoint", err)) return -1;
    }
    return 0;
}

static int parse(sc_explainer_ckpt *k, parsed *p, size_t n, sc_err *err) {
    size_t off = 0;
    if (!n) return sc_errf(err, "the file is empty");
    if (sc_mp_check(p->buf, n, MAX_OBJECTS, MAX_DEPTH, err)) return -1;
    if (msgpack_unpack_next(&p->up, (const char *)p->buf, n, &off) < MSGPACK_UNPACK_EXTRA_BYTES || off != n)
        return sc_errf(err, "msgpack could not decode the file");
    const msgpack_object *root = &p->up.data, *v;
    char format[32];
    if (root->type != MSGPACK_OBJECT_MAP || get_str(root, "format", format, sizeof format, err) ||
        strcmp(format, SC_EXPL_CKPT_FORMAT))
        return sc_errf(err, "not a scaffold explainer checkpoint (field 'format' is not \"%s\")", SC_EXPL_CKPT_FORMAT);
    if (!(v = field(root, "version")) || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return sc_errf(err, "field 'version' must be an integer");
    if (v->via.u64 != SC_EXPL_CKPT_VERSION)
        return sc_errf(err, "version %llu, but this build reads version %d", (unsigned long long)v->via.u64,
                       SC_EXPL_CKPT_VERSION);
    const msgpack_object *t = field(root, "teacher");
    if (!t || t->type != MSGPACK_OBJECT_MAP) return sc_errf(err, "field 'teacher' must be a map of arch and checksum");
    if (get_str(root, "explainer", k->explainer, sizeof k->explainer, err) ||
        get_str(root, "task", k->task, sizeof k->task, err) ||
        get_str(t, "arch", k->teacher_arch, sizeof k->teacher_arch, err) ||
        get_str(t, "checksum", k->teacher_checksum, sizeof k->teacher_checksum, err) ||
        parse_config(root, &k->cfg, err))
        return -1;
    if (!(p->tensors = field(root, "tensors")) || !(p->checksum = field(root, "checksum")))
        return sc_errf(err, "field 'tensors' or 'checksum' is missing");
    if (root->via.map.size != 8) return sc_errf(err, "the map has %u fields, not 8", root->via.map.size);
    if (!sc_explainer_find(k->explainer))
        return sc_errf(err, "explainer '%s' is not in this build (see `scaffold explain --help`)", k->explainer);
    return 0;
}

int sc_explainer_ckpt_open(sc_explainer_ckpt **out, const char *path, sc_err *err) {
    *out = NULL;
    sc_explainer_ckpt *k = calloc(1, sizeof *k);
    parsed *p = calloc(1, sizeof *p);
    if (!k || !p) {
        free(k), free(p);
        return sc_errf(err, "%s: out of memory", path);
    }
    snprintf(k->path, sizeof k->path, "%s", path);
    k->priv = p;
    msgpack_unpacked_init(&p->up);
    char *buf = NULL;
    size_t n = 0;
    if (sc_read_file(path, &buf, &n, err)) {
        sc_explainer_ckpt_close(k);
        return -1;
    }
    p->buf = (uint8_t *)buf;
    if (parse(k, p, n, err)) {
        sc_explainer_ckpt_close(k);
        return sc_err_prefix(err, "%s", path);
    }
    *out = k;
    return 0;
}

int sc_explainer_ckpt_restore(const sc_explainer_ckpt *k, const sc_model *teacher, sc_explainer *e, sc_err *err) {
    char sum[65];
    if (strcmp(teacher->def->name, k->teacher_arch))
        return sc_errf(err, "%s: learned for a %s teacher, not this %s", k->path, k->teacher_arch, teacher->def->name);
    if (sc_params_checksum(&teacher->params, sum, err)) return -1;
    if (strcmp(sum, k->teacher_checksum))
        return sc_errf(err, "%s: learned for another teacher (parameter checksum %.12s…, this teacher's is %.12s…): "
                       "its coefficients weigh that teacher's heads", k->path, k->teacher_checksum, sum);
    if (strcmp(e->def->name, k->explainer))
        return sc_errf(err, "%s: holds explainer '%s', not '%s'", k->path, k->explainer, e->def->name);
    const parsed *p = k->priv;
    char what[96];
    snprintf(what, sizeof what, "explainer '%s'", k->explainer);
    if (sc_ckpt_unpack_params(p->tensors, p->checksum, &e->params, what, err)) return sc_err_prefix(err, "%s", k->path);
    return 0;
}

void sc_explainer_ckpt_close(sc_explainer_ckpt *k) {
    if (!k) return;
    parsed *p = k->priv;
    if (p) {
        msgpack_unpacked_destroy(&p->up);
        free(p->buf);
        free(p);
    }
    free(k);
}
