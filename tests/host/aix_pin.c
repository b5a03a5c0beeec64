/* SHM_PIN (argv[1]: "4k" or "huge"): right after ra_shmget/ra_shmgetv
 * returns, every page is resident (the kernel's shm_rss, and move_pages on
 * an attach that touches nothing) and, for 4 KiB pages, the segment is
 * locked (SHM_LOCKED in IPC_STAT). Huge pages are never swapped and the
 * kernel ignores SHM_LOCK for them, so only residency is asked there.
 * Without SHM_PIN nothing is resident (4 KiB). */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"

#include <numaif.h>
#include <sys/mman.h>
#include <sys/rset.h>

static size_t pgsz;
static int hugeflag;

/* rss column of /proc/sysvipc/shm for shmid, in bytes; -1 if absent. */
static long long shm_rss(int id)
{
    char line[512];
    long long rss = -1;
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    if (!f)
        return -1;
    if (fgets(line, sizeof line, f))
        while (fgets(line, sizeof line, f)) {
            long long key, sid, perms, size, cpid, lpid, nattch, uid, gid, cuid, cgid, at, dt, ct, r;
            if (sscanf(line, "%lld %lld %llo %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
                       &key, &sid, &perms, &size, &cpid, &lpid, &nattch, &uid, &gid, &cuid, &cgid, &at,
                       &dt, &ct, &r) == 15 &&
                sid == id)
                rss = r;
        }
    fclose(f);
    return rss;
}

/* 4 KiB pages in the page cache, asked without faulting anything in
 * (mincore reports shmem residency; move_pages would only see pages already
 * mapped in this process). */
static size_t pages_in_core(int id, size_t size)
{
    char *p = shmat(id, NULL, SHM_RDONLY);
    if (p == (char *)-1)
        return 0;
    size_t n = size / pgsz, present = 0;
    unsigned char *vec = calloc(n, 1);
    if (mincore(p, size, vec) == 0)
        for (size_t i = 0; i < n; i++)
            present += vec[i] & 1;
    free(vec);
    shmdt(p);
    return present;
}

/* Pages of an already resident segment that sit on node 0 (the only node
 * here): read each page (mapping it, allocating nothing since it is there)
 * and ask move_pages. */
static size_t pages_on_node0(int id, size_t size)
{
    volatile char *p = shmat(id, NULL, SHM_RDONLY);
    if (p == (char *)-1)
        return 0;
    size_t n = size / pgsz, on0 = 0;
    void **pages = calloc(n, sizeof *pages);
    int *status = calloc(n, sizeof *status);
    for (size_t i = 0; i < n; i++) {
        (void)p[i * pgsz];
        pages[i] = (void *)(p + i * pgsz);
    }
    if (move_pages(0, n, pages, NULL, status, 0) == 0)
        for (size_t i = 0; i < n; i++)
            on0 += status[i] == 0;
    free(pages);
    free(status);
    shmdt((const void *)p);
    return on0;
}

/* How the kernel counts a resident hugetlb segment in the rss column of
 * /proc/sysvipc/shm: bytes per resident byte. Recent kernels index the
 * hugetlb page cache in base pages but still multiply by the pages per huge
 * page (shm_add_rss_swap), so a fully resident segment can show 512 times
 * its size. Measured on a one-page segment this test fills itself. */
static long long rss_scale = 1;

static void calibrate_rss(void)
{
    if (!hugeflag)
        return;
    int id = shmget(IPC_PRIVATE, pgsz, IPC_CREAT | SHM_HUGETLB | 0600);
    CHECK(id >= 0);
    if (id < 0)
        return;
    char *p = shmat(id, NULL, 0);
    CHECK(p != (char *)-1);
    if (p != (char *)-1) {
        p[0] = 1;
        shmdt(p);
    }
    long long rss = shm_rss(id);
    CHECK(rss > 0 && rss % (long long)pgsz == 0);
    if (rss > 0)
        rss_scale = rss / (long long)pgsz;
    RMID(id);
}

