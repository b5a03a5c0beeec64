/* Planning and topology model on fake hwloc topologies (no system calls
 * into NUMA; runs on any machine). Links the core's objects directly to
 * reach the internal planner. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "topos.h"

#define MiB (1ull << 20)
#define MPOL_INTERLEAVE_ 3
#define MPOL_LOCAL_ 4

static rashm_nodeset_t nodes(const char *s)
{
    rashm_nodeset_t n;
    if (rashm_nodeset_parse(s, &n))
        fprintf(stderr, "bad node list %s\n", s);
    return n;
}

static struct rashm_range range(uint64_t off, uint64_t len, int policy, const char *ns)
{
    struct rashm_range r;
    memset(&r, 0, sizeof r);
    r.offset = off;
    r.length = len;
    r.policy = policy;
    r.nodes = nodes(ns);
    return r;
}

static void input(struct plan_input *in, const rashm_topo_t *t, uint64_t size, uint64_t page)
{
    memset(in, 0, sizeof *in);
    in->topo = t;
    in->size = size;
    in->page_size = page;
    in->hugetlb = page > 4096;
    in->default_policy = RASHM_POLICY_BALANCED;
}

#define CHECK_MASK(set, str)                                                                     \
    do {                                                                                         \
        char b_[256];                                                                            \
        rashm_nodeset_format(&(set), b_, sizeof b_);                                             \
        if (strcmp(b_, (str))) {                                                                 \
            fprintf(stderr, "%s:%d: node set %s, expected %s\n", __FILE__, __LINE__, b_, (str)); \
            check_failures++;                                                                    \
        }                                                                                        \
    } while (0)

#define CHECK_CPUS(set, str)                                                                    \
    do {                                                                                        \
        char b_[256];                                                                           \
        rashm_cpuset_format(&(set), b_, sizeof b_);                                             \
        if (strcmp(b_, (str))) {                                                                \
            fprintf(stderr, "%s:%d: cpu set %s, expected %s\n", __FILE__, __LINE__, b_, (str)); \
            check_failures++;                                                                   \
        }                                                                                       \
    } while (0)

static void model_pack2(void)
{
    rashm_topo_t *t = rashm_topo_load_synthetic(TOPO_PACK2);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK(!rashm_topo_is_this_system(t));
    /* machine(1) package(2) numa(4) core(8) pu(8); hwloc's group level that
     * holds the NUMA nodes is identical to the NUMA level and folded */
    CHECK_EQ(rashm_topo_nsdl(t), 5);
    int kinds[] = {RASHM_SDL_MACHINE, RASHM_SDL_PACKAGE, RASHM_SDL_NUMA, RASHM_SDL_CORE, RASHM_SDL_PU};
    int nrads[] = {1, 2, 4, 8, 8};
    for (int s = 0; s < 5; s++) {
        CHECK_EQ(rashm_topo_sdl_kind(t, s), kinds[s]);
        CHECK_EQ(rashm_topo_nrads(t, s), nrads[s]);
    }
    CHECK_EQ(rashm_topo_sdl_of(t, RASHM_SDL_NUMA), 2);
    CHECK_EQ(rashm_topo_sdl_of(t, RASHM_SDL_GROUP), 2);   /* folded into NUMA */
    CHECK_EQ(rashm_topo_sdl_of(t, RASHM_SDL_L2), -1);     /* synthetic: no caches */
    CHECK_EQ(rashm_topo_nrads(t, 5), -1);
    rashm_cpuset_t c;
    rashm_nodeset_t n;
    CHECK_EQ(rashm_topo_rad(t, 1, 1, &c, &n), 0);
    CHECK_CPUS(c, "4-7");
    CHECK_MASK(n, "2-3");
    CHECK_EQ(rashm_topo_rad(t, 2, 3, &c, &n), 0);
    CHECK_CPUS(c, "6-7");
    CHECK_MASK(n, "3");
    CHECK_EQ(rashm_topo_rad(t, 0, 0, &c, &n), 0);
    CHECK_CPUS(c, "0-7");
    CHECK_MASK(n, "0-3");
    CHECK_EQ(rashm_topo_rad(t, 2, 4, &c, &n), -1);
    CHECK_EQ(rashm_topo_nsrads(t), 4);
    for (int s = 0; s < 4; s++)
        CHECK_EQ(rashm_topo_srad_node(t, s), s);
    CHECK_EQ(rashm_topo_srad_node(t, 4), -1);
    CHECK_EQ(rashm_topo_cpu_srad(t, 5), 2);

    struct plan_input in;
    struct plan *p = NULL;
    input(&in, t, 64 * MiB, 4096);
    /* the seed's shape: balanced then first touch, here over explicit nodes */
    struct rashm_range r[3] = {range(0, 32 * MiB, RASHM_POLICY_BALANCED, "0-1"),
                               range(32 * MiB, 0, RASHM_POLICY_FIRST_TOUCH, "2")};
    CHECK_EQ(plan_build(&in, r, 2, &p), 0);
    if (p) {
        CHECK_EQ(p->n, 2);
        CHECK_EQ(p->e[0].offset, 0);
        CHECK_EQ(p->e[0].length, 32 * MiB);
        CHECK_EQ(p->e[0].mode, MPOL_INTERLEAVE_);
        CHECK_MASK(p->e[0].mask, "0-1");
        CHECK_EQ(p->e[1].offset, 32 * MiB);
        CHECK_EQ(p->e[1].length, 32 * MiB);  /* 0 = to the end */
        CHECK_EQ(p->e[1].mode, MPOL_PREFERRED_MANY);
        CHECK_MASK(p->e[1].mask, "2");
        CHECK_EQ(p->e[0].populate_now + p->e[1].populate_now + p->e[0].per_attach + p->e[1].per_attach, 0);
        free(p);
        p = NULL;
    }
    /* first touch over every node: plain local allocation */
    r[0] = range(0, 0, RASHM_POLICY_FIRST_TOUCH, "0-3");
    CHECK_EQ(plan_build(&in, r, 1, &p), 0);
    if (p) {
        CHECK_EQ(p->n, 1);
        CHECK_EQ(p->e[0].mode, MPOL_LOCAL_);
        CHECK(rashm_nodeset_isempty(&p->e[0].mask));
        free(p);
        p = NULL;
    }
    /* a hole between ranges and at the end: P_DEFAULT over all SRADs,
     * which is balanced by default and first touch when configured */
    r[0] = range(4 * MiB, 4 * MiB, RASHM_POLICY_FIRST_TOUCH, "1");
    CHECK_EQ(plan_build(&in, r, 1, &p), 0);
    if (p) {
        CHECK_EQ(p->n, 3);
        CHECK_EQ(p->e[0].origin, RASHM_ORIGIN_GAP);
        CHECK_EQ(p->e[0].length, 4 * MiB);
        CHECK_EQ(p->e[0].mode, MPOL_INTERLEAVE_);
        CHECK_MASK(p->e[0].mask, "0-3");
        CHECK_EQ(p->e[1].range_index, 0);
        CHECK_EQ(p->e[2].offset, 8 * MiB);
        CHECK_EQ(p->e[2].length, 56 * MiB);
        free(p);
        p = NULL;
    }
    in.default_policy = RASHM_POLICY_FIRST_TOUCH;
    CHECK_EQ(plan_build(&in, r, 1, &p), 0);
    if (p) {
        CHECK_EQ(p->e[0].eff_policy, RASHM_POLICY_FIRST_TOUCH);
        CHECK_EQ(p->e[0].mode, MPOL_LOCAL_);
        free(p);
        p = NULL;
    }
    in.default_policy = RASHM_POLICY_BALANCED;
    /* overlapping ranges: the later one wins where they overlap */
    r[0] = range(0, 32 * MiB, RASHM_POLICY_BALANCED, "0-1");
    r[1] = range(16 * MiB, 32 * MiB, RASHM_POLICY_FIRST_TOUCH, "3");
    CHECK_EQ(plan_build(&in, r, 2, &p), 0);
    if (p) {
        CHECK_EQ(p->n, 3);
        CHECK_EQ(p->e[0].length, 16 * MiB);
        CHECK_EQ(p->e[0].mode, MPOL_INTERLEAVE_);
        CHECK_EQ(p->e[1].offset, 16 * MiB);
        CHECK_EQ(p->e[1].length, 32 * MiB);
        CHECK_EQ(p->e[1].mode, MPOL_PREFERRED_MANY);
        CHECK_EQ(p->e[2].origin, RASHM_ORIGIN_GAP);
        free(p);
        p = NULL;
    }
    /* preferred: one node is MPOL_PREFERRED, several MPOL_PREFERRED_MANY;
     * weighted interleave and the default policy do not change it */
    in.weighted = 1;
    in.default_policy = RASHM_POLICY_FIRST_TOUCH;
    r[0] = range(0, 32 * MiB, RASHM_POLICY_PREFERRED, "2");
    r[1] = range(32 * MiB, 0, RASHM_POLICY_PREFERRED, "1,3");
    CHECK_EQ(plan_build(&in, r, 2, &p), 0);
    if (p) {
        CHECK_EQ(p->n, 2);
        CHECK_EQ(p->e[0].eff_policy, RASHM_POLICY_PREFERRED);
        CHECK_EQ(p->e[0].mode, 1 /* MPOL_PREFERRED */);
        CHECK_MASK(p->e[0].mask, "2");
        CHECK_EQ(p->e[1].eff_policy, RASHM_POLICY_PREFERRED);
        CHECK_EQ(p->e[1].mode, MPOL_PREFERRED_MANY);
        CHECK_MASK(p->e[1].mask, "1,3");
        free(p);
        p = NULL;
    }
    in.default_policy = RASHM_POLICY_BALANCED;
    in.weighted = 0;
    /* weighted interleave when configured */
    in.weighted = 1;
    r[0] = range(0, 0, RASHM_POLICY_BALANCED, "");
    CHECK_EQ(plan_build(&in, r, 1, &p), 0);
    if (p) {
        CHECK_EQ(p->e[0].mode, MPOL_WEIGHTED_INTERLEAVE);
        CHECK_MASK(p->e[0].mask, "0-3");  /* empty = every SRAD */
        free(p);
        p = NULL;
    }
    in.weighted = 0;

    /* huge pages: what is populated now and what is re-applied per attach */
    input(&in, t, 64 * MiB, 2 * MiB);
    r[0] = range(0, 16 * MiB, RASHM_POLICY_BALANCED, "0-3");
    r[1] = range(16 * MiB, 16 * MiB, RASHM_POLICY_FIRST_TOUCH, "0-1");
    r[2] = range(32 * MiB, 0, RASHM_POLICY_FIRST_TOUCH, "2");
    r[2].origin = RASHM_ORIGIN_SRAD;
    r[2].srad = 2;
    CHECK_EQ(plan_build(&in, r, 3, &p), 0);
    if (p) {
        CHECK_EQ(p->n, 3);
        CHECK(p->e[0].populate_now && !p->e[0].per_attach);
        CHECK(!p->e[1].populate_now && p->e[1].per_attach);
        CHECK(p->e[2].populate_now && !p->e[2].per_attach);
        CHECK_EQ(p->e[2].srad, 2);
        free(p);
        p = NULL;
    }
    in.flags = RASHM_LOCK;
    CHECK_EQ(plan_build(&in, r, 3, &p), 0);
    if (p) {
        CHECK(p->e[0].populate_now && p->e[1].populate_now && p->e[2].populate_now);
        free(p);
        p = NULL;
    }
    in.flags = 0;

    /* invalid ranges */
    struct rashm_range bad;
    bad = range(1 * MiB, 2 * MiB, RASHM_POLICY_BALANCED, "");   /* offset not a huge page multiple */
    CHECK_EQ(plan_build(&in, &bad, 1, &p), -EINVAL);
    bad = range(0, 3 * MiB, RASHM_POLICY_BALANCED, "");         /* length not a multiple */
    CHECK_EQ(plan_build(&in, &bad, 1, &p), -EINVAL);
    bad = range(64 * MiB, 0, RASHM_POLICY_BALANCED, "");        /* starts at the end */
    CHECK_EQ(plan_build(&in, &bad, 1, &p), -EINVAL);
    bad = range(62 * MiB, 4 * MiB, RASHM_POLICY_BALANCED, "");  /* runs past the end */
    CHECK_EQ(plan_build(&in, &bad, 1, &p), -EINVAL);
    bad = range(0, 0, RASHM_POLICY_PREFERRED + 1, "");          /* no such policy */
    CHECK_EQ(plan_build(&in, &bad, 1, &p), -EINVAL);
    bad = range(0, 0, RASHM_POLICY_BALANCED, "5");              /* no such node */
    CHECK_EQ(plan_build(&in, &bad, 1, &p), -EINVAL);
    CHECK_EQ(plan_build(&in, NULL, 1, &p), -EINVAL);
    CHECK_EQ(plan_build(&in, r, RASHM_MAX_RANGES + 1, &p), -EINVAL);
    CHECK_EQ(plan_build(&in, r, -1, &p), -EINVAL);
    /* a size that is not a page multiple: the last page is still a page */
    input(&in, t, 10000, 4096);
    bad = range(8192, 4096, RASHM_POLICY_BALANCED, "");
    CHECK_EQ(plan_build(&in, &bad, 1, &p), 0);
    free(p);
    p = NULL;
    bad = range(8192, 8192, RASHM_POLICY_BALANCED, "");
    CHECK_EQ(plan_build(&in, &bad, 1, &p), -EINVAL);
    rashm_topo_free(t);
}

