/* Contexts: the request ring of each context, submission, completion,
 * results, and the VH-side requests that run in queue order. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "veo_internal.h"

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static int collect(struct veo_thr_ctxt *c, uint64_t id, uint64_t *retp, int block);

struct veo_thr_ctxt *veo_i_ctx_new(struct veo_proc_handle *h, int idx)
{
    struct veo_thr_ctxt *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->proc = h;
    c->idx = idx;
    c->ring = rve_ring_at(h->shm, idx);
    pthread_mutex_init(&c->lock, NULL);
    /* No worker runs on this ring yet (or any more): start it from zero, so
     * that request id n is ring sequence n. */
    c->next_id = c->harvested = 0;
    atomic_store(&c->ring->submit_seq, 0);
    atomic_store(&c->ring->done_seq, 0);
    atomic_store(&c->ring->worker_sleeping, 0);
    for (int i = 0; i < RVE_NSLOT; i++)
        atomic_store(&c->ring->slots[i].state, RVE_SLOT_IDLE);
    return c;
}

static void req_release(struct vh_req *q)
{
    free(q->copies);
    q->copies = NULL;
    q->ncopies = 0;
}

void veo_i_ctx_free(struct veo_thr_ctxt *c)
{
    for (int i = 0; i < RVE_NSLOT; i++)
        req_release(&c->req[i]);
    free(c->res);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Ring sequence numbers are 32-bit; the VH's ids are 64-bit. The ring's
 * done_seq started equal to base when the context was made. */
static inline uint32_t seq_of(const struct veo_thr_ctxt *c, uint64_t id)
{
    (void)c;
    return (uint32_t)id;
}

static int add_result(struct veo_thr_ctxt *c, uint64_t id, int status, uint64_t val)
{
    if (c->nres == c->capres) {
        size_t n = c->capres ? c->capres * 2 : 16;
        struct veo_result *r = realloc(c->res, n * sizeof *r);
        if (!r)
            return -ENOMEM;
        c->res = r;
        c->capres = n;
    }
    c->res[c->nres++] = (struct veo_result){id, val, status};
    return 0;
}

static int take_result(struct veo_thr_ctxt *c, uint64_t id, int *status, uint64_t *val)
{
    for (size_t i = 0; i < c->nres; i++)
        if (c->res[i].id == id) {
            *status = c->res[i].status;
            *val = c->res[i].val;
            c->res[i] = c->res[--c->nres];
            return 1;
        }
    return 0;
}

/* Moves finished requests out of the ring (lock held): write back
 * OUT/INOUT stack arguments, free their VE copies, keep the result. */
static void harvest(struct veo_thr_ctxt *c)
{
    uint32_t done = atomic_load_explicit(&c->ring->done_seq, memory_order_acquire);
    uint32_t base = (uint32_t)c->harvested;
    uint32_t n = done - base;
    struct veo_proc_handle *h = c->proc;
    if (n > RVE_NSLOT) /* cannot happen unless the helper is corrupt */
        return;
    for (uint32_t k = 0; k < n; k++) {
        uint64_t id = c->harvested;
        struct rve_slot *s = &c->ring->slots[id % RVE_NSLOT];
        struct vh_req *q = &c->req[id % RVE_NSLOT];
        int status = (int)s->status;
        uint64_t val = s->retval;
        if (q->kind == RVE_REQ_CALL) {
            for (int i = 0; i < q->ncopies; i++) {
                struct stack_copy *sc = &q->copies[i];
                if (sc->in_slot) {
                    if (sc->vh && status == VEO_COMMAND_OK)
                        memcpy(sc->vh, s->payload + sc->ve, sc->len);
                    continue;
                }
                if (sc->vh && status == VEO_COMMAND_OK &&
                    veo_i_rw(h, 0, sc->vh, sc->ve, sc->len) < 0)
                    status = VEO_COMMAND_ERROR;
                ve_alloc_put(&h->mem, sc->ve);
            }
        }
        if (q->kind == RVE_REQ_READ && status == VEO_COMMAND_OK)
            memcpy(q->hptr, s->args, q->size);
        req_release(q);
        q->kind = 0;
        add_result(c, id, status, val);
        c->harvested++;
    }
}

static void run_vh_op(struct veo_thr_ctxt *c, struct vh_req *q, struct rve_slot *s)
{
    struct veo_proc_handle *h = c->proc;
    uint64_t val = 0;
    int status = VEO_COMMAND_OK;
    switch (q->op) {
    case VH_OP_FUNC:
        val = q->fn(q->arg);
        break;
    case VH_OP_WRITE:
        val = veo_i_rw(h, 1, q->hptr, q->ve, q->size) < 0 ? (uint64_t)-1 : 0;
        break;
    case VH_OP_READ:
        val = veo_i_rw(h, 0, q->hptr, q->ve, q->size) < 0 ? (uint64_t)-1 : 0;
        break;
    case VH_OP_ALLOC:
        if (ve_alloc_get(&h->mem, q->size, &val) < 0)
            val = 0;
        break;
    case VH_OP_FREE:
        val = ve_alloc_put(&h->mem, q->ve) < 0 ? (uint64_t)-1 : 0;
        break;
    default:
        status = VEO_COMMAND_ERROR;
    }
    s->status = (uint32_t)status;
    s->retval = val;
}

/* If the worker waits at a VH request, claim and run it (lock held on entry;
 * released while the request runs, since it may call VEO itself). Returns 1
 * if it ran one. */
static int progress_vh(struct veo_thr_ctxt *c)
{
    uint32_t done = atomic_load_explicit(&c->ring->done_seq, memory_order_acquire);
    uint64_t pos = c->harvested + (uint32_t)(done - (uint32_t)c->harvested);
    if (pos >= c->next_id)
        return 0;
    struct rve_slot *s = &c->ring->slots[pos % RVE_NSLOT];
    struct vh_req *q = &c->req[pos % RVE_NSLOT];
    if (q->kind != RVE_REQ_VH)
        return 0;
    uint32_t expect = RVE_SLOT_VH_WAIT;
    if (!atomic_compare_exchange_strong(&s->state, &expect, RVE_SLOT_VH_RUNNING))
        return 0;
    pthread_mutex_unlock(&c->lock);
    run_vh_op(c, q, s);
    atomic_store_explicit(&s->state, RVE_SLOT_VH_DONE, memory_order_seq_cst);
    veo_i_futex(&s->state, FUTEX_WAKE, INT_MAX, NULL);
    pthread_mutex_lock(&c->lock);
    return 1;
}

/* Sleeps (lock NOT held) until the ring's event counter moves past `seen`,
 * the helper dies, or a bounded timeout passes. Spins first. */
static void wait_event(struct veo_thr_ctxt *c, uint32_t seen)
{
    struct rve_ring *r = c->ring;
    uint64_t spin_ns = (uint64_t)c->proc->spin_us * 1000u, t0 = 0;
    for (unsigned i = 0;; i++) {
        if (atomic_load_explicit(&r->ev, memory_order_acquire) != seen || veo_i_dead(c->proc))
            return;
        /* On a machine with more runnable threads than cores, the side
         * we wait for may need this core: offer it now and then. */
        if ((i & 1023) == 1023)
            sched_yield();
        if ((i & 63) == 63) {
            uint64_t t = veo_i_now_ns();
            if (!t0)
                t0 = t;
            else if (t - t0 > spin_ns)
                break;
        }
        cpu_relax();
    }
    atomic_fetch_add_explicit(&r->vh_waiters, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&r->ev, memory_order_seq_cst) == seen && !veo_i_dead(c->proc)) {
        /* The monitor wakes us if the helper dies; the timeout is a second
         * line of defence, never the mechanism. */
        struct timespec ts = {0, 100 * 1000 * 1000};
        veo_i_futex(&r->ev, FUTEX_WAIT, seen, &ts);
    }
    atomic_fetch_sub_explicit(&r->vh_waiters, 1, memory_order_relaxed);
}

