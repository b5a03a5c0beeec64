/* Internal to the AIX face. The face is a client of the core: it sees
 * the public API (include/) and src/common only (docs/HACKING.md). */
#ifndef RASHM_AIX_H
#define RASHM_AIX_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/types.h>

#include "errors.h"   /* rashm_fail (src/common) */
#include "export.h"   /* RASHM_HIDDEN (src/common) */
#include "rashm.h"
#include "sys/rset.h"

/* rashm_topo() as 0 or -errno, for the face's internal functions. */
static inline int aix_topo(const rashm_topo_t **t)
{
    *t = rashm_topo();
    return *t ? 0 : -errno;
}

#define RSET_MAGIC 0x52534554u /* "RSET" */

/* What an rsethandle_t points to. */
struct rset {
    uint32_t magic;
    rashm_cpuset_t cpus;       /* R_PROCS: Linux CPU numbers */
    rashm_nodeset_t mems;      /* R_MEMPS: Linux node numbers */
};

RASHM_HIDDEN struct rset *rset_of(rsethandle_t h);   /* NULL if not an rset */
RASHM_HIDDEN struct rset *rset_new(void);
/* Fills r as rs_alloc(flags) would; -EINVAL for bad flags. */
RASHM_HIDDEN int rset_fill(struct rset *r, unsigned flags);


/* attach.c: R_PROCESS / R_THREAD attachments (0 or -errno), shared with
 * ra_attach / ra_detach / ra_fork / ra_exec. flags: policy | R_ATTACH_STRSET. */
RASHM_HIDDEN int aix_attach_work(rstype_t type, rsid_t id, const struct rset *r, uint_t flags);
RASHM_HIDDEN int aix_detach_work(rstype_t type, rsid_t id, uint_t flags);
/* ra.c: the rset an attachment of work t1 to t2/id2 means (R_RSET: the
 * rset; R_SRADID: its node's CPUs), after ra_attach's argument checks
 * (EINVAL, ENOTSUP, ENODEV). */
RASHM_HIDDEN int aix_resource_rset(rstype_t t1, rstype_t t2, rsid_t id2, uint_t flags, struct rset *out);
/* attachinfo.c: ra_get_attachinfo(R_PROCMEM, ...). */
RASHM_HIDDEN attachinfo_t *aix_attachinfo_procmem(rsid_t rsid, off64_t off, size64_t len, uint_t flags);
/* fildes.c: R_FILDES (0 or -errno; attachinfo as ra_get_attachinfo). */
/* Maps the whole file of fd shared (read-only), after IBM's checks for an
 * attach or detach; the caller places or unplaces it and munmaps. */
RASHM_HIDDEN int aix_fildes_map(int fd, void **base, size_t *len);
RASHM_HIDDEN attachinfo_t *aix_fildes_attachinfo(int fd, off64_t off, size64_t len, uint_t flags);
/* bindprocessor's CPU for a thread (getthrds64's ti_cpuid) or -1. */
RASHM_HIDDEN int aix_bound_cpu(pid_t pid, pid_t tid);

#endif
