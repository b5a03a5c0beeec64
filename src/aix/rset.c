/* AIX resource sets over the core's topology model: rs_alloc, rs_init,
 * rs_free, rs_getinfo, rs_numrads, rs_getrad, rs_op, rs_getpartition,
 * rs_get_homesrad. An rset is a CPU set plus a node set. */
#define _GNU_SOURCE
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "aix.h"


struct rset *rset_of(rsethandle_t h)
{
    struct rset *r = h;
    /* RS_DEFAULT is (rsethandle_t)4: a marker, never an rset */
    if (!r || (uintptr_t)r < 4096 || r->magic != RSET_MAGIC)
        return NULL;
    return r;
}

struct rset *rset_new(void)
{
    struct rset *r = calloc(1, sizeof *r);
    if (r)
        r->magic = RSET_MAGIC;
    return r;
}

int rset_fill(struct rset *r, unsigned flags)
{
    const rashm_topo_t *t;
    int rc;
    switch (flags) {
    case RS_EMPTY:
        rashm_cpuset_zero(&r->cpus);
        rashm_nodeset_zero(&r->mems);
        return 0;
    case RS_SYSTEM:
    case RS_ALL:
    case RS_PARTITION:
        break;
    default:
        return -EINVAL;
    }
    rc = aix_topo(&t);
    if (rc)
        return rc;
    if (flags == RS_PARTITION)
        return rashm_topo_partition(t, &r->cpus, &r->mems) ? -errno : 0;
    rashm_topo_all_cpus(t, &r->cpus);
    rashm_topo_all_nodes(t, &r->mems);
    if (flags == RS_SYSTEM) {
        /* available resources: what the machine lets anybody use (hwloc's
         * allowed sets); RS_ALL also has the disallowed ones */
        rashm_topo_allowed(t, &r->cpus, &r->mems);
    }
    return 0;
}

rsethandle_t rs_alloc(uint_t flags)
{
    struct rset *r = rset_new();
    if (!r) {
        errno = ENOMEM;
        return NULL;
    }
    int rc = rset_fill(r, flags);
    if (rc) {
        free(r);
        errno = -rc;
        return NULL;
    }
    return r;
}

void rs_free(rsethandle_t h)
{
    struct rset *r = rset_of(h);
    if (!r)
        return;
    r->magic = 0;
    free(r);
}

int rs_init(rsethandle_t h, uint_t flags)
{
    struct rset *r = rset_of(h);
    if (!r)
        return rashm_fail(-EINVAL);
    struct rset tmp = *r;
    int rc = rset_fill(&tmp, flags);
    if (rc)
        return rashm_fail(rc);
    *r = tmp;
    return 0;
}

static int max_plus_one_cpu(const rashm_topo_t *t)
{
    rashm_cpuset_t all;
    rashm_topo_all_cpus(t, &all);
    int m = -1;
    for (int c = rashm_cpuset_next(&all, -1); c >= 0; c = rashm_cpuset_next(&all, c))
        m = c;
    return m + 1;
}

static int max_plus_one_node(const rashm_topo_t *t)
{
    int m = -1;
    struct rashm_node_info ni;
    for (int i = 0; i < rashm_topo_nnodes(t); i++)
        if (rashm_topo_node(t, i, &ni) == 0 && ni.node > m)
            m = ni.node;
    return m + 1;
}

/* SDL of a kind for rs_getinfo: 0 when the level does not exist (as AIX
 * answers when firmware gives no topology). */
static int sdl_or_zero(const rashm_topo_t *t, enum rashm_sdl_kind k)
{
    int saved = errno;
    int s = rashm_topo_sdl_of(t, k);
    errno = saved;
    return s < 0 ? 0 : s;
}

/* SDL of the SMP, L2 and core levels: AIX answers 0 only when the firmware
 * gives no topology at all, and callers treat 0 as a failure (or, like
 * hwloc's AIX backend, build a machine-wide object from it). A level that
 * is folded into the machine (one package) or missing (no L2 level in
 * hwloc) answers the nearest real level below the machine instead: the
 * package the first SDL under the machine, the L2 the core level, the
 * core the CPU level. Only a machine whose only SDL is the machine
 * answers 0. */
static int sdl_nearest(const rashm_topo_t *t, enum rashm_sdl_kind k)
{
    int max = rashm_topo_nsdl(t) - 1;
    int s = sdl_or_zero(t, k);
    if (s > 0 || max <= 0)
        return s;
    switch (k) {
    case RASHM_SDL_L2: {
        int c = sdl_or_zero(t, RASHM_SDL_CORE);
        return c > 0 ? c : max;
    }
    case RASHM_SDL_CORE:
        return max;
    default:
        return 1;
    }
}

