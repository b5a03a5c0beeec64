/* VE code of vedma.e2e_hostmem: host-memory loads and stores
 * (<rashm_ve_hostmem.h>) from inside rashm-ve. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rashm_ve_hostmem.h>
#include <vedma.h>

#define VE_FN __attribute__((visibility("default")))

VE_FN uint64_t hm_ld64(uint64_t vehva);
VE_FN uint64_t hm_ld32(uint64_t vehva);
VE_FN uint64_t hm_st64(uint64_t vehva, uint64_t v);
VE_FN uint64_t hm_st32(uint64_t vehva, uint64_t v);
VE_FN uint64_t hm_publish(uint64_t data, uint64_t n, uint64_t flag, uint64_t seq);
VE_FN uint64_t hm_consume(uint64_t data, uint64_t n, uint64_t flag, uint64_t seq);
VE_FN uint64_t hm_vemem(void);
VE_FN uint64_t hm_clocks(uint64_t ms, uint64_t *out);

VE_FN uint64_t hm_ld64(uint64_t vehva)
{
    return rashm_ve_lhm_l((void *)(uintptr_t)vehva);
}

VE_FN uint64_t hm_ld32(uint64_t vehva)
{
    return rashm_ve_lhm_w((void *)(uintptr_t)vehva);
}

VE_FN uint64_t hm_st64(uint64_t vehva, uint64_t v)
{
    rashm_ve_shm_l((void *)(uintptr_t)vehva, v);
    return 0;
}

VE_FN uint64_t hm_st32(uint64_t vehva, uint64_t v)
{
    rashm_ve_shm_w((void *)(uintptr_t)vehva, (uint32_t)v);
    return 0;
}

/* n words, a store fence, then the flag: whoever sees the flag sees them */
VE_FN uint64_t hm_publish(uint64_t data, uint64_t n, uint64_t flag, uint64_t seq)
{
    for (uint64_t i = 0; i < n; i++)
        rashm_ve_shm_l((void *)(uintptr_t)(data + 8 * i), seq * 1000000 + i);
    rashm_ve_fence_sf();
    rashm_ve_shm_l((void *)(uintptr_t)flag, seq);
    return 0;
}

/* waits (up to ~5 s of user clock) for the flag, a load fence, then the
 * words: returns how many were not what the VH wrote before the flag
 * (n + 1 when the flag never came) */
VE_FN uint64_t hm_consume(uint64_t data, uint64_t n, uint64_t flag, uint64_t seq)
{
    uint64_t end = rashm_ve_usrcc() + 5 * RASHM_VE_USRCC_HZ, bad = 0;
    while (rashm_ve_lhm_l((void *)(uintptr_t)flag) != seq)
        if (rashm_ve_usrcc() > end)
            return n + 1;
    rashm_ve_fence_lf();
    for (uint64_t i = 0; i < n; i++)
        bad += rashm_ve_lhm_l((void *)(uintptr_t)(data + 8 * i)) != seq * 1000000 + i;
    return bad;
}

/* VE memory registered in the DMAATB: stores through the VEHVA land in the
 * buffer, plain stores are loaded back through it; 0 or the failed step */
VE_FN uint64_t hm_vemem(void)
{
    size_t sz = 2u << 20;
    volatile uint64_t *buf;
    if (posix_memalign((void **)&buf, sz, sz))
        return 1;
    memset((void *)buf, 0, sz);
    uint64_t vehva = ve_register_mem_to_dmaatb((void *)buf, sz);
    if (vehva == (uint64_t)-1)
        return 2;
    rashm_ve_shm_l((void *)(uintptr_t)(vehva + 8), 0xabcdef0123456789ull);
    rashm_ve_shm_w((void *)(uintptr_t)(vehva + sz - 4), 0x13572468u);
    if (buf[1] != 0xabcdef0123456789ull || ((volatile uint32_t *)buf)[sz / 4 - 1] != 0x13572468u)
        return 3;
    buf[2] = 0x1122334455667788ull;
    if (rashm_ve_lhm_l((void *)(uintptr_t)(vehva + 16)) != 0x1122334455667788ull ||
        rashm_ve_lhm_w((void *)(uintptr_t)(vehva + 20)) != 0x11223344u)
        return 4;
    if (ve_unregister_mem_from_dmaatb(vehva))
        return 5;
    free((void *)buf);
    return 0;
}

/* Samples both clocks for about ms milliseconds. out[0]: 1 if every
 * sample of each clock was >= the one before; out[1..3]: usrcc, STM (read
 * through LHM at its VEHVA) and CLOCK_MONOTONIC ns elapsed; out[4]: the
 * number of samples. */
VE_FN uint64_t hm_clocks(uint64_t ms, uint64_t *out)
{
    struct timespec t0, t;
    uint64_t u0 = rashm_ve_usrcc(), s0 = rashm_ve_lhm_l((void *)RASHM_VE_STM_VEHVA);
    uint64_t pu = u0, ps = s0, n = 0, mono = 1, ns;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        uint64_t u = rashm_ve_usrcc(), s = rashm_ve_lhm_l((void *)RASHM_VE_STM_VEHVA);
        mono &= u >= pu && s >= ps;
        pu = u;
        ps = s;
        n++;
        clock_gettime(CLOCK_MONOTONIC, &t);
        ns = (uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t.tv_nsec -
             (uint64_t)t0.tv_nsec;
    } while (ns < ms * 1000000u);
    out[0] = mono;
    out[1] = rashm_ve_usrcc() - u0;
    out[2] = rashm_ve_stm() - s0;
    clock_gettime(CLOCK_MONOTONIC, &t);
    out[3] = (uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t.tv_nsec -
             (uint64_t)t0.tv_nsec;
    out[4] = n;
    return 0;
}
