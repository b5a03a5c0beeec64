/* reg_check_entry, the validator of registry entries, on its own: entries
 * built from real plans (plan_build on fake topologies) pass; every single
 * field changed to something rashm never writes fails; random corruption
 * of valid entries never crashes (run it under the sanitizers). */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "topos.h"

#define MiB (UINT64_C(1) << 20)

/* What reg_store writes for a plan (the core's own conversion). */
static struct reg_entry *entry_of(const struct plan *p, int shmid, uint64_t segsz, uint64_t page, int hugetlb,
                                  const struct rashm_range *src, int nsrc, size_t *size)
{
    struct reg_entry *e = reg_entry_from_plan(p, src, nsrc, size);
    if (!e)
        abort();
    e->shmid = shmid;
    e->segsz = segsz;
    e->hugetlb = hugetlb;
    e->page_size = page;
    return e;
}

static const rashm_topo_t *topo;
static rashm_nodeset_t known;

static void facts_for(struct reg_facts *f, int shmid, uint64_t segsz, uint64_t page, int hugetlb)
{
    memset(f, 0, sizeof *f);
    f->shmid = shmid;
    f->segsz = segsz;
    f->page_size = page;
    f->hugetlb = hugetlb;
    f->base_page = 4096;
    f->nodes = &known;
    f->nsrads = rashm_topo_nsrads(topo);
}

/* A plan with every kind of range: balanced on nodes, first touch on a
 * subset (PREFERRED_MANY), first touch on every node (LOCAL), an SRAD,
 * rset CPUs, and gaps between them. */
static struct reg_entry *sample(uint64_t page, int hugetlb, int weighted, uint64_t *segsz, size_t *size)
{
    struct rashm_range r[5];
    memset(r, 0, sizeof r);
    r[0].offset = page;
    r[0].length = 2 * page;
    r[0].policy = RASHM_POLICY_BALANCED;
    rashm_nodeset_set(&r[0].nodes, 0);
    rashm_nodeset_set(&r[0].nodes, 1);
    r[1].offset = 4 * page;
    r[1].length = page;
    r[1].policy = RASHM_POLICY_FIRST_TOUCH;
    rashm_nodeset_set(&r[1].nodes, 2);
    r[2].offset = 5 * page;
    r[2].length = page;
    r[2].policy = RASHM_POLICY_FIRST_TOUCH;   /* empty nodes: every SRAD node -> LOCAL */
    r[3].offset = 6 * page;
    r[3].length = page;
    r[3].policy = RASHM_POLICY_DEFAULT;
    r[3].origin = RASHM_ORIGIN_SRAD;
    r[3].srad = 3;
    rashm_nodeset_set(&r[3].nodes, 3);
    r[4].offset = 8 * page;
    r[4].length = 0;                           /* to the end */
    r[4].policy = RASHM_POLICY_FIRST_TOUCH;
    r[4].origin = RASHM_ORIGIN_CPUS;
    rashm_cpuset_set(&r[4].cpus, 2);
    rashm_nodeset_set(&r[4].nodes, 1);
    *segsz = 10 * page - 100;                  /* not a whole number of pages */
    struct plan_input in;
    memset(&in, 0, sizeof in);
    in.topo = topo;
    in.size = *segsz;
    in.page_size = page;
    in.hugetlb = hugetlb;
    in.default_policy = RASHM_POLICY_BALANCED;
    in.weighted = weighted;
    struct plan *p;
    if (plan_build(&in, r, 5, &p)) {
        fprintf(stderr, "plan_build failed\n");
        exit(1);
    }
    struct reg_entry *e = entry_of(p, 7, *segsz, page, hugetlb, r, 5, size);
    free(p);
    return e;
}

