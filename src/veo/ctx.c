/* Opening and closing contexts (one worker thread and one request ring in
 * the helper each), the context list of a process, context attributes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "veo_internal.h"

/* ---- opening and closing --------------------------------------------- */

static struct veo_thr_ctxt *ctx_open(struct veo_proc_handle *h, size_t stacksize)
{
    struct rve_msg m;
    struct rve_reply rep;
    struct veo_thr_ctxt *c = NULL;
    int idx = -1, rc;

    if (!h) {
        errno = EINVAL;
        return NULL;
    }
    if (veo_i_dead(h)) {
        errno = ESRCH;
        return NULL;
    }
    pthread_mutex_lock(&h->lock);
    bool main_open = false;
    for (int i = 0; i < h->nopen; i++)
        if (h->open[i] == h->ctx[0])
            main_open = true;
    if (!main_open) { /* the first open hands out the main context */
        c = h->ctx[0];
        h->open[h->nopen++] = c;
        pthread_mutex_unlock(&h->lock);
        return c;
    }
    for (int i = 1; i < RVE_XFER_CTX; i++)
        if (!h->ctx[i]) {
            idx = i;
            break;
        }
    if (idx < 0) {
        pthread_mutex_unlock(&h->lock);
        errno = EAGAIN;
        return NULL;
    }
    c = veo_i_ctx_new(h, idx);
    if (!c) {
        pthread_mutex_unlock(&h->lock);
        errno = ENOMEM;
        return NULL;
    }
    h->ctx[idx] = c; /* claim the index */
    pthread_mutex_unlock(&h->lock);

    memset(&m, 0, sizeof m);
    m.op = RVE_OP_CTX_OPEN;
    m.ctx = idx;
    m.a = stacksize;
    rc = veo_i_control(h, &m, &rep);

    pthread_mutex_lock(&h->lock);
    if (rc < 0) {
        h->ctx[idx] = NULL;
        pthread_mutex_unlock(&h->lock);
        veo_i_ctx_free(c);
        errno = -rc;
        return NULL;
    }
    h->open[h->nopen++] = c;
    pthread_mutex_unlock(&h->lock);
    return c;
}

VEO_API struct veo_thr_ctxt *veo_context_open(struct veo_proc_handle *h)
{
    return ctx_open(h, 0);
}

VEO_API struct veo_thr_ctxt *veo_context_open_with_attr(struct veo_proc_handle *h,
                                                        struct veo_thr_ctxt_attr *attr)
{
    return ctx_open(h, attr ? attr->stacksize : 0);
}

VEO_API int veo_context_close(struct veo_thr_ctxt *c)
{
    struct rve_msg m;
    struct rve_reply rep;
    /* A context that veo_proc_destroy (or an earlier close) closed already
     * is not touched: bindings finalize contexts and processes in any
     * order. It is closed, so this succeeds, as AVEO's close always does
     * (py-veo raises at every interpreter exit otherwise). Its address is
     * never reused (ring.c), so it cannot name a context made since. */
    if (!c)
        return -1;
    if (!veo_i_ctx_is_live(c))
        return 0;
    struct veo_proc_handle *h = c->proc;
    if (c == h->ctx[0])
        return 0; /* as in AVEO: the main context lives as long as the process */

    pthread_mutex_lock(&c->lock);
    if (c->closed) {
        pthread_mutex_unlock(&c->lock);
        return -1;
    }
    veo_i_ctx_drain_locked(c); /* queued requests finish first */
    c->closed = true;
    pthread_mutex_unlock(&c->lock);

    memset(&m, 0, sizeof m);
    m.op = RVE_OP_CTX_CLOSE;
    m.ctx = c->idx;
    int rc = veo_i_control(h, &m, &rep);

    pthread_mutex_lock(&h->lock);
    for (int i = 0; i < h->nopen; i++)
        if (h->open[i] == c) {
            memmove(&h->open[i], &h->open[i + 1], (size_t)(h->nopen - i - 1) * sizeof h->open[0]);
            h->nopen--;
            break;
        }
    h->ctx[c->idx] = NULL;
    pthread_mutex_unlock(&h->lock);
    veo_i_ctx_free(c);
    /* A helper that died already took the thread with it. */
    return rc < 0 && rc != -ESRCH ? -1 : 0;
}

VEO_API int veo_get_context_state(struct veo_thr_ctxt *c)
{
    if (!c)
        return VEO_STATE_UNKNOWN;
    if (c->closed || veo_i_dead(c->proc) || atomic_load(&c->ring->state) == RVE_CTX_EXIT)
        return VEO_STATE_EXIT;
    return VEO_STATE_RUNNING;
}

VEO_API int veo_num_contexts(struct veo_proc_handle *h)
{
    if (!h)
        return -1;
    pthread_mutex_lock(&h->lock);
    int n = h->nopen;
    pthread_mutex_unlock(&h->lock);
    return n;
}

VEO_API struct veo_thr_ctxt *veo_get_context(struct veo_proc_handle *h, int idx)
{
    struct veo_thr_ctxt *c = NULL;
    if (!h)
        return NULL;
    pthread_mutex_lock(&h->lock);
    if (idx >= 0 && idx < h->nopen)
        c = h->open[idx];
    pthread_mutex_unlock(&h->lock);
    return c;
}

/* ---- context attributes --------------------------------------------- */

VEO_API struct veo_thr_ctxt_attr *veo_alloc_thr_ctxt_attr(void)
{
    return calloc(1, sizeof(struct veo_thr_ctxt_attr));
}

VEO_API int veo_free_thr_ctxt_attr(struct veo_thr_ctxt_attr *attr)
{
    if (!attr)
        return -1;
    free(attr);
    return 0;
}

VEO_API int veo_set_thr_ctxt_stacksize(struct veo_thr_ctxt_attr *attr, size_t size)
{
    if (!attr || (size && size < 16384))
        return -1;
    attr->stacksize = size;
    return 0;
}

VEO_API int veo_get_thr_ctxt_stacksize(struct veo_thr_ctxt_attr *attr, size_t *size)
{
    if (!attr || !size)
        return -1;
    *size = attr->stacksize;
    return 0;
}
