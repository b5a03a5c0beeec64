/* The native API on this machine (argv[1]: "4k" or "huge"; RASHM_DEFAULT_POLICY
 * may be set by CTest): rashm_create from ranges, the placement query per
 * range (policy asked for, mode in force, pages resident per node), populate
 * with progress, the created flag for an existing key, rashm_remove, and
 * rashm_create's own EINVAL cases with nothing left behind. */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"

#include <rashm.h>

static uint64_t pgsz;
static int hugeflag;

struct prog_seen {
    int calls;
    uint64_t last_done, last_total;
    int monotonic;
};

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
    struct prog_seen *s = arg;
    if (done < s->last_done)
        s->monotonic = 0;
    s->calls++;
    s->last_done = done;
    s->last_total = total;
}

/* MPOL_* the kernel should have for a policy on a one-node machine. */
static int mode_ok(int policy, int mode)
{
    int eff = policy == RASHM_POLICY_DEFAULT ? rashm_config_default_policy() : policy;
    if (eff == RASHM_POLICY_BALANCED)
        return mode == 3 /* MPOL_INTERLEAVE */ || mode == 6 /* MPOL_WEIGHTED_INTERLEAVE */;
    /* first touch within the nodes: preferred-many, or local/preferred when
     * the set is every node */
    return mode == 5 /* MPOL_PREFERRED_MANY */ || mode == 4 /* MPOL_LOCAL */ || mode == 1 /* MPOL_PREFERRED */;
}

static void placed_segment(int populate)
{
    const rashm_topo_t *t = rashm_topo();
    CHECK(t != NULL);
    struct rashm_range r[3];
    memset(r, 0, sizeof r);
    r[0].offset = 0;
    r[0].length = 4 * pgsz;
    r[0].policy = RASHM_POLICY_BALANCED;
    rashm_topo_all_nodes(t, &r[0].nodes);
    r[1].offset = 4 * pgsz;
    r[1].length = 2 * pgsz;
    r[1].policy = RASHM_POLICY_FIRST_TOUCH;
    rashm_nodeset_set(&r[1].nodes, 0);
    r[2].offset = 6 * pgsz;
    r[2].length = 0;                          /* to the end */
    r[2].policy = RASHM_POLICY_DEFAULT;
    uint64_t size = 8 * pgsz;
    struct prog_seen seen = { 0, 0, 0, 1 };
    struct rashm_create_opts o = { on_progress, &seen, pgsz };
    int created = -1;
    int id = rashm_create(IPC_PRIVATE, size, IPC_CREAT | hugeflag | 0600, r, 3, populate ? RASHM_POPULATE : 0,
                          &o, &created);
    CHECK(id >= 0);
    if (id < 0)
        return;
    CHECK_EQ(created, 1);
    if (populate) {
        CHECK(seen.calls >= 1);
        CHECK_EQ(seen.last_done, seen.last_total);
        CHECK(seen.monotonic);
    }
    struct rashm_placement *p = rashm_query(id);
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ(p->shmid, id);
        CHECK_EQ(p->size, size);
        CHECK_EQ(p->page_size, pgsz);
        CHECK_EQ(p->hugetlb, hugeflag != 0);
        CHECK_EQ(p->registered, 1);
        CHECK_EQ(p->nranges, 3);
        static const int want_pol[3] = { RASHM_POLICY_BALANCED, RASHM_POLICY_FIRST_TOUCH, RASHM_POLICY_DEFAULT };
        static const uint64_t want_pages[3] = { 4, 2, 2 };
        uint64_t off = 0;
        for (int i = 0; i < p->nranges && i < 3; i++) {
            struct rashm_range_placement *rp = &p->ranges[i];
            CHECK_EQ(rp->offset, off);
            CHECK_EQ(rp->pages, want_pages[i]);
            CHECK_EQ(rp->length, want_pages[i] * pgsz);
            off += rp->length;
            CHECK_EQ(rp->policy, want_pol[i]);
            if (!mode_ok(rp->policy, rp->mode)) {
                fprintf(stderr, "range %d: policy %s in force as MPOL %d\n", i, rashm_policy_name(rp->policy), rp->mode);
                check_failures++;
            }
            CHECK_EQ(rp->mode_from_kernel, hugeflag ? 0 : 1);
            CHECK(rashm_nodeset_isset(&rp->nodes, 0));
            CHECK(p->node_slots >= 1);
            /* 4 KiB: resident exactly when populated. Huge pages: balanced and
             * default ranges are populated at creation anyway (no shared
             * policy on hugetlb); first touch is left to the attachers. */
            uint64_t want_res = populate ? rp->pages
                                : hugeflag && rp->policy != RASHM_POLICY_FIRST_TOUCH ? rp->pages : 0;
            CHECK_EQ(rp->resident, want_res);
            if (rp->node_pages)
                CHECK_EQ(rp->node_pages[0], want_res);
        }
        rashm_placement_free(p);
    }
    CHECK_EQ(rashm_remove(id), 0);
    CHECK_ERRNO(rashm_query(id), NULL, EINVAL);
}

