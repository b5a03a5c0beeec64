/* <ve_offload.h>: the VH side of NEC VEO (Vector Engine Offloading), API
 * version 16, implemented by rashm on a software Vector Engine.
 *
 * Names, types, constants and return conventions are those of NEC's current
 * VEO (AVEO), so a VEO program compiles unchanged. Differences that a program
 * can observe are listed in docs/veo.md; the contract of each call is below.
 *
 * Link with `pkg-config --cflags --libs rashm-veo` or with a plain -lveo.
 *
 * Model: a "VE process" is a separate OS process (rashm-ve) started by
 * veo_proc_create(). It owns the VE memory (addresses that are not valid VH
 * pointers), loads "VE libraries" (x86 shared objects) and runs each context
 * as a thread that executes its requests strictly in submission order.
 */
#ifndef RASHM_VE_OFFLOAD_H
#define RASHM_VE_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include "veo_hmem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VEO_API_VERSION 16
#define VEO_SYMNAME_LEN_MAX (255)       /* longer names: ENAMETOOLONG */
#define VEO_LOG_CATEGORY "veos.veo.veo"
#define VEO_MAX_NUM_ARGS (256)          /* argument indices 0 .. 255 */
#define VEO_REQUEST_ID_INVALID (~0UL)

enum veo_context_state {
    VEO_STATE_UNKNOWN = 0,
    VEO_STATE_RUNNING,
    VEO_STATE_SYSCALL, /* never reported (as in AVEO) */
    VEO_STATE_BLOCKED, /* never reported (as in AVEO) */
    VEO_STATE_EXIT,    /* closed, VE process gone, or an exception hit it */
};

enum veo_command_state {
    VEO_COMMAND_OK = 0,     /* finished; the result is the function's value */
    VEO_COMMAND_EXCEPTION,  /* the VE code raised a signal (SEGV, BUS, FPE, ILL) */
    VEO_COMMAND_ERROR,      /* not run, unknown id, or already collected */
    VEO_COMMAND_UNFINISHED, /* veo_call_peek_result only: still queued/running */
};

enum veo_queue_state {
    VEO_QUEUE_READY = 0,
    VEO_QUEUE_CLOSED,
};

enum veo_args_intent {
    VEO_INTENT_IN = 0, /* copied to VE memory before the call */
    VEO_INTENT_INOUT,  /* copied in, and back when the result is collected */
    VEO_INTENT_OUT,    /* starts zero-filled, copied back when collected */
};

struct veo_args;
struct veo_proc_handle;
struct veo_thr_ctxt;
struct veo_thr_ctxt_attr;

/* ---- VE processes --------------------------------------------------------
 * veo_proc_create(venode): start a VE process on VE node `venode`
 * (0 .. RASHM_VE_NODES-1; -1 means $VE_NODE_NUMBER, or 0 when unset).
 * Returns NULL with errno on failure (EINVAL bad node, ENOENT helper not
 * found, EAGAIN more than VEO_MAX_HMEM_PROCS processes, or the helper's
 * start-up error). The helper program is $RASHM_VE_HELPER, else the rashm-ve
 * installed in <libexecdir>/rashm, found relative to this library's own
 * location (so under any install prefix).
 * veo_proc_create_static(venode, helper): same, with an explicit helper path
 * (NULL: as veo_proc_create).
 * veo_proc_destroy: stops the VE process (pending requests are dropped) and
 * frees the handle. Returns 0 (also when the VE process had already died);
 * -1 for a NULL handle.
 * veo_proc_identifier: the process's hmem identifier 0..15, or -1. */
struct veo_proc_handle *veo_proc_create(int venode);
struct veo_proc_handle *veo_proc_create_static(int venode, char *veorun);
int veo_proc_destroy(struct veo_proc_handle *h);
int veo_proc_identifier(struct veo_proc_handle *h);

