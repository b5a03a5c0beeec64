/* Segments: creation with placement, attach (and librashm's own shmat),
 * populate, lock, re-placement, removal, and the placement query.
 * Placement decisions come from plan.c; every NUMA system call is made by
 * apply.c. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
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

#ifndef SHM_HUGETLB
#define SHM_HUGETLB 04000
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

#define DEFAULT_STEP (64ull << 20)

static int rmid_and_forget(int shmid);

void *seg_shmat_raw(int shmid, const void *addr, int shmflg)
{
    /* syscall, not libc's shmat: librashm exports its own shmat */
    long r = syscall(SYS_shmat, shmid, addr, shmflg);
    return r == -1 ? (void *)-1 : (void *)r;
}

int seg_shmdt_raw(const void *addr)
{
    return (int)syscall(SYS_shmdt, addr);
}

/* The /proc/self/map_files name of the mapping of a fresh attach at addr:
 * "start-end" of its VMA. The end is the segment size rounded up to the page
 * size, so the likely names are tried first (a missing entry is a cheap
 * ENOENT); /proc/self/maps, which costs far more to generate, is the
 * fallback for anything else (other huge page sizes, a merged VMA). */
static int mapping_files_path(const void *addr, size_t segsz, char *path, size_t len)
{
    static const size_t steps[] = {4096, 2u << 20};
    unsigned long lo = (unsigned long)addr, hi = 0;
    struct stat st;
    for (size_t i = 0; segsz && i < sizeof steps / sizeof steps[0]; i++) {
        hi = lo + ((segsz + steps[i] - 1) & ~(steps[i] - 1));
        snprintf(path, len, "/proc/self/map_files/%lx-%lx", lo, hi);
        if (lstat(path, &st) == 0)
            return 0;
    }
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return -errno;
    char line[512];
    int found = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo == (unsigned long)addr) {
            found = 1;
            break;
        }
    fclose(f);
    if (!found)
        return -ENOENT;
    snprintf(path, len, "/proc/self/map_files/%lx-%lx", lo, hi);
    return 0;
}

int seg_mapping_birth(const void *addr, size_t segsz, uint64_t *birth)
{
    /* Identity of the shm file behind a mapping, through its
     * /proc/self/map_files entry (needs CAP_CHECKPOINT_RESTORE or
     * CAP_SYS_ADMIN). Inode numbers are useless (the kernel sets them to
     * the shm id) and file times tick with the coarse clock (a jiffy), so:
     *  - shmem (4 KiB): the random generation number every tmpfs inode gets,
     *    from its file handle, with the creation time;
     *  - hugetlbfs (no file handles): the creation time (ctime, which
     *    nothing changes afterwards) - one-tick resolution. */
    char path[96];
    int rc = mapping_files_path(addr, segsz, path, sizeof path);
    if (rc)
        return rc;
    struct statx sx;
    if (statx(AT_FDCWD, path, 0, STATX_BTIME | STATX_CTIME, &sx))
        return -errno;
    const struct statx_timestamp *ts = (sx.stx_mask & STATX_BTIME) ? &sx.stx_btime : &sx.stx_ctime;
    uint64_t id = (uint64_t)ts->tv_sec * 1000000000u + ts->tv_nsec;
    union {
        struct file_handle fh;
        char buf[sizeof(struct file_handle) + 64];
    } h;
    int mnt;
    h.fh.handle_bytes = 64;
    if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, AT_SYMLINK_FOLLOW) == 0 && h.fh.handle_bytes >= 4) {
        uint32_t gen;
        memcpy(&gen, h.fh.f_handle, sizeof gen);
        id = (uint64_t)gen << 32 ^ (id & 0xffffffffu);
    }
    *birth = id ? id : 1;
    return 0;
}

/* PROCMAP_QUERY (Linux 6.11): one VMA of /proc/PID/maps by address, with
 * the kernel's page size for it (the huge page size for hugetlb), without
 * generating the text of every mapping. The layout is the kernel's ABI
 * (104 bytes); older headers do not have it. */
struct seg_procmap_query {
    uint64_t size;
    uint64_t query_flags;
    uint64_t query_addr;
    uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
    uint32_t dev_major, dev_minor;
    uint32_t vma_name_size, build_id_size;
    uint64_t vma_name_addr, build_id_addr;
};
#define SEG_PROCMAP_QUERY _IOWR('f', 17, struct seg_procmap_query)

