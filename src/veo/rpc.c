/* Calls of the VE-side runtime (librashm-ve) from the VH: the RPCs of the
 * contract (RVE_RPC_LIST in src/proto/rve_proto.h), used by the VH-VE SHM
 * and DMA wrappers and by the software VE device backend.
 *
 * As in AVEO, the runtime is loaded into the VE process with
 * veo_load_library and its entry points resolved once per process; failing
 * to load it or find a symbol gives ENOTSUP. But the calls do not run VE
 * code's way (veo_call_sync on the main context, which VE code can wedge):
 * they go to the device process (src/ve/helper/device.c), which owns the
 * DMAATB, the DMA engine and the attachments, over its own socket
 * (RVE_DEV_FD). No answer (the device process died, or none within
 * RASHM_VE_TIMEOUT_MS) gives EBUSY. The device side returns -errno, so its
 * errno crosses to the VH. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "veo_internal.h"
#include "wait.h"

/* $RASHM_VE_RUNTIME_LIB, else librashm-ve.so.0 next to this library (the build
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

/* The header is memory VE code can scribble over: only a signal the helper
 * reports exceptions for counts. */
static bool veo_i_exception_reported(struct veo_proc_handle *h)
{
    switch (atomic_load(&h->hdr->exception_sig)) {
    case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGABRT:
        return true;
    default:
        return false;
    }
}

/* One RPC on the device process's socket. The device process runs no VE
 * code, so it answers in the time the operation takes; the wait is still
 * bounded (RASHM_VE_TIMEOUT_MS: VE code can signal its device process, e.g.
 * stop it), after which the software VE is killed as wedged. Replies carry
 * the request's sequence number; one that does not match is dropped. */
static int64_t dev_call(struct veo_proc_handle *h, int which, const int64_t *args, int nargs,
                        uint64_t *out)
{
    struct rve_dev_req q;
    struct rve_dev_rep r;
    int64_t rc;
    memset(&q, 0, sizeof q);
    q.rpc = (uint32_t)which;
    for (int i = 0; i < nargs && i < 3; i++)
        q.a[i] = args[i];
    pthread_mutex_lock(&h->dev_lock);
    q.pad = ++h->dev_seq;
    if (veo_i_dead(h) || send(h->devsock, &q, sizeof q, MSG_NOSIGNAL) != (ssize_t)sizeof q) {
        rc = -EBUSY;
        goto out;
    }
    uint64_t now = rcom_now_ns(), deadline = now + (uint64_t)h->timeout_ms * 1000000u;
    /* Most answers come within microseconds (the device spins for the next
     * request too): try without sleeping first, for the spin time. */
    uint64_t spin_end = now + (uint64_t)h->spin_us * 1000u;
    for (;;) {
        int w = 0;
        if (rcom_now_ns() >= spin_end)
            w = veo_i_wait_answer(h, h->devsock, deadline);
        if (w == -ETIMEDOUT)
            veo_i_wedged(h);
        if (w < 0) {
            rc = -EBUSY;
            break;
        }
        ssize_t n = recv(h->devsock, &r, sizeof r, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            if (veo_i_dead(h)) {
                rc = -EBUSY;
                break;
            }
            continue;
        }
        if (n == 0 || n < 0) { /* EOF: the device process is gone */
            rc = -EBUSY;
            break;
        }
        if (n != (ssize_t)sizeof r || r.pad != q.pad || r.rpc != q.rpc)
            continue; /* not the answer to this request */
        rc = r.rc;
        if (out)
            *out = r.out;
        break;
    }
out:
    pthread_mutex_unlock(&h->dev_lock);
    return rc;
}

int64_t veo_i_rpc(struct veo_proc_handle *h, int which, const int64_t *args, void *out)
{
    const struct rve_rpc_desc *d = rve_rpc_desc(which);
    uint64_t v = 0;
    int64_t rc;

    if (!h || !d || (d->out && !out))
        return -EINVAL;
    /* As AVEO, the runtime is loaded into the VE process (and a missing
     * runtime is ENOTSUP); the calls themselves go to the device process. */
    if ((rc = runtime_syms(h)))
        return rc;
    /* An exception ends the VE process (and then its device process): from
     * the moment it is reported, the calls fail as they would on the card,
     * not only once the device process has noticed. */
    if (veo_i_exception_reported(h))
        return -EBUSY;
    rc = dev_call(h, which, args, d->nargs, &v);
    if (d->out)
        memcpy(out, &v, sizeof v);
    return rc;
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
