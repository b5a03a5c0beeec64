/* VE DMA end to end: veo_dma_* between a VH-VE SHM segment and VE memory
 * registered with veo_register_mem_to_dmaatb; data checked on both sides;
 * exception bits for read-only (0x8000), unregistered (0x4000) and
 * out-of-range (0x2000) targets; the transfer rules (-EINVAL); the ring-full
 * path (-EAGAIN) from VE code and from the VH; registration rules and
 * reference counts; -EFAULT for a NULL handle. */
#include "vedma_common.h"

/* utime + stime of a process, in clock ticks */
static long cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    long u = -1, st = -1;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *p = fgets(buf, sizeof buf, f) ? strrchr(buf, ')') : NULL;
    fclose(f);
    /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt
     * majflt cmajflt utime stime */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &u, &st) != 2)
        return -1;
    return u + st;
}

int main(void)
{
    check_begin();
    key_t key = vt_key(2);
    int id = vt_hugeseg(key, 64 * MB, 0600);
    char *seg = shmat(id, NULL, 0);
    CHECK(seg != (void *)-1);
    for (size_t i = 0; i < 64 * MB; i += 4)
        *(uint32_t *)(seg + i) = (uint32_t)(i * 2654435761u);
    struct veo_proc_handle *h = vt_proc();

    void *shm_vehva, *ro_vehva;
    void *at = veo_shmat(h, id, NULL, 0, &shm_vehva);
    void *at_ro = veo_shmat(h, id, NULL, SHM_RDONLY, &ro_vehva);
    CHECK(at != (void *)-1 && at_ro != (void *)-1);
    uint64_t sv = (uint64_t)shm_vehva, rov = (uint64_t)ro_vehva;

    /* VE memory, registered through an hmem pointer */
    void *hm;
    CHECK_EQ(veo_alloc_hmem(h, &hm, 64 * MB), 0);
    uint64_t ve = (uint64_t)veo_get_hmem_addr(hm);
    uint64_t mv = veo_register_mem_to_dmaatb(hm, 64 * MB);
    CHECK(mv >= 0x70000000000ULL && mv < 0x80000000000ULL); /* 64 MiB region */
    CHECK_EQ(veo_register_mem_to_dmaatb(hm, 64 * MB), mv);   /* same VEHVA, 2 refs */
    uint64_t mv2 = veo_register_mem_to_dmaatb((char *)hm + 2 * MB, 2 * MB);
    CHECK(mv2 >= 0x8800000000ULL && mv2 < 0x9000000000ULL);  /* 2 MiB region */
    CHECK_ERRNO(veo_register_mem_to_dmaatb((char *)hm + 4096, 2 * MB), (uint64_t)-1, EINVAL);
    CHECK_ERRNO(veo_register_mem_to_dmaatb(hm, 3 * MB), (uint64_t)-1, EINVAL);
    CHECK_ERRNO(veo_register_mem_to_dmaatb(seg, 2 * MB), (uint64_t)-1, EINVAL); /* not hmem */

    /* SHM -> VE memory, checked from the VH and inside the VE */
    CHECK_EQ(veo_dma_post_wait(h, mv, sv, 64 * MB - 4), 0);
    char *buf = malloc(64 * MB);
    CHECK_EQ(veo_read_mem(h, buf, ve, 64 * MB - 4), 0);
    CHECK(memcmp(buf, seg, 64 * MB - 4) == 0);
    uint64_t sum = 0, vsum = 0;
    for (size_t i = 0; i < 16 * MB; i += 4)
        sum += *(uint32_t *)(seg + i);
    struct veo_args *a = veo_args_alloc();
    veo_args_set_u64(a, 0, ve);
    veo_args_set_u64(a, 1, 16 * MB);
    CHECK_EQ(veo_call_sync(h, vt_sym(h, "vt_sum32"), a, &vsum), VEO_COMMAND_OK);
    CHECK_EQ(vsum, sum);
    /* VE memory -> SHM, async with poll */
    memset(buf, 0xa5, 1 * MB);
    CHECK_EQ(veo_write_mem(h, ve + 8 * MB, buf, 1 * MB), 0);
    uint32_t after_end = *(uint32_t *)(seg + 1 * MB + 4);
    ve_dma_handle_t dh = { 7, 7 };
    CHECK_EQ(veo_dma_post(h, sv + 4, mv + 8 * MB, 1 * MB, &dh), 0);
    CHECK_EQ(dh.status, -1);
    CHECK(dh.index >= 0 && dh.index < 128);
    int r;
    while ((r = veo_dma_poll(h, &dh)) == -EAGAIN)
        ;
    CHECK_EQ(r, 0);
    CHECK((unsigned char)seg[4] == 0xa5 && (unsigned char)seg[1 * MB + 3] == 0xa5);
    CHECK_EQ(*(uint32_t *)(seg + 1 * MB + 4), after_end); /* exactly 1 MiB copied */

    /* exception bits: nothing is copied */
    char before[64];
    memcpy(before, seg, sizeof before);
    CHECK_EQ(veo_dma_post_wait(h, rov, mv, 4096), 0x8000);           /* read-only */
    CHECK(memcmp(before, seg, sizeof before) == 0);
    CHECK_EQ(veo_dma_post_wait(h, mv, rov, 4096), 0);                /* reading it is fine */
    CHECK_EQ(veo_dma_post_wait(h, 0x8f00000000ULL, mv, 4096), 0x4000); /* unregistered */
    CHECK_EQ(veo_dma_post_wait(h, mv, 0x7f000000000ULL, 4096), 0x4000);
    CHECK_EQ(veo_dma_post_wait(h, 0x100000000000ULL, mv, 4096), 0x2000); /* no region */
    CHECK_EQ(veo_dma_post_wait(h, sv + 64 * MB - 4096, mv, 8192), 0x2000); /* past the end */
    CHECK_EQ(veo_dma_post_wait(h, mv + 64 * MB - 4, sv, 8), 0x2000);
    CHECK_EQ(veo_dma_post_wait(h, rov, 0x8f00000000ULL, 4096), 0xc000);
    CHECK(memcmp(before, seg, sizeof before) == 0);
    /* the card's transfer rules */
    CHECK_EQ(veo_dma_post_wait(h, mv, sv, 6), -EINVAL);
    CHECK_EQ(veo_dma_post_wait(h, mv + 2, sv, 8), -EINVAL);
    CHECK_EQ(veo_dma_post_wait(h, mv, sv + 1, 8), -EINVAL);
    CHECK_EQ(veo_dma_post_wait(h, mv, sv, 0), -EINVAL);
    CHECK_EQ(veo_dma_post_wait(h, mv, sv, -4), -EINVAL);
    CHECK_EQ(veo_dma_post_wait(h, mv, sv, 128 << 20), -EINVAL);
    CHECK_EQ(veo_dma_post(h, mv, sv, 8, NULL), -EFAULT);
    CHECK_EQ(veo_dma_poll(h, NULL), -EFAULT);
    CHECK_EQ(veo_dma_post(NULL, mv, sv, 8, &dh), -EINVAL);

    /* ring full, from VE code: 128 big DMAs posted, the 129th gets -EAGAIN */
    int64_t next = 0;
    veo_args_clear(a);
    veo_args_set_u64(a, 0, mv);
    veo_args_set_u64(a, 1, sv);
    veo_args_set_i64(a, 2, 32 * MB);
    veo_args_set_i64(a, 3, 100000);
    veo_args_set_stack(a, VEO_INTENT_OUT, 4, (char *)&next, sizeof next);
    uint64_t n = 0;
    CHECK_EQ(veo_call_sync(h, vt_sym(h, "vt_post_many"), a, &n), VEO_COMMAND_OK);
    CHECK(n >= 128 && n < 100000);
    CHECK_EQ(next, -EAGAIN);
    /* ... and from the VH while they run (a post the engine made room for
     * just fills the ring again) */
    int vh_again = 0;
    for (int i = 0; i < 1000 && !vh_again; i++) {
        r = veo_dma_post(h, mv, sv, 32 * MB, &dh);
        CHECK(r == 0 || r == -EAGAIN);
        vh_again = r == -EAGAIN;
    }
    CHECK(vh_again);
    veo_args_clear(a);
    uint64_t all = 1;
    CHECK_EQ(veo_call_sync(h, vt_sym(h, "vt_wait_all"), a, &all), VEO_COMMAND_OK);
    CHECK_EQ(all, 0);
    CHECK_EQ(veo_dma_post(h, mv, sv, 4096, &dh), 0);
    while ((r = veo_dma_poll(h, &dh)) == -EAGAIN)
        ;
    CHECK_EQ(r, 0);

    /* unregistering: refs, then the VEHVA misses */
    CHECK_EQ(veo_unregister_mem_from_dmaatb(h, mv), 0);
    CHECK_EQ(veo_dma_post_wait(h, mv, sv, 4096), 0);
    CHECK_EQ(veo_unregister_mem_from_dmaatb(h, mv), 0);
    CHECK_EQ(veo_dma_post_wait(h, mv, sv, 4096), 0x4000);
    CHECK_ERRNO(veo_unregister_mem_from_dmaatb(h, mv), -1, EINVAL);
    CHECK_ERRNO(veo_unregister_mem_from_dmaatb(h, sv), -1, EINVAL); /* an SHM entry */
    CHECK_ERRNO(veo_unregister_mem_from_dmaatb(NULL, mv2), -1, EINVAL);
    CHECK_EQ(veo_unregister_mem_from_dmaatb(h, mv2), 0);
    /* a detached segment's VEHVA misses too */
    /* VE memory unmapped behind its registration: the DMA ends with the
     * memory-access exception (0x1000) and the VE process lives on */
    {
        struct veo_args *ua = veo_args_alloc();
        uint64_t ur = 0;
        veo_args_set_u64(ua, 0, sv);
        CHECK_EQ(veo_call_sync(h, vt_sym(h, "vt_dma_unmapped"), ua, &ur), VEO_COMMAND_OK);
        CHECK_EQ((int64_t)ur, 0x1000);
        veo_args_free(ua);
        CHECK_EQ(veo_dma_post_wait(h, sv + 4096, sv, 4096), 0); /* still alive */
    }
    CHECK_EQ(veo_shmdt(h, at_ro), 0);
    CHECK_EQ(veo_dma_post_wait(h, sv, rov, 4096), 0x4000);
    CHECK_EQ(veo_shmdt(h, at), 0);
    CHECK_EQ(vt_nattch(id), 1);

    /* an idle VE process (engine included) sleeps: no CPU time while idle */
    pid_t pid = veo_get_pid_from_hmem(hm);
    long c0 = cpu_ticks(pid);
    usleep(500000);
    long c1 = cpu_ticks(pid);
    CHECK(c0 >= 0 && c1 - c0 <= 5); /* <= 50 ms of 500 ms; spinning would be ~50 */

    veo_args_free(a);
    veo_free_hmem(hm);
    veo_proc_destroy(h);
    free(buf);
    shmdt(seg);
    shmctl(id, IPC_RMID, NULL);
    CHECK_EQ(vt_helpers_of_mine(), 0); /* every VE process ended and was reaped */
    return check_end();
}
