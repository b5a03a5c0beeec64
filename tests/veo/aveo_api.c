/* The parts of AVEO's API that sit beside the calls: hooks after the memory
 * calls (and the hmem pair built on them), request blocks, veo_call_sync on
 * an exception, the VE architecture, a context closed after its process was
 * destroyed. */
#include "veo_test.h"

#include <veo_vedma.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

/* What the last hook saw. */
static struct {
    int calls;
    void *payload;
    void *first;  /* handle or context */
    uint64_t val; /* address (or *addr for veo_alloc_mem) */
    size_t size;
    char order[16];
    int norder;
} seen;

static void note(char tag)
{
    if (seen.norder < (int)sizeof seen.order - 1)
        seen.order[seen.norder++] = tag;
}

static void hook_alloc(void *payload, ...)
{
    va_list ap;
    va_start(ap, payload);
    seen.calls++;
    seen.payload = payload;
    seen.first = va_arg(ap, void *);
    uint64_t *p = va_arg(ap, uint64_t *);
    seen.val = *p;
    seen.size = va_arg(ap, size_t);
    va_end(ap);
    note('a');
}

static void hook_addr(void *payload, ...)
{
    va_list ap;
    va_start(ap, payload);
    seen.calls++;
    seen.payload = payload;
    seen.first = va_arg(ap, void *);
    seen.val = va_arg(ap, uint64_t);
    va_end(ap);
    note('f');
}

static void hook_addr_size(void *payload, ...)
{
    va_list ap;
    va_start(ap, payload);
    seen.calls++;
    seen.payload = payload;
    seen.first = va_arg(ap, void *);
    seen.val = va_arg(ap, uint64_t);
    seen.size = va_arg(ap, size_t);
    va_end(ap);
    note('h');
}

static void *hm_alloc_seen;
static size_t hm_alloc_size;
static uint64_t hm_free_seen;
static void hm_alloc(void *p, size_t n)
{
    hm_alloc_seen = p;
    hm_alloc_size = n;
}
static void hm_free(uint64_t p)
{
    hm_free_seen = p;
}

struct blocker {
    struct veo_thr_ctxt *c;
    uint64_t fn, id;
    _Atomic int done;
};

static void *submit_thread(void *p)
{
    struct blocker *b = p;
    struct veo_args *a = veo_args_alloc();
    b->id = veo_call_async(b->c, b->fn, a);
    atomic_store(&b->done, 1);
    veo_args_free(a);
    return NULL;
}

