/* The VE side of AVEO's calls for VE code (<veo_ve.h>): hmem tags, and the
 * results of the previous requests of the calling context. The tag layout is
 * the VH's (src/veo/hmem.c): bit 63 marks VE memory, bits 62:59 hold the
 * process identifier. */
#include <stdint.h>

#include "rve_proto.h"
#include "ve_runtime.h"
#include "veo_ve.h"

#define RT_API __attribute__((visibility("default")))
#define HMEM_TAG_BITS 0xf800000000000000ull

RT_API int veo_is_ve_addr(const void *addr)
{
    return ((uint64_t)(uintptr_t)addr >> 63) ? 1 : 0;
}

RT_API void *veo_get_hmem_addr(void *addr)
{
    return (void *)(uintptr_t)((uint64_t)(uintptr_t)addr & ~HMEM_TAG_BITS);
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
