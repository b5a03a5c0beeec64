/* hwloc topology -> the AIX-shaped model: SDLs, RADs at each SDL, SRADs
 * (NUMA nodes with CPUs, dense ids), memory-only nodes, partition.
 *
 * Everything is computed once when a topology is loaded; queries only read
 * the precomputed tables, so a topology can be shared between threads. */
#define _GNU_SOURCE
#include <hwloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"

#define MAX_SDL 16
#define NKINDS 7

struct sdl_level {
    int kind;
    int nrads;
    rashm_cpuset_t *cpus;
    rashm_nodeset_t *nodes;
};

struct rashm_topo {
    hwloc_topology_t h;
    int this_system;
    int nsdl;
    struct sdl_level sdl[MAX_SDL];
    int kind_sdl[NKINDS];          /* SDL of each kind (or of its identical twin), -1 absent */
    int nnodes;
    struct rashm_node_info *nodes; /* increasing node number */
    int nsrads;
    int *srad_node;                /* sradid -> node number */
    rashm_cpuset_t all_cpus;
    rashm_cpuset_t allowed_cpus;
    rashm_nodeset_t allowed_nodes;
    rashm_nodeset_t mem_nodes, srad_nodes;
};

static void from_hwloc_cpus(hwloc_const_bitmap_t b, rashm_cpuset_t *out)
{
    rashm_cpuset_zero(out);
    if (!b)
        return;
    unsigned i;
    hwloc_bitmap_foreach_begin(i, b)
    {
        if (i >= RASHM_MAX_CPUS)
            break;
        rashm_cpuset_set(out, (int)i);
    }
    hwloc_bitmap_foreach_end();
}

static int node_index(const rashm_topo_t *t, int node)
{
    for (int i = 0; i < t->nnodes; i++)
        if (t->nodes[i].node == node)
            return i;
    return -1;
}

static void level_free(struct sdl_level *l)
{
    free(l->cpus);
    free(l->nodes);
    l->cpus = NULL;
    l->nodes = NULL;
}

void rashm_topo_free(rashm_topo_t *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nsdl; i++)
        level_free(&t->sdl[i]);
    free(t->nodes);
    free(t->srad_node);
    if (t->h)
        hwloc_topology_destroy(t->h);
    free(t);
}

/* CPUs of each node. On this machine sysfs is the truth (the kernel's
 * cpu->node map). For a fake topology: a PU belongs to the first NUMA node
 * among the memory children of its nearest ancestor that has any, which is
 * how hwloc attaches a node's memory to the CPUs local to it; CPU-less
 * nodes (attached higher up, or second in line) get no CPUs. */
static void assign_node_cpus(rashm_topo_t *t)
{
    if (t->this_system) {
        for (int i = 0; i < t->nnodes; i++) {
            char path[96], buf[4096];
            snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", t->nodes[i].node);
            FILE *f = fopen(path, "re");
            if (!f)
                continue;
            if (fgets(buf, sizeof buf, f))
                sets_parse_cpulist(buf, &t->nodes[i].cpus);
            fclose(f);
        }
        return;
    }
    hwloc_obj_t pu = NULL;
    while ((pu = hwloc_get_next_obj_by_type(t->h, HWLOC_OBJ_PU, pu))) {
        hwloc_obj_t a = pu->parent;
        while (a && a->memory_arity == 0)
            a = a->parent;
        if (!a)
            continue;
        hwloc_obj_t m = a->memory_first_child;
        while (m && m->type != HWLOC_OBJ_NUMANODE)
            m = m->memory_first_child;
        if (!m)
            continue;
        int i = node_index(t, (int)m->os_index);
        if (i >= 0 && pu->os_index < RASHM_MAX_CPUS)
            rashm_cpuset_set(&t->nodes[i].cpus, (int)pu->os_index);
    }
}

static int kind_of_type(hwloc_obj_type_t type)
{
    switch (type) {
    case HWLOC_OBJ_MACHINE: return RASHM_SDL_MACHINE;
    case HWLOC_OBJ_PACKAGE: return RASHM_SDL_PACKAGE;
    case HWLOC_OBJ_GROUP:
    case HWLOC_OBJ_DIE: return RASHM_SDL_GROUP;
    case HWLOC_OBJ_L2CACHE: return RASHM_SDL_L2;
    case HWLOC_OBJ_CORE: return RASHM_SDL_CORE;
    case HWLOC_OBJ_PU: return RASHM_SDL_PU;
    default: return -1;
    }
}

