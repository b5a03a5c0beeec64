/* Segments: creation with placement, populate, lock, re-placement,
 * removal. (System calls: shm.c; the shmat/shmctl interposers:
 * interpose.c; entries and the placement query: query.c.)
 * Placement decisions come from plan.c; every NUMA system call is made by
 * apply.c. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <dlfcn.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"

#ifndef SHM_HUGETLB
#define SHM_HUGETLB 04000
#endif

#define DEFAULT_STEP (64ull << 20)

int seg_populate(void *base, uint64_t off, uint64_t len, const struct rashm_create_opts *opts,
                 uint64_t done_before, uint64_t total)
{
    uint64_t step = len;
    if (opts && opts->progress)
        step = opts->progress_step ? opts->progress_step : DEFAULT_STEP;
    for (uint64_t done = 0; done < len;) {
        uint64_t k = len - done < step ? len - done : step;
        if (madvise((char *)base + off + done, k, MADV_POPULATE_WRITE)) {
            int e = errno;
            /* EFAULT here is what the kernel says when allocation failed
             * (VM_FAULT_OOM/SIGBUS, e.g. no free huge page) */
            return e == EFAULT ? -ENOMEM : -e;
        }
        done += k;
        if (opts && opts->progress)
            opts->progress(opts->progress_arg, done_before + done, total);
    }
    return 0;
}

/* Populates the plan entries marked populate_now, merging neighbours into
 * one call each. */
static int populate_plan(void *base, const struct plan *p, const struct rashm_create_opts *opts)
{
    uint64_t total = 0, done = 0;
    for (int i = 0; i < p->n; i++)
        if (p->e[i].populate_now)
            total += p->e[i].length;
    for (int i = 0; i < p->n;) {
        if (!p->e[i].populate_now) {
            i++;
            continue;
        }
        uint64_t off = p->e[i].offset, len = 0;
        while (i < p->n && p->e[i].populate_now && p->e[i].offset == off + len)
            len += p->e[i++].length;
        int rc = seg_populate(base, off, len, opts, done, total);
        if (rc)
            return rc;
        done += len;
    }
    return 0;
}

static void plan_input_for(struct plan_input *in, const rashm_topo_t *t, const struct rashm_cfg *c, uint64_t size,
                           uint64_t page, int hugetlb, unsigned flags)
{
    memset(in, 0, sizeof *in);
    in->topo = t;
    in->size = size;
    in->page_size = page;
    in->hugetlb = hugetlb;
    in->flags = flags;
    in->default_policy = c->default_policy;
    in->weighted = c->weighted && kernel_has_weighted_interleave();
}

/* Applies a plan to a freshly created segment: policy, population, lock,
 * registry. The caller removes the segment if this fails. */
static int place_new(int id, const struct plan *p, int hugetlb, uint64_t page, unsigned flags,
                     const struct rashm_create_opts *opts, const struct rashm_range *ranges, int nranges,
                     const struct reg_pending_h *rec)
{
    void *base = seg_shmat_raw(id, NULL, 0);
    if (base == (void *)-1)
        return -errno;
    int rc = 0;
    if (apply_numa_available()) {
        rc = apply_plan(base, p->e, p->n, 0, 0);
        if (rc)
            goto detach;
    }
    if ((flags & RASHM_LOCK) && seg_shmctl_raw(id, SHM_LOCK, NULL)) {
        rc = -errno;
        goto detach;
    }
    rc = populate_plan(base, p, opts);
    if (rc)
        goto detach;
    /* the segment matters more than its record: a registry that cannot be
     * written costs the entry (queries and re-applied policies), never the
     * segment */
    int src = reg_store(id, base, page, hugetlb, p, ranges, nranges, rec);
    if (src)
        rashm_dbg("registry: cannot record shmid %d: %s (segment kept, not recorded)", id, strerror(-src));
detach:
    seg_shmdt_raw(base);
    return rc;
}

