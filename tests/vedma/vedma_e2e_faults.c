/* Errors a kernel cannot produce on demand, and the VEO-level failures:
 *  - ECANCELED (IPC_STAT / DMAATB release failing inside VEOS), EIDRM (the id
 *    removed between lookup and attach), ENOTSUP (VEOS not connected to IVED):
 *    INJECTED with RASHM_VE_FAULT in the VE process;
 *  - ENOTSUP: the VE-side runtime library cannot be loaded, or lacks the
 *    symbol (RASHM_VE_RUNTIME_LIB);
 *  - EBUSY: the main context died (an exception in VE code), the VE process
 *    died (killed). */
#include "vedma_common.h"

int main(void)
{
    check_begin();
    key_t key = vt_key(4);
    int id = vt_hugeseg(key, 2 * MB, 0600);
    void *v;

    /* injected faults, each once, in the order the checks run */
    setenv("RASHM_VE_FAULT", "shmat:EIDRM:1,shmat_stat:ECANCELED:1,ived:ENOTSUP:1,shmdt:ECANCELED:1", 1);
    struct veo_proc_handle *h = vt_proc();
    unsetenv("RASHM_VE_FAULT");
    CHECK_ERRNO(veo_shmat(h, id, NULL, 0, &v), -1, EIDRM);
    CHECK_ERRNO(veo_shmat(h, id, NULL, 0, &v), -1, ECANCELED);
    CHECK_EQ(vt_nattch(id), 0); /* attached, then undone */
    CHECK_ERRNO(veo_shmat(h, id, NULL, 0, &v), -1, ENOTSUP);
    CHECK_EQ(vt_nattch(id), 0);
    void *at = veo_shmat(h, id, NULL, 0, &v);
    CHECK(at != (void *)-1);
    CHECK_ERRNO(veo_shmdt(h, at), -1, ECANCELED);
    CHECK_EQ(vt_nattch(id), 1); /* still attached and registered */
    CHECK_EQ(veo_shmdt(h, at), 0);
    CHECK_EQ(vt_nattch(id), 0);
    veo_proc_destroy(h);

    /* ENOTSUP: runtime library missing, or without the symbols */
    h = vt_proc();
    setenv("RASHM_VE_RUNTIME_LIB", "/nonexistent/librashm-ve.so", 1);
    CHECK_ERRNO(veo_shmget(h, key, 0, SHM_HUGETLB), -1, ENOTSUP);
    CHECK_ERRNO(veo_shmat(h, id, NULL, 0, &v), -1, ENOTSUP);
    CHECK_ERRNO(veo_shmdt(h, (void *)0x1000), -1, ENOTSUP);
    CHECK_EQ(veo_dma_post_wait(h, 0, 0, 4), -ENOTSUP);
    setenv("RASHM_VE_RUNTIME_LIB", "libm.so.6", 1); /* loads, but no symbol */
    CHECK_ERRNO(veo_shmget(h, key, 0, SHM_HUGETLB), -1, ENOTSUP);
    ve_dma_handle_t dh;
    CHECK_EQ(veo_dma_post(h, 0, 0, 4, &dh), -ENOTSUP);
    unsetenv("RASHM_VE_RUNTIME_LIB");
    CHECK_EQ(veo_shmget(h, key, 0, SHM_HUGETLB), id); /* found now */

    /* EBUSY: an exception kills the main context the calls run on */
    uint64_t r;
    CHECK_EQ(veo_call_sync(h, vt_sym(h, "vt_crash"), NULL, &r), -1); /* AVEO: -1 */
    CHECK_ERRNO(veo_shmget(h, key, 0, SHM_HUGETLB), -1, EBUSY);
    CHECK_ERRNO(veo_shmat(h, id, NULL, 0, &v), -1, EBUSY);
    CHECK_ERRNO(veo_shmdt(h, (void *)0x1000), -1, EBUSY);
    CHECK_EQ(veo_dma_post_wait(h, 0, 0, 4), -EBUSY);
    veo_proc_destroy(h);

    /* EBUSY: the VE process died */
    h = vt_proc();
    CHECK_EQ(veo_shmget(h, key, 0, SHM_HUGETLB), id); /* runtime loaded */
    at = veo_shmat(h, id, NULL, 0, &v);
    CHECK(at != (void *)-1);
    pid_t pid = vt_helper_pid(h);
    CHECK(pid > 0);
    CHECK_EQ(kill(pid, SIGKILL), 0);
    for (int i = 0; i < 500 && vt_helper_alive(pid); i++)
        usleep(10000);
    CHECK_ERRNO(veo_shmget(h, key, 0, SHM_HUGETLB), -1, EBUSY);
    CHECK_ERRNO(veo_shmat(h, id, NULL, 0, &v), -1, EBUSY);
    CHECK_ERRNO(veo_shmdt(h, at), -1, EBUSY);
    CHECK_EQ(veo_dma_post(h, 0, 0, 4, &dh), -EBUSY);
    dh.status = -1;
    dh.index = 0;
    CHECK_EQ(veo_dma_poll(h, &dh), -EBUSY);
    CHECK_ERRNO(veo_unregister_mem_from_dmaatb(h, 0x70000000000ULL), -1, EBUSY);
    CHECK_EQ(vt_nattch(id), 0); /* the kernel detached the dead process */
    veo_proc_destroy(h);

    shmctl(id, IPC_RMID, NULL);
    CHECK_EQ(vt_helpers_of_mine(), 0); /* every VE process ended and was reaped */
    return check_end();
}
