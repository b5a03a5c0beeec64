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

/* Each context is one worker thread of the helper, so a thread-local history
 * is the context's history. AVEO reads the result back from the context's
 * send buffer, which holds a bounded number of past results; a short ring
 * gives the same "recent results only" reach. */
#define PREV_HIST 64
static __thread uint64_t prev_hist[PREV_HIST];
static __thread uint64_t prev_count;

RT_API void rashm_ve_runtime_result(uint64_t value)
{
    prev_hist[prev_count % PREV_HIST] = value;
    prev_count++;
}

RT_API int veo_prev_req_result(int offs, uint64_t *result)
{
    if (offs < 0 || (uint64_t)offs >= prev_count || offs >= PREV_HIST || !result)
        return -1;
    *result = prev_hist[(prev_count - 1 - (uint64_t)offs) % PREV_HIST];
    return 0;
}
