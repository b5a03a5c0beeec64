/* Control requests from the VH (RVE_OP_*): loading and unloading VE
 * libraries, looking up symbols, opening and closing contexts. Library
 * handles handed out are remembered, so that a forged handle from the
 * other side is refused instead of passed to dlclose/dlsym. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "helper.h"

/* libraries handed out by RVE_OP_LOAD, to validate RVE_OP_UNLOAD/SYM */
#define MAX_LIBS 1024
static void *libs[MAX_LIBS];

static int lib_index(uint64_t h)
{
    for (int i = 0; i < MAX_LIBS; i++)
        if (libs[i] && (uint64_t)(uintptr_t)libs[i] == h)
            return i;
    return -1;
}

void handle(const struct rve_msg *m, struct rve_reply *rep)
{
    const char *e;
    int i;
    rep->op = m->op;
    switch (m->op) {
    case RVE_OP_LOAD: {
        void *lh = dlopen(m->str, RTLD_NOW | RTLD_GLOBAL);
        if (!lh) {
            e = dlerror();
            snprintf(rep->err, sizeof rep->err, "%s", e ? e : "dlopen failed");
            rep->rc = -ENOENT;
            return;
        }
        for (i = 0; i < MAX_LIBS && libs[i] && libs[i] != lh; i++)
            ;
        if (i == MAX_LIBS) {
            dlclose(lh);
            rep->rc = -EMFILE;
            return;
        }
        if (libs[i] == lh) /* loaded twice: dlopen counts, keep one entry */
            dlclose(lh);
        libs[i] = lh;
        rep->val = (uint64_t)(uintptr_t)lh;
        return;
    }
    case RVE_OP_UNLOAD:
        i = lib_index(m->a);
        if (i < 0) {
            rep->rc = -EINVAL;
            return;
        }
        if (dlclose(libs[i]) != 0) {
            e = dlerror();
            snprintf(rep->err, sizeof rep->err, "%s", e ? e : "dlclose failed");
            rep->rc = -EINVAL;
        }
        libs[i] = NULL;
        return;
    case RVE_OP_SYM: {
        void *lh = RTLD_DEFAULT;
        if (m->a) {
            i = lib_index(m->a);
            if (i < 0) {
                rep->rc = -EINVAL;
                return;
            }
            lh = libs[i];
        }
        dlerror();
        void *p = dlsym(lh, m->str);
        if (!p) {
            e = dlerror();
            snprintf(rep->err, sizeof rep->err, "%s", e ? e : "symbol is NULL");
            rep->rc = -ENOENT;
            return;
        }
        rep->val = (uint64_t)(uintptr_t)p;
        return;
    }
    case RVE_OP_CTX_OPEN:
        rep->rc = ctx_open(m->ctx, (size_t)m->a);
        return;
    case RVE_OP_CTX_CLOSE:
        rep->rc = ctx_close(m->ctx);
        return;
    default:
        rep->rc = -ENOSYS;
        return;
    }
}