/* Fallback for older kernels: the VMA's KernelPageSize in smaps (which
 * walks the page tables of every mapping listed before ours). */
static int mapping_info_smaps(const void *addr, struct seg_map_info *out)
{
    FILE *f = fopen("/proc/self/smaps", "re");
    if (!f)
        return -errno;
    char line[512];
    int found = 0, rc = -ENOENT;
    unsigned long start = 0, end = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi, kb;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            found = lo <= (unsigned long)addr && (unsigned long)addr < hi;
            start = lo;
            end = hi;
            continue;
        }
        if (found && sscanf(line, "KernelPageSize: %lu kB", &kb) == 1) {
            out->page_size = (uint64_t)kb << 10;
            out->start = start;
            out->length = end - start;
            rc = 0;
            break;
        }
    }
    fclose(f);
    return rc;
}

int seg_mapping_info(const void *addr, struct seg_map_info *out)
{
    struct seg_map_info m;
    memset(&m, 0, sizeof m);
    int rc = -ENOTTY;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        struct seg_procmap_query q;
        memset(&q, 0, sizeof q);
        q.size = sizeof q;
        q.query_addr = (uint64_t)(uintptr_t)addr;
        if (ioctl(fd, SEG_PROCMAP_QUERY, &q) == 0) {
            m.page_size = q.vma_page_size;
            m.start = q.vma_start;
            m.length = q.vma_end - q.vma_start;
            rc = 0;
        } else {
            rc = -errno;
        }
        close(fd);
    }
    if (rc == -ENOTTY || rc == -EINVAL || rc == -E2BIG || rc == -ENOSYS || fd < 0)
        rc = mapping_info_smaps(addr, &m);   /* no PROCMAP_QUERY here */
    if (rc)
        return rc;
    uint64_t base = (uint64_t)sysconf(_SC_PAGESIZE);
    if (!m.page_size || (m.page_size & (m.page_size - 1)) || m.page_size < base || !m.length ||
        m.length % m.page_size)
        return -EIO;       /* not what the kernel reports for a mapping */
    m.hugetlb = m.page_size != base;
    *out = m;
    return 0;
}

