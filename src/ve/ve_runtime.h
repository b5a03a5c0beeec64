/* Internal interface between the software VE's pieces (not installed).
 *
 *  - The rashm-ve helper (src/ve/helper) links librashm-ve (src/ve/runtime).
 *    It splits into a device process and a VE process (device.c there):
 *    the device process owns the runtime's state (rashm_ve_device_serve,
 *    which runs rashm_ve_runtime_init) and calls rashm_ve_runtime_shutdown()
 *    before it exits; the VE process makes librashm-ve a client of it
 *    (rashm_ve_runtime_client) before any VE code is loaded.
 *  - VE libraries dlopen'ed into the VE process link librashm-ve too, so
 *    every VE library shares ONE client, and through it the device's ONE
 *    DMAATB, DMA descriptor ring and engine thread per VE process.
 *  - A program that links librashm-ve and calls none of the split hooks
 *    (the in-process tests) runs everything in its own process.
 *  - What librashm-veo calls in the VE process (the rashm_ve_rpc_* entry
 *    points) is part of the VH-VE contract: src/proto/rve_proto.h.
 *
 * The hooks are exported from librashm-ve (the helper is a separate
 * executable) but belong to no public header; librashm-ve.map lists them.
 */
#ifndef RASHM_VE_RUNTIME_H
#define RASHM_VE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* The helper's worker thread tells the runtime where its context's result
 * history is (struct rve_hist of src/proto/rve_proto.h, in the request
 * ring), so that VE code running on it can ask for the results of the
 * requests before its own (veo_prev_req_result). */
struct rve_hist;
void rashm_ve_runtime_history(struct rve_hist *h);

/* ---- the split software VE (src/ve/helper/device.c) ----------------------
 * The helper calls rashm_ve_device_prepare() once before it forks the VE
 * process: it maps the request area the two processes then share. After the
 * fork, the device process calls rashm_ve_device_serve() (runtime init as
 * above for `venode`, plus: `ve` is the VE process, VE memory is the memfd
 * mem_fd mapped at [mem_base, +mem_size) in both, waiters spin spin_us)
 * and the VE process calls rashm_ve_runtime_client(), which makes every
 * call of this library in the VE process a request to the device process
 * and returns the device's start-up result (0 or -errno). */
int rashm_ve_device_prepare(void);
int rashm_ve_device_serve(int venode, pid_t ve, uint64_t mem_base, uint64_t mem_size,
                          int mem_fd, uint32_t spin_us);
int rashm_ve_runtime_client(void);

/* Reads (write = 0) or writes n bytes at a VEHVA through the DMAATB, as a
 * small DMA to or from buf (in the VE process: through the device process,
 * 64 bytes per request). For VE-side host-memory loads and stores.
 * Returns 0, the DMA exception bits (> 0: 0x4000 no registration, 0x2000
 * outside the VEHVA regions or past the registration's end, 0x8000 a write
 * into a read-only registration, 0x1000 a page that cannot be had) with
 * nothing transferred, or -errno. */
int rashm_ve_vehva_access(uint64_t vehva, void *buf, size_t n, int write);

#ifdef __cplusplus
}
#endif
#endif
