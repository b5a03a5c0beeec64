/* VH side of VH-VE SHM (<veo_vhveshm.h>): each call runs its VE-side
 * counterpart in the VE process (rpc.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>

#include "veo_internal.h"
#include "veo_vhveshm.h"

VEO_API int veo_shmget(struct veo_proc_handle *h, key_t key, size_t size, int shmflag)
{
    int64_t args[3] = { key, (int64_t)size, shmflag };
    int64_t r = veo_i_rpc(h, RVE_RPC_SHMGET, args, NULL);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return (int)r;
}

VEO_API void *veo_shmat(struct veo_proc_handle *h, int shmid, const void *shmaddr, int shmflag,
                        void **vehva)
{
    int64_t args[3] = { shmid, (int64_t)(uintptr_t)shmaddr, shmflag };
    /* The OUT slot comes back (zero-filled, as in AVEO) whenever the call ran
     * on the VE, also when the attach failed there; UINT64_MAX marks "it
     * never ran", which leaves *vehva alone. */
    uint64_t v = UINT64_MAX;
    int64_t r;

    if (!vehva) { /* checked on the VH before any call, as in AVEO */
        errno = EFAULT;
        return (void *)-1;
    }
    r = veo_i_rpc(h, RVE_RPC_SHMAT, args, &v);
    if (r < 0) {
        if (v != UINT64_MAX)
            *vehva = (void *)(uintptr_t)v;
        errno = (int)-r;
        return (void *)-1;
    }
    *vehva = (void *)(uintptr_t)v;
    return (void *)(uintptr_t)r;
}

VEO_API int veo_shmdt(struct veo_proc_handle *h, const void *shmaddr)
{
    int64_t args[1] = { (int64_t)(uintptr_t)shmaddr };
    int64_t r = veo_i_rpc(h, RVE_RPC_SHMDT, args, NULL);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return 0;
}