static void check_pinned(int id, size_t size, int pinned)
{
    struct shmid_ds ds;
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.shm_nattch, 0);                 /* the call does not stay attached */
    if (!hugeflag)
        CHECK_EQ((ds.shm_perm.mode & SHM_LOCKED) != 0, pinned);
    /* Without SHM_PIN a 4 KiB segment has nothing resident. A huge-page
     * segment may: the kernel keeps no shared policy for hugetlb, so rashm
     * populates balanced and default ranges when it creates them
     * (docs/aix.md, huge pages). */
    if (pinned || !hugeflag)
        CHECK_EQ(shm_rss(id), pinned ? (long long)size * rss_scale : 0);
    if (!hugeflag)
        CHECK_EQ(pages_in_core(id, size), pinned ? size / pgsz : 0);
    if (pinned)
        CHECK_EQ(pages_on_node0(id, size), size / pgsz);
}

int main(int argc, char **argv)
{
    check_begin();
    int huge = argc > 1 && !strcmp(argv[1], "huge");
    pgsz = huge ? HUGE_2M : (size_t)page_size();
    hugeflag = huge ? SHM_HUGETLB : 0;
    rsethandle_t part = rs_alloc(RS_PARTITION);
    CHECK(part != NULL);
    size_t size = 16 * pgsz;
    rsid_t r;
    memset(&r, 0, sizeof r);

    /* SHM_PIN collides with no Linux shmget flag */
    CHECK_EQ(SHM_PIN & (IPC_CREAT | IPC_EXCL | SHM_HUGETLB | SHM_NORESERVE | 0777), 0);
    CHECK_EQ((unsigned)SHM_PIN & (0x3fu << 26), 0);   /* SHM_HUGE_* page-size bits 26-31 */

    calibrate_rss();
    static const unsigned pols[] = { P_DEFAULT, P_FIRST_TOUCH, P_BALANCED };
    for (int i = 0; i < 3; i++) {
        r.at_rset = part;
        int id = ra_shmget(IPC_PRIVATE, size, IPC_CREAT | SHM_PIN | hugeflag | 0600, R_RSET, r, pols[i]);
        CHECK(id >= 0);
        if (id >= 0) {
            check_pinned(id, size, 1);
            RMID(id);
        }
        memset(&r, 0, sizeof r);
        r.at_sradid = 0;
        id = ra_shmget(IPC_PRIVATE, size, IPC_CREAT | SHM_PIN | hugeflag | 0600, R_SRADID, r, pols[i]);
        CHECK(id >= 0);
        if (id >= 0) {
            check_pinned(id, size, 1);
            RMID(id);
        }
        /* and not pinned without the flag */
        id = ra_shmget(IPC_PRIVATE, size, IPC_CREAT | hugeflag | 0600, R_SRADID, r, pols[i]);
        CHECK(id >= 0);
        if (id >= 0) {
            check_pinned(id, size, 0);
            RMID(id);
        }
    }

    /* ra_shmgetv: every subrange resident, whatever its policy */
    subrange_t v[3];
    memset(v, 0, sizeof v);
    for (int i = 0; i < 3; i++) {
        v[i].su_offset = (off64_t)(i * 4 * pgsz);
        v[i].su_length = i == 2 ? 0 : 4 * pgsz;
        v[i].su_rstype = i == 1 ? R_SRADID : R_RSET;
        if (i == 1)
            v[i].su_rsid.at_sradid = 0;
        else
            v[i].su_rsid.at_rset = part;
        v[i].su_policy = pols[i];
    }
    int id = ra_shmgetv(IPC_PRIVATE, size, IPC_CREAT | SHM_PIN | hugeflag | 0600, 3, v);
    CHECK(id >= 0);
    if (id >= 0) {
        check_pinned(id, size, 1);
        RMID(id);
    }
    rs_free(part);
    return check_end();
}
