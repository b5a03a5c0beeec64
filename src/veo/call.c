/* Calls and the asynchronous requests of a context: staging of stack
 * arguments (inline in the slot or in VE memory), their write-back when the
 * call finished, the VH-kind requests (veo_call_async_vh, asynchronous
 * copies and allocations) and the collection of results. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "veo_internal.h"

/* A call finished (context lock held): write back OUT/INOUT stack
 * arguments, free their VE copies. */
static void call_done(struct veo_thr_ctxt *c, struct vh_req *q, const struct rve_slot *s,
                      int *status)
{
    struct veo_proc_handle *h = c->proc;
    for (int i = 0; i < q->ncopies; i++) {
        struct stack_copy *sc = &q->copies[i];
        if (sc->in_slot) {
            if (sc->vh && *status == VEO_COMMAND_OK)
                memcpy(sc->vh, s->payload + sc->ve, sc->len);
            continue;
        }
        if (sc->vh && *status == VEO_COMMAND_OK && veo_i_rw(h, 0, sc->vh, sc->ve, sc->len) < 0)
            *status = VEO_COMMAND_ERROR;
        ve_alloc_put(&h->mem, sc->ve);
    }
}

/* The VH-kind requests, run by the ring in queue order. */
static void run_vh_op(struct veo_thr_ctxt *c, struct vh_req *q, struct rve_slot *s)
{
    struct veo_proc_handle *h = c->proc;
    uint64_t val = 0;
    int status = VEO_COMMAND_OK;
    /* The history entry AVEO's VE side leaves for the same request (the
     * worker, or whoever finishes it, writes it): a copy's last piece (see
     * veo_i_copy_ids; the earlier pieces went before it as implicit
     * requests), an allocation's address, a free's empty acknowledgement;
     * a VH function and an empty copy never reach AVEO's VE: none. */
    uint64_t hist = RVE_HIST_NONE, hval = 0;
    switch (q->op) {
    case VH_OP_FUNC:
        val = q->fn(q->arg);
        break;
    case VH_OP_WRITE:
        val = veo_i_rw(h, 1, q->hptr, q->ve, q->size) < 0 ? (uint64_t)-1 : 0;
        hist = q->size ? RVE_HIST_EMPTY : RVE_HIST_NONE;
        break;
    case VH_OP_READ:
        val = veo_i_rw(h, 0, q->hptr, q->ve, q->size) < 0 ? (uint64_t)-1 : 0;
        hist = q->size ? RVE_HIST_VALUE : RVE_HIST_NONE;
        hval = q->hist_val;
        break;
    case VH_OP_ALLOC:
        if (ve_alloc_get(&h->mem, q->size, &val) < 0)
            val = 0;
        else
            veo_i_back_mem(h, val, q->size);
        hist = RVE_HIST_VALUE;
        hval = val;
        break;
    case VH_OP_FREE:
        val = ve_alloc_put(&h->mem, q->ve) < 0 ? (uint64_t)-1 : 0;
        hist = RVE_HIST_EMPTY;
        break;
    default:
        status = VEO_COMMAND_ERROR;
    }
    s->status = (uint32_t)status;
    s->retval = val;
    s->hist = hist;
    s->hist_val = hval;
}

uint64_t veo_i_call_async(struct veo_thr_ctxt *c, uint64_t addr, struct veo_args *args)
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

    bool held;
    uint64_t id = veo_i_submit_begin(c, &held);
    if (id == VEO_REQUEST_ID_INVALID) {
        veo_i_submit_end(c, held);
        goto out_undo;
    }
    struct vh_req *q;
    struct rve_slot *s = veo_i_req_start(c, id, RVE_REQ_CALL, &q);
    q->done = call_done;
    q->copies = copies;
    q->ncopies = ncopies;
    s->hist = RVE_HIST_RETVAL;
    s->addr = addr;
    s->nargs = (uint32_t)nargs;
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
    veo_i_publish(c);
    veo_i_submit_end(c, held);
    return id;

