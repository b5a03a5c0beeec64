/* VE code of the VE-VE shared memory tests (x86, runs inside rashm-ve). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <rashm_ve_hostmem.h>
#include <vedma.h>

#define VE_FN __attribute__((visibility("default")))

VE_FN uint64_t vs_load(uint64_t addr);
VE_FN uint64_t vs_store(uint64_t addr, uint64_t val);
VE_FN uint64_t vs_protect(uint64_t addr, uint64_t size);
VE_FN uint64_t vs_sum(uint64_t addr, uint64_t n);
VE_FN uint64_t vs_lhm(uint64_t vehva);
VE_FN uint64_t vs_shm(uint64_t vehva, uint64_t val);
VE_FN uint64_t vs_dma_first(uint64_t vehva);

VE_FN uint64_t vs_load(uint64_t addr)
{
    return *(volatile uint64_t *)(uintptr_t)addr;
}

VE_FN uint64_t vs_store(uint64_t addr, uint64_t val)
{
    *(volatile uint64_t *)(uintptr_t)addr = val;
    return 0;
}

/* makes [addr, addr+size) of VE memory read-only (0 or -1) */
VE_FN uint64_t vs_protect(uint64_t addr, uint64_t size)
{
    return (uint64_t)(int64_t)mprotect((void *)(uintptr_t)addr, size, PROT_READ);
}

/* sums n 8-byte words at addr */
VE_FN uint64_t vs_sum(uint64_t addr, uint64_t n)
{
    const volatile uint64_t *p = (const volatile uint64_t *)(uintptr_t)addr;
    uint64_t s = 0;
    for (uint64_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

/* host-memory load / store through a VEHVA */
VE_FN uint64_t vs_lhm(uint64_t vehva)
{
    return rashm_ve_lhm_l((void *)(uintptr_t)vehva);
}

VE_FN uint64_t vs_shm(uint64_t vehva, uint64_t val)
{
    rashm_ve_shm_l((void *)(uintptr_t)vehva, val);
    return 0;
}

/* DMAs 4 KiB from vehva into registered VE memory of this process; the
 * first word copied, or ~0 when something failed */
VE_FN uint64_t vs_dma_first(uint64_t vehva)
{
    size_t sz = 2u << 20;
    uint64_t *buf, r = ~0ull;
    if (posix_memalign((void **)&buf, sz, sz))
        return r;
    uint64_t mine = ve_register_mem_to_dmaatb(buf, sz);
    if (mine != (uint64_t)-1) {
        if (ve_dma_post_wait(mine, vehva, 4096) == 0)
            r = *(volatile uint64_t *)buf;
        ve_unregister_mem_from_dmaatb(mine);
    }
    free(buf);
    return r;
}
