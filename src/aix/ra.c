/* AIX resource-attached memory: ra_shmget, ra_shmgetv, ra_get_attachinfo,
 * ra_free_attachinfo, ra_mmap, ra_mmapv, ra_attach, ra_detach.
 * Argument checks in the documented order, translation of rsets/SRADs to
 * core ranges, errno as the seed lists. No placement logic here. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "aix.h"
#include "range.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

/* One attachment (rstype, rsid, policy) being translated. */
struct att {
    rstype_t type;
    rsid_t id;
    uint_t policy;
};

/* Stage 1 (EINVAL): the fields themselves. */
static int check_att_fields(const struct att *a)
{
    if (a->type != R_RSET && a->type != R_SRADID)
        return -EINVAL;
    if (a->policy != P_DEFAULT && a->policy != P_FIRST_TOUCH && a->policy != P_BALANCED)
        return -EINVAL;
    return 0;
}

/* Stage 1b (EINVAL): the resource named by an R_RSET. An rset with no
 * CPUs names no memory (only CPUs count for memory associativity). */
static int check_rset(const struct att *a)
{
    if (a->type != R_RSET)
        return 0;
    struct rset *r = rset_of(a->id.at_rset);
    if (!r || rashm_cpuset_isempty(&r->cpus))
        return -EINVAL;
    return 0;
}

/* Stage 2 (ENOTSUP): SRADID attachments need enhanced affinity and NUMA. */
static int check_srad_supported(const struct att *a)
{
    if (a->type != R_SRADID)
        return 0;
    if (!rashm_config_enhanced_affinity() || !rashm_numa_available())
        return -ENOTSUP;
    return 0;
}

/* Stage 3 (ENODEV): the SRAD exists. */
static int check_srad_exists(const rashm_topo_t *t, const struct att *a)
{
    if (a->type != R_SRADID)
        return 0;
    if (a->id.at_sradid < 0 || a->id.at_sradid >= rashm_topo_nsrads(t))
        return -ENODEV;
    return 0;
}

/* Stage 4 (EPERM): the resource lies inside the caller's partition: every
 * CPU of the rset, and at least one node those CPUs imply, for R_RSET (a
 * cpuset whose mems are narrower than its CPUs' nodes is common, and the
 * kernel itself narrows a policy to the allowed mems); for R_SRADID the
 * SRAD's node must be allowed and one of its CPUs usable. No capability
 * stands in for CAP_NUMA_ATTACH: Linux lets any process set a memory
 * policy on memory it maps, so the partition is the only gate. */
static int check_partition(const rashm_topo_t *t, const struct att *a, const rashm_cpuset_t *pc,
                           const rashm_nodeset_t *pn)
{
    if (a->type == R_RSET) {
        struct rset *r = rset_of(a->id.at_rset);
        rashm_nodeset_t n;
        rashm_topo_cpus_to_nodes(t, &r->cpus, &n);
        if (!rashm_cpuset_issubset(&r->cpus, pc) || !rashm_nodeset_intersects(&n, pn))
            return -EPERM;
        return 0;
    }
    int node = rashm_topo_srad_node(t, a->id.at_sradid);
    struct rashm_node_info ni;
    for (int i = 0; i < rashm_topo_nnodes(t); i++)
        if (rashm_topo_node(t, i, &ni) == 0 && ni.node == node)
            return rashm_cpuset_intersects(&ni.cpus, pc) && rashm_nodeset_isset(pn, node) ? 0 : -EPERM;
    return -ENODEV;
}

/* The core range for a checked attachment. */
static void to_range(const rashm_topo_t *t, const struct att *a, uint64_t off, uint64_t len, struct rashm_range *r)
{
    memset(r, 0, sizeof *r);
    r->offset = off;
    r->length = len;
    r->policy = (int)a->policy;     /* P_* and RASHM_POLICY_* share values */
    if (a->type == R_RSET) {
        struct rset *s = rset_of(a->id.at_rset);
        r->origin = RASHM_ORIGIN_CPUS;
        r->cpus = s->cpus;
        /* AIX: "the processors specified in the input resource set are used
         * for memory associativity; the resource set memory regions are
         * ignored" */
        rashm_topo_cpus_to_nodes(t, &s->cpus, &r->nodes);
    } else {
        r->origin = RASHM_ORIGIN_SRAD;
        r->srad = a->id.at_sradid;
        rashm_nodeset_set(&r->nodes, rashm_topo_srad_node(t, a->id.at_sradid));
    }
}

