/* ra_get_attachinfo for R_PROCMEM: the attachments of a range of the
 * calling process's address space (ra_attach(R_SUBRANGE), ra_mmap(v), or
 * any mbind), read back from the kernel. ra_get_attachinfo dispatches here
 * before its own R_SHM path. */
#define _GNU_SOURCE
#include <linux/mempolicy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aix.h"

/* Linux 6.9; older kernel headers lack the name */
#ifndef MPOL_WEIGHTED_INTERLEAVE
#define MPOL_WEIGHTED_INTERLEAVE 6
#endif

/* Memory policies live on VMAs (mbind splits them), so one query per piece
 * of each VMA that meets the range is enough. A piece with the default or
 * local policy has no attachment. The policy back: MPOL_INTERLEAVE (and
 * weighted) is P_BALANCED; a preferred or bound set is P_FIRST_TOUCH (what
 * rashm applies for first touch within a set). The resource is an rset of
 * the nodes and their CPUs. */
attachinfo_t *aix_attachinfo_procmem(rsid_t rsid, off64_t off, size64_t len, uint_t flags)
{
    if (flags || (rsid.at_pid != RS_MYSELF && rsid.at_pid != getpid()) || off < 0 || len == 0 ||
        (uint64_t)off + len < (uint64_t)off) {
        errno = EINVAL;
        return (attachinfo_t *)-1;
    }
    const rashm_topo_t *t;
    int rc = aix_topo(&t);
    if (rc) {
        errno = -rc;
        return (attachinfo_t *)-1;
    }
    uint64_t lo = (uint64_t)off, hi = lo + len;
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return (attachinfo_t *)-1;
    attachinfo_t *head = NULL, **tail = &head;
    char line[512];
    uint64_t covered = lo;
    while (fgets(line, sizeof line, f)) {
        unsigned long long a, b;
        if (sscanf(line, "%llx-%llx", &a, &b) != 2 || b <= lo || a >= hi)
            continue;
        uint64_t s = a > lo ? a : lo;
        if (s > covered)
            break;   /* a hole in the range: not mapped */
        covered = b < hi ? b : hi;
        int mode;
        rashm_nodeset_t mask;
        if (rashm_mapping_policy((void *)(uintptr_t)s, &mode, &mask)) {
            rc = -errno;
            break;
        }
        if (mode == MPOL_DEFAULT || mode == MPOL_LOCAL || rashm_nodeset_isempty(&mask))
            continue;
        attachinfo_t *ai = calloc(1, sizeof *ai);
        struct rset *r = ai ? rset_new() : NULL;
        if (!r) {
            free(ai);
            rc = -ENOMEM;
            break;
        }
        r->mems = mask;
        struct rashm_node_info ni;
        for (int i = 0; i < rashm_topo_nnodes(t); i++)
            if (rashm_topo_node(t, i, &ni) == 0 && rashm_nodeset_isset(&mask, ni.node))
                rashm_cpuset_or(&r->cpus, &r->cpus, &ni.cpus);
        ai->at_rstype = R_RSET;
        ai->at_rsid.at_rset = r;
        ai->at_policy = mode == MPOL_INTERLEAVE || mode == MPOL_WEIGHTED_INTERLEAVE ? P_BALANCED : P_FIRST_TOUCH;
        *tail = ai;
        tail = &ai->next_resource;
    }
    fclose(f);
    if (!rc && covered < hi)
        rc = -EINVAL;   /* part of the range is not mapped */
    if (rc) {
        if (head)
            ra_free_attachinfo(head);
        errno = -rc;
        return (attachinfo_t *)-1;
    }
    return head;
}

/* Lives here, next to the lists it frees, so that ra.c -> attachinfo.c is
 * the only direction between the two files. */
int ra_free_attachinfo(attachinfo_t *list)
{
    if (!list || list == (attachinfo_t *)-1)
        return rashm_fail(-EINVAL);
    while (list) {
        attachinfo_t *next = list->next_resource;
        if (list->at_rstype == R_RSET)
            rs_free(list->at_rsid.at_rset);
        free(list);
        list = next;
    }
    return 0;
}