int seg_entry_load(int shmid, const void *mapped, const struct seg_map_info *known_map, int check_nodes,
                   struct reg_entry **out)
{
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return (errno == EINVAL || errno == EIDRM) ? -ENOENT : -errno;
    struct reg_facts f;
    memset(&f, 0, sizeof f);
    f.shmid = shmid;
    f.segsz = ds.shm_segsz;
    f.base_page = (uint64_t)sysconf(_SC_PAGESIZE);
    f.nsrads = -1;
    rashm_nodeset_t known;
    const rashm_topo_t *t;
    if (check_nodes && topo_get(&t) == 0 && rashm_topo_is_this_system(t)) {
        /* plans take range nodes from the nodes with memory and gaps from
         * the nodes with CPUs (the topology includes disallowed ones) */
        rashm_nodeset_t srads;
        rashm_topo_all_nodes(t, &known);
        rashm_topo_srad_nodes(t, &srads);
        for (int w = 0; w < RASHM_MAX_NODES / 64; w++)
            known.bits[w] |= srads.bits[w];
        f.nodes = &known;
        f.nsrads = rashm_topo_nsrads(t);
    }
    /* the entry first, with no attach of ours in the way: without an
     * entry, reg_load collects a segment whose creator died mid-creation,
     * which it does only while nobody has the segment attached */
    struct reg_entry *e = NULL;
    int rc = reg_load(shmid, mapped, &e);
    if (rc)
        return rc;
    void *tmp = NULL;
    if (!mapped) {
        tmp = seg_shmat_raw(shmid, NULL, SHM_RDONLY);
        if (tmp == (void *)-1)
            tmp = NULL;      /* no read permission: the page size stays unknown */
        mapped = tmp;
    }
    struct seg_map_info mi;
    if (known_map) {
        f.page_size = known_map->page_size;
        f.hugetlb = known_map->hugetlb;
    } else if (mapped && seg_mapping_info(mapped, &mi) == 0) {
        f.page_size = mi.page_size;
        f.hugetlb = mi.hugetlb;
    }
    if (tmp)
        seg_shmdt_raw(tmp);
    if (reg_check_entry(e, sizeof *e + (size_t)e->nranges * sizeof e->r[0], &f)) {
        rashm_dbg("registry: entry for shmid %d does not describe the segment (forged or corrupt): ignored", shmid);
        free(e);
        return -ENOENT;
    }
    *out = e;
    return 0;
}

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
    if ((flags & RASHM_LOCK) && shmctl(id, SHM_LOCK, NULL)) {
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
            rmid_and_forget(id);
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

/* May this process act on the registry entries of segments created by
 * cuid? An entry is a file its creator can write. A privileged process
 * (set-id or file capabilities: AT_SECURE; or root) uses only entries of
 * segments created by root or by its own effective uid, so another user
 * cannot steer what it does; an ordinary process may use any entry, it
 * has no more rights than the entry's author over the mapping. */
static int entry_usable_here(uid_t cuid)
{
    uid_t eu = geteuid();
    if (getauxval(AT_SECURE) || eu == 0)
        return cuid == 0 || cuid == eu;
    return 1;
}

/* Per-attach policy for huge-page segments (the kernel keeps none on the
 * segment): first-touch ranges get their MPOL_PREFERRED_MANY/LOCAL policy
 * on every new mapping, so the pages each attacher touches first come from
 * its nearest node of the set.
 * Only on the mapping this attach just made, and only when the kernel says
 * it is a hugetlb mapping: the page size, the mapping's bounds and the
 * segment size all come from the kernel, and the entry must agree with
 * them (seg_entry_load). A read-only attach is treated alike: read faults
 * allocate huge pages of a shared mapping too, under this VMA's policy. */
static void reapply(int shmid, void *p, int shmflg)
{
    (void)shmflg;
    if (!reg_exists(shmid) || !apply_numa_available())
        return;
    struct seg_map_info mi;
    if (seg_mapping_info(p, &mi) || !mi.hugetlb || mi.start != (uint64_t)(uintptr_t)p)
        return;
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return;
    if (!entry_usable_here(ds.shm_perm.cuid)) {
        rashm_dbg("shmat: shmid %d was created by uid %u: its registry entry is not used by a privileged process",
                  shmid, (unsigned)ds.shm_perm.cuid);
        return;
    }
    /* the mapping's extent: the segment rounded up to huge pages, all of
     * it inside the VMA the kernel reports for this attach */
    uint64_t maplen = plan_end(ds.shm_segsz, mi.page_size);
    if (maplen > mi.length)
        return;
    struct reg_entry *e;
    /* no topology here (loading it would cost every process its first
     * huge-page shmat a few ms): a mask naming a node the machine lacks
     * only makes mbind fail, and mbind keeps a policy to existing nodes */
    if (seg_entry_load(shmid, p, &mi, 0, &e))
        return;
    if (e->segsz == ds.shm_segsz && e->has_per_attach) {
        for (int i = 0; i < e->nranges; i++) {
            struct reg_range *r = &e->r[i];
            /* checked by reg_check_entry already; again here, overflow-safe,
             * because an mbind outside the mapping would hit other memory */
            if (!r->per_attach || r->offset > maplen || r->length > maplen - r->offset)
                continue;
            int rc = apply_mbind((char *)p + r->offset, r->length, r->mode, &r->mask, 0);
            if (rc)
                rashm_dbg("shmat: re-applying policy to shmid %d failed: %s", shmid, strerror(-rc));
        }
    }
    free(e);
}

void *rashm_attach(int shmid, const void *addr, int shmflg)
{
    void *p = seg_shmat_raw(shmid, addr, shmflg);
    if (p == (void *)-1)
        return p;
    int saved = errno;
    reapply(shmid, p, shmflg);
    errno = saved;
    return p;
}

/* librashm's shmat: programs linked with -lrashm get per-attach placement
 * of huge-page segments from their ordinary shmat calls. */
RASHM_API void *shmat(int shmid, const void *addr, int shmflg);
void *shmat(int shmid, const void *addr, int shmflg)
{
    struct rashm_cfg c;
    if (cfg_read(&c)) {
        /* a bad RASHM_* value (reported on stderr): refuse before attaching */
        errno = EINVAL;
        return (void *)-1;
    }
    void *p = seg_shmat_raw(shmid, addr, shmflg);
    if (p == (void *)-1)
        return p;
    int saved = errno;
    if (c.shmat_hook)
        reapply(shmid, p, shmflg);
    errno = saved;
    return p;
}

/* libc's shmctl (librashm exports its own, below). */
static int real_shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
    typedef int (*shmctl_fn)(int, int, struct shmid_ds *);
    static shmctl_fn real;     /* resolved once; racing threads store the same value */
    shmctl_fn f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
    if (!f) {
        f = (shmctl_fn)dlsym(RTLD_NEXT, "shmctl");
        if (!f) {
            errno = ENOSYS;
            return -1;
        }
        __atomic_store_n(&real, f, __ATOMIC_RELEASE);
    }
    return f(shmid, cmd, buf);
}

