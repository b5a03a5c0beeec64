/* Contexts and asynchronous requests: open/close/state/count, ordering,
 * peek/wait semantics, VH functions and memory requests on the queue, more
 * requests in flight than the ring has slots, queued copies run at
 * submission among calls. */
#include "veo_test.h"

#include <errno.h>

struct vh_arg {
    struct veo_proc_handle *h;
    uint64_t log;
    int calls;
};

/* A VH function on the queue: it runs after the earlier VE calls finished. */
static uint64_t vh_check_log(void *p)
{
    struct vh_arg *v = p;
    uint64_t n = 0;
    v->calls++;
    if (veo_read_mem(v->h, &n, v->log, 8) != 0)
        return 9999;
    return n;
}

int main(void)
{
    check_begin();
    struct veo_setup s;
    if (veo_setup(&s, 0, VE_TESTLIB, 0))
        return check_end();
    struct veo_proc_handle *h = s.h;
    uint64_t lib = s.lib;
    uint64_t f_log = sym(h, lib, "ve_log"), f_sleep = sym(h, lib, "ve_sleep_ms"),
             f_add = sym(h, lib, "ve_add");

    /* contexts */
    CHECK_EQ(veo_num_contexts(h), 0);
    struct veo_thr_ctxt *c0 = veo_context_open(h);
    CHECK(c0 != NULL);
    CHECK_EQ(veo_num_contexts(h), 1);
    struct veo_thr_ctxt *c1 = veo_context_open(h);
    struct veo_thr_ctxt *c2 = veo_context_open(h);
    CHECK(c1 && c2 && c1 != c0 && c2 != c1);
    CHECK_EQ(veo_num_contexts(h), 3);
    CHECK(veo_get_context(h, 0) == c0);
    CHECK(veo_get_context(h, 1) == c1);
    CHECK(veo_get_context(h, 2) == c2);
    CHECK(veo_get_context(h, 3) == NULL);
    CHECK(veo_get_context(h, -1) == NULL);
    CHECK_EQ(veo_get_context_state(c0), VEO_STATE_RUNNING);
    CHECK_EQ(veo_get_context_state(c1), VEO_STATE_RUNNING);
    CHECK_EQ(veo_context_close(c0), 0); /* main context: a no-op */
    CHECK_EQ(veo_get_context_state(c0), VEO_STATE_RUNNING);
    CHECK_EQ(veo_context_close(c2), 0);
    CHECK_EQ(veo_num_contexts(h), 2);
    CHECK(veo_get_context(h, 1) == c1);
    struct veo_thr_ctxt_attr *at = veo_alloc_thr_ctxt_attr();
    size_t ss = 0;
    CHECK_EQ(veo_set_thr_ctxt_stacksize(at, 1u << 20), 0);
    CHECK_EQ(veo_get_thr_ctxt_stacksize(at, &ss), 0);
    CHECK_EQ(ss, 1u << 20);
    c2 = veo_context_open_with_attr(h, at);
    CHECK(c2 != NULL);
    CHECK_EQ(veo_free_thr_ctxt_attr(at), 0);
    CHECK_EQ(veo_get_context_state(NULL), VEO_STATE_UNKNOWN);

    /* the request log in VE memory: [count, values...] */
    uint64_t log;
    CHECK_EQ(veo_alloc_mem(h, &log, 8 * 1024), 0);
    uint64_t zero[1024] = {0};
    CHECK_EQ(veo_write_mem(h, log, zero, sizeof zero), 0);
    struct veo_args *a = veo_args_alloc();

    /* order within a context: a slow call first, fast ones after */
    veo_args_set_u64(a, 0, 100);
    uint64_t ids[200], r;
    uint64_t slow = veo_call_async(c1, f_sleep, a);
    /* peek while it runs: unfinished */
    CHECK_EQ(veo_call_peek_result(c1, slow, &r), VEO_COMMAND_UNFINISHED);
    for (int i = 0; i < 200; i++) { /* more than the ring's 64 slots */
        veo_args_clear(a);
        veo_args_set_u64(a, 0, log);
        veo_args_set_u64(a, 1, (uint64_t)i);
        ids[i] = veo_call_async(c1, f_log, a);
        CHECK(ids[i] != VEO_REQUEST_ID_INVALID);
    }
    CHECK_EQ(veo_call_wait_result(c1, slow, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 100);
    /* collected once: asking again is an error */
    CHECK_EQ(veo_call_wait_result(c1, slow, &r), VEO_COMMAND_ERROR);
    CHECK_EQ(veo_call_peek_result(c1, slow, &r), VEO_COMMAND_ERROR);
    /* results collected out of order */
    for (int i = 199; i >= 0; i--) {
        CHECK_EQ(veo_call_wait_result(c1, ids[i], &r), VEO_COMMAND_OK);
        CHECK_EQ(r, (uint64_t)i); /* the log length when it ran: in order */
    }
    uint64_t logv[201];
    CHECK_EQ(veo_read_mem(h, logv, log, sizeof logv), 0);
    CHECK_EQ(logv[0], 200);
    int inorder = 1;
    for (int i = 0; i < 200; i++)
        inorder &= logv[1 + i] == (uint64_t)i;
    CHECK(inorder);
    /* never issued */
    CHECK_EQ(veo_call_wait_result(c1, 123456789, &r), VEO_COMMAND_ERROR);
    CHECK_EQ(veo_call_peek_result(c1, 123456789, &r), VEO_COMMAND_ERROR);
    CHECK_EQ(veo_call_wait_result(NULL, 0, &r), -1);
    /* peek after completion returns OK once */
    veo_args_clear(a);
    veo_args_set_i64(a, 0, 5);
    veo_args_set_i64(a, 1, 6);
    uint64_t id = veo_call_async(c1, f_add, a);
    veo_context_sync(c1);
    CHECK_EQ(veo_call_peek_result(c1, id, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 11);
    CHECK_EQ(veo_call_peek_result(c1, id, &r), VEO_COMMAND_ERROR);

    /* VH function on the queue: runs after the VE calls before it, and the
     * calls after it wait for it */
    CHECK_EQ(veo_write_mem(h, log, zero, sizeof zero), 0);
    struct vh_arg va = {h, log, 0};
    veo_args_clear(a);
    veo_args_set_u64(a, 0, 50);
    uint64_t s1 = veo_call_async(c2, f_sleep, a);
    veo_args_clear(a);
    veo_args_set_u64(a, 0, log);
    veo_args_set_u64(a, 1, 7);
    uint64_t l1 = veo_call_async(c2, f_log, a);
    uint64_t vh = veo_call_async_vh(c2, vh_check_log, &va);
    uint64_t l2 = veo_call_async(c2, f_log, a);
    CHECK(vh != VEO_REQUEST_ID_INVALID);
    CHECK_EQ(veo_call_wait_result(c2, l2, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 1);
    CHECK_EQ(veo_call_wait_result(c2, vh, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 1); /* it saw exactly the first log entry */
    CHECK_EQ(va.calls, 1);
    CHECK_EQ(veo_call_wait_result(c2, s1, &r), VEO_COMMAND_OK);
    CHECK_EQ(veo_call_wait_result(c2, l1, &r), VEO_COMMAND_OK);
    CHECK_EQ(veo_call_async_vh(c2, NULL, NULL), VEO_REQUEST_ID_INVALID);

    /* memory requests on the queue, in order with calls */
    uint64_t cell;
    CHECK_EQ(veo_alloc_mem(h, &cell, 64), 0);
    uint64_t v1 = 111, v2 = 0, v3 = 0;
    uint64_t w = veo_async_write_mem(c1, cell, &v1, 8);
    veo_args_clear(a);
    veo_args_set_u64(a, 0, cell);
    uint64_t ld = veo_call_async(c1, sym(h, lib, "ve_load"), a);
    veo_args_set_u64(a, 1, 222);
    uint64_t stv = veo_call_async(c1, sym(h, lib, "ve_store"), a);
    uint64_t rd = veo_async_read_mem(c1, &v2, cell, 8);
    CHECK_EQ(veo_call_wait_result(c1, rd, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 0);
    CHECK_EQ(v2, 222);
    CHECK_EQ(veo_call_wait_result(c1, w, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 0);
    CHECK_EQ(veo_call_wait_result(c1, ld, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 111);
    CHECK_EQ(veo_call_wait_result(c1, stv, &r), VEO_COMMAND_OK);
    /* big async transfers */
    size_t big = 16u << 20;
    unsigned char *src = malloc(big), *dst = calloc(1, big);
    for (size_t i = 0; i < big; i++)
        src[i] = (unsigned char)(i ^ (i >> 9));
    uint64_t vbig;
    CHECK_EQ(veo_alloc_mem(h, &vbig, big), 0);
    uint64_t bw = veo_async_write_mem(c2, vbig, src, big);
    uint64_t br = veo_async_read_mem(c2, dst, vbig, big);
    CHECK_EQ(veo_call_wait_result(c2, br, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 0);
    CHECK_EQ(veo_call_wait_result(c2, bw, &r), VEO_COMMAND_OK);
    CHECK(memcmp(src, dst, big) == 0);
    /* a failing async transfer reports it in the result */
    uint64_t bad = veo_async_read_mem(c2, &v3, 8, 8);
    CHECK_EQ(veo_call_wait_result(c2, bad, &r), VEO_COMMAND_OK);
    CHECK(r != 0);
    /* alloc/free on the queue */
    uint64_t am = veo_alloc_mem_async(c1, 4096);
    CHECK_EQ(veo_call_wait_result(c1, am, &r), VEO_COMMAND_OK);
    CHECK(r != 0);
    uint64_t fm = veo_free_mem_async(c1, r);
    CHECK_EQ(veo_call_wait_result(c1, fm, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 0);
    fm = veo_free_mem_async(c1, 0x42);
    CHECK_EQ(veo_call_wait_result(c1, fm, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, (uint64_t)-1);

    /* close waits for queued work; the context is then gone */
    veo_args_clear(a);
    veo_args_set_u64(a, 0, log);
    veo_args_set_u64(a, 1, 99);
    CHECK_EQ(veo_write_mem(h, log, zero, 8), 0);
    for (int i = 0; i < 10; i++)
        veo_call_async(c2, f_log, a);
    CHECK_EQ(veo_context_close(c2), 0);
    CHECK_EQ(veo_read_mem(h, &r, log, 8), 0);
    CHECK_EQ(r, 10);
    CHECK_EQ(veo_num_contexts(h), 2);

    /* many contexts at once, then closed */
    struct veo_thr_ctxt *many[20];
    for (int i = 0; i < 20; i++) {
        many[i] = veo_context_open(h);
        CHECK(many[i] != NULL);
    }
    CHECK_EQ(veo_num_contexts(h), 22);
    for (int i = 0; i < 20; i++) {
        veo_args_clear(a);
        veo_args_set_i64(a, 0, i);
        veo_args_set_i64(a, 1, 1000);
        ids[i] = veo_call_async(many[i], f_add, a);
    }
    for (int i = 0; i < 20; i++) {
        CHECK_EQ(veo_call_wait_result(many[i], ids[i], &r), VEO_COMMAND_OK);
        CHECK_EQ(r, 1000u + (uint64_t)i);
        CHECK_EQ(veo_context_close(many[i]), 0);
    }
    CHECK_EQ(veo_num_contexts(h), 2);

    /* Queued copies that run at submission (nothing else in flight) are
     * counted as finished by the VH itself; the worker, spinning or asleep
     * meanwhile (its sleep slice ends in the middle of this), steps over
     * them. A call queued among them runs once, in order, and each copy
     * lands. Breaking this made the worker run stale slots: a call twice,
     * or a wait that never returned. */
    {
        uint64_t clog, ccell, got = 0, ncalls = 0, ncopies = 0;
        enum { MAXCALLS = 2000 };
        CHECK_EQ(veo_alloc_mem(h, &clog, 8 * (MAXCALLS + 1)), 0);
        CHECK_EQ(veo_alloc_mem(h, &ccell, 64), 0);
        CHECK_EQ(veo_write_mem(h, clog, zero, 8), 0);
        double end = now_s() + 0.6;
        int ok = 1;
        while (ok && now_s() < end && ncalls < MAXCALLS) {
            for (int k = 0; ok && k < 2000; k++, ncopies++) {
                uint64_t q = veo_async_write_mem(c0, ccell, &ncopies, 8);
                ok = veo_call_wait_result(c0, q, &r) == VEO_COMMAND_OK && r == 0;
            }
            uint64_t q = veo_async_read_mem(c0, &got, ccell, 8);
            ok = ok && veo_call_wait_result(c0, q, &r) == VEO_COMMAND_OK && r == 0 &&
                 got == ncopies - 1;
            veo_args_clear(a);
            veo_args_set_u64(a, 0, clog);
            veo_args_set_u64(a, 1, ncalls);
            q = veo_call_async(c0, f_log, a);
            ok = ok && veo_call_wait_result(c0, q, &r) == VEO_COMMAND_OK && r == ncalls;
            ncalls++;
            if (ncalls % 4 == 0)
                usleep(2000); /* long enough for the worker to fall asleep */
        }
        CHECK(ok);
        CHECK(ncalls > 0);
        uint64_t *lg = calloc(MAXCALLS + 1, 8);
        CHECK_EQ(veo_read_mem(h, lg, clog, 8 * (ncalls + 1)), 0);
        CHECK_EQ(lg[0], ncalls);
        for (uint64_t i = 0; i < ncalls && i < MAXCALLS; i++)
            if (lg[1 + i] != i) {
                CHECK_EQ(lg[1 + i], i);
                break;
            }
        free(lg);
    }

    free(src);
    free(dst);
    veo_args_free(a);
    CHECK_EQ(veo_context_close(c1), 0);
    CHECK_EQ(veo_proc_destroy(h), 0);
    return check_end();
}