#define MUT(label, stmt)                                                                             \
    do {                                                                                             \
        struct reg_entry *m = malloc(size); /* the statement edits this copy */                     \
        memcpy(m, e, size);                                                                          \
        stmt;                                                                                        \
        if (reg_check_entry(m, size, &f) != -EINVAL) {                                               \
            fprintf(stderr, "%s:%d: accepted: %s (page %llu)\n", __FILE__, __LINE__, label,         \
                    (unsigned long long)page);                                                       \
            check_failures++;                                                                        \
        }                                                                                            \
        free(m);                                                                                     \
    } while (0)

static void swap_ranges(struct reg_entry *e, int a, int b)
{
    struct reg_range t = e->r[a];
    e->r[a] = e->r[b];
    e->r[b] = t;
}

static void mutations(uint64_t page, int hugetlb)
{
    uint64_t segsz;
    size_t size;
    struct reg_entry *e = sample(page, hugetlb, 0, &segsz, &size);
    struct reg_facts f;
    facts_for(&f, 7, segsz, page, hugetlb);
    CHECK_EQ(reg_check_entry(e, size, &f), 0);
    int last = e->nranges - 1;
    CHECK(e->nranges >= 7);

    /* the weighted variant of balanced, and no topology known */
    {
        size_t s2;
        uint64_t z2;
        struct reg_entry *w = sample(page, hugetlb, 1, &z2, &s2);
        CHECK_EQ(reg_check_entry(w, s2, &f), 0);
        free(w);
        struct reg_facts g = f;
        g.nodes = NULL;
        g.nsrads = -1;
        CHECK_EQ(reg_check_entry(e, size, &g), 0);
    }

    /* the size and the counts */
    CHECK_EQ(reg_check_entry(e, size - 1, &f), -EINVAL);
    CHECK_EQ(reg_check_entry(e, size + sizeof e->r[0], &f), -EINVAL);
    CHECK_EQ(reg_check_entry(e, sizeof *e - 1, &f), -EINVAL);
    CHECK_EQ(reg_check_entry(NULL, size, &f), -EINVAL);
    MUT("nranges 0", m->nranges = 0);
    MUT("nranges -1", m->nranges = -1);
    MUT("nranges one more", m->nranges++);
    MUT("nranges huge", m->nranges = INT32_MAX);
    /* the segment */
    MUT("other shmid", m->shmid = 8);
    MUT("other size", m->segsz += page);
    MUT("size 0", m->segsz = 0);
    /* the page size: the mapping's, whatever the entry says */
    MUT("page 0", m->page_size = 0);
    MUT("page doubled", m->page_size *= 2);
    MUT("page halved", m->page_size /= 2);
    MUT("page 2^40", m->page_size = UINT64_C(1) << 40);
    MUT("page = size", m->page_size = m->segsz);
    MUT("hugetlb flipped", m->hugetlb = !m->hugetlb);
    MUT("hugetlb 2", m->hugetlb = 2);
    MUT("has_per_attach flipped", m->has_per_attach = !m->has_per_attach);
    /* the ranges: aligned, in order, covering [0, end) */
    MUT("offset misaligned", m->r[1].offset += 4096 / 2);
    MUT("length 0", m->r[1].length = 0);
    MUT("length 2^60", m->r[last].length = UINT64_C(1) << 60);
    MUT("length short", m->r[last].length -= page);
    MUT("length past the end", m->r[last].length += page);
    MUT("wrap", (m->r[0].offset = UINT64_MAX - page + 1, m->r[0].length = 2 * page));
    MUT("overlap", m->r[1].offset -= page);
    MUT("hole", (m->r[1].offset += page, m->r[1].length -= page));
    MUT("swapped", swap_ranges(m, 1, 2));
    /* policies, modes, masks */
    MUT("policy 3", m->r[1].policy = 3);
    MUT("policy -1", m->r[1].policy = -1);
    MUT("eff policy default", m->r[1].eff_policy = RASHM_POLICY_DEFAULT);
    MUT("eff policy not the policy", m->r[1].eff_policy = RASHM_POLICY_FIRST_TOUCH);
    MUT("mode bind", m->r[1].mode = 2);
    MUT("mode preferred", m->r[1].mode = 1);
    MUT("mode default", m->r[1].mode = 0);
    MUT("mode 99", m->r[1].mode = 99);
    MUT("balanced as local", (m->r[1].mode = 4, rashm_nodeset_zero(&m->r[1].mask)));
    MUT("mask other than nodes", rashm_nodeset_set(&m->r[1].mask, 3));
    MUT("node the machine lacks", (rashm_nodeset_set(&m->r[1].nodes, 9), rashm_nodeset_set(&m->r[1].mask, 9)));
    MUT("node 1023", (rashm_nodeset_set(&m->r[1].nodes, 1023), rashm_nodeset_set(&m->r[1].mask, 1023)));
    MUT("no nodes", (rashm_nodeset_zero(&m->r[1].nodes), rashm_nodeset_zero(&m->r[1].mask)));
    /* origins */
    MUT("origin 4", m->r[1].origin = 4);
    MUT("gap with a range index", m->r[0].range_index = 0);
    MUT("range as a gap", m->r[1].origin = RASHM_ORIGIN_GAP);
    MUT("range index past the max", m->r[1].range_index = RASHM_MAX_RANGES);
    MUT("range index -2", m->r[1].range_index = -2);
    MUT("srad on a node range", m->r[1].srad = 0);
    MUT("gap with cpus", rashm_cpuset_set(&m->r[0].cpus, 1));
    MUT("populate 2", m->r[1].populate_now = 2);
    for (int i = 0; i < e->nranges; i++) {
        if (e->r[i].origin == RASHM_ORIGIN_SRAD) {
            MUT("srad -1", m->r[i].srad = -1);
            MUT("srad past the SRADs", m->r[i].srad = 4);
            MUT("srad 1 << 30", m->r[i].srad = 1 << 30);
        }
        /* per attach: only on hugetlb, and exactly where plan_build puts it */
        MUT("per_attach flipped", (m->r[i].per_attach = !m->r[i].per_attach,
                                   m->has_per_attach = m->r[i].per_attach || m->has_per_attach));
    }
    free(e);
}