static void existing_key(void)
{
    key_t key = test_key(11);
    struct rashm_range r;
    memset(&r, 0, sizeof r);
    r.policy = RASHM_POLICY_BALANCED;
    int created = -1;
    int id = rashm_create(key, 4 * pgsz, IPC_CREAT | hugeflag | 0600, &r, 1, 0, NULL, &created);
    CHECK(id >= 0);
    CHECK_EQ(created, 1);
    r.policy = RASHM_POLICY_FIRST_TOUCH;
    CHECK_EQ(rashm_create(key, 4 * pgsz, IPC_CREAT | hugeflag | 0600, &r, 1, 0, NULL, &created), id);
    CHECK_EQ(created, 0);
    struct rashm_placement *p = rashm_query(id);
    CHECK(p && p->nranges == 1 && p->ranges[0].policy == RASHM_POLICY_BALANCED);
    rashm_placement_free(p);
    CHECK_ERRNO(rashm_create(key, 4 * pgsz, IPC_CREAT | IPC_EXCL | hugeflag | 0600, &r, 1, 0, NULL, NULL), -1, EEXIST);
    CHECK_EQ(rashm_remove(id), 0);
}

static void unplaced_segment(void)
{
    int id = shmget(IPC_PRIVATE, 2 * pgsz, IPC_CREAT | hugeflag | 0600);
    CHECK(id >= 0);
    struct rashm_placement *p = rashm_query(id);
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ(p->registered, 0);
        CHECK_EQ(p->nranges, 1);
        CHECK_EQ(p->ranges[0].policy, -1);
        CHECK_EQ(p->ranges[0].resident, 0);
        rashm_placement_free(p);
    }
    RMID(id);
}

static void create_einval(void)
{
    struct rashm_range r;
    uint64_t size = 4 * pgsz;
#define BAD(field_set)                                                                          \
    do {                                                                                        \
        memset(&r, 0, sizeof r);                                                                \
        r.policy = RASHM_POLICY_BALANCED;                                                       \
        field_set;                                                                              \
        CHECK_FAILS_CLEAN(rashm_create(IPC_PRIVATE, size, IPC_CREAT | hugeflag | 0600, &r, 1, 0, NULL, NULL), \
                          EINVAL);                                                              \
    } while (0)
    BAD(r.offset = pgsz / 2);
    BAD(r.length = pgsz / 2);
    BAD(r.offset = size);
    BAD(r.length = size + pgsz);
    BAD((r.offset = pgsz, r.length = size));
    BAD(r.policy = 7);
    BAD(r.policy = -1);
#undef BAD
    CHECK_FAILS_CLEAN(rashm_create(IPC_PRIVATE, size, IPC_CREAT | hugeflag | 0600, &r, -1, 0, NULL, NULL), EINVAL);
    CHECK_FAILS_CLEAN(rashm_create(IPC_PRIVATE, size, IPC_CREAT | hugeflag | 0600, NULL, 1, 0, NULL, NULL), EINVAL);
    CHECK_FAILS_CLEAN(rashm_create(IPC_PRIVATE, size, IPC_CREAT | hugeflag | 0600, NULL, 0, 0x80, NULL, NULL), EINVAL);
    CHECK_FAILS_CLEAN(rashm_create(IPC_PRIVATE, size, IPC_CREAT | hugeflag | 0600, &r, RASHM_MAX_RANGES + 1, 0, NULL, NULL),
                      EINVAL);
}

int main(int argc, char **argv)
{
    check_begin();
    int huge = argc > 1 && !strcmp(argv[1], "huge");
    pgsz = huge ? HUGE_2M : (uint64_t)page_size();
    hugeflag = huge ? SHM_HUGETLB : 0;
    const char *dp = getenv("RASHM_DEFAULT_POLICY");
    if (dp && !strcmp(dp, "first-touch"))
        CHECK_EQ(rashm_config_default_policy(), RASHM_POLICY_FIRST_TOUCH);
    else if (!dp)
        CHECK_EQ(rashm_config_default_policy(), RASHM_POLICY_BALANCED);   /* AIX memplace_shm_named=2 */
    placed_segment(0);
    placed_segment(1);
    existing_key();
    unplaced_segment();
    create_einval();
    return check_end();
}