static void model_numa4(void)
{
    rashm_topo_t *t = rashm_topo_load_synthetic(TOPO_NUMA4);
    CHECK(t != NULL);
    if (!t)
        return;
    /* machine, numa(4), core(8), pu(16); no package level */
    CHECK_EQ(rashm_topo_nsdl(t), 4);
    CHECK_EQ(rashm_topo_sdl_kind(t, 1), RASHM_SDL_NUMA);
    CHECK_EQ(rashm_topo_nrads(t, 1), 4);
    CHECK_EQ(rashm_topo_nrads(t, 2), 8);
    CHECK_EQ(rashm_topo_nrads(t, 3), 16);
    CHECK_EQ(rashm_topo_sdl_of(t, RASHM_SDL_PACKAGE), -1);
    CHECK_EQ(rashm_topo_sdl_of(t, RASHM_SDL_PU), 3);
    rashm_cpuset_t c;
    rashm_nodeset_t n;
    CHECK_EQ(rashm_topo_rad(t, 2, 5, &c, &n), 0);   /* core 5: PUs 10-11 on node 2 */
    CHECK_CPUS(c, "10-11");
    CHECK_MASK(n, "2");
    rashm_cpuset_zero(&c);
    rashm_cpuset_set(&c, 3);
    rashm_cpuset_set(&c, 12);
    rashm_topo_cpus_to_nodes(t, &c, &n);
    CHECK_MASK(n, "0,3");
    rashm_topo_free(t);
}

