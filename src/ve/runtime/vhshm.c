/* VH-VE SHM inside the software VE process (what VEOS's pseudo process and
 * IVED do on a real machine): this process attaches the VH's segment itself,
 * checks it is backed by 2 MiB huge pages, and registers the whole segment in
 * the DMAATB's 2 MiB region. Checks run in the order of NEC's code
 * (reference veo.md §1). Everything here runs under rashm_rt_lock.
 *
 * VEOS pins every 2 MiB page of the segment when it registers it, so on a
 * card a segment whose pages cannot all exist cannot be attached, and a DMA
 * never meets a missing page. Here the attach faults every page in
 * (MADV_POPULATE_WRITE, or _READ for SHM_RDONLY): a segment made with
 * SHM_NORESERVE that the huge-page pool cannot fill fails with ENOMEM
 * instead of making later DMAs fault. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "procfs.h"
#include "rt.h"

struct attach {
    void *addr;
    uint64_t vehva;
    struct attach *next;
};
static struct attach *attached; /* rashm_rt_lock */

int vhshm_get(int64_t key, uint64_t size, int64_t flag)
{
    int id;
    if ((key_t)key == IPC_PRIVATE)
        return -EINVAL;
    if (!(flag & SHM_HUGETLB))
        return -EINVAL;
    if (flag & (SHM_NORESERVE | IPC_EXCL | IPC_CREAT))
        return -EINVAL;
    /* For an existing key shmget checks size <= shm_segsz (else EINVAL) and
     * the access mode bits of flag (EACCES); a smaller size is accepted. */
    id = shmget((key_t)key, (size_t)size, (int)flag);
    return id < 0 ? -errno : id;
}

/* Fast path (privileged): the mapping's file in /proc/self/map_files is the
 * segment's file; its file system says whether it is hugetlbfs and with
 * which page size. Following those links needs CAP_SYS_ADMIN (or
 * CAP_CHECKPOINT_RESTORE): without it, or when the name does not match,
 * -1 sends the caller to smaps. 1: 2 MiB hugetlb; 0: something else.
 * *back: the segment's file (device and inode), for telling two attaches of
 * one segment apart from two segments. */
static int map_files_2m(const void *addr, size_t segsz, struct atb_backing *back)
{
    static const size_t rounding[] = { 2u << 20, 4096 };
    for (size_t i = 0; i < sizeof rounding / sizeof rounding[0]; i++) {
        char path[96];
        struct statfs sf;
        struct stat st;
        size_t len = (segsz + rounding[i] - 1) & ~(rounding[i] - 1);
        if (rcom_map_files_name(0, (uint64_t)(uintptr_t)addr, (uint64_t)(uintptr_t)addr + len, path,
                                sizeof path))
            return -1;
        if (statfs(path, &sf) == 0) {
            if (stat(path, &st) < 0)
                return -1;
            *back = (struct atb_backing){ (uint64_t)st.st_dev, (uint64_t)st.st_ino, 0, 0 };
            return sf.f_type == HUGETLBFS_MAGIC && sf.f_bsize == (2 << 20);
        }
        if (errno != ENOENT)
            return -1;
    }
    return -1;
}

/* Is the mapping that starts at addr backed by 2 MiB pages? The kernel
 * says so as the VMA's page size (PROCMAP_QUERY, or KernelPageSize in
 * smaps: src/common's reader). The VMA also names its file (device and
 * inode) for *back. 0 when no VMA starts at addr. */
static int backed_by_2m(const void *addr, struct atb_backing *back)
{
    struct rcom_vma v;
    int rc = rcom_vma_find(0, (uint64_t)(uintptr_t)addr, 1, &v);
    if (rc == -ENOENT || (!rc && v.start != (uint64_t)(uintptr_t)addr))
        return 0;
    if (rc)
        return rc;
    *back = (struct atb_backing){ (uint64_t)makedev(v.dev_major, v.dev_minor), v.inode, 0, 0 };
    return v.page_size == PG_2M;
}

/* The card pins a segment's pages when it registers it; here they are faulted
 * in, so that each one exists before any DMA can reach it. A read fault on a
 * shared huge-page mapping allocates the page as a write fault does, so a
 * read-only attach is populated for reading. Pages the pool cannot supply
 * (SHM_NORESERVE) end the attach with ENOMEM: "not enough memory on the VH
 * side", as NEC documents the attach's ENOMEM. The pages faulted in before
 * that belong to the segment (it frees them when it is removed), not to this
 * process. */
