/* <sys/vminfo.h>: vmgetinfo's per-SRAD memory query (rashm's AIX face). */
#ifndef RASHM_SYS_VMINFO_H
#define RASHM_SYS_VMINFO_H

#include <stdint.h>
#include <sys/rset.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VM_SRAD_MEMINFO 106

/* VM_SRAD_MEMINFO: the caller sets vmsrad_in_size to the size of the
 * structure it passes; vmsrad_out_size is what was filled. Sizes in bytes,
 * from /sys/devices/system/node/nodeN/meminfo of the SRAD's node. */
struct vm_srad_meminfo {
    int vmsrad_in_size;
    int vmsrad_out_size;
    size64_t vmsrad_total;    /* MemTotal */
    size64_t vmsrad_free;     /* MemFree */
    size64_t vmsrad_file;     /* FilePages */
    int vmsrad_aff_priv_pct;  /* 0: no affinitized-memory accounting */
    int vmsrad_aff_avail_pct; /* 0 */
};

/* vmgetinfo(out, VM_SRAD_MEMINFO, arg): out is a struct vm_srad_meminfo,
 * arg the sradid. 0, or -1 with errno: EINVAL (other command, bad sradid,
 * vmsrad_in_size too small), EFAULT (out NULL), ENOTSUP (enhanced affinity
 * off). */
RASHM_API int vmgetinfo(void *out, int command, int arg);

#ifdef __cplusplus
}
#endif

#endif