out_undo:
    for (int i = 0; i < k && !in_slot; i++)
        ve_alloc_put(&h->mem, copies[i].ve);
    free(copies);
    return VEO_REQUEST_ID_INVALID;
}

VEO_API uint64_t veo_call_async(struct veo_thr_ctxt *c, uint64_t addr, struct veo_args *args)
{
    return veo_i_call_async(c, addr, args);
}

VEO_API uint64_t veo_call_async_by_name(struct veo_thr_ctxt *c, uint64_t libhdl,
                                        const char *symname, struct veo_args *args)
{
    if (!c)
        return VEO_REQUEST_ID_INVALID;
    uint64_t addr;
    /* as veo_get_sym: an implicit request of the main context when the
     * symbol is not known yet (AVEO's test_prev_res counts on it) */
    if (veo_i_get_sym_cached(c->proc, libhdl, symname, &addr) < 0)
        return VEO_REQUEST_ID_INVALID;
    return veo_i_call_async(c, addr, args);
}

VEO_API uint64_t veo_call_async_vh(struct veo_thr_ctxt *c, uint64_t (*func)(void *), void *arg)
{
    if (!func)
        return VEO_REQUEST_ID_INVALID;
    struct vh_req t = {.run = run_vh_op, .op = VH_OP_FUNC, .fn = func, .arg = arg};
    return veo_i_submit_vh(c, &t);
}

/* A small queued read finished (context lock held): the data is in the
 * slot. */
static void copy_read_done(struct veo_thr_ctxt *c, struct vh_req *q, const struct rve_slot *s,
                           int *status)
{
    (void)c;
    if (*status == VEO_COMMAND_OK)
        memcpy(q->hptr, s->args, q->size);
}

/* A small queued copy (at most one slot's worth). On a context with nothing
 * in flight it runs at once in this thread, finished before the call
 * returns (veo_i_try_run_now): within VE memory a memcpy through the VH's
 * own mapping, as fast as veo_read_mem/veo_write_mem. Behind other requests
 * it travels inline through the context's own ring, like a synchronous one
 * through the transfer ring: the worker runs it in order with the calls, in
 * one round trip, where a VH-kind request would pass from the worker to a
 * VH thread and on to the transfer ring's worker. */
static uint64_t submit_small_copy(struct veo_thr_ctxt *c, const struct vh_req *t, int write)
{
    if (!c)
        return VEO_REQUEST_ID_INVALID;
    bool held;
    uint64_t id = veo_i_submit_begin(c, &held);
    if (id != VEO_REQUEST_ID_INVALID && !veo_i_try_run_now(c, id, t)) {
        struct vh_req *q;
        struct rve_slot *s = veo_i_req_start(c, id, write ? RVE_REQ_WRITE : RVE_REQ_READ, &q);
        q->done = write ? NULL : copy_read_done;
        q->hptr = t->hptr;
        q->ve = t->ve;
        q->size = t->size;
        q->fail_as_value = true;
        s->addr = t->ve;
        s->reserved[0] = t->size;
        /* AVEO's entry for the (last) piece: a read's VH address, a
         * write's empty acknowledgement; an empty copy leaves none */
        s->hist = !t->size ? RVE_HIST_NONE : write ? RVE_HIST_EMPTY : RVE_HIST_VALUE;
        s->hist_val = t->hist_val;
        if (write && t->size)
            memcpy(s->args, t->hptr, t->size);
        veo_i_publish(c);
    }
    veo_i_submit_end(c, held);
    return id;
}

/* A queued copy is AVEO's pieces (veo_i_copy_ids): all but the last are
 * implicit requests before it (their ids consumed, their history entries
 * left; the copy itself is done at once by the request that carries the
 * last id, which the caller gets, as from AVEO). Small copies are one
 * piece. The pieces and the request go together (a request block). */
