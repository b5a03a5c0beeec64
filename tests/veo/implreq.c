/* AVEO's implicit requests. On AVEO, what the VH asks of a VE process
 * outside any context (veo_load_library, veo_get_sym, also inside
 * veo_call_async_by_name, veo_alloc_mem, veo_free_mem, veo_read_mem,
 * veo_write_mem, veo_hmemcpy) runs as requests of its main context, and
 * veo_context_open and veo_context_sync queue one there too: they take the
 * main context's request ids (so a client's first request id is not 0) and
 * their replies are in the history VE code reads with veo_prev_req_result.
 * Queued copies and allocations of any context leave their replies there
 * too, a copy in AVEO's pieces. This test counts the ids and reads the
 * history back, entry by entry, for each of them, on an idle main context,
 * behind a call still running, and on a second context. */
#include <errno.h>
#include <pthread.h>

#include "veo_test.h"

#define NDUMP 24
#define NONE (~0ull) /* veo_prev_req_result failed: no value, or nothing */

static uint64_t f_dump, f_sleep;

static uint64_t vh_func(void *arg)
{
    return *(uint64_t *)arg + 1;
}

/* the calling context's history as VE code sees it, through a call that
 * must get request id want */
static int dump(struct veo_thr_ctxt *c, uint64_t want, uint64_t out[NDUMP])
{
    struct veo_args *a = veo_args_alloc();
    uint64_t r = 0;
    memset(out, 0xa5, NDUMP * sizeof out[0]);
    veo_args_set_stack(a, VEO_INTENT_OUT, 0, (char *)out, NDUMP * sizeof out[0]);
    veo_args_set_i64(a, 1, NDUMP);
    uint64_t id = veo_call_async(c, f_dump, a);
    int ok = id == want;
    if (!ok)
        fprintf(stderr, "dump: request id %llu, expected %llu\n", (unsigned long long)id,
                (unsigned long long)want);
    ok &= veo_call_wait_result(c, id, &r) == VEO_COMMAND_OK && r == NDUMP;
    veo_args_free(a);
    return ok;
}

/* out[0..n) equals want[0..n) */
static int same(const uint64_t *out, const uint64_t *want, int n, const char *what)
{
    int ok = 1;
    for (int i = 0; i < n; i++)
        if (out[i] != want[i]) {
            fprintf(stderr, "%s: entry %d is %#llx, expected %#llx\n", what, i,
                    (unsigned long long)out[i], (unsigned long long)want[i]);
            ok = 0;
        }
    return ok;
}

/* ---- many threads: every implicit request gets exactly one id ---- */
#define STRESS_THREADS 4
#define STRESS_N 5000
struct stress {
    struct veo_proc_handle *h;
    uint64_t ve;
    int bad;
};

static void *stress_writer(void *p)
{
    struct stress *st = p;
    uint64_t v = 7;
    for (int i = 0; i < STRESS_N; i++)
        st->bad |= veo_write_mem(st->h, st->ve, &v, sizeof v) != 0;
    return NULL;
}

static void *block_writer(void *p)
{
    struct stress *st = p;
    uint64_t v = 9;
    st->bad |= veo_write_mem(st->h, st->ve, &v, sizeof v) != 0;
    return NULL;
}