int rs_getinfo(rsethandle_t h, rsinfo_t info, uint_t flags)
{
    const rashm_topo_t *t;
    if (flags)
        return rashm_fail(-EINVAL);
    int rc = aix_topo(&t);
    if (rc)
        return rashm_fail(rc);
    struct rset *r = rset_of(h);
    switch (info) {
    case R_MAXSDL: return rashm_topo_nsdl(t) - 1;
    case R_MCMSDL: return sdl_or_zero(t, RASHM_SDL_NUMA);
    case R_L2CSDL: return sdl_nearest(t, RASHM_SDL_L2);
    case R_PCORESDL: return sdl_nearest(t, RASHM_SDL_CORE);
    case R_SMPSDL: return sdl_nearest(t, RASHM_SDL_PACKAGE);
    case R_REF1SDL: return rashm_topo_nsdl(t) > 1 ? 1 : 0;
    case R_MAXPROCS: return max_plus_one_cpu(t);
    case R_MAXMEMPS: return max_plus_one_node(t);
    case R_SHMATTCAP: return 1;
    default: break;
    }
    if (!r)
        return rashm_fail(-EINVAL);
    switch (info) {
    case R_NUMPROCS: return rashm_cpuset_count(&r->cpus);
    case R_NUMMEMPS: return rashm_nodeset_count(&r->mems);
    case R_MEMSIZE: {
        uint64_t b = 0;
        struct rashm_node_info ni;
        for (int i = 0; i < rashm_topo_nnodes(t); i++)
            if (rashm_topo_node(t, i, &ni) == 0 && rashm_nodeset_isset(&r->mems, ni.node))
                b += ni.mem_total;
        return (int)(b >> 20);
    }
    case R_LGPGFREE:
    case R_LGPGDEF: {
        long long n = 0;
        if (!rashm_topo_is_this_system(t))
            return 0;
        for (int node = rashm_nodeset_next(&r->mems, -1); node >= 0; node = rashm_nodeset_next(&r->mems, node)) {
            struct rashm_node_mem m;
            if (rashm_node_mem(node, &m) == 0)
                n += (long long)(info == R_LGPGFREE ? m.huge_free : m.huge_total);
        }
        return (int)n;
    }
    default:
        return rashm_fail(-EINVAL);
    }
}

/* The RADs of level `sdl` that have a CPU of `r`, counted in topology
 * order: returns how many there are, and with want >= 0 stores the CPUs
 * and nodes of the want-th one (-1/EINVAL as -errno when it does not exist).
 * rs_numrads and rs_getrad share this, so they always agree. */
static int rads_meeting(const struct rset *r, uint_t sdl, int want, rashm_cpuset_t *cpus, rashm_nodeset_t *nodes)
{
    const rashm_topo_t *t;
    int rc = aix_topo(&t);
    if (rc)
        return rc;
    if (sdl >= (uint_t)rashm_topo_nsdl(t))
        return -EINVAL;
    int k = 0;
    for (int i = 0; i < rashm_topo_nrads(t, (int)sdl); i++) {
        rashm_cpuset_t c;
        rashm_nodeset_t n;
        rashm_topo_rad(t, (int)sdl, i, &c, &n);
        if (!rashm_cpuset_intersects(&c, &r->cpus))
            continue;
        if (k++ == want) {
            *cpus = c;
            *nodes = n;
            return k;
        }
    }
    return want >= 0 ? -EINVAL : k;   /* no such RAD */
}

int rs_numrads(rsethandle_t h, uint_t sdl, uint_t flags)
{
    struct rset *r = rset_of(h);
    if (flags || !r)
        return rashm_fail(-EINVAL);
    int n = rads_meeting(r, sdl, -1, NULL, NULL);
    return n < 0 ? rashm_fail(n) : n;
}

int rs_getrad(rsethandle_t in, rsethandle_t out, uint_t sdl, uint_t index, uint_t flags)
{
    struct rset *ri = rset_of(in), *ro = rset_of(out);
    rashm_cpuset_t c;
    rashm_nodeset_t n;
    if (flags || !ri || !ro || index > INT_MAX)
        return rashm_fail(-EINVAL);
    int rc = rads_meeting(ri, sdl, (int)index, &c, &n);
    if (rc < 0)
        return rashm_fail(rc);
    struct rset res = *ro;
    rashm_cpuset_and(&res.cpus, &c, &ri->cpus);
    rashm_nodeset_and(&res.mems, &n, &ri->mems);
    *ro = res;
    return 0;
}