/* IPC_RMID and the registry entry with it (its path needs the creator's
 * uid, so read it first). */
static int rmid_and_forget(int shmid)
{
    struct shmid_ds ds;
    int have = real_shmctl(shmid, IPC_STAT, &ds) == 0;
    int rc = real_shmctl(shmid, IPC_RMID, NULL);
    if (rc == 0 && have) {
        int saved = errno;
        reg_remove(shmid, ds.shm_perm.cuid);
        errno = saved;
    }
    return rc;
}

/* librashm's shmctl: libc's, plus forgetting the registry entry of a
 * segment removed with IPC_RMID, so the entry cannot outlive it. */
RASHM_API int shmctl(int shmid, int cmd, struct shmid_ds *buf);
int shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
    if (cmd == IPC_RMID)
        return rmid_and_forget(shmid);
    if (cmd == IPC_SET) {
        /* IPC_SET moves shm_ctime, which readers without a file identity
         * use to tell the segment from a later one on the same id: follow
         * it in the entry */
        struct shmid_ds before;
        int have = real_shmctl(shmid, IPC_STAT, &before) == 0;
        int rc = real_shmctl(shmid, cmd, buf);
        if (rc == 0 && have) {
            int saved = errno;
            reg_refresh(shmid, (int64_t)before.shm_ctime);
            errno = saved;
        }
        return rc;
    }
    return real_shmctl(shmid, cmd, buf);
}

int rashm_detach(const void *addr)
{
    return seg_shmdt_raw(addr) ? -1 : 0;
}

int rashm_populate(void *base, uint64_t offset, uint64_t length, const struct rashm_create_opts *opts)
{
    if (!base)
        return rashm_fail(-EINVAL);
    if (length == 0) {
        /* to the end of the mapping: find it in /proc/self/maps */
        FILE *f = fopen("/proc/self/maps", "re");
        char line[512];
        unsigned long lo, hi;
        if (!f)
            return rashm_fail(-errno);
        /* the mapping may be several VMAs (one per policy): follow the
         * contiguous ones of the same file */
        unsigned long end = 0, ino = 0, i2;
        char dev[32], d2[32];
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "%lx-%lx %*s %*x %31s %lu", &lo, &hi, d2, &i2) != 4)
                continue;
            if (!end && lo == (unsigned long)base) {
                end = hi;
                ino = i2;
                snprintf(dev, sizeof dev, "%s", d2);
            } else if (end && lo == end && i2 == ino && !strcmp(dev, d2)) {
                end = hi;
            } else if (end) {
                break;
            }
        }
        fclose(f);
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
    if (shmctl(shmid, IPC_STAT, &ds))
        return -1;
    if (shmctl(shmid, SHM_LOCK, NULL))
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
    if (shmctl(shmid, IPC_STAT, &ds))
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