/* Nodes of a RAD: the SRAD nodes whose CPUs intersect the RAD's CPUs. */
static void rad_nodes(const rashm_topo_t *t, const rashm_cpuset_t *cpus, rashm_nodeset_t *out)
{
    rashm_nodeset_zero(out);
    for (int i = 0; i < t->nnodes; i++)
        if (rashm_cpuset_intersects(&t->nodes[i].cpus, cpus))
            rashm_nodeset_set(out, t->nodes[i].node);
}

static int levels_identical(const struct sdl_level *a, const struct sdl_level *b)
{
    if (a->nrads != b->nrads)
        return 0;
    for (int i = 0; i < a->nrads; i++)
        if (!rashm_cpuset_equal(&a->cpus[i], &b->cpus[i]))
            return 0;
    return 1;
}

/* Levels that AIX always has; package, group and L2 levels identical to
 * another level are folded into it (their SDL query answers with it). */
static int kind_kept(int kind)
{
    return kind == RASHM_SDL_MACHINE || kind == RASHM_SDL_NUMA || kind == RASHM_SDL_CORE ||
           kind == RASHM_SDL_PU;
}

static int build_levels(rashm_topo_t *t)
{
    struct sdl_level cand[MAX_SDL * 2];
    int nc = 0;
    int depth = hwloc_topology_get_depth(t->h);
    memset(cand, 0, sizeof cand);
    for (int d = 0; d < depth && nc < MAX_SDL * 2 - 1; d++) {
        int kind = kind_of_type(hwloc_get_depth_type(t->h, d));
        if (kind < 0)
            continue;
        int n = hwloc_get_nbobjs_by_depth(t->h, d);
        struct sdl_level *l = &cand[nc];
        l->kind = kind;
        l->cpus = calloc((size_t)n, sizeof *l->cpus);
        l->nodes = calloc((size_t)n, sizeof *l->nodes);
        if (!l->cpus || !l->nodes)
            goto fail_nomem;
        for (int i = 0; i < n; i++) {
            hwloc_obj_t o = hwloc_get_obj_by_depth(t->h, d, (unsigned)i);
            rashm_cpuset_t c;
            from_hwloc_cpus(o->cpuset, &c);
            if (rashm_cpuset_isempty(&c))
                continue;       /* RADs without CPUs do not exist on AIX */
            l->cpus[l->nrads] = c;
            if (kind == RASHM_SDL_MACHINE) {
                l->nodes[l->nrads] = t->mem_nodes;
            } else {
                rad_nodes(t, &c, &l->nodes[l->nrads]);
            }
            l->nrads++;
        }
        /* A level none of whose objects has CPUs is no SDL: hwloc puts a
         * CPU-less (memory-only) node under a Group of its own (kind
         * HWLOC_GROUP_KIND_MEMORY) at a depth of its own, which would
         * otherwise become a 0-RAD SDL sorted ahead of the machine. */
        if (l->nrads == 0) {
            level_free(l);
            continue;
        }
        nc++;
    }
    /* the NUMA level: one RAD per SRAD */
    {
        struct sdl_level *l = &cand[nc];
        l->kind = RASHM_SDL_NUMA;
        l->cpus = calloc((size_t)(t->nsrads ? t->nsrads : 1), sizeof *l->cpus);
        l->nodes = calloc((size_t)(t->nsrads ? t->nsrads : 1), sizeof *l->nodes);
        if (!l->cpus || !l->nodes)
            goto fail_nomem;
        for (int s = 0; s < t->nsrads; s++) {
            int i = node_index(t, t->srad_node[s]);
            l->cpus[s] = t->nodes[i].cpus;
            rashm_nodeset_set(&l->nodes[s], t->srad_node[s]);
        }
        l->nrads = t->nsrads;
        if (l->nrads)
            nc++;
        else
            level_free(l);   /* no node has CPUs: no NUMA SDL */
    }
    /* order: fewer RADs first; ties by kind (machine, package, group, numa,
     * l2, core, pu). Insertion sort keeps hwloc's order otherwise. */
    for (int i = 1; i < nc; i++) {
        struct sdl_level x = cand[i];
        int j = i - 1;
        while (j >= 0 && (cand[j].nrads > x.nrads || (cand[j].nrads == x.nrads && cand[j].kind > x.kind))) {
            cand[j + 1] = cand[j];
            j--;
        }
        cand[j + 1] = x;
    }
    for (int k = 0; k < NKINDS; k++)
        t->kind_sdl[k] = -1;
    /* keep levels; fold droppable duplicates */
    int dup_of[MAX_SDL * 2];
    for (int i = 0; i < nc; i++) {
        dup_of[i] = -1;
        if (kind_kept(cand[i].kind))
            continue;
        for (int j = 0; j < nc; j++)
            if (j != i && (kind_kept(cand[j].kind) || (j < i && dup_of[j] < 0)) &&
                levels_identical(&cand[i], &cand[j])) {
                dup_of[i] = j;
                break;
            }
    }
    int new_index[MAX_SDL * 2];
    t->nsdl = 0;
    for (int i = 0; i < nc; i++) {
        if (dup_of[i] >= 0 || t->nsdl >= MAX_SDL) {
            new_index[i] = -1;
            continue;
        }
        new_index[i] = t->nsdl;
        t->sdl[t->nsdl++] = cand[i];
    }
    for (int i = 0; i < nc; i++) {
        int target = dup_of[i] >= 0 ? new_index[dup_of[i]] : new_index[i];
        if (target < 0) {
            if (new_index[i] < 0 && dup_of[i] < 0)
                level_free(&cand[i]);
            continue;
        }
        if (t->kind_sdl[cand[i].kind] < 0)
            t->kind_sdl[cand[i].kind] = target;
        if (dup_of[i] >= 0)
            level_free(&cand[i]);
    }
    return 0;
fail_nomem:
    for (int i = 0; i <= nc; i++)
        level_free(&cand[i]);
    return -ENOMEM;
}

