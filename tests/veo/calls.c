/* Libraries, symbols and calls: every argument type, stack IN/OUT/INOUT,
 * 256 arguments, gaps, veo_call_async_by_name, veo_call_sync. */
#include "veo_test.h"

#include <errno.h>

int main(void)
{
    check_begin();
    struct veo_setup s;
    if (veo_setup(&s, 0, NULL, 0))
        return check_end();
    struct veo_proc_handle *h = s.h;

    /* libraries and symbols */
    CHECK_EQ(veo_load_library(h, "/nonexistent/libnothing.so"), 0);
    uint64_t lib = veo_load_library(h, VE_TESTLIB);
    CHECK(lib != 0);
    CHECK_EQ(veo_load_library(h, VE_TESTLIB), lib); /* same handle again */
    CHECK(sym(h, lib, "ve_add") != 0);
    CHECK_EQ(veo_get_sym(h, lib, "no_such_symbol"), 0);
    char longname[VEO_SYMNAME_LEN_MAX + 2];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    CHECK_ERRNO(veo_get_sym(h, lib, longname), 0, ENAMETOOLONG);
    CHECK_EQ(veo_get_sym(h, 12345, "ve_add"), 0); /* unknown handle */
    CHECK_EQ(veo_get_sym(h, 0, "ve_add"), veo_get_sym(h, lib, "ve_add")); /* 0: all */
    CHECK_EQ(veo_get_sym(NULL, lib, "ve_add"), 0);

    struct veo_thr_ctxt *ctx = veo_context_open(h);
    CHECK(ctx != NULL);
    struct veo_args *a = veo_args_alloc();
    uint64_t r = 0;

    /* two arguments, sync and async, by name */
    veo_args_set_i64(a, 0, 40);
    veo_args_set_i64(a, 1, 2);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_add"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 42);
    uint64_t id = veo_call_async_by_name(ctx, lib, "ve_add", a);
    CHECK(id != VEO_REQUEST_ID_INVALID);
    CHECK_EQ(veo_call_wait_result(ctx, id, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 42);
    CHECK_EQ(veo_call_async_by_name(ctx, lib, "no_such_symbol", a), VEO_REQUEST_ID_INVALID);
    veo_args_set_i64(a, 0, -50);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_add"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ((int64_t)r, -48);
    CHECK_EQ(veo_call_async(ctx, 0, a), VEO_REQUEST_ID_INVALID); /* address 0 */
    CHECK_EQ(veo_call_async(NULL, sym(h, lib, "ve_add"), a), VEO_REQUEST_ID_INVALID);

    /* every scalar type, set out of order */
    veo_args_clear(a);
    CHECK_EQ(veo_args_set_float(a, 9, -1.5f), 0);
    CHECK_EQ(veo_args_set_double(a, 8, 3.25), 0);
    CHECK_EQ(veo_args_set_u8(a, 7, 0xab), 0);
    CHECK_EQ(veo_args_set_i8(a, 6, -12), 0);
    CHECK_EQ(veo_args_set_u16(a, 5, 0xbeef), 0);
    CHECK_EQ(veo_args_set_i16(a, 4, -1234), 0);
    CHECK_EQ(veo_args_set_u32(a, 3, 0xdeadbeefu), 0);
    CHECK_EQ(veo_args_set_i32(a, 2, -123456), 0);
    CHECK_EQ(veo_args_set_u64(a, 1, 0xfedcba9876543210ull), 0);
    CHECK_EQ(veo_args_set_i64(a, 0, -1234567890123ll), 0);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_types"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 0);

    /* bad indices are refused by the setters */
    CHECK_EQ(veo_args_set_i64(a, -1, 1), -1);
    CHECK_EQ(veo_args_set_i64(a, VEO_MAX_NUM_ARGS, 1), -1);
    CHECK_EQ(veo_args_set_i64(NULL, 0, 1), -1);
    CHECK_EQ(veo_args_set_stack(a, (enum veo_args_intent)7, 0, (char *)&r, 8), -1);

    /* a gap in the indices: an error, not a crash */
    veo_args_clear(a);
    veo_args_set_i64(a, 0, 1);
    veo_args_set_i64(a, 2, 1);
    CHECK_EQ(veo_call_async(ctx, sym(h, lib, "ve_add"), a), VEO_REQUEST_ID_INVALID);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_add"), a, &r), -1);

    /* register + stack arguments: 12 and 256 */
    veo_args_clear(a);
    int64_t want = 0;
    for (int i = 0; i < 12; i++) {
        veo_args_set_i64(a, i, 100 + i);
        want += (int64_t)(i + 1) * (100 + i);
    }
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_sum12"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ((int64_t)r, want);
    veo_args_clear(a);
    uint64_t w256 = 0;
    for (int i = VEO_MAX_NUM_ARGS - 1; i >= 0; i--) {
        CHECK_EQ(veo_args_set_u64(a, i, (uint64_t)i * 7 + 1), 0);
        w256 += ((uint64_t)i * 7 + 1) * (uint64_t)(i + 1);
    }
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_sum256"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, w256);

    /* stack IN */
    unsigned char in[1000];
    uint64_t sum = 0;
    for (int i = 0; i < 1000; i++)
        sum += in[i] = (unsigned char)(i * 7);
    veo_args_clear(a);
    CHECK_EQ(veo_args_set_stack(a, VEO_INTENT_IN, 0, (char *)in, sizeof in), 0);
    veo_args_set_u64(a, 1, sizeof in);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_sum_bytes"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, sum);
    /* a large IN buffer (goes by the bulk path) */
    size_t big = 8u << 20;
    unsigned char *bb = malloc(big);
    sum = 0;
    for (size_t i = 0; i < big; i++)
        sum += bb[i] = (unsigned char)(i * 13 + 5);
    veo_args_clear(a);
    veo_args_set_stack(a, VEO_INTENT_IN, 0, (char *)bb, big);
    veo_args_set_u64(a, 1, big);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_sum_bytes"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, sum);

    /* stack OUT: starts zero-filled in VE memory even if the VH buffer is not */
    unsigned char out[777];
    memset(out, 0xee, sizeof out);
    veo_args_clear(a);
    veo_args_set_stack(a, VEO_INTENT_OUT, 0, (char *)out, sizeof out);
    veo_args_set_u64(a, 1, sizeof out);
    id = veo_call_async(ctx, sym(h, lib, "ve_fill"), a);
    veo_args_free(a); /* allowed: the request keeps its own copy */
    a = veo_args_alloc();
    CHECK_EQ(veo_call_wait_result(ctx, id, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 0); /* no non-zero byte on entry */
    int okout = 1;
    for (size_t i = 0; i < sizeof out; i++)
        okout &= out[i] == (unsigned char)(i * 3);
    CHECK(okout);
    /* large OUT */
    memset(bb, 0x11, big);
    veo_args_clear(a);
    veo_args_set_stack(a, VEO_INTENT_OUT, 0, (char *)bb, big);
    veo_args_set_u64(a, 1, big);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_fill"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 0);
    okout = 1;
    for (size_t i = 0; i < big; i++)
        okout &= bb[i] == (unsigned char)(i * 3);
    CHECK(okout);

    /* stack INOUT, mixed with scalars after it */
    int32_t io[300];
    for (int i = 0; i < 300; i++)
        io[i] = i - 100;
    veo_args_clear(a);
    veo_args_set_stack(a, VEO_INTENT_INOUT, 0, (char *)io, sizeof io);
    veo_args_set_u64(a, 1, 300);
    veo_args_set_i32(a, 2, -7);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_incr"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 300);
    int okio = 1;
    for (int i = 0; i < 300; i++)
        okio &= io[i] == i - 107;
    CHECK(okio);

    /* two stack buffers in one call: IN then OUT of another function is
     * covered above; here the same call twice without clearing reuses args */
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_incr"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(io[0], -114);

    /* no arguments at all, and NULL args */
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_empty"), NULL, &r), VEO_COMMAND_OK);
    veo_args_clear(a);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_empty"), a, &r), VEO_COMMAND_OK);

    /* the VE memory used for stack copies was given back */
    uint64_t probe;
    setenv("RASHM_VE_MEM_SIZE", "64M", 1);
    struct veo_proc_handle *h2 = veo_proc_create(0);
    CHECK(h2 != NULL);
    if (h2) {
        uint64_t l2 = veo_load_library(h2, VE_TESTLIB);
        for (int k = 0; k < 20; k++) { /* 20 x 8 MiB > 64 MiB: leaks would fail */
            veo_args_clear(a);
            veo_args_set_stack(a, VEO_INTENT_IN, 0, (char *)bb, big);
            veo_args_set_u64(a, 1, 16);
            CHECK_EQ(veo_call_sync(h2, veo_get_sym(h2, l2, "ve_sum_bytes"), a, &r), VEO_COMMAND_OK);
        }
        CHECK_EQ(veo_alloc_mem(h2, &probe, 60u << 20), 0);
        /* now stack space cannot be found: the call is refused, not run */
        veo_args_clear(a);
        veo_args_set_stack(a, VEO_INTENT_IN, 0, (char *)bb, big);
        veo_args_set_u64(a, 1, 16);
        CHECK_EQ(veo_call_async(veo_context_open(h2), veo_get_sym(h2, l2, "ve_sum_bytes"), a),
                 VEO_REQUEST_ID_INVALID);
        CHECK_EQ(veo_free_mem(h2, probe), 0);
        CHECK_EQ(veo_unload_library(h2, l2), 0);
        CHECK_EQ(veo_unload_library(h2, l2), -1); /* already unloaded */
        veo_proc_destroy(h2);
    }
    unsetenv("RASHM_VE_MEM_SIZE");

    free(bb);
    veo_args_free(a);
    CHECK_EQ(veo_context_close(ctx), 0);
    CHECK_EQ(veo_proc_destroy(h), 0);
    return check_end();
}
