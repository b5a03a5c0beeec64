/* Public VE-side API (<vhshm.h>, <vedma.h>). Internal functions return
 * 0/-errno; the conversion to NEC's conventions happens here only. Some
 * calls share their body with the RPC entry point of the same name (rpc.c). */
#define _GNU_SOURCE
#include <errno.h>

#include "rt.h"
#include "rve_proto.h"
#include "vedma.h"
#include "vhshm.h"

/* ---- <vhshm.h> ----------------------------------------------------------- */

RASHM_VE_API int vh_shmget(key_t key, size_t size, int shmflag)
{
    int rc = (int)rashm_ve_rpc_shmget(key, size, shmflag);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return rc;
}

RASHM_VE_API void *vh_shmat(int shmid, const void *shmaddr, int shmflag, void **vehva)
{
    uint64_t v = 0;
    int64_t r = rashm_ve_rpc_shmat(shmid, (uint64_t)shmaddr, shmflag, vehva ? &v : NULL);
    if (r < 0) {
        errno = (int)-r;
        return (void *)-1;
    }
    *vehva = (void *)v;
    return (void *)r;
}

RASHM_VE_API int vh_shmdt(const void *shmaddr)
{
    int rc = (int)rashm_ve_rpc_shmdt((uint64_t)shmaddr);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

/* ---- <vedma.h> ----------------------------------------------------------- */

RASHM_VE_API int ve_dma_init(void)
{
    int rc = rt_ensure();
    if (rc) {
        errno = -rc;
        return -1;
    }
    return 0;
}

RASHM_VE_API int ve_dma_post(uint64_t dst, uint64_t src, int size, ve_dma_handle_t *handle)
{
    int rc;
    if (!handle)
        return -EFAULT;
    if ((rc = rt_ensure()))
        return rc;
    int64_t r = rt_ops()->dma_post(dst, src, size, handle);
    return r < 0 ? (int)r : 0;
}

RASHM_VE_API int ve_dma_poll(ve_dma_handle_t *handle)
{
    int st, rc;
    if (!handle)
        return -EFAULT;
    st = __atomic_load_n(&handle->status, __ATOMIC_ACQUIRE);
    if (st != -1)
        return st;
    if ((rc = rt_ensure()))
        return rc;
    return rt_ops()->slot_poll(handle->index);
}

RASHM_VE_API int ve_dma_wait(ve_dma_handle_t *handle)
{
    int rc;
    if (!handle)
        return -EFAULT;
    if ((rc = rt_ensure()))
        return rc;
    return rt_ops()->slot_wait(handle->index, handle);
}

RASHM_VE_API int ve_dma_post_wait(uint64_t dst, uint64_t src, int size)
{
    return (int)rashm_ve_rpc_dma_post_wait(dst, src, size);
}

RASHM_VE_API void ve_dma_read_ctrl_reg(uint64_t *regs)
{
    if (!regs)
        return;
    if (rt_ensure() || rt_ops()->read_regs(regs) < 0)
        regs[0] = regs[1] = regs[2] = regs[3] = 0;
}

RASHM_VE_API uint64_t ve_register_mem_to_dmaatb(void *vemva, size_t size)
{
    int64_t r = rashm_ve_rpc_register((uint64_t)vemva, size);
    if (r < 0) {
        errno = (int)-r;
        return (uint64_t)-1;
    }
    return (uint64_t)r;
}

RASHM_VE_API int ve_unregister_mem_from_dmaatb(uint64_t vehva)
{
    int64_t r = rashm_ve_rpc_unregister(vehva);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return 0;
}