/* Runs stages 2-4 over all attachments (stage 1 is done by the caller in
 * its own order). */
static int check_resources(const rashm_topo_t *t, const struct att *v, int n)
{
    int rc;
    for (int i = 0; i < n; i++)
        if ((rc = check_srad_supported(&v[i])))
            return rc;
    for (int i = 0; i < n; i++)
        if ((rc = check_srad_exists(t, &v[i])))
            return rc;
    rashm_cpuset_t pc;
    rashm_nodeset_t pn;
    if (rashm_topo_partition(t, &pc, &pn))
        return -errno;
    for (int i = 0; i < n; i++)
        if ((rc = check_partition(t, &v[i], &pc, &pn)))
            return rc;
    return 0;
}

/* AIX shmget flags -> Linux shmget flags + core flags. */
static int translate_flags(int flags, unsigned *cflags)
{
    *cflags = 0;
    if (flags & SHM_PIN)
        *cflags |= RASHM_LOCK;
    if (flags & SHM_LGPAGE)
        flags |= SHM_HUGETLB;
    return flags & ~(SHM_PIN | SHM_LGPAGE);
}

static int shm_with_ranges(key_t key, size64_t size, int flags, const struct att *v, const uint64_t *off,
                           const uint64_t *len, int n, const rashm_topo_t *t)
{
    struct rashm_range *r = calloc((size_t)n, sizeof *r);
    if (!r)
        return rashm_fail(-ENOMEM);
    for (int i = 0; i < n; i++)
        to_range(t, &v[i], off[i], len[i], &r[i]);
    unsigned cflags;
    int lflags = translate_flags(flags, &cflags);
    int id = rashm_create(key, size, lflags, r, n, cflags, NULL, NULL);
    int saved = errno;
    free(r);
    errno = saved;
    return id;
}

int ra_shmget(key_t key, size64_t size, int flags, rstype_t rstype, rsid_t rsid, uint_t att_flags)
{
    struct att a = {.type = rstype, .id = rsid, .policy = att_flags};
    const rashm_topo_t *t;
    int rc = check_att_fields(&a);
    if (!rc)
        rc = check_rset(&a);
    if (rc)
        return rashm_fail(rc);
    if ((rc = aix_topo(&t)) || (rc = check_resources(t, &a, 1)))
        return rashm_fail(rc);
    uint64_t off = 0, len = 0;   /* the whole segment */
    return shm_with_ranges(key, size, flags, &a, &off, &len, 1, t);
}

/* Page size of the segment ra_shmgetv will create: subrange offsets and
 * lengths must be multiples of it. */
static uint64_t aix_page_size(int flags)
{
    unsigned c;
    return rashm_shm_page_size(translate_flags(flags, &c));
}

int ra_shmgetv(key_t key, size64_t size, int flags, int rangecnt, subrange_t *rangevec)
{
    if (rangecnt <= 0 || rangecnt > RASHM_MAX_RANGES || !rangevec)
        return rashm_fail(-EINVAL);
    uint64_t page = aix_page_size(flags);
    struct att *v = calloc((size_t)rangecnt, sizeof *v);
    uint64_t *off = calloc((size_t)rangecnt, sizeof *off), *len = calloc((size_t)rangecnt, sizeof *len);
    int rc = 0, id = -1;
    const rashm_topo_t *t;
    if (!v || !off || !len) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < rangecnt && !rc; i++) {
        const subrange_t *s = &rangevec[i];
        v[i].type = s->su_rstype;
        v[i].id = s->su_rsid;
        v[i].policy = s->su_policy;
        uint64_t l;
        if ((rc = check_att_fields(&v[i])))
            break;
        if (s->su_rsoffset != 0 || s->su_rslength != 0 || s->su_offset < 0 ||
            rcom_range_check(size, page, (uint64_t)s->su_offset, s->su_length, &l)) {
            rc = -EINVAL;
            break;
        }
        off[i] = (uint64_t)s->su_offset;
        len[i] = l;
        rc = check_rset(&v[i]);
    }
    if (!rc)
        rc = aix_topo(&t);
    if (!rc)
        rc = check_resources(t, v, rangecnt);
    if (!rc) {
        id = shm_with_ranges(key, size, flags, v, off, len, rangecnt, t);
        rc = id < 0 ? -errno : 0;
    }
