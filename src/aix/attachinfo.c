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
#include "procfs.h"

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
struct procmem_arg {
    const rashm_topo_t *t;
    attachinfo_t *head, **tail;
};

/* One piece of a VMA in the range, from s: its policy as an attachment. */
static int procmem_piece(const struct rcom_vma *v, uint64_t s, void *p)
{
    struct procmem_arg *a = p;
    (void)v;
    int mode;
    rashm_nodeset_t mask;
    if (rashm_mapping_policy((void *)(uintptr_t)s, &mode, &mask))
        return -errno;
    if (mode == MPOL_DEFAULT || mode == MPOL_LOCAL || rashm_nodeset_isempty(&mask))
        return 0;
    attachinfo_t *ai = calloc(1, sizeof *ai);
    struct rset *r = ai ? rset_new() : NULL;
    if (!r) {
        free(ai);
        return -ENOMEM;
    }
    r->mems = mask;
    struct rashm_node_info ni;
    for (int i = 0; i < rashm_topo_nnodes(a->t); i++)
        if (rashm_topo_node(a->t, i, &ni) == 0 && rashm_nodeset_isset(&mask, ni.node))
            rashm_cpuset_or(&r->cpus, &r->cpus, &ni.cpus);
    ai->at_rstype = R_RSET;
    ai->at_rsid.at_rset = r;
    ai->at_policy = mode == MPOL_INTERLEAVE || mode == MPOL_WEIGHTED_INTERLEAVE ? P_BALANCED : P_FIRST_TOUCH;
    *a->tail = ai;
    a->tail = &ai->next_resource;
    return 0;
}

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
    struct procmem_arg a = { t, NULL, NULL };
    a.tail = &a.head;
    rc = rcom_vma_span(0, lo, hi, procmem_piece, &a);
    if (rc == 1)
        rc = -EINVAL;   /* part of the range is not mapped */
    if (rc) {
        if (a.head)
            ra_free_attachinfo(a.head);
        errno = -rc;
        return (attachinfo_t *)-1;
    }
    return a.head;
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