static void model_sparse(void)
{
    rashm_topo_t *t = rashm_topo_load_synthetic(TOPO_SPARSE);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK_EQ(rashm_topo_nsrads(t), 4);
    int want[] = {0, 3, 5, 8};
    for (int s = 0; s < 4; s++)
        CHECK_EQ(rashm_topo_srad_node(t, s), want[s]);
    CHECK_EQ(rashm_topo_node_srad(t, 5), 2);
    CHECK_EQ(rashm_topo_node_srad(t, 4), -1);
    CHECK_EQ(errno, ENODEV);
    rashm_nodeset_t all;
    rashm_topo_all_nodes(t, &all);
    CHECK_MASK(all, "0,3,5,8");
    rashm_cpuset_t c;
    rashm_nodeset_t n;
    rashm_cpuset_zero(&c);
    rashm_cpuset_set(&c, 4);
    rashm_cpuset_set(&c, 5);
    rashm_topo_cpus_to_nodes(t, &c, &n);
    CHECK_MASK(n, "5");
    CHECK_EQ(rashm_topo_rad(t, 2, 1, &c, &n), 0);   /* second SRAD is node 3 */
    CHECK_MASK(n, "3");
    CHECK_CPUS(c, "2-3");

    struct plan_input in;
    struct plan *p = NULL;
    input(&in, t, 8 * MiB, 4096);
    struct rashm_range r[2] = {range(0, 4 * MiB, RASHM_POLICY_BALANCED, "3,8"),
                               range(4 * MiB, 4 * MiB, RASHM_POLICY_FIRST_TOUCH, "0,3,5,8")};
    CHECK_EQ(plan_build(&in, r, 2, &p), 0);
    if (p) {
        CHECK_MASK(p->e[0].mask, "3,8");
        CHECK_EQ(p->e[1].mode, MPOL_LOCAL_);
        free(p);
        p = NULL;
    }
    r[0] = range(0, 0, RASHM_POLICY_BALANCED, "4");   /* node 4 does not exist here */
    CHECK_EQ(plan_build(&in, r, 1, &p), -EINVAL);
    rashm_topo_free(t);
}

