/* EACCES: a VEO program running as an unprivileged user (a forked child that
 * switched to nobody; its VE process inherits the uid) against root-owned
 * segments: 0600 (no access at all) and 0444 (read only: SHM_RDONLY works,
 * and a DMA writing into it gets exception 0x8000). */
#include "vedma_common.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>

/* The build tree may not be readable by nobody (a clone under /root): the
 * VE process, which runs as nobody too, gets its own copies of the helper and
 * the VE-side runtime in a world-readable temporary folder. */
static char tmpdir[] = "/tmp/vedma-eacces.XXXXXX";
static char helper_copy[PATH_MAX], runtime_copy[PATH_MAX];

static int copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[1 << 16];
    ssize_t n;
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
    int rc = in >= 0 && out >= 0 ? 0 : -1;
    while (!rc && (n = read(in, buf, sizeof buf)) > 0)
        rc = write(out, buf, (size_t)n) == n ? 0 : -1;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return rc || chmod(to, mode) ? -1 : 0;
}

static int stage_copies(void)
{
    Dl_info info;
    char dir[PATH_MAX], from[PATH_MAX + 32];
    if (!mkdtemp(tmpdir) || chmod(tmpdir, 0755))
        return -1;
    if (!dladdr((void *)veo_proc_create, &info) || !info.dli_fname)
        return -1;
    snprintf(dir, sizeof dir, "%s", info.dli_fname);
    *strrchr(dir, '/') = 0;
    const char *env = getenv("RASHM_VE_HELPER");
    if (env && *env)
        snprintf(from, sizeof from, "%s", env);
    else
        snprintf(from, sizeof from, "%s/../bin/rashm-ve", dir);
    snprintf(helper_copy, sizeof helper_copy, "%s/rashm-ve", tmpdir);
    if (copy_file(from, helper_copy, 0755))
        return -1;
    /* the helper's DT_NEEDED name; LD_LIBRARY_PATH finds it before RUNPATH */
    snprintf(from, sizeof from, "%s/librashm-ve.so.0", dir);
    snprintf(runtime_copy, sizeof runtime_copy, "%s/librashm-ve.so.0", tmpdir);
    return copy_file(from, runtime_copy, 0755);
}

static void unstage_copies(void)
{
    unlink(helper_copy);
    unlink(runtime_copy);
    rmdir(tmpdir);
}

static int id4k; /* a 0444 segment of 4 KiB pages */

static int child(key_t k600, int id600, key_t k444, int id444)
{
    struct passwd *pw = getpwnam("nobody");
    uid_t uid = pw ? pw->pw_uid : 65534;
    gid_t gid = pw ? pw->pw_gid : 65534;
    if (setgroups(0, NULL) || setgid(gid) || setuid(uid)) {
        perror("dropping privileges");
        return 1;
    }
    setenv("RASHM_VE_HELPER", helper_copy, 1);
    setenv("RASHM_VE_RUNTIME_LIB", runtime_copy, 1);
    setenv("LD_LIBRARY_PATH", tmpdir, 1);
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
    /* unprivileged, the VE process checks the page size through smaps (the
     * map_files fast path needs CAP_SYS_ADMIN): still EFAULT for 4 KiB pages */
    CHECK_ERRNO(veo_shmat(h, id4k, NULL, SHM_RDONLY, &v), -1, EFAULT);
    CHECK_EQ(vt_nattch(id4k), 0);
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
    id4k = shmget(vt_key(5), 2 * MB, IPC_CREAT | IPC_EXCL | 0444);
    CHECK(id4k >= 0);
    uint32_t *p = shmat(id444, NULL, 0); /* root may write anyway */
    CHECK(p != (void *)-1);
    p[1024] = 0x12345678;
    shmdt(p);

    CHECK_EQ(stage_copies(), 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(child(k600, id600, k444, id444));
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    p = shmat(id444, NULL, SHM_RDONLY);
    CHECK_EQ(p[1024], 0x12345678); /* the refused DMA wrote nothing */
    shmdt(p);
    unstage_copies();
    shmctl(id600, IPC_RMID, NULL);
    shmctl(id444, IPC_RMID, NULL);
    shmctl(id4k, IPC_RMID, NULL);
    CHECK_EQ(vt_helpers_of_mine(), 0); /* every VE process ended and was reaped */
    return check_end();
}