out:
    free(v);
    free(off);
    free(len);
    return rc ? rashm_fail(rc) : id;
}

/* ---- ra_get_attachinfo ---------------------------------------------------- */

static attachinfo_t *fail_ai(int neg)
{
    errno = -neg;
    return (attachinfo_t *)-1;
}

attachinfo_t *ra_get_attachinfo(rstype_t rstype, rsid_t rsid, off64_t off, size64_t len, uint_t flags)
{
    if (rstype == R_PROCMEM)
        return aix_attachinfo_procmem(rsid, off, len, flags);
    if (rstype == R_FILDES)
        return aix_fildes_attachinfo(rsid.at_fd, off, len, flags);
    if (flags != 0 || rstype != R_SHM)
        return fail_ai(-EINVAL);
    struct shmid_ds ds;
    if (shmctl(rsid.at_shmid, IPC_STAT, &ds))
        return fail_ai(-errno);
    if (off < 0 || (uint64_t)off >= ds.shm_segsz || (len && len > ds.shm_segsz - (uint64_t)off))
        return fail_ai(-EINVAL);
    uint64_t lo = (uint64_t)off, hi = len ? lo + len : ds.shm_segsz;
    const rashm_topo_t *t;
    int rc = aix_topo(&t);
    if (rc)
        return fail_ai(rc);
    /* the ranges as recorded, validated against the segment (inside it,
     * known origins), without counting a page */
    struct rashm_placement *p = rashm_query_flags(rsid.at_shmid, RASHM_QUERY_RANGES);
    if (!p)
        return fail_ai(-errno);
    if (!p->registered) {
        rashm_placement_free(p);
        return NULL;                 /* not attached to anything */
    }
    attachinfo_t *head = NULL, **tail = &head;
    for (int i = 0; i < p->nranges; i++) {
        const struct rashm_range_placement *r = &p->ranges[i];
        if (r->origin == RASHM_ORIGIN_GAP || r->offset >= hi || r->offset + r->length <= lo)
            continue;
        attachinfo_t *ai = calloc(1, sizeof *ai);
        if (!ai) {
            rc = -ENOMEM;
            break;
        }
        /* the native API's preferred policy has no AIX name: it is first
         * touch within the set as AIX would report it */
        ai->at_policy = r->policy == RASHM_POLICY_PREFERRED ? P_FIRST_TOUCH : (uint_t)r->policy;
        if (r->origin == RASHM_ORIGIN_SRAD) {
            ai->at_rstype = R_SRADID;
            ai->at_rsid.at_sradid = (sradid_t)r->srad;
        } else {
            struct rset *s = rset_new();
            if (!s) {
                free(ai);
                rc = -ENOMEM;
                break;
            }
            s->mems = r->nodes;
            if (r->origin == RASHM_ORIGIN_CPUS) {
                s->cpus = r->cpus;
            } else {
                struct rashm_node_info ni;
                for (int k = 0; k < rashm_topo_nnodes(t); k++)
                    if (rashm_topo_node(t, k, &ni) == 0 && rashm_nodeset_isset(&r->nodes, ni.node))
                        rashm_cpuset_or(&s->cpus, &s->cpus, &ni.cpus);
            }
            ai->at_rstype = R_RSET;
            ai->at_rsid.at_rset = s;
        }
        *tail = ai;
        tail = &ai->next_resource;
    }
    rashm_placement_free(p);
    if (rc) {
        if (head)
            ra_free_attachinfo(head);
        return fail_ai(rc);
    }
    return head;
}

/* ---- ra_mmap / ra_mmapv ----------------------------------------------------- */

/* Page size of a mapping mmap makes with these flags: MAP_HUGE_* encodes
 * the huge page size as SHM_HUGE_* does (log2 in the same bits). */
