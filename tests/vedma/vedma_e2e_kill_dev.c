/* The two processes of a software VE killed one at a time (SIGKILL) while
 * VH-VE SHM segments are attached, VE memory is registered and DMAs are in
 * flight (queued from the VH, and issued non-stop by VE code on a second
 * context):
 *  - the device process (the process the VH started: veo_get_pid_from_hmem):
 *    its VE process dies with it;
 *  - the VE process (the device process's child, which runs VE code): the
 *    device process follows it.
 * Either way, within bounded time: both processes are gone, the segments'
 * shm_nattch is back to 0, VH calls fail with EBUSY (-EBUSY for veo_dma_*)
 * instead of hanging, and after veo_proc_destroy no rashm-ve process of ours
 * is left (none for init to reap either: the device process reaps the VE
 * process, or the VE process is ours as subreaper).
 * Then wedged rather than dead (SIGSTOP; RASHM_VE_TIMEOUT_MS is 1000 here):
 * a stopped device process makes veo_dma_post_wait fail with -EBUSY, a
 * stopped VE process makes a control request (veo_get_sym) fail, each
 * after about the timeout, and the software VE is killed as wedged. */
#include "vedma_common.h"
#include <sys/prctl.h>
#include <time.h>

/* the rashm-ve child of pid (the VE process of a device process) */
static pid_t child_of(pid_t pid)
{
    char path[128], buf[256];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "r");
    pid_t c = -1;
    if (f) {
        if (fgets(buf, sizeof buf, f))
            c = (pid_t)atoi(buf);
        fclose(f);
    }
    return c;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void scenario(int ida, int idb, int kill_device)
{
    struct veo_proc_handle *h = vt_proc();
    void *va, *vb, *hm;
    CHECK(veo_shmat(h, ida, NULL, 0, &va) != (void *)-1);
    CHECK(veo_shmat(h, idb, NULL, SHM_RDONLY, &vb) != (void *)-1);
    CHECK_EQ(veo_alloc_hmem(h, &hm, 64 * MB), 0);
    uint64_t mv = veo_register_mem_to_dmaatb(hm, 64 * MB);
    CHECK(mv != (uint64_t)-1);
    struct veo_thr_ctxt *ctx2 = veo_context_open(h);
    CHECK(ctx2 != NULL);
    uint64_t lib = veo_load_library(h, VEDMA_TEST_VE_LIB);
    uint64_t fn = lib ? veo_get_sym(h, lib, "vt_dma_forever") : 0;
    CHECK(fn != 0);
    struct veo_args *a = veo_args_alloc();
    veo_args_set_u64(a, 0, (uint64_t)va);
    veo_args_set_u64(a, 1, mv);
    veo_args_set_i64(a, 2, 16 * MB);
    uint64_t req = veo_call_async(ctx2, fn, a);
    CHECK(req != VEO_REQUEST_ID_INVALID);
    ve_dma_handle_t dh[16];
    for (int i = 0; i < 16; i++)
        veo_dma_post(h, mv, (uint64_t)vb, 32 * MB, &dh[i]);
    pid_t dev = veo_get_pid_from_hmem(hm);
    pid_t ve = child_of(dev);
    CHECK(dev > 0 && ve > 0);
    CHECK(vt_helper_alive(dev) && vt_helper_alive(ve));
    CHECK_EQ(vt_nattch(ida), 1);
    CHECK_EQ(vt_nattch(idb), 1);
    usleep(50000); /* DMAs running */
    CHECK_EQ(kill(kill_device ? dev : ve, SIGKILL), 0);

    double t0 = now_s();
    while (now_s() - t0 < 10 && (vt_helper_alive(dev) || vt_helper_alive(ve) ||
                                 vt_nattch(ida) || vt_nattch(idb)))
        usleep(10000);
    fprintf(stderr, "%s killed: both gone, segments detached after %.3f s\n",
            kill_device ? "device process" : "VE process", now_s() - t0);
    CHECK(!vt_helper_alive(dev));
    CHECK(!vt_helper_alive(ve));
    CHECK_EQ(vt_nattch(ida), 0);
    CHECK_EQ(vt_nattch(idb), 0);

    double t = now_s();
    void *v;
    CHECK_ERRNO(veo_shmat(h, ida, NULL, 0, &v), -1, EBUSY);
    CHECK_EQ(veo_dma_post_wait(h, (uint64_t)va, mv, 4096), -EBUSY);
    CHECK_EQ(veo_dma_poll(h, &dh[0]) == -EBUSY || dh[0].status != -1, 1);
    uint64_t r;
    CHECK_EQ(veo_call_wait_result(ctx2, req, &r), VEO_COMMAND_ERROR);
    CHECK(now_s() - t < 5);
    veo_args_free(a);
    CHECK_EQ(veo_proc_destroy(h), 0);
}

static void wedged(int id, int stop_device)
{
    struct veo_proc_handle *h = vt_proc();
    void *va, *hm;
    CHECK(veo_shmat(h, id, NULL, 0, &va) != (void *)-1);
    CHECK_EQ(veo_alloc_hmem(h, &hm, 2 * MB), 0);
    uint64_t mv = veo_register_mem_to_dmaatb(hm, 2 * MB);
    CHECK(mv != (uint64_t)-1);
    pid_t dev = veo_get_pid_from_hmem(hm);
    pid_t ve = child_of(dev);
    CHECK(dev > 0 && ve > 0);
    CHECK_EQ(kill(stop_device ? dev : ve, SIGSTOP), 0);
    double t = now_s();
    if (stop_device) {
        CHECK_EQ(veo_dma_post_wait(h, (uint64_t)va, mv, 4096), -EBUSY);
    } else {
        uint64_t lib = veo_load_library(h, VEDMA_TEST_VE_LIB);
        CHECK_EQ(lib, 0);
    }
    double dt = now_s() - t;
    fprintf(stderr, "%s stopped: call failed after %.3f s\n",
            stop_device ? "device process" : "VE process", dt);
    CHECK(dt >= 0.9 && dt < 5);
    t = now_s();
    while (now_s() - t < 10 && (vt_helper_alive(dev) || vt_helper_alive(ve) || vt_nattch(id)))
        usleep(10000);
    CHECK(!vt_helper_alive(dev));
    CHECK(!vt_helper_alive(ve));
    CHECK_EQ(vt_nattch(id), 0);
    void *v;
    CHECK_ERRNO(veo_shmat(h, id, NULL, 0, &v), -1, EBUSY); /* at once now */
    CHECK_EQ(veo_proc_destroy(h), 0);
}

int main(void)
{
    check_begin();
    /* Orphans come to us (not to init), so that a VE process left behind
     * would be counted below. */
    CHECK_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    int ida = vt_hugeseg(vt_key(9), 64 * MB, 0600);
    int idb = vt_hugeseg(vt_key(9), 32 * MB, 0600);
    scenario(ida, idb, 1);
    /* a VE process orphaned by its device process's death came to us:
     * reap it (it was killed with the device) */
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    scenario(ida, idb, 0);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    wedged(ida, 1);
    wedged(ida, 0);
    usleep(100000);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    CHECK_EQ(vt_helpers_of_mine(), 0);
    CHECK_EQ(shmctl(ida, IPC_RMID, NULL), 0);
    CHECK_EQ(shmctl(idb, IPC_RMID, NULL), 0);
    return check_end();
}
