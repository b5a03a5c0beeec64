/* A VH process killed (SIGKILL) while its VE process has VH-VE SHM segments
 * attached, VE memory registered and DMAs in flight (queued from the VH and
 * issued non-stop by VE code on a second context). Afterwards: the VE
 * process is gone, the segments' shm_nattch is back to what the test holds,
 * and once removed they give their huge pages back. */
#include "vedma_common.h"
#include <sys/prctl.h>

static long hp_free(void)
{
    char line[256];
    long v = -1;
    FILE *f = fopen("/proc/meminfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "HugePages_Free: %ld", &v) == 1)
            break;
    if (f)
        fclose(f);
    return v;
}

static void vh_child(int ida, int idb, int fd)
{
    struct veo_proc_handle *h = vt_proc();
    void *va, *vb, *hm;
    if (veo_shmat(h, ida, NULL, 0, &va) == (void *)-1 ||
        veo_shmat(h, idb, NULL, SHM_RDONLY, &vb) == (void *)-1 ||
        veo_alloc_hmem(h, &hm, 64 * MB))
        _exit(1);
    uint64_t mv = veo_register_mem_to_dmaatb(hm, 64 * MB);
    if (mv == (uint64_t)-1)
        _exit(1);
    struct veo_thr_ctxt *ctx = veo_context_open(h);
    struct veo_thr_ctxt *ctx2 = veo_context_open(h);
    struct veo_args *a = veo_args_alloc();
    veo_args_set_u64(a, 0, (uint64_t)va);
    veo_args_set_u64(a, 1, mv);
    veo_args_set_i64(a, 2, 16 * MB);
    if (!ctx || !ctx2 || veo_call_async(ctx2, vt_sym(h, "vt_dma_forever"), a) == VEO_REQUEST_ID_INVALID)
        _exit(1);
    ve_dma_handle_t dh[16];
    for (int i = 0; i < 16; i++)
        veo_dma_post(h, mv, (uint64_t)vb, 32 * MB, &dh[i]);
    pid_t pid = vt_helper_pid(h);
    if (write(fd, &pid, sizeof pid) != sizeof pid)
        _exit(1);
    for (;;) /* keep the VH busy too */
        veo_dma_post_wait(h, (uint64_t)va + 32 * MB, mv, 32 * MB);
}

int main(void)
{
    check_begin();
    long free0 = hp_free();
    /* Orphaned VE processes come to us, not to init, so that we can reap
     * them (and see how they ended) instead of leaving zombies around. */
    CHECK_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    int ida = vt_hugeseg(vt_key(7), 64 * MB, 0600);
    int idb = vt_hugeseg(vt_key(7), 32 * MB, 0600);
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        vh_child(ida, idb, fds[1]);
    }
    close(fds[1]);
    pid_t helper = -1;
    CHECK_EQ(read(fds[0], &helper, sizeof helper), (ssize_t)sizeof helper);
    close(fds[0]);
    CHECK(helper > 0);
    CHECK(vt_helper_alive(helper));
    CHECK_EQ(vt_nattch(ida), 1);
    CHECK_EQ(vt_nattch(idb), 1);
    usleep(100000); /* DMAs running */
    CHECK_EQ(kill(child, SIGKILL), 0);
    int st;
    CHECK_EQ(waitpid(child, &st, 0), child);
    CHECK(WIFSIGNALED(st));

    int i;
    for (i = 0; i < 1000 && (vt_helper_alive(helper) || vt_nattch(ida) || vt_nattch(idb)); i++)
        usleep(10000);
    CHECK(!vt_helper_alive(helper));
    CHECK_EQ(waitpid(helper, &st, 0), helper); /* it was ours to reap */
    fprintf(stderr, "VE process ended: %s %d\n", WIFEXITED(st) ? "exit" : "signal",
            WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    CHECK_EQ(vt_nattch(ida), 0);
    CHECK_EQ(vt_nattch(idb), 0);
    fprintf(stderr, "VE process gone after ~%d ms\n", i * 10);
    CHECK_EQ(shmctl(ida, IPC_RMID, NULL), 0);
    CHECK_EQ(shmctl(idb, IPC_RMID, NULL), 0);
    /* With no attachment left, IPC_RMID destroyed the segments at once, and
     * a destroyed hugetlb segment's pages are back in the pool. (Comparing
     * HugePages_Free would be racy: other tests may run in parallel.) */
    struct shmid_ds ds;
    CHECK_ERRNO(shmctl(ida, IPC_STAT, &ds), -1, EINVAL);
    CHECK_ERRNO(shmctl(idb, IPC_STAT, &ds), -1, EINVAL);
    if (hp_free() != free0)
        fprintf(stderr, "note: HugePages_Free %ld -> %ld (other tests running?)\n", free0, hp_free());
    CHECK_EQ(vt_helpers_of_mine(), 0); /* every VE process ended and was reaped */
    return check_end();
}