static uint64_t mmap_page_size(int flags)
{
    if (!(flags & MAP_HUGETLB))
        return (uint64_t)sysconf(_SC_PAGESIZE);
    return rashm_shm_page_size(SHM_HUGETLB | (int)((unsigned)flags & (0x3fu << MAP_HUGE_SHIFT)));
}

/* Places [addr, addr+len) of a mapping, the end rounded up to the page
 * size of the mapping at addr (mmap maps whole huge pages). */
static int place_mapping(void *addr, uint64_t len, const struct rashm_range *r, int n, int move)
{
    struct rashm_mapping_info mi;
    if (rashm_mapping_info(addr, &mi))
        return -errno;
    return rashm_place_mapping(addr, rcom_round_up(len, mi.page_size), r, n, move) ? -errno : 0;
}

static void *mmap_with(void *addr, size_t len, int prot, int flags, int fd, off64_t off, const struct att *v,
                       const uint64_t *ro, const uint64_t *rl, int n, const rashm_topo_t *t)
{
    /* Refuse before mmap: a placement that fails afterwards must munmap,
     * which with MAP_FIXED would destroy what the caller had there. */
    if (!rashm_topo_is_this_system(t)) {
        errno = ENOTSUP;
        return MAP_FAILED;
    }
    struct rashm_range *r = calloc((size_t)n, sizeof *r);
    if (!r) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    for (int i = 0; i < n; i++)
        to_range(t, &v[i], ro[i], rl[i], &r[i]);
    void *p = mmap(addr, len, prot, flags, fd, off);
    if (p == MAP_FAILED) {
        int e = errno;
        free(r);
        errno = e;
        return MAP_FAILED;
    }
    int rc = place_mapping(p, len, r, n, 0);
    free(r);
    if (rc) {
        munmap(p, len);
        errno = -rc;
        return MAP_FAILED;
    }
    return p;
}

void *ra_mmap(void *addr, size_t len, int prot, int flags, int fd, off64_t off, rstype_t rstype, rsid_t rsid,
              uint_t att_flags)
{
    struct att a = {.type = rstype, .id = rsid, .policy = att_flags};
    const rashm_topo_t *t;
    int rc = check_att_fields(&a);
    if (!rc && len == 0)
        rc = -EINVAL;
    if (!rc)
        rc = check_rset(&a);
    if (!rc)
        rc = aix_topo(&t);
    if (!rc)
        rc = check_resources(t, &a, 1);
    if (rc) {
        errno = -rc;
        return MAP_FAILED;
    }
    uint64_t ro = 0, rl = 0;
    return mmap_with(addr, len, prot, flags, fd, off, &a, &ro, &rl, 1, t);
}

void *ra_mmapv(void *addr, size_t len, int prot, int flags, int fd, off64_t off, int rangecnt, subrange_t *rangevec)
{
    if (rangecnt <= 0 || rangecnt > RASHM_MAX_RANGES || !rangevec || len == 0) {
        errno = EINVAL;
        return MAP_FAILED;
    }
    uint64_t page = mmap_page_size(flags);
    struct att *v = calloc((size_t)rangecnt, sizeof *v);
    uint64_t *ro = calloc((size_t)rangecnt, sizeof *ro), *rl = calloc((size_t)rangecnt, sizeof *rl);
    int rc = 0;
    void *p = MAP_FAILED;
    const rashm_topo_t *t;
    if (!v || !ro || !rl) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < rangecnt && !rc; i++) {
        const subrange_t *s = &rangevec[i];
        v[i] = (struct att){.type = s->su_rstype, .id = s->su_rsid, .policy = s->su_policy};
        if ((rc = check_att_fields(&v[i])))
            break;
        if (s->su_rsoffset || s->su_rslength || s->su_offset < 0 ||
            rcom_range_check(len, page, (uint64_t)s->su_offset, s->su_length, &rl[i])) {
            rc = -EINVAL;
            break;
        }
        ro[i] = (uint64_t)s->su_offset;
        rc = check_rset(&v[i]);
    }
    if (!rc)
        rc = aix_topo(&t);
    if (!rc)
        rc = check_resources(t, v, rangecnt);
    if (!rc) {
        p = mmap_with(addr, len, prot, flags, fd, off, v, ro, rl, rangecnt, t);
        rc = p == MAP_FAILED ? -errno : 0;
    }
