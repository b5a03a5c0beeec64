/* <veo_vedma.h>: VE DMA driven from the VH, as in NEC AVEO.
 *
 * Include <ve_offload.h> first. Each call runs the matching VE-side call of
 * <vedma.h> inside the VE process (on its main context), so the DMA is
 * executed by that VE process's DMA engine, between two VEHVAs (VH-VE SHM
 * segments from veo_shmat, VE memory from veo_register_mem_to_dmaatb).
 * Transfer rules, completion values and exception bits: see <vedma.h>.
 *
 * Return values (negative errno for the wrapper's own failures):
 * veo_dma_post: 0 and *handle = {-1, slot}; -EAGAIN ring slot busy; -EINVAL
 *   transfer rules broken; -EFAULT handle NULL; -EINVAL h NULL; -ENOTSUP
 *   runtime library/symbol not loadable; -EBUSY the call failed in the VE.
 * veo_dma_poll: 0 or exception bits when complete, -EAGAIN while running;
 *   -EFAULT, -EINVAL, -ENOTSUP, -EBUSY as above. A handle must be polled
 *   before VE_DMA_NDESC (128) later posts reuse its slot.
 * veo_dma_post_wait: 0, exception bits, or a negative errno as above.
 * veo_register_mem_to_dmaatb(hmem, size): hmem is a pointer from
 *   veo_alloc_hmem (possibly offset into that allocation); registers the VE
 *   memory it names. The VEHVA, or (uint64_t)-1 with errno: EINVAL not an
 *   hmem pointer of a live VE process, or the VE-side checks (alignment to
 *   2 MiB / 64 MiB, see ve_register_mem_to_dmaatb); EACCES; ENOMEM; ENOTSUP;
 *   EBUSY.
 * veo_unregister_mem_from_dmaatb: 0, or -1 with errno EINVAL (unknown VEHVA
 *   or h NULL), ENOTSUP, EBUSY.
 */
#ifndef RASHM_VEO_VEDMA_H
#define RASHM_VEO_VEDMA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef RASHM_VE_DMA_HANDLE_DEFINED
#define RASHM_VE_DMA_HANDLE_DEFINED
/* status: -1 while not known to be complete; index: descriptor ring slot. */
typedef struct ve_dma_handle {
    int status;
    int index;
} ve_dma_handle_t;
#endif

struct veo_proc_handle;

int veo_dma_post(struct veo_proc_handle *h, uint64_t dst, uint64_t src,
                 int size, ve_dma_handle_t *handle);
int veo_dma_poll(struct veo_proc_handle *h, ve_dma_handle_t *handle);
int veo_dma_post_wait(struct veo_proc_handle *h, uint64_t dst, uint64_t src,
                      int size);
uint64_t veo_register_mem_to_dmaatb(void *hmem, size_t size);
int veo_unregister_mem_from_dmaatb(struct veo_proc_handle *h, uint64_t vehva);
/* AVEO: waits until the VH's stores sent to the VE have landed in VE memory.
 * The software VE's copies are complete when they return: a memory fence. */
void veo_access_pcircvsyc_register(struct veo_proc_handle *h);

#ifdef __cplusplus
}
#endif
#endif
