/* Multi-node placement of ra_shmget / ra_shmgetv segments, checked with
 * move_pages (run inside a 2- or 4-node guest by tests/numa/numa-vm.sh).
 *
 *   numa_place 4k|huge NODES      the test (NODES: how many SRADs the guest must have)
 *
 * Every segment is created by this process and touched by *other*
 * processes (fork + exec of this program, pinned to one CPU, attaching with
 * plain shmat), so each case also proves that the placement holds for a
 * second process. For huge-page segments this is the interesting part: the
 * kernel keeps no shared policy on hugetlb segments, so placement must come
 * from librashm (balanced and SRAD ranges: populated by the creator;
 * first-touch over an rset: librashm's shmat re-applies the policy in each
 * attaching process - docs/aix.md).
 *
 * Cases (n = number of SRADs, SRAD k = node k in these guests):
 *   balanced over RS_PARTITION (all SRADs), over a subset built with rs_getrad
 *   first-touch over RS_PARTITION touched from every node, over one SRAD,
 *     over two SRADs (4 nodes), R_SRADID first-touch and balanced
 *   P_DEFAULT (round-robin by default; first-touch with RASHM_DEFAULT_POLICY)
 *   ra_shmgetv: subranges with different policies plus a gap, with
 *     ra_get_attachinfo checked from another process, rashm_query compared
 *     with move_pages, and `rashm show` when the CLI is in PATH;
 *   a process not linked with librashm (shm_toucher) attaching and touching.
 *
 * Helper modes (used by the test itself):
 *   numa_place touch SHMID CPU OFF LEN PAGE
 *   numa_place attachinfo SHMID OFF LEN RSTYPE POLICY SRADID|NPROCS
 *   numa_place default-ft 4k|huge NODES
 */
#define _GNU_SOURCE
#include <rashm.h>
#include <sys/rset.h>

#include "guest.h"

static uint64_t page;     /* 4096 or 2 MiB */
static int hugeflag;      /* 0 or SHM_HUGETLB */
static uint64_t chunk;    /* per-node share used by the cases */
static const char *mode_arg;

/* ---- helpers run as separate processes ----------------------------------- */

static int helper_touch(char **argv)
{
    int shmid = atoi(argv[2]), cpu = atoi(argv[3]);
    uint64_t off = strtoull(argv[4], NULL, 0), len = strtoull(argv[5], NULL, 0);
    uint64_t pg = strtoull(argv[6], NULL, 0);
    if (g_pin_cpu(cpu) != 0) {
        fprintf(stderr, "touch: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
        return 2;
    }
    /* plain shmat: the call an AIX program makes */
    char *p = shmat(shmid, NULL, 0);
    if (p == (void *)-1) {
        fprintf(stderr, "touch: shmat(%d): %s\n", shmid, strerror(errno));
        return 2;
    }
    g_touch(p, off, len, pg);
    shmdt(p);
    return 0;
}

static int helper_attachinfo(char **argv)
{
    int shmid = atoi(argv[2]);
    off64_t off = strtoll(argv[3], NULL, 0);
    size64_t len = strtoull(argv[4], NULL, 0);
    int rstype = atoi(argv[5]), policy = atoi(argv[6]), x = atoi(argv[7]);
    rsid_t id = {.at_shmid = shmid};
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, id, off, len, 0);
    if (ai == (attachinfo_t *)-1 || ai == NULL) {
        fprintf(stderr, "attachinfo: ra_get_attachinfo(%d, %lld, %llu): %s\n", shmid, (long long)off,
                (unsigned long long)len, ai ? strerror(errno) : "no attachment");
        return 1;
    }
    int rc = 0, n = 0;
    for (attachinfo_t *a = ai; a; a = a->next_resource) {
        n++;
        if (a->at_rstype != rstype || (int)a->at_policy != policy) {
            fprintf(stderr, "attachinfo: [%lld,+%llu) rstype %d policy %u, expected %d/%d\n",
                    (long long)off, (unsigned long long)len, a->at_rstype, a->at_policy, rstype, policy);
            rc = 1;
        } else if (rstype == R_SRADID && a->at_rsid.at_sradid != x) {
            fprintf(stderr, "attachinfo: sradid %d, expected %d\n", a->at_rsid.at_sradid, x);
            rc = 1;
        } else if (rstype == R_RSET && rs_getinfo(a->at_rsid.at_rset, R_NUMPROCS, 0) != x) {
            fprintf(stderr, "attachinfo: rset with %d CPUs, expected %d\n",
                    rs_getinfo(a->at_rsid.at_rset, R_NUMPROCS, 0), x);
            rc = 1;
        }
    }
    if (n != 1) {
        fprintf(stderr, "attachinfo: %d attachments for one subrange, expected 1\n", n);
        rc = 1;
    }
    ra_free_attachinfo(ai);
    return rc;
}

