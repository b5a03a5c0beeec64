/* The VE side of AVEO's calls for VE code (<veo_ve.h>): hmem tags, and the
 * results of the previous requests of the calling context. The tag layout is
 * the VH's (src/veo/hmem.c): bit 63 marks VE memory, bits 62:59 hold the
 * process identifier. */
#include <stdint.h>

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