/* ---- VE libraries and symbols --------------------------------------------
 * veo_load_library: dlopen(name, RTLD_NOW|RTLD_GLOBAL) in the VE process.
 * Returns a non-zero handle, or 0 on failure.
 * veo_unload_library: 0, or -1 (unknown handle, dlclose failure, dead VE).
 * veo_get_sym: the VE address of `symname` in library `libhdl`, or 0; with
 * libhdl == 0 every library loaded in the VE process is searched. */
uint64_t veo_load_library(struct veo_proc_handle *h, const char *libname);
int veo_unload_library(struct veo_proc_handle *h, const uint64_t libhdl);
uint64_t veo_get_sym(struct veo_proc_handle *h, uint64_t libhdl,
                     const char *symname);

/* ---- VE memory -----------------------------------------------------------
 * veo_alloc_mem: 0 and *addr = a VE address; -1 when the VE node's memory
 * (RASHM_VE_MEM_SIZE) has no room or size is 0; -2 when the VE process is
 * gone. veo_free_mem: 0, -1 for an address that was not allocated, -2 when
 * the VE process is gone.
 * veo_read_mem / veo_write_mem: copy between VH memory and any VE address
 * (VE memory, or data of a loaded VE library). 0, or a negative value. */
int veo_alloc_mem(struct veo_proc_handle *h, uint64_t *addr, const size_t size);
int veo_free_mem(struct veo_proc_handle *h, uint64_t addr);
int veo_read_mem(struct veo_proc_handle *h, void *dst, uint64_t src,
                 size_t size);
int veo_write_mem(struct veo_proc_handle *h, uint64_t dst, const void *src,
                  size_t size);

/* ---- contexts ------------------------------------------------------------
 * veo_context_open: the first call on a process returns its main context
 * (the one veo_call_sync uses); later calls start a new worker thread in the
 * VE process. NULL with errno on failure.
 * veo_context_close: waits until the context's queue is empty and stops its
 * thread; closing the main context does nothing. Returns 0, or -1.
 * veo_num_contexts: contexts opened and not closed (the main context counts
 * once opened). veo_get_context(h, i): the i-th of them, or NULL.
 * veo_get_context_state: VEO_STATE_RUNNING or VEO_STATE_EXIT.
 * veo_context_sync: returns when every request submitted so far has
 * finished (results stay collectable). */
int veo_num_contexts(struct veo_proc_handle *h);
struct veo_thr_ctxt *veo_get_context(struct veo_proc_handle *h, int idx);
struct veo_thr_ctxt *veo_context_open(struct veo_proc_handle *h);
int veo_context_close(struct veo_thr_ctxt *ctx);
int veo_get_context_state(struct veo_thr_ctxt *ctx);
void veo_context_sync(struct veo_thr_ctxt *ctx);

/* Context attributes: only the stack size of the context's thread. */
struct veo_thr_ctxt *veo_context_open_with_attr(struct veo_proc_handle *h,
                                                struct veo_thr_ctxt_attr *attr);
struct veo_thr_ctxt_attr *veo_alloc_thr_ctxt_attr(void);
int veo_free_thr_ctxt_attr(struct veo_thr_ctxt_attr *attr);
int veo_set_thr_ctxt_stacksize(struct veo_thr_ctxt_attr *attr, size_t size);
int veo_get_thr_ctxt_stacksize(struct veo_thr_ctxt_attr *attr, size_t *size);

/* ---- call arguments ------------------------------------------------------
 * Arguments are set by index (0 .. VEO_MAX_NUM_ARGS-1), in any order; a call
 * whose indices have a gap fails (VEO_REQUEST_ID_INVALID). Setters return 0,
 * or -1 for a NULL args or a bad index/intent.
 * veo_args_set_stack: the callee receives a pointer to a copy of buf[0..len)
 * in VE memory; for INOUT/OUT, buf must stay valid until the result has been
 * collected, when the copy is written back.
 * veo_args_set_hmem: the pointer as it is (hmem or VH), as AVEO passes it.
 * veo_args_clear: forget every argument; veo_args_free: free the object
 * (a submitted call keeps its own copy, so both are allowed right after a
 * veo_call_async). */