/* Touch [off, off+len) of shmid from another process pinned to a CPU of `node`. */
static void touch_from(int shmid, int node, uint64_t off, uint64_t len)
{
    char a_id[16], a_cpu[16], a_off[32], a_len[32], a_pg[32];
    snprintf(a_id, sizeof a_id, "%d", shmid);
    snprintf(a_cpu, sizeof a_cpu, "%d", g_node[node].first_cpu);
    snprintf(a_off, sizeof a_off, "%llu", (unsigned long long)off);
    snprintf(a_len, sizeof a_len, "%llu", (unsigned long long)len);
    snprintf(a_pg, sizeof a_pg, "%llu", (unsigned long long)page);
    char *argv[] = {"numa_place", "touch", a_id, a_cpu, a_off, a_len, a_pg, NULL};
    int rc = g_run_self(NULL, argv);
    G_EXPECT(rc == 0, "toucher on node %d exited with %d", node, rc);
}

static void attachinfo_from_child(int shmid, uint64_t off, uint64_t len, int rstype, int policy, int x)
{
    char a_id[16], a_off[32], a_len[32], a_t[8], a_p[8], a_x[16];
    snprintf(a_id, sizeof a_id, "%d", shmid);
    snprintf(a_off, sizeof a_off, "%llu", (unsigned long long)off);
    snprintf(a_len, sizeof a_len, "%llu", (unsigned long long)len);
    snprintf(a_t, sizeof a_t, "%d", rstype);
    snprintf(a_p, sizeof a_p, "%d", policy);
    snprintf(a_x, sizeof a_x, "%d", x);
    char *argv[] = {"numa_place", "attachinfo", a_id, a_off, a_len, a_t, a_p, a_x, NULL};
    int rc = g_run_self(NULL, argv);
    G_EXPECT(rc == 0, "ra_get_attachinfo from another process for [%llu,+%llu) failed",
             (unsigned long long)off, (unsigned long long)len);
}

/* Touch from a process that is not linked with librashm (shm_toucher,
 * copied into the guest by the test registration). */
static int touch_plain_from(int shmid, int node, uint64_t size)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "shm_toucher %d %d %llu 0 %llu", shmid, g_node[node].first_cpu,
             (unsigned long long)page, (unsigned long long)size);
    return g_system(cmd);
}

/* ---- rsets -------------------------------------------------------------- */

/* An rset holding the SRADs whose bits are set in `srads` (rs_getrad at the
 * SRAD SDL out of the partition, joined with RS_UNION). */
static rsethandle_t rset_of_srads(uint64_t srads)
{
    rsethandle_t part = rs_alloc(RS_PARTITION), out = rs_alloc(RS_EMPTY), rad = rs_alloc(RS_EMPTY);
    int sdl = rs_getinfo(NULL, R_SRADSDL, 0);
    CHECK(part && out && rad && sdl >= 0);
    for (int s = 0; s < g_nsrads; s++) {
        if (!(srads & (1ULL << s)))
            continue;
        CHECK_EQ(rs_getrad(part, rad, (uint_t)sdl, (uint_t)s, 0), 0);
        CHECK_EQ(rs_op(RS_UNION, rad, out, 0, 0), 0);
    }
    rs_free(rad);
    rs_free(part);
    return out;
}

static uint64_t node_mask_of_srads(uint64_t srads)
{
    uint64_t m = 0;
    for (int s = 0; s < g_nsrads; s++)
        if (srads & (1ULL << s))
            m |= 1ULL << g_srad_node[s];
    return m;
}

static int ncpus_of_srads(uint64_t srads)
{
    int c = 0;
    for (int s = 0; s < g_nsrads; s++)
        if (srads & (1ULL << s))
            c += g_node[g_srad_node[s]].ncpus;
    return c;
}

