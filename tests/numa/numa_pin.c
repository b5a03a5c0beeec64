/* SHM_PIN in a multi-node guest: when ra_shmget / ra_shmgetv returns, every
 * page is resident (no process has touched anything), placed by its range's
 * policy, and - for 4 KiB segments - the segment is SHM_LOCKED. A later
 * attacher touching every page from another node moves nothing.
 *
 *   numa_pin 4k|huge NODES
 *   numa_pin touch SHMID CPU PAGE       (helper: attach, write every page, detach)
 */
#define _GNU_SOURCE
#include <rashm.h>
#include <sys/rset.h>

#include "guest.h"

static uint64_t page;
static int hugeflag;
static uint64_t chunk;

static void touch_all_from(int shmid, int node)
{
    int rc = g_touch_all_from("numa_pin", shmid, node, page);
    G_EXPECT(rc == 0, "toucher on node %d exited with %d", node, rc);
}

static uint64_t all_nodes_mask(void)
{
    uint64_t m = 0;
    for (int s = 0; s < g_nsrads; s++)
        m |= 1ULL << g_srad_node[s];
    return m;
}

/* Checks right after creation: resident, placed (by `check`), locked. Then a
 * process on node 0 touches everything and the counts must not change. */
static void after_pin(const char *what, int shmid, uint64_t size,
                      void (*check)(const char *, const struct gcount *, int), int arg)
{
    struct gcount c, c2;
    char w[128];
    CHECK_EQ(g_count_seg(shmid, 0, size, page, &c), 0);
    snprintf(w, sizeof w, "%s: placed at return", what);
    check(w, &c, arg);
    struct shmid_ds ds;
    CHECK_EQ(shmctl(shmid, IPC_STAT, &ds), 0);
    if (!hugeflag)
        G_EXPECT(ds.shm_perm.mode & SHM_LOCKED, "%s: 4 KiB segment not SHM_LOCKED (mode %o)", what,
                 ds.shm_perm.mode);
    g_report(w, &c);
    touch_all_from(shmid, g_srad_node[0]);
    CHECK_EQ(g_count_seg(shmid, 0, size, page, &c2), 0);
    snprintf(w, sizeof w, "%s: unchanged after a touch on node 0", what);
    G_EXPECT(memcmp(c.node, c2.node, sizeof c.node) == 0 && c2.resident == c.resident,
             "%s: pages moved", what);
    g_report(w, &c2);
}

static void check_balanced_all(const char *w, const struct gcount *c, int unused)
{
    (void)unused;
    g_expect_balanced(w, c, all_nodes_mask());
}

static void check_on(const char *w, const struct gcount *c, int node) { g_expect_on(w, c, node); }

static int pinned_create(uint64_t size, rstype_t t, rsid_t id, uint_t policy)
{
    int shmid = ra_shmget(IPC_PRIVATE, size, IPC_CREAT | SHM_PIN | 0600 | hugeflag, t, id, policy);
    G_EXPECT(shmid >= 0, "ra_shmget(SHM_PIN, rstype %d, policy %u): %s", t, policy, strerror(errno));
    if (shmid < 0) {
        printf("FAIL   ra_shmget(SHM_PIN, rstype %d, policy %u)\n", t, policy);
        g_case_failed = 0;
    }
    return shmid;
}