static int topo_build(rashm_topo_t *t)
{
    t->this_system = hwloc_topology_is_thissystem(t->h);
    from_hwloc_cpus(hwloc_topology_get_complete_cpuset(t->h), &t->all_cpus);
    from_hwloc_cpus(hwloc_topology_get_allowed_cpuset(t->h), &t->allowed_cpus);
    int n = hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_NUMANODE);
    if (n <= 0)
        return -EINVAL;
    t->nodes = calloc((size_t)n, sizeof *t->nodes);
    t->srad_node = calloc((size_t)n, sizeof *t->srad_node);
    if (!t->nodes || !t->srad_node)
        return -ENOMEM;
    hwloc_obj_t o = NULL;
    hwloc_const_nodeset_t allowed = hwloc_topology_get_allowed_nodeset(t->h);
    while ((o = hwloc_get_next_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, o))) {
        if (o->os_index >= RASHM_MAX_NODES)
            continue;
        struct rashm_node_info *ni = &t->nodes[t->nnodes++];
        ni->node = (int)o->os_index;
        ni->sradid = -1;
        ni->allowed = hwloc_bitmap_isset(allowed, o->os_index);
        ni->mem_total = o->attr ? o->attr->numanode.local_memory : 0;
    }
    /* increasing node number */
    for (int i = 1; i < t->nnodes; i++) {
        struct rashm_node_info x = t->nodes[i];
        int j = i - 1;
        while (j >= 0 && t->nodes[j].node > x.node) {
            t->nodes[j + 1] = t->nodes[j];
            j--;
        }
        t->nodes[j + 1] = x;
    }
    assign_node_cpus(t);
    for (int i = 0; i < t->nnodes; i++) {
        rashm_nodeset_set(&t->mem_nodes, t->nodes[i].node);
        if (t->nodes[i].allowed)
            rashm_nodeset_set(&t->allowed_nodes, t->nodes[i].node);
        if (!rashm_cpuset_isempty(&t->nodes[i].cpus)) {
            t->nodes[i].sradid = t->nsrads;
            t->srad_node[t->nsrads++] = t->nodes[i].node;
            rashm_nodeset_set(&t->srad_nodes, t->nodes[i].node);
        }
    }
    return build_levels(t);
}