static int create(key_t key, uint64_t size, int shmflg, const struct rashm_range *ranges, int nranges,
                  unsigned flags, const struct rashm_create_opts *opts, int *created)
{
    struct rashm_cfg c;
    int rc = cfg_read(&c);
    if (rc)
        return rc;
    if (flags & ~(unsigned)(RASHM_POPULATE | RASHM_LOCK))
        return -EINVAL;
    const rashm_topo_t *t;
    rc = topo_get(&t);
    if (rc)
        return rc;
    int hugetlb = (shmflg & SHM_HUGETLB) != 0;
    uint64_t page = shm_page_size(shmflg);
    int will_create = key == IPC_PRIVATE || (shmflg & IPC_CREAT);
    struct plan *p = NULL;
    if (will_create && size) {
        struct plan_input in;
        plan_input_for(&in, t, &c, size, page, hugetlb, flags);
        rc = plan_build(&in, ranges, nranges, &p);
        if (rc)
            return rc;
    } else if (nranges < 0 || nranges > RASHM_MAX_RANGES) {
        return -EINVAL;
    }
    if (will_create && !rashm_topo_is_this_system(t)) {
        free(p);
        return -ENOTSUP;      /* a test topology: nothing real to place on */
    }
    /* the record of this creation exists before the segment does, so a
     * creator killed at any moment leaves something a collector can follow
     * (registry.c); without a usable registry there is none */
    struct reg_pending_h rec = {.fd = -1, .dfd = -1};
    if (will_create)
        reg_pending_begin(key, size, &rec);
    int id, made = 1;
    if (key == IPC_PRIVATE) {
        id = shmget(key, size, shmflg);
    } else if (shmflg & IPC_CREAT) {
        /* IPC_EXCL tells us whether we created it: AIX attaches only a new
         * segment; an existing one is returned as it is */
        /* a segment removed between the two calls: try to create again,
         * so the caller never sees ENOENT, which shmget with IPC_CREAT
         * cannot return */
        for (int tries = 0; tries < 64; tries++) {
            made = 1;
            id = shmget(key, size, shmflg | IPC_EXCL);
            if (id >= 0 || errno != EEXIST || (shmflg & IPC_EXCL))
                break;
            made = 0;
            id = shmget(key, size, shmflg & ~IPC_CREAT);
            if (id >= 0 || errno != ENOENT)
                break;
        }
    } else {
        made = 0;
        id = shmget(key, size, shmflg);
    }
    if (id < 0) {
        rc = -errno;
        reg_pending_end(&rec);
        free(p);
        return rc;
    }
    if (made) {
        reg_pending_set_id(&rec, id);
        /* our own directory only: what other users leave there costs
         * their creations, not ours (full pruning is rashm_list's) */
        reg_prune_own(&rec);
        rc = place_new(id, p, hugetlb, page, flags, opts, ranges, nranges, &rec);
        if (rc) {
            seg_rmid_and_forget(id);
            reg_pending_end(&rec);
            free(p);
            return rc;
        }
        rashm_dbg("created shmid %d (%llu bytes, %s pages, %d plan entries)", id, (unsigned long long)size,
                  hugetlb ? "huge" : "4 KiB", p->n);
    }
    /* complete (or not ours): a creator killed from here on has a segment
     * that is whole and recorded */
    reg_pending_end(&rec);
    free(p);
    if (created)
        *created = made;
    return id;
}

int rashm_create(key_t key, uint64_t size, int shmflg, const struct rashm_range *ranges, int nranges,
                 unsigned flags, const struct rashm_create_opts *opts, int *created)
{
    int rc = create(key, size, shmflg, ranges, nranges, flags, opts, created);
    return rc < 0 ? rashm_fail(rc) : rc;
}

int rashm_detach(const void *addr)
{
    return seg_shmdt_raw(addr) ? -1 : 0;
}