/* The preferred policy (the native API's, not AIX's): one node is
 * MPOL_PREFERRED, several MPOL_PREFERRED_MANY, nothing else; and no
 * configured default resolves to it. */
static void preferred(uint64_t page, int hugetlb)
{
    struct rashm_range r[2];
    memset(r, 0, sizeof r);
    r[0].offset = 0;
    r[0].length = 2 * page;
    r[0].policy = RASHM_POLICY_PREFERRED;
    rashm_nodeset_set(&r[0].nodes, 2);
    r[1].offset = 3 * page;
    r[1].length = 0;
    r[1].policy = RASHM_POLICY_PREFERRED;
    rashm_nodeset_set(&r[1].nodes, 1);
    rashm_nodeset_set(&r[1].nodes, 3);
    uint64_t segsz = 6 * page;
    struct plan_input in;
    memset(&in, 0, sizeof in);
    in.topo = topo;
    in.size = segsz;
    in.page_size = page;
    in.hugetlb = hugetlb;
    in.default_policy = RASHM_POLICY_BALANCED;
    struct plan *p;
    CHECK_EQ(plan_build(&in, r, 2, &p), 0);
    if (!p)
        return;
    size_t size;
    struct reg_entry *e = entry_of(p, 7, segsz, page, hugetlb, r, 2, &size);
    free(p);
    struct reg_facts f;
    facts_for(&f, 7, segsz, page, hugetlb);
    CHECK_EQ(reg_check_entry(e, size, &f), 0);
    CHECK_EQ(e->nranges, 3);
    CHECK_EQ(e->r[0].mode, 1 /* MPOL_PREFERRED */);
    CHECK_EQ(e->r[2].mode, MPOL_PREFERRED_MANY);
    MUT("preferred one node as many", m->r[0].mode = MPOL_PREFERRED_MANY);
    MUT("preferred many as one node", m->r[2].mode = 1);
    MUT("preferred as local", (m->r[0].mode = 4, rashm_nodeset_zero(&m->r[0].mask)));
    MUT("preferred mask other than nodes", rashm_nodeset_set(&m->r[0].mask, 3));
    MUT("default resolved to preferred", m->r[0].policy = RASHM_POLICY_DEFAULT);
    MUT("gap as preferred", (m->r[1].eff_policy = RASHM_POLICY_PREFERRED));
    MUT("preferred resolved to balanced", m->r[0].eff_policy = RASHM_POLICY_BALANCED);
    free(e);
}