/* ---- submission ------------------------------------------------------ */

/* Reserves the next slot (lock held, may drop and retake it while the ring
 * is full). Returns the id, or VEO_REQUEST_ID_INVALID if the context or the
 * helper is gone. */
static uint64_t reserve(struct veo_thr_ctxt *c)
{
    for (;;) {
        if (c->closed || veo_i_dead(c->proc) ||
            atomic_load(&c->ring->state) == RVE_CTX_EXIT)
            return VEO_REQUEST_ID_INVALID;
        uint32_t seen = atomic_load_explicit(&c->ring->ev, memory_order_acquire);
        harvest(c);
        if (c->next_id - c->harvested < RVE_NSLOT)
            return c->next_id;
        if (progress_vh(c))
            continue;
        pthread_mutex_unlock(&c->lock);
        wait_event(c, seen);
        pthread_mutex_lock(&c->lock);
    }
}

static void publish(struct veo_thr_ctxt *c)
{
    struct rve_ring *r = c->ring;
    c->next_id++;
    atomic_store_explicit(&r->submit_seq, seq_of(c, c->next_id), memory_order_seq_cst);
    if (atomic_load_explicit(&r->worker_sleeping, memory_order_seq_cst))
        veo_i_futex(&r->submit_seq, FUTEX_WAKE, 1, NULL);
}

