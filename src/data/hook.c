// The table of C reader hooks (see hook.h). A static library only links object
// files something references, so hooks are listed here rather than self-registered.
#include "data/hook.h"

#include <string.h>

static const sc_hook hooks[] = {
    {"sklearn-diabetes", sc_hook_sklearn_diabetes},
};

const sc_hook *sc_hook_find(const char *name) {
    for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++)
        if (!strcmp(hooks[i].name, name)) return &hooks[i];
    return NULL;
}