static uint64_t submit_copy(struct veo_thr_ctxt *c, struct vh_req *t, int write)
{
    uint64_t step, n = veo_i_copy_ids(c, t->size, write, &step), id;
    t->hist_val = (uint64_t)(uintptr_t)t->hptr + (n - 1) * step;
    if (n > 1) {
        veo_i_block_begin(c);
        veo_i_fold_pending(c); /* what this thread did before goes first */
    }
    if (n > 1 && veo_i_note(c, n - 1, write ? RVE_HIST_EMPTY : RVE_HIST_VALUE,
                            (uint64_t)(uintptr_t)t->hptr, step) == VEO_REQUEST_ID_INVALID)
        id = VEO_REQUEST_ID_INVALID;
    else if (t->size <= RVE_INLINE_MAX)
        id = submit_small_copy(c, t, write);
    else
        id = veo_i_submit_vh(c, t);
    if (n > 1)
        veo_i_block_end(c);
    return id;
}

VEO_API uint64_t veo_async_read_mem(struct veo_thr_ctxt *c, void *dst, uint64_t src, size_t size)
{
    if (!c || (!dst && size))
        return VEO_REQUEST_ID_INVALID;
    struct vh_req t = {.run = run_vh_op, .op = VH_OP_READ, .hptr = dst, .ve = src, .size = size};
    return submit_copy(c, &t, 0);
}

VEO_API uint64_t veo_async_write_mem(struct veo_thr_ctxt *c, uint64_t dst, const void *src,
                                     size_t size)
{
    if (!c || (!src && size))
        return VEO_REQUEST_ID_INVALID;
    struct vh_req t = {.run = run_vh_op, .op = VH_OP_WRITE, .hptr = (void *)(uintptr_t)src, .ve = dst, .size = size};
    return submit_copy(c, &t, 1);
}

VEO_API uint64_t veo_alloc_mem_async(struct veo_thr_ctxt *c, const size_t size)
{
    struct vh_req t = {.run = run_vh_op, .op = VH_OP_ALLOC, .size = size};
    if (!c)
        return VEO_REQUEST_ID_INVALID;
    veo_i_block_begin(c); /* the hook's request follows at once */
    veo_i_fold_pending(c);
    uint64_t id = veo_i_async_hooked(c, (void *)veo_alloc_mem_async, true, veo_i_submit_vh(c, &t), size);
    veo_i_block_end(c);
    return id;
}

VEO_API uint64_t veo_free_mem_async(struct veo_thr_ctxt *c, uint64_t addr)
{
    struct vh_req t = {.run = run_vh_op, .op = VH_OP_FREE, .ve = addr};
    if (!c)
        return VEO_REQUEST_ID_INVALID;
    veo_i_block_begin(c);
    veo_i_fold_pending(c);
    uint64_t id = veo_i_async_hooked(c, (void *)veo_free_mem_async, false, veo_i_submit_vh(c, &t), addr);
    veo_i_block_end(c);
    return id;
}

VEO_API int veo_call_peek_result(struct veo_thr_ctxt *c, uint64_t reqid, uint64_t *retp)
{
    return veo_i_collect(c, reqid, retp, 0);
}

VEO_API int veo_call_wait_result(struct veo_thr_ctxt *c, uint64_t reqid, uint64_t *retp)
{
    return veo_i_collect(c, reqid, retp, 1);
}

VEO_API void veo_context_sync(struct veo_thr_ctxt *c)
{
    /* AVEO queues a VH command and waits for it: one id, no history entry */
    if (c) {
        veo_i_note(c, 1, RVE_HIST_NONE, 0, 0);
        veo_i_ctx_drain(c);
    }
}

VEO_API int veo_call_sync(struct veo_proc_handle *h, uint64_t addr, struct veo_args *ca,
                          uint64_t *result)
{
    if (!h)
        return -1;
    uint64_t id = veo_i_call_async(h->ctx[0], addr, ca);
    if (id == VEO_REQUEST_ID_INVALID)
        return -1;
    /* AVEO: 0 on success, -1 on any other command state (an exception too) */
    return veo_i_collect(h->ctx[0], id, result, 1) == VEO_COMMAND_OK ? 0 : -1;
}
