// Run configs (train/setup.h): the file, its `finetune:` section for runs from a
// pretrained backbone, then --set; the file's architecture keys set aside when
// --teacher names another architecture; and the section syntax of config files.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "train/setup.h"

static const char k_cfg[] =
    "arch: transformer\n"
    "lr: 1e-3\n"
    "layers: 1\n"
    "finetune:\n"
    "  lr: 3e-4\n"
    "  epochs: 5\n"
    "  dropout: 0.2\n";

static int resolve(sc_run_config *rc, const char *text, char **sets, int n_sets, int from_backbone, sc_err *err) {
    return sc_run_config_resolve_buf(rc, "teacher", "teachers/configs/t.yaml", text, strlen(text), NULL, sets, n_sets,
                                     from_backbone, err);
}

static void test_finetune_ignored_from_scratch(void **state) {
    (void)state;
    sc_run_config rc;
    sc_err err;
    assert_int_equal(resolve(&rc, k_cfg, NULL, 0, 0, &err), 0);
    assert_string_equal(sc_config_str(&rc.trainer, "lr"), "1e-3");
    assert_null(sc_config_find(&rc.trainer, "epochs"));
    assert_null(sc_config_find(&rc.model, "dropout"));
    for (int i = 0; i < rc.model.n; i++) assert_null(strstr(rc.model.e[i].key, "finetune"));
    for (int i = 0; i < rc.trainer.n; i++) assert_null(strstr(rc.trainer.e[i].key, "finetune"));
    assert_string_equal(rc.arch, "transformer");
}

static void test_finetune_applies_from_backbone(void **state) {
    (void)state;
    sc_run_config rc;
    sc_err err;
    assert_int_equal(resolve(&rc, k_cfg, NULL, 0, 1, &err), 0);
    const sc_config_entry *lr = sc_config_find(&rc.trainer, "lr");
    assert_non_null(lr);
    assert_string_equal(lr->value, "3e-4");
    assert_non_null(strstr(lr->origin, "t.yaml line 5"));  // the section's line, so errors point there
    assert_non_null(strstr(lr->origin, "(finetune)"));
    assert_string_equal(sc_config_str(&rc.trainer, "epochs"), "5");
    assert_string_equal(sc_config_str(&rc.model, "dropout"), "0.2");  // model keys too
    assert_string_equal(sc_config_str(&rc.model, "layers"), "1");
    for (int i = 0; i < rc.model.n; i++) assert_null(strstr(rc.model.e[i].key, "finetune"));
}

static void test_set_wins_over_finetune(void **state) {
    (void)state;
    sc_run_config rc;
    sc_err err;
    char *sets[] = {"lr=1e-2"};
    assert_int_equal(resolve(&rc, k_cfg, sets, 1, 1, &err), 0);
    assert_string_equal(sc_config_str(&rc.trainer, "lr"), "1e-2");
    assert_string_equal(sc_config_str(&rc.trainer, "epochs"), "5");
}

// --teacher cnn over a ViT's file: the ViT's keys (layers, width) are not the
// CNN's, so they are set aside; the trainer keys, dtype and every --set stay.
static void test_other_arch_sets_file_model_keys_aside(void **state) {
    (void)state;
    static const char vit[] = "arch: vit\nlayers: 2\nwidth: 64\ndtype: f64\nlr: 2e-3\nepochs: 12\n";
    char *sets[] = {"channels=8"};
    sc_run_config rc;
    sc_err err;
    assert_int_equal(sc_run_config_resolve_buf(&rc, "teacher", "t.yaml", vit, strlen(vit), "cnn", sets, 1, 0, &err), 0);
    assert_string_equal(rc.arch, "cnn");
    assert_null(sc_config_find(&rc.model, "layers"));
    assert_null(sc_config_find(&rc.model, "width"));
    assert_string_equal(sc_config_str(&rc.model, "dtype"), "f64");
    assert_string_equal(sc_config_str(&rc.model, "channels"), "8");
    assert_string_equal(sc_config_str(&rc.trainer, "lr"), "2e-3");
    assert_string_equal(sc_config_str(&rc.trainer, "epochs"), "12");
    // The file's own architecture named again: its keys apply as before.
    assert_int_equal(sc_run_config_resolve_buf(&rc, "teacher", "t.yaml", vit, strlen(vit), "vit", NULL, 0, 0, &err), 0);
    assert_string_equal(sc_config_str(&rc.model, "width"), "64");
}

static void test_section_errors(void **state) {
    (void)state;
    sc_run_config rc;
    sc_err err;
    assert_int_equal(resolve(&rc, "arch: mlp\nfinetune:\n  arch: vit\n", NULL, 0, 1, &err), -1);
    assert_non_null(strstr(err.msg, "finetune.arch"));
    assert_non_null(strstr(err.msg, "line 3"));
    assert_int_equal(resolve(&rc, "arch: mlp\nfinetune:\n  opt:\n    lr: 1\n", NULL, 0, 0, &err), -1);
    assert_non_null(strstr(err.msg, "finetune.opt"));
    assert_non_null(strstr(err.msg, "inside a section"));
    assert_int_equal(resolve(&rc, "arch: mlp\nlr: [1, 2]\n", NULL, 0, 0, &err), -1);
    assert_non_null(strstr(err.msg, "line 2: key 'lr': expected a single value"));
    char *sets[] = {"finetune.lr=1"};
    assert_int_equal(resolve(&rc, "arch: mlp\n", sets, 1, 1, &err), -1);
    assert_non_null(strstr(err.msg, "--set 'finetune.lr=1'"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finetune_ignored_from_scratch),
        cmocka_unit_test(test_finetune_applies_from_backbone),
        cmocka_unit_test(test_set_wins_over_finetune),
        cmocka_unit_test(test_other_arch_sets_file_model_keys_aside),
        cmocka_unit_test(test_section_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
