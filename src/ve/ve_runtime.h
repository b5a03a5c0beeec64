/* Internal interface between the software VE's pieces (not installed).
 *
 *  - The rashm-ve helper (src/ve/helper) links librashm-ve (src/ve/runtime)
 *    and calls the two hooks below: rashm_ve_runtime_init() once at start-up,
 *    before it runs any request, and rashm_ve_runtime_shutdown() once before
 *    it exits (normally or because its VH process died).
 *  - VE libraries dlopen'ed into the helper link librashm-ve too, so the
 *    helper and every VE library share ONE instance of the runtime state:
 *    one DMAATB, one DMA descriptor ring and one engine thread per VE process.
 *  - librashm-veo (src/veo) calls the rashm_ve_rpc_* entry points in the VE
 *    process through veo_load_library/veo_get_sym/veo_call_sync, exactly as
 *    AVEO calls libveohmem/libveio; the prototypes here document their ABI.
 *
 * These names are stable: code outside this library resolves them by name.
 */
#ifndef RASHM_VE_RUNTIME_H
#define RASHM_VE_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Brings the runtime up for VE node `venode` (>= 0): reads the RASHM_VE_*
 * configuration from the environment (DMAATB size, fault injection), builds
 * the DMAATB and starts the DMA engine thread. Idempotent: a second call
 * returns 0 and changes nothing. Returns 0 or -errno. VE-side API calls made
 * before it run an implicit init with venode 0. */
int rashm_ve_runtime_init(int venode);

/* Tears everything down: stops the engine (after the descriptor it is
 * executing, if any), unregisters every DMAATB entry and detaches every
 * VH-VE SHM segment this process attached. Safe to call more than once and
 * without a prior init. After it, rashm_ve_runtime_init may be called again. */
void rashm_ve_runtime_shutdown(void);

/* Called first by the helper's SIGSEGV/SIGBUS handler. When the fault hit
 * the DMA engine while it copies (VE code unmapped or protected memory it
 * had registered: the card pins registered pages, a process cannot), it does
 * not return: the engine abandons that copy and completes the descriptor
 * with the memory-access exception bit. Otherwise it returns and the helper
 * treats the fault as an exception of VE code. */
void rashm_ve_runtime_on_fault(int sig);

/* ---- RPC entry points, called from the VH side (librashm-veo) ----------
 * Every one takes and returns 64-bit integers (set them with
 * veo_args_set_i64/u64) and returns a value >= 0 on success or -errno, so the
 * errno crosses the process boundary. Symbol names are the strings below. */
#define RASHM_VE_RUNTIME_LIBNAME "librashm-ve.so"

/* shmid or -errno */
int64_t rashm_ve_rpc_shmget(int64_t key, uint64_t size, int64_t shmflag);
/* attach address (opaque token) or -errno; *vehva_out (a VEO_INTENT_OUT stack
 * argument of 8 bytes) receives the VEHVA on success, 0 otherwise. */
int64_t rashm_ve_rpc_shmat(int64_t shmid, uint64_t shmaddr, int64_t shmflag, uint64_t *vehva_out);
/* 0 or -errno */
int64_t rashm_ve_rpc_shmdt(uint64_t shmaddr);
/* ring index (>= 0) or -EAGAIN / -EINVAL */
int64_t rashm_ve_rpc_dma_post(uint64_t dst, uint64_t src, int64_t size);
/* 0, -EAGAIN or the exception bits of the DMA posted in ring slot `index` */
int64_t rashm_ve_rpc_dma_poll(int64_t index);
/* 0, exception bits, or -EINVAL */
int64_t rashm_ve_rpc_dma_post_wait(uint64_t dst, uint64_t src, int64_t size);
/* VEHVA or -errno */
int64_t rashm_ve_rpc_register(uint64_t vemva, uint64_t size);
/* 0 or -errno */
int64_t rashm_ve_rpc_unregister(uint64_t vehva);

/* ---- VH-side hook (implemented in librashm-veo, src/veo/vhveshm.c) ------
 * veo_proc_destroy() must call this before it frees `h`: it drops the cached
 * runtime library handle and symbol addresses kept for that process, so a
 * later process handle at the same address does not reuse them. */
struct veo_proc_handle;
void rashm_veo_runtime_forget(struct veo_proc_handle *h);

#ifdef __cplusplus
}
#endif
#endif
