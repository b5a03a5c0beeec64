/* DMAATB exhaustion: with RASHM_VE_DMAATB_DIRS=1 and RASHM_VE_DMAATB_ENTRIES=8
 * (set by CTest) a VE process has 8 entries of 2 MiB = 16 MiB of VH-VE SHM.
 * veo_shmat fails with ENOMEM (nothing attached), veo_register_mem_to_dmaatb
 * too, and both work again after a veo_shmdt. */
#include "vedma_common.h"

int main(void)
{
    check_begin();
    int id = vt_hugeseg(vt_key(3), 6 * MB, 0600);
    struct veo_proc_handle *h = vt_proc();
    void *v1, *v2, *v3;
    void *a1 = veo_shmat(h, id, NULL, 0, &v1); /* 3 entries */
    void *a2 = veo_shmat(h, id, NULL, 0, &v2); /* 6 entries */
    CHECK(a1 != (void *)-1 && a2 != (void *)-1);
    CHECK_EQ(vt_nattch(id), 2);
    CHECK_ERRNO(veo_shmat(h, id, NULL, 0, &v3), -1, ENOMEM);
    CHECK_EQ(vt_nattch(id), 2); /* the VE process detached again */

    void *hm;
    CHECK_EQ(veo_alloc_hmem(h, &hm, 4 * MB), 0);
    /* 2 entries left: 2 MiB fits, then 4 MiB does not; a 64 MiB-page
     * registration would need a second directory */
    uint64_t m1 = veo_register_mem_to_dmaatb(hm, 2 * MB);
    CHECK(m1 != (uint64_t)-1);
    CHECK_ERRNO(veo_register_mem_to_dmaatb(hm, 4 * MB), (uint64_t)-1, ENOMEM);
    void *h64;
    CHECK_EQ(veo_alloc_hmem(h, &h64, 64 * MB), 0);
    CHECK_ERRNO(veo_register_mem_to_dmaatb(h64, 64 * MB), (uint64_t)-1, ENOMEM);
    CHECK_EQ(veo_unregister_mem_from_dmaatb(h, m1), 0);

    /* recovery */
    CHECK_EQ(veo_shmdt(h, a1), 0);
    void *a3 = veo_shmat(h, id, NULL, 0, &v3);
    CHECK(a3 != (void *)-1);
    CHECK_EQ(vt_nattch(id), 2);
    CHECK_EQ(veo_shmdt(h, a2), 0);
    CHECK_EQ(veo_shmdt(h, a3), 0);
    CHECK_EQ(vt_nattch(id), 0);
    /* everything free: the one directory can now serve 64 MiB pages */
    uint64_t m64 = veo_register_mem_to_dmaatb(h64, 64 * MB);
    CHECK(m64 >= 0x70000000000ULL && m64 != (uint64_t)-1);
    CHECK_ERRNO(veo_shmat(h, id, NULL, 0, &v3), -1, ENOMEM); /* dir taken by 64 MiB */
    CHECK_EQ(veo_unregister_mem_from_dmaatb(h, m64), 0);
    a3 = veo_shmat(h, id, NULL, 0, &v3);
    CHECK(a3 != (void *)-1);
    CHECK_EQ(veo_shmdt(h, a3), 0);

    veo_free_hmem(hm);
    veo_free_hmem(h64);
    veo_proc_destroy(h);
    shmctl(id, IPC_RMID, NULL);
    CHECK_EQ(vt_helpers_of_mine(), 0); /* every VE process ended and was reaped */
    return check_end();
}
