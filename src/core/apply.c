/* The only file that talks to the kernel's NUMA interfaces: mbind,
 * move_pages, get_mempolicy. Raw system calls (no libnuma state, no
 * numa_error hooks), errors returned as -errno. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"


/* The kernel reads maxnode-1 bits (a historical off-by-one), so pass one
 * more than the mask holds. */
#define MAXNODE (RASHM_MAX_NODES + 1)

static long sys_mbind(void *addr, unsigned long len, int mode, const unsigned long *mask, unsigned long maxnode,
                      unsigned flags)
{
    return syscall(SYS_mbind, addr, len, mode, mask, maxnode, flags);
}

int apply_mbind(void *addr, uint64_t len, int mode, const rashm_nodeset_t *mask, unsigned aflags)
{
    unsigned flags = 0;
    if (aflags & APPLY_MOVE)
        flags = MPOL_MF_MOVE_ALL;
    const unsigned long *m = NULL;
    unsigned long maxnode = 0;
    if (mode != MPOL_LOCAL && mode != MPOL_DEFAULT) {
        m = (const unsigned long *)mask->bits;
        maxnode = MAXNODE;
    }
    if (mode == MPOL_DEFAULT) {
        /* mbind skips a VMA whose own policy already equals the new one,
         * and a fresh attach of a shm segment has no VMA policy (the
         * segment's shared policy lives elsewhere), so MPOL_DEFAULT alone
         * would never reach the shared policy. Set something first. */
        if (sys_mbind(addr, len, MPOL_LOCAL, NULL, 0, 0))
            return -errno;
    }
    long rc = sys_mbind(addr, len, mode, m, maxnode, flags);
    if (rc && errno == EPERM && (flags & MPOL_MF_MOVE_ALL)) {
        /* MOVE_ALL (pages others map too) needs CAP_SYS_NICE; MOVE moves
         * what only this process maps */
        flags = MPOL_MF_MOVE;
        rc = sys_mbind(addr, len, mode, m, maxnode, flags);
    }
    if (rc && errno == EINVAL && mode == MPOL_WEIGHTED_INTERLEAVE) {
        /* kernels before 6.9: plain interleave */
        rashm_dbg("weighted interleave refused by the kernel: using interleave");
        mode = MPOL_INTERLEAVE;
        rc = sys_mbind(addr, len, mode, m, maxnode, flags);
    }
    if (rc && errno == EINVAL && mode == MPOL_PREFERRED_MANY) {
        /* kernels before 5.15: the first node of the set, still advisory */
        rashm_nodeset_t one;
        rashm_nodeset_zero(&one);
        rashm_nodeset_set(&one, rashm_nodeset_next(mask, -1));
        rashm_dbg("MPOL_PREFERRED_MANY refused by the kernel: using MPOL_PREFERRED");
        rc = sys_mbind(addr, len, 1 /* MPOL_PREFERRED */, (const unsigned long *)one.bits, MAXNODE, flags);
    }
    if (rc)
        return -errno;
    if (cfg_debug()) {
        char buf[128];
        rashm_nodeset_format(mask, buf, sizeof buf);
        rashm_dbg("mbind(%p, %#llx, mode %d, nodes %s, flags %#x)", addr, (unsigned long long)len, mode,
                  m ? buf : "-", flags);
    }
    return 0;
}

int apply_plan(void *base, const struct plan_entry *e, int n, int only_per_attach, unsigned aflags)
{
    for (int i = 0; i < n; i++) {
        if (only_per_attach && !e[i].per_attach)
            continue;
        int rc = apply_mbind((char *)base + e[i].offset, e[i].length, e[i].mode, &e[i].mask, aflags);
        if (rc)
            return rc;
    }
    return 0;
}

