/* Host-memory loads and stores of VE code (<rashm_ve_hostmem.h>) and the
 * VE's clocks. A load or store is a small transfer between the VEHVA and a
 * local word through rashm_ve_vehva_access (src/ve/ve_runtime.h), the one
 * internal entry that translates a VEHVA through the DMAATB wherever the
 * DMAATB lives; what it reports as an exception becomes a VE exception
 * here: a signal in VE code's own thread, which the helper turns into
 * VEO_COMMAND_EXCEPTION for the running call (src/ve/helper/fault.c). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rashm_ve_hostmem.h"
#include "rt.h"
#include "ve_runtime.h"
#include "vedma.h"

/* nanoseconds of the host's raw monotonic clock (not slewed by NTP, so
 * the counters' rate is what they claim) */
static uint64_t raw_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ns * hz / 1e9 without overflow for any uptime */
static uint64_t ticks(uint64_t ns, uint64_t hz)
{
    return (uint64_t)((unsigned __int128)ns * hz / 1000000000u);
}

RASHM_VE_API uint64_t rashm_ve_usrcc(void)
{
    return ticks(raw_ns(), RASHM_VE_USRCC_HZ);
}

RASHM_VE_API uint64_t rashm_ve_stm(void)
{
    return ticks(raw_ns(), RASHM_VE_STM_HZ);
}

/* The VE exception of a failed host-memory access: a memory-access bit
 * (a page that cannot be had) is a bus error, everything else (missing
 * translation, outside the regions, protection, misalignment) a
 * segmentation fault, as a card's pseudo process reports them. raise()
 * signals this thread, the one running VE code. */
static void __attribute__((noinline)) hm_exception(int exc)
{
    raise(exc == VE_DMA_EXC_MEM_ACCESS ? SIGBUS : SIGSEGV);
    /* a caller that ignores or blocks the signal must not read garbage as a
     * value: the access has no result */
    abort();
}

/* The system common registers of a VE1 (VEHVA 0x1000-0x2fff): only the
 * STM's 8 bytes are readable here. */
static int stm_read(uint64_t vehva, void *buf, size_t n)
{
    if (vehva < RASHM_VE_STM_VEHVA || vehva + n > RASHM_VE_STM_VEHVA + 8)
        return 0;
    uint64_t v = rashm_ve_stm();
    memcpy(buf, (const char *)&v + (vehva - RASHM_VE_STM_VEHVA), n);
    return 1;
}

static void access_or_raise(uint64_t vehva, void *buf, size_t n, int write)
{
    int rc;
    if (vehva % n)
        hm_exception(0);
    if (!write && stm_read(vehva, buf, n))
        return;
    rc = rashm_ve_vehva_access(vehva, buf, n, write);
    if (rc != 0)
        hm_exception(rc > 0 ? rc : 0);
}

RASHM_VE_API uint64_t rashm_ve_lhm_l(const void *vehva)
{
    uint64_t v;
    access_or_raise((uint64_t)(uintptr_t)vehva, &v, sizeof v, 0);
    return v;
}

RASHM_VE_API uint32_t rashm_ve_lhm_w(const void *vehva)
{
    uint32_t v;
    access_or_raise((uint64_t)(uintptr_t)vehva, &v, sizeof v, 0);
    return v;
}

RASHM_VE_API void rashm_ve_shm_l(void *vehva, uint64_t value)
{
    access_or_raise((uint64_t)(uintptr_t)vehva, &value, sizeof value, 1);
}

RASHM_VE_API void rashm_ve_shm_w(void *vehva, uint32_t value)
{
    access_or_raise((uint64_t)(uintptr_t)vehva, &value, sizeof value, 1);
}

/* Each LHM/SHM above has completed when it returns; a fence has only the
 * caller's plain memory accesses to order against them. */
RASHM_VE_API void rashm_ve_fence_sf(void)
{
    atomic_thread_fence(memory_order_seq_cst);
}

RASHM_VE_API void rashm_ve_fence_lf(void)
{
    atomic_thread_fence(memory_order_seq_cst);
}

RASHM_VE_API void rashm_ve_fence_lsf(void)
{
    atomic_thread_fence(memory_order_seq_cst);
}
