/* The VE side of AVEO's calls for VE code (<veo_ve.h>): hmem tags, and the
 * previous request's result (not kept by the software VE yet). The tag
 * layout is the VH's (src/veo/hmem.c): bit 63 marks VE memory, bits 62:59
 * hold the process identifier. */
#include <stdint.h>

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

RT_API int veo_prev_req_result(int offs, uint64_t *result)
{
    (void)offs;
    if (result)
        *result = 0;
    return -1;
}
