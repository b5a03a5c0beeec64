/* Advisory placement falls back instead of failing; memory-only nodes.
 * Runs in a 4-node guest made by `numa-vm.sh -z 1 -T 1 4`:
 *   node 0, node 1  CPUs and memory (SRADs 0 and 1)
 *   node 2          a CPU and (almost) no memory: SRAD 2, whose memory is full
 *                   from the start (about 100 KiB free; for huge pages: -H
 *                   gives it none)
 *   node 3          memory and no CPU: not an SRAD (AIX only counts CPUs)
 *
 *   numa_fallback 4k|huge
 *   numa_fallback touch SHMID CPU PAGE          (helper)
 *
 * Assertions:
 *   - the SRADs are nodes 0..2; sradid 3 does not exist (ENODEV);
 *   - first-touch and SRAD attachments to the full node succeed, every page
 *     is resident after the touch (no SIGBUS: MPOL_BIND is never used), and
 *     at most what node 2 had free lands there: the rest fell back;
 *   - balanced over the partition never targets the memory-only node: over
 *     SRADs {0,1} the pages are even on 0 and 1 and none on 3; over all
 *     three SRADs nodes 0 and 1 get at least their share and node 3 at most
 *     node 2's share (what fell back);
 *   - the memory-only node can still be used through the native API
 *     (rashm_create with its node number).
 */
#define _GNU_SOURCE
#include <rashm.h>
#include <sys/rset.h>

#include "guest.h"

static uint64_t page;
static int hugeflag;

enum { NODE_TINY = 2, NODE_MEMONLY = 3 };

static void touch_all_from(int shmid, int node)
{
    int rc = g_touch_all_from("numa_fallback", shmid, node, page);
    G_EXPECT(rc == 0, "toucher on node %d exited with %d (a fault that cannot fall back kills it)", node, rc);
}

/* Pages node 2 can still take (4 KiB: free memory; huge: free huge pages). */
static uint64_t tiny_capacity(void)
{
    if (hugeflag) {
        long h = g_node_huge_free(NODE_TINY);
        return h > 0 ? (uint64_t)h : 0;
    }
    int64_t kb = g_node_free_kb(NODE_TINY);
    return kb > 0 ? (uint64_t)kb * 1024 / page : 0;
}

/* The attachment wanted node 2; it is full: everything resident, at most
 * its capacity on node 2, nothing lost. */
static void expect_fell_back(const char *what, int shmid, uint64_t size, uint64_t cap)
{
    struct gcount c;
    char s[512];
    CHECK_EQ(g_count_seg(shmid, 0, size, page, &c), 0);
    g_count_str(&c, s, sizeof s);
    G_EXPECT(c.resident == c.pages && c.bad_status == 0, "%s: not all resident (%s)", what, s);
    G_EXPECT(c.node[NODE_TINY] <= cap, "%s: %llu pages on the full node, it had room for %llu (%s)", what,
             (unsigned long long)c.node[NODE_TINY], (unsigned long long)cap, s);
    G_EXPECT(c.pages - c.node[NODE_TINY] > 0, "%s: nothing fell back (%s)", what, s);
    g_report(what, &c);
}

static rsethandle_t rset_of_srads(uint64_t srads)
{
    rsethandle_t part = rs_alloc(RS_PARTITION), out = rs_alloc(RS_EMPTY), rad = rs_alloc(RS_EMPTY);
    int sdl = rs_getinfo(NULL, R_SRADSDL, 0);
    CHECK(part && out && rad && sdl >= 0);
    for (int s = 0; s < 64; s++) {
        if (!(srads & (1ULL << s)))
            continue;
        CHECK_EQ(rs_getrad(part, rad, (uint_t)sdl, (uint_t)s, 0), 0);
        CHECK_EQ(rs_op(RS_UNION, rad, out, 0, 0), 0);
    }
    rs_free(rad);
    rs_free(part);
    return out;
}

