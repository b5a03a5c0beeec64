/* Thread safety: several VH threads use several VE processes and contexts at
 * once (own contexts and shared ones), with calls, stack arguments, memory
 * transfers and allocation, and check every result. */
#include "veo_test.h"

#include <pthread.h>
#include <stdatomic.h>

#define NPROC 2
#define NTHR 6
#define ITERS 400

static struct veo_proc_handle *procs[NPROC];
static uint64_t libs[NPROC];
static struct veo_thr_ctxt *shared_ctx[NPROC];
static _Atomic int failures;

#define T_CHECK(c)                                                          \
    do {                                                                    \
        if (!(c)) {                                                         \
            fprintf(stderr, "thread check failed line %d: %s\n", __LINE__, #c); \
            atomic_fetch_add(&failures, 1);                                  \
        }                                                                   \
    } while (0)

static void *worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    struct veo_proc_handle *h = procs[t % NPROC];
    uint64_t lib = libs[t % NPROC];
    uint64_t f_add = veo_get_sym(h, lib, "ve_add"), f_incr = veo_get_sym(h, lib, "ve_incr");
    struct veo_thr_ctxt *own = veo_context_open(h);
    struct veo_thr_ctxt *shared = shared_ctx[t % NPROC];
    struct veo_args *a = veo_args_alloc();
    T_CHECK(own && f_add && f_incr && a);
    if (!own || !a)
        return NULL;
    uint64_t mem;
    T_CHECK(veo_alloc_mem(h, &mem, 1u << 16) == 0);
    unsigned char buf[1u << 16], back[1u << 16];
    for (int i = 0; i < ITERS; i++) {
        struct veo_thr_ctxt *c = (i & 1) ? own : shared;
        uint64_t r = 0;
        /* scalar call */
        veo_args_clear(a);
        veo_args_set_i64(a, 0, t * 100000 + i);
        veo_args_set_i64(a, 1, 7);
        uint64_t id = veo_call_async(c, f_add, a);
        T_CHECK(id != VEO_REQUEST_ID_INVALID);
        T_CHECK(veo_call_wait_result(c, id, &r) == VEO_COMMAND_OK);
        T_CHECK((int64_t)r == t * 100000 + i + 7);
        /* INOUT stack call */
        int32_t v[16];
        for (int k = 0; k < 16; k++)
            v[k] = t * 1000 + k;
        veo_args_clear(a);
        veo_args_set_stack(a, VEO_INTENT_INOUT, 0, (char *)v, sizeof v);
        veo_args_set_u64(a, 1, 16);
        veo_args_set_i32(a, 2, i);
        T_CHECK(veo_call_wait_result(c, veo_call_async(c, f_incr, a), &r) == VEO_COMMAND_OK);
        for (int k = 0; k < 16; k++)
            T_CHECK(v[k] == t * 1000 + k + i);
        /* memory round trip through this thread's own VE buffer */
        size_t sz = i % 7 == 0 ? sizeof buf : (size_t)(64 + i);
        memset(buf, (int)(t * 31 + i), sz);
        T_CHECK(veo_write_mem(h, mem, buf, sz) == 0);
        T_CHECK(veo_read_mem(h, back, mem, sz) == 0);
        T_CHECK(memcmp(buf, back, sz) == 0);
        /* allocation churn */
        uint64_t tmp;
        T_CHECK(veo_alloc_mem(h, &tmp, 256 + (size_t)i) == 0);
        T_CHECK(veo_free_mem(h, tmp) == 0);
        /* async transfer on the shared context */
        if (i % 10 == 0) {
            uint64_t w = veo_async_write_mem(shared, mem, buf, 4096);
            uint64_t rd = veo_async_read_mem(shared, back, mem, 4096);
            T_CHECK(veo_call_wait_result(shared, rd, &r) == VEO_COMMAND_OK && r == 0);
            T_CHECK(veo_call_wait_result(shared, w, &r) == VEO_COMMAND_OK && r == 0);
            T_CHECK(memcmp(buf, back, 4096) == 0);
        }
    }
    T_CHECK(veo_free_mem(h, mem) == 0);
    veo_args_free(a);
    T_CHECK(veo_context_close(own) == 0);
    return NULL;
}

int main(void)
{
    check_begin();
    for (int p = 0; p < NPROC; p++) {
        procs[p] = veo_proc_create(0);
        CHECK(procs[p] != NULL);
        if (!procs[p])
            return check_end();
        libs[p] = veo_load_library(procs[p], VE_TESTLIB);
        CHECK(libs[p] != 0);
        veo_context_open(procs[p]); /* main */
        shared_ctx[p] = veo_context_open(procs[p]);
        CHECK(shared_ctx[p] != NULL);
    }
    pthread_t th[NTHR];
    for (int t = 0; t < NTHR; t++)
        CHECK_EQ(pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t), 0);
    for (int t = 0; t < NTHR; t++)
        pthread_join(th[t], NULL);
    CHECK_EQ(atomic_load(&failures), 0);
    for (int p = 0; p < NPROC; p++) {
        CHECK_EQ(veo_num_contexts(procs[p]), 2);
        CHECK_EQ(veo_context_close(shared_ctx[p]), 0);
        CHECK_EQ(veo_proc_destroy(procs[p]), 0);
    }
    CHECK_EQ(count_helpers(getpid()), 0);
    return check_end();
}
