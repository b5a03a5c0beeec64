/* VE code of the VE-VE shared memory tests (x86, runs inside rashm-ve). */
#include <stdint.h>
#include <sys/mman.h>

#define VE_FN __attribute__((visibility("default")))

VE_FN uint64_t vs_load(uint64_t addr);
VE_FN uint64_t vs_store(uint64_t addr, uint64_t val);
VE_FN uint64_t vs_protect(uint64_t addr, uint64_t size);
VE_FN uint64_t vs_sum(uint64_t addr, uint64_t n);

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