struct veo_args *veo_args_alloc(void);
int veo_args_set_i64(struct veo_args *args, int argnum, int64_t val);
int veo_args_set_u64(struct veo_args *args, int argnum, uint64_t val);
int veo_args_set_i32(struct veo_args *args, int argnum, int32_t val);
int veo_args_set_u32(struct veo_args *args, int argnum, uint32_t val);
int veo_args_set_i16(struct veo_args *args, int argnum, int16_t val);
int veo_args_set_u16(struct veo_args *args, int argnum, uint16_t val);
int veo_args_set_i8(struct veo_args *args, int argnum, int8_t val);
int veo_args_set_u8(struct veo_args *args, int argnum, uint8_t val);
int veo_args_set_double(struct veo_args *args, int argnum, double val);
int veo_args_set_float(struct veo_args *args, int argnum, float val);
int veo_args_set_stack(struct veo_args *args, enum veo_args_intent inout,
                       int argnum, char *buff, size_t len);
int veo_args_set_hmem(struct veo_args *args, int argnum, void *hmem);
void veo_args_clear(struct veo_args *args);
void veo_args_free(struct veo_args *args);

/* ---- calls ---------------------------------------------------------------
 * veo_call_async: queue a call of the VE function at `addr` on the context.
 * Returns a request id, or VEO_REQUEST_ID_INVALID (NULL/closed context, dead
 * VE process, addr 0, bad arguments, VE memory for stack arguments full).
 * The function's return value is its integer return register (a function
 * returning float/double is not supported: see docs/veo.md).
 * veo_call_async_by_name: veo_get_sym + veo_call_async.
 * veo_call_async_vh: queue a call of the VH function func(arg); it runs in
 * a VH thread (one that waits on, peeks at or syncs the context) once every
 * earlier request has finished, and later requests wait for it.
 * veo_call_wait_result: blocks until request `reqid` has finished, stores the
 * result and returns VEO_COMMAND_OK / _EXCEPTION / _ERROR (unknown id, or a
 * result already collected); -1 for a NULL context.
 * veo_call_peek_result: the same without blocking; VEO_COMMAND_UNFINISHED
 * while the request is queued or running.
 * veo_call_sync: call on the main context and wait; 0 when the call
 * finished normally, -1 when it could not be submitted, raised a VE
 * exception or failed (as AVEO). */
int veo_call_sync(struct veo_proc_handle *h, uint64_t addr,
                  struct veo_args *ca, uint64_t *result);
uint64_t veo_call_async(struct veo_thr_ctxt *ctx, uint64_t addr,
                        struct veo_args *args);
uint64_t veo_call_async_by_name(struct veo_thr_ctxt *ctx, uint64_t libhdl,
                                const char *symname, struct veo_args *args);
uint64_t veo_call_async_vh(struct veo_thr_ctxt *ctx, uint64_t (*func)(void *),
                           void *arg);
int veo_call_peek_result(struct veo_thr_ctxt *ctx, uint64_t reqid,
                         uint64_t *retp);
int veo_call_wait_result(struct veo_thr_ctxt *ctx, uint64_t reqid,
                         uint64_t *retp);

/* ---- memory requests on a context's queue (in order with the calls) ------
 * veo_alloc_mem_async: result = the VE address (0 when there is no room).
 * veo_free_mem_async: result = 0, or (uint64_t)-1 for an unknown address.
 * veo_async_read_mem / veo_async_write_mem: result = 0 on success, non-zero
 * on failure; the VH buffer must stay valid until the request has finished. */
uint64_t veo_alloc_mem_async(struct veo_thr_ctxt *ctx, const size_t size);
uint64_t veo_free_mem_async(struct veo_thr_ctxt *ctx, uint64_t addr);
uint64_t veo_async_read_mem(struct veo_thr_ctxt *ctx, void *dst, uint64_t src,
                            size_t size);
