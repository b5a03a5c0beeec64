/* Opening and closing contexts (one worker thread and one request ring in
 * the helper each), the context list of a process, context attributes. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veo_internal.h"

/* ---- opening and closing --------------------------------------------- */

/* AVEO's rule for every context after the first (the first open hands out
 * the main context and is not checked): the VH's VE_OMP_NUM_THREADS must
 * read as the integer 1. AVEO parses it the way C++'s stoi does: leading
 * blanks and a sign are accepted, digits after them are the number,
 * whatever follows is ignored ("1x" is 1); a value without digits makes
 * stoi throw an exception AVEO does not catch (the program aborts), which is
 * taken here as "not 1". On the card the rule keeps every context's VE
 * thread on a core of its own (the new context goes to the core after the
 * previous context's, when VE_CORE_NUMBER placed the first); the software
 * VE has no VE cores to assign, but applies the rule so that a program that
 * forgets it fails here as it would on the card. The variable is the
 * vendor's, read with getenv as AVEO does (it reaches the VE process too,
 * as OMP_NUM_THREADS: venv.c). */
static bool omp_threads_is_one(void)
{
    const char *e = getenv("VE_OMP_NUM_THREADS");
    if (!e)
        return false;
    while (isspace((unsigned char)*e))
        e++;
    bool neg = false;
    if (*e == '+' || *e == '-')
        neg = *e++ == '-';
    if (!isdigit((unsigned char)*e))
        return false;
    unsigned long long v = 0;
    for (; isdigit((unsigned char)*e); e++) {
        v = v * 10 + (unsigned)(*e - '0');
        if (v > INT_MAX)
            return false; /* out of stoi's range: AVEO aborts */
    }
    return !neg && v == 1;
}

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
    /* Every open first synchronizes the main context in AVEO: a VH command
     * there, one request id without a history entry (veo_i_implicit). A second
     * context's creation is answered on the main context's channel, which
     * leaves an entry (0, or the VE's error) right after it: the same note
     * carries it then. */
    if (!main_open) { /* the first open hands out the main context */
        c = h->ctx[0];
        h->open[h->nopen++] = c;
        pthread_mutex_unlock(&h->lock);
        veo_i_implicit(h->ctx[0], 1, RVE_HIST_NONE, 0, 0);
        return c;
    }
    if (!omp_threads_is_one()) {
        pthread_mutex_unlock(&h->lock);
        veo_i_implicit(h->ctx[0], 1, RVE_HIST_NONE, 0, 0);
        fprintf(stderr, "veo_context_open: VE_OMP_NUM_THREADS must be 1 to open more than one "
                        "context on a VE process\n");
        errno = EINVAL;
        return NULL;
    }
    for (int i = 1; i < RVE_XFER_CTX; i++)
        if (!h->ctx[i]) {
            idx = i;
            break;
        }
    if (idx < 0) {
        pthread_mutex_unlock(&h->lock);
        veo_i_implicit(h->ctx[0], 1, RVE_HIST_NONE, 0, 0);
        errno = EAGAIN;
        return NULL;
    }
    c = veo_i_ctx_new(h, idx);
    if (!c) {
        pthread_mutex_unlock(&h->lock);
        veo_i_implicit(h->ctx[0], 1, RVE_HIST_NONE, 0, 0);
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
    if (rc != -ESRCH)
        veo_i_implicit(h->ctx[0], 1, RVE_HIST_VALUE, (uint64_t)(int64_t)-rc, 0);

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