static uint64_t submit_vh(struct veo_thr_ctxt *c, const struct vh_req *tmpl)
{
    if (!c)
        return VEO_REQUEST_ID_INVALID;
    pthread_mutex_lock(&c->lock);
    uint64_t id = reserve(c);
    if (id != VEO_REQUEST_ID_INVALID) {
        struct rve_slot *s = &c->ring->slots[id % RVE_NSLOT];
        struct vh_req *q = &c->req[id % RVE_NSLOT];
        *q = *tmpl;
        q->kind = RVE_REQ_VH;
        s->kind = RVE_REQ_VH;
        s->nargs = 0;
        s->status = VEO_COMMAND_ERROR;
        s->retval = 0;
        atomic_store_explicit(&s->state, RVE_SLOT_IDLE, memory_order_relaxed);
        publish(c);
    }
    pthread_mutex_unlock(&c->lock);
    return id;
}

VEO_API uint64_t veo_call_async(struct veo_thr_ctxt *c, uint64_t addr, struct veo_args *args)
{
    struct stack_copy *copies = NULL;
    int ncopies = 0, nargs = args ? args->n : 0;
    if (!c || addr == 0)
        return VEO_REQUEST_ID_INVALID;
    struct veo_proc_handle *h = c->proc;

    /* Check the arguments and stage the stack buffers first, outside the
     * context lock: a gap in the indices is an error, not a crash. */
    for (int i = 0; i < nargs; i++) {
        if (args->a[i].type == RVE_ARG_NONE)
            return VEO_REQUEST_ID_INVALID;
        if (args->a[i].type == RVE_ARG_STACK)
            ncopies++;
    }
    if (ncopies) {
        copies = calloc((size_t)ncopies, sizeof *copies);
        if (!copies)
            return VEO_REQUEST_ID_INVALID;
    }
    uint64_t vaddr[RVE_MAX_ARGS];
    int k = 0;
    /* Small stack arguments ride in the slot itself. */
    size_t inl = 0;
    for (int i = 0; i < nargs && ncopies; i++)
        if (args->a[i].type == RVE_ARG_STACK)
            inl += (args->a[i].len + 7) & ~(size_t)7;
    bool in_slot = ncopies && inl <= RVE_PAYLOAD;
    for (int i = 0, off = 0; i < nargs && in_slot; i++) {
        if (args->a[i].type != RVE_ARG_STACK)
            continue;
        struct stack_copy *sc = &copies[k++];
        sc->in_slot = 1;
        sc->ve = (uint64_t)off;
        sc->len = args->a[i].len;
        vaddr[i] = (uint64_t)off;
        if (args->intent[i] != VEO_INTENT_IN)
            sc->vh = args->buf[i];
        off += (int)((sc->len + 7) & ~(size_t)7);
    }
    for (int i = 0; i < nargs && !in_slot; i++) {
        if (args->a[i].type != RVE_ARG_STACK)
            continue;
        struct stack_copy *sc = &copies[k++];
        size_t len = args->a[i].len;
        if (ve_alloc_get(&h->mem, len ? len : 8, &sc->ve) < 0) {
            k--;
            goto out_undo;
        }
        sc->len = len;
        vaddr[i] = sc->ve;
        if (args->intent[i] != VEO_INTENT_OUT && len &&
            veo_i_rw(h, 1, args->buf[i], sc->ve, len) < 0)
            goto out_undo;
        if (args->intent[i] != VEO_INTENT_IN)
            sc->vh = args->buf[i];
    }

    pthread_mutex_lock(&c->lock);
    uint64_t id = reserve(c);
    if (id == VEO_REQUEST_ID_INVALID) {
        pthread_mutex_unlock(&c->lock);
        goto out_undo;
    }
    struct rve_slot *s = &c->ring->slots[id % RVE_NSLOT];
    struct vh_req *q = &c->req[id % RVE_NSLOT];
    memset(q, 0, sizeof *q);
    q->kind = RVE_REQ_CALL;
    q->copies = copies;
    q->ncopies = ncopies;
    s->kind = RVE_REQ_CALL;
    s->addr = addr;
    s->nargs = (uint32_t)nargs;
    s->status = VEO_COMMAND_ERROR;
    s->retval = 0;
    for (int i = 0; i < nargs; i++) {
        s->args[i] = args->a[i];
        if (args->a[i].type == RVE_ARG_STACK) {
            s->args[i].val = vaddr[i];
            s->args[i].flags = args->intent[i] == VEO_INTENT_OUT ? RVE_ARGF_ZERO : 0;
            if (in_slot) {
                s->args[i].flags |= RVE_ARGF_INLINE;
                if (args->intent[i] != VEO_INTENT_OUT && args->a[i].len)
                    memcpy(s->payload + vaddr[i], args->buf[i], args->a[i].len);
            }
        }
    }
    publish(c);
    pthread_mutex_unlock(&c->lock);
    return id;

out_undo:
    for (int i = 0; i < k && !in_slot; i++)
        ve_alloc_put(&h->mem, copies[i].ve);
    free(copies);
    return VEO_REQUEST_ID_INVALID;
}