/* rashm_populate(length 0): where the mapping that starts at base ends */
struct mapping_end {
    uint64_t base, end, inode;
    uint32_t dev_major, dev_minor;
};

static int mapping_end_cb(const struct rcom_vma *v, void *p)
{
    struct mapping_end *m = p;
    if (!m->end && v->start == m->base) {
        m->end = v->end;
        m->inode = v->inode;
        m->dev_major = v->dev_major;
        m->dev_minor = v->dev_minor;
    } else if (m->end && v->start == m->end && v->inode == m->inode && v->dev_major == m->dev_major &&
               v->dev_minor == m->dev_minor) {
        m->end = v->end;
    } else if (m->end) {
        return 1;
    }
    return 0;
}

int rashm_populate(void *base, uint64_t offset, uint64_t length, const struct rashm_create_opts *opts)
{
    if (!base)
        return rashm_fail(-EINVAL);
    if (length == 0) {
        /* to the end of the mapping: the mapping may be several VMAs
           (one per policy): follow the contiguous ones of the same file */
        struct mapping_end m = { (uint64_t)(uintptr_t)base, 0, 0, 0, 0 };
        int rc = rcom_vma_each(0, mapping_end_cb, &m);
        if (rc < 0)
            return rashm_fail(rc);
        unsigned long end = (unsigned long)m.end;
        if (end > (unsigned long)base + offset)
            length = end - (unsigned long)base - offset;
        if (length == 0)
            return rashm_fail(-EINVAL);
    }
    int rc = seg_populate(base, offset, length, opts, 0, length);
    return rc ? rashm_fail(rc) : 0;
}

static int owner_or_root(const struct shmid_ds *ds)
{
    uid_t u = geteuid();
    return u == 0 || u == ds->shm_perm.uid || u == ds->shm_perm.cuid;
}

int rashm_lock(int shmid, const struct rashm_create_opts *opts)
{
    struct shmid_ds ds;
    if (seg_shmctl_raw(shmid, IPC_STAT, &ds))
        return -1;
    if (seg_shmctl_raw(shmid, SHM_LOCK, NULL))
        return -1;
    void *base = rashm_attach(shmid, NULL, 0);
    if (base == (void *)-1)
        return -1;
    /* the extent from the kernel's view of this attach, never from the
     * registry: populating past the mapping would fault */
    struct seg_map_info mi;
    int rc = seg_mapping_info(base, &mi);
    if (!rc) {
        uint64_t len = plan_end(ds.shm_segsz, mi.page_size);
        if (len > mi.length)
            len = mi.length;
        rc = seg_populate(base, 0, len, opts, 0, len);
    }
    seg_shmdt_raw(base);
    return rc ? rashm_fail(rc) : 0;
}

/* Page size and hugetlb-ness of a segment, from the kernel's view of an
 * attach (never from the registry: an entry is another user's file). */
static int seg_page_of(int shmid, void *base, uint64_t *page, int *hugetlb)
{
    (void)shmid;
    struct seg_map_info mi;
    int rc = seg_mapping_info(base, &mi);
    if (rc)
        return rc;
    *page = mi.page_size;
    *hugetlb = mi.hugetlb;
    return 0;
}