static int populate(void *a, uint64_t segsz, int rdonly)
{
    size_t len = (size_t)((segsz + PG_2M - 1) & ~(PG_2M - 1));
    int r;
    do
        r = madvise(a, len, rdonly ? MADV_POPULATE_READ : MADV_POPULATE_WRITE);
    while (r && errno == EINTR);
    if (r == 0 || errno == EINVAL) /* EINVAL: a kernel before 5.14, no such advice */
        return 0;
    return -ENOMEM; /* EFAULT (no huge page to be had), ENOMEM, EHWPOISON */
}

int vhshm_at(int64_t shmid, uint64_t shmaddr, int64_t flag, void **addr_out, uint64_t *vehva_out)
{
    struct shmid_ds ds;
    struct attach *rec;
    struct atb_backing back = { 0, 0, 0, 0 };
    uint64_t vehva;
    void *a;
    int rc, err;

    if (!rashm_rt.up)
        return -ESHUTDOWN; /* shut down after the caller's rt_ensure */
    if (shmaddr)
        return -EINVAL;
    if (flag & (SHM_EXEC | SHM_REMAP | SHM_RND))
        return -EINVAL;
    if ((err = rt_fault("shmat")))
        return -err;
    a = shmat((int)shmid, NULL, (int)flag);
    if (a == (void *)-1)
        return -errno; /* EINVAL bad id, EACCES, EIDRM, ENOMEM */
    if (rt_fault("shmat_stat") || shmctl((int)shmid, IPC_STAT, &ds) < 0) {
        rc = -ECANCELED;
        goto detach;
    }
    if ((err = rt_fault("ived"))) {
        rc = -err;
        goto detach;
    }
    rc = map_files_2m(a, ds.shm_segsz, &back);
    if (rc < 0)
        rc = backed_by_2m(a, &back);
    if (rc <= 0 || (!back.dev && !back.ino)) {
        rc = rc < 0 ? rc : -EFAULT;
        goto detach;
    }
    if ((rc = populate(a, ds.shm_segsz, (flag & SHM_RDONLY) != 0)))
        goto detach;
    rc = dmaatb_register(rashm_rt.atb, a, ds.shm_segsz, PG_2M, ATB_VHSHM,
                         (flag & SHM_RDONLY) != 0, &back, &vehva);
    if (rc)
        goto detach;
    if (!vehva_out) { /* NEC: writing the VEHVA back failed */
        rc = -EFAULT;
        goto unregister;
    }
    rec = malloc(sizeof *rec);
    if (!rec) {
        rc = -ENOMEM;
        goto unregister;
    }
    rec->addr = a;
    rec->vehva = vehva;
    rec->next = attached;
    attached = rec;
    *vehva_out = vehva;
    *addr_out = a;
    return 0;

unregister:
    dmaatb_unregister(rashm_rt.atb, vehva, ATB_VHSHM);
detach:
    shmdt(a);
    return rc;
}

int vhshm_dt(uint64_t shmaddr)
{
    struct attach **pp, *rec;
    int rc;
    if (!rashm_rt.up)
        return -ESHUTDOWN;
    for (pp = &attached; *pp; pp = &(*pp)->next)
        if ((uint64_t)(*pp)->addr == shmaddr)
            break;
    rec = *pp;
    if (!rec || !shmaddr)
        return -EINVAL; /* NULL, unaligned, unknown or already detached */
    if (rt_fault("shmdt"))
        return -ECANCELED;
    /* The DMAATB waits for a copy in progress on this segment before it
     * drops the entry; DMAs still queued for it complete with "missing page". */
    rc = dmaatb_unregister(rashm_rt.atb, rec->vehva, ATB_VHSHM);
    if (rc)
        return -ECANCELED;
    shmdt(rec->addr); /* its result is ignored, as in VEOS */
    *pp = rec->next;
    free(rec);
    return 0;
}

/* Shutdown: the engine is stopped already. */
void vhshm_detach_all(void)
{
    while (attached) {
        struct attach *rec = attached;
        attached = rec->next;
        dmaatb_unregister(rashm_rt.atb, rec->vehva, ATB_VHSHM);
        shmdt(rec->addr);
        free(rec);
    }
}
