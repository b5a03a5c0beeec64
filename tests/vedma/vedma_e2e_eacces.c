/* EACCES: a VEO program running as an unprivileged user (a forked child that
 * switched to nobody; its VE process inherits the uid) against root-owned
 * segments: 0600 (no access at all) and 0444 (read only: SHM_RDONLY works,
 * and a DMA writing into it gets exception 0x8000). */
#include "vedma_common.h"
#include <grp.h>
#include <pwd.h>

static int child(key_t k600, int id600, key_t k444, int id444)
{
    struct passwd *pw = getpwnam("nobody");
    uid_t uid = pw ? pw->pw_uid : 65534;
    gid_t gid = pw ? pw->pw_gid : 65534;
    if (setgroups(0, NULL) || setgid(gid) || setuid(uid)) {
        perror("dropping privileges");
        return 1;
    }
    struct veo_proc_handle *h = vt_proc();
    void *v;
    /* shmget checks the access mode asked for in shmflag */
    CHECK_ERRNO(veo_shmget(h, k600, 0, SHM_HUGETLB | 0600), -1, EACCES);
    CHECK_ERRNO(veo_shmget(h, k600, 0, SHM_HUGETLB | 0400), -1, EACCES);
    CHECK_ERRNO(veo_shmget(h, k444, 0, SHM_HUGETLB | 0600), -1, EACCES);
    CHECK_EQ(veo_shmget(h, k444, 0, SHM_HUGETLB | 0400), id444);
    /* shmat checks read/write, or read with SHM_RDONLY */
    CHECK_ERRNO(veo_shmat(h, id600, NULL, 0, &v), -1, EACCES);
    CHECK_ERRNO(veo_shmat(h, id600, NULL, SHM_RDONLY, &v), -1, EACCES);
    CHECK_ERRNO(veo_shmat(h, id444, NULL, 0, &v), -1, EACCES);
    void *at = veo_shmat(h, id444, NULL, SHM_RDONLY, &v);
    CHECK(at != (void *)-1);
    CHECK_EQ(vt_nattch(id444), 1);
    void *hm;
    CHECK_EQ(veo_alloc_hmem(h, &hm, 2 * MB), 0);
    uint64_t mv = veo_register_mem_to_dmaatb(hm, 2 * MB);
    CHECK(mv != (uint64_t)-1);
    CHECK_EQ(veo_dma_post_wait(h, mv, (uint64_t)v, 2 * MB), 0);      /* read: fine */
    CHECK_EQ(veo_dma_post_wait(h, (uint64_t)v, mv, 2 * MB), 0x8000); /* write: protection */
    uint32_t w;
    CHECK_EQ(veo_read_mem(h, &w, (uint64_t)veo_get_hmem_addr(hm) + 4096, 4), 0);
    CHECK_EQ(w, 0x12345678);
    CHECK_EQ(veo_shmdt(h, at), 0);
    CHECK_EQ(vt_nattch(id444), 0);
    veo_free_hmem(hm);
    veo_proc_destroy(h);
    return check_failures ? 1 : 0;
}

int main(void)
{
    check_begin();
    if (geteuid() != 0) {
        fprintf(stderr, "needs root to create root-owned segments and switch users\n");
        return TEST_SKIP;
    }
    key_t k600 = vt_key(5), k444 = vt_key(5);
    int id600 = vt_hugeseg(k600, 2 * MB, 0600);
    int id444 = vt_hugeseg(k444, 2 * MB, 0444);
    uint32_t *p = shmat(id444, NULL, 0); /* root may write anyway */
    CHECK(p != (void *)-1);
    p[1024] = 0x12345678;
    shmdt(p);

    pid_t pid = fork();
    if (pid == 0)
        _exit(child(k600, id600, k444, id444));
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    p = shmat(id444, NULL, SHM_RDONLY);
    CHECK_EQ(p[1024], 0x12345678); /* the refused DMA wrote nothing */
    shmdt(p);
    shmctl(id600, IPC_RMID, NULL);
    shmctl(id444, IPC_RMID, NULL);
    return check_end();
}
