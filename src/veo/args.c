/* veo_args: call arguments set by index. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "veo_internal.h"

VEO_API struct veo_args *veo_args_alloc(void)
{
    return calloc(1, sizeof(struct veo_args));
}

VEO_API void veo_args_free(struct veo_args *a)
{
    free(a);
}

VEO_API void veo_args_clear(struct veo_args *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->n; i++) {
        a->a[i] = (struct rve_arg){0};
        a->buf[i] = NULL;
        a->intent[i] = 0;
    }
    a->n = 0;
}

static int set(struct veo_args *a, int n, uint32_t type, uint64_t bits)
{
    if (!a || n < 0 || n >= VEO_MAX_NUM_ARGS)
        return -1;
    a->a[n] = (struct rve_arg){.val = bits, .len = 0, .type = type, .flags = 0};
    a->buf[n] = NULL;
    a->intent[n] = VEO_INTENT_IN;
    if (n >= a->n)
        a->n = n + 1;
    return 0;
}

/* Integers travel sign- or zero-extended to 64 bits; the helper narrows them
 * again to the declared type before the call. */
VEO_API int veo_args_set_i64(struct veo_args *a, int n, int64_t v) { return set(a, n, RVE_ARG_I64, (uint64_t)v); }
VEO_API int veo_args_set_u64(struct veo_args *a, int n, uint64_t v) { return set(a, n, RVE_ARG_U64, v); }
VEO_API int veo_args_set_i32(struct veo_args *a, int n, int32_t v) { return set(a, n, RVE_ARG_I32, (uint64_t)(int64_t)v); }
VEO_API int veo_args_set_u32(struct veo_args *a, int n, uint32_t v) { return set(a, n, RVE_ARG_U32, v); }
VEO_API int veo_args_set_i16(struct veo_args *a, int n, int16_t v) { return set(a, n, RVE_ARG_I16, (uint64_t)(int64_t)v); }
VEO_API int veo_args_set_u16(struct veo_args *a, int n, uint16_t v) { return set(a, n, RVE_ARG_U16, v); }
VEO_API int veo_args_set_i8(struct veo_args *a, int n, int8_t v) { return set(a, n, RVE_ARG_I8, (uint64_t)(int64_t)v); }
VEO_API int veo_args_set_u8(struct veo_args *a, int n, uint8_t v) { return set(a, n, RVE_ARG_U8, v); }

VEO_API int veo_args_set_double(struct veo_args *a, int n, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return set(a, n, RVE_ARG_DOUBLE, bits);
}

VEO_API int veo_args_set_float(struct veo_args *a, int n, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    return set(a, n, RVE_ARG_FLOAT, bits);
}

VEO_API int veo_args_set_stack(struct veo_args *a, enum veo_args_intent inout, int n,
                               char *buff, size_t len)
{
    if ((unsigned)inout > VEO_INTENT_OUT || (!buff && len))
        return -1;
    if (set(a, n, RVE_ARG_STACK, 0) < 0)
        return -1;
    a->a[n].len = len;
    a->buf[n] = buff;
    a->intent[n] = (int)inout;
    return 0;
}

VEO_API int veo_args_set_hmem(struct veo_args *a, int n, void *hmem)
{
    /* AVEO hands the pointer over as it is: VE code dereferences an hmem
     * pointer directly or converts it with veo_get_hmem_addr (<veo_ve.h>);
     * a plain VH pointer is passed too */
    return set(a, n, RVE_ARG_U64, (uint64_t)(uintptr_t)hmem);
}