int main(void)
{
    check_begin();
    /* a second context is opened below (AVEO's rule); it also makes AVEO's
     * copy pieces 1 MiB (a channel buffer of 4 MiB) */
    setenv("VE_OMP_NUM_THREADS", "1", 1);
    struct veo_proc_handle *h = veo_proc_create(0);
    CHECK(h != NULL);
    if (!h)
        return check_end();
    uint64_t out[NDUMP];

    /* ---- AVEO's test_prev_res, counted: the open (id 0, no entry), the
     * library (1), the allocation (2), the lookup inside
     * veo_call_async_by_name (3): the call is id 4 and sees the allocation
     * at offset 1 */
    struct veo_thr_ctxt *m = veo_context_open(h);
    CHECK(m != NULL);
    uint64_t lib = veo_load_library(h, VE_TESTLIB), buf = 0, r = 0;
    CHECK(lib != 0);
    CHECK_EQ(veo_alloc_mem(h, &buf, 8 << 20), 0);
    struct veo_args *a = veo_args_alloc();
    veo_args_set_i64(a, 0, 1);
    uint64_t id = veo_call_async_by_name(m, lib, "ve_prev_result", a);
    CHECK_EQ(id, 4);
    CHECK_EQ(veo_call_wait_result(m, id, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, buf);
    /* known symbols cost no request (AVEO's cache): veo_get_sym of it now
     * and the next call by name take no id */
    uint64_t f_prev = veo_get_sym(h, lib, "ve_prev_result");
    CHECK(f_prev != 0);
    veo_args_set_i64(a, 0, 1);
    id = veo_call_async_by_name(m, lib, "ve_prev_result", a);
    CHECK_EQ(id, 5);
    CHECK_EQ(veo_call_wait_result(m, id, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, f_prev); /* the lookup's entry, behind call 4's */

    /* each lookup of a new name is a request (a name not found too, and it
     * is not remembered); known ones are not */
    f_dump = veo_get_sym(h, lib, "ve_prev_dump");        /* 6 */
    CHECK(f_dump != 0);
    CHECK_EQ(veo_get_sym(h, lib, "ve_prev_dump"), f_dump);
    errno = 0;
    CHECK_EQ(veo_get_sym(h, lib, "no_such_symbol_here"), 0); /* 7 */
    f_sleep = veo_get_sym(h, lib, "ve_sleep_ms");         /* 8 */
    CHECK(f_sleep != 0);
    /* the history so far, newest first; the dump is id 9 */
    CHECK(dump(m, 9, out));
    {
        uint64_t want[] = {f_sleep, 0, f_dump, f_prev, buf, f_prev, buf, lib};
        CHECK(same(out, want, 8, "lookups"));
        /* then the stack pointer the main context reported when it started
         * (the open of id 0 left nothing), and nothing before it */
        CHECK(out[8] != 0 && out[8] != NONE);
        CHECK_EQ(out[9], NONE);
    }

    /* ---- copies and allocations of the VH, on the idle main context */
    uint64_t v = 0x1234, rd = 0, buf2 = 0;
    size_t big = 1536 << 10, huge = 6 << 20;
    char *bigbuf = calloc(1, huge);
    CHECK(bigbuf != NULL);
    CHECK_EQ(veo_write_mem(h, buf, &v, sizeof v), 0);     /* 10: empty */
    CHECK_EQ(veo_read_mem(h, &rd, buf, sizeof rd), 0);    /* 11: &rd */
    CHECK_EQ(rd, v);
    CHECK_EQ(veo_write_mem(h, buf, &v, 0), 0);            /* 12: no entry */
    /* 1.5 MiB read: AVEO cuts it in 4 pieces of 393216 bytes (13-16),
     * each leaving the VH address it went to */
    CHECK_EQ(veo_read_mem(h, bigbuf, buf, big), 0);
    /* 6 MiB write: 6 pieces of 1 MiB (17-22), empty entries */
    CHECK_EQ(veo_write_mem(h, buf, bigbuf, huge), 0);
    CHECK_EQ(veo_alloc_mem(h, &buf2, 64), 0);              /* 23: buf2 */
    CHECK_EQ(veo_free_mem(h, buf2), 0);                    /* 24: empty */
    uint64_t vh = veo_call_async_vh(m, vh_func, &v);       /* 25: no entry */
    CHECK_EQ(vh, 25);
    CHECK_EQ(veo_call_wait_result(m, vh, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, v + 1);
    veo_context_sync(m);                                   /* 26: no entry */
    CHECK(dump(m, 27, out));
    {
        uint64_t p = 393216, bb = (uint64_t)(uintptr_t)bigbuf;
        uint64_t want[] = {NONE, buf2, NONE, NONE, NONE, NONE, NONE, NONE,
                           bb + 3 * p, bb + 2 * p, bb + p, bb,
                           (uint64_t)(uintptr_t)&rd, NONE,
                           NDUMP /* the previous dump's result */, f_sleep};
        CHECK(same(out, want, 16, "copies"));
    }

    /* ---- behind a call still running, the same: ids in order, entries in
     * queue order */
    veo_args_clear(a);
    veo_args_set_u64(a, 0, 300);
    uint64_t slow = veo_call_async(m, f_sleep, a);         /* 28 */
    CHECK_EQ(slow, 28);
    uint64_t buf3 = 0;
    CHECK_EQ(veo_alloc_mem(h, &buf3, 64), 0);              /* 29: buf3 */
    CHECK_EQ(veo_write_mem(h, buf3, &v, sizeof v), 0);    /* 30: empty */
    CHECK_EQ(veo_call_peek_result(m, slow, &r), VEO_COMMAND_UNFINISHED);
    CHECK(dump(m, 31, out));
    {
        uint64_t want[] = {NONE, buf3, 300, NDUMP};
        CHECK(same(out, want, 4, "behind a call"));
    }
    CHECK_EQ(veo_call_wait_result(m, slow, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 300);
    /* an implicit request's id was never the caller's to collect */
    CHECK_EQ(veo_call_wait_result(m, 29, &r), VEO_COMMAND_ERROR);

    /* ---- a second context: its open is a request of the main context
     * (32), whose reply (0) is in the main context's history */
    struct veo_thr_ctxt *c2 = veo_context_open(h);
    CHECK(c2 != NULL);
    CHECK(dump(m, 33, out));
    CHECK_EQ(out[0], 0);
    CHECK_EQ(out[1], NDUMP);
    if (c2) {
        /* queued operations of c2 on c2: copies in pieces (the caller gets
         * the last piece's id), allocation and free with their replies, a
         * VH function with none */
        uint64_t rd2 = 0, w, q, got;
        size_t mid = 3 << 20; /* above 2 MiB: AVEO writes it in 4 pieces */
        w = veo_async_write_mem(c2, buf, &v, sizeof v);
        CHECK_EQ(w, 0);
        CHECK_EQ(veo_call_wait_result(c2, w, &got), VEO_COMMAND_OK);
        q = veo_async_read_mem(c2, &rd2, buf, sizeof rd2);
        CHECK_EQ(q, 1);
        CHECK_EQ(veo_call_wait_result(c2, q, &got), VEO_COMMAND_OK);
        CHECK_EQ(rd2, v);
        w = veo_async_write_mem(c2, buf, bigbuf, mid);
        CHECK_EQ(w, 5);
        CHECK_EQ(veo_call_wait_result(c2, w, &got), VEO_COMMAND_OK);
        uint64_t al = veo_alloc_mem_async(c2, 128), addr = 0;
        CHECK_EQ(al, 6);
        CHECK_EQ(veo_call_wait_result(c2, al, &addr), VEO_COMMAND_OK);
        CHECK(addr != 0);
        uint64_t fr = veo_free_mem_async(c2, addr);
        CHECK_EQ(fr, 7);
        CHECK_EQ(veo_call_wait_result(c2, fr, &got), VEO_COMMAND_OK);
        uint64_t vh2 = veo_call_async_vh(c2, vh_func, &v);
        CHECK_EQ(vh2, 8);
        CHECK(dump(c2, 9, out));
        {
            uint64_t want[] = {NONE, addr, NONE, NONE, NONE, NONE,
                               (uint64_t)(uintptr_t)&rd2, NONE};
            CHECK(same(out, want, 8, "second context"));
            CHECK(out[8] != 0 && out[8] != NONE); /* its stack pointer */
            CHECK_EQ(out[9], NONE);
        }
        CHECK_EQ(veo_context_close(c2), 0);
    }

    /* ---- writers on several threads, calls on the main context at the
     * same time: the ids of the calls only grow, and the next id after
     * all of them counts every write once (queues of recorded requests
     * fill up and are folded by the writers themselves, or by the calls) */
    {
        struct stress st = {h, buf, 0};
        pthread_t th[STRESS_THREADS];
        uint64_t f_add = veo_get_sym(h, lib, "ve_add"); /* 34 */
        uint64_t prev = 34, calls = 0;
        for (int i = 0; i < STRESS_THREADS; i++)
            pthread_create(&th[i], NULL, stress_writer, &st);
        veo_args_clear(a);
        veo_args_set_i64(a, 0, 1);
        veo_args_set_i64(a, 1, 2);
        for (int i = 0; i < 300; i++) {
            uint64_t cid = veo_call_async(m, f_add, a);
            CHECK(cid != VEO_REQUEST_ID_INVALID && cid > prev);
            CHECK_EQ(veo_call_wait_result(m, cid, &r), VEO_COMMAND_OK);
            prev = cid;
            calls++;
        }
        for (int i = 0; i < STRESS_THREADS; i++)
            pthread_join(th[i], NULL);
        CHECK_EQ(st.bad, 0);
        CHECK(dump(m, 35 + calls + (uint64_t)STRESS_THREADS * STRESS_N, out));
        CHECK(out[0] == NONE || out[0] == 3); /* a write, or the last call */
    }

    /* ---- a request block keeps its requests together: another thread's
     * implicit request during it goes after the block (as AVEO's waits for
     * the block); the block holder's own earlier one goes before it */
    {
        struct stress st = {h, buf, 0};
        pthread_t th;
        uint64_t f_add = veo_get_sym(h, lib, "ve_add"); /* known: no id */
        uint64_t w = 5;
        CHECK_EQ(veo_write_mem(h, buf, &w, sizeof w), 0); /* ours, recorded */
        veo_req_block_begin(m);
        CHECK_EQ(pthread_create(&th, NULL, block_writer, &st), 0);
        usleep(50 * 1000); /* the writer has copied and waits for the block */
        veo_args_clear(a);
        veo_args_set_i64(a, 0, 40);
        veo_args_set_i64(a, 1, 2);
        uint64_t cid = veo_call_async(m, f_add, a);
        uint64_t dout[NDUMP];
        struct veo_args *da = veo_args_alloc();
        veo_args_set_stack(da, VEO_INTENT_OUT, 0, (char *)dout, sizeof dout);
        veo_args_set_i64(da, 1, NDUMP);
        uint64_t did = veo_call_async(m, f_dump, da);
        veo_req_block_end(m);
        CHECK_EQ(veo_call_wait_result(m, cid, &r), VEO_COMMAND_OK);
        CHECK_EQ(veo_call_wait_result(m, did, &r), VEO_COMMAND_OK);
        CHECK_EQ(did, cid + 1);
        CHECK_EQ(dout[0], 42);   /* the block's call, nothing between */
        CHECK_EQ(dout[1], NONE); /* our write before the block */
        pthread_join(th, NULL);
        CHECK_EQ(st.bad, 0);
        CHECK(dump(m, did + 2, out)); /* the other thread's write: did + 1 */
        CHECK_EQ(out[0], NONE);
        CHECK_EQ(out[1], NDUMP);
        veo_args_free(da);
    }

    free(bigbuf);
    veo_args_free(a);
    CHECK_EQ(veo_free_mem(h, buf), 0);
    CHECK_EQ(veo_proc_destroy(h), 0);
    return check_end();
}