int apply_get_policy(void *addr, int *mode, rashm_nodeset_t *mask)
{
    int m = 0;
    rashm_nodeset_t s;
    rashm_nodeset_zero(&s);
    if (syscall(SYS_get_mempolicy, &m, s.bits, (unsigned long)MAXNODE, addr, MPOL_F_ADDR))
        return -errno;
    *mode = m & 0xff;   /* strip MPOL_F_STATIC_NODES & co */
    *mask = s;
    return 0;
}

int apply_mems_allowed(rashm_nodeset_t *out)
{
    rashm_nodeset_t s;
    rashm_nodeset_zero(&s);
    if (syscall(SYS_get_mempolicy, NULL, s.bits, (unsigned long)MAXNODE, NULL, MPOL_F_MEMS_ALLOWED))
        return -errno;
    *out = s;
    return 0;
}

int apply_numa_available(void)
{
    int m;
    if (syscall(SYS_get_mempolicy, &m, NULL, 0UL, NULL, 0) == 0)
        return 1;
    return errno != ENOSYS;
}

int rashm_numa_available(void)
{
    return apply_numa_available();
}

/* Pages per move_pages call: large batches amortise the call (the kernel
 * works in chunks of 16 internally; small batches cost 2.5x per page). */
#define BATCH 16384

int apply_count_pages(void *addr, uint64_t len, uint64_t stride, int node_slots, uint64_t *node_pages,
                      uint64_t *resident)
{
    uint64_t npages = (len + stride - 1) / stride;
    size_t b = npages < BATCH ? (size_t)npages : BATCH;
    void **pages = malloc(b * sizeof *pages);
    int *status = malloc(b * sizeof *status);
    int rc = 0;
    uint64_t res = 0;
    if (!pages || !status) {
        rc = -ENOMEM;
        goto free_buffers;
    }
    for (uint64_t done = 0; done < npages;) {
        size_t k = npages - done < b ? (size_t)(npages - done) : b;
        for (size_t i = 0; i < k; i++)
            pages[i] = (char *)addr + (done + i) * stride;
        if (syscall(SYS_move_pages, 0, (unsigned long)k, pages, NULL, status, 0) < 0) {
            rc = -errno;
            goto free_buffers;
        }
        for (size_t i = 0; i < k; i++)
            if (status[i] >= 0) {
                res++;
                if (status[i] < node_slots)
                    node_pages[status[i]]++;
            }
        done += k;
    }
    *resident = res;
free_buffers:
    free(pages);
    free(status);
    return rc;
}

int apply_thread_policy(int mode, const rashm_nodeset_t *mask)
{
    const unsigned long *m = NULL;
    unsigned long maxnode = 0;
    if (mode != MPOL_DEFAULT && mode != MPOL_LOCAL) {
        m = (const unsigned long *)mask->bits;
        maxnode = MAXNODE;
    }
    long rc = syscall(SYS_set_mempolicy, mode, m, maxnode);
    if (rc && errno == EINVAL && mode == MPOL_PREFERRED_MANY) {
        /* kernels before 5.15: the first node of the set, still advisory */
        rashm_nodeset_t one;
        rashm_nodeset_zero(&one);
        rashm_nodeset_set(&one, rashm_nodeset_next(mask, -1));
        rc = syscall(SYS_set_mempolicy, MPOL_PREFERRED, (const unsigned long *)one.bits, (unsigned long)MAXNODE);
    }
    if (rc)
        return -errno;
    if (cfg_debug()) {
        char buf[128];
        rashm_nodeset_format(mask ? mask : &(rashm_nodeset_t){{0}}, buf, sizeof buf);
        rashm_dbg("set_mempolicy(mode %d, nodes %s)", mode, m ? buf : "-");
    }
    return 0;
}

int rashm_mapping_policy(const void *addr, int *mode, rashm_nodeset_t *nodes)
{
    if (!mode || !nodes)
        return rashm_fail(-EINVAL);
    int rc = apply_get_policy((void *)(uintptr_t)addr, mode, nodes);
    return rc ? rashm_fail(rc) : 0;
}