static int create1(uint64_t size, rstype_t t, rsid_t id, uint_t policy)
{
    int shmid = ra_shmget(IPC_PRIVATE, size, IPC_CREAT | 0600 | hugeflag, t, id, policy);
    G_EXPECT(shmid >= 0, "ra_shmget(size %llu, rstype %d, policy %u): %s", (unsigned long long)size, t,
             policy, strerror(errno));
    if (shmid < 0) {
        printf("FAIL   ra_shmget(rstype %d, policy %u)\n", t, policy);
        g_case_failed = 0;
    }
    return shmid;
}

static void rm(int shmid)
{
    if (shmid >= 0)
        CHECK_EQ(shmctl(shmid, IPC_RMID, NULL), 0);
}

/* ---- cases ------------------------------------------------------------------ */
static uint64_t all_srads(void) { return (1ULL << g_nsrads) - 1; }
static int last_srad(void) { return g_nsrads - 1; }

/* Balanced over an rset: one page more than n shares, so one node gets an
 * extra page; touched by a process on the last node. */
static void case_balanced(const char *what, uint64_t srads)
{
    int k = __builtin_popcountll(srads);
    uint64_t size = chunk * (uint64_t)k + page;
    rsethandle_t rs = rset_of_srads(srads);
    rsid_t id = {.at_rset = rs};
    int shmid = create1(size, R_RSET, id, P_BALANCED);
    rs_free(rs);
    if (shmid < 0)
        return;
    touch_from(shmid, g_srad_node[last_srad()], 0, size);
    struct gcount c;
    CHECK_EQ(g_count_seg(shmid, 0, size, page, &c), 0);
    g_expect_balanced(what, &c, node_mask_of_srads(srads));
    g_report(what, &c);
    rm(shmid);
}

/* First-touch over the whole partition: chunk k touched from node k. */
static void case_first_touch_all(uint_t policy, const char *what)
{
    uint64_t size = chunk * (uint64_t)g_nsrads;
    rsethandle_t rs = rs_alloc(RS_PARTITION);
    rsid_t id = {.at_rset = rs};
    int shmid = create1(size, R_RSET, id, policy);
    rs_free(rs);
    if (shmid < 0)
        return;
    for (int s = 0; s < g_nsrads; s++)
        touch_from(shmid, g_srad_node[s], chunk * (uint64_t)s, chunk);
    for (int s = 0; s < g_nsrads; s++) {
        struct gcount c;
        char w[96];
        snprintf(w, sizeof w, "%s, chunk touched on node %d", what, g_srad_node[s]);
        CHECK_EQ(g_count_seg(shmid, chunk * (uint64_t)s, chunk, page, &c), 0);
        g_expect_on(w, &c, g_srad_node[s]);
        g_report(w, &c);
    }
    rm(shmid);
}

/* First-touch over one SRAD, touched from node 0: must land on that SRAD. */
static void case_first_touch_one(int srad)
{
    char w[96];
    snprintf(w, sizeof w, "first-touch rset={srad %d}, touched on node 0", srad);
    rsethandle_t rs = rset_of_srads(1ULL << srad);
    rsid_t id = {.at_rset = rs};
    int shmid = create1(2 * chunk, R_RSET, id, P_FIRST_TOUCH);
    rs_free(rs);
    if (shmid < 0)
        return;
    touch_from(shmid, g_srad_node[0], 0, 2 * chunk);
    struct gcount c;
    CHECK_EQ(g_count_seg(shmid, 0, 2 * chunk, page, &c), 0);
    g_expect_on(w, &c, g_srad_node[srad]);
    g_report(w, &c);
    rm(shmid);
}

/* First-touch over SRADs {1, 2}: touched from node 2 -> node 2; touched
 * from node 0 (not in the set) -> some node of the set. */