out:
    free(v);
    free(ro);
    free(rl);
    if (rc) {
        errno = -rc;
        return MAP_FAILED;
    }
    return p;
}

/* ---- ra_attach / ra_detach --------------------------------------------------- */

#define ATTACH_FLAGS (R_MEMP_MASK | R_ATTACH_STRSET | R_MIGRATE_ASYNC | R_MIGRATE_SYNC)

/* ra_attach(R_PROCESS | R_THREAD, ...): the resource's CPUs and policy.
 * AIX refuses an SRADID for a process (POWER7 Redbook: SRADID attachments
 * are for threads and memory); a thread's SRAD is its node's CPUs. */
int aix_resource_rset(rstype_t t1, rstype_t t2, rsid_t id2, uint_t flags, struct rset *out)
{
    struct att a = {.type = t2, .id = id2, .policy = flags & R_MEMP_MASK};
    int rc = check_att_fields(&a);
    if (!rc && (flags & ~(uint_t)(R_MEMP_MASK | R_ATTACH_STRSET)))
        rc = -EINVAL;
    if (!rc && t1 == R_PROCESS && t2 == R_SRADID)
        rc = -EINVAL;
    if (!rc)
        rc = check_rset(&a);
    const rashm_topo_t *t;
    if (!rc)
        rc = aix_topo(&t);
    if (!rc)
        rc = check_srad_supported(&a);
    if (!rc)
        rc = check_srad_exists(t, &a);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    out->magic = RSET_MAGIC;
    if (t2 == R_RSET) {
        *out = *rset_of(id2.at_rset);
    } else {
        int node = rashm_topo_srad_node(t, id2.at_sradid);
        struct rashm_node_info ni;
        for (int i = 0; i < rashm_topo_nnodes(t); i++)
            if (rashm_topo_node(t, i, &ni) == 0 && ni.node == node)
                out->cpus = ni.cpus;
        rashm_nodeset_set(&out->mems, node);
    }
    return 0;
}

static int attach_work(rstype_t t1, rsid_t id1, rstype_t t2, rsid_t id2, uint_t flags)
{
    struct rset r;
    int rc = aix_resource_rset(t1, t2, id2, flags, &r);
    if (!rc)
        rc = aix_attach_work(t1, id1, &r, flags);
    return rc ? rashm_fail(rc) : 0;
}

/* R_MIGRATE_ASYNC: the policy is in force when ra_attach returns; the pages
 * already there are moved afterwards by a detached thread (Linux has no
 * asynchronous migration call). The thread applies the same placement again
 * with the move flag to a mapping of its own, which moves what is misplaced
 * then; a range unmapped (or a segment removed) meanwhile makes it fail
 * quietly. It writes no registry entry (ra_attach did), so a process that
 * exits while the thread runs leaves no half-written file behind.
 *
 * A later ra_attach or ra_detach of memory in this process supersedes a
 * pending move: both bump placement_gen under placement_lock, and a thread
 * that finds the generation changed does nothing (otherwise it would put
 * back a placement the program had since detached or replaced). */
static pthread_mutex_t placement_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t placement_gen;

/* The segment behind shmid, as far as shmctl tells: ids are reused at
 * once, so a mover that finds another segment under the id leaves it be. */
struct seg_identity {
    pid_t cpid;
    time_t ctime;
    size_t segsz;
};

static int seg_identity_of(int shmid, struct seg_identity *id)
{
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return -errno;
    id->cpid = ds.shm_cpid;
    id->ctime = ds.shm_ctime;
    id->segsz = ds.shm_segsz;
    return 0;
}

struct migration {
    int shmid;                /* R_SHM, or -1 */
    struct seg_identity seg;  /* R_SHM: the segment placed */
    void *addr;               /* R_SUBRANGE */
    size64_t len;
    struct rashm_range r;
    uint64_t gen;             /* placement_gen when it was asked for */
};