static void model_memonly(void)
{
    const char *xml = TOPO_XML_MEMONLY;
    rashm_topo_t *t = rashm_topo_load_xml(xml, strlen(xml));
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK_EQ(rashm_topo_nnodes(t), 3);
    CHECK_EQ(rashm_topo_nsrads(t), 2);
    CHECK_EQ(rashm_topo_node_srad(t, 2), -1);
    struct rashm_node_info ni;
    CHECK_EQ(rashm_topo_node(t, 2, &ni), 0);
    CHECK_EQ(ni.node, 2);
    CHECK_EQ(ni.sradid, -1);
    CHECK_EQ(rashm_cpuset_count(&ni.cpus), 0);
    CHECK_EQ(ni.mem_total, 4ull << 30);
    rashm_nodeset_t all, srads;
    rashm_topo_all_nodes(t, &all);
    rashm_topo_srad_nodes(t, &srads);
    CHECK_MASK(all, "0-2");
    CHECK_MASK(srads, "0-1");
    /* levels: machine, package = numa (2 each; package folded), core, pu */
    int numa = rashm_topo_sdl_of(t, RASHM_SDL_NUMA);
    CHECK_EQ(rashm_topo_nrads(t, numa), 2);
    CHECK_EQ(rashm_topo_sdl_of(t, RASHM_SDL_PACKAGE), numa);
    rashm_cpuset_t c;
    rashm_nodeset_t n;
    CHECK_EQ(rashm_topo_rad(t, 0, 0, &c, &n), 0);
    CHECK_MASK(n, "0-2");                 /* the machine has all the memory */
    rashm_cpuset_zero(&c);
    for (int i = 0; i < 4; i++)
        rashm_cpuset_set(&c, i);
    rashm_topo_cpus_to_nodes(t, &c, &n);
    CHECK_MASK(n, "0-1");                 /* CPUs never imply a memory-only node */

    struct plan_input in;
    struct plan *p = NULL;
    input(&in, t, 8 * MiB, 4096);
    struct rashm_range r[3] = {range(0, 2 * MiB, RASHM_POLICY_FIRST_TOUCH, ""),
                               range(2 * MiB, 2 * MiB, RASHM_POLICY_FIRST_TOUCH, "0-2"),
                               range(4 * MiB, 0, RASHM_POLICY_BALANCED, "2")};
    CHECK_EQ(plan_build(&in, r, 3, &p), 0);
    if (p) {
        /* every SRAD is not every node: preferred-many, not local */
        CHECK_EQ(p->e[0].mode, MPOL_PREFERRED_MANY);
        CHECK_MASK(p->e[0].mask, "0-1");
        CHECK_EQ(p->e[1].mode, MPOL_LOCAL_);
        /* a memory-only node named directly (extension) */
        CHECK_EQ(p->e[2].mode, MPOL_INTERLEAVE_);
        CHECK_MASK(p->e[2].mask, "2");
        free(p);
    }
    rashm_topo_free(t);
}

