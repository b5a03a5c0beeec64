/* Internal to the AIX face. */
#ifndef RASHM_AIX_H
#define RASHM_AIX_H

#include "internal.h"
#include "sys/rset.h"

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

#endif
