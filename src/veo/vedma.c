/* VE DMA driven from the VH (<veo_vedma.h>), as AVEO's veo_dma_* and
 * veo_(un)register_mem_to_dmaatb: each runs its VE-side counterpart in the VE
 * process (rpc.c). The VH handle is kept on the VH:
 * the VE side records no pointer to it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "dev.h"
#include "veo_internal.h"
#include "veo_vedma.h"

VEO_API int veo_dma_post(struct veo_proc_handle *h, uint64_t dst, uint64_t src, int size,
                         ve_dma_handle_t *handle)
{
    int64_t args[3] = { (int64_t)dst, (int64_t)src, size };
    int64_t r;
    if (!handle)
        return -EFAULT;
    r = veo_i_rpc(h, RVE_RPC_DMA_POST, args, NULL);
    if (r < 0)
        return (int)r;
    handle->status = -1;
    handle->index = (int)r;
    return 0;
}

VEO_API int veo_dma_poll(struct veo_proc_handle *h, ve_dma_handle_t *handle)
{
    int64_t args[1];
    if (!handle)
        return -EFAULT;
    if (handle->status != -1)
        return handle->status;
    args[0] = handle->index;
    return (int)veo_i_rpc(h, RVE_RPC_DMA_POLL, args, NULL);
}

VEO_API int veo_dma_post_wait(struct veo_proc_handle *h, uint64_t dst, uint64_t src, int size)
{
    int64_t args[3] = { (int64_t)dst, (int64_t)src, size };
    return (int)veo_i_rpc(h, RVE_RPC_DMA_POST_WAIT, args, NULL);
}

/* Registration goes through the device seam (src/dev), which records on the
 * VH side what this process registered; the DMAATB itself is in the helper
 * (dev_ve.c). */
VEO_API uint64_t veo_register_mem_to_dmaatb(void *hmem, size_t size)
{
    struct veo_proc_handle *h;
    struct rashm_dev *dev;
    uint64_t vehva;
    int rc;

    /* AVEO crashes on a pointer that is not hmem; here it is EINVAL. */
    if (!veo_is_ve_addr(hmem) || !(h = veo_get_proc_handle_from_hmem(hmem))) {
        errno = EINVAL;
        return (uint64_t)-1;
    }
    struct rashm_dev_range r = {RASHM_DEV_DEVICE, (uint64_t)(uintptr_t)veo_get_hmem_addr(hmem),
                                size};
    rc = veo_i_dev(h, &dev);
    if (rc == 0)
        rc = rashm_dev_register(dev, &r, &vehva, NULL);
    if (rc < 0) {
        errno = -rc;
        return (uint64_t)-1;
    }
    return vehva;
}

VEO_API int veo_unregister_mem_from_dmaatb(struct veo_proc_handle *h, uint64_t vehva)
{
    struct rashm_dev *dev;
    int rc = veo_i_dev(h, &dev);
    if (rc == 0)
        rc = rashm_dev_unregister(dev, vehva);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

/* On a card this reads the PCI receiver-side synchronization register of
 * every context, so that VH stores already sent over PCIe have reached VE
 * memory. Here the VH's copies into VE memory are complete when the copying
 * call returns (shared mapping or process_vm_writev), so only a full
 * fence remains. */
VEO_API void veo_access_pcircvsyc_register(struct veo_proc_handle *h)
{
    (void)h;
    atomic_thread_fence(memory_order_seq_cst);
}