static void case_first_touch_two(void)
{
    rsethandle_t rs = rset_of_srads(0x6);
    rsid_t id = {.at_rset = rs};
    int shmid = create1(2 * chunk, R_RSET, id, P_FIRST_TOUCH);
    rs_free(rs);
    if (shmid < 0)
        return;
    touch_from(shmid, g_srad_node[2], 0, chunk);
    touch_from(shmid, g_srad_node[0], chunk, chunk);
    struct gcount c;
    CHECK_EQ(g_count_seg(shmid, 0, chunk, page, &c), 0);
    g_expect_on("first-touch rset={srad 1,2}, touched on node 2", &c, g_srad_node[2]);
    g_report("first-touch rset={srad 1,2}, touched on node 2", &c);
    CHECK_EQ(g_count_seg(shmid, chunk, chunk, page, &c), 0);
    char s[512];
    g_count_str(&c, s, sizeof s);
    G_EXPECT(c.resident == c.pages && c.node[g_srad_node[1]] + c.node[g_srad_node[2]] == c.pages,
             "first-touch rset={srad 1,2} touched on node 0 must stay in the set (%s)", s);
    g_report("first-touch rset={srad 1,2}, touched on node 0 (in set)", &c);
    rm(shmid);
}

static void case_sradid(uint_t policy, int srad)
{
    char w[96];
    snprintf(w, sizeof w, "R_SRADID %d %s, touched on node 0", srad,
             policy == P_BALANCED ? "balanced" : "first-touch");
    rsid_t id = {.at_sradid = (sradid_t)srad};
    int shmid = create1(2 * chunk, R_SRADID, id, policy);
    if (shmid < 0)
        return;
    touch_from(shmid, g_srad_node[0], 0, 2 * chunk);
    struct gcount c;
    CHECK_EQ(g_count_seg(shmid, 0, 2 * chunk, page, &c), 0);
    g_expect_on(w, &c, g_srad_node[srad]);
    g_report(w, &c);
    rm(shmid);
}

/* P_DEFAULT: by default AIX's round-robin for shared memory. */
static void case_default(void)
{
    uint64_t size = chunk * (uint64_t)g_nsrads + page;
    rsethandle_t rs = rs_alloc(RS_PARTITION);
    rsid_t id = {.at_rset = rs};
    int shmid = create1(size, R_RSET, id, P_DEFAULT);
    rs_free(rs);
    if (shmid < 0)
        return;
    touch_from(shmid, g_srad_node[0], 0, size);
    struct gcount c;
    CHECK_EQ(g_count_seg(shmid, 0, size, page, &c), 0);
    g_expect_balanced("P_DEFAULT rset=partition (round-robin)", &c, node_mask_of_srads(all_srads()));
    g_report("P_DEFAULT rset=partition (round-robin)", &c);
    rm(shmid);
}

/* ra_shmgetv: [balanced over all | first-touch SRAD last | gap | first-touch
 * rset {srad 0}, su_length 0 = to the end], touched by a process on the last
 * node. */