/* Iteration order of RS_FIRST/RS_NEXT: CPUs, then memory pools. Position
 * p >= 0: CPU p; p <= -2: node -p-2; -1: none. */
static int res_first(const struct rset *r, unsigned type)
{
    if (type & R_PROCS) {
        int c = rashm_cpuset_next(&r->cpus, -1);
        if (c >= 0)
            return c;
    }
    if (type & R_MEMPS) {
        int n = rashm_nodeset_next(&r->mems, -1);
        if (n >= 0)
            return -n - 2;
    }
    return -1;
}

static int res_next(const struct rset *r, unsigned type, int pos)
{
    if (pos >= 0) {
        if (type & R_PROCS) {
            int c = rashm_cpuset_next(&r->cpus, pos);
            if (c >= 0)
                return c;
        }
        if (type & R_MEMPS) {
            int n = rashm_nodeset_next(&r->mems, -1);
            if (n >= 0)
                return -n - 2;
        }
        return -1;
    }
    if (pos <= -2 && (type & R_MEMPS)) {
        int n = rashm_nodeset_next(&r->mems, -pos - 2);
        if (n >= 0)
            return -n - 2;
    }
    return -1;
}

/* The single resource r2 holds (for RS_NEXT), or -1. */
static int res_current(const struct rset *r)
{
    int c = rashm_cpuset_next(&r->cpus, -1);
    if (c >= 0)
        return c;
    int n = rashm_nodeset_next(&r->mems, -1);
    return n >= 0 ? -n - 2 : -1;
}

static void res_store(struct rset *r, int pos)
{
    rashm_cpuset_zero(&r->cpus);
    rashm_nodeset_zero(&r->mems);
    if (pos >= 0)
        rashm_cpuset_set(&r->cpus, pos);
    else if (pos <= -2)
        rashm_nodeset_set(&r->mems, -pos - 2);
}

static int subset(const struct rset *a, const struct rset *b) /* a ⊆ b */
{
    return rashm_cpuset_issubset(&a->cpus, &b->cpus) && rashm_nodeset_issubset(&a->mems, &b->mems);
}

int rs_op(uint_t cmd, rsethandle_t h1, rsethandle_t h2, uint_t flags, uint_t id)
{
    struct rset *r1 = rset_of(h1), *r2 = rset_of(h2);
    unsigned type = flags & R_ALL_RESOURCES;
    if (flags & ~(uint_t)R_ALL_RESOURCES)
        return rashm_fail(-EINVAL);
    switch (cmd) {
    case RS_ISEMPTY:
        if (!r1)
            return rashm_fail(-EINVAL);
        return rashm_cpuset_isempty(&r1->cpus) && rashm_nodeset_isempty(&r1->mems);
    case RS_TESTRESOURCE:
    case RS_ADDRESOURCE:
    case RS_DELRESOURCE:
        if (!r1 || (type != R_PROCS && type != R_MEMPS))
            return rashm_fail(-EINVAL);
        if (type == R_PROCS ? id >= RASHM_MAX_CPUS : id >= RASHM_MAX_NODES)
            return rashm_fail(-EINVAL);
        if (cmd == RS_TESTRESOURCE)
            return type == R_PROCS ? rashm_cpuset_isset(&r1->cpus, (int)id)
                                   : rashm_nodeset_isset(&r1->mems, (int)id);
        if (type == R_PROCS)
            (cmd == RS_ADDRESOURCE ? rashm_cpuset_set : rashm_cpuset_clr)(&r1->cpus, (int)id);
        else
            (cmd == RS_ADDRESOURCE ? rashm_nodeset_set : rashm_nodeset_clr)(&r1->mems, (int)id);
        return 0;
    default:
        break;
    }
    if (!r1 || !r2)
        return rashm_fail(-EINVAL);
    if (!type)
        type = R_ALL_RESOURCES;
    switch (cmd) {
    case RS_UNION:
        rashm_cpuset_or(&r2->cpus, &r2->cpus, &r1->cpus);
        rashm_nodeset_or(&r2->mems, &r2->mems, &r1->mems);
        return 0;
    case RS_INTERSECTION:
        rashm_cpuset_and(&r2->cpus, &r2->cpus, &r1->cpus);
        rashm_nodeset_and(&r2->mems, &r2->mems, &r1->mems);
        return 0;
    case RS_EXCLUSION:
        rashm_cpuset_andnot(&r2->cpus, &r2->cpus, &r1->cpus);
        rashm_nodeset_andnot(&r2->mems, &r2->mems, &r1->mems);
        return 0;
    case RS_COPY: {
        struct rset tmp = *r1;
        if (!(type & R_PROCS))
            rashm_cpuset_zero(&tmp.cpus);
        if (!(type & R_MEMPS))
            rashm_nodeset_zero(&tmp.mems);
        *r2 = tmp;
        return 0;
    }
    case RS_FIRST:
        res_store(r2, res_first(r1, type));
        return 0;
    case RS_NEXT:
    case RS_NEXT_WRAP: {
        int cur = res_current(r2);
        int nx = cur == -1 ? -1 : res_next(r1, type, cur);
        if (nx == -1 && cmd == RS_NEXT_WRAP)
            nx = res_first(r1, type);
        res_store(r2, nx);
        return 0;
    }
    case RS_ISEQUAL:
        return rashm_cpuset_equal(&r1->cpus, &r2->cpus) && rashm_nodeset_equal(&r1->mems, &r2->mems);
    case RS_ISCONTAINED:
        return subset(r2, r1);
    default:
        return rashm_fail(-EINVAL);
    }
}

