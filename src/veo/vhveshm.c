/* VH side of VH-VE SHM (<veo_vhveshm.h>) and the RPC plumbing shared with
 * the VE DMA wrappers (vedma.c).
 *
 * As in AVEO, each call is a synchronous call on the VE process's main
 * context of a function of the VE-side runtime (librashm-ve), loaded into
 * the VE process with veo_load_library and resolved with veo_get_sym once
 * per process. Failing to load it or find a symbol gives ENOTSUP; a call
 * that cannot run or whose result cannot be collected gives EBUSY. The VE
 * side returns -errno, so the VE process's errno crosses to the VH.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ve_offload.h"
#include "ve_runtime.h"
#include "veo_internal.h"
#include "veo_vhveshm.h"
#include "vhveshm_rpc.h"

#define VEO_API __attribute__((visibility("default")))

static const char *const rpc_names[RPC_NFUNCS] = {
    [RPC_SHMGET] = "rashm_ve_rpc_shmget",
    [RPC_SHMAT] = "rashm_ve_rpc_shmat",
    [RPC_SHMDT] = "rashm_ve_rpc_shmdt",
    [RPC_DMA_POST] = "rashm_ve_rpc_dma_post",
    [RPC_DMA_POLL] = "rashm_ve_rpc_dma_poll",
    [RPC_DMA_POST_WAIT] = "rashm_ve_rpc_dma_post_wait",
    [RPC_REGISTER] = "rashm_ve_rpc_register",
    [RPC_UNREGISTER] = "rashm_ve_rpc_unregister",
};

struct rt_cache {
    struct veo_proc_handle *h;
    uint64_t sym[RPC_NFUNCS];
    struct rt_cache *next;
};
static struct rt_cache *cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

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
                     RASHM_VE_RUNTIME_LIBNAME);
            if (access(out, R_OK) == 0 && (!veo_i_secure() || veo_i_trusted_file(out) == 0))
                return;
        }
    }
    snprintf(out, len, "%s", RASHM_VE_RUNTIME_LIBNAME);
}

/* The cached symbol addresses of the runtime in h, loading it on first use. */
static int runtime_syms(struct veo_proc_handle *h, uint64_t *sym_out, int which)
{
    struct rt_cache *c;
    char name[PATH_MAX];
    uint64_t lib;
    int rc = 0;

    pthread_mutex_lock(&cache_lock);
    for (c = cache; c; c = c->next)
        if (c->h == h)
            break;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c) {
            rc = -ENOMEM;
            goto unlock;
        }
        runtime_lib_name(name, sizeof name);
        lib = veo_load_library(h, name);
        if (!lib) {
            rc = -ENOTSUP;
            goto free_cache;
        }
        for (int i = 0; i < RPC_NFUNCS; i++) {
            c->sym[i] = veo_get_sym(h, lib, rpc_names[i]);
            if (!c->sym[i]) {
                rc = -ENOTSUP;
                goto free_cache; /* the library stays loaded, as in AVEO */
            }
        }
        c->h = h;
        c->next = cache;
        cache = c;
    }
    *sym_out = c->sym[which];
    goto unlock;
free_cache:
    free(c);
unlock:
    pthread_mutex_unlock(&cache_lock);
    return rc;
}

VEO_API void rashm_veo_runtime_forget(struct veo_proc_handle *h)
{
    struct rt_cache **pp, *c;
    pthread_mutex_lock(&cache_lock);
    for (pp = &cache; *pp; pp = &(*pp)->next) {
        if ((*pp)->h == h) {
            c = *pp;
            *pp = c->next;
            free(c);
            break;
        }
    }
    pthread_mutex_unlock(&cache_lock);
}

int64_t rashm_veo_rpc(struct veo_proc_handle *h, int which, int nargs, const int64_t *args,
                      void *out, size_t outlen)
{
    struct veo_args *a;
    uint64_t sym, ret = 0;
    int rc;

    if (!h)
        return -EINVAL;
    if ((rc = runtime_syms(h, &sym, which)))
        return rc;
    a = veo_args_alloc();
    if (!a)
        return -ENOMEM;
    for (int i = 0; i < nargs; i++)
        veo_args_set_i64(a, i, args[i]);
    if (out && veo_args_set_stack(a, VEO_INTENT_OUT, nargs, out, outlen)) {
        veo_args_free(a);
        return -EINVAL;
    }
    rc = veo_call_sync(h, sym, a, &ret);
    veo_args_free(a);
    if (rc != VEO_COMMAND_OK)
        return -EBUSY;
    return (int64_t)ret;
}

VEO_API int veo_shmget(struct veo_proc_handle *h, key_t key, size_t size, int shmflag)
{
    int64_t args[3] = { key, (int64_t)size, shmflag };
    int64_t r = rashm_veo_rpc(h, RPC_SHMGET, 3, args, NULL, 0);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return (int)r;
}

VEO_API void *veo_shmat(struct veo_proc_handle *h, int shmid, const void *shmaddr, int shmflag,
                        void **vehva)
{
    int64_t args[3] = { shmid, (int64_t)(uintptr_t)shmaddr, shmflag };
    /* The OUT slot comes back (zero-filled, as in AVEO) whenever the call ran
     * on the VE, also when the attach failed there; UINT64_MAX marks "it
     * never ran", which leaves *vehva alone. */
    uint64_t v = UINT64_MAX;
    int64_t r;

    if (!vehva) { /* checked on the VH before any call, as in AVEO */
        errno = EFAULT;
        return (void *)-1;
    }
    r = rashm_veo_rpc(h, RPC_SHMAT, 3, args, &v, sizeof v);
    if (r < 0) {
        if (v != UINT64_MAX)
            *vehva = (void *)(uintptr_t)v;
        errno = (int)-r;
        return (void *)-1;
    }
    *vehva = (void *)(uintptr_t)v;
    return (void *)(uintptr_t)r;
}

VEO_API int veo_shmdt(struct veo_proc_handle *h, const void *shmaddr)
{
    int64_t args[1] = { (int64_t)(uintptr_t)shmaddr };
    int64_t r = rashm_veo_rpc(h, RPC_SHMDT, 1, args, NULL, 0);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return 0;
}
