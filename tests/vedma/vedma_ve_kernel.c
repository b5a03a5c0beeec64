/* VE library (x86) used by the vedma end-to-end tests: runs inside the
 * rashm-ve helper and uses the VE-side API (<vhshm.h>, <vedma.h>). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "vedma.h"
#include "vhshm.h"

/* exported to the VH tests (found with veo_get_sym) */
int64_t vt_post_many(uint64_t dst, uint64_t src, int64_t size, int64_t n, int64_t *next_rc);
int64_t vt_wait_all(void);
uint64_t vt_sum32(uint64_t vemva, uint64_t size);
int64_t vt_vh_shm_copy(int64_t key, uint64_t vemva, uint64_t size);
int64_t vt_dma_forever(uint64_t a, uint64_t b, int64_t size);
int64_t vt_crash(void);
int64_t vt_dma_unmapped(uint64_t shm_vehva);
int64_t vt_scribble(uint64_t flag_vemva);
int64_t vt_scribble_shared(void);

/* Handles of vt_post_many, one per ring slot: they must outlive the call
 * (NEC writes the status of a reused slot back into its handle). Post k of a
 * run lands in slot (first + k) % 128, so handles[k % 128] is reused exactly
 * when its slot is. */
static ve_dma_handle_t handles[VE_DMA_NDESC];
static int64_t nposted;

/* Posts DMAs without waiting until a post fails (the ring is full: the next
 * slot's DMA still runs) or max posts were made. Returns how many were
 * accepted; the failing post's return value goes to *next_rc (0 if none). */
int64_t vt_post_many(uint64_t dst, uint64_t src, int64_t size, int64_t max, int64_t *next_rc)
{
    int64_t k;
    *next_rc = 0;
    for (k = 0; k < max; k++) {
        int rc = ve_dma_post(dst, src, (int)size, &handles[k % VE_DMA_NDESC]);
        if (rc) {
            *next_rc = rc;
            break;
        }
    }
    nposted = k;
    return k;
}

/* Waits for the DMAs of the last vt_post_many; the OR of their results. */
int64_t vt_wait_all(void)
{
    int64_t acc = 0;
    for (int i = 0; i < VE_DMA_NDESC && i < nposted; i++)
        acc |= ve_dma_wait(&handles[i]);
    nposted = 0;
    return acc;
}

/* Sum of 32-bit words of VE memory (to check a DMA from inside the VE). */
uint64_t vt_sum32(uint64_t vemva, uint64_t size)
{
    const uint32_t *p = (const uint32_t *)vemva;
    uint64_t s = 0;
    for (uint64_t i = 0; i < size / 4; i++)
        s += p[i];
    return s;
}

/* VE-side VH-VE SHM from VE code: attach key's segment, DMA its first `size`
 * bytes into vemva (registered here), detach. 0 or -errno. */
int64_t vt_vh_shm_copy(int64_t key, uint64_t vemva, uint64_t size)
{
    void *vehva;
    int64_t rc = 0;
    int id = vh_shmget((key_t)key, 0, SHM_HUGETLB);
    if (id < 0)
        return -errno;
    void *at = vh_shmat(id, NULL, SHM_RDONLY, &vehva);
    if (at == (void *)-1)
        return -errno;
    uint64_t dst = ve_register_mem_to_dmaatb((void *)vemva, size);
    if (dst == (uint64_t)-1) {
        rc = -errno;
        goto detach;
    }
    rc = ve_dma_post_wait(dst, (uint64_t)vehva, (int)size);
    ve_unregister_mem_from_dmaatb(dst);
detach:
    if (vh_shmdt(at))
        rc = -errno;
    return rc;
}

/* Keeps the engine busy until the process dies: DMAs back and forth. */
int64_t vt_dma_forever(uint64_t a, uint64_t b, int64_t size)
{
    for (;;) {
        ve_dma_handle_t h1, h2;
        if (ve_dma_post(a, b, (int)size, &h1) == 0)
            ve_dma_wait(&h1);
        if (ve_dma_post(b, a, (int)size, &h2) == 0)
            ve_dma_wait(&h2);
    }
    return 0;
}

/* An exception in VE code. */
int64_t vt_crash(void)
{
    raise(SIGSEGV);
    return 0;
}

