/* Calls of the VE-side runtime (librashm-ve) from librashm-veo; shared by
 * vhveshm.c and vedma.c. */
#ifndef RASHM_VEO_VHVESHM_RPC_H
#define RASHM_VEO_VHVESHM_RPC_H

#include <stddef.h>
#include <stdint.h>

enum {
    RPC_SHMGET,
    RPC_SHMAT,
    RPC_SHMDT,
    RPC_DMA_POST,
    RPC_DMA_POLL,
    RPC_DMA_POST_WAIT,
    RPC_REGISTER,
    RPC_UNREGISTER,
    RPC_NFUNCS
};

struct veo_proc_handle;

/* Runs rashm_ve_rpc_<which>(args[0..nargs), [out]) on h's main context.
 * Returns the VE function's value (>= 0 or -errno), or -EINVAL (h NULL),
 * -ENOTSUP (runtime library or symbol not loadable), -EBUSY (the call failed).
 * out (outlen bytes), when given, is passed as a VEO_INTENT_OUT stack
 * argument after the others. */
int64_t rashm_veo_rpc(struct veo_proc_handle *h, int which, int nargs, const int64_t *args,
                      void *out, size_t outlen);

#endif