uint64_t veo_async_write_mem(struct veo_thr_ctxt *ctx, uint64_t dst,
                             const void *src, size_t size);

/* ---- versions ------------------------------------------------------------ */
const char *veo_version_string(void);
int veo_api_version(void); /* VEO_API_VERSION */

/* ---- heterogeneous memory (hmem) -----------------------------------------
 * An hmem pointer names VE memory of one VE process in a VH pointer: on
 * AVEO the VE address tagged in bits 63:59, here the VE memory's second
 * address in a reserved window (docs/veo.md); test it with veo_is_ve_addr,
 * never by its bits. It must never be dereferenced on the VH; VE code may.
 * veo_alloc_hmem: 0 and *addr = hmem pointer; -1 on failure. With h NULL
 * it allocates VH memory (a plain pointer), as AVEO does.
 * veo_free_hmem: 0, or -1; a plain VH pointer is freed with free(). veo_hmemcpy(dst, src, size): copies between any
 * mix of VH and hmem pointers; 0, or -1.
 * veo_get_proc_handle_from_hmem / veo_get_pid_from_hmem /
 * veo_get_venum_from_hmem: the owning process, its OS process id, its VE
 * node; NULL / -1 when the pointer names no live process.
 * veo_set_proc_identifier(addr, ident): the hmem pointer of VE address addr
 * in the process with identifier ident. */
int veo_alloc_hmem(struct veo_proc_handle *h, void **addr, const size_t size);
int veo_free_hmem(void *addr);
int veo_hmemcpy(void *dst, const void *src, size_t size);
struct veo_proc_handle *veo_get_proc_handle_from_hmem(const void *addr);
pid_t veo_get_pid_from_hmem(const void *addr);
int veo_get_venum_from_hmem(const void *addr);
void *veo_set_proc_identifier(void *addr, int proc_ident);

/* ---- hooks (AVEO) ----------------------------------------------------------
 * veo_register_hook(func, hook, payload): after the API function func (its
 * address, e.g. (void *)veo_alloc_mem) succeeded, hook(payload, ...) is
 * called with: veo_alloc_mem (h, uint64_t *addr, size_t size),
 * veo_free_mem (h, uint64_t addr), veo_alloc_hmem (h, void *hmem, size_t),
 * veo_free_hmem (h, void *hmem), veo_alloc_mem_async (ctx, uint64_t addr,
 * size_t) and veo_free_mem_async (ctx, uint64_t addr); the last two run in a
 * VH request queued behind the operation, whose id the call returns.
 * One hook per function; a second registration replaces the first.
 * veo_get_hook: the hook of func, or NULL. veo_unregister_hook: removes it.
 * veo_register_hmem_hook_functions(alloc, free): registers hooks on the four
 * memory calls that report hmem addresses to alloc(hmem, size) and
 * free(hmem); veo_unregister_hmem_hook_functions removes them. */
void veo_register_hook(void *func, void (*hook)(void *, ...), void *payload);
void *veo_get_hook(void *func);
void veo_unregister_hook(void *func);
void veo_register_hmem_hook_functions(void (*alloc)(void *, size_t), void (*free)(uint64_t));
void veo_unregister_hmem_hook_functions(void);

/* ---- request blocks (AVEO) -------------------------------------------------
 * Between veo_req_block_begin(ctx) and veo_req_block_end(ctx) only the
 * calling thread submits requests to ctx (others wait in their submitting
 * call), so the block's requests have consecutive ids. Blocks nest. */
void veo_req_block_begin(struct veo_thr_ctxt *ctx);
void veo_req_block_end(struct veo_thr_ctxt *ctx);

/* veo_get_ve_arch: the VE architecture of node venode (-1: $VE_NODE_NUMBER,
 * default 0): 3 (the software VE presents itself as a VE3), 0 for a node
 * that does not exist. */
int veo_get_ve_arch(int venode);

#ifdef __cplusplus
}
#endif
#endif