static void case_shmgetv(void)
{
    int n = g_nsrads, last = last_srad();
    uint64_t a = chunk * (uint64_t)n, b = a + chunk, c0 = b + chunk * (uint64_t)n, size = c0 + chunk;
    rsethandle_t part = rs_alloc(RS_PARTITION), first = rset_of_srads(1);
    subrange_t sr[3];
    memset(sr, 0, sizeof sr);
    sr[0].su_offset = 0;
    sr[0].su_length = a;
    sr[0].su_rstype = R_RSET;
    sr[0].su_rsid.at_rset = part;
    sr[0].su_policy = P_BALANCED;
    sr[1].su_offset = (off64_t)a;
    sr[1].su_length = b - a;
    sr[1].su_rstype = R_SRADID;
    sr[1].su_rsid.at_sradid = (sradid_t)last;
    sr[1].su_policy = P_FIRST_TOUCH;
    sr[2].su_offset = (off64_t)c0;
    sr[2].su_length = 0; /* to the end of the segment (AIX) */
    sr[2].su_rstype = R_RSET;
    sr[2].su_rsid.at_rset = first;
    sr[2].su_policy = P_FIRST_TOUCH;
    int shmid = ra_shmgetv(IPC_PRIVATE, size, IPC_CREAT | 0600 | hugeflag, 3, sr);
    G_EXPECT(shmid >= 0, "ra_shmgetv: %s", strerror(errno));
    rs_free(part);
    rs_free(first);
    if (shmid < 0) {
        printf("FAIL   ra_shmgetv with 3 subranges\n");
        g_case_failed = 0;
        return;
    }
    touch_from(shmid, g_srad_node[last], 0, size);

    struct gcount c;
    CHECK_EQ(g_count_seg(shmid, 0, a, page, &c), 0);
    g_expect_balanced("shmgetv [0]: balanced rset=partition", &c, node_mask_of_srads(all_srads()));
    g_report("shmgetv [0]: balanced rset=partition", &c);
    CHECK_EQ(g_count_seg(shmid, a, b - a, page, &c), 0);
    g_expect_on("shmgetv [1]: first-touch R_SRADID last", &c, g_srad_node[last]);
    g_report("shmgetv [1]: first-touch R_SRADID last", &c);
    CHECK_EQ(g_count_seg(shmid, b, c0 - b, page, &c), 0);
    g_expect_balanced("shmgetv gap: P_DEFAULT over all SRADs", &c, node_mask_of_srads(all_srads()));
    g_report("shmgetv gap: P_DEFAULT over all SRADs", &c);
    CHECK_EQ(g_count_seg(shmid, c0, size - c0, page, &c), 0);
    g_expect_on("shmgetv [2]: first-touch rset={srad 0}, len 0", &c, g_srad_node[0]);
    g_report("shmgetv [2]: first-touch rset={srad 0}, len 0", &c);

    /* What other processes see: ra_get_attachinfo per subrange. */
    attachinfo_from_child(shmid, 0, a, R_RSET, P_BALANCED, ncpus_of_srads(all_srads()));
    attachinfo_from_child(shmid, a, b - a, R_SRADID, P_FIRST_TOUCH, last);
    attachinfo_from_child(shmid, c0, 0, R_RSET, P_FIRST_TOUCH, ncpus_of_srads(1));

    /* The core's placement query must agree with move_pages, range by range. */
    struct rashm_placement *pl = rashm_query(shmid);
    G_EXPECT(pl != NULL, "rashm_query: %s", strerror(errno));
    if (pl) {
        G_EXPECT(pl->page_size == page, "rashm_query page size %llu", (unsigned long long)pl->page_size);
        uint64_t covered = 0;
        for (int i = 0; i < pl->nranges; i++) {
            struct rashm_range_placement *r = &pl->ranges[i];
            CHECK_EQ(g_count_seg(shmid, r->offset, r->length, page, &c), 0);
            G_EXPECT(r->resident == c.resident, "rashm_query range %d: %llu resident, move_pages %llu", i,
                     (unsigned long long)r->resident, (unsigned long long)c.resident);
            for (int nd = 0; nd < g_nnodes && nd < pl->node_slots; nd++)
                G_EXPECT(r->node_pages[nd] == c.node[nd], "rashm_query range %d node %d: %llu, move_pages %llu",
                         i, nd, (unsigned long long)r->node_pages[nd], (unsigned long long)c.node[nd]);
            covered += r->length;
        }
        G_EXPECT(covered >= size, "rashm_query ranges cover %llu of %llu bytes", (unsigned long long)covered,
                 (unsigned long long)size);
        printf("%-6s rashm_query: %d ranges agree with move_pages\n", g_case_failed ? "FAIL" : "ok",
               pl->nranges);
        g_case_failed = 0;
        rashm_placement_free(pl);
    }

    /* The CLI, when the runner copied it into the guest (-x bin/rashm). */
    if (g_system("command -v rashm >/dev/null") == 0) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rashm show %d", shmid);
        int rc = g_system(cmd);
        G_EXPECT(rc == 0, "'%s' exited with %d", cmd, rc);
        snprintf(cmd, sizeof cmd, "rashm show --json %d | grep -q first-touch", shmid);
        rc = g_system(cmd);
        G_EXPECT(rc == 0, "'%s' exited with %d", cmd, rc);
        printf("%-6s rashm show %d in the guest\n", g_case_failed ? "FAIL" : "ok", shmid);
        g_case_failed = 0;
    } else {
        printf("note   rashm CLI not in the guest (numa-vm.sh -x build/bin/rashm)\n");
    }
    rm(shmid);
}

/* A program that is not linked with librashm attaches and touches. What
 * must hold for it: everything on 4 KiB segments (the kernel keeps the
 * policy on the segment); on huge-page segments the ranges librashm
 * populates when it creates them (balanced, SRAD attachments). First-touch
 * over an rset on huge pages needs librashm in the attaching process (its
 * shmat re-applies the policy): reported, not asserted. */