static int place(int shmid, const struct rashm_range *ranges, int nranges, int move)
{
    struct rashm_cfg c;
    int rc = cfg_read(&c);
    if (rc)
        return rc;
    const rashm_topo_t *t;
    rc = topo_get(&t);
    if (rc)
        return rc;
    if (!rashm_topo_is_this_system(t))
        return -ENOTSUP;
    struct shmid_ds ds;
    if (seg_shmctl_raw(shmid, IPC_STAT, &ds))
        return -errno;
    if (!owner_or_root(&ds))
        return -EPERM;
    void *base = seg_shmat_raw(shmid, NULL, 0);
    if (base == (void *)-1 && errno == EACCES)
        base = seg_shmat_raw(shmid, NULL, SHM_RDONLY);
    if (base == (void *)-1)
        return -errno;
    uint64_t page;
    int hugetlb;
    struct plan *p = NULL;
    rc = seg_page_of(shmid, base, &page, &hugetlb);
    if (rc)
        goto detach;
    struct plan_input in;
    plan_input_for(&in, t, &c, ds.shm_segsz, page, hugetlb, 0);
    rc = plan_build(&in, ranges, nranges, &p);
    if (rc)
        goto detach;
    if (move) {
        /* mbind's MPOL_MF_MOVE(_ALL) migrates only pages mapped in the
         * calling process, and this attach is fresh: map the resident ones
         * first (a failure only means fewer pages move) */
        int mrc = seg_map_resident(shmid, base, plan_end(ds.shm_segsz, page), page, hugetlb, &ds);
        if (mrc)
            rashm_dbg("place: cannot map the resident pages of shmid %d (%s): none will move", shmid,
                      strerror(-mrc));
    }
    if (apply_numa_available()) {
        rc = apply_plan(base, p->e, p->n, 0, move ? APPLY_MOVE : 0);
        if (rc)
            goto detach;
    }
    if (hugetlb) {
        /* keep the guarantee of rashm_create: fixed ranges are resident
         * under their policy (the segment may be attached read-only here;
         * then population is left to the attachers) */
        rc = populate_plan(base, p, NULL);
        if (rc == -EFAULT || rc == -EPERM)
            rc = 0;
        if (rc)
            goto detach;
    }
    rc = reg_store(shmid, base, page, hugetlb, p, ranges, nranges, NULL);
detach:
    free(p);
    seg_shmdt_raw(base);
    return rc;
}

int rashm_place(int shmid, const struct rashm_range *ranges, int nranges, int move)
{
    int rc = place(shmid, ranges, nranges, move);
    return rc ? rashm_fail(rc) : 0;
}

int rashm_place_mapping(void *addr, uint64_t len, const struct rashm_range *ranges, int nranges, int move)
{
    uint64_t base = (uint64_t)sysconf(_SC_PAGESIZE);
    if (!addr || !len || ((uintptr_t)addr & (base - 1)) || (nranges && !ranges) || nranges < 0)
        return rashm_fail(-EINVAL);
    struct seg_map_info mi;
    int rc = seg_mapping_info(addr, &mi);
    if (rc)
        return rashm_fail(rc == -ENOENT ? -ENOMEM : rc);
    /* a hugetlb mapping is placed in whole huge pages: mbind cannot split
     * it elsewhere, and rounding len up would place more than was asked */
    if (mi.hugetlb && (((uintptr_t)addr | len) & (mi.page_size - 1)))
        return rashm_fail(-EINVAL);
    rc = seg_place_mapping(addr, len, mi.page_size, ranges, nranges, move ? APPLY_MOVE : 0);
    return rc ? rashm_fail(rc) : 0;
}

/* The calling thread's policy: the modes plan.c chooses for a range over
 * the same nodes, except that the whole machine under first touch is the
 * caller's to say (nodes NULL: MPOL_DEFAULT) and balanced is plain
 * interleave (a thread's own allocations are not shared pages that every
 * attacher must find in the same place). */
