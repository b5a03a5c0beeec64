/* Registration of VE memory (memory of this VE process) in the DMAATB:
 * ve_register_mem_to_dmaatb, i.e. VESHM with VE_MEM_LOCAL on a card. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "rt.h"

/* Is [lo, hi) mapped in this process (0), unmapped anywhere (-EINVAL), or
 * mapped but not writable somewhere (-EACCES)? And what is it a view of
 * (*back)? VE code may register memory that is not private: a SysV segment
 * it attached itself, a memfd or file it mapped shared. Then the same pages
 * can also be reachable through another registration, and the DMA engine
 * must know (see struct atb_backing). The range must be one kind of thing:
 * all private, or one shared object at consecutive offsets; anything else
 * is refused (-EINVAL). */
/* (The maps text is parsed here rather than with rcom_vma_each because the
 * device number of each mapping is needed and struct rcom_vma has none.)
 * In a device process the maps are the VE process's (rashm_rt.target). */
static int check_mapped_writable(uint64_t lo, uint64_t hi, struct atb_backing *back)
{
    char line[512], path[64];
    uint64_t cur = lo;
    int rc = -EINVAL, ro = 0, mixed = 0, first = 1;
    if (rashm_rt.target)
        snprintf(path, sizeof path, "/proc/%d/maps", (int)rashm_rt.target);
    else
        snprintf(path, sizeof path, "/proc/self/maps");
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    while (cur < hi && fgets(line, sizeof line, f)) {
        unsigned long a, b, off, ino;
        unsigned maj, min;
        char perm[8];
        if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &a, &b, perm, &off, &maj, &min, &ino) != 7)
            continue;
        if (b <= cur)
            continue;
        if (a > cur)
            break; /* hole */
        if (perm[1] != 'w')
            ro = 1;
        /* a shared mapping without a file (ino 0) does not exist on Linux:
         * MAP_SHARED|MAP_ANONYMOUS is a shmem file */
        struct atb_backing here = { 0, 0, cur, 0 };
        if (perm[3] == 's')
            here = (struct atb_backing){ (uint64_t)makedev(maj, min), ino, off + (cur - a), 0 };
        if (first)
            *back = here;
        else if (back->dev != here.dev || back->ino != here.ino ||
                 back->off + (cur - lo) != here.off)
            mixed = 1;
        first = 0;
        cur = b;
    }
    fclose(f);
    if (cur >= hi)
        rc = mixed ? -EINVAL : ro ? -EACCES : 0;
    return rc;
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
