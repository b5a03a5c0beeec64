/* Calls of the VE-side runtime (librashm-ve) from the VH: the RPCs of the
 * contract (RVE_RPC_LIST in src/proto/rve_proto.h), used by the VH-VE SHM
 * and DMA wrappers and by the software VE device backend.
 *
 * As in AVEO, each is a synchronous call on the VE process's main context
 * of a function of the runtime, loaded into the VE process with
 * veo_load_library and resolved once per process. Failing to load it or
 * find a symbol gives ENOTSUP; a call that cannot run or whose result
 * cannot be collected gives EBUSY. The VE side returns -errno, so the VE
 * process's errno crosses to the VH. The resolved addresses live in the
 * process handle and die with it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "veo_internal.h"

/* $RASHM_VE_RUNTIME_LIB, else librashm-ve.so next to this library (the build
 * tree's lib/ or the installed libdir), else the bare name (the helper's
 * loader searches its own trusted paths). A privileged (AT_SECURE) process
 * never sees the variable and takes the copy next to the library only when
 * nobody but root can have put it there. */
static void runtime_lib_name(char *out, size_t len)
{
    const char *env = secure_getenv("RASHM_VE_RUNTIME_LIB");
    Dl_info info;
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return;
    }
    if (dladdr((void *)runtime_lib_name, &info) && info.dli_fname) {
        const char *slash = strrchr(info.dli_fname, '/');
        if (slash) {
            snprintf(out, len, "%.*s/%s", (int)(slash - info.dli_fname), info.dli_fname,
                     RVE_RUNTIME_LIBNAME);
            if (access(out, R_OK) == 0 && (!veo_i_secure() || veo_i_trusted_file(out) == 0))
                return;
        }
    }
    snprintf(out, len, "%s", RVE_RUNTIME_LIBNAME);
}

/* Loads the runtime into h and resolves every entry point, once. */
static int runtime_syms(struct veo_proc_handle *h)
{
    char name[PATH_MAX];
    uint64_t lib, sym[RVE_RPC_COUNT];
    int rc = 0;

    pthread_mutex_lock(&h->rt_lock);
    if (h->rt_loaded)
        goto unlock;
    runtime_lib_name(name, sizeof name);
    if (veo_i_load_library(h, name, &lib) < 0 || !lib) {
        rc = -ENOTSUP;
        goto unlock;
    }
    for (int i = 0; i < RVE_RPC_COUNT; i++) {
        if (veo_i_get_sym(h, lib, rve_rpc_desc(i)->symbol, &sym[i]) < 0 || !sym[i]) {
            rc = -ENOTSUP; /* the library stays loaded, as in AVEO */
            goto unlock;
        }
    }
    memcpy(h->rt_sym, sym, sizeof sym);
    h->rt_loaded = true;
unlock:
    pthread_mutex_unlock(&h->rt_lock);
    return rc;
}

int64_t veo_i_rpc(struct veo_proc_handle *h, int which, const int64_t *args, void *out)
{
    const struct rve_rpc_desc *d = rve_rpc_desc(which);
    struct veo_args a;
    uint64_t id, ret = 0;
    int rc;

    if (!h || !d || (d->out && !out))
        return -EINVAL;
    if ((rc = runtime_syms(h)))
        return rc;
    memset(&a, 0, sizeof a);
    for (int i = 0; i < d->nargs; i++)
        a.a[i] = (struct rve_arg){.val = (uint64_t)args[i], .type = RVE_ARG_I64};
    a.n = d->nargs;
    if (d->out) {
        a.a[a.n] = (struct rve_arg){.len = sizeof(uint64_t), .type = RVE_ARG_STACK};
        a.buf[a.n] = out;
        a.intent[a.n] = VEO_INTENT_OUT;
        a.n++;
    }
    id = veo_i_call_async(h->ctx[0], h->rt_sym[which], &a);
    if (id == VEO_REQUEST_ID_INVALID)
        return -EBUSY;
    if (veo_i_collect(h->ctx[0], id, &ret, 1) != VEO_COMMAND_OK)
        return -EBUSY;
    return (int64_t)ret;
}

/* ---- calls that run in the VE process (RVE_VECALL_LIST) ------------------
 * Loaded and resolved like the RPCs (same library, ENOTSUP), but always run
 * as a call on the main context, since they change the VE process's own
 * address space: EBUSY when the call cannot run or did not end normally. */
static int vecall_syms(struct veo_proc_handle *h)
{
    char name[PATH_MAX];
    uint64_t lib, sym[RVE_VECALL_COUNT];
    int rc = 0;

    pthread_mutex_lock(&h->rt_lock);
    if (h->vc_loaded)
        goto unlock;
    runtime_lib_name(name, sizeof name);
    if (veo_i_load_library(h, name, &lib) < 0 || !lib) {
        rc = -ENOTSUP;
        goto unlock;
    }
    for (int i = 0; i < RVE_VECALL_COUNT; i++) {
        if (veo_i_get_sym(h, lib, rve_vecall_desc(i)->symbol, &sym[i]) < 0 || !sym[i]) {
            rc = -ENOTSUP;
            goto unlock;
        }
    }
    memcpy(h->vc_sym, sym, sizeof sym);
    h->vc_loaded = true;
unlock:
    pthread_mutex_unlock(&h->rt_lock);
    return rc;
}

int veo_i_vecall_ready(struct veo_proc_handle *h)
{
    if (!h)
        return -EINVAL;
    int rc = vecall_syms(h);
    if (rc == 0 && veo_i_dead(h))
        rc = -EBUSY;
    return rc;
}

int64_t veo_i_vecall(struct veo_proc_handle *h, int which, const int64_t *args, void *out)
{
    const struct rve_rpc_desc *d = rve_vecall_desc(which);
    struct veo_args a;
    uint64_t id, ret = 0;
    int rc;

    if (!h || !d || (d->out && !out))
        return -EINVAL;
    if ((rc = vecall_syms(h)))
        return rc;
    memset(&a, 0, sizeof a);
    for (int i = 0; i < d->nargs; i++)
        a.a[i] = (struct rve_arg){.val = (uint64_t)args[i], .type = RVE_ARG_I64};
    a.n = d->nargs;
    if (d->out) {
        a.a[a.n] = (struct rve_arg){.len = sizeof(uint64_t), .type = RVE_ARG_STACK};
        a.buf[a.n] = out;
        a.intent[a.n] = VEO_INTENT_OUT;
        a.n++;
    }
    id = veo_i_call_async(h->ctx[0], h->vc_sym[which], &a);
    if (id == VEO_REQUEST_ID_INVALID)
        return -EBUSY;
    if (veo_i_collect(h->ctx[0], id, &ret, 1) != VEO_COMMAND_OK)
        return -EBUSY;
    return (int64_t)ret;
}
