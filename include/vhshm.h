/* <vhshm.h>: VH-VE SHM on the software Vector Engine (VE side).
 *
 * Same names and semantics as NEC's libsysve vhshm. The VE process (the
 * rashm-ve helper) itself attaches the System V segment of the VH, so its
 * shm_nattch rises, and registers the WHOLE segment (shm_segsz) in the
 * DMAATB, 2 MiB-page region 0x88_0000_0000..0x8f_ffff_ffff. The returned
 * address is the VE process's attach address: an opaque token for
 * vh_shmdt(); VE code reaches the segment through the VEHVA, by DMA.
 *
 * Checks, in this order, each failing with -1 / (void *)-1 and errno:
 * vh_shmget: EINVAL key == IPC_PRIVATE; EINVAL SHM_HUGETLB missing; EINVAL
 *   SHM_NORESERVE, IPC_EXCL or IPC_CREAT given; then shmget(2)'s own errno
 *   (ENOENT no such key, EINVAL size larger than the segment, EACCES the mode
 *   bits in shmflag ask for access the caller lacks). A size smaller than the
 *   segment is fine: the whole segment is used.
 * vh_shmat: EINVAL shmaddr != NULL; EINVAL SHM_EXEC, SHM_REMAP or SHM_RND;
 *   then shmat(2)'s errno (EINVAL bad shmid, EACCES, EIDRM, ENOMEM); ECANCELED
 *   IPC_STAT failed; ENOTSUP VEOS not connected to IVED (fault injection
 *   only); EFAULT segment not backed by 2 MiB huge pages; ENOMEM no DMAATB
 *   space; EFAULT vehva NULL. SHM_RDONLY makes the DMAATB entry read-only.
 *   A segment already marked for removal can still be attached (Linux rule).
 * vh_shmdt: EINVAL no segment attached by vh_shmat at shmaddr (NULL, not
 *   page aligned, or unknown); ECANCELED releasing the DMAATB entry failed
 *   (fault injection only). The segment is detached and its entry released.
 */
#ifndef RASHM_VHSHM_H
#define RASHM_VHSHM_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#ifdef __cplusplus
extern "C" {
#endif

int vh_shmget(key_t key, size_t size, int shmflag);
void *vh_shmat(int shmid, const void *shmaddr, int shmflag, void **vehva);
int vh_shmdt(const void *shmaddr);

#ifdef __cplusplus
}
#endif
#endif