/* A small veo_read_mem/veo_write_mem through the transfer ring (the data
 * travels inline in the slot). Returns 0 or -errno. */
int veo_i_xfer(struct veo_proc_handle *h, int write, void *vh, uint64_t ve, size_t size)
{
    /* Up to RVE_XFER_PIPE bytes, in RVE_INLINE_MAX pieces that are all in
     * flight at once: the worker copies one while the VH fills the next. */
    enum { MAXCH = RVE_XFER_PIPE / RVE_INLINE_MAX };
    struct veo_thr_ctxt *c = h->xfer;
    uint64_t ids[MAXCH], val = 0;
    int n = 0, rc = 0;
    if (size > RVE_XFER_PIPE)
        return -EINVAL;
    pthread_mutex_lock(&c->lock);
    for (size_t off = 0; off < size; off += RVE_INLINE_MAX) {
        size_t len = size - off < RVE_INLINE_MAX ? size - off : RVE_INLINE_MAX;
        uint64_t id = reserve(c);
        if (id == VEO_REQUEST_ID_INVALID) {
            rc = -ESRCH;
            break;
        }
        struct rve_slot *s = &c->ring->slots[id % RVE_NSLOT];
        struct vh_req *q = &c->req[id % RVE_NSLOT];
        memset(q, 0, sizeof *q);
        q->kind = write ? RVE_REQ_WRITE : RVE_REQ_READ;
        q->hptr = (char *)vh + off;
        q->size = len;
        s->kind = (uint32_t)q->kind;
        s->addr = ve + off;
        s->reserved[0] = len;
        s->status = VEO_COMMAND_ERROR;
        if (write)
            memcpy(s->args, (char *)vh + off, len);
        publish(c);
        ids[n++] = id;
    }
    pthread_mutex_unlock(&c->lock);
    for (int i = 0; i < n; i++)
        if (collect(c, ids[i], &val, 1) != VEO_COMMAND_OK && rc == 0)
            rc = veo_i_dead(h) ? -ESRCH : -EFAULT;
    return rc;
}

VEO_API uint64_t veo_call_async_by_name(struct veo_thr_ctxt *c, uint64_t libhdl,
                                        const char *symname, struct veo_args *args)
{
    if (!c)
        return VEO_REQUEST_ID_INVALID;
    uint64_t addr = veo_get_sym(c->proc, libhdl, symname);
    if (!addr)
        return VEO_REQUEST_ID_INVALID;
    return veo_call_async(c, addr, args);
}

VEO_API uint64_t veo_call_async_vh(struct veo_thr_ctxt *c, uint64_t (*func)(void *), void *arg)
{
    if (!func)
        return VEO_REQUEST_ID_INVALID;
    struct vh_req t = {.op = VH_OP_FUNC, .fn = func, .arg = arg};
    return submit_vh(c, &t);
}

VEO_API uint64_t veo_async_read_mem(struct veo_thr_ctxt *c, void *dst, uint64_t src, size_t size)
{
    if (!dst && size)
        return VEO_REQUEST_ID_INVALID;
    struct vh_req t = {.op = VH_OP_READ, .hptr = dst, .ve = src, .size = size};
    return submit_vh(c, &t);
}