int main(void)
{
    check_begin();
    int token = 0;
    struct veo_setup s;
    if (veo_setup(&s, 0, VE_TESTLIB, 0))
        return check_end();
    struct veo_proc_handle *h = s.h;
    uint64_t lib = s.lib;
    uint64_t f_empty = sym(h, lib, "ve_empty");
    struct veo_thr_ctxt *c = veo_context_open(h);
    CHECK(c != NULL);

    /* hooks on the synchronous calls, with AVEO's arguments */
    CHECK(veo_get_hook((void *)veo_alloc_mem) == NULL);
    veo_register_hook((void *)veo_alloc_mem, hook_alloc, &token);
    veo_register_hook((void *)veo_free_mem, hook_addr, &token);
    CHECK(veo_get_hook((void *)veo_alloc_mem) == (void *)hook_alloc);
    uint64_t addr = 0;
    CHECK_EQ(veo_alloc_mem(h, &addr, 4096), 0);
    CHECK_EQ(seen.calls, 1);
    CHECK(seen.payload == &token && seen.first == h);
    CHECK_EQ(seen.val, addr);
    CHECK_EQ(seen.size, 4096);
    CHECK_EQ(veo_free_mem(h, addr), 0);
    CHECK_EQ(seen.calls, 2);
    CHECK_EQ(seen.val, addr);
    /* a failed call runs no hook */
    CHECK(veo_free_mem(h, addr) != 0);
    CHECK_EQ(seen.calls, 2);

    /* hmem: veo_alloc_mem's hook first, then veo_alloc_hmem's */
    veo_register_hook((void *)veo_alloc_hmem, hook_addr_size, &token);
    seen.norder = 0;
    void *hm = NULL;
    CHECK_EQ(veo_alloc_hmem(h, &hm, 128), 0);
    CHECK(strcmp(seen.order, "ah") == 0);
    CHECK_EQ(seen.val, (uint64_t)(uintptr_t)hm);
    CHECK_EQ(seen.size, 128);
    veo_register_hook((void *)veo_free_hmem, hook_addr, &token);
    CHECK_EQ(veo_free_hmem(hm), 0);
    CHECK_EQ(seen.val, (uint64_t)(uintptr_t)hm);
    veo_unregister_hook((void *)veo_alloc_hmem);
    veo_unregister_hook((void *)veo_free_hmem);
    veo_unregister_hook((void *)veo_alloc_mem);
    veo_unregister_hook((void *)veo_free_mem);
    CHECK(veo_get_hook((void *)veo_alloc_mem) == NULL);
    int before = seen.calls;
    CHECK_EQ(veo_alloc_mem(h, &addr, 64), 0);
    CHECK_EQ(veo_free_mem(h, addr), 0);
    CHECK_EQ(seen.calls, before);

    /* hooks on the queued calls: a VH request behind the operation runs the
     * hook and carries its result */
    veo_register_hook((void *)veo_alloc_mem_async, hook_addr_size, &token);
    veo_register_hook((void *)veo_free_mem_async, hook_addr, &token);
    uint64_t id = veo_alloc_mem_async(c, 256), r = 0;
    CHECK(id != VEO_REQUEST_ID_INVALID);
    CHECK_EQ(veo_call_wait_result(c, id, &r), VEO_COMMAND_OK);
    CHECK(r != 0);
    CHECK(seen.first == c && seen.val == r && seen.size == 256);
    id = veo_free_mem_async(c, r);
    uint64_t fr = 1;
    CHECK_EQ(veo_call_wait_result(c, id, &fr), VEO_COMMAND_OK);
    CHECK_EQ(fr, 0);
    CHECK_EQ(seen.val, r);
    veo_unregister_hook((void *)veo_alloc_mem_async);
    veo_unregister_hook((void *)veo_free_mem_async);

    /* the hmem pair reports hmem addresses of the process */
    veo_register_hmem_hook_functions(hm_alloc, hm_free);
    CHECK_EQ(veo_alloc_mem(h, &addr, 512), 0);
    CHECK(hm_alloc_seen == veo_set_proc_identifier((void *)(uintptr_t)addr, veo_proc_identifier(h)));
    CHECK_EQ(hm_alloc_size, 512);
    CHECK_EQ(veo_free_mem(h, addr), 0);
    CHECK_EQ(hm_free_seen, (uint64_t)(uintptr_t)hm_alloc_seen);
    id = veo_alloc_mem_async(c, 64);
    CHECK_EQ(veo_call_wait_result(c, id, &r), VEO_COMMAND_OK);
    CHECK(veo_get_hmem_addr(hm_alloc_seen) == (void *)(uintptr_t)r);
    CHECK(veo_is_ve_addr(hm_alloc_seen));
    id = veo_free_mem_async(c, r);
    CHECK_EQ(veo_call_wait_result(c, id, &r), VEO_COMMAND_OK);
    CHECK(veo_get_hmem_addr((void *)(uintptr_t)hm_free_seen) == veo_get_hmem_addr(hm_alloc_seen));
    veo_unregister_hmem_hook_functions();
    CHECK(veo_get_hook((void *)veo_free_mem) == NULL);

    /* request block: another thread's request waits for the block's end,
     * the block's requests get consecutive ids */
    struct blocker b = {.c = c, .fn = f_empty};
    pthread_t t;
    veo_req_block_begin(c);
    veo_req_block_begin(c); /* blocks nest */
    CHECK_EQ(pthread_create(&t, NULL, submit_thread, &b), 0);
    usleep(100000);
    CHECK_EQ(atomic_load(&b.done), 0);
    struct veo_args *a = veo_args_alloc();
    uint64_t ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = veo_call_async(c, f_empty, a);
    CHECK(ids[1] == ids[0] + 1 && ids[2] == ids[1] + 1);
    veo_req_block_end(c);
    usleep(50000);
    CHECK_EQ(atomic_load(&b.done), 0);
    veo_req_block_end(c);
    pthread_join(t, NULL);
    CHECK_EQ(b.id, ids[2] + 1);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(veo_call_wait_result(c, ids[i], &r), VEO_COMMAND_OK);
    CHECK_EQ(veo_call_wait_result(c, b.id, &r), VEO_COMMAND_OK);

    veo_access_pcircvsyc_register(h); /* a fence here; must not fail */

    /* the software VE presents itself as a VE3; no such node: 0 */
    CHECK_EQ(veo_get_ve_arch(0), 3);
    CHECK_EQ(veo_get_ve_arch(-1), 3);
    CHECK_EQ(veo_get_ve_arch(4096), 0);

    /* veo_call_sync: -1 on a VE exception, as AVEO */
    r = 7;
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_crash"), a, &r), -1);
    veo_args_free(a);

    /* a context closed after its process was destroyed (bindings finalize
     * in any order): nothing touched (ASan builds check), and it succeeds,
     * as in AVEO (veo.stale_ctx has the rest) */
    CHECK_EQ(veo_proc_destroy(h), 0);
    CHECK_EQ(veo_context_close(c), 0);
    return check_end();
}