static rsethandle_t rset_of_srad(int s)
{
    rsethandle_t part = rs_alloc(RS_PARTITION), out = rs_alloc(RS_EMPTY);
    CHECK(part && out);
    CHECK_EQ(rs_getrad(part, out, (uint_t)rs_getinfo(NULL, R_SRADSDL, 0), (uint_t)s, 0), 0);
    rs_free(part);
    return out;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && !strcmp(argv[1], "touch"))
        return g_touch_helper(argv);
    if (argc < 3 || (strcmp(argv[1], "4k") && strcmp(argv[1], "huge"))) {
        fprintf(stderr, "usage: numa_pin 4k|huge NODES\n");
        return 2;
    }
    int huge = !strcmp(argv[1], "huge");
    page = huge ? HUGE_PAGE : 4096;
    hugeflag = huge ? SHM_HUGETLB : 0;
    chunk = huge ? 2 * page : 256 * page;
    g_topology();
    if (g_nsrads != atoi(argv[2])) {
        fprintf(stderr, "this test needs a guest with %s NUMA nodes with CPUs; found %d\n", argv[2], g_nsrads);
        return 2;
    }
    check_begin();
    g_print_topology();
    int last = g_nsrads - 1, lastnode = g_srad_node[last];
    /* The partition (RS_PARTITION, and the EPERM check) is the cpuset
     * cgroup; pinning does not narrow it (AIX: bindprocessor keeps the
     * partition). So a creator pinned to one CPU of SRAD 0, like an MPI
     * rank, still balances over every SRAD. */
    /* balanced over the partition, the creator pinned on SRAD 0 */
    {
        uint64_t size = chunk * (uint64_t)g_nsrads + page;
        cpu_set_t saved;
        CHECK_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
        CHECK_EQ(g_pin_cpu(g_node[g_srad_node[0]].first_cpu), 0);
        rsethandle_t rs = rs_alloc(RS_PARTITION), all = rs_alloc(RS_ALL);
        CHECK_EQ(rs_getinfo(rs, R_NUMPROCS, 0), rs_getinfo(all, R_NUMPROCS, 0));
        int shmid = pinned_create(size, R_RSET, (rsid_t){.at_rset = rs}, P_BALANCED);
        rs_free(rs);
        rs_free(all);
        CHECK_EQ(sched_setaffinity(0, sizeof saved, &saved), 0);
        if (shmid >= 0) {
            after_pin("SHM_PIN balanced rset=partition, creator pinned on SRAD 0", shmid, size,
                      check_balanced_all, 0);
            CHECK_EQ(shmctl(shmid, IPC_RMID, NULL), 0);
        }
    }
    /* first-touch on the last SRAD, by sradid and by rset, the creator
     * pinned on SRAD 0: another node is no EPERM */
    {
        cpu_set_t saved;
        CHECK_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
        CHECK_EQ(g_pin_cpu(g_node[g_srad_node[0]].first_cpu), 0);
        int shmid = pinned_create(2 * chunk, R_SRADID, (rsid_t){.at_sradid = (sradid_t)last}, P_FIRST_TOUCH);
        if (shmid >= 0) {
            after_pin("SHM_PIN first-touch R_SRADID last", shmid, 2 * chunk, check_on, lastnode);
            CHECK_EQ(shmctl(shmid, IPC_RMID, NULL), 0);
        }
        rsethandle_t rs = rset_of_srad(last);
        shmid = pinned_create(2 * chunk, R_RSET, (rsid_t){.at_rset = rs}, P_FIRST_TOUCH);
        rs_free(rs);
        CHECK_EQ(sched_setaffinity(0, sizeof saved, &saved), 0);
        if (shmid >= 0) {
            after_pin("SHM_PIN first-touch rset={srad last}", shmid, 2 * chunk, check_on, lastnode);
            CHECK_EQ(shmctl(shmid, IPC_RMID, NULL), 0);
        }
    }
    /* first-touch over the partition: the creator populates, so its node
     * (pinned there; its partition is still every SRAD, and first touch
     * takes the local one: the pages must be there) */
    {
        cpu_set_t saved;
        CHECK_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
        CHECK_EQ(g_pin_cpu(g_node[lastnode].first_cpu), 0);
        rsethandle_t rs = rs_alloc(RS_PARTITION), all = rs_alloc(RS_ALL);
        CHECK_EQ(rs_getinfo(rs, R_NUMPROCS, 0), rs_getinfo(all, R_NUMPROCS, 0));
        int shmid = pinned_create(2 * chunk, R_RSET, (rsid_t){.at_rset = rs}, P_FIRST_TOUCH);
        rs_free(rs);
        rs_free(all);
        CHECK_EQ(sched_setaffinity(0, sizeof saved, &saved), 0);
        if (shmid >= 0) {
            after_pin("SHM_PIN first-touch rset=partition, creator pinned on last node", shmid, 2 * chunk,
                      check_on, lastnode);
            CHECK_EQ(shmctl(shmid, IPC_RMID, NULL), 0);
        }
    }
    /* the seed's shape: first part balanced, the rest first-touch over
     * RS_PARTITION, IPC_CREAT|SHM_PIN; the first-touch part lands where
     * the (unpinned) creator populated it: resident, and reported */
    {
        uint64_t a = chunk * (uint64_t)g_nsrads, size = a + 2 * chunk;
        rsethandle_t rs = rs_alloc(RS_PARTITION);
        subrange_t sr[2];
        memset(sr, 0, sizeof sr);
        sr[0].su_offset = 0;
        sr[0].su_length = a;
        sr[0].su_rstype = R_RSET;
        sr[0].su_rsid.at_rset = rs;
        sr[0].su_policy = P_BALANCED;
        sr[1].su_offset = (off64_t)a;
        sr[1].su_length = size - a;
        sr[1].su_rstype = R_RSET;
        sr[1].su_rsid.at_rset = rs;
        sr[1].su_policy = P_FIRST_TOUCH;
        int shmid = ra_shmgetv(IPC_PRIVATE, size, IPC_CREAT | SHM_PIN | 0600 | hugeflag, 2, sr);
        G_EXPECT(shmid >= 0, "ra_shmgetv(SHM_PIN): %s", strerror(errno));
        rs_free(rs);
        if (shmid >= 0) {
            struct gcount c;
            CHECK_EQ(g_count_seg(shmid, 0, a, page, &c), 0);
            g_expect_balanced("SHM_PIN shmgetv [0] balanced", &c, all_nodes_mask());
            g_report("SHM_PIN shmgetv [0] balanced", &c);
            CHECK_EQ(g_count_seg(shmid, a, size - a, page, &c), 0);
            G_EXPECT(c.resident == c.pages, "SHM_PIN shmgetv [1]: not all resident");
            g_report("SHM_PIN shmgetv [1] first-touch (where the creator ran)", &c);
            struct shmid_ds ds;
            CHECK_EQ(shmctl(shmid, IPC_STAT, &ds), 0);
            if (!hugeflag)
                G_EXPECT(ds.shm_perm.mode & SHM_LOCKED, "shmgetv segment not SHM_LOCKED");
            CHECK_EQ(shmctl(shmid, IPC_RMID, NULL), 0);
        }
    }
    return check_end();
}
