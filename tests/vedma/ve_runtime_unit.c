/* The VE-side runtime (librashm-ve) in-process, without a helper: vh_shm*
 * checks and errno order, DMAATB regions/capacity/reference counts, DMA
 * engine results and exception bits, the ring-full path, fault injection
 * and shutdown. (The end-to-end tests through rashm-ve are in vedma_e2e_*.) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "check.h"
#include "ve_runtime.h"
#include "vedma.h"
#include "vhshm.h"

#define MB (1ULL << 20)

static int nattch(int id)
{
    struct shmid_ds ds;
    return shmctl(id, IPC_STAT, &ds) == 0 ? (int)ds.shm_nattch : -1;
}

static void restart(const char *dirs, const char *entries, const char *fault)
{
    rashm_ve_runtime_shutdown();
    if (dirs) setenv("RASHM_VE_DMAATB_DIRS", dirs, 1); else unsetenv("RASHM_VE_DMAATB_DIRS");
    if (entries) setenv("RASHM_VE_DMAATB_ENTRIES", entries, 1); else unsetenv("RASHM_VE_DMAATB_ENTRIES");
    if (fault) setenv("RASHM_VE_FAULT", fault, 1); else unsetenv("RASHM_VE_FAULT");
    CHECK_EQ(rashm_ve_runtime_init(0), 0);
}

int main(void)
{
    check_begin();
    key_t key = (key_t)(0x7e000000 | (getpid() & 0xffff));
    int id = shmget(key, 64 * MB, IPC_CREAT | IPC_EXCL | SHM_HUGETLB | 0600);
    if (id < 0) {
        fprintf(stderr, "no huge-page segment (%s): skipping\n", strerror(errno));
        return TEST_SKIP;
    }
    int id4k = shmget(key + 1, 4 * MB, IPC_CREAT | IPC_EXCL | 0600);
    CHECK(id4k >= 0);
    CHECK_EQ(rashm_ve_runtime_init(0), 0);
    CHECK_EQ(rashm_ve_runtime_init(0), 0); /* idempotent */

    /* vh_shmget: order and errno */
    CHECK_ERRNO(vh_shmget(IPC_PRIVATE, 2 * MB, 0), -1, EINVAL);
    CHECK_ERRNO(vh_shmget(key, 2 * MB, 0), -1, EINVAL);
    CHECK_ERRNO(vh_shmget(key, 2 * MB, SHM_HUGETLB | SHM_NORESERVE), -1, EINVAL);
    CHECK_ERRNO(vh_shmget(key, 2 * MB, SHM_HUGETLB | IPC_EXCL), -1, EINVAL);
    CHECK_ERRNO(vh_shmget(key, 2 * MB, SHM_HUGETLB | IPC_CREAT), -1, EINVAL);
    CHECK_ERRNO(vh_shmget(key + 99, 2 * MB, SHM_HUGETLB), -1, ENOENT);
    CHECK_ERRNO(vh_shmget(key, 128 * MB, SHM_HUGETLB), -1, EINVAL);
    CHECK_EQ(vh_shmget(key, 2 * MB, SHM_HUGETLB), id); /* smaller size: fine */

    /* vh_shmat */
    void *vehva = (void *)1;
    CHECK_ERRNO(vh_shmat(id, (void *)0x10000000, 0, &vehva), -1, EINVAL);
    CHECK_ERRNO(vh_shmat(id, NULL, SHM_EXEC, &vehva), -1, EINVAL);
    CHECK_ERRNO(vh_shmat(id, NULL, SHM_REMAP, &vehva), -1, EINVAL);
    CHECK_ERRNO(vh_shmat(id, NULL, SHM_RND, &vehva), -1, EINVAL);
    CHECK_ERRNO(vh_shmat(-5, NULL, 0, &vehva), -1, EINVAL);
    CHECK_ERRNO(vh_shmat(id, NULL, 0, NULL), -1, EFAULT);
    CHECK_EQ(nattch(id), 0);
    CHECK_ERRNO(vh_shmat(id4k, NULL, 0, &vehva), -1, EFAULT);
    CHECK_EQ(nattch(id4k), 0);
    void *at = vh_shmat(id, NULL, 0, &vehva);
    CHECK(at != (void *)-1);
    CHECK_EQ(nattch(id), 1);
    CHECK((uint64_t)vehva >= 0x8800000000ULL && (uint64_t)vehva < 0x9000000000ULL);
    void *vehva_ro;
    void *at_ro = vh_shmat(id, NULL, SHM_RDONLY, &vehva_ro);
    CHECK(at_ro != (void *)-1);
    CHECK_EQ(nattch(id), 2);
    CHECK(vehva_ro != vehva);

    /* VE memory registration */
    char *vm = aligned_alloc(64 * MB, 64 * MB);
    CHECK(vm != NULL);
    memset(vm, 0, 64 * MB);
    uint64_t v64 = ve_register_mem_to_dmaatb(vm, 64 * MB);
    CHECK(v64 >= 0x70000000000ULL && v64 < 0x80000000000ULL);
    CHECK_EQ(ve_register_mem_to_dmaatb(vm, 64 * MB), v64); /* ref counted */
    uint64_t v2 = ve_register_mem_to_dmaatb(vm, 2 * MB);
    CHECK(v2 >= 0x8800000000ULL && v2 < 0x9000000000ULL);
    CHECK_ERRNO(ve_register_mem_to_dmaatb(vm + 4096, 2 * MB), (uint64_t)-1, EINVAL);
    CHECK_ERRNO(ve_register_mem_to_dmaatb(vm, 3 * MB), (uint64_t)-1, EINVAL);
    CHECK_ERRNO(ve_register_mem_to_dmaatb(NULL, 2 * MB), (uint64_t)-1, EINVAL);
    char *ro = mmap(NULL, 8 * MB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *ro2 = (char *)(((uintptr_t)ro + 2 * MB - 1) & ~(2 * MB - 1));
    CHECK_ERRNO(ve_register_mem_to_dmaatb(ro2, 2 * MB), (uint64_t)-1, EACCES);
    munmap(ro, 8 * MB);
    CHECK_ERRNO(ve_register_mem_to_dmaatb(ro2, 2 * MB), (uint64_t)-1, EINVAL); /* unmapped */

    /* DMA */
    CHECK_EQ(ve_dma_init(), 0);
    char *seg = at;
    for (size_t i = 0; i < 64 * MB; i++)
        seg[i] = (char)(i * 7 + 1);
    CHECK_EQ(ve_dma_post_wait(v64, (uint64_t)vehva, 32 * MB), 0);
    CHECK(memcmp(vm, seg, 32 * MB) == 0);
    memset(vm, 0x5a, 4096);
    CHECK_EQ(ve_dma_post_wait((uint64_t)vehva + 4096, v64, 4096), 0);
    CHECK(seg[4096] == 0x5a && seg[8191] == 0x5a);
    ve_dma_handle_t h;
    CHECK_EQ(ve_dma_post(v2, (uint64_t)vehva, 1024, &h), 0);
    CHECK_EQ(h.status, -1);
    CHECK_EQ(ve_dma_wait(&h), 0);
    /* exception bits */
    CHECK_EQ(ve_dma_post_wait((uint64_t)vehva_ro, v64, 4096), 0x8000);
    CHECK_EQ(ve_dma_post_wait(v64, (uint64_t)vehva_ro, 4096), 0); /* reading is fine */
    CHECK_EQ(ve_dma_post_wait(0x8f00000000ULL, v64, 4096), 0x4000);       /* unregistered */
    CHECK_EQ(ve_dma_post_wait(v64, 0x8f00000000ULL, 4096), 0x4000);
    CHECK_EQ(ve_dma_post_wait(0x123456789000ULL, v64, 4096), 0x2000);     /* no region */
    CHECK_EQ(ve_dma_post_wait(v64 + 64 * MB - 4096, (uint64_t)vehva, 8192), 0x2000); /* past end */
    CHECK_EQ(ve_dma_post_wait(0x123456789000ULL, 0x8f00000000ULL, 4096), 0x6000);
    /* rules */
    CHECK_EQ(ve_dma_post_wait(v64, (uint64_t)vehva, 6), -EINVAL);
    CHECK_EQ(ve_dma_post_wait(v64 + 2, (uint64_t)vehva, 8), -EINVAL);
    CHECK_EQ(ve_dma_post_wait(v64, (uint64_t)vehva, 0), -EINVAL);
    CHECK_EQ(ve_dma_post_wait(v64, (uint64_t)vehva, 128 << 20), -EINVAL);
    CHECK_EQ(ve_dma_post(v64, (uint64_t)vehva, 8, NULL), -EFAULT);

    /* ring full: post 32 MiB DMAs until the next slot is still busy. Post k
     * lands in slot (first + k) % 128, so hs[k % 128] is reused exactly when
     * its slot is (NEC writes the old status back into it). */
    static ve_dma_handle_t hs[VE_DMA_NDESC + 1];
    int posted = 0, again = 0;
    while (posted < 100000 &&
           (again = ve_dma_post(v64, (uint64_t)vehva, 32 * MB, &hs[posted % VE_DMA_NDESC])) == 0)
        posted++;
    CHECK(posted >= VE_DMA_NDESC && posted < 100000);
    CHECK_EQ(again, -EAGAIN);
    uint64_t regs[4];
    ve_dma_read_ctrl_reg(regs);
    CHECK_EQ(regs[0], 1);
    CHECK_EQ(regs[2], regs[1]); /* full ring: the post index caught up with the engine */
    for (int i = 0; i < VE_DMA_NDESC; i++)
        CHECK_EQ(ve_dma_wait(&hs[i]), 0);
    /* slot reuse writes the status back into the old handle (NEC) */
    ve_dma_handle_t old, tmp;
    CHECK_EQ(ve_dma_post(0x8f00000000ULL, v64, 64, &old), 0);
    while (ve_dma_read_ctrl_reg(regs), regs[1] != regs[2]) /* engine idle again */
        usleep(100);
    CHECK_EQ(old.status, -1);
    for (int i = 0; i < VE_DMA_NDESC; i++) {
        CHECK_EQ(ve_dma_post(v64, (uint64_t)vehva, 64, &tmp), 0);
        CHECK_EQ(ve_dma_wait(&tmp), 0);
    }
    CHECK_EQ(old.status, 0x4000);
    CHECK_EQ(ve_dma_poll(&old), 0x4000);

    /* unregister; a DMA to it now misses */
    CHECK_EQ(ve_unregister_mem_from_dmaatb(v64), 0);
    CHECK_EQ(ve_dma_post_wait(v64, (uint64_t)vehva, 4096), 0); /* one ref left */
    CHECK_EQ(ve_unregister_mem_from_dmaatb(v64), 0);
    CHECK_EQ(ve_dma_post_wait(v64, (uint64_t)vehva, 4096), 0x4000);
    CHECK_ERRNO(ve_unregister_mem_from_dmaatb(v64), -1, EINVAL);
    CHECK_ERRNO(ve_unregister_mem_from_dmaatb((uint64_t)vehva), -1, EINVAL); /* SHM entry */
    CHECK_EQ(ve_unregister_mem_from_dmaatb(v2), 0);

    /* vh_shmdt */
    CHECK_ERRNO(vh_shmdt(NULL), -1, EINVAL);
    CHECK_ERRNO(vh_shmdt((char *)at + 1), -1, EINVAL);
    CHECK_ERRNO(vh_shmdt((void *)0x10000000), -1, EINVAL);
    CHECK_EQ(vh_shmdt(at_ro), 0);
    CHECK_ERRNO(vh_shmdt(at_ro), -1, EINVAL);
    CHECK_EQ(nattch(id), 1);
    CHECK_EQ(ve_dma_post_wait((uint64_t)vehva_ro, v64, 4096), 0x4000);

    /* shutdown detaches what is left */
    rashm_ve_runtime_shutdown();
    CHECK_EQ(nattch(id), 0);

    /* DMAATB exhaustion: 1 directory of 16 entries = 32 MiB of 2 MiB pages */
    restart("1", "16", NULL);
    int small = shmget(key + 2, 16 * MB, IPC_CREAT | IPC_EXCL | SHM_HUGETLB | 0600);
    CHECK(small >= 0);
    void *va, *vb, *vc;
    void *a1 = vh_shmat(small, NULL, 0, &va);
    void *a2 = vh_shmat(small, NULL, 0, &vb);
    CHECK(a1 != (void *)-1 && a2 != (void *)-1);
    CHECK_ERRNO(vh_shmat(small, NULL, 0, &vc), -1, ENOMEM);
    CHECK_EQ(nattch(small), 2);   /* the failed attach was undone */
    CHECK_ERRNO(ve_register_mem_to_dmaatb(vm, 64 * MB), (uint64_t)-1, ENOMEM);
    CHECK_EQ(vh_shmdt(a1), 0);
    void *a3 = vh_shmat(small, NULL, 0, &vc);
    CHECK(a3 != (void *)-1);
    CHECK_EQ(vh_shmdt(a2), 0);
    CHECK_EQ(vh_shmdt(a3), 0);
    /* the directory is free again: a 64 MiB-page registration fits */
    uint64_t v = ve_register_mem_to_dmaatb(vm, 64 * MB);
    CHECK(v != (uint64_t)-1);
    CHECK_EQ(ve_unregister_mem_from_dmaatb(v), 0);
    CHECK_EQ(nattch(small), 0);

    /* fault injection */
    restart(NULL, NULL, "shmat:EIDRM:1,shmat_stat:ECANCELED:1,ived:ENOTSUP:1,shmdt:ECANCELED:1");
    CHECK_ERRNO(vh_shmat(id, NULL, 0, &va), -1, EIDRM);
    CHECK_ERRNO(vh_shmat(id, NULL, 0, &va), -1, ECANCELED);
    CHECK_EQ(nattch(id), 0);
    CHECK_ERRNO(vh_shmat(id, NULL, 0, &va), -1, ENOTSUP);
    CHECK_EQ(nattch(id), 0);
    a1 = vh_shmat(id, NULL, 0, &va);
    CHECK(a1 != (void *)-1);
    CHECK_ERRNO(vh_shmdt(a1), -1, ECANCELED);
    CHECK_EQ(nattch(id), 1);
    CHECK_EQ(vh_shmdt(a1), 0);
    CHECK_EQ(nattch(id), 0);
    rashm_ve_runtime_shutdown();
    rashm_ve_runtime_shutdown(); /* twice is fine */

    free(vm);
    shmctl(id, IPC_RMID, NULL);
    shmctl(id4k, IPC_RMID, NULL);
    shmctl(small, IPC_RMID, NULL);
    return check_end();
}
