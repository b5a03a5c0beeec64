/* The VE side of AVEO's calls for VE code (<veo_ve.h>): hmem pointers, and
 * the results of the previous requests of the calling context. hmem
 * pointers are the VE memory's second address in the hmem window, which
 * this process maps (src/ve/helper/memory.c); the arithmetic is the VH's
 * (src/proto/rve_proto.h). */
#include <stdint.h>

#include "rve_proto.h"
#include "ve_runtime.h"
#include "veo_ve.h"

#define RT_API __attribute__((visibility("default")))

RT_API int veo_is_ve_addr(const void *addr)
{
    return rve_hmem_is((uint64_t)(uintptr_t)addr);
}

RT_API void *veo_get_hmem_addr(void *addr)
{
    uint64_t a = (uint64_t)(uintptr_t)addr;
    return rve_hmem_is(a) ? (void *)(uintptr_t)rve_hmem_to_ve(a) : addr;
}

/* Each context is one worker thread of the helper; the worker tells us where
 * its context's history is (in the request ring, rve_proto.h: the VH writes
 * the entries of the requests it finished itself, the worker the others).
 * Other threads of VE code (OpenMP threads of a call, say) have none, as in
 * AVEO, where the history belongs to the context thread's channel. */
static __thread struct rve_hist *tl_hist;

RT_API void rashm_ve_runtime_history(struct rve_hist *h)
{
    tl_hist = h;
}

/* AVEO's answer for an entry without a value (an acknowledgement) or beyond
 * what was kept is -1, with whatever its buffer held in *result; here
 * *result is left alone then. */
RT_API int veo_prev_req_result(int offs, uint64_t *result)
{
    struct rve_hist *h = tl_hist;
    if (!h || offs < 0 || offs >= RVE_HIST || !result)
        return -1;
    uint64_t n = atomic_load_explicit(&h->count, memory_order_acquire);
    if ((uint64_t)offs >= n)
        return -1;
    const struct rve_hist_ent *e = &h->ent[(n - 1 - (uint64_t)offs) % RVE_HIST];
    if (e->empty)
        return -1;
    *result = e->val;
    return 0;
}
