/* Attack (issue 7, defect 8): detach a segment while DMAs to and from its
 * VEHVA are still queued, and at once attach another segment, which first
 * fit puts at the same VEHVA. On the card the queued DMAs fault (the entry
 * is gone); they must not land in, or read from, the newcomer. Every queued
 * DMA must end with 0x4000 (missing page) or 0 (it ran before the detach),
 * at least one must have been caught queued, the newcomer's bytes must be
 * untouched, and VE memory must hold nothing read from the newcomer. The
 * same for VE memory unregistered with DMAs queued and another buffer
 * registered at its VEHVA. */
#include "vedma_common.h"
#include "vedma.h"

#define SEG (64 * MB)
#define XFER (32 * MB)

static int all_bytes(const char *p, size_t n, unsigned char c)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] != c)
            return 0;
    return 1;
}

/* vt_post_many(dst, src, XFER, 128) from VE code; returns how many went in */
static int64_t post_many(struct veo_proc_handle *h, uint64_t dst, uint64_t src)
{
    int64_t next = 0;
    uint64_t n = 0;
    struct veo_args *a = veo_args_alloc();
    veo_args_set_u64(a, 0, dst);
    veo_args_set_u64(a, 1, src);
    veo_args_set_i64(a, 2, XFER);
    veo_args_set_i64(a, 3, VE_DMA_NDESC);
    veo_args_set_stack(a, VEO_INTENT_OUT, 4, (char *)&next, sizeof next);
    CHECK_EQ(veo_call_sync(h, vt_sym(h, "vt_post_many"), a, &n), VEO_COMMAND_OK);
    veo_args_free(a);
    return (int64_t)n;
}

/* vt_wait_count: {completed, missed, other} */
static void wait_count(struct veo_proc_handle *h, int64_t out[3])
{
    uint64_t r = 0;
    struct veo_args *a = veo_args_alloc();
    CHECK_EQ(veo_call_sync(h, vt_sym(h, "vt_wait_count"), a, &r), VEO_COMMAND_OK);
    veo_args_free(a);
    out[0] = (int64_t)(r & 0xffff);
    out[1] = (int64_t)(r >> 16 & 0xffff);
    out[2] = (int64_t)(r >> 32 & 0xffff);
    fprintf(stderr, "queued DMAs: %lld completed, %lld missed (0x4000), %lld other\n",
            (long long)out[0], (long long)out[1], (long long)out[2]);
}

