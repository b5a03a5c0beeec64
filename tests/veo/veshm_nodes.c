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

static struct test_ve mk(int node)
{
    return test_ve_start(node, VESHM_VELIB);
}

int main(void)
{
    check_begin();
    struct test_ve o = mk(0), u = mk(1), same = mk(0);
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
    test_ve_ok(&o, "vs_store", va + 4096, 0x0badc0ffee0ddf00ull);
    CHECK_EQ(test_ve_ok(&u, "vs_lhm", vehva + 4096, 0), 0x0badc0ffee0ddf00ull);
    test_ve_ok(&u, "vs_shm", vehva + AREA - 8, 0x1234567812345678ull);
    CHECK_EQ(test_ve_ok(&o, "vs_load", va + AREA - 8, 0), 0x1234567812345678ull);
    uint64_t x = 0;
    CHECK_EQ(veo_read_mem(o.h, &x, va + AREA - 8, 8), 0);
    CHECK_EQ(x, 0x1234567812345678ull);
    /* and by DMA */
    test_ve_ok(&o, "vs_store", va, 0x7777000077770000ull);
    CHECK_EQ(test_ve_ok(&u, "vs_dma_first", vehva, 0), 0x7777000077770000ull);

    /* detach: counted (the first leaves the registration); the second drops it */
    CHECK_EQ(veo_shared_mem_detach(u.h, v, VEHVA), 0);
    CHECK_EQ(test_ve_ok(&u, "vs_lhm", vehva + 4096, 0), 0x0badc0ffee0ddf00ull);
    CHECK_ERRNO(veo_shared_mem_detach(u.h, v, VE_REGISTER_VEMVA), -1, EINVAL);
    CHECK_EQ(veo_shared_mem_detach(u.h, v, VEHVA), 0);
    CHECK_ERRNO(veo_shared_mem_detach(u.h, v, VEHVA), -1, EINVAL);

    /* read-only: loads fine, a store is an exception */
    CHECK_EQ(veo_shared_mem_close(area, AREA, 0, PCI), 0);
    CHECK_EQ(veo_shared_mem_open(area, AREA, 0, PCI | VE_SHM_RO), 0);
    void *r = veo_shared_mem_attach(u.h, o.pid, area, AREA, 0, PCI | VEHVA | VE_SHM_RO);
    CHECK(r != (void *)-1);
    CHECK_EQ(test_ve_ok(&u, "vs_lhm", (uint64_t)(uintptr_t)r + 4096, 0), 0x0badc0ffee0ddf00ull);
    uint64_t ret;
    CHECK_EQ(test_ve_call(&u, "vs_shm", (uint64_t)(uintptr_t)r + 4096, 1, &ret), VEO_COMMAND_EXCEPTION);
    CHECK_EQ(test_ve_ok(&o, "vs_load", va + 4096, 0), 0x0badc0ffee0ddf00ull);

    CHECK_EQ(veo_proc_destroy(u.h), 0);
    CHECK_EQ(veo_proc_destroy(same.h), 0);
    CHECK_EQ(veo_proc_destroy(o.h), 0);
    CHECK_EQ(count_helpers(getpid()), 0);
    return check_end();
}