static void sets(void)
{
    rashm_nodeset_t n;
    char buf[64];
    CHECK_EQ(rashm_nodeset_parse("0,2-4,9", &n), 0);
    CHECK_EQ(rashm_nodeset_count(&n), 5);
    CHECK_EQ(rashm_nodeset_format(&n, buf, sizeof buf), 7);
    CHECK(!strcmp(buf, "0,2-4,9"));
    CHECK_EQ(rashm_nodeset_format(&n, buf, 4), 7);    /* truncated, still terminated */
    CHECK(!strcmp(buf, "0,2"));
    CHECK_EQ(rashm_nodeset_next(&n, 4), 9);
    CHECK_EQ(rashm_nodeset_next(&n, 9), -1);
    CHECK_EQ(rashm_nodeset_parse("1-", &n), -1);
    CHECK_EQ(rashm_nodeset_parse("3-1", &n), -1);
    CHECK_EQ(rashm_nodeset_parse("1024", &n), -1);
    CHECK_EQ(rashm_nodeset_parse("", &n), 0);
    CHECK(rashm_nodeset_isempty(&n));
}

static const char *item(const char *name, int *from_env)
{
    const struct rashm_config_item *it;
    int n = rashm_config_items(&it);
    for (int i = 0; i < n; i++)
        if (!strcmp(it[i].name, name)) {
            *from_env = it[i].from_env;
            return it[i].value;
        }
    return NULL;
}