static int create(uint64_t size, int extra_flags, rstype_t t, rsid_t id, uint_t policy)
{
    int shmid = ra_shmget(IPC_PRIVATE, size, IPC_CREAT | 0600 | hugeflag | extra_flags, t, id, policy);
    G_EXPECT(shmid >= 0, "ra_shmget(rstype %d, policy %u): %s", t, policy, strerror(errno));
    if (shmid < 0) {
        printf("FAIL   ra_shmget(rstype %d, policy %u)\n", t, policy);
        g_case_failed = 0;
    }
    return shmid;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && !strcmp(argv[1], "touch"))
        return g_touch_helper(argv);
    if (argc < 2 || (strcmp(argv[1], "4k") && strcmp(argv[1], "huge"))) {
        fprintf(stderr, "usage: numa_fallback 4k|huge\n");
        return 2;
    }
    int huge = !strcmp(argv[1], "huge");
    page = huge ? HUGE_PAGE : 4096;
    hugeflag = huge ? SHM_HUGETLB : 0;
    uint64_t seg = huge ? 8 * page : 4 * MIB; /* node 2 has ~100 KiB: 4 MiB cannot fit */
    g_topology();
    if (g_nnodes != 4 || g_node[NODE_MEMONLY].ncpus != 0 || g_node[NODE_TINY].ncpus == 0 ||
        g_node[NODE_TINY].mem_total_kb > 8192) {
        fprintf(stderr, "this test needs the guest of numa-vm.sh -z 1 -T 1 4\n");
        return 2;
    }
    check_begin();
    g_print_topology();

    /* SRADs are the nodes with CPUs, memory-only nodes are not SRADs. */
    {
        rsethandle_t all = rs_alloc(RS_ALL);
        int sdl = rs_getinfo(NULL, R_SRADSDL, 0);
        CHECK_EQ(rs_numrads(all, (uint_t)sdl, 0), 3);
        rs_free(all);
        CHECK_ERRNO(ra_shmget(IPC_PRIVATE, seg, IPC_CREAT | 0600 | hugeflag, R_SRADID,
                              (rsid_t){.at_sradid = 3}, P_FIRST_TOUCH),
                    -1, ENODEV);
        printf("%-6s 3 SRADs (nodes 0-2); sradid 3 (the memory-only node) gives ENODEV\n",
               check_failures ? "FAIL" : "ok");
    }

    /* First-touch / SRAD attachments to the full node fall back. */
    {
        uint64_t cap = tiny_capacity();
        int shmid = create(seg, 0, R_SRADID, (rsid_t){.at_sradid = NODE_TINY}, P_FIRST_TOUCH);
        if (shmid >= 0) {
            touch_all_from(shmid, 0);
            expect_fell_back("first-touch R_SRADID 2 (full), touched on node 0", shmid, seg, cap);
            CHECK_EQ(shmctl(shmid, IPC_RMID, NULL), 0);
        }
        cap = tiny_capacity();
        shmid = create(seg, 0, R_SRADID, (rsid_t){.at_sradid = NODE_TINY}, P_BALANCED);
        if (shmid >= 0) {
            touch_all_from(shmid, NODE_TINY);
            expect_fell_back("balanced R_SRADID 2 (full), touched on node 2", shmid, seg, cap);
            CHECK_EQ(shmctl(shmid, IPC_RMID, NULL), 0);
        }
        cap = tiny_capacity();
        rsethandle_t rs = rset_of_srads(1ULL << NODE_TINY);
        shmid = create(seg, 0, R_RSET, (rsid_t){.at_rset = rs}, P_FIRST_TOUCH);
        rs_free(rs);
        if (shmid >= 0) {
            touch_all_from(shmid, NODE_TINY);
            expect_fell_back("first-touch rset={srad 2} (full), touched on node 2", shmid, seg, cap);
            CHECK_EQ(shmctl(shmid, IPC_RMID, NULL), 0);
        }
        /* SHM_PIN populates in the call: the fallback happens there. */
        cap = tiny_capacity();
        shmid = create(seg, SHM_PIN, R_SRADID, (rsid_t){.at_sradid = NODE_TINY}, P_FIRST_TOUCH);
        if (shmid >= 0) {
            expect_fell_back("SHM_PIN first-touch R_SRADID 2 (full), at return", shmid, seg, cap);
            CHECK_EQ(shmctl(shmid, IPC_RMID, NULL), 0);
        }
    }

    /* Balanced over SRADs {0,1}: even, nothing on the memory-only node. */
    {
        uint64_t size = seg + page;
        rsethandle_t rs = rset_of_srads(0x3);
        int shmid = create(size, 0, R_RSET, (rsid_t){.at_rset = rs}, P_BALANCED);
        rs_free(rs);
        if (shmid >= 0) {
            touch_all_from(shmid, NODE_TINY);
            struct gcount c;
            CHECK_EQ(g_count_seg(shmid, 0, size, page, &c), 0);
            g_expect_balanced("balanced rset={srad 0,1}, touched on node 2", &c, 0x3);
            g_report("balanced rset={srad 0,1}, touched on node 2", &c);
            CHECK_EQ(shmctl(shmid, IPC_RMID, NULL), 0);
        }
    }
    /* Balanced over the whole partition (SRADs 0-2): node 2's share falls
     * back; nodes 0 and 1 keep theirs; node 3 gets at most node 2's share. */
    for (int def = 0; def < 2; def++) {
        const char *w = def ? "P_DEFAULT rset=partition" : "balanced rset=partition";
        uint64_t size = seg;
        rsethandle_t rs = rs_alloc(RS_PARTITION);
        int shmid = create(size, 0, R_RSET, (rsid_t){.at_rset = rs}, def ? P_DEFAULT : P_BALANCED);
        rs_free(rs);
        if (shmid >= 0) {
            touch_all_from(shmid, 0);
            struct gcount c;
            char s[512];
            CHECK_EQ(g_count_seg(shmid, 0, size, page, &c), 0);
            g_count_str(&c, s, sizeof s);
            uint64_t share = c.pages / 3;
            G_EXPECT(c.resident == c.pages, "%s: not all resident (%s)", w, s);
            G_EXPECT(c.node[0] >= share && c.node[1] >= share, "%s: nodes 0/1 lost their share (%s)", w, s);
            G_EXPECT(c.node[NODE_MEMONLY] <= share + 1, "%s: the memory-only node got more than node 2's share (%s)",
                     w, s);
            g_report(w, &c);
            CHECK_EQ(shmctl(shmid, IPC_RMID, NULL), 0);
        }
    }

    /* The memory-only node through the native API (an extension over AIX). */
    {
        struct rashm_range r;
        memset(&r, 0, sizeof r);
        r.policy = RASHM_POLICY_FIRST_TOUCH;
        rashm_nodeset_set(&r.nodes, NODE_MEMONLY);
        int shmid = rashm_create(IPC_PRIVATE, seg, IPC_CREAT | 0600 | hugeflag, &r, 1, 0, NULL, NULL);
        G_EXPECT(shmid >= 0, "rashm_create(nodes={3}): %s", strerror(errno));
        if (shmid >= 0) {
            touch_all_from(shmid, 0);
            struct gcount c;
            CHECK_EQ(g_count_seg(shmid, 0, seg, page, &c), 0);
            g_expect_on("native first-touch nodes={3} (memory-only), touched on node 0", &c, NODE_MEMONLY);
            g_report("native first-touch nodes={3} (memory-only), touched on node 0", &c);
            CHECK_EQ(rashm_remove(shmid), 0);
        }
        r.policy = RASHM_POLICY_BALANCED;
        rashm_nodeset_set(&r.nodes, 0);
        shmid = rashm_create(IPC_PRIVATE, seg, IPC_CREAT | 0600 | hugeflag, &r, 1, 0, NULL, NULL);
        G_EXPECT(shmid >= 0, "rashm_create(nodes={0,3}): %s", strerror(errno));
        if (shmid >= 0) {
            touch_all_from(shmid, 1);
            struct gcount c;
            CHECK_EQ(g_count_seg(shmid, 0, seg, page, &c), 0);
            g_expect_balanced("native balanced nodes={0,3}, touched on node 1", &c, (1u << 0) | (1u << NODE_MEMONLY));
            g_report("native balanced nodes={0,3}, touched on node 1", &c);
            CHECK_EQ(rashm_remove(shmid), 0);
        }
    }
    return check_end();
}