static void move_segment(int shmid, const struct seg_identity *was, const struct rashm_range *r)
{
    void *base = rashm_attach(shmid, NULL, 0);
    if (base == (void *)-1 && errno == EACCES)
        base = rashm_attach(shmid, NULL, SHM_RDONLY);
    if (base == (void *)-1)
        return;
    /* checked with the attach held: the segment cannot go away under it */
    struct seg_identity now = {0};
    struct rashm_mapping_info mi;
    if (seg_identity_of(shmid, &now) == 0 && now.cpid == was->cpid && now.ctime == was->ctime &&
        now.segsz == was->segsz && rashm_mapping_info(base, &mi) == 0 &&
        mi.start == (uint64_t)(uintptr_t)base)
        (void)rashm_place_mapping(base, rcom_round_up(now.segsz, mi.page_size), r, 1, 1);
    rashm_detach(base);
}

/* ra_attach(R_SUBRANGE): the subrange is placed as asked, in base pages
 * (a hugetlb mapping refuses an end that splits a huge page). */
static int place_subrange(void *addr, uint64_t len, const struct rashm_range *r, int move)
{
    struct rashm_mapping_info mi;
    if (rashm_mapping_info(addr, &mi)) {
        /* nothing mapped at the start: what mbind says of a hole (EFAULT),
         * and nothing to say where there are no NUMA calls to make */
        if (errno != ENOMEM)
            return -errno;
        return rashm_numa_available() ? -EFAULT : 0;
    }
    return rashm_place_mapping(addr, len, r, 1, move) ? -errno : 0;
}

static void *migrate_thread(void *arg)
{
    struct migration *m = arg;
    pthread_mutex_lock(&placement_lock);
    if (m->gen == placement_gen) {
        if (m->shmid >= 0)
            move_segment(m->shmid, &m->seg, &m->r);
        else
            (void)place_subrange(m->addr, m->len, &m->r, 1);
    }
    pthread_mutex_unlock(&placement_lock);
    free(m);
    return NULL;
}

/* Called with placement_lock held, right after the placement it moves. */
static void migrate_later(int shmid, void *addr, size64_t len, const struct rashm_range *r)
{
    struct migration *m = malloc(sizeof *m);
    if (!m)
        return;   /* advisory: the policy is set, pages move when touched */
    m->shmid = shmid;
    if (shmid >= 0 && seg_identity_of(shmid, &m->seg)) {
        free(m);
        return;   /* gone already: nothing to move */
    }
    m->addr = addr;
    m->len = len;
    m->r = *r;
    m->gen = placement_gen;
    pthread_attr_t at;
    pthread_t th;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, migrate_thread, m))
        free(m);
    pthread_attr_destroy(&at);
}

/* Every placement or removal of a placement of memory (R_SHM, R_SUBRANGE)
 * in this process: serialised with pending moves, and superseding them. */
static void placement_lock_reset_in_child(void)
{
    /* a fork while a mover held the lock: the mover does not exist in the
     * child, so nothing is pending there and the lock is free */
    pthread_mutex_init(&placement_lock, NULL);
}

static void placement_lock_setup(void)
{
    pthread_atfork(NULL, NULL, placement_lock_reset_in_child);
}

static void placement_begin(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, placement_lock_setup);
    pthread_mutex_lock(&placement_lock);
    placement_gen++;
}

static void placement_end(void)
{
    pthread_mutex_unlock(&placement_lock);
}

