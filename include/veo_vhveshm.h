/* <veo_vhveshm.h>: VH-VE SHM for VEO programs (VH side), as in NEC AVEO.
 *
 * A low-level API for upper-layer software: attach a huge-page System V
 * segment of the VH to a VE process and register it in that process's DMAATB,
 * so VE code can DMA to and from it through a VEHVA. Include <ve_offload.h>
 * first. Each call runs the VE-side vh_shm* (<vhshm.h>) inside the VE process
 * (the rashm-ve helper), which loads librashm-ve for it.
 *
 * Errors (-1 / (void *)-1 with errno), checked in this order:
 * veo_shmget:
 *   ENOTSUP  the VE-side runtime library could not be loaded, or its symbol
 *            not found ($RASHM_VE_RUNTIME_LIB, default librashm-ve.so next to
 *            this library)
 *   EBUSY    the call could not be run in the VE process or its result not
 *            collected (dead VE process, main context gone)
 *   EINVAL   key == IPC_PRIVATE; SHM_HUGETLB missing; SHM_NORESERVE, IPC_EXCL
 *            or IPC_CREAT given; a segment with this key is smaller than size
 *   EACCES   the access mode bits of shmflag are not granted to the VE process
 *   ENOENT   no segment has this key
 *   A smaller size than the segment's is fine: the whole segment is used.
 * veo_shmat: returns the VE process's attach address (an opaque token, not a
 * VH pointer) and stores the VEHVA in *vehva.
 *   EFAULT   vehva == NULL (before anything else)
 *   ENOTSUP, EBUSY as above
 *   EINVAL   shmaddr != NULL; SHM_EXEC, SHM_REMAP or SHM_RND in shmflag;
 *            shmid invalid
 *   EACCES   no permission for the requested attach (read/write, or read
 *            with SHM_RDONLY)
 *   EIDRM    shmid names a removed identifier
 *   ECANCELED resource information could not be updated
 *   ENOTSUP  VEOS not connected to IVED (only by fault injection here)
 *   EFAULT   the segment is not backed by 2 MiB huge pages
 *   ENOMEM   no DMAATB space left (or no memory in the VE process)
 *   SHM_RDONLY makes the DMAATB entry read-only: a DMA writing into it
 *   completes with exception bit 0x8000.
 * veo_shmdt:
 *   ENOTSUP, EBUSY as above
 *   EINVAL   shmaddr is not an address returned by veo_shmat on this process
 *            (NULL, not page aligned, unknown or already detached)
 *   ECANCELED the DMAATB entry could not be released
 * A NULL process handle gives EINVAL (AVEO would crash).
 */
#ifndef RASHM_VEO_VHVESHM_H
#define RASHM_VEO_VHVESHM_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#ifdef __cplusplus
extern "C" {
#endif

struct veo_proc_handle;

int veo_shmget(struct veo_proc_handle *h, key_t key, size_t size, int shmflag);
void *veo_shmat(struct veo_proc_handle *h, int shmid, const void *shmaddr,
                int shmflag, void **vehva);
int veo_shmdt(struct veo_proc_handle *h, const void *shmaddr);

#ifdef __cplusplus
}
#endif
#endif