VEO_API uint64_t veo_async_write_mem(struct veo_thr_ctxt *c, uint64_t dst, const void *src,
                                     size_t size)
{
    if (!src && size)
        return VEO_REQUEST_ID_INVALID;
    struct vh_req t = {.op = VH_OP_WRITE, .hptr = (void *)(uintptr_t)src, .ve = dst, .size = size};
    return submit_vh(c, &t);
}

VEO_API uint64_t veo_alloc_mem_async(struct veo_thr_ctxt *c, const size_t size)
{
    struct vh_req t = {.op = VH_OP_ALLOC, .size = size};
    return submit_vh(c, &t);
}

VEO_API uint64_t veo_free_mem_async(struct veo_thr_ctxt *c, uint64_t addr)
{
    struct vh_req t = {.op = VH_OP_FREE, .ve = addr};
    return submit_vh(c, &t);
}

/* ---- results ------------------------------------------------------------- */

/* Common to peek (block = 0) and wait (block = 1). */
static int collect(struct veo_thr_ctxt *c, uint64_t id, uint64_t *retp, int block)
{
    int status;
    uint64_t val;
    if (!c)
        return -1;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        uint32_t seen = atomic_load_explicit(&c->ring->ev, memory_order_acquire);
        harvest(c);
        if (take_result(c, id, &status, &val)) {
            pthread_mutex_unlock(&c->lock);
            if (retp)
                *retp = val;
            return status;
        }
        /* never issued, or issued and already collected */
        if (id >= c->next_id || id < c->harvested) {
            pthread_mutex_unlock(&c->lock);
            return VEO_COMMAND_ERROR;
        }
        if (progress_vh(c))
            continue;
        if (veo_i_dead(c->proc)) {
            /* Give a dying helper's last completion (an exception report
             * written by its fault handler) a chance to be seen. */
            harvest(c);
            if (take_result(c, id, &status, &val)) {
                pthread_mutex_unlock(&c->lock);
                if (retp)
                    *retp = val;
                return status;
            }
            pthread_mutex_unlock(&c->lock);
            return VEO_COMMAND_ERROR;
        }
        if (!block) {
            pthread_mutex_unlock(&c->lock);
            return VEO_COMMAND_UNFINISHED;
        }
        pthread_mutex_unlock(&c->lock);
        wait_event(c, seen);
        pthread_mutex_lock(&c->lock);
    }
}

VEO_API int veo_call_peek_result(struct veo_thr_ctxt *c, uint64_t reqid, uint64_t *retp)
{
    return collect(c, reqid, retp, 0);
}

VEO_API int veo_call_wait_result(struct veo_thr_ctxt *c, uint64_t reqid, uint64_t *retp)
{
    return collect(c, reqid, retp, 1);
}

/* Waits until everything submitted has finished (lock held on entry and
 * exit). Returns 0, or -ESRCH if the helper died first. */
static int drain_locked(struct veo_thr_ctxt *c)
{
    for (;;) {
        uint32_t seen = atomic_load_explicit(&c->ring->ev, memory_order_acquire);
        harvest(c);
        if (c->harvested == c->next_id)
            return 0;
        if (veo_i_dead(c->proc))
            return -ESRCH;
        if (progress_vh(c))
            continue;
        pthread_mutex_unlock(&c->lock);
        wait_event(c, seen);
        pthread_mutex_lock(&c->lock);
    }
}

int veo_i_ctx_drain(struct veo_thr_ctxt *c)
{
    pthread_mutex_lock(&c->lock);
    int rc = drain_locked(c);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

VEO_API void veo_context_sync(struct veo_thr_ctxt *c)
{
    if (c)
        veo_i_ctx_drain(c);
}

VEO_API int veo_call_sync(struct veo_proc_handle *h, uint64_t addr, struct veo_args *ca,
                          uint64_t *result)
{
    if (!h)
        return -1;
    uint64_t id = veo_call_async(h->ctx[0], addr, ca);
    if (id == VEO_REQUEST_ID_INVALID)
        return -1;
    return veo_call_wait_result(h->ctx[0], id, result);
}

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
    if (!c)
        return -1;
    struct veo_proc_handle *h = c->proc;
    if (c == h->ctx[0])
        return 0; /* as in AVEO: the main context lives as long as the process */

    pthread_mutex_lock(&c->lock);
    if (c->closed) {
        pthread_mutex_unlock(&c->lock);
        return -1;
    }
    drain_locked(c); /* queued requests finish first */
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
