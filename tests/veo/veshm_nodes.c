/* VE-VE shared memory across VE nodes: an area opened with VE_REGISTER_PCI
 * by a VE process on node 0 is attached through the DMAATB
 * (VE_REGISTER_VEHVA) by one on node 1; its VE code reaches the owner's
 * pages by host-memory loads and stores and by DMA, both ways; read-only
 * areas fault a store; the node rules of VEOS. */
#include "veo_test.h"

#include <errno.h>
#include <veo_veshm.h>

#define MB (1ull << 20)
#define AREA (64 * MB)

struct ve {
    struct veo_proc_handle *h;
    uint64_t lib;
    pid_t pid;
};

static struct ve mk(int node)
{
    struct ve v = {veo_proc_create(node), 0, -1};
    CHECK(v.h != NULL);
    if (!v.h)
        exit(1);
    v.lib = veo_load_library(v.h, VESHM_VELIB);
    CHECK(v.lib != 0);
    void *hm;
    CHECK_EQ(veo_alloc_hmem(v.h, &hm, 8), 0);
    v.pid = veo_get_pid_from_hmem(hm);
    veo_free_hmem(hm);
    return v;
}

/* the VEO_COMMAND_* state of a call on the main context (veo_call_sync
 * answers only 0 or -1, as AVEO's does) */
static int call_state(struct veo_proc_handle *h, uint64_t addr, struct veo_args *a, uint64_t *r)
{
    struct veo_thr_ctxt *c = veo_get_context(h, 0);
    if (!c)
        c = veo_context_open(h); /* the first one opened is the main context */
    uint64_t id = veo_call_async(c, addr, a);
    if (id == VEO_REQUEST_ID_INVALID)
        return -1;
    return veo_call_wait_result(c, id, r);
}

static int call(struct ve *v, const char *fn, uint64_t a0, uint64_t a1, uint64_t *r)
{
    struct veo_args *a = veo_args_alloc();
    uint64_t x = 0;
    veo_args_set_u64(a, 0, a0);
    veo_args_set_u64(a, 1, a1);
    int st = call_state(v->h, sym(v->h, v->lib, fn), a, &x);
    veo_args_free(a);
    if (r)
        *r = x;
    return st;
}

static uint64_t ok(struct ve *v, const char *fn, uint64_t a0, uint64_t a1)
{
    uint64_t r = 0;
    CHECK_EQ(call(v, fn, a0, a1, &r), VEO_COMMAND_OK);
    return r;
}

int main(void)
{
    check_begin();
    struct ve o = mk(0), u = mk(1), same = mk(0);
    const long long PCI = VE_REGISTER_PCI, VEHVA = VE_REGISTER_VEHVA;
    void *area = NULL;
    CHECK_EQ(veo_alloc_hmem(o.h, &area, 2 * AREA), 0);
    uint64_t va = (uint64_t)(uintptr_t)veo_get_hmem_addr(area);

    CHECK_EQ(veo_shared_mem_open(area, AREA, 0, PCI), 0);
    CHECK_EQ(veo_shared_mem_open((char *)area + AREA, AREA, 0, VE_REGISTER_NONE), 0);

    /* node rules */
    CHECK_ERRNO(veo_shared_mem_attach(same.h, o.pid, area, AREA, 0, PCI | VEHVA), (void *)-1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_attach(u.h, o.pid, area, AREA, 0, PCI | VE_REGISTER_VEMVA), (void *)-1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_attach(u.h, o.pid, (char *)area + AREA, AREA, 0,
                                      VE_REGISTER_NONE | VEHVA), (void *)-1, EINVAL);

    void *v = veo_shared_mem_attach(u.h, o.pid, area, AREA, 0, PCI | VEHVA);
    CHECK(v != (void *)-1);
    if (v == (void *)-1)
        return check_end();
    uint64_t vehva = (uint64_t)(uintptr_t)v;
    CHECK(!veo_is_ve_addr(v));
    CHECK(vehva >= 0x70000000000ull && vehva < 0x80000000000ull);
    CHECK(veo_shared_mem_attach(u.h, o.pid, area, AREA, 0, PCI | VEHVA) == v); /* counted */

    /* owner's VE code stores, the attacher's loads through the VEHVA, and back */
    ok(&o, "vs_store", va + 4096, 0x0badc0ffee0ddf00ull);
    CHECK_EQ(ok(&u, "vs_lhm", vehva + 4096, 0), 0x0badc0ffee0ddf00ull);
    ok(&u, "vs_shm", vehva + AREA - 8, 0x1234567812345678ull);
    CHECK_EQ(ok(&o, "vs_load", va + AREA - 8, 0), 0x1234567812345678ull);
    uint64_t x = 0;
    CHECK_EQ(veo_read_mem(o.h, &x, va + AREA - 8, 8), 0);
    CHECK_EQ(x, 0x1234567812345678ull);
    /* and by DMA */
    ok(&o, "vs_store", va, 0x7777000077770000ull);
    CHECK_EQ(ok(&u, "vs_dma_first", vehva, 0), 0x7777000077770000ull);

    /* detach: counted (the first leaves the registration); the second drops it */
    CHECK_EQ(veo_shared_mem_detach(u.h, v, VEHVA), 0);
    CHECK_EQ(ok(&u, "vs_lhm", vehva + 4096, 0), 0x0badc0ffee0ddf00ull);
    CHECK_ERRNO(veo_shared_mem_detach(u.h, v, VE_REGISTER_VEMVA), -1, EINVAL);
    CHECK_EQ(veo_shared_mem_detach(u.h, v, VEHVA), 0);
    CHECK_ERRNO(veo_shared_mem_detach(u.h, v, VEHVA), -1, EINVAL);

    /* read-only: loads fine, a store is an exception */
    CHECK_EQ(veo_shared_mem_close(area, AREA, 0, PCI), 0);
    CHECK_EQ(veo_shared_mem_open(area, AREA, 0, PCI | VE_SHM_RO), 0);
    void *r = veo_shared_mem_attach(u.h, o.pid, area, AREA, 0, PCI | VEHVA | VE_SHM_RO);
    CHECK(r != (void *)-1);
    CHECK_EQ(ok(&u, "vs_lhm", (uint64_t)(uintptr_t)r + 4096, 0), 0x0badc0ffee0ddf00ull);
    uint64_t ret;
    CHECK_EQ(call(&u, "vs_shm", (uint64_t)(uintptr_t)r + 4096, 1, &ret), VEO_COMMAND_EXCEPTION);
    CHECK_EQ(ok(&o, "vs_load", va + 4096, 0), 0x0badc0ffee0ddf00ull);

    CHECK_EQ(veo_proc_destroy(u.h), 0);
    CHECK_EQ(veo_proc_destroy(same.h), 0);
    CHECK_EQ(veo_proc_destroy(o.h), 0);
    CHECK_EQ(count_helpers(getpid()), 0);
    return check_end();
}
