/* veo_shmget / veo_shmat / veo_shmdt end to end through a rashm-ve helper:
 * every errno the seed lists that a kernel produces on demand (EACCES, fault
 * injected ones and EBUSY/ENOTSUP have their own tests), shm_nattch rising
 * and falling, the whole segment registered, 4 KiB segments refused, and the
 * VE-side vh_shm* called from VE code. */
#include "vedma_common.h"

int main(void)
{
    check_begin();
    key_t key = vt_key(1), key4k = vt_key(1), nokey = vt_key(1);
    int id = vt_hugeseg(key, 8 * MB, 0600);
    int id4k = shmget(key4k, 8 * MB, IPC_CREAT | IPC_EXCL | 0600);
    CHECK(id4k >= 0);
    struct veo_proc_handle *h = vt_proc();

    /* veo_shmget, in the reference's order */
    CHECK_ERRNO(veo_shmget(h, IPC_PRIVATE, 2 * MB, SHM_HUGETLB), -1, EINVAL);
    CHECK_ERRNO(veo_shmget(h, key, 2 * MB, 0), -1, EINVAL);
    CHECK_ERRNO(veo_shmget(h, IPC_PRIVATE, 2 * MB, 0), -1, EINVAL);
    CHECK_ERRNO(veo_shmget(h, key, 2 * MB, SHM_HUGETLB | SHM_NORESERVE), -1, EINVAL);
    CHECK_ERRNO(veo_shmget(h, key, 2 * MB, SHM_HUGETLB | IPC_EXCL), -1, EINVAL);
    CHECK_ERRNO(veo_shmget(h, key, 2 * MB, SHM_HUGETLB | IPC_CREAT), -1, EINVAL);
    CHECK_ERRNO(veo_shmget(h, nokey, 2 * MB, SHM_HUGETLB | IPC_CREAT), -1, EINVAL);
    CHECK_ERRNO(veo_shmget(h, nokey, 2 * MB, SHM_HUGETLB), -1, ENOENT);
    CHECK_ERRNO(veo_shmget(h, key, 10 * MB, SHM_HUGETLB), -1, EINVAL);
    CHECK_EQ(veo_shmget(h, key, 8 * MB, SHM_HUGETLB), id);
    CHECK_EQ(veo_shmget(h, key, 1, SHM_HUGETLB | 0600), id); /* smaller: whole segment */
    CHECK_ERRNO(veo_shmget(NULL, key, 2 * MB, SHM_HUGETLB), -1, EINVAL);

    /* veo_shmat */
    void *vehva = (void *)0x1;
    CHECK_ERRNO(veo_shmat(h, id, NULL, 0, NULL), -1, EFAULT);
    CHECK_ERRNO(veo_shmat(h, id, (void *)(64 * MB), 0, NULL), -1, EFAULT); /* vehva first */
    vehva = (void *)0x1234;
    CHECK_ERRNO(veo_shmat(h, id, (void *)(64 * MB), 0, &vehva), -1, EINVAL);
    CHECK(vehva == NULL); /* the call ran on the VE: its zero-filled OUT slot comes back, as in AVEO */
    CHECK_ERRNO(veo_shmat(h, id, NULL, SHM_EXEC, &vehva), -1, EINVAL);
    CHECK_ERRNO(veo_shmat(h, id, NULL, SHM_REMAP, &vehva), -1, EINVAL);
    CHECK_ERRNO(veo_shmat(h, id, NULL, SHM_RND, &vehva), -1, EINVAL);
    CHECK_ERRNO(veo_shmat(h, id, NULL, SHM_RDONLY | SHM_RND, &vehva), -1, EINVAL);
    CHECK_ERRNO(veo_shmat(h, -1, NULL, 0, &vehva), -1, EINVAL);
    CHECK_ERRNO(veo_shmat(h, id + 0x100000, NULL, 0, &vehva), -1, EINVAL); /* stale id */
    CHECK_EQ(vt_nattch(id), 0);
    CHECK_ERRNO(veo_shmat(h, id4k, NULL, 0, &vehva), -1, EFAULT);       /* not huge */
    CHECK_EQ(vt_nattch(id4k), 0);                                         /* undone */

    void *at1 = veo_shmat(h, id, NULL, 0, &vehva);
    CHECK(at1 != (void *)-1);
    CHECK_EQ(vt_nattch(id), 1);
    CHECK((uint64_t)vehva >= 0x8800000000ULL && (uint64_t)vehva < 0x9000000000ULL);
    CHECK_EQ((uint64_t)vehva % (2 * MB), 0);
    void *vehva2;
    void *at2 = veo_shmat(h, id, NULL, SHM_RDONLY, &vehva2);
    CHECK(at2 != (void *)-1 && at2 != at1);
    CHECK_EQ(vt_nattch(id), 2);
    /* a second attach gets the next free 2 MiB pages: the whole 8 MiB
     * segment was registered by the first */
    CHECK_EQ((uint64_t)vehva2 - (uint64_t)vehva, 8 * MB);

    /* Linux lets a segment marked for removal be attached; so do we */
    key_t krm = vt_key(1);
    int idrm = vt_hugeseg(krm, 2 * MB, 0600);
    void *p = shmat(idrm, NULL, 0);
    CHECK(p != (void *)-1);
    CHECK_EQ(shmctl(idrm, IPC_RMID, NULL), 0);
    void *vrm;
    void *atrm = veo_shmat(h, idrm, NULL, 0, &vrm);
    CHECK(atrm != (void *)-1);
    CHECK_EQ(vt_nattch(idrm), 2);
    CHECK_EQ(veo_shmdt(h, atrm), 0);
    CHECK_EQ(vt_nattch(idrm), 1);
    shmdt(p); /* last detach: the segment goes away */

    /* veo_shmdt */
    CHECK_ERRNO(veo_shmdt(h, NULL), -1, EINVAL);
    CHECK_ERRNO(veo_shmdt(h, (char *)at1 + 4096), -1, EINVAL);   /* inside, not the start */
    CHECK_ERRNO(veo_shmdt(h, (char *)at1 + 1), -1, EINVAL);      /* not page aligned */
    CHECK_ERRNO(veo_shmdt(h, (void *)0x7000000000ULL), -1, EINVAL); /* never attached */
    CHECK_EQ(veo_shmdt(h, at2), 0);
    CHECK_EQ(vt_nattch(id), 1);
    CHECK_ERRNO(veo_shmdt(h, at2), -1, EINVAL);                  /* already detached */
    CHECK_EQ(veo_shmdt(h, at1), 0);
    CHECK_EQ(vt_nattch(id), 0);

    /* VE code using <vhshm.h> and <vedma.h> itself */
    char *seg = shmat(id, NULL, 0);
    for (size_t i = 0; i < 4 * MB; i++)
        seg[i] = (char)(i * 13);
    uint64_t ve;
    CHECK_EQ(veo_alloc_mem(h, &ve, 4 * MB), 0);
    CHECK_EQ(ve % (2 * MB), 0);
    struct veo_args *a = veo_args_alloc();
    veo_args_set_i64(a, 0, key);
    veo_args_set_u64(a, 1, ve);
    veo_args_set_u64(a, 2, 4 * MB);
    uint64_t r = 1;
    CHECK_EQ(veo_call_sync(h, vt_sym(h, "vt_vh_shm_copy"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ((int64_t)r, 0);
    char *back = malloc(4 * MB);
    CHECK_EQ(veo_read_mem(h, back, ve, 4 * MB), 0);
    CHECK(memcmp(back, seg, 4 * MB) == 0);
    CHECK_EQ(vt_nattch(id), 1); /* only ours: the VE side detached */
    free(back);
    veo_args_free(a);
    shmdt(seg);

    /* a process destroyed with a segment attached detaches it */
    CHECK(veo_shmat(h, id, NULL, 0, &vehva) != (void *)-1);
    CHECK_EQ(vt_nattch(id), 1);
    veo_proc_destroy(h);
    CHECK_EQ(vt_nattch(id), 0);

    shmctl(id, IPC_RMID, NULL);
    shmctl(id4k, IPC_RMID, NULL);
    CHECK_EQ(vt_helpers_of_mine(), 0); /* every VE process ended and was reaped */
    return check_end();
}