static void config(void)
{
    int env = -1;
    unsetenv("RASHM_DEFAULT_POLICY");
    CHECK_EQ(rashm_config_default_policy(), RASHM_POLICY_BALANCED);
    const char *v = item("RASHM_DEFAULT_POLICY", &env);
    CHECK(v && !strcmp(v, "balanced"));
    CHECK_EQ(env, 0);
    setenv("RASHM_DEFAULT_POLICY", "first-touch", 1);
    CHECK_EQ(rashm_config_default_policy(), RASHM_POLICY_FIRST_TOUCH);
    v = item("RASHM_DEFAULT_POLICY", &env);
    CHECK(v && !strcmp(v, "first-touch"));
    CHECK_EQ(env, 1);
    setenv("RASHM_DEFAULT_POLICY", "bogus", 1);   /* unknown: AIX's round robin */
    CHECK_EQ(rashm_config_default_policy(), RASHM_POLICY_BALANCED);
    unsetenv("RASHM_DEFAULT_POLICY");
    setenv("RASHM_ENHANCED_AFFINITY", "0", 1);
    CHECK_EQ(rashm_config_enhanced_affinity(), 0);
    v = item("RASHM_ENHANCED_AFFINITY", &env);
    CHECK(v && !strcmp(v, "0"));
    unsetenv("RASHM_ENHANCED_AFFINITY");
    CHECK_EQ(rashm_config_enhanced_affinity(), 1);
    /* a bad value is an error naming the variable and what it accepts */
    setenv("RASHM_REGISTRY_DIR", "relative/not/allowed", 1);
    v = item("RASHM_REGISTRY_DIR", &env);
    CHECK(v && strstr(v, "RASHM_REGISTRY_DIR=relative/not/allowed") && strstr(v, "absolute path"));
    CHECK_EQ(env, 2);
    errno = 0;   /* and fails the calls that read it, before creating anything */
    CHECK_EQ(rashm_create(IPC_PRIVATE, 1 << 20, IPC_CREAT | 0600, NULL, 0, 0, NULL, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    unsetenv("RASHM_REGISTRY_DIR");
    CHECK(item("RASHM_BALANCED", &env) && item("RASHM_SHMAT", &env) && item("RASHM_DEBUG", &env) &&
          item("RASHM_TOPOLOGY_SYNTHETIC", &env) && item("RASHM_TOPOLOGY_XML", &env));
    CHECK(!strcmp(rashm_policy_name(RASHM_POLICY_DEFAULT), "default"));
    CHECK(!strcmp(rashm_policy_name(RASHM_POLICY_PREFERRED), "preferred"));
    CHECK(!strcmp(rashm_policy_name(9), "unknown"));
}

int main(void)
{
    check_begin();
    config();
    sets();
    model_pack2();
    model_numa4();
    model_sparse();
    model_memonly();
    return check_end();
}
