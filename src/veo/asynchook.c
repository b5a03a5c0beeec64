/* Hooked asynchronous allocations. As in AVEO, a hooked veo_alloc_mem_async
 * or veo_free_mem_async queues the operation and behind it a VH request
 * that collects the operation's result, calls the hook and gives the
 * result as its own; the caller gets the second request's id. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "veo_internal.h"

/* ---- asynchronous allocation with a hook ------------------------------- */
/* As in AVEO, a hooked veo_alloc_mem_async/veo_free_mem_async queues the
 * operation and behind it a VH request that collects the operation's
 * result, calls the hook and gives the result as its own; the caller gets
 * the second request's id. */
struct async_hook {
    void *func;
    bool alloc;
    struct veo_thr_ctxt *c;
    uint64_t req;
    uint64_t arg; /* size (alloc) or address (free) */
};

static void async_hook_run(struct veo_thr_ctxt *c, struct vh_req *q, struct rve_slot *s)
{
    (void)c;
    struct async_hook a = *(struct async_hook *)q->arg;
    free(q->arg);
    uint64_t val = 0;
    veo_hook_fn *hook;
    void *payload;
    int rc = veo_i_collect(a.c, a.req, &val, 1);
    bool alloc = a.alloc;
    s->status = VEO_COMMAND_OK;
    if (rc != VEO_COMMAND_OK) {
        s->retval = alloc ? 0 : (uint64_t)-1;
        return;
    }
    if (veo_i_hook(a.func, &hook, &payload)) {
        if (alloc)
            hook(payload, a.c, val, (size_t)a.arg);
        else
            hook(payload, a.c, a.arg);
    }
    s->retval = alloc ? val : 0;
}

uint64_t veo_i_async_hooked(struct veo_thr_ctxt *c, void *func, bool alloc, uint64_t req,
                            uint64_t arg)
{
    veo_hook_fn *hook;
    void *payload;
    if (req == VEO_REQUEST_ID_INVALID || !veo_i_hook(func, &hook, &payload))
        return req;
    struct async_hook *a = malloc(sizeof *a);
    if (!a)
        return VEO_REQUEST_ID_INVALID;
    *a = (struct async_hook){func, alloc, c, req, arg};
    struct vh_req t = {.run = async_hook_run, .arg = a};
    uint64_t id = veo_i_submit_vh(c, &t);
    if (id == VEO_REQUEST_ID_INVALID)
        free(a);
    return id;
}