/* Registers 2 MiB of its own memory, unmaps it (a VE process cannot pin it,
 * unlike the card), then DMAs into it from the segment. The engine must
 * complete that DMA with the memory-access exception, not crash the VE
 * process. Returns the DMA's result, or -errno of a setup step. */
int64_t vt_dma_unmapped(uint64_t shm_vehva)
{
    const size_t M = 2u << 20;
    char *raw = mmap(NULL, 2 * M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return -errno;
    char *mem = (char *)(((uintptr_t)raw + M - 1) & ~(uintptr_t)(M - 1));
    memset(mem, 0, M);
    uint64_t v = ve_register_mem_to_dmaatb(mem, M);
    if (v == (uint64_t)-1) {
        int e = errno;
        munmap(raw, 2 * M);
        return -e;
    }
    munmap(raw, 2 * M);
    int64_t r = ve_dma_post_wait(v, shm_vehva, 4096);
    ve_unregister_mem_from_dmaatb(v);
    return r;
}

/* ---- attacks on the DMA engine's truthfulness (issue 7, defects 8-10) --- */

int64_t vt_wait_count(void);
int64_t vt_alias_vemem(int64_t shmid, uint64_t shm_vehva, int64_t dst_off, int64_t src_off,
                       int64_t size, int64_t vemem_is_dst);
int64_t vt_dma_half_unmapped(uint64_t shm_vehva, int64_t to_shm, int64_t size);

/* Waits for the DMAs of the last vt_post_many and counts their results:
 * bits 0-15 completed (0), 16-31 missing page (0x4000 only), 32-47 anything
 * else. Only the last 128 posts still have a handle. */
int64_t vt_wait_count(void)
{
    int64_t ok = 0, miss = 0, other = 0;
    for (int i = 0; i < VE_DMA_NDESC && i < nposted; i++) {
        int r = ve_dma_wait(&handles[i]);
        if (r == 0)
            ok++;
        else if (r == 0x4000)
            miss++;
        else
            other++;
    }
    nposted = 0;
    return ok | miss << 16 | other << 32;
}

/* VE code attaches segment shmid itself (plain shmat: a second view of the
 * pages that shm_vehva, a vh_shmat attach, also reaches) and registers that
 * view as VE memory. Then one DMA between the two views:
 * vemem_is_dst: VE-memory view + dst_off <- SHM view + src_off, else the
 * other way round. Returns the DMA's result, or -errno of a setup step. */
int64_t vt_alias_vemem(int64_t shmid, uint64_t shm_vehva, int64_t dst_off, int64_t src_off,
                       int64_t size, int64_t vemem_is_dst)
{
    struct shmid_ds ds;
    if (shmctl((int)shmid, IPC_STAT, &ds) < 0)
        return -errno;
    char *view = shmat((int)shmid, NULL, 0);
    if (view == (void *)-1)
        return -errno;
    uint64_t v = ve_register_mem_to_dmaatb(view, ds.shm_segsz);
    if (v == (uint64_t)-1) {
        int e = errno;
        shmdt(view);
        return -e;
    }
    int64_t r = vemem_is_dst
                    ? ve_dma_post_wait(v + (uint64_t)dst_off, shm_vehva + (uint64_t)src_off, (int)size)
                    : ve_dma_post_wait(shm_vehva + (uint64_t)dst_off, v + (uint64_t)src_off, (int)size);
    ve_unregister_mem_from_dmaatb(v);
    shmdt(view);
    return r;
}

/* 4 MiB of VE memory (filled with 0x11) registered, then its upper 2 MiB
 * unmapped by VE code: a DMA of `size` bytes centred on the boundary, to or
 * from the segment at shm_vehva, cannot complete. Returns the DMA's result
 * | 0x10000 when the surviving VE memory was changed (to_shm == 0; the VH
 * checks the segment when to_shm), or -errno of a setup step. */
int64_t vt_dma_half_unmapped(uint64_t shm_vehva, int64_t to_shm, int64_t size)
{
    const size_t M = 2u << 20;
    char *raw = mmap(NULL, 3 * M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return -errno;
    char *mem = (char *)(((uintptr_t)raw + M - 1) & ~(uintptr_t)(M - 1));
    memset(mem, 0x11, 2 * M);
    uint64_t v = ve_register_mem_to_dmaatb(mem, 2 * M);
    if (v == (uint64_t)-1) {
        int e = errno;
        munmap(raw, 3 * M);
        return -e;
    }
    munmap(mem + M, M); /* the upper half goes: the DMA meets it part-way */
    uint64_t at = v + M - (uint64_t)size / 2;
    int64_t r = to_shm ? ve_dma_post_wait(shm_vehva, at, (int)size)
                       : ve_dma_post_wait(at, shm_vehva, (int)size);
    for (size_t i = 0; i < M; i++)
        if (mem[i] != 0x11) {
            r |= 0x10000;
            break;
        }
    ve_unregister_mem_from_dmaatb(v);
    munmap(raw, (size_t)(mem - raw) + M);
    if (mem + 2 * M < raw + 3 * M)
        munmap(mem + 2 * M, (size_t)(raw + 3 * M - (mem + 2 * M)));
    return r;
}

/* VE code gone wild: overwrites every writable mapping of its process
 * except its own stack and VE memory (the memfd "rashm-ve-mem", gigabytes
 * mapped lazily: writing it would only cost memory, and the VH reads it to
 * see that we are done): the heap, every library's data (libc, libffi,
 * librashm-ve, this one), the other threads' stacks, the request rings
 * shared with the VH, the request area shared with the device process.
 * Then it stores 1 at flag_vemva (VE memory) and spins for ever. Nothing of
 * libc is called once the scribbling has begun (its data is gone): the
 * maps are read first, and the loops are plain code on this stack. */
int64_t vt_scribble(uint64_t flag_vemva)
{
    struct { uintptr_t lo, hi; } r[512];
    char buf[1 << 16], *p, *end;
    int n = 0, fd = open("/proc/self/maps", O_RDONLY);
    size_t len = 0;
    ssize_t k;
    uintptr_t here = (uintptr_t)&n;
    if (fd < 0)
        return -1;
    while (len < sizeof buf - 1 && (k = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)k;
    close(fd);
    buf[len] = 0;
    for (p = buf; *p && n < 512; p = end + 1) {
        unsigned long lo, hi;
        char perm[8];
        int pos = 0;
        end = strchr(p, '\n');
        if (!end)
            break;
        *end = 0;
        if (sscanf(p, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perm, &pos) < 3)
            continue;
        if (perm[1] != 'w' || (here >= lo && here < hi))
            continue; /* read-only, or our own stack */
        if (strstr(p, "rashm-ve-mem"))
            continue; /* VE memory */
        r[n].lo = lo;
        r[n].hi = hi;
        n++;
    }
    for (int i = 0; i < n; i++)
        for (volatile unsigned char *q = (unsigned char *)r[i].lo; q < (unsigned char *)r[i].hi; q++)
            *q = 0x5a;
    *(volatile int64_t *)flag_vemva = 1;
    for (;;)
        __asm__ __volatile__("pause" ::: "memory");
}

/* Overwrites only the shared writable mappings of the VE process but VE
 * memory: the request rings (shared with the VH) and the request area
 * (shared with the device process), with a pattern that makes every slot
 * look submitted; then asks for one DMA through the wrecked area itself.
 * The VE process goes on living; its device process must too. */
int64_t vt_scribble_shared(void)
{
    char buf[1 << 16], *p, *end;
    int fd = open("/proc/self/maps", O_RDONLY), n = 0;
    size_t len = 0;
    ssize_t k;
    if (fd < 0)
        return -1;
    while (len < sizeof buf - 1 && (k = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)k;
    close(fd);
    buf[len] = 0;
    for (p = buf; *p; p = end + 1) {
        unsigned long lo, hi;
        char perm[8];
        end = strchr(p, '\n');
        if (!end)
            break;
        *end = 0;
        if (sscanf(p, "%lx-%lx %7s", &lo, &hi, perm) != 3 || perm[1] != 'w' || perm[3] != 's' ||
            strstr(p, "rashm-ve-mem"))
            continue;
        memset((void *)lo, 0x5a, hi - lo);
        n++;
    }
    ve_dma_post_wait(0x8800000000ULL, 0x8800000000ULL, 4); /* whatever it says */
    return n;
}
