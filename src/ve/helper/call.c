/* Executing one request slot: a call through libffi with the argument
 * types the VH declared, or a small copy between the slot and VE memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <ffi.h>
#include <string.h>

#include "helper.h"

union argval {
    int64_t i64;
    uint64_t u64;
    int32_t i32;
    uint32_t u32;
    int16_t i16;
    uint16_t u16;
    int8_t i8;
    uint8_t u8;
    double d;
    float f;
    void *p;
};

void do_call(struct rve_slot *s)
{
    ffi_type *types[RVE_MAX_ARGS];
    void *values[RVE_MAX_ARGS];
    union argval vals[RVE_MAX_ARGS];
    ffi_cif cif;
    ffi_arg ret = 0;
    uint32_t n = s->nargs;

    if (n > RVE_MAX_ARGS || s->addr == 0) {
        s->status = RVE_CMD_ERROR;
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        const struct rve_arg *a = &s->args[i];
        union argval *v = &vals[i];
        switch (a->type) {
        case RVE_ARG_I64: types[i] = &ffi_type_sint64; v->i64 = (int64_t)a->val; break;
        case RVE_ARG_U64: types[i] = &ffi_type_uint64; v->u64 = a->val; break;
        case RVE_ARG_I32: types[i] = &ffi_type_sint32; v->i32 = (int32_t)a->val; break;
        case RVE_ARG_U32: types[i] = &ffi_type_uint32; v->u32 = (uint32_t)a->val; break;
        case RVE_ARG_I16: types[i] = &ffi_type_sint16; v->i16 = (int16_t)a->val; break;
        case RVE_ARG_U16: types[i] = &ffi_type_uint16; v->u16 = (uint16_t)a->val; break;
        case RVE_ARG_I8: types[i] = &ffi_type_sint8; v->i8 = (int8_t)a->val; break;
        case RVE_ARG_U8: types[i] = &ffi_type_uint8; v->u8 = (uint8_t)a->val; break;
        case RVE_ARG_DOUBLE: types[i] = &ffi_type_double; memcpy(&v->d, &a->val, sizeof v->d); break;
        case RVE_ARG_FLOAT: {
            uint32_t bits = (uint32_t)a->val;
            types[i] = &ffi_type_float;
            memcpy(&v->f, &bits, sizeof v->f);
            break;
        }
        case RVE_ARG_STACK:
            types[i] = &ffi_type_pointer;
            if (a->flags & RVE_ARGF_INLINE) {
                if (a->val > RVE_PAYLOAD || a->len > RVE_PAYLOAD - a->val) {
                    s->status = RVE_CMD_ERROR;
                    return;
                }
                v->p = s->payload + a->val;
            } else {
                v->p = (void *)(uintptr_t)a->val;
            }
            if (a->flags & RVE_ARGF_ZERO)
                memset(v->p, 0, a->len); /* OUT buffers start zero-filled */
            break;
        default: /* a gap: the VH checks, but never trust the other side */
            s->status = RVE_CMD_ERROR;
            return;
        }
        values[i] = v;
    }
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, n, &ffi_type_uint64, types) != FFI_OK) {
        s->status = RVE_CMD_ERROR;
        return;
    }
    ffi_call(&cif, FFI_FN((uintptr_t)s->addr), &ret, values);
    s->retval = (uint64_t)ret;
    s->status = RVE_CMD_OK;
}

void do_copy(struct rve_slot *s, int write)
{
    uint64_t len = s->reserved[0];
    void *ve = (void *)(uintptr_t)s->addr;
    int rc;
    if (len > RVE_INLINE_MAX || len > sizeof s->args)
        rc = -EINVAL;
    else
        rc = write ? guarded_copy(ve, s->args, len) : guarded_copy(s->args, ve, len);
    s->status = rc ? RVE_CMD_ERROR : RVE_CMD_OK;
    s->retval = (uint64_t)-rc;
}