int rashm_unplace(int shmid)
{
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
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
    return rmid_and_forget(shmid) ? -1 : 0;
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

/* ---- placement query ----------------------------------------------------- */

/* Map into this (temporary, read-only) attach the pages the segment already
 * has, without allocating any, so move_pages can see them:
 *  - 4 KiB (shmem): mincore reports page-cache residency; runs of resident
 *    pages are mapped with MADV_POPULATE_READ (one call per run).
 *  - hugetlb: mincore only sees this mapping's page tables, so instead the
 *    mapping is registered with userfaultfd in a mode where a missing page
 *    makes the fault fail rather than allocate; MADV_POPULATE_READ per huge
 *    page then maps exactly the pages that exist. */
static int map_resident(int shmid, void *base, uint64_t len, uint64_t page, int hugetlb,
                        const struct shmid_ds *ds)
{
    (void)shmid;
    /* len and page come from the kernel's view of this attach (query);
     * refuse anything that would make the loops below misbehave */
    uint64_t base_page = (uint64_t)sysconf(_SC_PAGESIZE);
    if (!page || page % base_page || len % page)
        return -EINVAL;
    if (!hugetlb) {
        /* mincore tells the truth about a file's page cache only to its
         * owner, writers and CAP_SYS_ADMIN; for others it says "all
         * resident", and populating would then allocate */
        uid_t u = geteuid();
        if (!(u == 0 || u == ds->shm_perm.uid || u == ds->shm_perm.cuid || (ds->shm_perm.mode & 0002)))
            return -EACCES;
        /* mincore writes one byte per base page of the range, whatever the
         * mapping's page size: size the vector in base pages */
        size_t n = (size_t)(len / base_page);
        unsigned char *vec = malloc(n ? n : 1);
        if (!vec)
            return -ENOMEM;
        if (mincore(base, len, vec)) {
            int e = errno;
            free(vec);
            return -e;
        }
        for (size_t i = 0; i < n;) {
            if (!(vec[i] & 1)) {
                i++;
                continue;
            }
            size_t j = i;
            while (j < n && (vec[j] & 1))
                j++;
            madvise((char *)base + i * base_page, (j - i) * base_page, MADV_POPULATE_READ);
            i = j;
        }
        free(vec);
        return 0;
    }
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    if (fd < 0)
        fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_SIGBUS};
    struct uffdio_register reg = {.range = {.start = (unsigned long)base, .len = len},
                                  .mode = UFFDIO_REGISTER_MODE_MISSING};
    int rc = 0;
    if (ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg)) {
        rc = -errno;
        goto close_fd;
    }
    for (uint64_t off = 0; off < len; off += page)
        madvise((char *)base + off, page, MADV_POPULATE_READ); /* EFAULT: a hole, left a hole */
close_fd:
    close(fd);
    return rc;
}

void rashm_placement_free(struct rashm_placement *p)
{
    if (!p)
        return;
    if (p->ranges)
        for (int i = 0; i < p->nranges; i++)
            free(p->ranges[i].node_pages);
    free(p->ranges);
    free(p);
}

static int query(int shmid, struct rashm_placement **out)
{
    const rashm_topo_t *t;
    int rc = topo_get(&t);
    if (rc)
        return rc;
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return -errno;
    /* read-write when we may (userfaultfd registration, used to find the
     * resident huge pages, wants a writable mapping); nothing is written */
    void *base = seg_shmat_raw(shmid, NULL, 0);
    if (base == (void *)-1 && errno == EACCES)
        base = seg_shmat_raw(shmid, NULL, SHM_RDONLY);
    if (base == (void *)-1)
        return -errno;
    struct rashm_placement *p = calloc(1, sizeof *p);
    struct reg_entry *e = NULL;
    if (!p) {
        rc = -ENOMEM;
        goto detach;
    }
    p->shmid = shmid;
    p->size = ds.shm_segsz;
    /* page size and extent from the kernel's view of this attach; the
     * registry entry only describes ranges, and only once it agrees with
     * them (a forged page size or range cannot size a buffer or a loop) */
    struct seg_map_info mi;
    rc = seg_mapping_info(base, &mi);
    if (rc)
        goto fail;
    p->page_size = mi.page_size;
    p->hugetlb = mi.hugetlb;
    uint64_t len = plan_end(p->size, p->page_size);
    if (mi.start != (uint64_t)(uintptr_t)base || len > mi.length) {
        rc = -EIO;         /* not the fresh single mapping shmat makes */
        goto fail;
    }
    if (seg_entry_load(shmid, base, &mi, 1, &e) == 0)
        p->registered = 1;
    int maxnode = -1;
    for (int i = 0; i < rashm_topo_nnodes(t); i++) {
        struct rashm_node_info ni;
        rashm_topo_node(t, i, &ni);
        if (ni.node > maxnode)
            maxnode = ni.node;
    }
    p->node_slots = maxnode + 1;
    p->nranges = e ? e->nranges : 1;
    p->ranges = calloc((size_t)p->nranges, sizeof *p->ranges);
    if (!p->ranges) {
        rc = -ENOMEM;
        goto fail;
    }
    rc = map_resident(shmid, base, len, p->page_size, p->hugetlb, &ds);
    p->counts_valid = rc == 0;
    if (rc)
        rashm_dbg("query: cannot map resident pages of shmid %d (%s): counts show none", shmid, strerror(-rc));
    for (int i = 0; i < p->nranges; i++) {
        struct rashm_range_placement *q = &p->ranges[i];
        q->node_pages = calloc((size_t)p->node_slots, sizeof *q->node_pages);
        if (!q->node_pages) {
            rc = -ENOMEM;
            goto fail;
        }
        if (e) {
            struct reg_range *r = &e->r[i];
            q->offset = r->offset;
            q->length = r->length;
            q->policy = r->policy;
            q->origin = r->origin;
            q->srad = r->srad;
            q->nodes = r->nodes;
            q->cpus = r->cpus;
            q->mode = r->mode;
            q->mode_nodes = r->mask;
        } else {
            q->offset = 0;
            q->length = len;
            q->policy = -1;
            q->origin = RASHM_ORIGIN_NODES;
            q->srad = -1;
        }
        if (!p->hugetlb && apply_get_policy((char *)base + q->offset, &q->mode, &q->mode_nodes) == 0)
            q->mode_from_kernel = 1;
        if (q->offset > len || q->length > len - q->offset) {
            rc = -EIO;     /* reg_check_entry keeps ranges inside; never count past the mapping */
            goto fail;
        }
        q->pages = q->length / p->page_size;
        rc = apply_count_pages((char *)base + q->offset, q->length, p->page_size, p->node_slots, q->node_pages,
                               &q->resident);
        if (rc)
            goto fail;
    }
    free(e);
    seg_shmdt_raw(base);
    *out = p;
    return 0;
fail:
    rashm_placement_free(p);
detach:
    free(e);
    seg_shmdt_raw(base);
    return rc;
}