/* The reader could not map the segment: only a page size a mapping can
 * have is required, consistent with the hugetlb flag. */
static void unknown_page(void)
{
    uint64_t pages[] = {4096, 2 * MiB, 1024 * MiB};
    for (size_t k = 0; k < sizeof pages / sizeof pages[0]; k++) {
        uint64_t page = pages[k], segsz;
        size_t size;
        struct reg_entry *e = sample(page, page != 4096, 0, &segsz, &size);
        struct reg_facts f;
        facts_for(&f, 7, segsz, 0, 0);
        CHECK_EQ(reg_check_entry(e, size, &f), 0);
        MUT("unknown: page 0", m->page_size = 0);
        MUT("unknown: page 3000", m->page_size = 3000);
        MUT("unknown: page 2 KiB", m->page_size = 2048);
        MUT("unknown: page 32 GiB", m->page_size = UINT64_C(32) << 30);
        MUT("unknown: hugetlb flipped", m->hugetlb = !m->hugetlb);
        free(e);
    }
}

/* Random corruption of valid entries: never a crash (the sanitizer build
 * checks the reads), and every accepted entry is one of the valid ones'
 * shape (the ranges cover the segment). */
static void random_bytes(void)
{
    uint64_t segsz;
    size_t size;
    struct reg_entry *e = sample(2 * MiB, 1, 0, &segsz, &size);
    struct reg_facts f;
    facts_for(&f, 7, segsz, 2 * MiB, 1);
    unsigned seed = 12345;
    unsigned char *buf = malloc(size + 1);
    int accepted = 0;
    for (int it = 0; it < 20000; it++) {
        memcpy(buf + 1, e, size);        /* +1: unaligned on purpose */
        int flips = 1 + (int)(rand_r(&seed) % 4);
        for (int k = 0; k < flips; k++)
            buf[1 + rand_r(&seed) % size] ^= (unsigned char)(1u << (rand_r(&seed) % 8));
        size_t sz = size;
        if (rand_r(&seed) % 16 == 0)
            sz = rand_r(&seed) % (size + 1);
        if (reg_check_entry(buf + 1, sz, &f) == 0) {
            accepted++;
            struct reg_entry h;
            memcpy(&h, buf + 1, sizeof h);
            uint64_t at = 0;
            for (int i = 0; i < h.nranges; i++) {
                struct reg_range r;
                memcpy(&r, buf + 1 + sizeof h + (size_t)i * sizeof r, sizeof r);
                CHECK_EQ(r.offset, at);
                at += r.length;
            }
            CHECK_EQ(at, plan_end(segsz, 2 * MiB));
        }
    }
    /* flips in fields no check reads (cpus of rset ranges, identity) pass */
    CHECK(accepted > 0);
    free(buf);
    free(e);
}

int main(void)
{
    check_begin();
    rashm_topo_t *t = rashm_topo_load_synthetic(TOPO_NUMA4);
    if (!t) {
        fprintf(stderr, "cannot load the synthetic topology\n");
        return 1;
    }
    topo = t;
    rashm_nodeset_t srads;
    rashm_topo_all_nodes(t, &known);
    rashm_topo_srad_nodes(t, &srads);
    for (int w = 0; w < RASHM_MAX_NODES / 64; w++)
        known.bits[w] |= srads.bits[w];
    mutations(4096, 0);
    mutations(2 * MiB, 1);
    preferred(4096, 0);
    preferred(2 * MiB, 1);
    unknown_page();
    random_bytes();
    rashm_topo_free(t);
    return check_end();
}