int main(void)
{
    check_begin();
    int ida = vt_hugeseg(vt_key(5), SEG, 0600);
    int idb = shmget(vt_key(5), SEG, IPC_CREAT | IPC_EXCL | SHM_HUGETLB | 0600);
    if (idb < 0) { /* skipped: leave nothing behind */
        fprintf(stderr, "cannot create a second huge-page segment: %s\n", strerror(errno));
        shmctl(ida, IPC_RMID, NULL);
        return TEST_SKIP;
    }
    char *sa = shmat(ida, NULL, 0), *sb = shmat(idb, NULL, 0);
    CHECK(sa != (void *)-1 && sb != (void *)-1);
    memset(sa, 0xaa, SEG);
    memset(sb, 0x5b, SEG);
    struct veo_proc_handle *h = vt_proc();
    void *hm;
    CHECK_EQ(veo_alloc_hmem(h, &hm, SEG), 0);
    uint64_t ve = (uint64_t)veo_get_hmem_addr(hm);
    uint64_t mv = veo_register_mem_to_dmaatb(hm, SEG);
    CHECK(mv != (uint64_t)-1);
    char *buf = malloc(SEG);
    memset(buf, 0x33, SEG);
    CHECK_EQ(veo_write_mem(h, ve, buf, SEG), 0);
    int64_t c[3];

    /* 1. writes queued for A's VEHVA; A detached; B attached there */
    void *va, *vb;
    void *ata = veo_shmat(h, ida, NULL, 0, &va);
    CHECK(ata != (void *)-1);
    CHECK(post_many(h, (uint64_t)va, mv) >= VE_DMA_NDESC);
    CHECK_EQ(veo_shmdt(h, ata), 0);
    void *atb = veo_shmat(h, idb, NULL, 0, &vb);
    CHECK(atb != (void *)-1);
    CHECK_EQ((uint64_t)vb, (uint64_t)va); /* first fit: the same VEHVA */
    wait_count(h, c);
    CHECK(c[1] >= 1);  /* some were caught queued: the attack was real */
    CHECK_EQ(c[2], 0); /* and nothing but "missing page" or success */
    CHECK(all_bytes(sb, SEG, 0x5b)); /* B untouched */
    CHECK_EQ(veo_shmdt(h, atb), 0);

    /* 2. reads queued from A's VEHVA; A detached; B attached there: VE
     * memory must not receive B's bytes */
    ata = veo_shmat(h, ida, NULL, 0, &va);
    CHECK(ata != (void *)-1);
    memset(sa, 0xaa, SEG);
    CHECK(post_many(h, mv, (uint64_t)va) >= VE_DMA_NDESC);
    CHECK_EQ(veo_shmdt(h, ata), 0);
    atb = veo_shmat(h, idb, NULL, 0, &vb);
    CHECK(atb != (void *)-1);
    CHECK_EQ((uint64_t)vb, (uint64_t)va);
    wait_count(h, c);
    CHECK(c[1] >= 1);
    CHECK_EQ(c[2], 0);
    CHECK_EQ(veo_read_mem(h, buf, ve, XFER), 0);
    CHECK(memchr(buf, 0x5b, XFER) == NULL); /* nothing of B leaked into VE memory */
    CHECK_EQ(veo_shmdt(h, atb), 0);

    /* 3. the same with VE memory: writes queued for a registered buffer, the
     * buffer unregistered, another one registered at the same VEHVA */
    void *hm2;
    CHECK_EQ(veo_alloc_hmem(h, &hm2, SEG), 0);
    uint64_t ve2 = (uint64_t)veo_get_hmem_addr(hm2);
    memset(buf, 0x77, SEG);
    CHECK_EQ(veo_write_mem(h, ve2, buf, SEG), 0);
    ata = veo_shmat(h, ida, NULL, 0, &va);
    CHECK(ata != (void *)-1);
    CHECK(post_many(h, mv, (uint64_t)va) >= VE_DMA_NDESC);
    CHECK_EQ(veo_unregister_mem_from_dmaatb(h, mv), 0);
    uint64_t mv2 = veo_register_mem_to_dmaatb(hm2, SEG);
    CHECK_EQ(mv2, mv);
    wait_count(h, c);
    CHECK(c[1] >= 1);
    CHECK_EQ(c[2], 0);
    CHECK_EQ(veo_read_mem(h, buf, ve2, SEG), 0);
    CHECK(all_bytes(buf, SEG, 0x77)); /* the newcomer untouched */
    /* a DMA posted now reaches the new registration normally */
    CHECK_EQ(veo_dma_post_wait(h, mv2, (uint64_t)va, 4096), 0);
    CHECK_EQ(veo_read_mem(h, buf, ve2, 4096), 0);
    CHECK(all_bytes(buf, 4096, 0xaa));
    CHECK_EQ(veo_unregister_mem_from_dmaatb(h, mv2), 0);
    CHECK_EQ(veo_shmdt(h, ata), 0);
    CHECK_EQ(vt_nattch(ida), 1);
    CHECK_EQ(vt_nattch(idb), 1);

    veo_free_hmem(hm);
    veo_free_hmem(hm2);
    veo_proc_destroy(h);
    free(buf);
    shmdt(sa);
    shmdt(sb);
    shmctl(ida, IPC_RMID, NULL);
    shmctl(idb, IPC_RMID, NULL);
    CHECK_EQ(vt_helpers_of_mine(), 0);
    return check_end();
}
