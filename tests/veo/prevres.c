/* veo_prev_req_result: VE code reads the results of the requests that ran
 * before it on its own context (0 = the one just before); a queued write
 * leaves an entry without a value; a second context has its own history;
 * offsets beyond what ran fail. (The implicit requests of the VH's calls:
 * implreq.c.) */
#include "veo_test.h"

static uint64_t call1(struct veo_thr_ctxt *c, uint64_t f, struct veo_args *a)
{
    uint64_t r = 0;
    uint64_t id = veo_call_async(c, f, a);
    if (id == VEO_REQUEST_ID_INVALID || veo_call_wait_result(c, id, &r) != VEO_COMMAND_OK)
        return 0xdeadull;
    return r;
}

int main(void)
{
    check_begin();
    struct veo_setup s;
    if (veo_setup(&s, 0, VE_TESTLIB, 1))
        return check_end();
    struct veo_proc_handle *h = s.h;
    uint64_t lib = s.lib;
    uint64_t f_add = sym(h, lib, "ve_add"), f_prev = sym(h, lib, "ve_prev_result");
    struct veo_thr_ctxt *c = s.c;
    struct veo_args *a = s.a;

    uint64_t vals[3] = {11, 222, 3333};
    for (int i = 0; i < 3; i++) {
        veo_args_set_i64(a, 0, (int64_t)vals[i]);
        veo_args_set_i64(a, 1, 0);
        CHECK_EQ(call1(c, f_add, a), vals[i]);
    }
    for (int k = 0; k < 3; k++) {
        veo_args_clear(a);
        veo_args_set_i64(a, 0, k);
        CHECK_EQ(call1(c, f_prev, a), vals[2 - k]);
        /* redo the three adds so the history is the same for the next k */
        for (int i = 0; i < 3; i++) {
            veo_args_set_i64(a, 0, (int64_t)vals[i]);
            veo_args_set_i64(a, 1, 0);
            CHECK_EQ(call1(c, f_add, a), vals[i]);
        }
    }
    /* offset 1 skips the last add */
    veo_args_clear(a);
    veo_args_set_i64(a, 0, 1);
    CHECK_EQ(call1(c, f_prev, a), vals[1]);
    /* beyond the history kept, and negative offsets, fail */
    veo_args_set_i64(a, 0, 1000000);
    CHECK_EQ(call1(c, f_prev, a), ~0ull);
    veo_args_set_i64(a, 0, -1);
    CHECK_EQ(call1(c, f_prev, a), ~0ull);

    /* a queued write leaves an entry without a value (AVEO's empty
     * acknowledgement): offset 0 fails, offset 1 is the call before it and
     * offset 2 the allocation (an implicit request of this, the main,
     * context) */
    uint64_t cell;
    CHECK_EQ(veo_alloc_mem(h, &cell, 64), 0);
    uint64_t v = 5, r;
    veo_args_clear(a);
    veo_args_set_i64(a, 0, 77);
    veo_args_set_i64(a, 1, 0);
    CHECK_EQ(call1(c, f_add, a), 77);
    uint64_t w = veo_async_write_mem(c, cell, &v, sizeof v);
    CHECK_EQ(veo_call_wait_result(c, w, &r), VEO_COMMAND_OK);
    veo_args_clear(a);
    veo_args_set_i64(a, 0, 0);
    CHECK_EQ(call1(c, f_prev, a), ~0ull);
    veo_args_set_i64(a, 0, 2);
    CHECK_EQ(call1(c, f_prev, a), 77);
    veo_args_set_i64(a, 0, 4);
    CHECK_EQ(call1(c, f_prev, a), cell);

    /* a second context has its own history, which starts with what AVEO's
     * VE side sends first on a new context: its stack pointer (here the
     * top of the worker thread's stack), and nothing before it */
    struct veo_thr_ctxt *c2 = veo_context_open(h);
    CHECK(c2 != NULL);
    if (c2) {
        veo_args_set_i64(a, 0, 0);
        uint64_t sp = call1(c2, f_prev, a);
        CHECK(sp != ~0ull && sp != 0 && sp != 0xdeadull);
        veo_args_set_i64(a, 0, 2);
        CHECK_EQ(call1(c2, f_prev, a), ~0ull);
        veo_args_set_i64(a, 0, 4321);
        veo_args_set_i64(a, 1, 0);
        CHECK_EQ(call1(c2, f_add, a), 4321);
        veo_args_clear(a);
        veo_args_set_i64(a, 0, 0);
        CHECK_EQ(call1(c2, f_prev, a), 4321);
        CHECK_EQ(veo_context_close(c2), 0);
    }
    veo_free_mem(h, cell);
    veo_args_free(a);
    veo_context_close(c);
    CHECK_EQ(veo_proc_destroy(h), 0);
    return check_end();
}