static rashm_topo_t *topo_load(int (*setup)(hwloc_topology_t, const void *, size_t), const void *arg,
                               size_t len, int *err)
{
    rashm_topo_t *t = calloc(1, sizeof *t);
    if (!t) {
        *err = -ENOMEM;
        return NULL;
    }
    if (hwloc_topology_init(&t->h) < 0) {
        free(t);
        *err = -ENOMEM;
        return NULL;
    }
    hwloc_topology_set_flags(t->h, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
    int rc = 0;
    if (setup && setup(t->h, arg, len) < 0)
        rc = -EINVAL;
    if (!rc && hwloc_topology_load(t->h) < 0)
        rc = errno ? -errno : -EINVAL;
    if (!rc)
        rc = topo_build(t);
    if (rc) {
        rashm_topo_free(t);
        *err = rc;
        return NULL;
    }
    return t;
}

static int setup_synthetic(hwloc_topology_t h, const void *arg, size_t len)
{
    (void)len;
    return hwloc_topology_set_synthetic(h, arg);
}

static int setup_xml(hwloc_topology_t h, const void *arg, size_t len)
{
    return hwloc_topology_set_xmlbuffer(h, arg, (int)len);
}

static int setup_xml_file(hwloc_topology_t h, const void *arg, size_t len)
{
    (void)len;
    return hwloc_topology_set_xml(h, arg);
}

rashm_topo_t *rashm_topo_load_synthetic(const char *description)
{
    int err = 0;
    if (!description) {
        errno = EINVAL;
        return NULL;
    }
    rashm_topo_t *t = topo_load(setup_synthetic, description, 0, &err);
    if (!t)
        errno = -err;
    else
        t->this_system = 0;
    return t;
}

rashm_topo_t *rashm_topo_load_xml(const char *xml, size_t len)
{
    int err = 0;
    if (!xml) {
        errno = EINVAL;
        return NULL;
    }
    /* hwloc wants the length including the terminating NUL */
    rashm_topo_t *t = topo_load(setup_xml, xml, len ? len + (xml[len - 1] != 0) : strlen(xml) + 1, &err);
    if (!t)
        errno = -err;
    else
        t->this_system = 0;
    return t;
}

/* The process-wide topology. Test overrides are keyed by their value so a
 * test can switch shapes with setenv; topologies once handed out are kept
 * until exit (callers hold plain pointers). */
struct topo_slot {
    char *key;                 /* "" for the real machine */
    rashm_topo_t *t;
    struct topo_slot *next;
};
static struct topo_slot *slots;
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

int topo_get(const rashm_topo_t **out)
{
    const char *syn = secure_getenv("RASHM_TOPOLOGY_SYNTHETIC");
    const char *xml = secure_getenv("RASHM_TOPOLOGY_XML");
    char keybuf[1024];
    if (syn && *syn)
        snprintf(keybuf, sizeof keybuf, "s:%s", syn);
    else if (xml && *xml)
        snprintf(keybuf, sizeof keybuf, "x:%s", xml);
    else
        keybuf[0] = 0;
    pthread_mutex_lock(&slots_lock);
    for (struct topo_slot *s = slots; s; s = s->next)
        if (!strcmp(s->key, keybuf)) {
            *out = s->t;
            pthread_mutex_unlock(&slots_lock);
            return 0;
        }
    int err = 0;
    rashm_topo_t *t;
    if (keybuf[0] == 's')
        t = topo_load(setup_synthetic, syn, 0, &err);
    else if (keybuf[0] == 'x')
        t = topo_load(setup_xml_file, xml, 0, &err);
    else
        t = topo_load(NULL, NULL, 0, &err);
    if (t && keybuf[0])
        t->this_system = 0;
    struct topo_slot *s = t ? calloc(1, sizeof *s) : NULL;
    if (s)
        s->key = strdup(keybuf);
    if (!t || !s || !s->key) {
        if (s)
            free(s->key);
        free(s);
        rashm_topo_free(t);
        pthread_mutex_unlock(&slots_lock);
        return err ? err : -ENOMEM;
    }
    s->t = t;
    s->next = slots;
    slots = s;
    *out = t;
    pthread_mutex_unlock(&slots_lock);
    rashm_dbg("topology loaded (%s): %d SDLs, %d nodes, %d SRADs", keybuf[0] ? keybuf : "this machine",
              t->nsdl, t->nnodes, t->nsrads);
    return 0;
}

const rashm_topo_t *rashm_topo(void)
{
    const rashm_topo_t *t;
    int rc = topo_get(&t);
    if (rc) {
        errno = -rc;
        return NULL;
    }
    return t;
}

int rashm_topo_is_this_system(const rashm_topo_t *t) { return t && t->this_system; }
int rashm_topo_nsdl(const rashm_topo_t *t) { return t->nsdl; }

int rashm_topo_sdl_kind(const rashm_topo_t *t, int sdl)
{
    if (sdl < 0 || sdl >= t->nsdl)
        return rashm_fail(-EINVAL);
    return t->sdl[sdl].kind;
}

int rashm_topo_sdl_of(const rashm_topo_t *t, enum rashm_sdl_kind kind)
{
    if ((int)kind < 0 || kind >= NKINDS)
        return rashm_fail(-EINVAL);
    if (t->kind_sdl[kind] < 0)
        return rashm_fail(-ENOENT);
    return t->kind_sdl[kind];
}

const char *rashm_sdl_kind_name(int kind)
{
    static const char *names[NKINDS] = {"machine", "package", "group", "numa", "l2", "core", "pu"};
    return kind >= 0 && kind < NKINDS ? names[kind] : "unknown";
}

int rashm_topo_nrads(const rashm_topo_t *t, int sdl)
{
    if (sdl < 0 || sdl >= t->nsdl)
        return rashm_fail(-EINVAL);
    return t->sdl[sdl].nrads;
}

int rashm_topo_rad(const rashm_topo_t *t, int sdl, int index, rashm_cpuset_t *cpus, rashm_nodeset_t *nodes)
{
    if (sdl < 0 || sdl >= t->nsdl || index < 0 || index >= t->sdl[sdl].nrads)
        return rashm_fail(-EINVAL);
    if (cpus)
        *cpus = t->sdl[sdl].cpus[index];
    if (nodes)
        *nodes = t->sdl[sdl].nodes[index];
    return 0;
}

int rashm_topo_nsrads(const rashm_topo_t *t) { return t->nsrads; }

int rashm_topo_srad_node(const rashm_topo_t *t, int sradid)
{
    if (sradid < 0 || sradid >= t->nsrads)
        return rashm_fail(-ENODEV);
    return t->srad_node[sradid];
}

int rashm_topo_node_srad(const rashm_topo_t *t, int node)
{
    int i = node_index(t, node);
    if (i < 0 || t->nodes[i].sradid < 0)
        return rashm_fail(-ENODEV);
    return t->nodes[i].sradid;
}

int rashm_topo_cpu_srad(const rashm_topo_t *t, int cpu)
{
    for (int i = 0; i < t->nnodes; i++)
        if (rashm_cpuset_isset(&t->nodes[i].cpus, cpu))
            return t->nodes[i].sradid;
    return rashm_fail(-EINVAL);
}

int rashm_topo_nnodes(const rashm_topo_t *t) { return t->nnodes; }

int rashm_topo_node(const rashm_topo_t *t, int index, struct rashm_node_info *out)
{
    if (index < 0 || index >= t->nnodes || !out)
        return rashm_fail(-EINVAL);
    *out = t->nodes[index];
    return 0;
}

void rashm_topo_all_cpus(const rashm_topo_t *t, rashm_cpuset_t *out) { *out = t->all_cpus; }
void rashm_topo_all_nodes(const rashm_topo_t *t, rashm_nodeset_t *out) { *out = t->mem_nodes; }
void rashm_topo_srad_nodes(const rashm_topo_t *t, rashm_nodeset_t *out) { *out = t->srad_nodes; }

/* The partition follows the cpuset cgroup, never the affinity mask: see
 * partition.c for why (AIX's bindprocessor does not narrow the partition). */
int topo_partition_pid(const rashm_topo_t *t, pid_t pid, rashm_cpuset_t *cpus, rashm_nodeset_t *nodes)
{
    rashm_cpuset_t c = t->allowed_cpus;
    rashm_nodeset_t n = t->allowed_nodes;
    if (t->this_system) {
        rashm_cpuset_t cg;
        int rc = sys_cpuset_cpus(pid, &cg);
        if (rc == -ESRCH)
            return rc;
        if (rc == 0)   /* else no cpuset controller: the whole system */
            rashm_cpuset_and(&c, &cg, &t->all_cpus);
        rashm_nodeset_t mems;
        /* this process: get_mempolicy(MPOL_F_MEMS_ALLOWED); another, or
         * where the NUMA calls are refused: /proc/PID/status */
        if (pid == 0 && apply_mems_allowed(&mems) == 0)
            rc = 0;
        else
            rc = sys_mems_allowed(pid, &mems);
        if (rc == -ESRCH)
            return rc;
        if (rc == 0)
            rashm_nodeset_and(&n, &mems, &t->mem_nodes);
    } else if (pid != 0) {
        /* a fake topology: any process that exists has its allowed sets */
        char path[32];
        snprintf(path, sizeof path, "/proc/%d", (int)pid);
        if (access(path, F_OK) != 0)
            return -ESRCH;
    }
    if (cpus)
        *cpus = c;
    if (nodes)
        *nodes = n;
    return 0;
}

int rashm_topo_partition(const rashm_topo_t *t, rashm_cpuset_t *cpus, rashm_nodeset_t *nodes)
{
    int rc = topo_partition_pid(t, 0, cpus, nodes);
    return rc ? rashm_fail(rc) : 0;
}

void topo_allowed(const rashm_topo_t *t, rashm_cpuset_t *cpus, rashm_nodeset_t *nodes)
{
    *cpus = t->allowed_cpus;
    *nodes = t->allowed_nodes;
}

void rashm_topo_cpus_to_nodes(const rashm_topo_t *t, const rashm_cpuset_t *cpus, rashm_nodeset_t *out)
{
    rad_nodes(t, cpus, out);
}

uint64_t sys_huge_page_size(void)
{
    /* computed once; threads racing here compute the same value */
    static uint64_t cached;
    uint64_t c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (c)
        return c;
    uint64_t sz = 2u << 20;
    long kb = rcom_meminfo("Hugepagesize");
    if (kb > 0)
        sz = (uint64_t)kb << 10;
    __atomic_store_n(&cached, sz, __ATOMIC_RELAXED);
    return sz;
}

uint64_t shm_page_size(int shmflg)
{
    if (!(shmflg & 04000 /* SHM_HUGETLB */))
        return (uint64_t)sysconf(_SC_PAGESIZE);
    /* SHM_HUGE_* encodes log2 of the page size in bits 26..31 */
    unsigned log2 = ((unsigned)shmflg >> 26) & 0x3f;
    return log2 ? UINT64_C(1) << log2 : sys_huge_page_size();
}

int kernel_has_weighted_interleave(void)
{
    return access("/sys/kernel/mm/mempolicy/weighted_interleave", F_OK) == 0;
}

int rashm_node_mem(int node, struct rashm_node_mem *out)
{
    if (node < 0 || node >= RASHM_MAX_NODES || !out)
        return rashm_fail(-EINVAL);
    char path[160], line[256];
    struct rashm_node_mem m;
    memset(&m, 0, sizeof m);
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/meminfo", node);
    FILE *f = fopen(path, "re");
    if (!f)
        return rashm_fail(errno == ENOENT ? -ENODEV : -errno);
    while (fgets(line, sizeof line, f)) {
        int n;
        unsigned long long kb;
        if (sscanf(line, "Node %d MemTotal: %llu kB", &n, &kb) == 2)
            m.mem_total = kb << 10;
        else if (sscanf(line, "Node %d MemFree: %llu kB", &n, &kb) == 2)
            m.mem_free = kb << 10;
    }
    fclose(f);
    m.huge_page_size = sys_huge_page_size();
    unsigned long long v;
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/hugepages/hugepages-%llukB/nr_hugepages", node,
             (unsigned long long)(m.huge_page_size >> 10));
    if ((f = fopen(path, "re"))) {
        if (fscanf(f, "%llu", &v) == 1)
            m.huge_total = v;
        fclose(f);
    }
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/hugepages/hugepages-%llukB/free_hugepages", node,
             (unsigned long long)(m.huge_page_size >> 10));
    if ((f = fopen(path, "re"))) {
        if (fscanf(f, "%llu", &v) == 1)
            m.huge_free = v;
        fclose(f);
    }
    *out = m;
    return 0;
}

/* ---- public: another process's partition, the allowed sets, page sizes -- */

int rashm_topo_partition_pid(const rashm_topo_t *t, pid_t pid, rashm_cpuset_t *cpus, rashm_nodeset_t *nodes)
{
    if (!t || !cpus || !nodes || pid < 0)
        return rashm_fail(pid < 0 ? -ESRCH : -EINVAL);
    int rc = topo_partition_pid(t, pid == getpid() ? 0 : pid, cpus, nodes);
    return rc ? rashm_fail(rc) : 0;
}

void rashm_topo_allowed(const rashm_topo_t *t, rashm_cpuset_t *cpus, rashm_nodeset_t *nodes)
{
    topo_allowed(t, cpus, nodes);
}

uint64_t rashm_shm_page_size(int shmflg)
{
    return shm_page_size(shmflg);
}