static void case_plain_process(void)
{
    if (g_system("command -v shm_toucher >/dev/null") != 0) {
        G_EXPECT(0, "shm_toucher is not in the guest (numa-vm.sh -x build/bin/shm_toucher)");
        return;
    }
    int last = last_srad();
    struct gcount c;
    uint64_t size = chunk * (uint64_t)g_nsrads + page;
    rsethandle_t part = rs_alloc(RS_PARTITION);
    int shmid = create1(size, R_RSET, (rsid_t){.at_rset = part}, P_BALANCED);
    rs_free(part);
    if (shmid >= 0) {
        G_EXPECT(touch_plain_from(shmid, g_srad_node[0], size) == 0, "shm_toucher failed");
        CHECK_EQ(g_count_seg(shmid, 0, size, page, &c), 0);
        g_expect_balanced("plain process: balanced rset=partition", &c, node_mask_of_srads(all_srads()));
        g_report("plain process: balanced rset=partition", &c);
        rm(shmid);
    }
    shmid = create1(2 * chunk, R_SRADID, (rsid_t){.at_sradid = (sradid_t)last}, P_FIRST_TOUCH);
    if (shmid >= 0) {
        G_EXPECT(touch_plain_from(shmid, g_srad_node[0], 2 * chunk) == 0, "shm_toucher failed");
        CHECK_EQ(g_count_seg(shmid, 0, 2 * chunk, page, &c), 0);
        g_expect_on("plain process: first-touch R_SRADID last", &c, g_srad_node[last]);
        g_report("plain process: first-touch R_SRADID last", &c);
        rm(shmid);
    }
    rsethandle_t rs = rset_of_srads(1ULL << last);
    shmid = create1(2 * chunk, R_RSET, (rsid_t){.at_rset = rs}, P_FIRST_TOUCH);
    rs_free(rs);
    if (shmid >= 0) {
        G_EXPECT(touch_plain_from(shmid, g_srad_node[0], 2 * chunk) == 0, "shm_toucher failed");
        CHECK_EQ(g_count_seg(shmid, 0, 2 * chunk, page, &c), 0);
        if (!hugeflag) {
            g_expect_on("plain process: first-touch rset={srad last}", &c, g_srad_node[last]);
            g_report("plain process: first-touch rset={srad last}", &c);
        } else {
            char s[512];
            g_count_str(&c, s, sizeof s);
            printf("note   plain process: first-touch rset={srad last} on huge pages needs librashm in the"
                   " attacher; got %s\n", s);
        }
        rm(shmid);
    }
}

/* RASHM_BALANCED=weighted on a kernel with MPOL_WEIGHTED_INTERLEAVE (6.9+,
 * the backports guest): node 0 weighted 3, the others 1, so node 0 gets
 * 3/(n+2) of a balanced range and every other node 1/(n+2). */
#define WI_DIR "/sys/kernel/mm/mempolicy/weighted_interleave"
static int write_weight(int node, int w)
{
    char path[128];
    snprintf(path, sizeof path, WI_DIR "/node%d", node);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int rc = fprintf(f, "%d\n", w) > 0 ? 0 : -1;
    return fclose(f) == 0 ? rc : -1;
}