int ra_attach(rstype_t t1, rsid_t id1, rstype_t t2, rsid_t id2, uint_t flags)
{
    if (t1 == R_PROCESS || t1 == R_THREAD)
        return attach_work(t1, id1, t2, id2, flags);
    if (t1 == R_FILDES) {
        /* the arguments' EINVAL comes before the descriptor's errnos */
        struct att fa = {.type = t2, .id = id2, .policy = flags & R_MEMP_MASK};
        int rc = check_att_fields(&fa);
        if (!rc && (flags & ~(uint_t)ATTACH_FLAGS))
            rc = -EINVAL;
        void *base;
        size_t len;
        if (!rc)
            rc = aix_fildes_map(id1.at_fd, &base, &len);
        if (rc)
            return rashm_fail(rc);
        /* the mapping is gone when ra_attach returns: an asynchronous
         * move is done synchronously */
        if (flags & R_MIGRATE_ASYNC)
            flags = (flags & ~(uint_t)R_MIGRATE_ASYNC) | R_MIGRATE_SYNC;
        subrange_t fs = {0};
        fs.su_offset = (off64_t)(uintptr_t)base;
        fs.su_length = len;
        fs.su_rstype = R_PROCMEM;
        fs.su_rsid.at_pid = RS_MYSELF;
        rsid_t fid;
        fid.at_subrange = &fs;
        rc = ra_attach(R_SUBRANGE, fid, t2, id2, flags) ? -errno : 0;
        munmap(base, len);
        return rc ? rashm_fail(rc) : 0;
    }
    if (t1 != R_SHM && t1 != R_SUBRANGE)
        return rashm_fail(-EINVAL);
    struct att a = {.type = t2, .id = id2, .policy = flags & R_MEMP_MASK};
    int rc = check_att_fields(&a);
    if (!rc && (flags & ~(uint_t)ATTACH_FLAGS))
        rc = -EINVAL;
    const subrange_t *s = t1 == R_SUBRANGE ? id1.at_subrange : NULL;
    long pg = sysconf(_SC_PAGESIZE);
    if (!rc && t1 == R_SUBRANGE &&
        (!s || s->su_length == 0 || s->su_offset % pg || s->su_length % (size64_t)pg || s->su_offset <= 0))
        rc = -EINVAL;
    if (!rc)
        rc = check_rset(&a);
    const rashm_topo_t *t;
    if (!rc)
        rc = aix_topo(&t);
    if (!rc)
        rc = check_resources(t, &a, 1);
    if (rc)
        return rashm_fail(rc);
    int move = (flags & R_MIGRATE_SYNC) != 0;
    int async = !move && (flags & R_MIGRATE_ASYNC);
    struct rashm_range r;
    to_range(t, &a, 0, 0, &r);
    placement_begin();
    if (t1 == R_SHM) {
        rc = rashm_place(id1.at_shmid, &r, 1, move) ? -errno : 0;
        if (!rc && async)
            migrate_later(id1.at_shmid, NULL, 0, &r);
    } else {
        /* R_SUBRANGE: su_offset is the start address in this address
         * space; the policy comes from flags, not su_policy (as on AIX) */
        rc = place_subrange((void *)(uintptr_t)s->su_offset, s->su_length, &r, move);
        if (!rc && async)
            migrate_later(-1, (void *)(uintptr_t)s->su_offset, s->su_length, &r);
    }
    placement_end();
    return rc ? rashm_fail(rc) : 0;
}

int ra_detach(rstype_t t1, rsid_t id1, rstype_t t2, rsid_t id2, uint_t flags)
{
    (void)id2;   /* one attachment per work component: nothing to compare */
    if (t2 != R_RSET && t2 != R_SRADID)
        return rashm_fail(-EINVAL);
    if (t1 == R_PROCESS || t1 == R_THREAD) {
        int rc = aix_detach_work(t1, id1, flags);
        return rc ? rashm_fail(rc) : 0;
    }
    if (flags != 0)
        return rashm_fail(-EINVAL);
    if (t1 == R_FILDES) {
        void *base;
        size_t len;
        int rc = aix_fildes_map(id1.at_fd, &base, &len);
        if (rc)
            return rashm_fail(rc);
        placement_begin();
        rc = rashm_unplace_mapping(base, len) ? -errno : 0;
        placement_end();
        munmap(base, len);
        return rc ? rashm_fail(rc) : 0;
    }
    if (t1 == R_SHM) {
        placement_begin();
        int rc = rashm_unplace(id1.at_shmid) ? -errno : 0;
        placement_end();
        return rc ? rashm_fail(rc) : 0;
    }
    if (t1 != R_SUBRANGE)
        return rashm_fail(-EINVAL);
    const subrange_t *s = id1.at_subrange;
    long pg = sysconf(_SC_PAGESIZE);
    if (!s || s->su_length == 0 || s->su_offset <= 0 || s->su_offset % pg || s->su_length % (size64_t)pg)
        return rashm_fail(-EINVAL);
    placement_begin();
    int rc = rashm_unplace_mapping((void *)(uintptr_t)s->su_offset, s->su_length) ? -errno : 0;
    placement_end();
    return rc ? rashm_fail(rc) : 0;
}
