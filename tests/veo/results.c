/* Results kept for later collection: many uncollected results collected in
 * orders that stress the table (every other one first, then backwards, with
 * peeks in between), each exactly once; queued small copies (inline through
 * the context's ring) mixed with calls keep the queue order and report a bad
 * VE address in the result. Speed is measured in bench/, not here. */
#include "veo_test.h"

enum { N = 20000 };

int main(void)
{
    check_begin();
    struct veo_setup s;
    if (veo_setup(&s, 0, VE_TESTLIB, 1))
        return check_end();
    struct veo_proc_handle *h = s.h;
    uint64_t lib = s.lib;
    uint64_t f_add = sym(h, lib, "ve_add"), f_load = sym(h, lib, "ve_load"),
             f_store = sym(h, lib, "ve_store");
    struct veo_thr_ctxt *c = s.c;
    struct veo_args *a = s.a;
    static uint64_t ids[N];
    uint64_t r;
    for (int i = 0; i < N; i++) {
        veo_args_set_i64(a, 0, i);
        veo_args_set_i64(a, 1, 7);
        ids[i] = veo_call_async(c, f_add, a);
        CHECK(ids[i] != VEO_REQUEST_ID_INVALID);
    }
    /* a synchronous call on the same context while N results wait */
    veo_args_set_i64(a, 0, 40);
    veo_args_set_i64(a, 1, 2);
    CHECK_EQ(veo_call_sync(h, f_add, a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 42);
    int bad = 0;
    for (int i = 0; i < N; i += 2) {
        bad += veo_call_wait_result(c, ids[i], &r) != VEO_COMMAND_OK || r != (uint64_t)i + 7;
        /* collected once only */
        bad += veo_call_peek_result(c, ids[i], &r) != VEO_COMMAND_ERROR;
    }
    CHECK_EQ(bad, 0);
    for (int i = N - 1; i > 0; i -= 2) {
        bad += veo_call_peek_result(c, ids[i], &r) != VEO_COMMAND_OK || r != (uint64_t)i + 7;
        bad += veo_call_wait_result(c, ids[i], &r) != VEO_COMMAND_ERROR;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(veo_call_wait_result(c, ids[N - 1] + 1000, &r), VEO_COMMAND_ERROR);

    /* queued copies of every small size, in order with calls */
    uint64_t cell;
    CHECK_EQ(veo_alloc_mem(h, &cell, 8192), 0);
    static unsigned char src[4096], dst[4096];
    for (size_t sz = 1; sz <= 4096; sz = sz * 3 + 1) {
        for (size_t i = 0; i < sz; i++)
            src[i] = (unsigned char)(i * 7 + sz);
        memset(dst, 0, sizeof dst);
        uint64_t w = veo_async_write_mem(c, cell, src, sz);
        uint64_t rd = veo_async_read_mem(c, dst, cell, sz);
        CHECK_EQ(veo_call_wait_result(c, rd, &r), VEO_COMMAND_OK);
        CHECK_EQ(r, 0);
        CHECK(memcmp(src, dst, sz) == 0);
        CHECK_EQ(veo_call_wait_result(c, w, &r), VEO_COMMAND_OK);
        CHECK_EQ(r, 0);
    }
    uint64_t v = 5, back = 0;
    uint64_t w = veo_async_write_mem(c, cell, &v, 8);
    veo_args_clear(a);
    veo_args_set_u64(a, 0, cell);
    veo_args_set_u64(a, 1, 99);
    uint64_t ld = veo_call_async(c, f_load, a);
    uint64_t st = veo_call_async(c, f_store, a);
    uint64_t rd = veo_async_read_mem(c, &back, cell, 8);
    CHECK_EQ(veo_call_wait_result(c, rd, &r), VEO_COMMAND_OK);
    CHECK_EQ(back, 99);
    CHECK_EQ(veo_call_wait_result(c, ld, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 5);
    CHECK_EQ(veo_call_wait_result(c, st, &r), VEO_COMMAND_OK);
    CHECK_EQ(veo_call_wait_result(c, w, &r), VEO_COMMAND_OK);
    /* a bad VE address: the request completes and reports the failure */
    uint64_t badr = veo_async_read_mem(c, &back, 8, 8);
    uint64_t badw = veo_async_write_mem(c, 8, &v, 8);
    CHECK_EQ(veo_call_wait_result(c, badr, &r), VEO_COMMAND_OK);
    CHECK(r != 0);
    CHECK_EQ(veo_call_wait_result(c, badw, &r), VEO_COMMAND_OK);
    CHECK(r != 0);
    /* the context still works */
    veo_args_clear(a);
    veo_args_set_i64(a, 0, 1);
    veo_args_set_i64(a, 1, 2);
    CHECK_EQ(veo_call_sync(h, f_add, a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 3);

    veo_free_mem(h, cell);
    veo_args_free(a);
    CHECK_EQ(veo_proc_destroy(h), 0);
    return check_end();
}