struct rashm_placement *rashm_query(int shmid)
{
    struct rashm_placement *p = NULL;
    int rc = query(shmid, &p);
    if (rc) {
        errno = -rc;
        return NULL;
    }
    return p;
}

/* ---- listing -------------------------------------------------------------- */

int rashm_list(struct rashm_seg_info **out)
{
    /* first, so that stale entries and segments whose creator was killed
     * mid-creation are gone from the list */
    reg_prune();
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    if (!f)
        return -1;
    char line[1024];
    int n = 0, cap = 16;
    struct rashm_seg_info *v = malloc((size_t)cap * sizeof *v);
    if (!v) {
        fclose(f);
        return rashm_fail(-ENOMEM);
    }
    if (!fgets(line, sizeof line, f))
        line[0] = 0;
    while (fgets(line, sizeof line, f)) {
        long long key, id, size, cpid, lpid, nattch, uid, gid, cuid, cgid, at, dt, ct, rss;
        unsigned perms;
        if (sscanf(line, "%lld %lld %o %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld", &key, &id,
                   &perms, &size, &cpid, &lpid, &nattch, &uid, &gid, &cuid, &cgid, &at, &dt, &ct, &rss) != 15)
            continue;
        if (n == cap) {
            struct rashm_seg_info *nv = realloc(v, (size_t)cap * 2 * sizeof *v);
            if (!nv) {
                free(v);
                fclose(f);
                return rashm_fail(-ENOMEM);
            }
            v = nv;
            cap *= 2;
        }
        struct rashm_seg_info *s = &v[n++];
        memset(s, 0, sizeof *s);
        s->shmid = (int)id;
        s->key = (key_t)key;
        s->size = (uint64_t)size;
        s->perms = (int)(perms & 0777);
        s->locked = (perms & 02000) != 0;
        s->uid = (uid_t)uid;
        s->gid = (gid_t)gid;
        s->cpid = (pid_t)cpid;
        s->lpid = (pid_t)lpid;
        s->nattch = (uint64_t)nattch;
        s->ctime = ct;
        s->rss = (uint64_t)rss;
        s->hugetlb = -1;
    }
    fclose(f);
    for (int i = 0; i < n; i++) {
        if (!reg_exists(v[i].shmid))
            continue;
        struct reg_entry *e;
        if (seg_entry_load(v[i].shmid, NULL, NULL, 1, &e) == 0) {
            v[i].registered = 1;
            v[i].hugetlb = e->hugetlb;
            v[i].nranges = e->nranges;
            free(e);
        }
    }
    *out = v;
    return n;
}
