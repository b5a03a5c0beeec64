/* SHM_PIN (argv[1]: "4k" or "huge"): right after ra_shmget/ra_shmgetv
 * returns, every page is resident (the kernel's shm_rss, and move_pages on
 * an attach that touches nothing) and, for 4 KiB pages, the segment is
 * locked (SHM_LOCKED in IPC_STAT). Huge pages are never swapped and the
 * kernel ignores SHM_LOCK for them, so only residency is asked there.
 * Without SHM_PIN nothing is resident. */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"

#include <numaif.h>
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

/* Pages present, asked without touching them (move_pages with no target
 * nodes reports -ENOENT for a page that is not there). */
static size_t pages_present(int id, size_t size)
{
    char *p = shmat(id, NULL, SHM_RDONLY);
    if (p == (char *)-1)
        return 0;
    size_t n = size / pgsz, present = 0;
    void **pages = calloc(n, sizeof *pages);
    int *status = calloc(n, sizeof *status);
    for (size_t i = 0; i < n; i++)
        pages[i] = p + i * pgsz;
    if (move_pages(0, n, pages, NULL, status, 0) == 0)
        for (size_t i = 0; i < n; i++)
            present += status[i] == 0;   /* node 0: the only node here */
    free(pages);
    free(status);
    shmdt(p);
    return present;
}

static void check_pinned(int id, size_t size, int pinned)
{
    struct shmid_ds ds;
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.shm_nattch, 0);                 /* the call does not stay attached */
    if (!hugeflag)
        CHECK_EQ((ds.shm_perm.mode & SHM_LOCKED) != 0, pinned);
    CHECK_EQ(shm_rss(id), pinned ? (long long)size : 0);
    CHECK_EQ(pages_present(id, size), pinned ? size / pgsz : 0);
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
    CHECK_EQ(SHM_PIN & (0x3f << 26), 0);   /* SHM_HUGE_* page-size bits 26-31 */

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