static void case_weighted(void)
{
    char path[128];
    snprintf(path, sizeof path, WI_DIR "/node%d", g_srad_node[0]);
    if (access(path, F_OK) != 0) {
        G_EXPECT(0, "RASHM_BALANCED=weighted, but this kernel has no %s (a 6.9+ guest kernel is needed: numa-vm.sh -B)",
                 WI_DIR);
        return;
    }
    int n = g_nsrads, denom = n + 2;
    uint64_t size = (uint64_t)denom * 100 * page;
    CHECK_EQ(write_weight(g_srad_node[0], 3), 0);
    rsethandle_t rs = rs_alloc(RS_PARTITION);
    int shmid = create1(size, R_RSET, (rsid_t){.at_rset = rs}, P_BALANCED);
    rs_free(rs);
    if (shmid >= 0) {
        /* the policy in force on the segment is weighted interleave */
        char *p = shmat(shmid, NULL, SHM_RDONLY);
        int mode = -1;
        unsigned long mask[16] = {0};
        if (p != (void *)-1) {
            if (syscall(SYS_get_mempolicy, &mode, mask, 1024UL, p, 2UL /* MPOL_F_ADDR */) != 0)
                mode = -1;
            shmdt(p);
        }
        G_EXPECT(mode == 6, "policy in force is %d, expected MPOL_WEIGHTED_INTERLEAVE (6)", mode);
        touch_from(shmid, g_srad_node[last_srad()], 0, size);
        struct gcount c;
        char s[512];
        CHECK_EQ(g_count_seg(shmid, 0, size, page, &c), 0);
        g_count_str(&c, s, sizeof s);
        G_EXPECT(c.resident == c.pages, "weighted: not all resident (%s)", s);
        for (int k = 0; k < n; k++) {
            long long want = (long long)c.pages * (k == 0 ? 3 : 1) / denom, got = (long long)c.node[g_srad_node[k]];
            G_EXPECT(got >= want - 1 && got <= want + 1, "weighted: node %d has %lld pages, expected %lld (%s)",
                     g_srad_node[k], got, want, s);
        }
        g_report("balanced, RASHM_BALANCED=weighted, weights 3:1:..", &c);
        rm(shmid);
    }
    CHECK_EQ(write_weight(g_srad_node[0], 1), 0);
}

/* Runs in a process started with RASHM_DEFAULT_POLICY=first-touch. */
static int helper_default_ft(void)
{
    case_first_touch_all(P_DEFAULT, "P_DEFAULT with RASHM_DEFAULT_POLICY=first-touch");
    return check_failures ? 1 : 0;
}

static int setup(const char *m, const char *nodes_arg)
{
    mode_arg = m;
    if (!strcmp(m, "4k")) {
        page = 4096;
        hugeflag = 0;
        chunk = 128 * page;              /* 512 KiB per node */
    } else if (!strcmp(m, "huge")) {
        page = HUGE_PAGE;
        hugeflag = SHM_HUGETLB;
        chunk = 2 * page;                /* 2 huge pages per node */
    } else {
        fprintf(stderr, "usage: numa_place 4k|huge NODES\n");
        return -1;
    }
    g_topology();
    int want = nodes_arg ? atoi(nodes_arg) : 2;
    if (g_nsrads < 2 || g_nsrads != want) {
        fprintf(stderr, "this test needs a guest with %d NUMA nodes with CPUs (numa-vm.sh %d ...); found %d\n",
                want, want, g_nsrads);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 7 && !strcmp(argv[1], "touch"))
        return helper_touch(argv);
    if (argc >= 8 && !strcmp(argv[1], "attachinfo"))
        return helper_attachinfo(argv);
    if (argc >= 4 && !strcmp(argv[1], "default-ft")) {
        if (setup(argv[2], argv[3]))
            return 2;
        return helper_default_ft();
    }
    if (argc < 2 || setup(argv[1], argc > 2 ? argv[2] : NULL))
        return 2;
    check_begin();
    g_print_topology();
    printf("numa_place %s: %d SRADs, page %llu, chunk %llu\n", mode_arg, g_nsrads,
           (unsigned long long)page, (unsigned long long)chunk);

    case_balanced("balanced rset=partition", all_srads());
    if (g_nsrads >= 4)
        case_balanced("balanced rset={srad 1,3} (rs_getrad+RS_UNION)", 0xa);
    else
        case_balanced("balanced rset={srad 1} (rs_getrad)", 0x2);
    case_first_touch_all(P_FIRST_TOUCH, "first-touch rset=partition");
    case_first_touch_one(last_srad());
    if (g_nsrads >= 4)
        case_first_touch_two();
    case_sradid(P_FIRST_TOUCH, last_srad());
    case_sradid(P_BALANCED, 1);
    case_default();
    {
        char *av[] = {"numa_place", "default-ft", (char *)mode_arg, argc > 2 ? argv[2] : "2", NULL};
        int rc = g_run_self("RASHM_DEFAULT_POLICY=first-touch", av);
        G_EXPECT(rc == 0, "P_DEFAULT with RASHM_DEFAULT_POLICY=first-touch: helper exited %d", rc);
    }
    case_shmgetv();
    case_plain_process();
    const char *bal = getenv("RASHM_BALANCED");
    if (bal && !strcmp(bal, "weighted") && !hugeflag)
        case_weighted();
    return check_end();
}