int rashm_thread_policy(int policy, const rashm_nodeset_t *nodes)
{
    if (policy < RASHM_POLICY_DEFAULT || policy > RASHM_POLICY_PREFERRED)
        return rashm_fail(-EINVAL);
    if (!apply_numa_available())
        return 0;
    int rc;
    if (!nodes || rashm_nodeset_isempty(nodes)) {
        rc = apply_thread_policy(MPOL_DEFAULT, NULL);
        return rc ? rashm_fail(rc) : 0;
    }
    struct rashm_cfg c;
    const rashm_topo_t *t;
    if ((rc = cfg_read(&c)) || (rc = topo_get(&t)))
        return rashm_fail(rc);
    if (!rashm_topo_is_this_system(t))
        return rashm_fail(-ENOTSUP);
    /* the nodes with memory and those with CPUs (a node may have CPUs and
     * no memory; the kernel then allocates near it) */
    rashm_nodeset_t known, srads;
    rashm_topo_all_nodes(t, &known);
    rashm_topo_srad_nodes(t, &srads);
    rashm_nodeset_or(&known, &known, &srads);
    if (!rashm_nodeset_issubset(nodes, &known))
        return rashm_fail(-EINVAL);
    int eff = policy == RASHM_POLICY_DEFAULT ? c.default_policy : policy;
    int mode = MPOL_PREFERRED_MANY;
    if (eff == RASHM_POLICY_BALANCED)
        mode = MPOL_INTERLEAVE;
    else if (eff == RASHM_POLICY_PREFERRED && rashm_nodeset_count(nodes) == 1)
        mode = MPOL_PREFERRED;
    rc = apply_thread_policy(mode, nodes);
    return rc ? rashm_fail(rc) : 0;
}

int rashm_unplace_mapping(void *addr, uint64_t len)
{
    uint64_t base = (uint64_t)sysconf(_SC_PAGESIZE);
    if (!addr || !len || ((uintptr_t)addr & (base - 1)))
        return rashm_fail(-EINVAL);
    int rc = seg_unplace_mapping(addr, len);
    return rc ? rashm_fail(rc) : 0;
}

int rashm_unplace(int shmid)
{
    struct shmid_ds ds;
    if (seg_shmctl_raw(shmid, IPC_STAT, &ds))
        return -1;
    if (!owner_or_root(&ds))
        return rashm_fail(-EPERM);
    void *base = seg_shmat_raw(shmid, NULL, SHM_RDONLY);
    if (base == (void *)-1)
        return -1;
    uint64_t page = 4096;
    int hugetlb = 0;
    seg_page_of(shmid, base, &page, &hugetlb);
    int rc = 0;
    if (apply_numa_available()) {
        rashm_nodeset_t none;
        rashm_nodeset_zero(&none);
        rc = apply_mbind(base, plan_end(ds.shm_segsz, page), 0 /* MPOL_DEFAULT */, &none, 0);
    }
    seg_shmdt_raw(base);
    reg_remove(shmid, ds.shm_perm.cuid);
    return rc ? rashm_fail(rc) : 0;
}

int rashm_remove(int shmid)
{
    return seg_rmid_and_forget(shmid) ? -1 : 0;
}

int seg_place_mapping(void *addr, uint64_t len, uint64_t page_size, const struct rashm_range *r, int n,
                      unsigned aflags)
{
    struct rashm_cfg c;
    int rc = cfg_read(&c);
    if (rc)
        return rc;
    const rashm_topo_t *t;
    rc = topo_get(&t);
    if (rc)
        return rc;
    struct plan_input in;
    plan_input_for(&in, t, &c, len, page_size, page_size != (uint64_t)sysconf(_SC_PAGESIZE), 0);
    struct plan *p;
    rc = plan_build(&in, r, n, &p);
    if (rc)
        return rc;
    if (!rashm_topo_is_this_system(t)) {
        free(p);
        return -ENOTSUP;
    }
    if (apply_numa_available()) {
        for (int i = 0; i < p->n && !rc; i++) {
            /* parts no range covers keep whatever policy they had */
            if (p->e[i].range_index < 0)
                continue;
            rc = apply_mbind((char *)addr + p->e[i].offset, p->e[i].length, p->e[i].mode, &p->e[i].mask, aflags);
        }
    }
    free(p);
    return rc;
}

int seg_unplace_mapping(void *addr, uint64_t len)
{
    rashm_nodeset_t none;
    rashm_nodeset_zero(&none);
    return apply_numa_available() ? apply_mbind(addr, len, 0 /* MPOL_DEFAULT */, &none, 0) : 0;
}

