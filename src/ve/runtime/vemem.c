/* Registration of VE memory (memory of this VE process) in the DMAATB:
 * ve_register_mem_to_dmaatb, i.e. VESHM with VE_MEM_LOCAL on a card. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "procfs.h"
#include "rt.h"

/* Is [lo, hi) mapped in this process (0), unmapped anywhere (-EINVAL), or
 * mapped but not writable somewhere (-EACCES)? And what is it a view of
 * (*back)? VE code may register memory that is not private: a SysV segment
 * it attached itself, a memfd or file it mapped shared. Then the same pages
 * can also be reachable through another registration, and the DMA engine
 * must know (see struct atb_backing). The range must be one kind of thing:
 * all private, or one shared object at consecutive offsets; anything else
 * is refused (-EINVAL). In a device process the maps are the VE process's
 * (rashm_rt.target). */
struct mapped_arg {
    uint64_t lo;
    struct atb_backing *back;
    int ro, mixed, first;
};

static int mapped_piece(const struct rcom_vma *v, uint64_t cur, void *p)
{
    struct mapped_arg *m = p;
    if (v->perms[1] != 'w')
        m->ro = 1;
    /* a shared mapping without a file (ino 0) does not exist on Linux:
     * MAP_SHARED|MAP_ANONYMOUS is a shmem file */
    struct atb_backing here = { 0, 0, cur, 0 };
    if (v->perms[3] == 's')
        here = (struct atb_backing){ (uint64_t)makedev(v->dev_major, v->dev_minor), v->inode,
                                     v->offset + (cur - v->start), 0 };
    if (m->first)
        *m->back = here;
    else if (m->back->dev != here.dev || m->back->ino != here.ino || m->back->off + (cur - m->lo) != here.off)
        m->mixed = 1;
    m->first = 0;
    return 0;
}

static int check_mapped_writable(uint64_t lo, uint64_t hi, struct atb_backing *back)
{
    struct mapped_arg m = { lo, back, 0, 0, 1 };
    int rc = rcom_vma_span(rashm_rt.target, lo, hi, mapped_piece, &m);
    if (rc)
        return rc < 0 ? rc : -EINVAL;   /* 1: a hole */
    return m.mixed ? -EINVAL : m.ro ? -EACCES : 0;
}

int vemem_register(uint64_t vemva, uint64_t size, uint64_t *vehva)
{
    struct atb_backing back = { 0, 0, vemva, 0 };
    uint64_t pgsz;
    int rc;

    if (!vemva || !size || vemva + size < vemva)
        return -EINVAL;
    /* VEOS: vemva and size aligned to the page size backing the memory. Here
     * the alignment decides the page size: 64 MiB when both allow it. */
    if (vemva % PG_64M == 0 && size % PG_64M == 0)
        pgsz = PG_64M;
    else if (vemva % PG_2M == 0 && size % PG_2M == 0)
        pgsz = PG_2M;
    else
        return -EINVAL;
    rc = check_mapped_writable(vemva, vemva + size, &back);
    if (rc)
        return rc;
    /* In a device process: VE memory (the memfd this process maps at the
     * same address) is copied with loads and stores; anything else VE code
     * mapped is reached in the VE process (process_vm_*). Decided from the
     * VE process's maps, which VE code cannot forge. */
    if (rashm_rt.target)
        back.remote = !(back.dev == rashm_rt.vemem_dev && back.ino == rashm_rt.vemem_ino &&
                        vemva >= rashm_rt.vemem_base &&
                        vemva - rashm_rt.vemem_base + size <= rashm_rt.vemem_size &&
                        back.off == vemva - rashm_rt.vemem_base);
    return dmaatb_register(rashm_rt.atb, (char *)vemva, size, pgsz, ATB_VEMEM, 0, &back, vehva);
}

int vemem_unregister(uint64_t vehva)
{
    return dmaatb_unregister(rashm_rt.atb, vehva, ATB_VEMEM);
}
