/* <veo_veshm.h>: VE-VE shared memory (VESHM) for VEO programs (VH side),
 * with the names, types and return conventions of NEC AVEO. A low-level API
 * for upper-layer software. Include <ve_offload.h> too.
 *
 * The owner (a VE process) opens an area of its VE memory, given as an hmem
 * pointer (veo_alloc_hmem); another VE process of the same VH process
 * attaches it with the owner's pid (veo_get_pid_from_hmem) and the same
 * (address, size, syncnum, flags); it then shares the owner's pages: a store
 * by either side is seen by the other. An area is known by (owner, vemva,
 * size, syncnum, VE_SHM_RO/VE_PCISYNC/VE_REGISTER_PCI).
 *
 * int veo_shared_mem_open(void *hmem, size_t size, int syncnum, long long mode);
 *   mode: exactly one of VE_REGISTER_NONE, VE_REGISTER_PCI; optionally
 *   VE_SHM_RO (attachers may only read), VE_PCISYNC (with VE_REGISTER_PCI,
 *   syncnum 0..3). Opening the same area again counts (close once each).
 *   0, or -1 with errno, in this order:
 *   EINVAL   hmem is not an hmem pointer of a live process handle
 *   ENOTSUP  the VE-side runtime could not be loaded or resolved
 *   EBUSY    the VE process cannot run the request (dead, main context gone)
 *   EINVAL   bad mode combination; syncnum out of range; hmem's address 0,
 *            size 0; not aligned (2 MiB with VE_REGISTER_NONE, 64 MiB with
 *            VE_REGISTER_PCI, address and size); not inside VE memory or
 *            not mapped in the VE process
 *   ENOMEM   the range is not one piece of VE memory
 *   EACCES   the range is not writable in the VE process
 * int veo_shared_mem_close(void *hmem, size_t size, int syncnum, long long mode);
 *   Drops one open; at the last, no new attach finds the area (existing
 *   attachments keep sharing until they detach). Errors: as open (EINVAL,
 *   ENOTSUP, EBUSY), then EINVAL for a bad mode or an area not open.
 * void *veo_shared_mem_attach(struct veo_proc_handle *h, pid_t pid, void *hmem,
 *                             size_t size, int syncnum, long long mode);
 *   mode: exactly one of VE_REGISTER_VEMVA, VE_REGISTER_VEHVA, VE_MEM_LOCAL,
 *   plus, for the first two, the open's VE_REGISTER_NONE/VE_REGISTER_PCI,
 *   VE_SHM_RO, VE_PCISYNC. VE_REGISTER_VEMVA maps the area into h's VE
 *   memory and returns that address as an hmem pointer of h (usable with
 *   veo_hmemcpy, veo_read_mem after veo_get_hmem_addr, and by VE code);
 *   attaching the same area again returns the same address and counts.
 *   VE_REGISTER_VEHVA (owner on another VE node, area opened with
 *   VE_REGISTER_PCI) registers the area in h's DMAATB and returns its VEHVA
 *   (for DMA and host-memory loads and stores of h's VE code; counted the
 *   same way). VE_MEM_LOCAL registers h's own memory in h's DMAATB and
 *   returns the VEHVA (as veo_register_mem_to_dmaatb). (void *)-1 with errno:
 *   EINVAL   h NULL
 *   ENOTSUP, EBUSY as above (for h)
 *   EINVAL   bad mode combination; VE_MEM_LOCAL with another process's pid,
 *            VE_REGISTER_VEMVA/VEHVA with h's own pid; VE_REGISTER_VEHVA
 *            for an owner on the same VE node; VE_REGISTER_VEMVA for an
 *            owner on another VE node; no open area matches (or it was
 *            closed); alignment as for open
 *   ESRCH    pid is not a VE process of this VH process
 *   EACCES   the owner runs as another user
 *   ENOMEM   no room for the area in h's VE memory or DMAATB
 * int veo_shared_mem_detach(struct veo_proc_handle *h, void *addr, long long mode);
 *   mode: exactly one of VE_REGISTER_VEMVA (addr: the hmem pointer attach
 *   returned), VE_REGISTER_VEHVA, VE_MEM_LOCAL (addr: the VEHVA). The last
 *   VE_REGISTER_VEMVA detach gives h's own memory back at that address, the
 *   last VE_REGISTER_VEHVA one drops the DMAATB entry. 0, or -1 with errno:
 *   EINVAL (h NULL; bad mode; addr not attached that way), ENOTSUP, EBUSY.
 *
 * A store by VE code of the attacher into a VE_SHM_RO area is a memory
 * protection fault: the call ends with VEO_COMMAND_EXCEPTION. */
#ifndef RASHM_VEO_VESHM_H
#define RASHM_VEO_VESHM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ve_offload.h"
#include "veo_veshm_defs.h"

#ifdef __cplusplus
extern "C" {
#endif

int veo_shared_mem_open(void *vemva, size_t size, int syncnum, long long mode_flag);
int veo_shared_mem_close(void *vemva, size_t size, int syncnum, long long mode_flag);
void *veo_shared_mem_attach(struct veo_proc_handle *h, pid_t pid, void *veshm_vemva,
                            size_t size, int syncnum, long long mode_flag);
int veo_shared_mem_detach(struct veo_proc_handle *h, void *veshm_addr, long long mode_flag);

#ifdef __cplusplus
}
#endif
#endif
