/* VE-VE shared memory (<veo_veshm.h>) between two VE processes: what VE code
 * of one stores, VE code of the other loads, both ways; the VH sees it
 * through either process; attach counts, detach gives the attacher its own
 * memory back, close stops new attaches; a read-only area faults a store;
 * every error in NEC's order. Written from AVEO's and VEOS's documented
 * behaviour. */
#include "veo_test.h"

#include <errno.h>
#include <veo_veshm.h>

#define MB (1ull << 20)
#define AREA (64 * MB)

static struct test_ve mk(void)
{
    return test_ve_start(0, VESHM_VELIB);
}

/* fn(a0, a1): the result; the state in *state, or checked to be
 * VEO_COMMAND_OK when state is NULL */
static uint64_t call(struct test_ve *v, const char *fn, uint64_t a0, uint64_t a1, int *state)
{
    uint64_t r = 0;
    int st = test_ve_call(v, fn, a0, a1, &r);
    if (state)
        *state = st;
    else
        CHECK_EQ(st, VEO_COMMAND_OK);
    return r;
}

static uint64_t ve_addr(void *hmem)
{
    return (uint64_t)(uintptr_t)veo_get_hmem_addr(hmem);
}

int main(void)
{
    check_begin();
    struct test_ve o = mk(), u = mk();
    void *area = NULL;
    const long long NONE = VE_REGISTER_NONE, VEMVA = VE_REGISTER_VEMVA;

    CHECK_EQ(veo_alloc_hmem(o.h, &area, AREA), 0);
    uint64_t va = ve_addr(area);
    CHECK_EQ(va % AREA, 0);

    /* ---- open: errors in VEOS's order ---- */
    CHECK_ERRNO(veo_shared_mem_open(NULL, AREA, 0, NONE), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_open((void *)(uintptr_t)va, AREA, 0, NONE), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_open(area, AREA, 0, 0), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_open(area, AREA, 0, NONE | VE_REGISTER_PCI), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_open(area, AREA, 0, NONE | VE_PCISYNC), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_open(area, AREA, 0, NONE | VE_MAP_256MB), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_open(area, AREA, 0, NONE | VEMVA), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_open(area, AREA, 4, VE_REGISTER_PCI | VE_PCISYNC), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_open(area, 0, 0, NONE), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_open((char *)area + 4096, 2 * MB, 0, NONE), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_open(area, 2 * MB + 4096, 0, NONE), -1, EINVAL);
    /* VE_REGISTER_PCI: the 64 MiB page of the PCIATB */
    CHECK_ERRNO(veo_shared_mem_open((char *)area + 2 * MB, 2 * MB, 0, VE_REGISTER_PCI), -1, EINVAL);
    /* past the end of VE memory */
    CHECK_ERRNO(veo_shared_mem_open(area, 1ull << 41, 0, NONE), -1, EINVAL);
    /* a range VE code made read-only */
    CHECK_EQ(call(&o, "vs_protect", va + AREA - 2 * MB, 2 * MB, NULL), 0);
    CHECK_ERRNO(veo_shared_mem_open((char *)area + AREA - 2 * MB, 2 * MB, 0, NONE), -1, EACCES);

    CHECK_EQ(veo_shared_mem_open(area, 32 * MB, 0, NONE), 0);

    /* ---- attach: errors ---- */
    CHECK_ERRNO(veo_shared_mem_attach(NULL, o.pid, area, 32 * MB, 0, NONE | VEMVA), (void *)-1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_attach(u.h, o.pid, area, 32 * MB, 0, NONE | VEMVA | VE_REGISTER_VEHVA), (void *)-1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_attach(u.h, o.pid, area, 32 * MB, 0, VEMVA), (void *)-1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_attach(u.h, o.pid, area, 32 * MB, 0, NONE | VEMVA | 0x100), (void *)-1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_attach(o.h, o.pid, area, 32 * MB, 0, NONE | VEMVA), (void *)-1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_attach(u.h, o.pid, area, 32 * MB, 0, NONE | VE_REGISTER_VEHVA), (void *)-1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_attach(u.h, 1, area, 32 * MB, 0, NONE | VEMVA), (void *)-1, ESRCH);
    CHECK_ERRNO(veo_shared_mem_attach(u.h, o.pid, area, 16 * MB, 0, NONE | VEMVA), (void *)-1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_attach(u.h, o.pid, area, 32 * MB, 0, NONE | VEMVA | VE_SHM_RO), (void *)-1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_attach(u.h, o.pid, area, 32 * MB, 0, VE_REGISTER_PCI | VEMVA), (void *)-1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_attach(u.h, o.pid, area, 32 * MB, 0, VE_MEM_LOCAL), (void *)-1, EINVAL);

    /* ---- attach and share ---- */
    void *at = veo_shared_mem_attach(u.h, o.pid, area, 32 * MB, 0, NONE | VEMVA);
    CHECK(at != (void *)-1);
    if (at == (void *)-1)
        return check_end();
    CHECK(veo_is_ve_addr(at));
    CHECK_EQ(veo_get_proc_identifier_from_hmem(at), u.ident);
    uint64_t ua = ve_addr(at);
    CHECK_EQ(ua % (2 * MB), 0);

    /* VE code of the owner stores, VE code of the attacher loads */
    call(&o, "vs_store", va + 8, 0x1111222233334444ull, NULL);
    CHECK_EQ(call(&u, "vs_load", ua + 8, 0, NULL), 0x1111222233334444ull);
    /* VE code may also use the hmem pointers themselves, as on the card:
     * the attacher's reaches the owner's pages too */
    CHECK_EQ(call(&u, "vs_load", (uint64_t)(uintptr_t)at + 8, 0, NULL), 0x1111222233334444ull);
    call(&o, "vs_store", (uint64_t)(uintptr_t)area + 24, 0x2424242424242424ull, NULL);
    CHECK_EQ(call(&u, "vs_load", (uint64_t)(uintptr_t)at + 24, 0, NULL), 0x2424242424242424ull);
    call(&u, "vs_store", (uint64_t)(uintptr_t)at + 24, 0, NULL);
    CHECK_EQ(call(&o, "vs_load", va + 24, 0, NULL), 0);
    /* and the other way, at the far end of the area */
    call(&u, "vs_store", ua + 32 * MB - 8, 0x5555666677778888ull, NULL);
    CHECK_EQ(call(&o, "vs_load", va + 32 * MB - 8, 0, NULL), 0x5555666677778888ull);
    /* the VH sees both through either process, small and large transfers */
    uint64_t x = 0;
    CHECK_EQ(veo_read_mem(o.h, &x, va + 32 * MB - 8, 8), 0);
    CHECK_EQ(x, 0x5555666677778888ull);
    CHECK_EQ(veo_read_mem(u.h, &x, ua + 8, 8), 0);
    CHECK_EQ(x, 0x1111222233334444ull);
    enum { BIG = 256 * 1024 };
    uint64_t *buf = malloc(BIG), *back = malloc(BIG);
    for (size_t i = 0; i < BIG / 8; i++)
        buf[i] = i * 0x9e3779b97f4a7c15ull;
    CHECK_EQ(veo_write_mem(u.h, ua + MB, buf, BIG), 0);
    CHECK_EQ(veo_read_mem(o.h, back, va + MB, BIG), 0);
    CHECK(memcmp(buf, back, BIG) == 0);
    uint64_t sum = 0;
    for (size_t i = 0; i < BIG / 8; i++)
        sum += buf[i];
    CHECK_EQ(call(&o, "vs_sum", va + MB, BIG / 8, NULL), sum);
    /* veo_hmemcpy into the attach address reaches the owner's VE code */
    char hello[] = "HELLO-VESHM";
    CHECK_EQ(veo_hmemcpy(at, hello, 8), 0);
    uint64_t h8;
    memcpy(&h8, hello, 8);
    CHECK_EQ(call(&o, "vs_load", va, 0, NULL), h8);

    /* the same area attached again: the same address, counted */
    void *at2 = veo_shared_mem_attach(u.h, o.pid, area, 32 * MB, 0, NONE | VEMVA);
    CHECK(at2 == at);
    CHECK_EQ(veo_shared_mem_detach(u.h, at, VEMVA), 0);
    CHECK_EQ(call(&u, "vs_load", ua + 8, 0, NULL), 0x1111222233334444ull);

    /* detach: errors */
    CHECK_ERRNO(veo_shared_mem_detach(NULL, at, VEMVA), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_detach(u.h, at, VEMVA | VE_MEM_LOCAL), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_detach(u.h, at, VE_REGISTER_VEHVA), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_detach(u.h, at, VEMVA | NONE), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_detach(o.h, at, VEMVA), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_detach(u.h, (char *)at + 2 * MB, VEMVA), -1, EINVAL);

    /* close while attached: no new attach, the attachment keeps sharing */
    CHECK_ERRNO(veo_shared_mem_close(area, 32 * MB, 0, VEMVA), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_close(area, 16 * MB, 0, NONE), -1, EINVAL);
    CHECK_ERRNO(veo_shared_mem_close(NULL, 32 * MB, 0, NONE), -1, EINVAL);
    CHECK_EQ(veo_shared_mem_close(area, 32 * MB, 0, NONE), 0);
    CHECK_ERRNO(veo_shared_mem_close(area, 32 * MB, 0, NONE), -1, EINVAL);
    struct test_ve w = mk();
    CHECK_ERRNO(veo_shared_mem_attach(w.h, o.pid, area, 32 * MB, 0, NONE | VEMVA), (void *)-1, EINVAL);
    call(&o, "vs_store", va + 16, 77, NULL);
    CHECK_EQ(call(&u, "vs_load", ua + 16, 0, NULL), 77);

    /* the last detach gives the attacher its own (untouched) memory back */
    CHECK_EQ(veo_shared_mem_detach(u.h, at, VEMVA), 0);
    CHECK_EQ(call(&u, "vs_load", ua + 16, 0, NULL), 0);
    CHECK_EQ(call(&u, "vs_load", (uint64_t)(uintptr_t)at + 16, 0, NULL), 0); /* its hmem address too */
    CHECK_EQ(call(&o, "vs_load", va + 16, 0, NULL), 77);
    CHECK_ERRNO(veo_shared_mem_detach(u.h, at, VEMVA), -1, EINVAL);

    /* opens count: two opens, one close, still attachable */
    CHECK_EQ(veo_shared_mem_open(area, 2 * MB, 0, NONE), 0);
    CHECK_EQ(veo_shared_mem_open(area, 2 * MB, 0, NONE), 0);
    CHECK_EQ(veo_shared_mem_close(area, 2 * MB, 0, NONE), 0);
    void *at3 = veo_shared_mem_attach(w.h, o.pid, area, 2 * MB, 0, NONE | VEMVA);
    CHECK(at3 != (void *)-1);
    CHECK_EQ(call(&w, "vs_load", ve_addr(at3) + 16, 0, NULL), 77);
    CHECK_EQ(veo_shared_mem_detach(w.h, at3, VEMVA), 0);
    CHECK_EQ(veo_shared_mem_close(area, 2 * MB, 0, NONE), 0);
    CHECK_ERRNO(veo_shared_mem_attach(w.h, o.pid, area, 2 * MB, 0, NONE | VEMVA), (void *)-1, EINVAL);

    /* VE_MEM_LOCAL: the own memory into the own DMAATB */
    /* (the last 2 MiB were made read-only above: not registrable, EACCES) */
    CHECK_ERRNO(veo_shared_mem_attach(o.h, o.pid, area, AREA, 0, VE_MEM_LOCAL), (void *)-1, EACCES);
    void *vehva = veo_shared_mem_attach(o.h, o.pid, area, 32 * MB, 0, VE_MEM_LOCAL);
    CHECK(vehva != (void *)-1);
    CHECK((uint64_t)(uintptr_t)vehva >= 0x8800000000ull); /* a VEHVA (2 MiB pages) */
    CHECK_EQ(veo_shared_mem_detach(o.h, vehva, VE_MEM_LOCAL), 0);
    CHECK_ERRNO(veo_shared_mem_detach(o.h, vehva, VE_MEM_LOCAL), -1, EINVAL);

    /* the owner goes away: the attacher keeps the pages until it detaches */
    CHECK_EQ(veo_shared_mem_open(area, 4 * MB, 0, NONE | VE_SHM_RO), 0);
    void *ro = veo_shared_mem_attach(w.h, o.pid, area, 4 * MB, 0, NONE | VEMVA | VE_SHM_RO);
    CHECK(ro != (void *)-1);
    /* opened read-only: without VE_SHM_RO it is another area */
    CHECK_ERRNO(veo_shared_mem_attach(u.h, o.pid, area, 4 * MB, 0, NONE | VEMVA), (void *)-1, EINVAL);
    CHECK_EQ(veo_proc_destroy(o.h), 0);
    CHECK_EQ(call(&w, "vs_load", ve_addr(ro) + 16, 0, NULL), 77);
    /* read-only: a store by VE code is a memory protection fault */
    int st = -1;
    call(&w, "vs_store", ve_addr(ro) + 16, 1, &st);
    CHECK_EQ(st, VEO_COMMAND_EXCEPTION);
    CHECK_ERRNO(veo_shared_mem_detach(w.h, ro, VEMVA), -1, EBUSY);

    CHECK_EQ(veo_proc_destroy(w.h), 0);
    CHECK_EQ(veo_proc_destroy(u.h), 0);
    CHECK_EQ(count_helpers(getpid()), 0);
    free(buf);
    free(back);
    return check_end();
}