int rs_getpartition(pid_t pid, rsethandle_t h)
{
    struct rset *r = rset_of(h);
    if (!r)
        return rashm_fail(-EINVAL);
    const rashm_topo_t *t;
    int rc = aix_topo(&t);
    if (rc)
        return rashm_fail(rc);
    struct rset tmp = *r;
    /* the partition is the process's cpuset (CPUs and mems), not its
     * affinity mask: bindprocessor/sched_setaffinity do not narrow it */
    if (pid == RS_MYSELF || pid == getpid())
        pid = 0;
    if (pid < 0)
        return rashm_fail(-ESRCH);
    if (rashm_topo_partition_pid(t, pid, &tmp.cpus, &tmp.mems))
        return -1;
    *r = tmp;
    rashm_cpuset_t allc;
    rashm_nodeset_t alln;
    rashm_topo_all_cpus(t, &allc);
    rashm_topo_all_nodes(t, &alln);
    int narrower = !rashm_cpuset_equal(&allc, &tmp.cpus) || !rashm_nodeset_equal(&alln, &tmp.mems);
    return narrower ? RS_PARTITION_RSET : RS_DEFAULT_RSET;
}

sradid_t rs_get_homesrad(void)
{
    if (!rashm_config_enhanced_affinity())
        return SRADID_ANY;
    const rashm_topo_t *t;
    if (aix_topo(&t))
        return SRADID_ANY;
    int cpu = sched_getcpu();
    if (cpu < 0)
        return SRADID_ANY;
    int saved = errno;
    int s = rashm_topo_cpu_srad(t, cpu);
    errno = saved;
    return s < 0 ? SRADID_ANY : (sradid_t)s;
}

/* rs_setpartition: the partition is the process's cpuset cgroup (see
 * rs_getpartition), so setting one moves the process into a child cpuset
 * (partition.c). Checks in the order of IBM's list of errors. */
int rs_setpartition(pid_t pid, rsethandle_t h, unsigned int flags)
{
    if (flags & ~(unsigned)R_ATTACH_STRSET)
        return rashm_fail(-EINVAL);
    int remove = h == RS_DEFAULT;
    struct rset *r = remove ? NULL : rset_of(h);
    if (!remove && !r)
        return rashm_fail(-EFAULT);
    const rashm_topo_t *t;
    int rc = aix_topo(&t);
    if (rc)
        return rashm_fail(rc);
    rashm_cpuset_t cpus;
    rashm_nodeset_t mems;
    if (r) {
        rashm_cpuset_t allc;
        rashm_topo_all_cpus(t, &allc);
        rashm_cpuset_zero(&cpus);
        for (int c = rashm_cpuset_next(&r->cpus, -1); c >= 0; c = rashm_cpuset_next(&r->cpus, c))
            if (rashm_cpuset_isset(&allc, c))
                rashm_cpuset_set(&cpus, c);
        if (rashm_cpuset_isempty(&cpus))
            return rashm_fail(-ENODEV);
        mems = r->mems;
    }
    if (pid == RS_MYSELF || pid == 0)
        pid = getpid();
    if (pid < 0 || (kill(pid, 0) && errno == ESRCH))
        return rashm_fail(-ESRCH);
    if (geteuid() != 0)
        return rashm_fail(-EPERM);
    if (r && rashm_nodeset_isempty(&mems)) {
        /* an rset of processors only: the nodes the process may use now */
        if (rashm_mems_allowed(pid, &mems))
            return -1;
    }
    return rashm_set_partition(pid, r ? &cpus : NULL, r ? &mems : NULL);
}
