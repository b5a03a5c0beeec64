/* Loading a segment's registry entry against the live kernel object, and
 * the placement query (rashm_query, rashm_list): which node holds each
 * resident page, counted without allocating any. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

int seg_entry_load(int shmid, const void *mapped, const struct seg_map_info *known_map, int check_nodes,
                   struct reg_entry **out)
{
    struct shmid_ds ds;
    if (seg_shmctl_raw(shmid, IPC_STAT, &ds))
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
        rashm_nodeset_or(&known, &known, &srads);
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

/* ---- placement query ----------------------------------------------------- */

/* Map into this (temporary, read-only) attach the pages the segment already
 * has, without allocating any, so move_pages can see them:
 *  - 4 KiB (shmem): mincore reports page-cache residency; runs of resident
 *    pages are mapped with MADV_POPULATE_READ (one call per run).
 *  - hugetlb: mincore only sees this mapping's page tables, so instead the
 *    mapping is registered with userfaultfd in a mode where a missing page
 *    makes the fault fail rather than allocate; MADV_POPULATE_READ per huge
 *    page then maps exactly the pages that exist. */
int seg_map_resident(int shmid, void *base, uint64_t len, uint64_t page, int hugetlb,
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

/* A range's recorded placement, as the registry entry holds it. */
static void range_from_entry(struct rashm_range_placement *q, const struct reg_range *r)
{
    q->offset = r->offset;
    q->length = r->length;
    q->policy = r->policy;
    q->origin = r->origin;
    q->srad = r->srad;
    q->nodes = r->nodes;
    q->cpus = r->cpus;
    q->mode = r->mode;
    q->mode_nodes = r->mask;
}


static int query(int shmid, struct rashm_placement **out)
{
    const rashm_topo_t *t;
    int rc = topo_get(&t);
    if (rc)
        return rc;
    struct shmid_ds ds;
    if (seg_shmctl_raw(shmid, IPC_STAT, &ds))
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
    rc = seg_map_resident(shmid, base, len, p->page_size, p->hugetlb, &ds);
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
            range_from_entry(q, &e->r[i]);
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


/* ---- the ranges alone (rashm_query_flags RASHM_QUERY_RANGES) ------------- */

/* The entry as seg_entry_load validates it, loaded before any attach of
 * ours exists (so a creation whose creator died is still collected, as
 * for every other reader of the registry), and no page counted: what a
 * face reports back as the attachments. */
static int query_ranges(int shmid, struct rashm_placement **out)
{
    const rashm_topo_t *t;
    int rc = topo_get(&t);
    if (rc)
        return rc;
    struct shmid_ds ds;
    if (seg_shmctl_raw(shmid, IPC_STAT, &ds))
        return -errno;
    struct reg_entry *e = NULL;
    rc = seg_entry_load(shmid, NULL, NULL, 1, &e);
    if (rc && rc != -ENOENT)
        return rc;
    struct rashm_placement *p = calloc(1, sizeof *p);
    if (!p) {
        free(e);
        return -ENOMEM;
    }
    p->shmid = shmid;
    p->size = ds.shm_segsz;
    if (e) {
        /* checked against the page size of a mapping of the segment */
        p->registered = 1;
        p->page_size = e->page_size;
        p->hugetlb = e->hugetlb;
    } else {
        void *base = seg_shmat_raw(shmid, NULL, SHM_RDONLY);
        struct seg_map_info mi;
        if (base != (void *)-1) {
            if (seg_mapping_info(base, &mi) == 0) {
                p->page_size = mi.page_size;
                p->hugetlb = mi.hugetlb;
            }
            seg_shmdt_raw(base);
        }
    }
    for (int i = 0; i < rashm_topo_nnodes(t); i++) {
        struct rashm_node_info ni;
        if (rashm_topo_node(t, i, &ni) == 0 && ni.node + 1 > p->node_slots)
            p->node_slots = ni.node + 1;
    }
    p->nranges = e ? e->nranges : 1;
    p->ranges = calloc((size_t)p->nranges, sizeof *p->ranges);
    rc = p->ranges ? 0 : -ENOMEM;
    for (int i = 0; i < p->nranges && !rc; i++) {
        struct rashm_range_placement *q = &p->ranges[i];
        q->node_pages = calloc((size_t)p->node_slots ? (size_t)p->node_slots : 1, sizeof *q->node_pages);
        if (!q->node_pages) {
            rc = -ENOMEM;
            break;
        }
        if (e) {
            range_from_entry(q, &e->r[i]);
        } else {
            q->length = p->page_size ? plan_end(p->size, p->page_size) : p->size;
            q->policy = -1;
            q->origin = RASHM_ORIGIN_NODES;
            q->srad = -1;
        }
    }
    free(e);
    if (rc) {
        rashm_placement_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

struct rashm_placement *rashm_query_flags(int shmid, unsigned flags)
{
    if (flags & ~(unsigned)RASHM_QUERY_RANGES) {
        errno = EINVAL;
        return NULL;
    }
    if (!(flags & RASHM_QUERY_RANGES))
        return rashm_query(shmid);
    struct rashm_placement *p = NULL;
    int rc = query_ranges(shmid, &p);
    if (rc) {
        errno = -rc;
        return NULL;
    }
    return p;
}
